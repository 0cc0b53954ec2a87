#!/bin/bash
# Retention dates and policy versions, end to end against the real binary:
#   3. retention dates follow the schedule for every trigger (filed,
#      event-date, case-closed, child-dob), with 29 February and the
#      latest-date-wins rule, and are worked out again when a trigger changes
#      (case closed, reopened, date of birth corrected);
#   6. a malformed policy file is rejected with its line number and the
#      vault keeps using the last good policy; a changed schedule makes old
#      dates "stale" (kept) until they are worked out again.
# (The date arithmetic itself is unit-tested in tests/unit/test_policy.c.)
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

until_of() { retain_of "$1"; }
last_id() { db "SELECT id FROM records ORDER BY seq DESC LIMIT 1"; }
expect_date() { # DESCRIPTION RECORD DATE
	local got
	got=$(until_of "$2")
	if [ "$got" = "$3" ]; then ok "$1: $3"; else fail "$1: expected $3, got $got"; fi
}

at 2012-01-10
new_test_vault
K=$(new_case "Leap Parent" "Leap Child" 2008-02-29)    # born on 29 February
E=$(new_case "Early Parent" "Early Child" 2004-02-29)  # older: closure wins over DOB
"$CV" note "$K" --class letter --text "letter" >/dev/null;              L=$(last_id)
"$CV" note "$K" --class sen-ehcp --text "EHCP" >/dev/null;             S=$(last_id)
printf 'cp\n' | "$CV" note "$K" --class cp-note --cp >/dev/null;        P=$(last_id)
"$CV" note "$E" --class sen-ehcp --text "EHCP" >/dev/null;             S2=$(last_id)
expect_date "an open case's letter has no date yet (kept)" "$L" none
expect_date "an open case's EHCP material has no date yet" "$S" none

at 2020-02-29
"$CV" note "$K" --class complaint --date 2020-02-29 --text "complaint" >/dev/null; CP=$(last_id)
"$CV" note "$K" --class enquiry --text "general enquiry" >/dev/null;   EQ=$(last_id)
expect_date "event-date + 1y from 29 Feb (enquiry)" "$EQ" 2021-03-01
"$CV" note "$K" --class enquiry --date 2020-02-01 --text "older enquiry" >/dev/null; EQ2=$(last_id)
expect_date "an enquiry's year runs from its date, not from logging" "$EQ2" 2021-02-01
expect_date "a complaint in an open case waits for the closure" "$CP" none

at 2024-02-29
run_cv case close "$K"
check "close the case on 29 Feb 2024" test "$RC" -eq 0
"$CV" case close "$E" >/dev/null
expect_date "case-closed + 6y from 29 Feb (letter)" "$L" 2030-03-01
expect_date "child-dob + 25y from 29 Feb (its quarter's end) beats closure + 6y (EHCP)" "$S" 2033-03-31
expect_date "closure + 6y beats child-dob + 25y (older child's EHCP)" "$S2" 2030-03-01
expect_date "child-protection: DOB + 25y at its quarter's end, latest wins" "$P" 2033-03-31
expect_date "complaint: event-date + 6y vs closure + 6y, latest wins" "$CP" 2030-03-01
expect_date "enquiry dates do not move on closure" "$EQ" 2021-03-01

# A complaint made long after closure: the event date wins.
at 2027-02-01
"$CV" note "$K" --class complaint --date 2027-01-31 --text "late complaint" >/dev/null; CP2=$(last_id)
expect_date "late complaint: event-date + 6y wins over closure + 6y" "$CP2" 2033-01-31

# Correcting the date of birth works the dates out again.
run_cv case set-dob "$K" 2001-01-01
check "case set-dob" test "$RC" -eq 0
expect_date "after the DOB correction, closure + 6y wins for EHCP" "$S" 2030-03-01
expect_date "after the DOB correction, CP date moves too" "$P" 2030-03-01
expect_date "a letter does not depend on the DOB" "$L" 2030-03-01

# Reopening makes the closure-based dates unknown (kept); closing again sets them anew.
run_cv case reopen "$K"
check "case reopen" test "$RC" -eq 0
expect_date "reopened: the letter is kept with no date" "$L" none
expect_date "reopened: CP kept with no date" "$P" none
expect_date "reopened: the enquiry keeps its own date" "$EQ" 2021-03-01
expect_fail "an open case cannot be reopened" case reopen "$K"
run_cv case close "$K" --date 2027-01-15
expect_date "closed again: closure + 6y" "$L" 2033-01-15
expect_date "closed again: late complaint's event date still wins" "$CP2" 2033-01-31
check "every date records the policy that produced it" \
	test "$(db "SELECT count(DISTINCT policy_hash) FROM records")" -eq 1

# ---- 6. malformed policy: rejected with its line, the vault keeps the last good one ----
P_INI=$V/policies/retention.ini
cp "$P_INI" "$T/good.ini"
good_hash=$(db "SELECT value FROM meta WHERE key = 'policy.current'")
check "the vault keeps the text of its policy by hash" \
	test "$(db "SELECT count(*) FROM policy_versions WHERE hash = '$good_hash'")" -eq 1
bad() { # bad DESCRIPTION SED-SCRIPT PATTERN
	cp "$T/good.ini" "$P_INI"
	sed -i "$2" "$P_INI"
	local line
	line=$(grep -n "$3" "$P_INI" | head -1 | cut -d: -f1)
	run_cv policy check "$P_INI"
	if [ "$RC" -ne 0 ] && grep -q "retention.ini:$line:" "$T/err"; then ok "$1 is rejected with its line ($line)"
	else fail "$1: exit $RC, line $line, $ERR"; fi
	run_cv retention due --as-of 2040-01-01
	if [ "$RC" -eq 0 ] && grep -q "last good policy" "$T/err"; then ok "$1: the vault keeps working on the last good policy"
	else fail "$1: exit $RC: $ERR"; fi
}
bad "a bad period" 's/^rule    = case-closed + 6y      ; IRMS: case file, closure + 6 years/rule = case-closed + 6q/' 'case-closed + 6q'
bad "an unknown trigger" '0,/^rule    = case-closed + 6y/s//rule = case-reopened + 6y/' 'case-reopened'
# (the duplicate is reported at its second header)
cp "$T/good.ini" "$P_INI"; sed -i 's/^\[phone-call\]/[case-note]/' "$P_INI"
line=$(grep -n '^\[case-note\]' "$P_INI" | sed -n 2p | cut -d: -f1)
run_cv policy check "$P_INI"
check "the duplicate class is reported at line $line" grep -q "retention.ini:$line:" "$T/err"
run_cv ls "$K"
check "a duplicate class: the vault keeps working on the last good policy" grep -q "last good policy" "$T/err"
bad "an unknown action" 's/^action  = review/action = shred-now/' 'shred-now'
# While broken: filing still works under the last good policy, and records its hash.
run_cv note "$K" --class letter --text "filed while the policy file is broken"
check "filing works on the last good policy" test "$RC" -eq 0
check "and says so" grep -q "last good policy" "$T/err"
check "the record carries the last good policy's hash" test "$(db "SELECT policy_hash FROM records ORDER BY seq DESC LIMIT 1")" = "$good_hash"
run_cv purge --scheduled
check "the scheduled purge exits 1 while the policy files are broken" test "$RC" -eq 1
check "and its log line warns" grep -q "WARNING: the policy files are invalid" "$T/out"
cp "$T/good.ini" "$P_INI"
run_cv retention due
check "once fixed, no warning" bash -c "! grep -q 'last good policy' '$T/err'"

# ---- a changed schedule: old dates are stale (kept) until worked out again ----
at 2034-01-01
sed -i '0,/^rule    = case-closed + 6y      ; IRMS: case file, closure + 6 years/s//rule = case-closed + 6y/' "$P_INI"
sed -i '/^\[letter\]/,/^action/s/^rule    = case-closed + 6y/rule = case-closed + 10y/' "$P_INI"
# A changed schedule is a manager's decision: until adopted, nothing uses it.
run_cv retention due
check "an edited schedule is not used before a manager adopts it" bash -c "! grep -q '^$L .*stale' '$T/out'"
check "  and every command says so" grep -q "no manager has adopted the change ('casevault policy adopt')" "$T/err"
run_cv purge --dry-run
check "  the purge's summary warns (the scheduled run's log line, which then exits 1)" \
	grep -q 'WARNING: the policy files changed and no manager adopted them' "$T/out"
CW=$("$CV" staff add "Carl Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$CW" >/dev/null
run_cv --as "$CW" policy adopt
check "  a caseworker cannot adopt it (exit $RC)" bash -c "test $RC -eq 1 && grep -q 'may not' '$T/err'"
run_cv policy adopt
check "the manager adopts it (exit $RC)" bash -c "test $RC -eq 0 && grep -q '^adopted policy' '$T/out'"
check "  recorded in the audit trail" bash -c "'$CV' audit show | grep -q 'policy.adopt'"
run_cv policy adopt
check "  adopting again changes nothing" grep -q "nothing to adopt" "$T/out"
run_cv retention due
check "letters computed under the old schedule are stale" grep -q "^$L .*stale" "$T/out"
check "other classes whose rules did not change are still due" grep -q "^$CP .*due$" "$T/out"
run_cv purge --dry-run
check "a stale record would not be destroyed" grep -qE "[1-9][0-9]* stale date" "$T/out"
run_cv retention recompute
check "retention recompute" test "$RC" -eq 0
expect_date "the letter now follows the new schedule" "$L" 2037-01-15
finish
