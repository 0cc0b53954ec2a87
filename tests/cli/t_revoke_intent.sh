#!/bin/bash
# Revocation as an intent (docs/architecture.md, Crash safety): a staff
# revoke killed after its commit, or after deleting the secret key but before
# clearing the intent, is finished by the next command, whatever it is (it
# starts able to reach gpg-agent when the index holds an intent); the
# leaver's secret key is then gone, their public key stays, their receipts
# verify, their records come back and the command does its own work.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Intent Parent" "Intent Child" 2014-04-04)
snapshot

# secret_held FPR / public_held FPR: the vault's keyring holds that key.
secret_held() { GNUPGHOME=$V/gnupg gpg --batch --with-colons --list-secret-keys 2>/dev/null | grep -q "^fpr:.*:$1:"; }
public_held() { GNUPGHOME=$V/gnupg gpg --batch --with-colons --list-keys 2>/dev/null | grep -q "^fpr:.*:$1:"; }

for point in revoke-after-commit revoke-after-delete; do
	restore
	L=$("$CV" staff add "Lee Leaver $point" --role caseworker --no-passphrase)
	"$CV" staff attest "$L" >/dev/null
	"$CV" case assign "$C" "$L" >/dev/null  # their case (docs/security.md, Case assignment)
	R=$("$CV" --as "$L" note "$C" --class case-note --text "Note by the leaver ($point)" | awk '{print $1}')
	FPR=$(db "SELECT fpr FROM staff WHERE id = '$L'")
	CASEVAULT_CRASHPOINT=$point "$CV" staff revoke "$L" >/dev/null 2>&1
	check "$point: the revoke was killed after its commit" \
		test -n "$(db "SELECT revoked FROM staff WHERE id = '$L'")"
	check "$point: its intent is left" test "$(db "SELECT count(*) FROM meta WHERE key LIKE 'revoke-secret:%'")" = 1
	# one more command, an ordinary one (ls, then file): its start finds the
	# intent, so it can reach gpg-agent, and its open finishes the revocation
	if [ "$point" = revoke-after-commit ]; then
		run_cv ls "$C"
		check "$point: ls did its own work (exit $RC)" grep -q "^$R " <<<"$OUT"
	else
		printf 'A letter filed after the crash.\n' >"$T/after.txt"
		run_cv file "$C" "$T/after.txt" --class letter
		NEW=$(awk '{print $1}' <<<"$OUT")
		check "$point: file did its own work (exit $RC: $OUT)" test "$RC" -eq 0 -a "$(db "SELECT count(*) FROM records WHERE id = '$NEW'")" = 1
		check "$point: the record it filed reads back" bash -c "'$CV' -C '$V' get '$NEW' | grep -q 'filed after the crash'"
	fi
	check "$point: it says the revocation was finished" grep -q "finished an interrupted revocation" <<<"$ERR"
	check "$point: the intent is cleared" test "$(db "SELECT count(*) FROM meta WHERE key LIKE 'revoke-secret:%'")" = 0
	check "$point: the leaver's secret key is gone" not secret_held "$FPR"
	check "$point: their public key is still there" public_held "$FPR"
	check "$point: the manager's secret key is still there" secret_held "$(db "SELECT fpr FROM staff WHERE id = 'S-0001'")"
	run_cv get "$R"
	check "$point: get of the leaver's record works (exit $RC: $ERR)" grep -q "Note by the leaver" <<<"$OUT"
	run_cv verify
	check "$point: verify passes, their receipts included ($OUT)" test "$RC" -eq 0
	expect_fail "$point: another revoke is refused (already revoked)" staff revoke "$L"
done

# No intent pending: the next command starts as it always does (no note,
# the keys untouched), and a revoke's intent lost from the index leaves a
# secret key that verify names.
restore
L=$("$CV" staff add "Lee Later" --role caseworker --no-passphrase)
FPR=$(db "SELECT fpr FROM staff WHERE id = '$L'")
run_cv ls "$C"
check "without an intent a command says nothing of revocations" not grep -q "revocation" <<<"$ERR"
CASEVAULT_CRASHPOINT=revoke-after-commit "$CV" staff revoke "$L" >/dev/null 2>&1
sqlite3 "$V/vault.db" "DELETE FROM meta WHERE key LIKE 'revoke-secret:%'"
run_cv verify
check "verify names the revoked person's secret key left behind (exit $RC)" \
	bash -c "test $RC -ne 0 && grep -q '$L.*secret key is still in the vault.s keyring' '$T/out'"
check "  which no command removed without the intent" secret_held "$FPR"
finish
