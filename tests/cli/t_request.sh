#!/bin/bash
# Subject access requests, against the real binary:
#   1. due dates end to end (request open, the vault's calendar.ini): every
#      example of docs/legal-rules.md §2, month ends, a leap year, weekends, bank holidays,
#      identity verified later; extensions per docs/legal-rules.md §3 and their refusals;
#   4. while a request is open, purge destroys nothing in its case even when
#      its records are due; after request close it does;
#   5. bad input (unknown case or request, future dates, an extension without
#      a reason or told after the due date, a bundle path that exists, a
#      decision outside the scope or on a linked case's record): one clear
#      line, non-zero exit, and not one byte of the vault changed.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"


at 2026-12-01
new_test_vault
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)

# ---- 1. due dates, end to end ----
due_of() { # due_of RECEIVED [ID-VERIFIED]: the due date request open reports
	local args=(--requester "Alex Example" --relationship client --received "$1")
	[ -n "${2:-}" ] && args+=(--id-verified "$2")
	"$CV" --json request open "$C" "${args[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["due"])'
}
while read -r rec want why; do
	got=$(due_of "$rec")
	check "received $rec -> due $want ($why), got $got" test "$got" = "$want"
done <<'EOF'
2026-09-03 2026-10-05 LR-2-example:Sat-3-Oct-rolls-to-Mon
2026-01-31 2026-03-02 LR-2-example:28-Feb-a-Saturday
2026-11-30 2026-12-30 LR-2-example:a-Wednesday
2026-03-29 2026-04-29 29-Mar
2026-03-30 2026-04-30 30-Mar
2026-03-31 2026-04-30 31-Mar:April-has-30-days
2026-08-31 2026-09-30 31-Aug
2024-01-31 2024-02-29 leap-year
2025-01-31 2025-02-28 common-year
2026-07-31 2026-09-01 31-Aug-2026-is-the-summer-bank-holiday
2026-11-25 2026-12-29 Christmas-Fri-and-Boxing-Day-substitute-Mon
2025-03-18 2025-04-22 Good-Friday-18-Apr-then-Easter-Monday
2026-04-04 2026-05-05 4-May-early-May-bank-holiday
2026-11-28 2026-12-29 Mon-28-Dec-is-a-bank-holiday
EOF
got=$(due_of 2026-01-05 2026-01-20)
check "the clock starts when identity is verified (received 5 Jan, verified 20 Jan -> due 20 Feb), got $got" test "$got" = 2026-02-20

# bank holidays come from the vault's own calendar.ini: a one-off day moves the date
cp "$V/policies/calendar.ini" "$T/cal.bak"
printf '2026-10-05 = A one-off day off\n' >"$T/extra"
python3 - "$V/policies/calendar.ini" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("[extra]\n", "[extra]\n2026-10-05 = A one-off bank holiday\n", 1)
open(p, "w").write(s)
PY
got=$(due_of 2026-09-03)
check "a one-off day in [extra] moves the due date (3 Sep -> Tue 6 Oct), got $got" test "$got" = 2026-10-06
cp "$T/cal.bak" "$V/policies/calendar.ini"

# extensions (docs/legal-rules.md §3)
R=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-09-03 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
before=$(tree_hash "$V")
expect_fail "extend without --reason is a usage error" request extend "$R" --complex --notified 2026-10-01
check "  exit 2" test "$RC" -eq 2
expect_fail "extend when neither complex nor one of several" request extend "$R" --reason "Many records" --notified 2026-10-01
check "  names the rule" grep -q "complex" "$T/err"
expect_fail "extend when the requester was told after the due date" request extend "$R" --complex --reason "Many records" --notified 2026-10-06
check "  says told too late" grep -qi "due date" "$T/err"
expect_fail "extend with a blank reason" request extend "$R" --complex --reason "   " --notified 2026-10-01
expect_fail "extend told in the future" request extend "$R" --complex --reason "x" --notified 2027-01-01
expect_fail "extend an unknown request" request extend REQ-2026-0999 --complex --reason "x" --notified 2026-10-01
check "refused extensions changed nothing" test "$(tree_hash "$V")" = "$before"
run_cv request extend "$R" --complex --reason "Many records across two schools" --notified 2026-10-05
check "extension told on the due date itself is allowed (exit $RC)" test "$RC" -eq 0
check "  due 3 months after the clock start: 3 Dec 2026" grep -q "2026-12-03" "$T/out"
expect_fail "a second extension is refused" request extend "$R" --several --reason "again" --notified 2026-10-05
run_cv --json request show "$R"
check "request show keeps the original due date and the reason" python3 -c '
import json,sys; r = json.load(open(sys.argv[1]))["request"]
assert r["original_due"] == "2026-10-05" and r["due"] == "2026-12-03" and r["extension_reason"].startswith("Many")' "$T/out"

# request list: by due date, days left, overdue marked
at 2026-10-10
run_cv request list
check "request list marks overdue requests" grep -q "OVERDUE by" "$T/out"
check "request list shows days left" grep -q "days left" "$T/out"
first=$(head -1 "$T/out" | awk '{print $4}')
check "request list is by due date (first due $first)" test "$first" = "$(sort -k4 "$T/out" | head -1 | awk '{print $4}')"
check "the extended request is not overdue" grep -q "$R .*extended.*days left" "$T/out"
check "requester names are not shown without --names" not grep -q "Alex" "$T/out"

# ---- authority (docs/legal-rules.md §6) ----
at 2026-12-01
expect_fail "other-parent without --pr-confirmed is refused" request open "$C" --requester "Jo Example" --relationship other-parent --received 2026-11-01
check "  and says separation alone is no reason" grep -q "separation" "$T/err"
run_cv request open "$C" --requester "Jo Example" --relationship other-parent --received 2026-11-01 --pr-confirmed
check "other-parent with --pr-confirmed is registered" test "$RC" -eq 0
expect_fail "a representative needs --authority-confirmed" request open "$C" --requester "Sol Icitor" --relationship representative --received 2026-11-01
run_cv request open "$C" --requester "Sam Example" --relationship child --received 2026-11-01
check "a child asks for themself" test "$RC" -eq 0

# ---- 5. bad input changes nothing ----
D=$(new_case "Dana Other" "Dee Other" 2016-01-01)
L=$(new_case "Lee Linked" "Sam Example" 2015-02-01)
"$CV" case link "$C" "$L" >/dev/null
"$CV" note "$D" --class case-note --text "Another family's note" >/dev/null
"$CV" note "$L" --class case-note --text "The other parent's note" >/dev/null
DREC=$(db "SELECT id FROM records WHERE case_id = '$D'")
LREC=$(db "SELECT id FROM records WHERE case_id = '$L'")
touch "$T/exists.zip"
"$CV" request list >/dev/null  # sqlite3 -readonly above leaves an empty WAL file; let SQLite tidy it first
before=$(tree_hash "$V")
expect_fail "unknown case" request open C-2026-0999 --requester "X Y" --relationship client --received 2026-11-01
expect_fail "received in the future" request open "$C" --requester "X Y" --relationship client --received 2026-12-02
expect_fail "received not a date" request open "$C" --requester "X Y" --relationship client --received 2026-02-30
expect_fail "identity verified before receipt" request open "$C" --requester "X Y" --relationship client --received 2026-11-01 --id-verified 2026-10-01
expect_fail "identity verified in the future" request open "$C" --requester "X Y" --relationship client --received 2026-11-01 --id-verified 2026-12-25
expect_fail "unknown relationship" request open "$C" --requester "X Y" --relationship cousin --received 2026-11-01
expect_fail "bundle to a path that exists" request bundle "$R" -o "$T/exists.zip" --show-passphrase
check "  says it exists" grep -q "already exists" "$T/err"
expect_fail "decision on another family's record" request decide "$R" "$DREC" --release --reason "x"
check "  says out of scope" grep -q "not in the scope" "$T/err"
expect_fail "decision on the linked case's record" request decide "$R" "$LREC" --release --reason "x"
check "  says linked case" grep -q "linked case" "$T/err"
expect_fail "decision on an unknown record" request decide "$R" R-009999 --release --reason "x"
expect_fail "decision without a reason" request decide "$R" "$DREC" --release
expect_fail "withhold on a ground the policy lacks" request decide "$R" "$DREC" --withhold made-up --reason x
expect_fail "attach to another family's record" request attach "$R" "$DREC" "$T/exists.zip"
expect_fail "show an unknown request" request show REQ-2026-0999
expect_fail "close an unknown request" request close REQ-2026-0999
expect_fail "link a case to itself" case link "$C" "$C"
expect_fail "link twice" case link "$C" "$L"
expect_fail "person on an unknown case" case person add C-2026-0999 "Pat Jones" --kind third-party
expect_fail "person of an unknown kind" case person add "$C" "Pat Jones" --kind neighbour
check "every refusal left the vault byte for byte as it was" test "$(tree_hash "$V")" = "$before"

# ---- 4. an open request holds its case against the purge ----
at 2015-01-10
P=$(new_case "Purge Parent" "Purge Child" 2010-05-05)
"$CV" note "$P" --class case-note --text "A note that falls due" >/dev/null
"$CV" note "$P" --class phone-call --text "Another one" >/dev/null
PQ=$("$CV" --json request open "$P" --requester "Purge Parent" --relationship client --received 2015-01-09 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
"$CV" case close "$P" --date 2015-01-10 >/dev/null
at 2040-01-01
n0=$(db "SELECT count(*) FROM records WHERE case_id = '$P'")
run_cv retention due
check "the case's records are due and shown as held by the request" grep -q "$PQ" "$T/out"
run_cv purge
check "purge runs (exit $RC)" test "$RC" -eq 0
n1=$(db "SELECT count(*) FROM records WHERE case_id = '$P'")
check "while $PQ is open the purge destroyed nothing in $P ($n0 -> $n1)" test "$n0" = "$n1" -a "$n0" -eq 2
check "hold list shows the request's hold" sh -c "'$CV' hold list | grep -q '$PQ'"
hid=$(db "SELECT id FROM holds WHERE kind = 'request' AND ref = '$PQ' AND released_at IS NULL")
expect_fail "the request's hold cannot be released by hand while the request is open (docs/legal-rules.md §4)" hold release "$hid"
check "...and says to close the request" grep -q "request close $PQ" <<<"$ERR"
run_cv request close "$PQ"
check "request close exits 0" test "$RC" -eq 0
check "the request's hold is released" sh -c "! '$CV' hold list | grep -q '$PQ'"
expect_fail "closing twice is refused" request close "$PQ"
run_cv purge
n2=$(db "SELECT count(*) FROM records WHERE case_id = '$P'")
check "after request close the purge destroys the case's due records ($n2 left)" test "$n2" -eq 0
expect_fail "a closed request takes no decision" request decide "$PQ" R-000001 --release --reason x

# ---- a redacted copy commits with its decision, or neither does (docs/recovery.md, Fault injection) ----
at 2026-12-01
"$CV" note "$C" --class case-note --text "A note about Sam Example, to be redacted" >/dev/null
N=$(db "SELECT id FROM records WHERE case_id = '$C' ORDER BY id DESC LIMIT 1")
printf 'A note about [redacted], to be redacted\n' >"$T/redacted.txt"
n0=$(db "SELECT count(*) FROM records WHERE case_id = '$C'")
(CASEVAULT_CRASHPOINT=filing-after-commit exec "$CV" request attach "$R" "$N" "$T/redacted.txt" >/dev/null 2>&1)
check "request attach killed just after its copy's filing committed" test "$?" -eq 137
COPY=$(db "SELECT copy_record FROM decisions WHERE request_id = '$R' AND record_id = '$N' AND decision = 'copy'")
n1=$(db "SELECT count(*) FROM records WHERE case_id = '$C'")
check "  the copy ($COPY) and its decision committed together ($n0 -> $n1 records)" \
	test -n "$COPY" -a "$n1" -eq $((n0 + 1))
run_cv verify
check "  verify passes (exit $RC)" test "$RC" -eq 0

# ---- the audit trail holds ids only ----
at 2026-12-01
run_cv audit show
check "request events are audited" grep -q "request.open" "$T/out"
check "audit events carry no names" not grep -q "Alex" "$T/out"

# ---- no requester name in clear anywhere under the vault ----
check "no requester name in clear in the vault" sh -c "! grep -rqa 'Jo Example' '$V'"

finish
