#!/bin/bash
# record move (docs/commands/record-move.md, docs/legal-rules.md LR-18): a
# misfiled record re-filed into the right case.  The issue's property 1: a
# copy of the old case's archive taken before the move no longer decrypts
# with any key the vault holds after it; the new case lists the record and
# get gives it byte for byte; the audit trail names both cases.  Refusals
# change nothing; a move killed at each of its crash points leaves the
# record in exactly one archive, and verify and audit verify pass.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/unwrap.sh"

archive_of() { db "SELECT a.file FROM archives a JOIN records r ON r.archive_id = a.id WHERE r.id = '$1'"; }
# every key the vault holds: the section master keys from the keyslips, then every archive key they unwrap
vault_keys() {
	local rowid slip sec hex file m
	local -a masters=()
	while IFS= read -r rowid; do
		slip=$(db "SELECT slip FROM keyslips WHERE rowid = $rowid" | gpg --homedir "$V/gnupg" --batch --quiet --decrypt 2>/dev/null)
		while read -r sec hex; do { [ "$sec" = case ] || [ "$sec" = cp ]; } && masters+=("$hex"); done <<<"$slip"
	done < <(db "SELECT rowid FROM keyslips")
	printf '%s\n' "${masters[@]}"
	while IFS= read -r file; do
		for m in "${masters[@]}"; do unwrap_key "$m" "$V/vault.db" "$file"; echo; done
	done < <(db "SELECT file FROM archives")
}
opens_with_any() { # FILE: 0 when some key the vault holds decrypts it
	local k
	while IFS= read -r k; do
		[ -n "$k" ] && opens_archive "$V/gnupg" "$k" "$1" && return 0
	done < <(vault_keys)
	return 1
}
once() { # RECORD: in exactly one case's listing, its row in the index once, its archive file there
	local a b f
	a=$(rec_ids "$A"); b=$(rec_ids "$B"); f=$(archive_of "$1")
	[ "$(printf '%s %s\n' "$a" "$b" | tr ' ' '\n' | grep -cx "$1")" -eq 1 ] &&
		[ "$(db "SELECT count(*) FROM records WHERE id = '$1'")" -eq 1 ] && [ -n "$f" ] && [ -f "$V/archives/$f" ]
}

new_vault
A=$(new_case "A Parent" "A Child" 2015-05-05)
B=$(new_case "B Parent" "B Child" 2016-06-06)
printf 'Letter to the B family\n' >"$T/a1.txt"
printf 'Letter to the A family\n' >"$T/a2.txt"
printf 'Single letter\n' >"$T/a3.txt"
"$CV" file "$A" "$T/a1.txt" "$T/a2.txt" --class letter >/dev/null
"$CV" file "$A" "$T/a3.txt" --class letter >/dev/null
read -r R1 R2 R3 <<<"$(rec_ids "$A")"

# ---- property 1 ----
OLD=$(archive_of "$R1")
cp "$V/archives/$OLD" "$T/old.pgp"
check "control: before the move the copy of A's archive opens with the vault's keys" opens_with_any "$T/old.pgp"
run_cv record move "$R1" "$B" --reason "filed into the wrong family's case"
check "record move succeeds" test "$RC" -eq 0
check "it says where from and to" grep -q "moved from $A to $B" "$T/out"
check "B lists the record" grep -qw "$R1" <<<"$(rec_ids "$B")"
check "A no longer lists it" not grep -qw "$R1" <<<"$(rec_ids "$A")"
check "A keeps its other record" test "$(rec_ids "$A")" = "$R2 $R3"
"$CV" get "$R1" --purpose test-copy -o "$T/g1" >/dev/null 2>&1
check "get gives the moved record byte for byte" cmp -s "$T/a1.txt" "$T/g1"
"$CV" get "$R2" --purpose test-copy -o "$T/g2" >/dev/null 2>&1
check "the record left behind reads byte for byte" cmp -s "$T/a2.txt" "$T/g2"
check "the old archive file is gone" test ! -e "$V/archives/$OLD"
check "the copy of A's old archive opens with no key the vault holds now" not opens_with_any "$T/old.pgp"
check "the old archive's key is gone from the key store" \
	test "$(sqlite3 -readonly "$V/keys.db" "SELECT count(*) FROM archive_keys WHERE file = '$OLD'")" -eq 0
"$CV" audit show >"$T/audit" 2>&1
check "the audit trail shows the move with both cases" grep -qE "record\.move +ok +$R1 $A $B" "$T/audit"
check "the corrections register has the move, its reason sealed" \
	test "$(db "SELECT kind, record_id, from_case, to_case, typeof(reason) FROM corrections")" = "moved|$R1|$A|$B|blob"
check "the reason is not in the index in clear" not grep -qa "wrong family" "$V/vault.db"
run_cv verify
check "verify passes after the move" test "$RC" -eq 0
run_cv audit verify
check "audit verify passes after the move" test "$RC" -eq 0
run_cv --json record move "$R3" "$B"
check "a record alone in its archive moves; the archive is erased (--json)" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["ok"] and d["archives_erased"] == 1 and d["to_case"] == sys.argv[2]))' "$T/out" "$B"

# ---- refusals change nothing ----
snapshot
before=$(tree_hash "$V")
expect_fail "an unknown record is refused" record move R-009999 "$A"
expect_fail "a case id that is not one is refused" record move "$R2" "X-1"
expect_fail "an unknown case is refused" record move "$R2" C-2026-0099
expect_fail "moving into the case it is in is refused" record move "$R2" "$A"
expect_fail "an unknown request is refused" record move "$R2" "$B" --request REQ-2026-0099
"$CV" hold add "$A" --reason "tribunal" >/dev/null
before=$(tree_hash "$V")
expect_fail "a record of a held case is not moved" record move "$R2" "$B"
check "the hold's refusal names the hold" grep -q "under hold" "$T/err"
check "a refused move changed nothing" test "$(tree_hash "$V")" = "$before"
restore

# ---- crash points ----
snapshot
for point in fix-pending purge-rewrite-tmp fix-written fix-keys-stored fix-before-commit fix-after-commit; do
	restore
	CASEVAULT_CRASHPOINT=$point "$CV" record move "$R2" "$B" >/dev/null 2>&1
	rc=$?
	check "$point: the move was killed there" test "$rc" -eq 137
	run_cv verify
	check "$point: verify passes after the crash ($ERR)" test "$RC" -eq 0
	run_cv audit verify
	check "$point: audit verify passes after the crash" test "$RC" -eq 0
	check "$point: the record is in exactly one case and archive" once "$R2"
	check "$point: no archive file outside the index" \
		test "$(ls -A "$V/archives" | grep -c .)" -eq "$(db 'SELECT count(*) FROM archives')"
	"$CV" get "$R2" --purpose test-copy -o "$T/c2" >/dev/null 2>&1
	check "$point: the record reads byte for byte" cmp -s "$T/a2.txt" "$T/c2"
	rm -f "$T/c2"
	run_cv record move "$R2" "$B"
	[ "$(archive_of "$R2")" ] && check "$point: B lists the record once the move is made (again)" grep -qw "$R2" <<<"$(rec_ids "$B")"
done
finish
