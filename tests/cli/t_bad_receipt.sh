#!/bin/bash
# A damaged filing receipt costs only its own signature check
# (docs/security.md, Filing receipts).  One changed character in a receipt's
# signature: records of other receipts read as before; the damaged
# receipt's records are refused by default, naming the receipt and the fix;
# with --accept-damaged-receipt they come back after every hash check,
# audited; a document that does not match what was filed never comes back.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Receipt Parent" "Receipt Child" 2013-03-03)
make_docs "$T/docs"
"$CV" file "$C" "$T/docs/note.txt" "$T/docs/mail.eml" --class letter >/dev/null   # R-000001, R-000002: receipt 1
"$CV" file "$C" "$T/docs/report.odt" --class report >/dev/null                      # R-000003: receipt 2
check "set-up: two receipts" test "$(db "SELECT count(*) FROM receipts")" -eq 2
snapshot

# One character of the signature's base64 changed, as the office found it.
damage_signature() {
	sqlite3 "$V/vault.db" "UPDATE receipts SET sig = substr(sig, 1, 69) ||
		(CASE substr(sig, 70, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(sig, 71) WHERE id = 1"
}
last_event() { "$CV" --json audit show | python3 -c 'import json,sys; e=json.load(sys.stdin)["events"][-1]; print(e["action"], e["outcome"], " ".join(e["ids"]))'; }
damage_signature

# Records of another receipt: as before.
run_cv get R-000003 --purpose test-copy -o "$T/r3.odt"
check "get of another receipt's record works (exit $RC: $ERR)" test "$RC" -eq 0
check "  byte for byte" cmp -s "$T/r3.odt" "$T/docs/report.odt"
check "  with its signature checked" grep -q "hash and signature checked" <<<"$ERR"

# Records of the damaged receipt: refused by default, naming the receipt and the fix.
expect_fail "get of the damaged receipt's record is refused" get R-000001 --purpose test-copy -o "$T/r1.txt"
check "  names filing receipt 1" grep -q "filing receipt 1 of archive" <<<"$ERR"
check "  says what to do" grep -q "casevault verify.*A damaged filing receipt.*--accept-damaged-receipt" <<<"$ERR"
check "  leaves no file" test ! -e "$T/r1.txt"
check "  is audited as a failed read" test "$(last_event)" = "record.get failed R-000001"

# With the override: every hash checked, the document as filed, audited.
run_cv get R-000002 --purpose test-copy -o "$T/r2.eml" --accept-damaged-receipt
check "get --accept-damaged-receipt returns it (exit $RC: $ERR)" test "$RC" -eq 0
check "  byte for byte" cmp -s "$T/r2.eml" "$T/docs/mail.eml"
check "  and says the signature was not checked" grep -q "hashes checked, not its damaged receipt's signature" <<<"$ERR"
check "  with a note naming the receipt" grep -q "note: record R-000002: filing receipt 1 of archive" <<<"$ERR"
check "  audited as record.get.damaged-receipt" test "$(last_event)" = "record.get.damaged-receipt ok R-000002"
run_cv --json get R-000001 --purpose test-copy -o "$T/r1.txt" --accept-damaged-receipt
check "  --json says signature_checked false" grep -q '"signature_checked": false' <<<"$OUT"
run_cv --json get R-000003 --purpose test-copy -o "$T/r3b.odt" --accept-damaged-receipt
check "  a good receipt's record: signature_checked true, a plain read" \
	test "$(grep -c '"signature_checked": true' <<<"$OUT")" -eq 1 -a "$(last_event)" = "record.get ok R-000003"

# verify names the receipt and its records, and only those.
run_cv verify
check "verify fails" test "$RC" -ne 0
check "  names filing receipt 1 with R-000001 and R-000002" grep -q "filing receipt 1.*(records R-000001,R-000002)" <<<"$OUT"
check "  does not name R-000003" not grep -q R-000003 <<<"$OUT"

# Never a document that does not match what was filed, override or not.
restore
damage_signature
sqlite3 "$V/vault.db" "UPDATE records SET sha256 = substr(sha256, 1, 20) || X'00' || substr(sha256, 22) WHERE id = 'R-000001'"
expect_fail "override: a record whose sealed hash was changed is refused" get R-000001 --purpose test-copy -o "$T/x1.txt" --accept-damaged-receipt
check "  leaves no file" test ! -e "$T/x1.txt"
restore
damage_signature
sqlite3 "$V/vault.db" "UPDATE receipts SET body = replace(body, (SELECT sha256 FROM archives WHERE receipt_id = 1), '$(printf '0%.0s' $(seq 64))') WHERE id = 1"
expect_fail "override: a receipt that no longer lists the archive's hash is refused" get R-000001 --purpose test-copy -o "$T/x2.txt" --accept-damaged-receipt
check "  and says so" grep -q "does not list it with this hash" <<<"$ERR"
restore
damage_signature
a=$(db "SELECT file FROM archives WHERE receipt_id = 1")
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(b)' "$V/archives/$a"
expect_fail "override: an altered archive is refused" get R-000001 --purpose test-copy -o "$T/x3.txt" --accept-damaged-receipt
check "  leaves no file" test ! -e "$T/x3.txt"
finish
