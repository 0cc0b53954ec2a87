#!/bin/bash
# The duplicate index (docs/architecture.md, Sealed columns): records.blind
# is HMAC-SHA256 under HKDF(section key, "casevault duplicate index
# v1|SECTION|GEN") of the case id and the document's hash, recomputed here
# with openssl.  The duplicate check uses it and no exact size (it finds a
# duplicate whose sealed size is damaged, and misses one whose blind value
# was altered, which verify then names); the same document in two cases
# gives two values; a rotation recomputes the rotated section's values in
# its transaction; rows from before the index are filled by the next
# writer holding the key, all or nothing, and meanwhile still found.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
make_docs "$T/d"
C1=$(new_case "Blind One" "Child One" 2012-01-01)
C2=$(new_case "Blind Two" "Child Two" 2013-02-02)
L=$("$CV" staff add "Lee Leaver" --role caseworker --no-passphrase)
"$CV" staff attest "$L" >/dev/null
"$CV" file "$C1" "$T/d/note.txt" "$T/d/mail.eml" --class letter >/dev/null   # R-000001, R-000002
"$CV" file "$C2" "$T/d/note.txt" --class letter >/dev/null                    # R-000003
"$CV" file "$C1" "$T/d/note.txt" --class cp-note --cp >/dev/null              # R-000004
cp "$T/d/note.txt" "$T/d/copy.txt"
NREC=4
check "four records filed (control)" test "$(db 'SELECT count(*) FROM records')" = $NREC

# blind_of SECTION CASE FILE: the documented value, with openssl and the
# section key from the manager's keyslip.
blind_of() {
	local m gen k sha
	m=$(db "SELECT slip FROM keyslips WHERE staff_id = 'S-0001' ORDER BY generation DESC LIMIT 1" |
		GNUPGHOME=$V/gnupg gpg --batch --quiet --decrypt 2>/dev/null | awk -v s="$1" '$1 == s { print $2 }')
	gen=$(db "SELECT generation FROM section_keys WHERE section = '$1'")
	k=$(openssl kdf -binary -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:"$m" \
		-kdfopt info:"casevault duplicate index v1|$1|$gen" HKDF | od -An -v -tx1 | tr -d ' \n')
	sha=$(sha256sum <"$3" | cut -d' ' -f1)
	# shellcheck disable=SC2059
	{ printf '%s' "$2"; printf "$(sed 's/../\\x&/g' <<<"$sha")"; } |
		openssl dgst -sha256 -mac HMAC -macopt hexkey:"$k" | awk '{ print $NF }'
}
blind() { db "SELECT ifnull(blind, 'NULL') FROM records WHERE id = '$1'"; }
# every_blind_documented: each record's stored value is the documented one
every_blind_documented() {
	local id c s f
	while IFS='|' read -r id c s; do
		case $id in R-000002) f=$T/d/mail.eml ;; *) f=$T/d/note.txt ;; esac
		[ "$(blind "$id")" = "$(blind_of "$s" "$c" "$f")" ] || { echo "# $id: $(blind "$id")"; return 1; }
	done < <(db "SELECT id, case_id, section FROM records WHERE id <= 'R-000004'")
}

# ---- the value, as documented ----
check "every record has a 64-digit blind value" \
	test "$(db "SELECT count(*) FROM records WHERE length(blind) = 64 AND blind NOT GLOB '*[^0-9a-f]*'")" = $NREC
check "each is HMAC-SHA256(HKDF(section key), case id || SHA-256), as openssl computes it" every_blind_documented
check "the same document in two cases: two unrelated values" test "$(blind R-000001)" != "$(blind R-000003)"
check "the same document in the other section: another value" test "$(blind R-000001)" != "$(blind R-000004)"
check "no clear hash of the document anywhere in the index" \
	bash -c '! grep -qa "$1" "$2"' _ "$(sha256sum <"$T/d/note.txt" | cut -d' ' -f1)" "$V/vault.db"
snapshot

# ---- the check uses the blind value, not the sizes ----
sqlite3 "$V/vault.db" "UPDATE records SET size_sealed = x'00' WHERE id = 'R-000001'"
expect_fail "a duplicate is found with its record's sealed size damaged" file "$C1" "$T/d/copy.txt" --class letter
check "  naming R-000001" grep -q "already filed in the case file of $C1 as R-000001" <<<"$ERR"
restore
sqlite3 "$V/vault.db" "UPDATE records SET blind = (SELECT blind FROM records WHERE id = 'R-000002') WHERE id = 'R-000001'"
run_cv file "$C1" "$T/d/copy.txt" --class letter
check "control: with R-000001's blind value altered, its copy is no longer found (exit $RC)" test "$RC" -eq 0
run_cv verify
check "verify fails" test "$RC" -ne 0
check "verify names R-000001's blind value" grep -q "R-000001: its duplicate index value (records.blind) is not the one" <<<"$OUT"
check "verify does not blame R-000002" bash -c '! grep -q "R-000002" <<<"$1"' _ "$OUT"
restore

# ---- a rotation recomputes the rotated section's values ----
before1=$(blind R-000001) before4=$(blind R-000004)
gen0=$(db "SELECT generation FROM section_keys WHERE section = 'case'")
"$CV" staff revoke "$L" >/dev/null
check "revoking a caseworker rotated the case key (control)" test "$(db "SELECT generation FROM section_keys WHERE section = 'case'")" -gt "$gen0"
check "the case section's values changed" test "$(blind R-000001)" != "$before1"
check "the cp section's value did not (its key was not rotated)" test "$(blind R-000004)" = "$before4"
check "every value is the documented one under the new generation" every_blind_documented
expect_fail "after the rotation the duplicate is still refused" file "$C1" "$T/d/copy.txt" --class letter
check "  naming R-000001" grep -q "as R-000001" <<<"$ERR"
run_cv verify
check "verify passes after the rotation (exit $RC)" test "$RC" -eq 0

# ---- rows from before the index ----
sqlite3 "$V/vault.db" "UPDATE records SET blind = NULL"
run_cv verify
check "verify passes with no values yet (exit $RC)" test "$RC" -eq 0
check "  and counts them in a notice" grep -q "$NREC records filed before the duplicate index have no value in it yet" <<<"$ERR"
printf 'case,path,class,section,title,date\n%s,copy.txt,letter,case,Copy,2026-10-01\n' "$C1" >"$T/d/m.csv"
nulls() { db 'SELECT count(*) FROM records WHERE blind IS NULL'; }
run_cv import --check "$T/d/m.csv"
check "import --check still finds the duplicate (computed in memory)" grep -q "would be skipped: the same document is already filed in $C1 as R-000001" <<<"$ERR"
check "  and stores no value (it takes no writer lock)" test "$(nulls)" = $NREC
(CASEVAULT_CRASHPOINT=blind-upgrade-before-commit exec "$CV" file "$C1" "$T/d/scan.png" --class letter >/dev/null 2>&1)
check "killed before the fill's commit" test $? -eq 137
check "  every row still has no value" test "$(nulls)" = $NREC
(CASEVAULT_CRASHPOINT=blind-upgrade-after-commit exec "$CV" file "$C1" "$T/d/scan.png" --class letter >/dev/null 2>&1)
check "killed after the fill's commit" test $? -eq 137
check "  every row has its value, in one go" test "$(nulls)" = 0
check "  the documented one" every_blind_documented
run_cv file "$C1" "$T/d/scan.png" --class letter
check "the next filing works (exit $RC)" test "$RC" -eq 0
expect_fail "and the duplicate is refused" file "$C1" "$T/d/copy.txt" --class letter
run_cv verify
check "verify passes (exit $RC)" test "$RC" -eq 0
check "  with no notice of missing values" bash -c '! grep -q "duplicate index" <<<"$1"' _ "$ERR"
finish
