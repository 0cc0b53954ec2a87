#!/bin/bash
# casevaultd's spare (docs/service.md, Speed): while no request runs, the
# daemon forks the next connection process and its worker ahead
# ("casevaultd-idle"), and the worker opens the vault before any client
# connects.  The next request is handed to it.  What it opened ahead is used
# only if nothing changed since: a policy file edited, a record filed in
# direct mode, give the same results through the daemon as directly.  An
# idle process killed costs the next client nothing; none outlives the
# daemon.  An idle worker that finds the vault changed under it closes it
# (SQLite's log emptied into the index, as at any command's end) and opens
# it again.  Real OS accounts, a real daemon, real gpg.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the service test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
svc_setup

# has_index PID: the process holds the vault's index open
has_index() { local f; for f in /proc/"$1"/fd/*; do [ "$(readlink "$f")" = "$V/vault.db" ] && return 0; done; return 1; }
# idle_pair: "CONN WORKER" once both idle processes are there and the worker has the index open (5 s at most)
idle_pair() {
	local p c w
	for _ in $(seq 100); do
		c='' w=''
		for p in $(pgrep -u "$SVC" -x casevaultd-idle); do
			if [ "$(cat "/proc/$(ps -o ppid= -p "$p" | tr -d ' ')/comm" 2>/dev/null)" = casevaultd-idle ]; then w=$p; else c=$p; fi
		done
		if [ -n "$c" ] && [ -n "$w" ] && has_index "$w"; then
			echo "$c $w"
			return 0
		fi
		sleep 0.05
	done
	return 1
}
# both ARGS: the manager (the service account) runs ARGS directly and through the daemon; same output, error and status
both() {
	as_svc "$CV" "$@" >"$T/d.out" 2>"$T/d.err"; D=$?
	as_user "$SVC" env CASEVAULT_SOCKET="$SOCK" "$CV" "$@" >"$T/s.out" 2>"$T/s.err"; S=$?
	[ "$D" -eq "$S" ] && cmp -s "$T/d.out" "$T/s.out" && cmp -s "$T/d.err" "$T/s.err"
}

# every worker stops itself when it appends its audit event: which process serves the request shows
svc_start CASEVAULT_CRASHPOINT=audit-append:stop || exit 1
read -r IC IW <<<"$(idle_pair)"
check "an idle connection process and its worker wait, the vault's index open in the worker (${IC:-none} ${IW:-none})" \
	test -n "$IW"
as_user "$SVC" env CASEVAULT_SOCKET="$SOCK" "$CV" case open --parent "Pat Parent" --child "Kim Child" \
	--child-dob 2014-05-06 --pr-confirmed >"$T/case" 2>"$T/err" &
CP=$!
for _ in $(seq 200); do [ -n "$(stopped_worker)" ] && break; sleep 0.05; done
SW=$(stopped_worker)
check "the next request is served by that idle worker (the worker at its audit event: ${SW:-none})" \
	test -n "$SW" -a "$SW" = "$IW"
[ -n "$SW" ] && kill -CONT "$SW"
wait "$CP"
C=$(cat "$T/case")
check "the request ends as it would have (a case opened: ${C:-none}; $(head -c 100 "$T/err"))" \
	eval '[ -n "$C" ] && grep -q "$C" <(as_svc "$CV" case list)'
svc_stop
svc_start || exit 1
read -r IC IW <<<"$(idle_pair)"
check "a new idle pair waits once the request has ended (${IC:-none} ${IW:-none})" test -n "$IW"

# changes made while a worker waits with the vault opened ahead
printf 'Phone call with the parent about transport.\n' | as_svc "$CV" note "$C" --class phone-call --title "Direct call" >/dev/null
# the idle worker's connection kept the filing's close from being the index's last: within its
# second's check it sees the change, closes (emptying SQLite's log into vault.db) and opens again
for _ in $(seq 60); do [ "$(stat -c %s "$V/vault.db-wal" 2>/dev/null || echo 0)" -eq 0 ] && break; sleep 0.05; done
check "within seconds of that filing no log is left at rest beside the index ($(stat -c %s "$V/vault.db-wal" 2>/dev/null || echo none) bytes)" \
	test "$(stat -c %s "$V/vault.db-wal" 2>/dev/null || echo 0)" -eq 0
check "a note filed directly while a worker waits: ls through the daemon is the direct mode's" both ls "$C"
read -r IC IW <<<"$(idle_pair)"
as_svc sh -c 'printf "; edited while a worker waited\n" >> "$1/policies/retention.ini"' sh "$V"
check "the retention policy edited while a worker waits: classes through the daemon is the direct mode's" both classes
check "... and both say the edit is not adopted yet" grep -qi "adopt" "$T/s.err"
read -r IC IW <<<"$(idle_pair)"
as_svc "$CV" policy adopt >/dev/null 2>&1
check "the edit adopted directly while a worker waits: classes through the daemon is the direct mode's" both classes

# idle processes killed: the next client is still served
read -r IC IW <<<"$(idle_pair)"
kill -9 "$IW"
check "the idle worker killed: the next request is still served, as directly" both ls "$C"
read -r IC IW <<<"$(idle_pair)"
kill -9 "$IC"
sleep 0.2
check "the idle connection process killed: the next request is still served, as directly" both ls "$C"
check "the daemon lives on" kill -0 "$DPID"

read -r IC IW <<<"$(idle_pair)"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=
for _ in $(seq 40); do pgrep -u "$SVC" -x casevaultd-idle >/dev/null || break; sleep 0.05; done
pgrep -a -u "$SVC" | sed 's/^/# left: /'
check "stopped, the daemon leaves no idle process behind" eval '! pgrep -u "$SVC" -x casevaultd-idle >/dev/null'
svc_start || exit 1
read -r IC IW <<<"$(idle_pair)"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=
for _ in $(seq 40); do pgrep -u "$SVC" -x casevaultd-idle >/dev/null || break; sleep 0.05; done
check "killed (SIGKILL), the daemon's idle processes end with it" eval '! pgrep -u "$SVC" -x casevaultd-idle >/dev/null'
check "verify and audit verify pass" eval 'as_svc "$CV" verify >/dev/null 2>&1 && as_svc "$CV" audit verify >/dev/null 2>&1'
finish
