#!/bin/bash
# The last-contact trigger: a case's last contact is the latest day anything
# was filed into it; dates that run from it move forward when the case is
# filed into again, and never move back.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

P=$T/pol
contact_log_policy "$P"
"$CV" policy check "$P/retention.ini" >/dev/null || { echo "policy with last-contact is invalid"; exit 1; }
"$CV" init "$V" --no-passphrase --policies "$P" >/dev/null || { echo "init failed"; exit 1; }
export CASEVAULT_DIR=$V
C=$(new_case "Contact Parent" "Contact Child" 2014-01-01)
today=$(date +%F)
next=$(date -d "$today + 1 year" +%F)
"$CV" note "$C" --class contact-log --text "first call" >/dev/null
r1=$(retain_of R-000001)
check "a last-contact date is set at filing (today + 1y = $next, got $r1)" test "$r1" = "$next"

# Pretend the first call was filed long ago, and work the date out again.
sqlite3 "$V/vault.db" "UPDATE records SET filed_at = '2024-03-01T10:00:00Z' WHERE id = 'R-000001'"
"$CV" retention recompute "$C" >/dev/null
r1=$(retain_of R-000001)
check "with the case's last contact on 2024-03-01, the date is 2025-03-01 (got $r1)" test "$r1" = 2025-03-01

# A new contact today moves the old record's date forward.
"$CV" note "$C" --class phone-call --text "second call" >/dev/null
r1=$(retain_of R-000001)
check "filing into the case again moves it to today + 1y (got $r1)" test "$r1" = "$next"
run_cv --json retention due --as-of 2025-06-01
check "so it is no longer due in 2025" bash -c "! grep -q R-000001 <<<'$OUT'"
finish
