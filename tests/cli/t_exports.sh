#!/bin/bash
# Every way out is governed (docs/legal-rules.md §17): every command the
# command table flags as writing record content out of the vault
# ('casevault help --commands': "exports") is run here, and each run must
# add an audit event naming what went out.  A command added later with the
# flag (share, record move, ...) has no recipe below and fails this test
# until one is added; a command that writes a named file but lacks the flag
# fails it too.  get -o needs --purpose (docs/commands/get.md, Purpose): the
# purpose is recorded (sealed), audited, and shown by audit show; get to
# standard output is a view, audited as a read, and needs none.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Export Parent" "Export Child" 2016-02-02)
"$CV" note "$C" --class phone-call --text "Export call note" >/dev/null   # R-000001
R=$("$CV" --json request open "$C" --requester "Export Parent" --relationship client --received 2026-11-02 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
"$CV" request decide "$R" R-000001 --release --reason "the parent's own call" >/dev/null

"$CV" consent add "$C" --to export-school --oral >/dev/null
"$CV" intake add "$CV_SOURCE_DIR/tests/fixtures/formats/photo.jpg" >/dev/null   # I-000001
printf "a long backup passphrase for t_exports\n" >"$T/backup.secret"
# One recipe per exporting command: its arguments, and the audit action it must leave.
declare -A RECIPE=(
	[get]="get R-000001 -o $T/get1.txt --purpose tribunal-bundle-prep"
	[backup]="backup $T/backup1.cvb --secret-file $T/backup.secret"
	[request bundle]="request bundle $R -o $T/sar.zip --show-passphrase"
	[share]="share $C --to export-school -o $T/share.zip --show-passphrase"
	[intake show]="intake show I-000001 -o $T/intake1.jpg"
)
declare -A ACTION=( [get]="record.get" [backup]="backup" [request bundle]="request.bundle" [share]="share" [intake show]="intake.show" )

run_cv help --commands
check "help --commands gives the command table" test "$RC" -eq 0
python3 -c '
import json,sys
for c in json.load(sys.stdin)["commands"]:
    print("%s\t%d\t%d" % (c["name"], c["exports"], c["writes_file"]))' <<<"$OUT" >"$T/cmds"
check "the table lists get as exporting" grep -qx $'get\t1\t1' "$T/cmds"
nexp=0
while IFS=$'\t' read -r name exports writes; do
	if [ "$writes" = 1 ] && [ "$exports" = 0 ]; then
		fail "'$name' writes a named file but is not flagged EXPORTS_CONTENT (cli/cli.h)"
	fi
	[ "$exports" = 1 ] || continue
	nexp=$((nexp + 1))
	if [ -z "${RECIPE[$name]:-}" ]; then
		fail "'$name' writes record content out of the vault but has no recipe in t_exports.sh: add one"
		continue
	fi
	before=$(db "SELECT count(*) FROM audit WHERE action = '${ACTION[$name]}' AND outcome = 'ok'")
	# shellcheck disable=SC2086
	run_cv ${RECIPE[$name]}
	check "'$name' runs ($ERR)" test "$RC" -eq 0
	after=$(db "SELECT count(*) FROM audit WHERE action = '${ACTION[$name]}' AND outcome = 'ok'")
	check "'$name' leaves an audit event (${ACTION[$name]})" test "$after" -eq $((before + 1))
done <"$T/cmds"
check "four or more exporting commands were run" test "$nexp" -ge 4

# get --purpose: recorded before the read, sealed, audited with the record.
check "get -o --purpose is recorded as an export" \
	test "$(db "SELECT count(*) FROM audit WHERE action = 'record.export' AND ids = 'export-1 R-000001'")" = 1
check "the export's destination is the file" test "$(db 'SELECT dest FROM exports WHERE id = 1')" = file
check "the purpose is sealed" not grep -aqs "tribunal-bundle-prep" "$V/vault.db" "$V/vault.db-wal"
"$CV" get R-000001 --purpose "copy for the parent's solicitor" | cat >"$T/piped.txt"
check "get to a pipe with --purpose is recorded as an export to stdout" \
	test "$(db 'SELECT dest FROM exports WHERE id = 2')" = stdout
check "the piped copy is the record" cmp -s "$T/piped.txt" "$T/get1.txt"
n0=$(db 'SELECT count(*) FROM exports')
expect_fail "a purpose of two lines is refused" get R-000001 -o "$T/get3.txt" --purpose $'a\nb'
check "nothing is written when the purpose is refused" test ! -e "$T/get3.txt"
expect_fail "an unknown record is refused before any export is recorded" get R-000099 -o "$T/get4.txt" --purpose x
check "no export recorded by refusals" test "$(db 'SELECT count(*) FROM exports')" = "$n0"

# ---- get -o without a purpose: refused before anything is written or audited ----
n0=$(db 'SELECT count(*) FROM exports')
a0=$(db 'SELECT count(*) FROM audit')
expect_fail "get -o without --purpose is refused" get R-000001 -o "$T/nopurpose.txt"
check "  ... as a usage error (exit 2)" test "$RC" -eq 2
check "  ... naming --purpose with an example" grep -q -- "needs --purpose TEXT.*casevault get R-000001 -o .* --purpose" <<<"$ERR"
check "  ... nothing written" test ! -e "$T/nopurpose.txt"
expect_fail "get --json -o without --purpose is refused too" --json get R-000001 -o "$T/nopurpose.txt"
check "  ... exit 2, nothing written" test "$RC" -eq 2 -a ! -e "$T/nopurpose.txt"
check "no export was recorded by the refusals" test "$(db 'SELECT count(*) FROM exports')" = "$n0"
check "and nothing was audited" test "$(db 'SELECT count(*) FROM audit')" = "$a0"
run_cv get R-000001 -o "$T/withpurpose.txt" --purpose "copy for the tribunal"
check "get -o with --purpose writes the record ($ERR)" eval '[ "$RC" -eq 0 ] && cmp -s "$T/withpurpose.txt" "$T/get1.txt"'
check "  ... and records the export" test "$(db 'SELECT count(*) FROM exports')" = $((n0 + 1))

# ---- get to standard output: a view, audited as a read, no purpose needed ----
g0=$(db "SELECT count(*) FROM audit WHERE action = 'record.get' AND outcome = 'ok'")
n0=$(db 'SELECT count(*) FROM exports')
"$CV" get R-000001 >"$T/view.txt" 2>"$T/err"
check "get to standard output without --purpose works" cmp -s "$T/view.txt" "$T/get1.txt"
check "  ... audited as a read (record.get)" \
	test "$(db "SELECT count(*) FROM audit WHERE action = 'record.get' AND outcome = 'ok'")" = $((g0 + 1))
check "  ... not recorded as an export" test "$(db 'SELECT count(*) FROM exports')" = "$n0"

# ---- the purpose in the audit trail, for a manager ----
run_cv audit show --record R-000001
check "audit show gives an export's purpose" grep -qE "record\.export +ok +export-1 R-000001  purpose: tribunal-bundle-prep$" <<<"$OUT"
check "  ... each export its own" grep -qE "export-2 R-000001  purpose: copy for the parent's solicitor$" <<<"$OUT"
check "  ... and a read has none" not grep -qE "record\.get .*purpose" <<<"$OUT"
run_cv --json audit show --record R-000001
check "audit show --json gives the purpose" python3 -c '
import json,sys
ev = {" ".join(e["ids"]): e for e in json.load(sys.stdin)["events"] if e["action"] == "record.export"}
assert ev["export-3 R-000001"]["purpose"] == "copy for the tribunal", ev
assert all("purpose" not in e for e in json.load(open(sys.argv[1]))["events"] if e["action"] != "record.export")
' "$T/out" <<<"$OUT"
AUD=$("$CV" staff add "Ann Auditor" --role auditor --no-passphrase)
"$CV" staff attest "$AUD" >/dev/null
run_cv --as "$AUD" audit show --record R-000001
check "an auditor sees the export's event ($ERR)" grep -qE "record\.export +ok +export-1 R-000001" <<<"$OUT"
check "  ... but not its purpose (an auditor reads no records)" not grep -q "purpose" <<<"$OUT"
finish
