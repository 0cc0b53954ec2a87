#!/bin/bash
# One JSON vocabulary (docs/json.md): every error carries a stable "code" a
# script can match, from the one table in cli/main.c; and every command's
# --json output, success and failure, is valid against its schema in
# docs/schemas/ (a command with no schema, or never run here, fails).
. "$(dirname "$0")/lib.sh"

new_test_vault
C=$(new_case)

# code_is CODE EXIT ARGS...: casevault --json ARGS fails with this code and exit status
code_is() {
	local want=$1 ex=$2; shift 2
	run_cv --json "$@"
	if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] is False and d["code"] == sys.argv[2] and d["exit"] == int(sys.argv[3]), d' \
		"$OUT" "$want" "$ex" 2>/dev/null && [ "$RC" = "$ex" ]; then
		ok "'$*': code $want, exit $ex"
	else
		fail "'$*': expected code $want exit $ex, got exit $RC: $OUT"
	fi
}

code_is not-found 1 get R-009999 -o "$T/x" --purpose "schema check"
code_is not-found 1 ls C-2099-9999
code_is invalid 1 retention due --as-of 2020-13-45
code_is invalid 2 case open --parent P --child K --child-dob 01/02/2019 --pr-confirmed
code_is usage 2 ls --bogus
code_is usage 2 frobnicate
W=$("$CV" staff add "Wendy Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$W" >/dev/null
code_is refused 1 --as "$W" staff add "Xavier" --role caseworker --no-passphrase
# another purge holds the vault's purge lock
flock "$V/.purge.lock" sh -c ': >"$1"; for _ in $(seq 600); do [ -e "$2" ] && break; sleep 0.05; done' sh "$T/held" "$T/release" &
lockpid=$!
for _ in $(seq 200); do [ -e "$T/held" ] && break; sleep 0.05; done
code_is locked 1 purge --yes
: >"$T/release"
wait "$lockpid"
rm -f "$V/.purge.lock"   # flock made it with the shell's umask; purge makes its own 0600
check "nothing was filed by the refusals" test "$("$CV" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 0

# ---- every command's output against its schema ----
COMMANDS=$("$CV" help --commands | python3 -c 'import json,sys; print("\n".join(c["name"] for c in json.load(sys.stdin)["commands"]))')
J=$T/json
mkdir -p "$J"
N=0
# cmd_name ARGS...: the command an argument list runs ("case person add" -> case-person-add)
cmd_name() {
	local k w
	for k in 3 2 1; do
		w="${*:1:$k}"
		if grep -qxF -- "$w" <<<"$COMMANDS"; then printf '%s' "${w// /-}"; return; fi
	done
	printf 'unknown'
}
# j ARGS...: casevault --json ARGS; the output kept as $J/COMMAND.N.json, its status in .rc
j() {
	local name
	name=$(cmd_name "$@")
	N=$((N + 1))
	LAST=$J/$name.$N
	"$CV" --json "$@" >"$LAST.json" 2>>"$T/j.err" </dev/null
	echo "$?" >"$LAST.rc"
}
# val EXPR: a value of the last output (python, d the object)
val() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$LAST.json" "$1"; }

# ---- the scenario: one small vault, every command at least once with success ----
printf 'hello\n' >"$T/a.txt"
printf 'second\n' >"$T/b.txt"
j classes
j case list
j case show "$C"
j case open --parent "Pat Parent" --child "Kim Child" --child-dob 2015-03-04 --pr-confirmed
C2=$(val 'd["case"]')
j file "$C" "$T/a.txt" --class letter --date 2026-01-10
R1=$(val 'd["filed"][0]["record"]')
j note "$C" --class phone-call --title "Call" --text "A call."
R2=$(val 'd["filed"][0]["record"]')
printf 'case,path,class,section,title,date\n%s,%s,letter,case,Old letter,2019-02-01\n' "$C" "$T/b.txt" >"$T/m.csv"
j import "$T/m.csv"
R3=$(val 'd["filed"][0]["record"]')
printf 'case,path,class,section,title,date\n%s,%s,letter,case,Gone,2019-02-01\n' "$C" "$T/missing.txt" >"$T/bad.csv"
j import "$T/bad.csv"
j ls "$C"
j search letter
j search letter --case "$C"
j get "$R1" -o "$T/got.txt" --purpose "schema check"
j verify
j audit show
j audit verify
j doctor
j policy check "$CASEVAULT_POLICY_DIR/retention.ini"
j policy adopt
j staff list
j staff add "Wes Worker" --role caseworker --no-passphrase
W2=$(val 'd["staff"]')
j staff attest "$W2"
j case assign "$C" "$W2"
j case unassign "$C" "$W2"
j staff revoke "$W2"
j case person add "$C" "Gran Parent" --kind third-party --phone "01234 567890"
j case person list "$C"
j case link "$C" "$C2"
j case set-dob "$C2" 2015-03-05
j case notice "$C" --told 2026-01-02 --how phone --policy-version 2026-1
j case contact "$C" --message-ok no --how phone
j hold add "$R2" --reason "Complaint"
H=$(val 'd["hold"]')
j hold list
j hold release "$H"
j retention due
j retention recompute
# a case closed long ago: its EHCP record is due for a manager's review, then for the purge
j case open --parent "Old Parent" --child "Old Child" --child-dob 1985-01-01 --pr-confirmed --opened 2001-01-01
C3=$(val 'd["case"]')
j note "$C3" --class sen-ehcp --title "EHCP review" --text "Plan reviewed." --date 2001-02-01
RV=$(val 'd["filed"][0]["record"]')
j note "$C3" --class sen-ehcp --title "EHCP plan" --text "Plan." --date 2001-03-01
RD=$(val 'd["filed"][0]["record"]')
j case close "$C3" --date 2002-01-01
j review
j review approve "$RV"
CASEVAULT_TODAY=2014-01-01 j review defer "$RD" --until 2015-06-01 --reason "Sibling case open"
j request open "$C" --requester "Pat Parent" --relationship client --received 2026-01-05 --pr-confirmed
Q=$(val 'd["request"]')
j request list
j request show "$Q"
j request decide "$Q" "$R1" "$R2" "$R3" --release --reason "ordinary letter"
j request pause "$Q" --reason "clarification asked"
j request resume "$Q"
j request verify-id "$Q" --date 2026-01-05
j request extend "$Q" --reason "many records" --notified 2026-01-06 --complex
printf 'hello [redacted]\n' >"$T/redacted.txt"
j request attach "$Q" "$R1" "$T/redacted.txt"
j request bundle "$Q" -o "$T/bundle.zip" --show-passphrase
j request log "$Q"
j request close "$Q"
j request open "$C" --requester "Pat Parent" --relationship client --received 2026-01-05 --id-verified 2026-01-05 --pr-confirmed --kind restriction --records "$R1"
j request lift "$(val 'd["request"]')"
j refer "$C" --to "LA officer" --reason "Concern" --basis "s47" --records "$R1"
j refer list "$C"
j enquiry add --text "Asked about assessments"
j enquiry list
j consent add "$C" --to "School" --oral --given 2026-01-03 --by parent
K=$(val 'd["consent"]')
j consent list "$C"
j consent due
j share "$C" --to "School" --purpose "support plan" -o "$T/share.zip" --records "$R1" --show-passphrase
j consent withdraw "$K"
j record set "$R2" --title "Call back" --reason "typo"
j record move "$R3" "$C2" --reason "other family"
j record erase "$R3" --reason "erasure upheld"
j certificates list
j certificates show 1
j purge --dry-run
j purge --yes
printf 'a letter from school\n' >"$T/c.txt"
j intake add "$T/c.txt"
I=$(val 'd["intake"]')
j intake list
j intake show "$I" -o "$T/look.txt"
j intake assign "$I" "$C" --class letter --title "Letter" --date 2026-01-09
j intake add "$T/b.txt"
j intake reject "$(val 'd["intake"]')" --reason wrong-office
j case close "$C2"
j case reopen "$C2"
printf '%s\n' "a-backup-passphrase-of-more-than-32-chars" >"$T/secret"
chmod 600 "$T/secret"
j backup "$T/bk.pgp" --keys "$T/keys.pgp" --secret-file "$T/secret"
j restore "$T/bk.pgp" "$T/restored" --keys "$T/keys.pgp" --secret-file "$T/secret"
j lock
j init "$T/v2" --no-passphrase --name "Second Manager"
# a vault made before purge keys existed: its purge key is made afterwards
GNUPGHOME=$T/v2/purge-key gpgconf --kill all 2>/dev/null
rm -rf "$T/v2/purge-key"
sqlite3 "$T/v2/vault.db" "DELETE FROM meta WHERE key = 'purge_key'"
CASEVAULT_DIR=$T/v2 j purge-key init

# every command failing: an unknown option is a usage error in every command's schema
while read -r cmd; do
	# shellcheck disable=SC2086
	j $cmd --no-such-option
done <<<"$COMMANDS"

# CV_JSON_KEEP=DIR keeps the outputs (to write a new command's schema from them)
if [ -n "${CV_JSON_KEEP:-}" ]; then rm -rf "$CV_JSON_KEEP"; cp -r "$J" "$CV_JSON_KEEP"; cp "$T/j.err" "$CV_JSON_KEEP/"; fi
python3 - "$CV_SOURCE_DIR/docs/schemas" "$J" "$COMMANDS" <<'PY' && ok "every command's --json output is valid against its schema" || fail "schema check (above)"
import glob, json, os, sys
import jsonschema
sdir, jdir, commands = sys.argv[1], sys.argv[2], sys.argv[3].split("\n")
store = {}
for f in glob.glob(os.path.join(sdir, "*.schema.json")):
    s = json.load(open(f))
    store[s["$id"]] = s
bad = 0
for cmd in commands:
    name = cmd.replace(" ", "-")
    path = os.path.join(sdir, name + ".schema.json")
    if not os.path.exists(path):
        print(f"no schema for '{cmd}': add docs/schemas/{name}.schema.json"); bad += 1; continue
    schema = json.load(open(path))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema, resolver=jsonschema.RefResolver.from_schema(schema, store=store))
    outs = sorted(glob.glob(os.path.join(jdir, name + ".*.json")))
    seen = {True: 0, False: 0}
    for o in outs:
        try:
            d = json.load(open(o))
        except ValueError as e:
            print(f"{os.path.basename(o)}: not JSON: {e}"); bad += 1; continue
        rc = int(open(o[:-5] + ".rc").read())
        if d.get("ok") is not (rc == 0) and not (cmd in ("verify", "audit verify", "doctor") and rc == 1):
            print(f"{os.path.basename(o)}: ok {d.get('ok')} but exit {rc}"); bad += 1
        errs = list(v.iter_errors(d))
        if errs:
            e = jsonschema.exceptions.best_match(errs)
            print(f"{os.path.basename(o)}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
            bad += 1
        seen[d.get("ok") is True] += 1
    if not seen[True]:
        print(f"'{cmd}': no successful output was checked"); bad += 1
    if not seen[False]:
        print(f"'{cmd}': no failure was checked"); bad += 1
print(f"# {len(glob.glob(os.path.join(jdir, '*.json')))} outputs of {len(commands)} commands checked")
sys.exit(bad > 0)
PY

finish
