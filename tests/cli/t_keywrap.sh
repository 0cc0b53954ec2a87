#!/bin/bash
# The checked archive key wrap (docs/architecture.md, Keys).  A flipped bit
# in a wrapped key: rotation (staff revoke) refuses and changes nothing;
# verify names the record; get refuses it.  A vault still holding the old,
# unchecked wraps (cvkw1) is upgraded in one transaction by the next command
# that writes with the section key, and a kill before or after that commit
# leaves every row old or every row new, readable either way.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Wrap Parent" "Wrap Child" 2013-03-03)
make_docs "$T/d"
L=$("$CV" staff add "Lee Leaver" --role caseworker --no-passphrase)
"$CV" staff attest "$L" >/dev/null
"$CV" file "$C" "$T/d/note.txt" "$T/d/mail.eml" --class letter >/dev/null      # R-000001, R-000002
"$CV" note "$C" --class cp-note --cp --text "CP note" >/dev/null                 # R-000003
"$CV" file "$C" "$T/d/report.odt" --class report >/dev/null                      # R-000004
archive_of() { db "SELECT a.file FROM records r JOIN archives a ON a.id = r.archive_id WHERE r.id = '$1'"; }
ks() { sqlite3 "$V/keys.db" "$1"; }
wraps() { ks "SELECT count(*) FROM archive_keys WHERE wrapped_key LIKE '$1:%'"; }
check "every archive key is wrapped as cvkw2" test "$(wraps cvkw2)" = "$(db 'SELECT count(*) FROM archives')"
snapshot

# ---- 1. a flipped bit in a wrapped key ----
A1=$(archive_of R-000001)
w=$(ks "SELECT wrapped_key FROM archive_keys WHERE file = '$A1'")
c=${w:40:1}; [ "$c" = 0 ] && c=1 || c=0
ks "UPDATE archive_keys SET wrapped_key = '${w:0:40}$c${w:41}' WHERE file = '$A1'"
before=$(tree_hash "$V")
expect_fail "staff revoke refuses while a wrapped key fails its check" staff revoke "$L"
check "the refusal names the archive" grep -q "$A1" "$T/err"
check "the refused rotation changed nothing" test "$(tree_hash "$V")" = "$before"
check "the leaver still holds a keyslip" test "$(db "SELECT count(*) FROM keyslips WHERE staff_id = '$L'")" = 1
run_cv verify
check "verify fails" test "$RC" -ne 0
check "verify names the record whose wrapped key fails" grep -q "R-000001" <<<"$OUT"
check "verify names its archive" grep -q "$A1" <<<"$OUT"
check "verify does not blame the other archives" bash -c "! grep -q 'R-000004' <<<\"\$1\"" _ "$OUT"
expect_fail "get refuses a record whose wrapped key fails" get R-000001 --purpose test-copy -o "$T/x.txt"
check "get left no file behind" test ! -e "$T/x.txt"
# a wrapped key copied onto another archive's row fails too (the wrap names its archive)
restore
A4=$(archive_of R-000004)
ks "UPDATE archive_keys SET wrapped_key = (SELECT wrapped_key FROM archive_keys WHERE file = '$A1') WHERE file = '$A4'"
run_cv verify
check "a wrapped key moved to another archive: verify names that record" grep -q "R-000004" <<<"$OUT"
restore

# ---- 2. an old vault: cvkw1 wraps, made with stock tools ----
keys=$(db "SELECT slip FROM keyslips WHERE staff_id = 'S-0001' ORDER BY generation DESC LIMIT 1" |
	GNUPGHOME=$V/gnupg gpg --batch --quiet --decrypt 2>/dev/null)
downgrade() { # every row back to cvkw1: K xor SHA3-256(hex(master) || nonce)
	local file sec k m nonce mask c i
	while IFS='|' read -r file sec; do
		m=$(awk -v s="$sec" '$1 == s {print $2}' <<<"$keys")
		k=$(unwrap_key "$m" "$V/vault.db" "$file")
		nonce=$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
		mask=$(printf "SELECT lower(hex(sha3('%s' || '%s', 256)));" "$m" "$nonce" | sqlite3 :memory:)
		c=; for i in 0 16 32 48; do c=$c$(printf '%016x' $(( 0x${mask:$i:16} ^ 0x${k:$i:16} ))); done
		ks "UPDATE archive_keys SET wrapped_key = 'cvkw1:$nonce:$c' WHERE file = '$file'"
	done < <(db "SELECT file, section FROM archives")
}
downgrade
n=$(db 'SELECT count(*) FROM archives')
check "the old vault holds $n cvkw1 wraps (control)" test "$(wraps cvkw1)" = "$n" -a "$n" -ge 3
"$CV" get R-000001 >"$T/old.txt" 2>/dev/null   # to standard output: a read only (get -o records an export, a write)
check "an old wrap still opens its record" cmp -s "$T/old.txt" "$T/d/note.txt"
check "reading does not upgrade (no writer lock)" test "$(wraps cvkw1)" = "$n"

CASEVAULT_CRASHPOINT=keywrap-upgrade-before-commit "$CV" file "$C" "$T/d/scan.png" --class letter >/dev/null 2>&1
check "killed before the upgrade's commit" test $? -eq 137
check "every row is still cvkw1" test "$(wraps cvkw1)" = "$n"
run_cv verify
check "verify passes after the kill" test "$RC" -eq 0

CASEVAULT_CRASHPOINT=keywrap-upgrade-after-commit "$CV" file "$C" "$T/d/scan.png" --class letter >/dev/null 2>&1
check "killed after the upgrade's commit" test $? -eq 137
check "every row is cvkw2, in one go" test "$(wraps cvkw2)" = "$n" -a "$(wraps cvkw1)" = 0
run_cv verify
check "verify passes after the upgrade" test "$RC" -eq 0
for r in R-000001 R-000004; do
	rm -f "$T/new"
	run_cv get "$r" --purpose test-copy -o "$T/new"
	check "$r opens after the upgrade" test "$RC" -eq 0 -a -s "$T/new"
done
run_cv get R-000001 --purpose test-copy -o "$T/new1.txt"
check "R-000001 is byte-identical after the upgrade" cmp -s "$T/new1.txt" "$T/d/note.txt"

# ---- 3. an uninterrupted upgrade leaves no old wrap in vault.db or its WAL ----
downgrade
olds=$(ks "SELECT substr(wrapped_key, 71) FROM archive_keys")
ks "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
"$CV" file "$C" "$T/d/scan.jpg" --class letter >/dev/null 2>&1 || "$CV" note "$C" --class letter --text "after" >/dev/null
check "the next writer upgraded every row" test "$(wraps cvkw1)" = 0
left=0
while read -r o; do grep -rqaF "$o" "$V" && left=$((left + 1)); done <<<"$olds"
check "no old wrapped value is left in the vault's files" test "$left" -eq 0

# ---- 4. rotation after the upgrade re-wraps as cvkw2 ----
run_cv --json staff revoke "$L"
check "staff revoke succeeds on the upgraded vault" test "$RC" -eq 0
check "every archive key is cvkw2 after the rotation" test "$(wraps cvkw1)" = 0
run_cv verify
check "verify passes after the rotation" test "$RC" -eq 0
finish
