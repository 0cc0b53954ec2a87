#!/bin/bash
# Revocation as an intent (docs/architecture.md, Crash safety): a staff
# revoke killed after its commit, or after deleting the secret key but before
# clearing the intent, is finished by the next command that can reach
# gpg-agent; the leaver's secret key is then gone, their public key stays,
# their receipts verify and their records come back.
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
	R=$("$CV" --as "$L" note "$C" --class case-note --text "Note by the leaver ($point)" | awk '{print $1}')
	FPR=$(db "SELECT fpr FROM staff WHERE id = '$L'")
	CASEVAULT_CRASHPOINT=$point "$CV" staff revoke "$L" >/dev/null 2>&1
	check "$point: the revoke was killed after its commit" \
		test -n "$(db "SELECT revoked FROM staff WHERE id = '$L'")"
	check "$point: its intent is left" test "$(db "SELECT count(*) FROM meta WHERE key LIKE 'revoke-secret:%'")" = 1
	run_cv verify
	if [ "$point" = revoke-after-commit ]; then
		check "$point: verify names the secret key left behind" grep -q "$L.*secret key is still in the vault's keyring" <<<"$OUT"
	fi
	# one more command: staff revoke again (it can reach gpg-agent)
	run_cv staff revoke "$L"
	check "$point: running staff revoke again says the revocation was finished" grep -q "finished .*revocation" <<<"$ERR"
	check "$point: the intent is cleared" test "$(db "SELECT count(*) FROM meta WHERE key LIKE 'revoke-secret:%'")" = 0
	check "$point: the leaver's secret key is gone" not secret_held "$FPR"
	check "$point: their public key is still there" public_held "$FPR"
	check "$point: the manager's secret key is still there" secret_held "$(db "SELECT fpr FROM staff WHERE id = 'S-0001'")"
	run_cv get "$R"
	check "$point: get of the leaver's record works (exit $RC: $ERR)" grep -q "Note by the leaver" <<<"$OUT"
	run_cv verify
	check "$point: verify passes, their receipts included ($OUT)" test "$RC" -eq 0
	expect_fail "$point: a third revoke is refused (already revoked)" staff revoke "$L"
done

# Left unfinished, then a command that cannot reach gpg-agent, then one that can.
restore
L=$("$CV" staff add "Lee Later" --role caseworker --no-passphrase)
FPR=$(db "SELECT fpr FROM staff WHERE id = '$L'")
CASEVAULT_CRASHPOINT=revoke-after-commit "$CV" staff revoke "$L" >/dev/null 2>&1
# an ordinary command cannot reach gpg-agent's DELETE_KEY: it names what is left
run_cv ls "$C"
check "another command names the unfinished revocation" grep -q "revocation is not finished" <<<"$ERR"
check "  and leaves the secret key for staff revoke" secret_held "$FPR"
run_cv lock
check "lock (which reaches gpg-agent) finishes it" not secret_held "$FPR"
check "  keeping the public key" public_held "$FPR"
finish
