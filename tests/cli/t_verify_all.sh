#!/bin/bash
# verify checks more than the archives: keyslips older than the keys they
# hold, every sealed column, the vault's gpg.conf, and receipts whose
# signer's public key is gone ("signer key missing").
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Sealed Parent" "Sealed Child" 2014-04-04)
W=$("$CV" staff add "Wren Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$W" >/dev/null
"$CV" case assign "$C" "$W" >/dev/null  # her case (docs/security.md, Case assignment)
"$CV" --as "$W" note "$C" --class case-note --text "Note by the caseworker" >/dev/null
"$CV" note "$C" --class cp-note --cp --text "CP note" >/dev/null
run_cv verify
check "a clean vault verifies ($OUT)" test "$RC" -eq 0
run_cv --as "$W" verify
check "a caseworker's verify passes" test "$RC" -eq 0
check "  and says what their role kept it from checking" grep -q "no cp key" <<<"$ERR"
snapshot

# verify_finds DESCRIPTION PATTERN: verify fails and a PROBLEM line matches PATTERN.
verify_finds() {
	run_cv verify
	if [ "$RC" -ne 0 ] && grep -q "^PROBLEM .*$2" <<<"$OUT"; then ok "$1"; else fail "$1: exit $RC: $OUT"; fi
}

# An outdated keyslip: the caseworker's, older than the case key it holds.
sqlite3 "$V/vault.db" "UPDATE keyslips SET generation = 0 WHERE staff_id = '$W'"
verify_finds "verify names an outdated keyslip" "outdated keyslip for $W"
restore

# A damaged sealed case column: one byte of the parent's name changed.
python3 - "$V/vault.db" "$C" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
b = bytearray(db.execute("SELECT parent FROM cases WHERE id = ?", (sys.argv[2],)).fetchone()[0])
b[len(b) // 2] ^= 1
db.execute("UPDATE cases SET parent = ? WHERE id = ?", (bytes(b), sys.argv[2]))
db.commit()
PY
verify_finds "verify names the row and column of a damaged sealed field" "$C: sealed cases.parent does not open"
restore

# The vault's gpg.conf missing, then changed.
mv "$V/gnupg/gpg.conf" "$T/gpg.conf"
verify_finds "verify names a missing gpg.conf" "gpg.conf is missing"
sed 's/^s2k-mode 1$/s2k-mode 3/; /^no-symkey-cache/d' "$T/gpg.conf" >"$V/gnupg/gpg.conf"
verify_finds "verify names a changed S2K setting" "changes the setting 's2k-mode 1'"
check "  and a missing no-symkey-cache" grep -q "lacks 'no-symkey-cache'" <<<"$OUT"
restore

# The caseworker's public key deleted: their receipt's signer key is missing.
FPR=$(db "SELECT fpr FROM staff WHERE id = '$W'")
GNUPGHOME=$V/gnupg gpg --batch --yes --delete-secret-and-public-key "$FPR" >/dev/null 2>&1
verify_finds "verify says signer key missing when a signer's public key is gone" "signer key missing"
check "  not bad signature" \
	bash -c 'grep -q "signer key missing" <<<"$1" && ! grep -q "bad signature" <<<"$1"' _ "$OUT"
check "  naming the caseworker" grep -q "public key of $W" <<<"$OUT"
restore
run_cv verify
check "the vault put back verifies" test "$RC" -eq 0
finish
