#!/bin/bash
# verify checks the retention dates sealed under the schedule key
# (docs/architecture.md, Sealed columns): a date cut short or swapped from
# another record is named by record when the schedule key opens, and verify
# says when it could not check them.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Date Parent" "Date Child" 2015-03-04)
R1=$("$CV" note "$C" --class phone-call --text "first"); R1=${R1%% *}
R2=$("$CV" note "$C" --class phone-call --text "second"); R2=${R2%% *}
"$CV" case close "$C" >/dev/null   # the dates run from the closing
check "control: both records have a sealed date" \
	test "$(db "SELECT count(*) FROM records WHERE typeof(retain_until) = 'blob'")" = 2
run_cv verify
check "an untouched vault verifies (exit $RC: $ERR)" test "$RC" -eq 0
snapshot

# 1. R1's sealed date swapped for R2's (each opens, under its own record's id only).
sqlite3 "$V/vault.db" "UPDATE records SET retain_until = (SELECT retain_until FROM records WHERE id = '$R2') WHERE id = '$R1'"
run_cv verify
check "swapped date: verify fails (exit $RC)" test "$RC" -ne 0
check "swapped date: it names $R1's sealed retain_until" grep -q "$R1: sealed records.retain_until does not open" <<<"$OUT"
check "swapped date: and not $R2" not grep -q "$R2: sealed records.retain_until" <<<"$OUT"
restore

# 2. R2's sealed date cut by one byte.
sqlite3 "$V/vault.db" "UPDATE records SET retain_until = substr(retain_until, 1, length(retain_until) - 1) WHERE id = '$R2'"
run_cv verify
check "damaged date: verify fails and names $R2 (exit $RC)" grep -q "$R2: sealed records.retain_until does not open" <<<"$OUT"
restore

# 3. Without the schedule key (its row gone), verify says the dates were not checked.
sqlite3 "$V/vault.db" "DELETE FROM vault_keys WHERE id = 'schedule'"
run_cv verify
check "no schedule key: verify says the sealed dates were not checked" \
	grep -q "retention dates sealed under the schedule key were not checked" <<<"$ERR"
restore
finish
