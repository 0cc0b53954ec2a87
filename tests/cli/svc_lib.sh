# casevaultd test helpers (docs/service.md): source after tests/cli/lib.sh,
# from tests/cli/t_service_*.sh and bench/bench_service_load.sh.
#
# svc_setup makes real OS accounts (useradd: root only; the caller skips
# before when not root): a service account that owns the vault (0700) and
# runs the daemon, and two staff accounts that reach it only through the
# socket.  The vault is made by the service account itself with
# 'init --service --no-passphrase' (fast: no passphrase to type); the
# manager S-0001 is registered for the service account, so the service
# account's direct-mode commands act as the manager.
#
# It sets SVC UA UB (account names), A B (their staff ids), V (the vault),
# SOCK (the daemon's socket), and defines as_svc, as_user, svc_cv, svc_start
# and svc_stop.  Everything is undone on exit (userdel, daemon stopped).
# svc_ada_vault (at the end) makes the accounts and a vault with passphrases instead.

CVD=${CASEVAULTD_BIN:-$(dirname "$CV")/casevaultd}
SVC=cv$$s UA=cv$$a UB=cv$$b
DPID=

svc_cleanup() {
	svc_stop
	[ -d "${V:-}/gnupg" ] && as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all 2>/dev/null
	[ -d "${V:-}/purge-key" ] && as_svc env GNUPGHOME="$V/purge-key" gpgconf --kill all 2>/dev/null
	for u in "$UA" "$UB" "$SVC"; do id "$u" >/dev/null 2>&1 && userdel "$u" 2>/dev/null; done
	cleanup
}

as_svc() { setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups env HOME="$T/svc" CASEVAULT_DIR="$V" "$@"; }
as_user() { local u=$1; shift; setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups env HOME=/nonexistent "$@"; }

# svc_cv USER ARGS...: casevault as USER through the daemon (stdin, stdout, stderr as given)
svc_cv() { local u=$1; shift; as_user "$u" env CASEVAULT_SOCKET="$SOCK" "$CV" "$@"; }

# svc_start [VAR=VALUE...]: start casevaultd as the service account, with
# the environment given (e.g. CASEVAULT_CRASHPOINT=... reaches every
# worker), and wait for its socket.  DPID is the daemon itself.
svc_start() {
	rm -f "$SOCK"
	# not through a shell function: $! must be the daemon itself
	# CVD_SETPRIV (more setpriv options, e.g. capabilities) and CVD_ARGS (more daemon options) split on spaces
	# shellcheck disable=SC2086
	setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups ${CVD_SETPRIV:-} env HOME="$T/svc" "$@" \
		"$CVD" --vault "$V" --socket "$SOCK" ${CVD_ARGS:-} 2>>"$T/daemon.log" >/dev/null </dev/null &
	DPID=$!
	local i
	for i in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.05; done
	echo "# casevaultd did not start: $(tail -n 3 "$T/daemon.log")"
	return 1
}

# svc_stop [SIGNAL]: stop the daemon (default TERM; KILL as a crash would)
# and whatever connection and worker processes it left.
svc_stop() {
	[ -n "$DPID" ] || return 0
	kill "-${1:-TERM}" "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	local p
	for p in $(pgrep -u "$SVC" -x 'casevaultd-conn|casevaultd-work|casevaultd-idle' 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	DPID=
}

# svc_accounts: the three OS accounts and their folders ($T/svc, $T/a, $T/b)
svc_accounts() {
	local u
	trap svc_cleanup EXIT
	for u in "$SVC" "$UA" "$UB"; do
		useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$u" || { echo "useradd $u failed"; exit 1; }
	done
	chmod 711 "$T"          # the accounts pass through; only their own folders are open to them
	mkdir -m 700 "$T/svc" "$T/a" "$T/b" && mkdir -m 755 "$T/run"
	chown "$SVC" "$T/svc" "$T/run"; chown "$UA" "$T/a"; chown "$UB" "$T/b"
	V=$T/svc/v
	SOCK=$T/run/casevault.sock
}

# svc_setup [INIT OPTION...]: the accounts, the vault, staff A (UA) and B (UB), caseworkers without passphrases
svc_setup() {
	svc_accounts
	as_svc "$CV" init "$V" --service --no-passphrase --name "Service Manager" "$@" >/dev/null ||
		{ echo "init --service failed"; exit 1; }
	A=$(as_svc "$CV" staff add "Ada Worker" --role caseworker --no-passphrase --os-user "$UA") &&
		B=$(as_svc "$CV" staff add "Ben Worker" --role caseworker --no-passphrase --os-user "$UB") &&
		as_svc "$CV" staff attest "$A" >/dev/null && as_svc "$CV" staff attest "$B" >/dev/null ||
		{ echo "staff setup failed"; exit 1; }
}

# svc_ada_vault: the accounts and a vault with passphrases (the fixture "pass"):
# the manager S-0001 (M: the options that act as them, as the service account),
# Ada (A, OS user UA, her passphrase in $T/a/pass) assigned to a case C with one
# note R ("School call", about the annual review)
svc_ada_vault() {
	svc_accounts
	printf 'correct horse battery staple\n' >"$T/pass"
	fixture_vault pass "$V" "$T/pass" || { echo "no vault"; exit 1; }
	chmod 700 "$V" && chown -R "$SVC" "$V"
	install -m 600 -o "$SVC" "$T/pass" "$T/svc/m.pass"
	printf 'ada-secret-7f3e9\n' >"$T/svc/a.new" && chown "$SVC" "$T/svc/a.new"
	install -m 600 -o "$UA" "$T/svc/a.new" "$T/a/pass"
	M=(--as S-0001 --passphrase-file "$T/svc/m.pass")
	A=$(as_svc "$CV" "${M[@]}" staff add "Ada Worker" --role caseworker --new-passphrase-file "$T/svc/a.new" --os-user "$UA")
	as_svc "$CV" "${M[@]}" staff attest "$A" >/dev/null
	C=$(as_svc "$CV" "${M[@]}" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
	as_svc "$CV" "${M[@]}" case assign "$C" "$A" >/dev/null
	printf 'Call with the school about the annual review.\n' |
		as_svc "$CV" "${M[@]}" note "$C" --class phone-call --title "School call" >/dev/null
	R=$(as_svc "$CV" "${M[@]}" --json ls "$C" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"][0]["id"])')
	check "setup: Ada with a passphrase and an OS user, a case with a note ($A $C $R)" test -n "$R"
}

# svc_db SQL: one value from the index, read as the service account (never root: its -shm would be root's)
svc_db() { as_svc python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$V/vault.db" "$1"; }
# stopped_worker: the pid of a worker stopped at its crash point (CASEVAULT_CRASHPOINT=...:stop), or nothing
stopped_worker() { local p; for p in $(pgrep -u "$SVC" -x casevaultd-work); do [ "$(ps -o stat= -p "$p" | cut -c1)" = T ] && echo "$p"; done; }
# svc_until_stopped CMD...: CMD (which sets RC, 0 when it succeeded) again, 30 times at most, until a
# worker has stopped itself at its crash point; W is that worker, or empty
svc_until_stopped() {
	W=
	for _ in $(seq 30); do
		W=$(stopped_worker)
		[ -n "$W" ] && return 0
		"$@"
		[ "$RC" -eq 0 ] || return 1
	done
}
# svc_let_go BEFORE: every stopped worker let go; waits (10 s at most) until the checkpoints number more than BEFORE
svc_let_go() {
	local p
	for p in $(stopped_worker); do kill -CONT "$p"; done
	for _ in $(seq 100); do [ "$(svc_db "SELECT count(*) FROM checkpoints")" -gt "$1" ] && break; sleep 0.1; done
}
