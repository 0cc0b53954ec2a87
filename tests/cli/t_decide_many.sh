#!/bin/bash
# request decide REQ R1 R2 ...: one decision on several records, all or
# nothing (docs/commands/request-decide.md).  Every record is checked before
# any is written: a bad record among good ones changes nothing, not one byte
# of the vault; a good batch writes one decision and one request.decide
# event per record (docs/architecture.md, The audit trail).  Also: a
# caseworker naming a child-protection record among others, a record named
# twice, a scan among text records with --redact.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)
D=$(new_case "Dana Other" "Dee Other" 2016-01-01)
for i in 1 2 3; do "$CV" note "$C" --class case-note --text "Visit note $i" >/dev/null; done
"$CV" note "$C" --class cp-note --cp --text "A child-protection note" >/dev/null
"$CV" note "$D" --class case-note --text "Another family's note" >/dev/null
make_docs "$T/d"
"$CV" file "$C" "$T/d/scan.png" --class letter >/dev/null
R1=$(db "SELECT id FROM records WHERE case_id = '$C' ORDER BY id LIMIT 1 OFFSET 0")
R2=$(db "SELECT id FROM records WHERE case_id = '$C' ORDER BY id LIMIT 1 OFFSET 1")
R3=$(db "SELECT id FROM records WHERE case_id = '$C' ORDER BY id LIMIT 1 OFFSET 2")
CP=$(db "SELECT id FROM records WHERE case_id = '$C' ORDER BY id LIMIT 1 OFFSET 3")
SCAN=$(db "SELECT id FROM records WHERE case_id = '$C' ORDER BY id LIMIT 1 OFFSET 4")
DREC=$(db "SELECT id FROM records WHERE case_id = '$D'")
REQ=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-11-02 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
W=$("$CV" staff add "Wendy Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$W" >/dev/null
"$CV" case assign "$C" "$W" >/dev/null  # so that only the CP record can be what is refused
decisions() { db "SELECT count(*) FROM decisions WHERE request_id = '$REQ'"; }
events() { db "SELECT count(*) FROM audit WHERE action = 'request.decide'"; }

# ---- a bad record among good ones: refused, nothing changed ----
"$CV" request list >/dev/null  # sqlite3 -readonly above leaves an empty WAL file; let SQLite tidy it first
before=$(tree_hash "$V")
expect_fail "another family's record last among three" request decide "$REQ" "$R1" "$R2" "$DREC" --release --reason "x"
check "  names the record out of scope" grep -q "$DREC is not in the scope" "$T/err"
expect_fail "an unknown record in the middle" request decide "$REQ" "$R1" R-009999 "$R2" --release --reason "x"
expect_fail "a record named twice" request decide "$REQ" "$R1" "$R2" "$R1" --release --reason "x"
check "  says it is named twice" grep -q "named twice" "$T/err"
expect_fail "--redact with a scan among text records" request decide "$REQ" "$R1" "$SCAN" --redact --reason "x"
check "  names the scan" grep -q "$SCAN is image/png" "$T/err"
check "nothing of the vault changed" test "$(tree_hash "$V")" = "$before"
expect_fail "a caseworker naming a child-protection record among others" \
	--as "$W" request decide "$REQ" "$R1" "$CP" --release --reason "x"
check "  no decision was written" test "$(decisions)" -eq 0
check "  no request.decide event was written" test "$(events)" -eq 0
check "  the refusal is in the audit trail" \
	test "$(db "SELECT count(*) FROM audit WHERE outcome != 'ok' AND ids LIKE '%$CP%'")" -ge 1

# ---- three good records: three decisions, three events ----
run_cv --json request decide "$REQ" "$R1" "$R2" "$R3" --withhold sch2-para16 --reason "third party"
check "three records withheld at once (exit $RC: $ERR)" test "$RC" -eq 0
check "  --json lists the three records" test "$(python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["records"]))' <<<"$OUT")" = "$R1 $R2 $R3"
check "  three decisions" test "$(decisions)" -eq 3
check "  one withhold each" test "$(db "SELECT group_concat(record_id || ':' || decision, ' ') FROM (SELECT * FROM decisions WHERE request_id = '$REQ' ORDER BY record_id)")" = "$R1:withhold $R2:withhold $R3:withhold"
check "  one request.decide event per record" test "$(db "SELECT group_concat(ids, ',') FROM (SELECT ids FROM audit WHERE action = 'request.decide' ORDER BY seq)")" = "$REQ $R1,$REQ $R2,$REQ $R3"
run_cv request show "$REQ"
check "  request show shows them withheld" test "$(grep -c 'withhold' <<<"$OUT")" -ge 3
run_cv request decide "$REQ" "$R2" "$CP" --release --reason "the family's own account"
check "a manager releases two, one of them child-protection (exit $RC: $ERR)" test "$RC" -eq 0
check "  one line a record" test "$(grep -c "^$REQ: R-.* released$" <<<"$OUT")" -eq 2
check "  five decisions, five events" test "$(decisions):$(events)" = "5:5"
run_cv audit verify
check "the audit trail verifies ($ERR)" test "$RC" -eq 0
finish
