#!/bin/bash
# Property 4: tamper evidence.  One flipped byte in an archive, or a changed
# hash in the index, makes verify fail and name the record; so do a missing
# archive, a stray file, a deleted row and a forged receipt.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Tamper Parent" "Tamper Child" 2012-12-12)
make_docs "$T/docs"
"$CV" file "$C" "$T/docs/letter.pdf" "$T/docs/scan.png" --class letter >/dev/null
"$CV" file "$C" "$T/docs/scan.jpg" --class report >/dev/null   # R-000003, its own archive
run_cv verify
check "a fresh vault verifies" test "$RC" -eq 0

archive_of() { sqlite3 "$V/vault.db" "SELECT a.file FROM records r JOIN archives a ON a.id = r.archive_id WHERE r.id = '$1'"; }
expect_named() { # expect_named DESCRIPTION WORD...: verify fails and its report names each WORD
	local d=$1; shift
	run_cv verify
	if [ "$RC" -eq 0 ]; then fail "$d: verify passed"; return; fi
	local w
	for w in "$@"; do
		if grep -q -- "$w" <<<"$OUT"; then ok "$d: verify fails and names $w"; else fail "$d: $w not named in: $OUT"; fi
	done
}
snapshot

# 1. One flipped byte in the middle of an archive.
a=$(archive_of R-000003)
size=$(stat -c %s "$V/archives/$a")
python3 - "$V/archives/$a" $((size / 2)) <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x01]))
PY
expect_named "flipped archive byte" R-000003 "$a"
expect_fail "get refuses a record from an altered archive" get R-000003 --purpose test-copy -o "$T/x.jpg"
check "get left no file behind" test ! -e "$T/x.jpg"
restore

# 2. A flipped byte in the last block (the integrity packet).
a=$(archive_of R-000001)
python3 - "$V/archives/$a" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(-3, 2); b = f.read(1); f.seek(-3, 2); f.write(bytes([b[0] ^ 0x80]))
PY
expect_named "flipped byte at the end of an archive" R-000001 R-000002
restore

# 3. A changed record hash in the index (sealed column): its 21st byte made
# another (always another: 0x00 where it was not, 0x01 where it was)
sqlite3 "$V/vault.db" "UPDATE records SET sha256 = substr(sha256, 1, 20) ||
	CASE WHEN substr(sha256, 21, 1) = X'00' THEN X'01' ELSE X'00' END || substr(sha256, 22) WHERE id = 'R-000002'"
expect_named "changed record hash in the index" R-000002
restore

# 4. A hash swapped between two records (each sealed value is bound to its row).
sqlite3 "$V/vault.db" "UPDATE records SET sha256 = (SELECT sha256 FROM records WHERE id = 'R-000001') WHERE id = 'R-000002'"
expect_named "record hash copied from another row" R-000002
restore

# 5. A changed archive hash in the index.
sqlite3 "$V/vault.db" "UPDATE archives SET sha256 = '$(printf '0%.0s' $(seq 64))' WHERE file = '$(archive_of R-000003)'"
expect_named "changed archive hash in the index" R-000003
restore

# 6. A forged receipt body (signature no longer matches).
sqlite3 "$V/vault.db" "UPDATE receipts SET body = replace(body, 'casevault-receipt/1', 'casevault-receipt/2') WHERE id = 1"
expect_named "altered filing receipt" R-000001
restore

# 7. A missing archive file, and a stray file.
rm "$V/archives/$(archive_of R-000003)"
printf 'stray' >"$V/archives/0123456789abcdef0123456789abcdef.pgp"
expect_named "missing archive and stray file" R-000003 "0123456789abcdef0123456789abcdef.pgp"
restore

# 8. A deleted record row.
sqlite3 "$V/vault.db" "PRAGMA foreign_keys=ON; DELETE FROM records WHERE id = 'R-000002'"
expect_named "deleted record row" R-000002
restore

# 9. A deleted archive row (its records become orphans).
sqlite3 "$V/vault.db" "DELETE FROM archives WHERE file = '$(archive_of R-000003)'"
expect_named "deleted archive row" R-000003
restore

# 10. Clear index fields that disagree with the signed archive.
C2=$(new_case "Other Parent" "Other Child" 2011-01-01)
sqlite3 "$V/vault.db" "UPDATE records SET case_id = '$C2' WHERE id = 'R-000002'"
expect_named "a record moved to another case" R-000002
restore
sqlite3 "$V/vault.db" "UPDATE records SET class = 'complaint' WHERE id = 'R-000001'"
expect_named "a record's class changed" R-000001
restore
sqlite3 "$V/vault.db" "UPDATE records SET size = size + 1 WHERE id = 'R-000003'"
expect_named "a record's size changed" R-000003
restore

# 11. A receipt reassigned to someone else.
W=$("$CV" staff add "Other Staff" --role caseworker --no-passphrase)
sqlite3 "$V/vault.db" "UPDATE receipts SET staff_id = '$W' WHERE id = 1"
expect_named "a receipt claiming another signer" R-000001
restore

# 12. An archive removed consistently: its record rows, its archive row and its file.
a=$(archive_of R-000003)
sqlite3 "$V/vault.db" "PRAGMA foreign_keys=ON; DELETE FROM records WHERE archive_id = (SELECT id FROM archives WHERE file = '$a'); DELETE FROM archives WHERE file = '$a'"
rm "$V/archives/$a"
expect_named "an archive removed with its rows and its file" "$a" "no certificate of destruction"
# ... and the receipt edited to forget it as well: its signature no longer holds.
sqlite3 "$V/vault.db" "UPDATE receipts SET body = json_remove(body, (SELECT '\$.archives[' || j.key || ']' FROM json_each(receipts.body, '\$.archives') j WHERE json_extract(j.value, '\$.file') = '$a')) WHERE id IN (SELECT r.id FROM receipts r, json_each(r.body, '\$.archives') j WHERE json_extract(j.value, '\$.file') = '$a')"
check "the receipt no longer lists the archive" test -z "$(sqlite3 "$V/vault.db" "SELECT 1 FROM receipts r, json_each(r.body, '\$.archives') j WHERE json_extract(j.value, '\$.file') = '$a'")"
expect_named "the same, with the receipt edited to match" "signature"
restore
# 12b. A receipt whose text is no longer JSON.
sqlite3 "$V/vault.db" "UPDATE receipts SET body = 'not json' WHERE id = 2"
expect_named "a receipt that is not JSON" "filing receipt 2 is not readable JSON"
restore
# 13. An earlier filing removed whole: archive file, rows, and its receipt.
a=$(archive_of R-000001)
sqlite3 "$V/vault.db" "PRAGMA foreign_keys=ON; DELETE FROM records WHERE archive_id = (SELECT id FROM archives WHERE file = '$a'); DELETE FROM archives WHERE file = '$a'; DELETE FROM receipts WHERE id = 1"
rm "$V/archives/$a"
expect_named "a filing removed with its receipt" "filing receipt 1 is missing"
restore

# 14. A copy that lost its modes (cp -r under umask 022): the index readable by others.
chmod 644 "$V/vault.db"
chmod 755 "$V/archives"
expect_named "vault.db and archives/ open to other users" "vault.db is open to other users (mode 0644)" \
	"archives is open to other users (mode 0755)" "chmod -R go-rwx"
restore
# 14b. A symbolic link planted in the vault.
ln -s /etc/passwd "$V/archives/planted.pgp"
expect_named "a symbolic link in archives/" "planted.pgp is a symbolic link"
restore
# 15. A file left by another user (root ran a command): the owner could not change it.
if [ "$(id -u)" -eq 0 ]; then
	a=$(archive_of R-000001)
	chown 65534 "$V/archives/$a"
	expect_named "an archive owned by another user" "$a belongs to uid 65534" "chown -R"
	restore
fi

run_cv verify
check "the restored vault verifies again" test "$RC" -eq 0
finish
