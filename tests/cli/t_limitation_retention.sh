#!/bin/bash
# Retention edge cases (docs/legal-rules.md §12-§14): an approval of
# destruction is void once a moratorium or a hold has stood on the record
# since it was given, so the purge waits for a fresh review; an approval
# with no hold since still goes.  SEN/EHCP material is not kept past the
# child's date of birth + 31 years even when the case closes after 25.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
at 2018-01-02
C=$(new_case "Edge Parent" "Edge Child" 2000-01-01)
printf 'cp one\n' | "$CV" note "$C" --class cp-note --cp >/dev/null   # R-000001
printf 'cp two\n' | "$CV" note "$C" --class cp-note --cp >/dev/null   # R-000002
at 2019-01-02
"$CV" case close "$C" >/dev/null   # DOB + 25 and closure + 6 both before 2026
at 2026-06-01
status_of() {
	"$CV" --json retention due | python3 -c 'import json,sys
d=[r["status"] for r in json.load(sys.stdin)["records"] if r["id"] == sys.argv[1]]; print(d[0] if d else "gone")' "$1"
}
check "R-000001 is due for review" test "$(status_of R-000001)" = awaiting-review

"$CV" review approve R-000001 >/dev/null
"$CV" review approve R-000002 >/dev/null
check "approved, it would go" test "$(status_of R-000001)" = approved
run_cv hold add R-000001 --moratorium --reason "IICSA moratorium"
check "a moratorium is placed after the approval" test "$RC" -eq 0
H=$(db "SELECT id FROM holds WHERE record_id = 'R-000001'")
check "while it stands the record is held" test "$(status_of R-000001)" = held
"$CV" hold release "$H" >/dev/null
check "released, the approval is void: a fresh review is needed" test "$(status_of R-000001)" = awaiting-review
check "a record approved with no hold since still goes" test "$(status_of R-000002)" = approved
run_cv purge --yes
check "the purge runs ($ERR)" test "$RC" -eq 0
check "the purge destroyed the record without a hold" test "$(db "SELECT count(*) FROM records WHERE id = 'R-000002'")" = 0
check "the purge kept the record whose approval a moratorium voided" \
	test "$(db "SELECT count(*) FROM records WHERE id = 'R-000001'")" = 1
"$CV" review approve R-000001 >/dev/null
sqlite3 "$V/vault.db" "select * from reviews; select id,placed_at,released_at from holds" >&2; check "a fresh approval stands" test "$(status_of R-000001)" = approved
run_cv purge --yes
check "after the fresh review the purge destroys it" test "$(db "SELECT count(*) FROM records WHERE id = 'R-000001'")" = 0

# SEN/EHCP: the child (born 2000-01-01) is 26 when the case closes; closure + 6
# years would be 2032, but the ceiling is DOB + 31 years (2031, its quarter start).
D=$(new_case "Sen Parent" "Sen Child" 2000-01-01)
"$CV" note "$D" --class sen-ehcp --text "EHCP annual review" >/dev/null
S=$(db "SELECT id FROM records WHERE case_id = '$D'")
"$CV" case close "$D" --date 2026-06-01 >/dev/null
d=$(retain_of "$S")
check "SEN material closed at 26 is kept to at most DOB + 31 years ($d)" test "$d" \< 2031-01-02 -a "$d" \> 2030-09-30
finish
