#!/bin/bash
# The day a record goes does not date a birth (docs/legal-rules.md §12,
# docs/retention.md "Dates from a date of birth"):
#   - child-protection and SEN/EHCP material kept to DOB + 25 years falls due
#     on the last day of that birthday's quarter, never on the birthday, and
#     two children born in one quarter share the date;
#   - SEN/EHCP material of a case that closed after the child turned 25 goes
#     on the first day of the quarter of DOB + 31 years, its ceiling, never
#     after it; a closure's own date stays exact;
#   - after both are reviewed and purged, neither the certificates, nor the
#     audit trail, nor vault.db and its WAL, nor any file of the vault holds
#     a birth, or a birth + 25 or + 31 years, in any of the usual formats;
#   - a vault dated before (migration marker in meta) keeps such records as
#     stale until a manager's recompute, which never dates one earlier.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

last_id() { db "SELECT id FROM records ORDER BY seq DESC LIMIT 1"; }
present() { "$CV" --json ls "$1" | python3 -c 'import json,sys; sys.exit(0 if any(r["id"] == sys.argv[1] for r in json.load(sys.stdin)["records"]) else 1)' "$2"; }
status_of() {
	"$CV" --json retention due --as-of "$2" |
		python3 -c 'import json,sys; d=[r["status"] for r in json.load(sys.stdin)["records"] if r["id"] == sys.argv[1]]; print(d[0] if d else "not-due")' "$1"
}

# A and B born in one quarter; O turned 25 before the case closed.
DOBS=(2011-05-20 2011-04-02 2004-08-15)
at 2026-01-10
new_test_vault
declare -a CASES=() SEN=()
for i in 0 1 2; do
	c=$(new_case "Parent $i" "Child $i" "${DOBS[$i]}")
	CASES+=("$c")
	"$CV" note "$c" --class sen-ehcp --text "EHCP plan $i" >/dev/null; SEN+=("$(last_id)")
done
printf 'cp note\n' | "$CV" note "${CASES[0]}" --class cp-note --cp >/dev/null; CPN=$(last_id)
"$CV" case close "${CASES[0]}" --date 2026-01-10 >/dev/null || fail "close A"
"$CV" case close "${CASES[1]}" --date 2026-01-10 >/dev/null || fail "close B"
at 2030-03-01
"$CV" case close "${CASES[2]}" --date 2030-03-01 >/dev/null || fail "close O"

check "DOB + 25y (20 May 2036) falls due at its quarter's end" test "$(retain_of "${SEN[0]}")" = 2036-06-30
check "  CP material too" test "$(retain_of "$CPN")" = 2036-06-30
check "  a child born in the same quarter: the same day" test "$(retain_of "${SEN[1]}")" = 2036-06-30
check "the ceiling DOB + 31y (15 Aug 2035) beats closure + 6y: its quarter's first day" \
	test "$(retain_of "${SEN[2]}")" = 2035-07-01
check "no record of a new vault is marked as dated exactly" \
	test -z "$(db "SELECT value FROM meta WHERE key = 'retention.dob-exact'")"

# ---- never on the birthday, never past the ceiling ----
check "not due on the 25th birthday itself" test "$(status_of "${SEN[0]}" 2036-05-20)" = not-due
check "  nor the day before the quarter ends" test "$(status_of "${SEN[0]}" 2036-06-29)" = not-due
check "  due on the quarter's last day" test "$(status_of "${SEN[0]}" 2036-06-30)" = awaiting-review
check "the ceiling: not due the day before its quarter" test "$(status_of "${SEN[2]}" 2035-06-30)" = not-due
check "  due on its quarter's first day, before DOB + 31y" test "$(status_of "${SEN[2]}" 2035-07-01)" = awaiting-review

at 2035-07-01
# A manager's deferral keeps a record no longer than its ceiling either (docs/legal-rules.md §12).
run_cv review defer "${SEN[2]}" --until 2035-08-20 --reason "still needed"
check "review defer past the ceiling is refused (exit $RC)" test "$RC" -ne 0
check "  in one line naming the ceiling's day" sh -c "test \$(wc -l <'$T/err') -eq 1 && grep -q 'at most until 2035-07-01' '$T/err'"
check "  and the date is unchanged" test "$(retain_of "${SEN[2]}")" = 2035-07-01
run_cv review defer "${SEN[0]}" --until 2042-04-02 --reason "still needed"
check "A's EHCP material: a deferral to a day past 1 April 2042 is refused (exit $RC)" test "$RC" -ne 0
check "  and its date is unchanged" test "$(retain_of "${SEN[0]}")" = 2036-06-30
run_cv review approve "${SEN[2]}"
check "review approve at the ceiling's quarter (exit $RC)" test "$RC" -eq 0
run_cv purge
check "purge on 1 July 2035 (exit $RC)" test "$RC" -eq 0
check "  the capped EHCP material is gone, six weeks before DOB + 31y" not present "${CASES[2]}" "${SEN[2]}"
at 2036-06-30
for r in "${SEN[0]}" "${SEN[1]}" "$CPN"; do
	run_cv review approve "$r"
	check "review approve $r at the quarter's end (exit $RC)" test "$RC" -eq 0
done
run_cv purge
check "purge on 30 June 2036 (exit $RC)" test "$RC" -eq 0
check "  A's EHCP material is gone" not present "${CASES[0]}" "${SEN[0]}"
check "  B's too, the same day" not present "${CASES[1]}" "${SEN[1]}"
# certificates of destruction; a closed case's erasure has its own (docs/legal-rules.md)
check "  two certificates" test "$(grep -L '"kind": "case-erasure"' "$V/certificates/"* | wc -l)" -eq 2

# ---- the grep: each birth, and birth + 25 and + 31 years, in the usual formats ----
birth_patterns "0 25 31" "${DOBS[@]}" >"$T/patterns"
check "the patterns cover $(wc -l <"$T/patterns") date forms" test "$(wc -l <"$T/patterns")" -eq 81
for n in 1 2; do "$CV" certificates show "$n" >>"$T/certs" || fail "certificates show $n"; done
"$CV" --json audit show >"$T/audit" || fail "audit show"
check "control: the certificates were read" grep -q '"record_count"' "$T/certs"
check "control: the audit trail names the purges" grep -q 'purge' "$T/audit"
check "control: the grep finds a birth where one is" grep -qF -f "$T/patterns" <(echo "born ${DOBS[2]}")
hits=$(grep -aoF -f "$T/patterns" "$T/certs" "$T/audit" | sort | uniq -c)
check "the certificates and the audit trail hold no birth, nor birth + 25/31${hits:+: $hits}" test -z "$hits"
hits=$(grep -aorF -f "$T/patterns" "$V" 2>/dev/null | sort | uniq -c)
check "no file of the vault (vault.db, its WAL, certificates/) holds one${hits:+: $hits}" test -z "$hits"

# ---- a vault dated before: exact dates stay stale until a full recompute ----
at 2026-01-10
new_test_vault "$T/old"
V=$T/old
c=$(new_case "Parent X" "Child X" 2011-05-20)
"$CV" note "$c" --class sen-ehcp --text "EHCP" >/dev/null; X=$(last_id)
"$CV" note "$c" --class letter --text "letter" >/dev/null; XL=$(last_id)
"$CV" case close "$c" --date 2026-01-10 >/dev/null || fail "close X"
# an older vault: exact dates (in clear, before sealed dates), and the marker
# the migration writes for a vault that had records
sqlite3 "$V/vault.db" "UPDATE records SET retain_clear = '2036-05-20', retain_until = NULL WHERE id = '$X';
	UPDATE records SET retain_clear = '2032-01-10', retain_until = NULL WHERE id = '$XL';
	DELETE FROM vault_keys; INSERT INTO meta(key, value) VALUES ('retention.dob-exact', '1')"
rm "$V/purge/schedule.key"
check "an older vault's record of a birth class is stale on its exact day" test "$(status_of "$X" 2036-05-20)" = stale
check "  a letter is not" test "$(status_of "$XL" 2032-01-10)" = due
at 2036-05-20
run_cv purge
check "the purge on the exact day (exit $RC)" test "$RC" -eq 0
check "  keeps it" present "$c" "$X"
run_cv retention recompute
check "a manager's recompute (exit $RC)" test "$RC" -eq 0
check "  clears the marker" test "$(db "SELECT value FROM meta WHERE key = 'retention.dob-exact'")" = 0
check "  dates it at its quarter's end, later than before" test "$(retain_of "$X")" = 2036-06-30
check "  so it is not due on the birthday" test "$(status_of "$X" 2036-05-20)" = not-due
check "  but at the quarter's end" test "$(status_of "$X" 2036-06-30)" = awaiting-review
finish
