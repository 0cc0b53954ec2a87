#!/bin/bash
# Revocation: after staff revoke, the revoked key opens no keyslip and
# no archive key: a copy of their old keyslip gives old master keys that open
# nothing held or filed afterwards.  Records stay readable for everyone else.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Revoke Parent" "Revoke Child" 2014-04-04)
make_docs "$T/d"
L=$("$CV" staff add "Lee Leaver" --role cp-lead --no-passphrase)
"$CV" staff attest "$L" >/dev/null
"$CV" file "$C" "$T/d/letter.pdf" "$T/d/note.txt" --class letter >/dev/null
"$CV" note "$C" --class cp-note --cp --text "CP note before revocation" >/dev/null

# What the leaver could take away: their keyslip and their secret key.
sqlite3 "$V/vault.db" "SELECT slip FROM keyslips WHERE staff_id = '$L'" >"$T/old-slip.asc"
GNUPGHOME=$V/gnupg gpg --batch --export-secret-keys "$(sqlite3 "$V/vault.db" "SELECT fpr FROM staff WHERE id = '$L'")" >"$T/leaver.key"
cp -a "$V/archives" "$T/old-archives"
sqlite3 "$V/vault.db" ".backup '$T/pre.db'"
sqlite3 "$V/keys.db" ".backup '$T/pre-keys.db'"

run_cv --json staff revoke "$L"
check "staff revoke succeeds" test "$RC" -eq 0
check "it re-wrapped every archive key of the sections they held" \
	test "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["archive_keys_rewrapped"])')" = 2
check "the leaver has no keyslip left" test "$(sqlite3 "$V/vault.db" "SELECT count(*) FROM keyslips WHERE staff_id = '$L'")" = 0
check "the leaver's secret key is gone from the vault" \
	bash -c "! GNUPGHOME='$V/gnupg' gpg --list-secret-keys 2>/dev/null | grep -q \"\$(sqlite3 '$V/vault.db' \"SELECT fpr FROM staff WHERE id = '$L'\")\""
expect_fail "the leaver may not act" --as "$L" ls "$C"
"$CV" note "$C" --class cp-note --cp --text "CP note after revocation" >/dev/null

# Outside casevault, with only what the leaver took away.
G=$T/leaver-gnupg
mkdir -m 700 "$G"
GNUPGHOME=$G gpg --batch --quiet --import "$T/leaver.key" 2>/dev/null
GNUPGHOME=$G gpg --batch --quiet --decrypt "$T/old-slip.asc" >"$T/old-slip.txt" 2>/dev/null
check "the old keyslip copy still opens with the leaver's key (it is theirs)" grep -q '^cp ' "$T/old-slip.txt"
n=0; opened=0
while read -r slip_row; do
	n=$((n + 1))
	if sqlite3 "$V/vault.db" "SELECT slip FROM keyslips WHERE rowid = $slip_row" |
		GNUPGHOME=$G gpg --batch --quiet --decrypt >/dev/null 2>&1; then opened=$((opened + 1)); fi
done < <(sqlite3 "$V/vault.db" "SELECT rowid FROM keyslips")
check "the leaver's key opens none of the $n current keyslips" test "$opened" -eq 0
# control: before the revocation, the old key and the old wrapped keys did open the archives
old_case_key=$(awk '$1 == "case" {print $2}' "$T/old-slip.txt")
check "control: the old keys opened the old wrapped keys" \
	opens_archive "$G" "$(unwrap_key "$old_case_key" "$T/pre.db" "$(sqlite3 "$T/pre.db" "SELECT file FROM archives WHERE id = 1")" "$T/pre-keys.db")" \
	"$T/old-archives/$(sqlite3 "$T/pre.db" "SELECT file FROM archives WHERE id = 1")"
for sec in case cp; do
	key=$(awk -v s="$sec" '$1 == s {print $2}' "$T/old-slip.txt")
	tried=0; opened=0
	while IFS='|' read -r file wrapped; do
		tried=$((tried + 1))
		if opens_archive "$G" "$(unwrap_key "$key" "$V/vault.db" "$file")" "$V/archives/$file"; then opened=$((opened + 1)); fi
	done < <(sqlite3 "$V/vault.db" "SELECT file, wrapped_key FROM archives WHERE section = '$sec'")
	check "the old $sec key opens none of the $tried archives through the keys held now (old and new archives)" test "$opened" -eq 0
done
GNUPGHOME=$G gpgconf --kill all 2>/dev/null

# Everyone else carries on; the archives were not rewritten.
for f in "$T"/old-archives/*; do
	cmp -s "$f" "$V/archives/$(basename "$f")" || fail "archive $(basename "$f") changed"
done
ok "archive files are unchanged by the rotation"
run_cv --json ls "$C" --cp
check "the manager still reads the cp file (2 notes)" \
	test "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 2
"$CV" get R-000001 >"$T/back.pdf" 2>/dev/null
check "documents filed before the rotation still come back" cmp -s "$T/d/letter.pdf" "$T/back.pdf"
check "names are still readable (re-sealed)" grep -q "Revoke Parent" < <("$CV" case show "$C")
expect_fail "a document filed before the rotation is still recognised as already filed" \
	file "$C" "$T/d/letter.pdf" --class letter
check "  by its record" grep -q "as R-000001" <<<"$ERR"
run_cv verify
check "verify passes after the rotation" test "$RC" -eq 0
expect_fail "a manager cannot revoke themself (the vault always keeps a manager)" staff revoke S-0001
finish
