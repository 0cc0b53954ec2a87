#!/bin/bash
# casevaultd sessions (docs/service.md, Sessions) with real OS accounts made
# here: a person proves their passphrase once and their next commands need
# none, until 'casevault lock', the idle lock or the keeper's end; another
# person's wrong passphrase is refused meanwhile; repeated wrong passphrases
# lock a person out, audited; no passphrase or keyslip text reaches a file.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the session test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
touch "$T/start"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
svc_accounts   # the service and two staff accounts, their folders, V, SOCK, as_svc, as_user

# ---- the vault: manager S-0001 (root's OS user), Ada and Ben with passphrases of their own
printf 'correct horse battery staple\n' >"$T/pass"
fixture_vault pass "$V" "$T/pass" || { echo "no vault"; exit 1; }
chmod 700 "$V" && chown -R "$SVC" "$V"
install -m 600 -o "$SVC" "$T/pass" "$T/svc/m.pass"
printf 'ada-secret-7f3e9\n' >"$T/svc/a.new" && printf 'ben-secret-2c8d1\n' >"$T/svc/b.new"
chown "$SVC" "$T/svc/a.new" "$T/svc/b.new"
install -m 600 -o "$UA" "$T/svc/a.new" "$T/a/pass"
install -m 600 -o "$UB" "$T/svc/b.new" "$T/b/pass"
printf 'not-bens-passphrase\n' >"$T/b/wrong" && chown "$UB" "$T/b/wrong"
M=(--as S-0001 --passphrase-file "$T/svc/m.pass")
A=$(as_svc "$CV" "${M[@]}" staff add "Ada Worker" --role caseworker --new-passphrase-file "$T/svc/a.new" --os-user "$UA")
B=$(as_svc "$CV" "${M[@]}" staff add "Ben Worker" --role caseworker --new-passphrase-file "$T/svc/b.new" --os-user "$UB")
as_svc "$CV" "${M[@]}" staff attest "$A" >/dev/null && as_svc "$CV" "${M[@]}" staff attest "$B" >/dev/null
C=$(as_svc "$CV" "${M[@]}" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
# both caseworkers work on it (docs/security.md, Case assignment)
as_svc "$CV" "${M[@]}" case assign "$C" "$A" >/dev/null && as_svc "$CV" "${M[@]}" case assign "$C" "$B" >/dev/null
printf 'Call with the school about the annual review.\n' |
	as_svc "$CV" "${M[@]}" note "$C" --class phone-call --title "School call" >/dev/null
R=$(as_svc "$CV" "${M[@]}" --json ls "$C" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"][0]["id"])')
check "setup: Ada and Ben with passphrases and OS users, a case with a note ($A $B $C $R)" test -n "$R"
rm -f "$T/svc/a.new" "$T/svc/b.new"

start_daemon() {
	setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups \
		"$CVD" --vault "$V" --socket "$SOCK" 2>>"$T/daemon.log" >/dev/null </dev/null &
	DPID=$!
	for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
}
stop_daemon() { kill "$DPID" && wait "$DPID"; DPID=; }
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all   # nobody's passphrase cached at the start
start_daemon
check "casevaultd listens on its socket" test -S "$SOCK"

run_cv_as() { # run_cv_as USER ARGS...: through the daemon, no terminal (nothing can be typed)
	local u=$1; shift
	as_user "$u" env CASEVAULT_SOCKET="$SOCK" "$CV" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
one_line() { [ "$(printf '%s' "$ERR" | grep -c '')" -eq 1 ]; }
read_ok() { [ "$RC" -eq 0 ] && grep -q "annual review" <<<"$OUT" && [ -z "$ERR" ]; }
# with no terminal and no passphrase file the worker cannot ask: the unlock is refused as cancelled
asked() { [ "$RC" -eq 1 ] && one_line && grep -q "passphrase entry was cancelled" <<<"$ERR" && [ -z "$OUT" ]; }

# ---- 1. prove once; then no passphrase; others are not let in by it
run_cv_as "$UA" get "$R"
check "$UA without a session and without a passphrase is asked for one (exit $RC: $ERR)" asked
run_cv_as "$UA" --passphrase-file "$T/a/pass" get "$R"
check "$UA proves the passphrase once (exit $RC: $ERR)" read_ok
for i in 1 2 3; do
	run_cv_as "$UA" get "$R"
	check "...$UA's command $i runs with no passphrase and no prompt (exit $RC: $ERR)" read_ok
done
run_cv_as "$UB" get "$R"
check "$UB (no session) without a passphrase is asked, while $UA's session is open (exit $RC: $ERR)" asked
run_cv_as "$UB" --passphrase-file "$T/b/wrong" get "$R"
check "$UB with a wrong passphrase is refused while $UA's session is open (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "wrong passphrase" <<<"$ERR" && [ -z "$OUT" ]'
run_cv_as "$UA" get "$R"
check "...and $UA's session still works afterwards (exit $RC: $ERR)" read_ok
run_cv_as "$UB" --passphrase-file "$T/b/pass" get "$R"
check "$UB proves the right passphrase: a session of his own (exit $RC: $ERR)" read_ok
run_cv_as "$UB" note "$C" --class phone-call --title "Ben's call" --text "Spoke to the parent."
check "...a writer with a signed receipt runs in $UB's session with no passphrase (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 0 ] && [ -z "$ERR" ]'

as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all   # the agent forgets; the session does not
run_cv_as "$UB" note "$C" --class phone-call --title "Ben's second call" --text "Left a message."
check "...with the agent's cache gone, a signing writer asks for the passphrase, not an obscure failure (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "passphrase entry was cancelled" <<<"$ERR"'
run_cv_as "$UB" --passphrase-file "$T/b/pass" note "$C" --class phone-call --title "Ben's second call" --text "Left a message."
check "...given it, the writer runs (exit $RC: $ERR)" eval '[ "$RC" -eq 0 ] && [ -z "$ERR" ]'
run_cv_as "$UB" get "$R"
check "...and $UB's session was there all along (exit $RC: $ERR)" read_ok

# ---- 2. lock ends the caller's own session only
run_cv_as "$UA" lock
check "$UA locks (exit $RC: $OUT $ERR)" eval '[ "$RC" -eq 0 ] && grep -q "your session is ended" <<<"$OUT"'
run_cv_as "$UA" get "$R"
check "...$UA's next command asks again (exit $RC: $ERR)" asked
run_cv_as "$UB" get "$R"
check "...$UB's session is unaffected (exit $RC: $ERR)" read_ok
run_cv_as "$UA" lock --idle 60
check "lock --idle stays a manager's action (exit $RC: $ERR)" eval '[ "$RC" -eq 1 ] && one_line'

# ---- 3. the idle lock ends a session
run_cv_as root --passphrase-file "$T/pass" lock --idle 6
check "the manager sets a 6-second idle lock through the service (exit $RC: $ERR)" test "$RC" -eq 0
run_cv_as "$UB" get "$R"
check "...which ends every session: $UB is asked again (exit $RC: $ERR)" asked
run_cv_as "$UA" --passphrase-file "$T/a/pass" get "$R"
run_cv_as "$UA" get "$R"
check "$UA proves again; within the idle time no passphrase (exit $RC: $ERR)" read_ok
sleep 7.5
run_cv_as "$UA" get "$R"
check "...7.5 s unused, past the idle lock, $UA is asked again (exit $RC: $ERR)" asked
run_cv_as root --passphrase-file "$T/pass" lock --idle 600
check "the manager sets the idle lock back to 10 minutes (exit $RC: $ERR)" test "$RC" -eq 0

# ---- 4. lock-out after 5 wrong passphrases, audited
for i in 1 2 3 4; do
	run_cv_as "$UB" --passphrase-file "$T/b/wrong" get "$R"
	check "$UB's wrong passphrase $i is refused as wrong (exit $RC: $ERR)" \
		eval '[ "$RC" -eq 1 ] && grep -q "wrong passphrase" <<<"$ERR"'
done
run_cv_as "$UB" --passphrase-file "$T/b/wrong" get "$R"
check "the 5th wrong one locks $UB out, saying until when and who can help (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "locked out after 5 wrong passphrases until [0-9][0-9]:[0-9][0-9] UTC" <<<"$ERR" && grep -q "ask a manager" <<<"$ERR"'
run_cv_as "$UB" --passphrase-file "$T/b/pass" get "$R"
check "...during the lock-out even the right passphrase is refused (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "locked out" <<<"$ERR" && [ -z "$OUT" ]'
run_cv_as "$UB" ls "$C"
check "...as is any request of $UB's (exit $RC: $ERR)" eval '[ "$RC" -eq 1 ] && grep -q "locked out" <<<"$ERR"'
run_cv_as "$UA" --passphrase-file "$T/a/pass" get "$R"
check "...while $UA is served (exit $RC: $ERR)" read_ok
as_svc "$CV" "${M[@]}" --json audit show >"$T/audit.json" 2>"$T/err"
events=$(python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
print(" ".join("%s:%s:%s" % (e["action"], e["acted_by"], e["outcome"]) for e in ev if e["action"].startswith("staff.lockout")))' "$T/audit.json")
check "audit show lists the lock-out and each refused attempt ($events)" \
	eval '[ "$(grep -o "staff.lockout:$B:refused" <<<"$events" | wc -l)" -eq 1 ] && [ "$(grep -o "staff.lockout-refused:$B:refused" <<<"$events" | wc -l)" -eq 2 ]'
as_svc "$CV" "${M[@]}" audit verify >"$T/out" 2>"$T/err"
check "audit verify passes ($(cat "$T/out" "$T/err" | head -c 200))" test $? -eq 0

# ---- 5. the keeper's or the daemon's end loses sessions, nothing else
run_cv_as "$UA" get "$R"
check "$UA still has a session (exit $RC: $ERR)" read_ok
kpid=$(pgrep -u "$SVC" -x casevaultd-keep)
check "the session keeper runs as the service account (${kpid:-none})" test -n "$kpid"
kill -9 "$kpid"
for _ in $(seq 50); do k2=$(pgrep -u "$SVC" -x casevaultd-keep); [ -n "$k2" ] && [ "$k2" != "$kpid" ] && break; sleep 0.1; done
check "...killed, it is started again (${k2:-none})" eval '[ -n "$k2" ] && [ "$k2" != "$kpid" ]'
run_cv_as "$UA" get "$R"
check "...and $UA's next command asks again (exit $RC: $ERR)" asked
run_cv_as "$UA" --passphrase-file "$T/a/pass" ls "$C"
check "...$UA proves again and works on (exit $RC: $ERR)" eval '[ "$RC" -eq 0 ] && grep -q "$R" <<<"$OUT"'
stop_daemon
start_daemon
run_cv_as "$UA" get "$R"
check "after a daemon restart $UA is asked again (exit $RC: $ERR)" asked
run_cv_as "$UB" --passphrase-file "$T/b/pass" ls "$C"
check "...and the restart lifted $UB's lock-out (exit $RC: $ERR)" test "$RC" -eq 0
as_svc "$CV" "${M[@]}" verify >/dev/null 2>"$T/err"
check "verify passes after it all ($(cat "$T/err"))" test $? -eq 0

# ---- 6. no passphrase nor keyslip text on disk
stop_daemon
# the vault, this test's files, and whatever the service account wrote anywhere in the temporary places
mapfile -t new < <(find "$T" /tmp /var/tmp /dev/shm -xdev -type f -newer "$T/start" \( -user "$SVC" -o -path "$T/*" \) \
	2>/dev/null | grep -v "^$T/[ab]/" | sort -u)
leaks=$(grep -l -a -e 'ada-secret-7f3e9' -e 'ben-secret-2c8d1' -e 'correct horse' -e 'casevault-keyslip 1' \
	-- "${new[@]}" 2>/dev/null | grep -v -e "^$T/pass$" -e "^$T/svc/m.pass$" -e "^$T/fixtures/.*\.pass$")
check "no passphrase nor keyslip text in the ${#new[@]} files written since the start (${leaks:-none})" \
	eval '[ -z "$leaks" ] && [ "${#new[@]}" -gt 5 ]'
check "the daemon's log holds no passphrase and no sanitizer report" \
	not grep -q -e "secret" -e "horse" -e "Sanitizer" -e "runtime error" "$T/daemon.log"
sed 's/^/# daemon: /' "$T/daemon.log"
finish
