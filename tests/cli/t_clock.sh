#!/bin/bash
# The request clock (docs/legal-rules.md §1-§3), against the real binary:
#   - request pause stops the clock (no due date shown as overdue while it is
#     stopped); request resume restarts it: the due date is worked out from
#     the resume date by §2's rolling rule, with the examples of §2;
#   - request verify-id records an identity check made after registration:
#     the clock starts from its date and the due date moves;
#   - an extension notified before the request was received is refused;
#   - each change is audited; bad input changes nothing.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

at 2026-12-01
new_test_vault
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)

open_req() { # open_req RECEIVED: the new request's id
	"$CV" --json request open "$C" --requester "Alex Example" --relationship client --received "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])'
}
field() { # field REQ KEY: one field of request show --json
	"$CV" --json request show "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['request'].get('$2') or '')"
}
audited() { "$CV" audit show 2>/dev/null | grep "$1" | grep -q "$2"; }

# ---- pause and resume: LR-2's examples as resume dates ----
at 2026-08-20
R1=$(open_req 2026-08-20)
check "received 20 Aug -> due 21 Sep (20 Sep is a Sunday)" test "$(field "$R1" due)" = 2026-09-21
at 2026-08-26
run_cv request pause "$R1" --reason "waiting for the requester to say which records" --date 2026-08-25
check "request pause succeeds ($ERR)" test "$RC" -eq 0
check "show gives the date the clock stopped" test "$(field "$R1" paused_since)" = 2026-08-25
at 2026-10-01
run_cv request list
check "a paused request is listed as paused, not overdue: $OUT" grep -q "$R1.*paused since 2026-08-25" "$T/out"
check "a paused request past its old due date is not marked overdue" not grep -q "$R1.*OVERDUE" "$T/out"
check "--json list: overdue is false while paused" test "$("$CV" --json request list | python3 -c "import json,sys; print([q['overdue'] for q in json.load(sys.stdin)['requests'] if q['id']=='$R1'][0])")" = False
expect_fail "a second pause is refused" request pause "$R1" --reason "again" --date 2026-09-01
expect_fail "resuming before the pause began is refused" request resume "$R1" --date 2026-08-24
run_cv --json request resume "$R1" --date 2026-09-03
check "resume on Thu 3 Sep 2026 -> due Mon 5 Oct 2026 (LR-2 example 1): $OUT" test "$(field "$R1" due)" = 2026-10-05
check "the clock start is the resume date" test "$(field "$R1" clock_start)" = 2026-09-03
check "no longer paused" test -z "$(field "$R1" paused_since)"
expect_fail "resuming a running clock is refused" request resume "$R1" --date 2026-09-04
check "pause and resume are audited" audited request.pause "$R1"
check "resume is audited" audited request.resume "$R1"

at 2026-11-30
R2=$(open_req 2026-01-10)
"$CV" request pause "$R2" --reason "fee awaited" --date 2026-01-12 >/dev/null
"$CV" request resume "$R2" --date 2026-01-31 >/dev/null
check "resume on 31 Jan 2026 -> 28 Feb (a Saturday) -> due Mon 2 Mar 2026 (LR-2 example 2)" test "$(field "$R2" due)" = 2026-03-02
"$CV" request pause "$R2" --reason "clarification asked" --date 2026-02-02 >/dev/null
"$CV" request resume "$R2" --date 2026-11-30 >/dev/null
check "resume on 30 Nov 2026 -> due Wed 30 Dec 2026 (LR-2 example 3)" test "$(field "$R2" due)" = 2026-12-30

# ---- identity verified after registration ----
R3=$(open_req 2026-08-20)
run_cv request verify-id "$R3" --date 2026-09-03
check "verify-id succeeds ($ERR)" test "$RC" -eq 0
check "identity verified 3 Sep 2026 -> due Mon 5 Oct 2026" test "$(field "$R3" due)" = 2026-10-05
check "the clock starts from the identity check" test "$(field "$R3" clock_start)" = 2026-09-03
check "the identity date is recorded" test "$(field "$R3" id_verified)" = 2026-09-03
check "verify-id is audited" audited request.verify-id "$R3"
expect_fail "a second identity check is refused" request verify-id "$R3" --date 2026-09-04
R4=$(open_req 2026-08-20)
expect_fail "an identity check before receipt is refused" request verify-id "$R4" --date 2026-08-19
expect_fail "a date in the future is refused" request verify-id "$R4" --date 2027-01-01
expect_fail "a date that is not a date is refused" request pause "$R4" --reason x --date 2026-02-30
expect_fail "a pause needs a reason" request pause "$R4" --date 2026-08-21
# waiting for identity: the check resumes a paused clock
"$CV" request pause "$R4" --reason "identity documents asked for" --date 2026-08-21 >/dev/null
"$CV" request verify-id "$R4" --date 2026-11-30 >/dev/null
check "verify-id ends a pause: due 30 Dec 2026 from 30 Nov" test "$(field "$R4" due)" = 2026-12-30
check "and the request is running again" test -z "$(field "$R4" paused_since)"

# ---- extensions ----
R5=$(open_req 2026-11-02)
expect_fail "an extension notified before receipt is refused" request extend "$R5" --complex --notified 2026-11-01 --reason "records at three schools"
check "the refusal says why" grep -q "cannot predate the request" "$T/err"
run_cv request extend "$R5" --complex --notified 2026-11-02 --reason "records at three schools"
check "an extension notified on the day of receipt is accepted ($ERR)" test "$RC" -eq 0
expect_fail "an extended request's clock cannot move" request pause "$R5" --reason x --date 2026-11-20

# ---- nothing changes on a refusal ----
h=$(tree_hash "$V")
expect_fail "an unknown request" request pause REQ-2026-9999 --reason x --date 2026-11-20
"$CV" request close "$R2" >/dev/null
h=$(tree_hash "$V")
expect_fail "pausing a closed request is refused" request pause "$R2" --reason x --date 2026-11-30
expect_fail "resuming a closed request is refused" request resume "$R2" --date 2026-11-30
check "refusals change nothing" test "$(tree_hash "$V")" = "$h"

finish
