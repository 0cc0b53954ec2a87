#!/bin/bash
# casevault staff passphrase (docs/commands/staff-passphrase.md): a person
# changes their own passphrase, proving the current one; afterwards only the
# new one opens their key (keyslips and signatures alike); bad input changes
# nothing; a change cut short between the two keys is mended by running it
# again; through casevaultd the current passphrase is asked even while a
# session is unlocked, a wrong one counts towards the lock-out, and the
# person's session ends.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

printf 'correct horse battery staple\n' >"$T/m.pass"
fixture_vault pass "$V" "$T/m.pass" || { echo "no vault"; exit 1; }
export CASEVAULT_DIR=$V
M=(--passphrase-file "$T/m.pass")
printf 'amber kettle 41 violin\n' >"$T/p1"
printf 'seventeen quiet herons nest\n' >"$T/p2"
printf 'lantern orchard 9 maple drift\n' >"$T/p3"
printf 'not the right one at all\n' >"$T/wrong"
printf 'short\n' >"$T/weak"
W=$("$CV" "${M[@]}" staff add "Wren Worker" --role caseworker --new-passphrase-file "$T/p1")
"$CV" "${M[@]}" staff attest "$W" >/dev/null
C=$("$CV" "${M[@]}" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
"$CV" "${M[@]}" case assign "$C" "$W" >/dev/null
"$CV" "${M[@]}" note "$C" --class case-note --title "First call" --text "Spoke about the annual review." >/dev/null
check "setup: caseworker $W with a passphrase, case $C with a note" test -n "$W" -a -n "$C"

forget() { "$CV" lock >/dev/null 2>&1; }  # gpg-agent forgets every cached passphrase
# opens PASSFILE: W's keyslip (ls) and signing key (a note, whose receipt W signs) open with it
opens() {
	forget
	"$CV" --as "$W" --passphrase-file "$1" ls "$C" >/dev/null 2>&1 || return 1
	forget
	"$CV" --as "$W" --passphrase-file "$1" note "$C" --class case-note --text "Checked on $(basename "$1")." >/dev/null 2>&1
}
events() { db "SELECT group_concat(outcome, ' ') FROM audit WHERE action = 'staff.passphrase'"; }
one_line() { [ "$(printf '%s' "$ERR" | grep -c '')" -eq 1 ]; }
keys_hash() { find "$V/gnupg/private-keys-v1.d" -type f -exec sha256sum {} + | sort | sha256sum; }

# ---- bad input changes nothing
before=$(keys_hash)
run_cv --as "$W" staff passphrase --new-passphrase-file "$T/p2" </dev/null
check "no current passphrase and no terminal: refused in one line (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "needs the current one\|was not given" <<<"$ERR"'
run_cv --as "$W" --passphrase-file "$T/p1" staff passphrase </dev/null
check "no new passphrase and no terminal: a usage error naming the option (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 2 ] && one_line && grep -q -- "--new-passphrase-file" <<<"$ERR"'
run_cv --as "$W" --passphrase-file "$T/p1" staff passphrase --new-passphrase-file "$T/weak"
check "a weak new passphrase: refused before gpg, saying why (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 2 ] && one_line && grep -q "too weak" <<<"$ERR"'
run_cv --as "$W" --passphrase-file "$T/p1" staff passphrase --new-passphrase-file "$T/nothing-here"
check "an unreadable new passphrase file: a usage error (exit $RC: $ERR)" eval '[ "$RC" -eq 2 ] && one_line'
run_cv --as "$W" --passphrase-file "$T/p1" staff passphrase --new-passphrase-file "$T/p1"
check "the same passphrase again: refused (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "same as the current" <<<"$ERR"'
run_cv --as "$W" --passphrase-file "$T/wrong" staff passphrase --new-passphrase-file "$T/p2"
check "a wrong current passphrase: refused, nothing changed (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "not accepted; nothing was changed" <<<"$ERR"'
run_cv --as "$W" "${M[@]}" staff passphrase --new-passphrase-file "$T/p2"
check "the manager's passphrase does not change the caseworker's (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && grep -q "not accepted" <<<"$ERR"'
check "...no key file changed by any of these" test "$(keys_hash)" = "$before"
check "...the refusals of a wrong passphrase are audited (outcomes: $(events))" test "$(events)" = "refused refused"
check "...and the old passphrase still opens everything" opens "$T/p1"

# ---- the change
forget
run_cv --as "$W" --passphrase-file "$T/p1" staff passphrase --new-passphrase-file "$T/p2"
check "$W changes their passphrase (exit $RC: $OUT $ERR)" \
	eval '[ "$RC" -eq 0 ] && grep -q "changed: the passphrase of staff member $W" <<<"$OUT"'
check "...audited as staff.passphrase ok ($(events))" test "$(events)" = "refused refused ok"
check "...the old passphrase opens nothing now" not opens "$T/p1"
check "...the new one opens the keyslip and signs" opens "$T/p2"
check "...the manager's own key is untouched" eval 'forget; "$CV" "${M[@]}" ls "$C" >/dev/null'
run_cv --as "$W" --passphrase-file "$T/p2" --json staff passphrase --new-passphrase-file "$T/p3"
check "--json: {ok, staff} (exit $RC: $OUT)" \
	eval '[ "$RC" -eq 0 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d == {\"ok\": True, \"staff\": \"$W\"}" "$OUT"'

# ---- at a terminal: current once, new twice, asked again while the two differ.
# Each answer is typed once its prompt shows: a prompt flushes what was typed
# before it (docs/commands/staff-passphrase.md).
forget
python3 "$CV_SOURCE_DIR/tests/cli/pty_answer.py" "$(cat "$T/p3")" "$(cat "$T/p2")" "not what was typed first" "$(cat "$T/p2")" "$(cat "$T/p2")" \
	-- "$CV" --as "$W" staff passphrase >"$T/tty.out" 2>&1
check "at a terminal: a mismatch is said and asked again, then changed ($(tr -d '\r' <"$T/tty.out" | tr '\n' '|'))" \
	eval 'grep -q "did not match" "$T/tty.out" && grep -q "changed: the passphrase" "$T/tty.out"'
check "...nothing typed is echoed" not grep -q -e seventeen -e lantern "$T/tty.out"
check "...and the typed passphrase opens the keys" opens "$T/p2"
cp "$T/p2" "$T/p3"

# ---- a change cut short between the two keys: run again, it is mended
fpr=$(db "SELECT fpr FROM staff WHERE id = '$W'")
mapfile -t grips < <(GNUPGHOME=$V/gnupg gpg --with-colons --with-keygrip -K "$fpr" | awk -F: '/^grp/ {print $10}')
check "$W's key is a primary key and a subkey (${#grips[@]} keygrips)" test "${#grips[@]}" -eq 2
forget
# the agent re-protects the primary key only, as a crash after the first key would leave it
printf '/definq PASSPHRASE o\n/definq NEW_PASSPHRASE n\n/let o %s\n/let n %s\nOPTION pinentry-mode=loopback\nPASSWD %s\n' \
	"$(cat "$T/p3")" "$(cat "$T/p1")" "${grips[0]}" | GNUPGHOME=$V/gnupg gpg-connect-agent >"$T/half" 2>&1
check "the primary key alone re-protected with the first passphrase ($(tr '\n' '|' <"$T/half"))" \
	not grep -q ERR "$T/half"
check "...so neither passphrase opens both keys" eval '! opens "$T/p1" && ! opens "$T/p3"'
forget
run_cv --as "$W" --passphrase-file "$T/p3" staff passphrase --new-passphrase-file "$T/p1"
check "the same change run again finishes it (exit $RC: $ERR)" test "$RC" -eq 0
check "...and the new passphrase opens both keys" opens "$T/p1"

# ---- nothing of it in clear; the vault still checks
for f in p1 p2 wrong; do
	check "no file under the vault holds the passphrase in $f" not grep -rqaF -- "$(cat "$T/$f")" "$V"
done
run_cv "${M[@]}" verify
check "verify passes ($ERR)" test "$RC" -eq 0
run_cv audit verify
check "audit verify passes ($ERR)" test "$RC" -eq 0

# ---- through casevaultd (root only: it makes OS accounts)
if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the service half makes OS accounts: it needs root (CI runs as root)"
	finish
fi
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
forget
DV=$CASEVAULT_DIR
GNUPGHOME=$DV/gnupg gpgconf --kill all
for _ in $(seq 100); do [ -e "$DV/gnupg/S.gpg-agent" ] || break; sleep 0.05; done
svc_accounts
cp -a "$DV" "$T/svc/v" && chown -R "$SVC" "$V" && chmod 700 "$V"
export CASEVAULT_DIR=$V
install -m 600 -o "$SVC" "$T/m.pass" "$T/svc/m.pass"
SM=(--as S-0001 --passphrase-file "$T/svc/m.pass")
printf 'ada first passphrase 27\n' >"$T/svc/a1" && chown "$SVC" "$T/svc/a1"
A=$(as_svc "$CV" "${SM[@]}" staff add "Ada Worker" --role caseworker --new-passphrase-file "$T/svc/a1" --os-user "$UA")
as_svc "$CV" "${SM[@]}" staff attest "$A" >/dev/null && as_svc "$CV" "${SM[@]}" case assign "$C" "$A" >/dev/null
install -m 600 -o "$UA" "$T/svc/a1" "$T/a/p1"
printf 'ada second passphrase 58\n' >"$T/a/p2" && printf 'ada is guessing wildly\n' >"$T/a/wrong"
chown "$UA" "$T/a/p2" "$T/a/wrong"
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all
svc_start
run_svc() { svc_cv "$UA" "$@" >"$T/out" 2>"$T/err" </dev/null; RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err"); }
run_svc --passphrase-file "$T/a/p1" ls "$C"
run_svc ls "$C"
check "service: $UA ($A) has an unlocked session (exit $RC: $ERR)" test "$RC" -eq 0
run_svc staff passphrase --new-passphrase-file "$T/a/p2"
check "...which does not stand for the current passphrase (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "not given\|cancelled" <<<"$ERR"'
run_svc --passphrase-file "$T/a/wrong" staff passphrase --new-passphrase-file "$T/a/p2"
check "...a wrong current one is refused (exit $RC: $ERR)" eval '[ "$RC" -eq 1 ] && grep -q "not accepted" <<<"$ERR"'
run_svc --passphrase-file "$T/a/p1" staff passphrase --new-passphrase-file "$T/a/p2"
check "...the right one changes it, the new file passed as a descriptor (exit $RC: $ERR)" test "$RC" -eq 0
run_svc ls "$C"
check "...and ends the session: the next command asks (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && grep -q "cancelled" <<<"$ERR"'
run_svc --passphrase-file "$T/a/p1" ls "$C"
check "...the old passphrase is wrong now (exit $RC: $ERR)" eval '[ "$RC" -eq 1 ] && grep -q "wrong passphrase" <<<"$ERR"'
run_svc --passphrase-file "$T/a/p2" ls "$C"
check "...the new one opens a session (exit $RC: $ERR)" eval '[ "$RC" -eq 0 ] && grep -q "First call" <<<"$OUT"'
for i in 1 2 3 4 5; do
	run_svc --passphrase-file "$T/a/wrong" staff passphrase --new-passphrase-file "$T/a/p1"
done
check "...five wrong current passphrases lock $UA out, as five wrong unlocks do (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "locked out after 5 wrong passphrases" <<<"$ERR"'
run_svc --passphrase-file "$T/a/p2" staff passphrase --new-passphrase-file "$T/a/p1"
check "...then even the right one is refused, nothing changed (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && grep -q "locked out" <<<"$ERR"'
svc_stop
check "the daemon's log holds no passphrase and no sanitizer report" \
	not grep -q -e "ada " -e "Sanitizer" -e "runtime error" "$T/daemon.log"
finish
