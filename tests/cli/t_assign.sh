#!/bin/bash
# Case assignment (docs/security.md, Case assignment): a caseworker sees and
# files only in the cases assigned to them; two linked cases (separated
# parents) never share a caseworker; the link is shown to managers only.
# Issue property 3: a caseworker assigned to case A is refused every action
# on its linked case B, each refusal one line, nothing changed.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
make_docs "$T/d"
CW1=$("$CV" staff add "Cara Worker" --role caseworker --no-passphrase)
CW2=$("$CV" staff add "Dan Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$CW1" >/dev/null && "$CV" staff attest "$CW2" >/dev/null
A=$(new_case "Alpha Parent" "Shared Child" 2015-03-04)
B=$(new_case "Bravo Parent" "Shared Child" 2015-03-04)
"$CV" case link "$A" "$B" >/dev/null
"$CV" file "$A" "$T/d/letter.pdf" --class letter >/dev/null   # R-000001
"$CV" note "$B" --class phone-call --text "Bravo's account" >/dev/null  # R-000002

# ---- assigning: managers only; never to both linked cases ----
run_cv case assign "$A" "$CW1"
check "a manager assigns a caseworker to case A" test "$RC" -eq 0
expect_fail "assigning the same caseworker again is refused" case assign "$A" "$CW1"
expect_fail "the caseworker of A cannot be assigned to linked case B" case assign "$B" "$CW1"
check "  ... saying why (separate caseworkers)" grep -q "separate caseworker" <<<"$ERR"
check "  ... and nothing was assigned" test "$(db "SELECT count(*) FROM case_staff WHERE case_id = '$B'")" = 0
expect_fail "a manager is not assigned (managers see every case)" case assign "$A" S-0001
expect_fail "an unknown staff member is refused" case assign "$A" S-0099
expect_fail "an unknown case is refused" case assign C-2099-9999 "$CW1"
expect_fail "a caseworker may not assign" --as "$CW1" case assign "$A" "$CW2"
check "  ... (role refusal)" grep -q "may not administer staff" <<<"$ERR"
run_cv case assign "$B" "$CW2"
check "another caseworker is assigned to B" test "$RC" -eq 0

# ---- the caseworker of A works in A ----
run_cv --as "$CW1" ls "$A"
check "CW1 lists case A" test "$RC" -eq 0
run_cv --as "$CW1" get R-000001 --purpose test-copy -o "$T/a.pdf"
check "CW1 reads A's record" test "$RC" -eq 0
run_cv --as "$CW1" note "$A" --class phone-call --text "call about A"
check "CW1 files into A" test "$RC" -eq 0

# ---- property 3: every action on linked case B is refused ----
declare -a ACTS=(
	"ls $B"
	"get R-000002"
	"case show $B"
	"note $B --class phone-call --text x"
	"file $B $T/d/scan.png --class letter"
	"case close $B"
	"case person add $B Someone --kind third-party"
	"case person list $B"
	"hold add $B --reason check"
)
for a in "${ACTS[@]}"; do
	# shellcheck disable=SC2086
	expect_fail "CW1 (on A) is refused on linked B: $a" --as "$CW1" $a
	grep -q "not assigned to case $B" <<<"$ERR" || fail "  ... refusal does not say CW1 is not assigned: $ERR"
done
run_cv --as "$CW1" --json case list --names
check "CW1's case list holds A" grep -q "$A" <<<"$OUT"
check "CW1's case list does not hold B" not grep -q "$B" <<<"$OUT"
check "CW1's case list shows no name of B's parent" not grep -q "Bravo" <<<"$OUT"
run_cv --as "$CW1" case list
check "CW1's plain case list does not hold B" not grep -q "$B" <<<"$OUT"
refusals=$(db "SELECT count(*) FROM audit WHERE actor = '$CW1' AND action = 'access' AND outcome != 'ok' AND (ids LIKE '%$B%' OR ids = 'R-000002')")
check "each refusal is in the audit trail ($refusals)" test "$refusals" -ge "${#ACTS[@]}"
check "B's records and the index's cases are unchanged" \
	test "$(db "SELECT count(*) FROM records WHERE case_id = '$B'")" = 1

# ---- the link: shown to managers only ----
run_cv --as "$CW1" --json case show "$A"
check "case show lists A's caseworkers" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["case"]; assert c["caseworkers"] == [sys.argv[2]], c' "$OUT" "$CW1"
check "a caseworker does not see that A is linked" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["case"]; assert "linked" not in c, c' "$OUT"
run_cv --as "$CW1" case show "$A"
check "  ... nor in the text form" not grep -q -i "linked\|$B" <<<"$OUT"
run_cv --json case show "$A"
check "a manager sees the link" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["case"]; assert c["linked"] == [sys.argv[2]], c' "$OUT" "$B"
run_cv case show "$A"
check "  ... in the text form too" grep -q "^linked  *$B" <<<"$OUT"

# ---- link refused when the two cases share a caseworker ----
D=$(new_case "Delta Parent" "Delta Child" 2016-01-01)
E=$(new_case "Echo Parent" "Delta Child" 2016-01-01)
"$CV" case assign "$D" "$CW2" >/dev/null && "$CV" case assign "$E" "$CW2" >/dev/null
expect_fail "linking two cases with a caseworker in common is refused" case link "$D" "$E"
check "  ... naming the caseworker" grep -q "$CW2" <<<"$ERR"
check "  ... and no link was made" test "$(db "SELECT count(*) FROM case_links WHERE a = '$D' OR b = '$D'")" = 0
run_cv case unassign "$E" "$CW2"
check "a manager unassigns" test "$RC" -eq 0
run_cv case link "$D" "$E"
check "then the link is made" test "$RC" -eq 0
expect_fail "unassigning someone not assigned is refused" case unassign "$E" "$CW2"

# ---- a caseworker's own new case is theirs; unassigning ends access ----
F=$(CASEVAULT_DIR=$V "$CV" --as "$CW1" case open --parent "Fox Parent" --child "Fox Child" --child-dob 2017-02-02 --pr-confirmed)
run_cv --as "$CW1" --json case show "$F"
check "a caseworker who opens a case is assigned to it" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["case"]; assert c["caseworkers"] == [sys.argv[2]], c' "$OUT" "$CW1"
run_cv case unassign "$A" "$CW1"
expect_fail "after unassigning, CW1 is refused on A" --as "$CW1" ls "$A"
run_cv --as "$CW2" ls "$A"
check "CW2 (never on A) is refused on A" test "$RC" -ne 0
check "audit has case.assign and case.unassign" \
	test "$(db "SELECT count(DISTINCT action) FROM audit WHERE action IN ('case.assign', 'case.unassign')")" = 2

# ---- the upgrade to schema 17: openers and filers keep their cases ----
snapshot
# back to before case assignment (schema 16): its migration and every later one (consents,
# intake, storage limitation, release order, e-mail parts: all empty here) are undone, so the open
# runs them again
ver=$(db 'PRAGMA user_version')
sqlite3 "$V/vault.db" "DROP TABLE case_staff; DROP TABLE consents; DROP TABLE intake;
	DELETE FROM counters WHERE name = 'intake';
	ALTER TABLE cases DROP COLUMN erased; ALTER TABLE cases DROP COLUMN erase_certificate;
	ALTER TABLE holds DROP COLUMN released_after_review;
	DROP TRIGGER record_parts_gone; DROP TABLE record_parts;
	ALTER TABLE disclosure_items DROP COLUMN decided_at; DROP INDEX audit_action;
	DROP TRIGGER record_words_gone; DROP TRIGGER record_words_section; DROP TABLE record_words;
	PRAGMA user_version = 16;"
run_cv audit verify
check "the upgraded vault opens and its audit trail verifies ($ERR)" test "$RC" -eq 0
run_cv --json case show "$F"
check "after the upgrade, the caseworker who opened F is on it" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["case"]; assert sys.argv[2] in c["caseworkers"], c' "$OUT" "$CW1"
run_cv --json case show "$A"
check "after the upgrade, the caseworker who filed into A is on it" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["case"]; assert sys.argv[2] in c["caseworkers"], c' "$OUT" "$CW1"
run_cv --json case show "$B"
check "a linked case gets no caseworker of its pair" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["case"]; assert sys.argv[2] not in c["caseworkers"], c' "$OUT" "$CW1"
check "the vault is at the current schema again" test "$(db 'PRAGMA user_version')" = "$ver"
restore
finish
