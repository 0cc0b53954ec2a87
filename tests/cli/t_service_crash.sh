#!/bin/bash
# Crash safety through casevaultd (docs/service.md, Crash safety): a note,
# a purge and a staff revoke, each run by a client through the daemon and
# killed with SIGKILL at precise points of the worker (CASEVAULT_CRASHPOINT
# in the daemon's environment reaches every worker it forks), then the
# daemon itself killed (SIGKILL) and started again; and notes killed with
# the whole service at timed moments.  After each restart: verify and audit
# verify pass, and the operation happened wholly or not at all (records
# counted, audit events counted, the rerun completes it).
# 'request bundle -o FILE' through the daemon (the client makes the file and
# passes it) is killed at each of its crash points too: no disclosure is
# half-logged, and the client leaves no file behind; the same points in
# direct mode, by the service account with its daemon killed, follow.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the service crash test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi

# ---- the template: case P closed in 2015 (its two notes due in 2022), case C open
svc_day() { # svc_day DAY: today is DAY for the commands that follow; every staff member attests
	export CASEVAULT_TODAY=$1
	local s
	for s in S-0001 ${A:-} ${B:-}; do as_svc "$CV" staff attest "$s" >/dev/null || return 1; done
}
export CASEVAULT_TODAY=2015-01-10
svc_setup --test-clock
P=$(as_svc "$CV" case open --parent "Pat Due" --child "Kim Due" --child-dob 2010-05-06 --pr-confirmed)
C=$(as_svc "$CV" case open --parent "Lee Open" --child "Sam Open" --child-dob 2012-05-06 --pr-confirmed)
# both caseworkers work on both (docs/security.md, Case assignment)
for k in "$P" "$C"; do as_svc "$CV" case assign "$k" "$A" >/dev/null && as_svc "$CV" case assign "$k" "$B" >/dev/null; done
printf 'First phone call about the transfer.\n' | as_svc "$CV" note "$P" --class phone-call --title P1 >/dev/null
printf 'Second phone call about the transfer.\n' | as_svc "$CV" note "$P" --class phone-call --title P2 >/dev/null
printf 'The note that stays, read back after every crash.\n' >"$T/keep.txt"
K=$(as_svc "$CV" note "$C" --class phone-call --title Keep <"$T/keep.txt" | awk '{ print $1 }')
CASEVAULT_TODAY=2015-02-01 as_svc "$CV" case close "$P" --date 2015-02-01 >/dev/null
svc_day 2022-03-01
Q=$(as_svc "$CV" --json request open "$C" --requester "Lee Open" --relationship client --received 2022-02-20 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
as_svc "$CV" request decide "$Q" "$K" --release --reason "the parent's own call" >/dev/null
DAY=$CASEVAULT_TODAY
as_svc "$CV" verify >/dev/null && as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all &&
	as_svc env GNUPGHOME="$V/purge-key" gpgconf --kill all 2>/dev/null
cp -a "$V" "$T/tmpl" && find "$T/tmpl" -name 'S.*' -delete
check "setup: case $P (2 notes, due), case $C (note $K), staff $A $B" test -n "$K"

fresh() { # the template again at $V, no daemon
	svc_stop KILL
	as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all 2>/dev/null
	as_svc env GNUPGHOME="$V/purge-key" gpgconf --kill all 2>/dev/null
	rm -rf "$V" && cp -a "$T/tmpl" "$V"
}
count() { # records of case $1, as the manager lists them (-1: ls failed)
	as_svc "$CV" --json ls "$1" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))' 2>/dev/null || echo -1
}
events() { # audit events with action $1
	as_svc "$CV" --json audit show 2>/dev/null |
		python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["events"] if e["action"] == sys.argv[1]))' "$1"
}
# killed LABEL POINT ARGS...: with the daemon's workers set to die at POINT,
# run ARGS through it (svc_cv; standard input as given); the client must be
# told the request was stopped; then the daemon is killed too and started again.
killed() {
	local label=$1 point=$2
	shift 2
	svc_start CASEVAULT_TODAY="$DAY" CASEVAULT_CRASHPOINT="$point" || return 1
	svc_cv "$@" >"$T/out" 2>"$T/err"
	RC=$?
	check "$label: the client is told its request was stopped (exit $RC: $(head -c 150 "$T/err"))" \
		eval '[ "$RC" -eq 1 ] && grep -q "stopped (signal 9)" "$T/err"'
	svc_stop KILL
	svc_start CASEVAULT_TODAY="$DAY"
}
whole() { # whole LABEL: verify and audit verify pass (direct mode, the manager); the kept note reads back
	local out
	out=$(as_svc "$CV" verify 2>&1) && out=$(as_svc "$CV" audit verify 2>&1) &&
		svc_cv "$UA" get "$K" </dev/null 2>/dev/null | cmp -s - "$T/keep.txt"
	check "$1: verify and audit verify pass, $A reads $K through the daemon ($(head -n 1 <<<"$out"))" test $? -eq 0
}

# ---- 1. a note, killed at each point of the filing
for point in filing-keys-stored audit-append filing-after-commit; do
	fresh
	printf 'A note killed at %s.\n' "$point" >"$T/n.txt"
	killed "note at $point" "$point" "$UA" note "$C" --class phone-call --title Killed <"$T/n.txt"
	whole "note at $point"
	n=$(count "$C") f=$(events file)
	check "note at $point: all or nothing ($n records in $C, $f filing events for 4 records in all)" \
		eval '{ [ "$n" -eq 1 ] || [ "$n" -eq 2 ]; } && [ "$f" -eq $((n + 2)) ]'
done

# ---- 2. the service killed at timed moments of a note (daemon, connection and worker at once)
fresh
svc_start CASEVAULT_TODAY="$DAY"
before=$(count "$C")
for delay in 0.5 1.2; do
	printf 'A note whose service died after %s s.\n' "$delay" | svc_cv "$UB" note "$C" --class phone-call --title Timed >/dev/null 2>&1 &
	cpid=$!
	sleep "$delay"
	svc_stop KILL
	wait "$cpid"
	svc_start CASEVAULT_TODAY="$DAY"
	n=$(count "$C") f=$(events file)
	whole "service killed ${delay}s into a note"
	check "...all or nothing ($n records in $C after $before, $f filing events)" \
		eval '{ [ "$n" -eq "$before" ] || [ "$n" -eq $((before + 1)) ]; } && [ "$f" -eq $((n + 2)) ]'
	before=$n
done

# ---- 3. the purge (the manager is the service account: it reaches its own daemon as S-0001)
for point in purge-planned purge-before-commit purge-shred; do
	fresh
	killed "purge at $point" "$point" "$SVC" purge </dev/null
	whole "purge at $point"
	n=$(count "$P")
	check "purge at $point: $P holds both its due notes or neither ($n)" eval '[ "$n" -eq 2 ] || [ "$n" -eq 0 ]'
	svc_cv "$SVC" purge </dev/null >"$T/out" 2>"$T/err"
	check "...the purge run again completes it (exit $?: $(head -c 150 "$T/err"); $(count "$P") left in $P, $(count "$C") in $C)" \
		eval '[ "$(count "$P")" -eq 0 ] && [ "$(count "$C")" -eq 1 ]'
done

# ---- 4. staff revoke of B (re-keys the sections B held)
revoked() { as_svc "$CV" --json staff list | python3 -c '
import json, sys
s = [x for x in json.load(sys.stdin)["staff"] if x["id"] == sys.argv[1]][0]
print("yes" if s.get("revoked") else "no")' "$B"; }
for point in revoke-keys-stored revoke-after-commit; do
	fresh
	killed "revoke at $point" "$point" "$SVC" staff revoke "$B" </dev/null
	whole "revoke at $point"
	r=$(revoked)
	svc_cv "$SVC" staff revoke "$B" </dev/null >"$T/out" 2>"$T/err"; RC=$?
	check "revoke at $point: $B was revoked ($r) or not, and a rerun finishes it (exit $RC: $(head -c 150 "$T/err"))" \
		eval '[ "$(revoked)" = yes ] && { { [ "$r" = no ] && [ "$RC" -eq 0 ]; } || { [ "$r" = yes ] && grep -q "already revoked" "$T/err"; }; }'
	svc_cv "$UB" ls "$C" </dev/null >/dev/null 2>"$T/err"; RC=$?
	check "...then $UB is refused through the daemon (exit $RC: $(head -c 120 "$T/err"))" test "$RC" -ne 0
done

# ---- 5. request bundle -o FILE through the daemon: the client made FILE and passed it
for point in bundle-before-commit bundle-before-link bundle-after-link; do
	fresh
	rm -rf "$T/svc/out" && mkdir -m 700 "$T/svc/out" && chown "$SVC" "$T/svc/out"
	killed "bundle through the daemon at $point" "$point" "$SVC" request bundle "$Q" -o "$T/svc/out/sar.zip" \
		--show-passphrase </dev/null
	whole "bundle through the daemon at $point"
	e=$(events request.bundle) f=$(find "$T/svc/out" -type f | wc -l)
	check "bundle through the daemon at $point: at most one disclosure logged ($e), the client left no file ($f)" \
		eval '[ "$e" -le 1 ] && [ "$f" -eq 0 ]'
	svc_cv "$SVC" request bundle "$Q" -o "$T/svc/out/sar.zip" --show-passphrase </dev/null >"$T/out" 2>"$T/err"; RC=$?
	check "...and a bundle through the daemon afterwards succeeds (exit $RC: $(head -c 150 "$T/err"))" \
		eval '[ "$RC" -eq 0 ] && [ -s "$T/svc/out/sar.zip" ] && [ "$(events request.bundle)" -eq $((e + 1)) ]'
done

# ---- 6. request bundle in direct mode, run by the service account with its daemon killed
for point in bundle-before-link bundle-after-link; do
	fresh
	rm -rf "$T/svc/out" && mkdir -m 700 "$T/svc/out" && chown "$SVC" "$T/svc/out"
	as_svc env CASEVAULT_CRASHPOINT="$point" "$CV" request bundle "$Q" -o "$T/svc/out/sar.zip" --show-passphrase \
		</dev/null >/dev/null 2>&1
	check "bundle at $point: the direct-mode bundle was killed (exit $?)" test $? -eq 137
	svc_start CASEVAULT_TODAY="$DAY"
	whole "bundle at $point"
	e=$(events request.bundle) f=$(find "$T/svc/out" -type f | wc -l)
	check "bundle at $point: no file at -o unless its disclosure is logged ($f files, $e bundle events)" \
		eval '[ "$f" -le "$e" ] && [ "$e" -le 1 ] && { [ "$f" -eq 0 ] || [ -f "$T/svc/out/sar.zip" ]; }'
done
svc_stop
finish
