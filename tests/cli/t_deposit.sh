#!/bin/bash
# Volunteers deposit without reading (docs/architecture.md, Keys: deposits):
# a volunteer holds no keyslip; their note is wrapped to the case section's
# deposit key and waits, out of every listing, until a caseworker's next
# command adopts it; stock gpg and openssl with everything the volunteer
# holds open nothing; bad input is refused as for anyone.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
C=$(new_case "Deposit Parent" "Deposit Child" 2015-03-04)
C2=$(new_case "Other Parent" "Other Child" 2016-01-01)
"$CV" case close "$C2" >/dev/null
make_docs "$T/d"
VOL=$("$CV" staff add "Vera Volunteer" --role volunteer --no-passphrase)
CW=$("$CV" staff add "Carl Caseworker" --role caseworker --no-passphrase)
for s in "$VOL" "$CW"; do "$CV" staff attest "$s" >/dev/null; done
"$CV" case assign "$C" "$CW" >/dev/null  # the caseworker's cases (docs/security.md, Case assignment)
"$CV" case assign "$C2" "$CW" >/dev/null
"$CV" file "$C" "$T/d/letter.pdf" --class letter >/dev/null        # filed by the manager
check "the volunteer holds no keyslip" test "$(db "SELECT count(*) FROM keyslips WHERE staff_id = '$VOL'")" = 0

# 1. A volunteer's note waits, out of every listing.
printf 'Visited on Tuesday.\nThe family asked for a call back: deposit-marker-7731\n' >"$T/note.txt"
run_cv --as "$VOL" note "$C" --class phone-call --title "Home visit" <"$T/note.txt"
check "a volunteer files a note (exit 0: $ERR)" test "$RC" -eq 0
RID=${OUT%% *}
check "the note got a record id ($RID)" grep -qE '^R-[0-9]{6}$' <<<"$RID"
check "it waits as a deposit" test "$(db "SELECT count(*) FROM deposits")" = 1
check "it is in no records row yet" test "$(db "SELECT count(*) FROM records WHERE id = '$RID'")" = 0
check "its archive key is wrapped to the deposit key" grep -q '^cvdp1:' <<<"$(db "SELECT wrapped_key FROM deposits")"
check "the title is in clear nowhere in the index" bash -c "! grep -a -q 'Home visit' '$V/vault.db' '$V/vault.db-wal' 2>/dev/null"
run_cv --as "$VOL" get "$RID"
check "the volunteer cannot read back their own deposit" test "$RC" -eq 1
run_cv --as "$VOL" ls "$C"
check "nor list the case" test "$RC" -eq 1
DEPFILE=$(db "SELECT file FROM deposits")
DEPWRAP=$(db "SELECT wrapped_key FROM deposits")
cp "$V/archives/$DEPFILE" "$T/deposit.pgp"

# 2. With stock gpg and the volunteer's own secret key: no keyslip row of
# the index opens, so the volunteer has no master key at all.
G=$T/g
cp -a "$V/gnupg" "$G"
VFPR=$(db "SELECT fpr FROM staff WHERE id = '$VOL'")
CWFPR=$(db "SELECT fpr FROM staff WHERE id = '$CW'")
GNUPGHOME=$G gpg --batch --yes --delete-secret-keys "$CWFPR" >/dev/null 2>&1
GNUPGHOME=$G gpg --batch --yes --delete-secret-keys "$(db "SELECT fpr FROM staff WHERE id = 'S-0001'")" >/dev/null 2>&1
check "control: the volunteer's secret key is in the copy" bash -c "GNUPGHOME='$G' gpg --list-secret-keys '$VFPR' >/dev/null 2>&1"
check "control: nobody else's secret key is" test "$(GNUPGHOME=$G gpg --list-secret-keys --with-colons 2>/dev/null | grep -c '^sec')" = 1
opened=0
nslips=$(db "SELECT count(*) FROM keyslips")
for i in $(seq 0 $((nslips - 1))); do
	db "SELECT slip FROM keyslips LIMIT 1 OFFSET $i" | GNUPGHOME=$G gpg --batch --quiet --decrypt >/dev/null 2>&1 && opened=$((opened + 1))
done
check "none of the $nslips keyslips opens with the volunteer's key" test "$opened" = 0
check "control: there are keyslips to try" test "$nslips" -ge 2
for a in $(db "SELECT file FROM archives"); do
	if GNUPGHOME=$G gpg --batch --quiet --pinentry-mode loopback --passphrase '' --decrypt "$V/archives/$a" >/dev/null 2>&1; then
		fail "archive $a opened without a key"
	fi
done
ok "no archive opens with what the volunteer holds"
GNUPGHOME=$G gpgconf --kill all 2>/dev/null

# 3. The caseworker's next command adopts it: listed, readable byte for byte.
run_cv --as "$CW" ls "$C"
check "the caseworker's ls succeeds ($ERR)" test "$RC" -eq 0
check "the note is listed after the caseworker's command" grep -q "$RID" <<<"$OUT"
check "with its title" grep -q "Home visit" <<<"$OUT"
check "the deposit is gone" test "$(db "SELECT count(*) FROM deposits")" = 0
check "its archive is now wrapped normally" bash -c "! grep -q '^cvdp1:' <<<'$(db "SELECT wrapped_key FROM archives WHERE file = '$DEPFILE'")'"
check "the adoption is in the audit trail" test "$(db "SELECT count(*) FROM audit WHERE action = 'deposit.adopt' AND ids LIKE '%$RID%'")" = 1
check "the archive file was not rewritten" cmp -s "$T/deposit.pgp" "$V/archives/$DEPFILE"
"$CV" --as "$CW" get "$RID" --purpose test-copy -o "$T/back.txt" 2>/dev/null
check "the caseworker reads it back byte for byte" cmp -s "$T/note.txt" "$T/back.txt"
run_cv verify
check "a manager's verify passes after the adoption ($OUT $ERR)" test "$RC" -eq 0

# 4. The wrapped key of the deposit needs the deposit secret: with stock
# openssl, the case key (from a caseworker's keyslip) derives it and unwraps
# the archive key; nothing the volunteer holds does.
G=$T/g2
cp -a "$V/gnupg" "$G"
casekey=$(db "SELECT slip FROM keyslips WHERE staff_id = '$CW'" | GNUPGHOME=$G gpg --batch --quiet --decrypt 2>/dev/null | awk '$1 == "case" {print $2}')
GNUPGHOME=$G gpgconf --kill all 2>/dev/null
deposit_unwrap() { # MASTERHEX: prints the archive key that opens the deposit
	local d epub w z kek
	d=$(openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:"$1" -kdfopt hexsalt: \
		-kdfopt info:"casevault/deposit/v1 case" HKDF | tr -d ':' | tr 'A-F' 'a-f')
	epub=${DEPWRAP:6:64}; w=${DEPWRAP:71:80}
	printf '302e020100300506032b656e04220420%s' "$d" | xxd -r -p >"$T/d.der"
	printf '302a300506032b656e032100%s' "$epub" | xxd -r -p >"$T/e.der"
	openssl pkey -inform DER -in "$T/d.der" -out "$T/d.pem" 2>/dev/null
	openssl pkey -pubin -inform DER -in "$T/e.der" -out "$T/e.pem" 2>/dev/null
	z=$(openssl pkeyutl -derive -inkey "$T/d.pem" -peerkey "$T/e.pem" 2>/dev/null | xxd -p -c 64)
	dpub=$(openssl pkey -in "$T/d.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | xxd -p -c 64)
	kek=$(openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:"$z" -kdfopt hexsalt:"$epub$dpub" \
		-kdfopt info:"casevault/deposit-kek/v1 $DEPFILE" HKDF | tr -d ':' | tr 'A-F' 'a-f')
	printf '%s' "$w" | xxd -r -p | openssl enc -d -id-aes256-wrap-pad -K "$kek" -iv A65959A6 2>/dev/null | xxd -p -c 64
}
k=$(deposit_unwrap "$casekey")
check "control: stock openssl with the case key unwraps the deposit's archive key" opens_archive "$G" "$k" "$T/deposit.pgp"
k=$(deposit_unwrap "$(printf '%064d' 0)")
if [ -n "$k" ] && opens_archive "$G" "$k" "$T/deposit.pgp"; then fail "another key unwrapped the deposit"; else ok "without the case key the deposit's archive key does not unwrap"; fi
GNUPGHOME=$G gpgconf --kill all 2>/dev/null

# 5. Bad input: the same one-line errors as a caseworker gets, nothing changed.
before=$(db "SELECT count(*) FROM deposits")
run_cv --as "$CW" note C-2099-9999 --class phone-call --text x
cwerr=$ERR
expect_fail "a volunteer filing into an unknown case is refused" --as "$VOL" note C-2099-9999 --class phone-call --text x
check "with the caseworker's words ($cwerr)" test "$ERR" = "$cwerr"
run_cv --as "$CW" note "$C" --class no-such-class --text x
cwerr=$ERR
expect_fail "a volunteer filing with an unknown class is refused" --as "$VOL" note "$C" --class no-such-class --text x
check "with the caseworker's words" test "$ERR" = "$cwerr"
expect_fail "a volunteer may still not file documents" --as "$VOL" file "$C" "$T/d/scan.png" --class letter
expect_fail "nor into the child-protection file" --as "$VOL" note "$C" --cp --class cp-note --text x
check "nothing was deposited by the refusals" test "$(db "SELECT count(*) FROM deposits")" = "$before"
# A closed case takes notes from anyone (filing.c checks no closing date); a volunteer's too.
run_cv --as "$VOL" note "$C2" --class phone-call --text "after closing"
check "a volunteer files into a closed case as a caseworker may" test "$RC" -eq 0
VRID=${OUT%% *}
run_cv --as "$CW" note "$C2" --class phone-call --text "after closing, by the caseworker"
CRID=${OUT%% *}
vret=$(retain_of "$VRID")
cret=$(retain_of "$CRID")
check "the adopted note got its retention date ($vret)" test "$vret" != none
check "the same date as the caseworker's note of that class" test "$vret" = "$cret"

# 6. A deposit key written into the index by someone else.  The key is
# signed by a key holder (meta deposit.case.sig); a volunteer checks that
# signature and the signer's grant before encrypting to it, so a swapped
# key, or one signed by a key that holds no grant, is refused in one line
# with nothing written; verify names it; a key holder's next command puts
# the vault's own back and the next deposit is adopted.
good=$(db "SELECT value FROM meta WHERE key = 'deposit.case'")
check "the published deposit key is signed for its value" \
	grep -q "^key $good\$" <<<"$(db "SELECT value FROM meta WHERE key = 'deposit.case.sig'")"
forged="${good%%:*}:$(printf '09%.0s' $(seq 32))"
ndep=$(db "SELECT count(*) FROM deposits")
snapshot
sqlite3 "$V/vault.db" "UPDATE meta SET value = '$forged' WHERE key = 'deposit.case'"
h0=$(tree_hash "$V")
expect_fail "a volunteer's filing to a swapped deposit key is refused" --as "$VOL" note "$C" --class phone-call --text "to a forged key"
check "the refusal names the unsigned deposit key" grep -q "deposit key in the index is not one its key holders signed" <<<"$ERR"
check "nothing was written (vault tree hash unchanged)" test "$(tree_hash "$V")" = "$h0"
run_cv verify
check "verify fails (exit $RC)" test "$RC" -ne 0
check "and names the swapped deposit key" grep -q "deposit.case: the deposit key in the index was not the vault's" <<<"$OUT"
check "the command put the vault's own deposit key back" test "$(db "SELECT value FROM meta WHERE key = 'deposit.case'")" = "$good"
restore
# The same forged key with a signature by a key of the attacker's own (stock gpg), which holds no grant.
A=$T/atk
mkdir -m 700 "$A"
GNUPGHOME=$A gpg --batch --quiet --passphrase '' --quick-gen-key 'Attacker <atk@example.org>' future-default default never 2>/dev/null
GNUPGHOME=$A gpg --export | GNUPGHOME=$V/gnupg gpg --batch --quiet --import 2>/dev/null
chmod 600 "$V/gnupg/pubring.kbx"
printf 'casevault-deposit-key/1\nvault %s\nsection case\nkey %s\n' "$(db "SELECT value FROM meta WHERE key = 'vault.id'")" "$forged" >"$T/stmt"
GNUPGHOME=$A gpg --batch --quiet --armor --detach-sign -o "$T/stmt.sig" "$T/stmt" 2>/dev/null
cat "$T/stmt" "$T/stmt.sig" >"$T/sigrow"
GNUPGHOME=$A gpgconf --kill all 2>/dev/null
sqlite3 "$V/vault.db" "UPDATE meta SET value = '$forged' WHERE key = 'deposit.case';
	UPDATE meta SET value = CAST(readfile('$T/sigrow') AS TEXT) WHERE key = 'deposit.case.sig'"
check "control: the attacker's signature verifies with stock gpg" \
	bash -c "GNUPGHOME='$V/gnupg' gpg --batch --quiet --verify '$T/stmt.sig' '$T/stmt' 2>/dev/null"
h0=$(tree_hash "$V")
expect_fail "a volunteer's filing to a key signed by an ungranted key is refused" --as "$VOL" note "$C" --class phone-call --text "to a forged key"
check "the refusal says the signer holds no grant" grep -q "not vouched for (signed by a key that holds no grant)" <<<"$ERR"
check "nothing was written (vault tree hash unchanged)" test "$(tree_hash "$V")" = "$h0"
check "no deposit was made" test "$(db "SELECT count(*) FROM deposits")" = "$ndep"
run_cv --as "$CW" ls "$C"
check "a caseworker's command puts the vault's own key back, signed ($ERR)" \
	test "$(db "SELECT value FROM meta WHERE key = 'deposit.case'")" = "$good"
run_cv --as "$VOL" note "$C" --class phone-call --text "to the real key"
check "the volunteer files again (exit $RC: $ERR)" test "$RC" -eq 0
R3=${OUT%% *}
"$CV" --as "$CW" ls "$C" >/dev/null 2>&1
check "the next deposit is adopted" test "$(db "SELECT count(*) FROM records WHERE id = '$R3'")" = 1
run_cv verify
check "verify passes again (exit $RC: $OUT $ERR)" test "$RC" -eq 0

# 7. Revoking a volunteer rotates nothing (they held no key), except once
# after an upgrade from volunteers with keyslips (meta deposit.legacy-case-gen).
gen0=$(db "SELECT generation FROM section_keys WHERE section = 'case'")
VOL2=$("$CV" staff add "Vic Volunteer" --role volunteer --no-passphrase)
"$CV" staff revoke "$VOL2" >/dev/null
check "revoking a volunteer leaves the case key" test "$(db "SELECT generation FROM section_keys WHERE section = 'case'")" = "$gen0"
sqlite3 "$V/vault.db" "INSERT INTO meta(key, value) VALUES('deposit.legacy-case-gen', '$gen0')"
"$CV" --as "$VOL" note "$C" --class phone-call --text "just before the revoke" >/dev/null
R4=$(db "SELECT count(*) FROM deposits")
"$CV" staff revoke "$VOL" >/dev/null
check "after the upgrade, the next revoke rotates the case key" test "$(db "SELECT generation FROM section_keys WHERE section = 'case'")" -gt "$gen0"
check "the deposit waiting was adopted first" test "$R4" = 1 -a "$(db "SELECT count(*) FROM deposits")" = 0
"$CV" --as "$CW" get "$RID" --purpose test-copy -o "$T/back2.txt" 2>/dev/null
check "the caseworker still reads the adopted note after the rotation" cmp -s "$T/note.txt" "$T/back2.txt"
check "the deposit key follows the new case key" test "$(db "SELECT value FROM meta WHERE key = 'deposit.case'")" != "$good"
finish
