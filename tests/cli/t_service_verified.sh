#!/bin/bash
# Good signatures held by the session keeper (docs/service.md, Speed;
# docs/security.md, Signed grants and Filing receipts): through casevaultd a
# filing receipt gpg found good is not sent to gpg again while its row, its
# signature and the keyring are the same; one changed character of the
# signature is caught at the next read as in direct mode, and the grant a
# person's unlock checks is caught the same way.  The programs the daemon's
# processes start are logged by strace; a read in a session starts no
# gpg --version (casevaultd learnt it once, docs/service.md, Speed).
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the service test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
svc_ada_vault

# every program the daemon and its processes start, logged by strace: casevaultd
# learns where gpg is once, from gpgconf (docs/service.md, Speed), so a wrapper on
# PATH would not see the workers' gpg.  LeakSanitizer cannot run in a traced
# process, so under the sanitizers this daemon alone is not checked for leaks
# (the other service tests check it); its other reports still fail the test.
: >"$T/gpg.log"
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all
setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups \
	env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	"$CVD" --vault "$V" --socket "$SOCK" 2>>"$T/daemon.log" >/dev/null </dev/null &
DPID=$!
strace -f -qq -e trace=execve -o "$T/gpg.log" -p "$DPID" 2>/dev/null &
SPID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "casevaultd listens on its socket" test -S "$SOCK"
# strace follows only what the daemon forks once it is attached: the spare forked at start
# (docs/service.md, Processes) may be older, so it is ended, and the daemon forks the next later
for _ in $(seq 50); do [ "$(awk '/^TracerPid/ { print $2 }' "/proc/$DPID/status")" != 0 ] && break; sleep 0.1; done
pkill -KILL -u "$SVC" -x casevaultd-idle

# the index, as the service account; waiting for a lock as casevault does: the idle
# worker takes one when it reopens after a change (docs/service.md, Processes)
svc_sql() { as_svc sqlite3 -cmd ".timeout 10000" "$V/vault.db" "$1"; }
get_r() { # get_r [--passphrase-file F]: Ada reads R through the daemon
	as_user "$UA" env CASEVAULT_SOCKET="$SOCK" "$CV" "$@" get "$R" >"$T/out" 2>"$T/err" </dev/null
	RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
verifies() { grep 'execve("[^"]*/gpg"' "$T/gpg.log" | grep -c -- '"--verify"'; }
versions() { grep 'execve("[^"]*/gpg"' "$T/gpg.log" | grep -c -- '"--version"'; }
read_ok() { [ "$RC" -eq 0 ] && grep -q "annual review" <<<"$OUT"; }

get_r --passphrase-file "$T/a/pass"
check "Ada proves her passphrase and reads the note (exit $RC: $ERR)" read_ok
n1=$(verifies) v1=$(versions)
get_r
check "Ada reads it again in her session (exit $RC: $ERR)" read_ok
check "...and no signature went to gpg again ($(verifies) --verify in all)" test "$(verifies)" -eq "$n1"
check "...and its worker ran no gpg --version ($(versions) in all since the daemon started)" test "$(versions)" -eq "$v1"

# one character of the receipt's signature changed (tests/cli/t_bad_receipt.sh)
SIG=$(svc_sql "SELECT sig FROM receipts WHERE id = 1")
svc_sql "UPDATE receipts SET sig = substr(sig, 1, 69) ||
	(CASE substr(sig, 70, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(sig, 71) WHERE id = 1"
get_r
check "a changed receipt signature is caught at the next read (exit $RC: $ERR)" \
	eval '[ "$RC" -ne 0 ] && grep -q "filing receipt 1" <<<"$ERR" && [ -z "$OUT" ]'
check "...by gpg ($(verifies) --verify in all)" test "$(verifies)" -gt "$n1"
svc_sql "UPDATE receipts SET sig = '$SIG' WHERE id = 1"
get_r
check "the signature put back, the note reads again (exit $RC: $ERR)" read_ok

# Ada's grant rewritten (tests/cli/t_grants.sh): her unlock's grant check fails though her session is open
n2=$(verifies)
GRANT=$(svc_sql "SELECT statement FROM grants WHERE staff_id = '$A'")
svc_sql "UPDATE grants SET statement = replace(statement, '\"caseworker\"', '\"cp-lead\"') WHERE staff_id = '$A'"
get_r
check "a rewritten grant is caught in the session (exit $RC: $ERR)" eval '[ "$RC" -ne 0 ] && [ -z "$OUT" ]'
svc_sql "UPDATE grants SET statement = '$GRANT' WHERE staff_id = '$A'"
get_r
check "the grant put back, the note reads again (exit $RC: $ERR)" read_ok

# a key added to the keyring: what was verified against the old one is verified again
n3=$(verifies)
as_svc env GNUPGHOME="$V/gnupg" gpg --batch --quiet --passphrase '' --quick-gen-key 'Someone Else <x@example.org>' \
	ed25519 sign never 2>/dev/null
get_r
check "a changed keyring sends the signatures to gpg again (exit $RC: $ERR; $(verifies) --verify, $n3 before)" \
	eval 'read_ok && [ "$(verifies)" -gt "$n3" ]'
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
check "the daemon's log holds no sanitizer report" not grep -q 'Sanitizer' "$T/daemon.log"
finish
