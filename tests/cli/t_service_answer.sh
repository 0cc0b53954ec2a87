#!/bin/bash
# casevaultd answers a client once the command's output is out
# (docs/service.md, Speed): what the library leaves for the command's end,
# a reader's routine audit checkpoint (a gpg signature, about 0.3 s of
# gpg-agent's key derivation), runs after the answer.  Proved without a
# clock: every worker stops itself just before it signs a checkpoint
# (CASEVAULT_CRASHPOINT=checkpoint-sign:stop), and the client that unlocked
# has its whole output and exit status 0 while that worker is still
# stopped; let go, the worker signs, and the audit trail verifies.  A
# worker killed at that point costs its client nothing either.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the service test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
svc_ada_vault

ls_ada() { # ls_ada: Ada lists the case through the daemon; a minute at most, so a wait is a failure, not a hang
	timeout 60 setpriv --reuid "$UA" --regid "$(id -g "$UA")" --init-groups env HOME=/nonexistent \
		CASEVAULT_SOCKET="$SOCK" "$CV" "$@" ls "$C" >"$T/out" 2>"$T/err" </dev/null
	RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}

svc_start CASEVAULT_CRASHPOINT=checkpoint-sign:stop || exit 1
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all
before=$(svc_db "SELECT count(*) FROM checkpoints")
ls_ada --passphrase-file "$T/a/pass"
check "Ada proves her passphrase and lists the case (exit $RC: $ERR)" test "$RC" -eq 0
# one unlock in ten events signs (vault/core/checkpoint.h): list until a worker stops at the signature
svc_until_stopped ls_ada
check "a reader's worker reached its routine checkpoint (worker ${W:-none})" test -n "$W"
check "its client had the whole listing and exit 0 while the worker waits to sign (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 0 ] && grep -q "School call" <<<"$OUT" && [ -z "$ERR" ]'
check "nothing was signed yet ($before checkpoints)" test "$(svc_db "SELECT count(*) FROM checkpoints")" -eq "$before"
ls_ada
check "the next command is answered meanwhile (exit $RC: $ERR)" eval '[ "$RC" -eq 0 ] && grep -q "School call" <<<"$OUT"'

svc_let_go "$before"
check "let go, the worker signs the checkpoint as Ada" \
	test "$(svc_db "SELECT staff_id FROM checkpoints ORDER BY number DESC LIMIT 1")" = "$A"
svc_stop

# killed where it would sign: the client's answer stands, and the next unlock signs
svc_start CASEVAULT_CRASHPOINT=checkpoint-sign || exit 1
n=$(svc_db "SELECT count(*) FROM checkpoints")
ls_ada --passphrase-file "$T/a/pass"   # a new daemon: a new session
for _ in $(seq 30); do
	ls_ada
	[ "$RC" -eq 0 ] || break
	[ "$(svc_db "SELECT max(seq) FROM audit")" -ge "$(( $(svc_db "SELECT coalesce(max(seq), 0) FROM checkpoints") + 12 ))" ] && break
done
check "workers killed before their signature: every client still had exit 0 (exit $RC: $ERR)" test "$RC" -eq 0
check "and no checkpoint was made by them" test "$(svc_db "SELECT count(*) FROM checkpoints")" -eq "$n"
check "the daemon's log says nothing of a stopped request" eval '! grep -q "was stopped" "$T/daemon.log"'
svc_stop
svc_start || exit 1
ls_ada --passphrase-file "$T/a/pass"
for _ in $(seq 100); do [ "$(svc_db "SELECT count(*) FROM checkpoints")" -gt "$n" ] && break; sleep 0.1; done
check "the next unlock signs it ($(svc_db "SELECT count(*) FROM checkpoints") checkpoints)" \
	test "$(svc_db "SELECT count(*) FROM checkpoints")" -gt "$n"
svc_stop
run_cv_svc() { as_svc "$CV" "${M[@]}" "$@" >"$T/out" 2>"$T/err"; RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err"); }
run_cv_svc audit verify
check "audit verify passes (exit $RC: $OUT $ERR)" test "$RC" -eq 0
finish
