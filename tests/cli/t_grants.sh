#!/bin/bash
# Signed role grants (docs/security.md, Signed grants): whoever can write
# vault.db cannot give a key a role.  Each tampering of the index (a manager
# row inserted with an attacker's own key, a caseworker raised to cp-lead, a
# fingerprint swapped, a grant deleted or altered) is refused at unlock or
# named by verify, and the next ordinary manager action that rewrites every
# keyslip (staff revoke of someone else) writes none to an ungranted key:
# proven with stock gpg and the attacker's own secret key.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Grant Parent" "Grant Child" 2015-03-03)
"$CV" note "$C" --class cp-note --cp --text "CP note the attacker wants" >/dev/null
W=$("$CV" staff add "Cas Worker" --role caseworker --no-passphrase)
M=$("$CV" staff add "Second Manager" --role manager --no-passphrase)
L=$("$CV" staff add "Lee Leaver" --role caseworker --no-passphrase)
for id in "$W" "$M" "$L"; do "$CV" staff attest "$id" >/dev/null; done
"$CV" case assign "$C" "$W" >/dev/null  # the caseworker's case (docs/security.md, Case assignment)
check "every staff member has a signed grant" test "$(db "SELECT count(DISTINCT staff_id) FROM grants")" = 4
check "the first manager's keyslip names the anchor (S-0001's key), so does the index's HMAC" \
	test -n "$(db "SELECT value FROM meta WHERE key = 'anchor.mac.cp'")"
run_cv verify
check "an untouched vault verifies (exit $RC: $ERR)" test "$RC" -eq 0

# The attacker: a key of their own, made with stock gpg; its public half in the vault's keyring.
A=$T/atk
mkdir -m 700 "$A"
GNUPGHOME=$A gpg --batch --quiet --passphrase '' --quick-gen-key 'Attacker <atk@example.org>' future-default default never 2>/dev/null
AFPR=$(GNUPGHOME=$A gpg --with-colons --list-keys | awk -F: '$1 == "fpr" {print $10; exit}')
GNUPGHOME=$A gpg --export "$AFPR" | GNUPGHOME=$V/gnupg gpg --batch --quiet --import 2>/dev/null
chmod 600 "$V/gnupg/pubring.kbx"
snapshot

# attacker_opens: how many of the current keyslips the attacker's secret key decrypts.
attacker_opens() {
	local n=0 row
	for row in $(db "SELECT rowid FROM keyslips"); do
		db "SELECT slip FROM keyslips WHERE rowid = $row" |
			GNUPGHOME=$A gpg --batch --quiet --decrypt >/dev/null 2>&1 && n=$((n + 1))
	done
	echo "$n"
}
# revoke_leaver WHAT: a manager's ordinary revoke of someone else, after the tampering WHAT.
revoke_leaver() {
	run_cv staff revoke "$L"
	check "$1: the manager's revoke of $L still runs (exit $RC: $ERR)" test "$RC" -eq 0
	check "$1: the attacker's key opens none of the $(db "SELECT count(*) FROM keyslips") keyslips written" \
		test "$(attacker_opens)" = 0
}
verify_names() { # verify_names WHAT WORDS...: verify fails and names each of WORDS
	local d=$1 w
	shift
	run_cv verify
	for w in "$@"; do
		if [ "$RC" -ne 0 ] && grep -q -- "$w" <<<"$OUT$ERR"; then ok "$d: verify fails and names $w"
		else fail "$d: verify (exit $RC) does not name $w: $OUT $ERR"; fi
	done
}

# 1. A manager row inserted with the attacker's key and a grant they signed
# themselves (stock gpg), and the caseworker raised to cp-lead.
N=$(( $(db "SELECT max(seq) FROM grants") + 1 ))
STMT='{"format":"casevault-grant/1","fpr":"'$AFPR'","os_uid":-1,"revoked":"","role":"manager","sections":"case,cp","seq":'$N',"signer":"'$AFPR'","staff":"S-0099","vault":"'$(db "SELECT value FROM meta WHERE key = 'vault.id'")'"}'
printf '%s' "$STMT" >"$T/stmt"
GNUPGHOME=$A gpg --batch --quiet --armor --detach-sign -o "$T/stmt.sig" "$T/stmt" 2>/dev/null
sqlite3 "$V/vault.db" "INSERT INTO staff(id, seq, role, fpr, created) VALUES('S-0099', 99, 'manager', '$AFPR', '2026-01-01T00:00:00Z');
	INSERT INTO grants VALUES($N, 'S-0099', '$AFPR', '$AFPR', CAST(readfile('$T/stmt') AS TEXT), CAST(readfile('$T/stmt.sig') AS TEXT), '2026-01-01');
	UPDATE staff SET role = 'cp-lead' WHERE id = '$W'"
expect_fail "raised role: the caseworker is refused at unlock" --as "$W" ls "$C" --cp
check "raised role: the refusal says the row disagrees with the grant" grep -q "disagrees with their signed grant" <<<"$ERR"
verify_names "inserted manager, raised role" "the grant of S-0099 rests on a chain of signers that never reaches the vault's anchor" \
	"staff row of $W disagrees with their signed grant (role cp-lead, granted caseworker)"
revoke_leaver "inserted manager, raised role"
check "inserted manager: no keyslip row for S-0099" test "$(db "SELECT count(*) FROM keyslips WHERE staff_id = 'S-0099'")" = 0
check "inserted manager: the revoke says it wrote none to S-0099" grep -q "no keyslip written for S-0099" <<<"$ERR$OUT"
db "SELECT slip FROM keyslips WHERE staff_id = '$W'" | GNUPGHOME=$V/gnupg gpg --batch --quiet --decrypt >"$T/w-slip" 2>/dev/null
check "raised role: the caseworker's new keyslip holds the case key (stock gpg)" grep -q '^case ' "$T/w-slip"
check "raised role: and not the CP key" not grep -q '^cp ' "$T/w-slip"
restore

# 2. The caseworker's fingerprint swapped for the attacker's.
sqlite3 "$V/vault.db" "UPDATE staff SET fpr = '$AFPR' WHERE id = '$W'"
verify_names "swapped key" "staff row of $W disagrees with their signed grant (its key is not the one granted)"
revoke_leaver "swapped key"
restore

# 3. A grant deleted: the caseworker's, then the manager's own.
sqlite3 "$V/vault.db" "DELETE FROM grants WHERE staff_id = '$W'"
expect_fail "deleted grant: the caseworker is refused at unlock" --as "$W" ls "$C"
verify_names "deleted grant" "$W has no signed grant" "missing from the index (deleted)"
restore
sqlite3 "$V/vault.db" "DELETE FROM grants WHERE staff_id = 'S-0001'"
expect_fail "deleted grant: the manager whose grant is gone is refused at unlock" ls "$C" --cp
restore

# 4. A grant's statement altered (caseworker -> cp-lead, in the signed text too).
sqlite3 "$V/vault.db" "UPDATE grants SET statement = replace(statement, '\"caseworker\"', '\"cp-lead\"') WHERE staff_id = '$W';
	UPDATE staff SET role = 'cp-lead' WHERE id = '$W'"
verify_names "altered grant" "the grant of $W (number [0-9]*) is not signed by the key it names"
expect_fail "altered grant: the caseworker is refused at unlock" --as "$W" ls "$C" --cp
restore

# 5. A caseworker who can write vault.db forges a keyslip for the CP
# section to their own key: with stock gpg, the real case key from their own
# keyslip and a CP key of their making, sections 'case,cp'; then a copy of a
# manager's keyslip as theirs.  Neither gives them the CP section, verify
# names the forged one, and after the next ordinary rewrite (a revoke) no
# keyslip their key opens holds a CP key.
WFPR=$(db "SELECT fpr FROM staff WHERE id = '$W'")
db "SELECT slip FROM keyslips WHERE staff_id = '$W'" | GNUPGHOME=$V/gnupg gpg --batch --quiet --decrypt >"$T/w-own" 2>/dev/null
check "forged keyslip: control, the caseworker's own keyslip holds the case key" grep -q '^case ' "$T/w-own"
{ cat "$T/w-own"; printf 'cp %s\n' "$(head -c 32 /dev/urandom | xxd -p -c 64)"; } |
	GNUPGHOME=$V/gnupg gpg --batch --quiet --armor --trust-model always -r "$WFPR" --encrypt >"$T/forged.asc"
sqlite3 "$V/vault.db" "UPDATE keyslips SET slip = CAST(readfile('$T/forged.asc') AS TEXT), sections = 'case,cp' WHERE staff_id = '$W'"
expect_fail "forged keyslip: the caseworker's unlock is refused" --as "$W" ls "$C"
check "forged keyslip: the refusal says the keyslip holds a key that is not the vault's" grep -q "does not match the vault" <<<"$ERR"
sqlite3 "$V/vault.db" "UPDATE keyslips SET slip = (SELECT slip FROM keyslips WHERE staff_id = 'S-0001'), sections = 'case,cp' WHERE staff_id = '$W'"
run_cv --as "$W" ls "$C" --cp
check "copied manager's keyslip: the caseworker still may not use the CP section (exit $RC: $ERR)" \
	bash -c "[ $RC -ne 0 ] && grep -q 'may not read the child-protection' '$T/err'"
revoke_leaver "forged keyslip"
# With stock gpg and the caseworker's secret key alone: no keyslip opens to a CP key.
G=$T/wg
cp -a "$V/gnupg" "$G"
for f in $(GNUPGHOME=$G gpg --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "sec" {p = 1; next} $1 == "fpr" && p {print $10; p = 0}'); do
	[ "$f" = "$WFPR" ] || GNUPGHOME=$G gpg --batch --yes --delete-secret-keys "$f" >/dev/null 2>&1
done
check "forged keyslip: control, only the caseworker's secret key is in the copy" \
	test "$(GNUPGHOME=$G gpg --list-secret-keys --with-colons 2>/dev/null | grep -c '^sec')" = 1
cpslips=0 opened=0
for row in $(db "SELECT rowid FROM keyslips"); do
	if db "SELECT slip FROM keyslips WHERE rowid = $row" | GNUPGHOME=$G gpg --batch --quiet --decrypt >"$T/slip" 2>/dev/null; then
		opened=$((opened + 1))
		grep -q '^cp ' "$T/slip" && cpslips=$((cpslips + 1))
	fi
done
GNUPGHOME=$G gpgconf --kill all 2>/dev/null
check "forged keyslip: after the rewrite the caseworker's key opens one keyslip ($opened)" test "$opened" = 1
check "forged keyslip: and no keyslip to the caseworker's key holds a CP key ($cpslips)" test "$cpslips" = 0
restore

# 6. Revoking a signer.  M adds M2 (signed by M); M2 revokes M: M2's own
# grant rests on M's signature, so M2 becomes the anchor and signs again what
# M and the outgoing anchor signed.  Then S-0001 revokes M2, the anchor now.
M2=$("$CV" --as "$M" staff add "Third Manager" --role manager --no-passphrase)
"$CV" staff attest "$M2" >/dev/null
run_cv --as "$M2" staff revoke "$M"
check "signer revoked by $M2 (exit $RC: $ERR)" test "$RC" -eq 0
run_cv --as "$M2" verify
check "after the signer left, $M2's verify passes (exit $RC: $OUT $ERR)" test "$RC" -eq 0
run_cv ls "$C" --cp
check "after the signer left, S-0001 still unlocks (exit $RC: $ERR)" test "$RC" -eq 0
run_cv staff revoke "$M2"
check "the anchor $M2 revoked by S-0001 (exit $RC: $ERR)" test "$RC" -eq 0
run_cv verify
check "after the anchor left, S-0001's verify passes (exit $RC: $OUT $ERR)" test "$RC" -eq 0
run_cv --as "$W" ls "$C"
check "after the anchor left, the caseworker still unlocks (exit $RC: $ERR)" test "$RC" -eq 0
restore

# 6b. The leaver's revocation (the newest grant) cut off and their row made active again.
run_cv staff revoke "$L"
check "a revoke before the roll-back (exit $RC: $ERR)" test "$RC" -eq 0
sqlite3 "$V/vault.db" "DELETE FROM grants WHERE seq = (SELECT max(seq) FROM grants); UPDATE staff SET revoked = NULL WHERE id = '$L'"
expect_fail "revocation cut off: the manager's unlock is refused" ls "$C" --cp
check "revocation cut off: the refusal says grants were deleted" grep -q "signed grants were deleted" <<<"$ERR"
restore

# 7. A vault from before grants: keyslips without an anchor, no grants.  The
# first manager to unlock signs them; until then verify says so.
for id in S-0001 "$W" "$M" "$L"; do
	fpr=$(db "SELECT fpr FROM staff WHERE id = '$id'")
	db "SELECT slip FROM keyslips WHERE staff_id = '$id'" | GNUPGHOME=$V/gnupg gpg --batch --quiet --decrypt 2>/dev/null |
		grep -v -e '^vault ' -e '^anchor ' -e '^grants ' | GNUPGHOME=$V/gnupg gpg --batch --quiet --armor --trust-model always -r "$fpr" --encrypt >"$T/old.asc"
	sqlite3 "$V/vault.db" "UPDATE keyslips SET slip = CAST(readfile('$T/old.asc') AS TEXT) WHERE staff_id = '$id'"
done
sqlite3 "$V/vault.db" "DELETE FROM grants; DELETE FROM meta WHERE key LIKE 'anchor.%' OR key = 'vault.id'"
run_cv --as "$W" verify
check "old vault: a caseworker's verify says the grants are not yet signed" grep -q "grants not yet signed" <<<"$OUT$ERR"
run_cv ls "$C" --cp
check "old vault: the first manager's unlock works (exit $RC: $ERR)" test "$RC" -eq 0
check "old vault: the manager is told, in one line, that they are now the anchor ($ERR)" \
	test "$(grep -c "you are now its anchor" <<<"$ERR")" = 1 -a "$(printf '%s' "$ERR" | grep -c '')" = 1
check "old vault: and signs the grants, an audit event says so" grep -q staff.grants <<<"$("$CV" audit show 2>/dev/null)"
check "old vault: every active staff member now has a grant" test "$(db "SELECT count(DISTINCT staff_id) FROM grants")" = 4
run_cv verify
check "old vault: verify passes after the upgrade (exit $RC: $OUT $ERR)" test "$RC" -eq 0
run_cv --as "$W" ls "$C"
check "old vault: the caseworker's rewritten keyslip unlocks (exit $RC: $ERR)" test "$RC" -eq 0

GNUPGHOME=$A gpgconf --kill all 2>/dev/null
finish
