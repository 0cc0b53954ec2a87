#!/bin/bash
# A revoke racing the commands that seal or wrap with the section keys
# (file, import, note, case open, hold add, request open, staff add), and two filings of one document at once.
#
# Each scenario stops the writer with CASEVAULT_CRASHPOINT=POINT:stop at a
# point of the writer lock (docs/architecture.md, Concurrency), lets the
# revoke run there, then continues the writer:
#   writer-lock-wait  the writer has unlocked its keys and waits for the lock:
#                     the revoke commits first, retiring those keys;
#   writer-locked     the writer holds the lock: the revoke must wait for it.
# A last round starts the two commands with varying delays instead.  After
# every scenario both commands succeeded, verify passes, and every record
# and case written is readable.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Race Parent" "Race Child" 2015-05-05)
make_docs "$T/d"
n=0

# stopped PID: wait (up to 20 s) until the process is stopped at its point.
stopped() {
	local i
	for i in $(seq 200); do
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# writer KIND: one command that seals or wraps (a new, unique document each
# time).  It execs the CLI, so that $! of "writer KIND &" is the CLI itself.
writer() {
	n=$((n + 1))
	printf 'Race document %s, %s\n' "$n" "$RANDOM" >"$T/d/race$n.txt"
	case $1 in
	file)   exec "$CV" file "$C" "$T/d/race$n.txt" --class letter --title "Race letter $n" ;;
	note)   exec "$CV" note "$C" --class case-note --text "Race note $n" ;;
	import) printf 'case,path,class,section,title,date\n%s,%s,letter,case,Race import %s,\n%s,%s,cp-note,cp,Race cp %s,\n' \
			"$C" "$T/d/race$n.txt" "$n" "$C" "$T/d/race$n.txt" "$n" >"$T/d/race$n.csv"
		exec "$CV" import "$T/d/race$n.csv" ;;
	hold)   exec "$CV" hold add "$C" --reason "Race hold $n" ;;
	request) exec "$CV" request open "$C" --requester "Race Requester $n" --relationship client --received 2026-11-02 ;;
	case)   exec "$CV" case open --parent "Race Parent $n" --child "Race Child $n" --child-dob 2016-06-06 --pr-confirmed ;;
	esac
}

# everything_readable: verify passes (it opens every archive's key and every
# sealed column), every case's names unseal, and every record not read by an
# earlier call is read back (an older one is verify's business from then on).
touch "$T/seen"
everything_readable() {
	local c r bad=0
	"$CV" verify >"$T/verify.out" 2>&1 || { cat "$T/verify.out"; return 1; }
	"$CV" hold list --reasons >/dev/null 2>"$T/get.err" || { echo "hold list: $(cat "$T/get.err")"; bad=1; }
	"$CV" request list --names >/dev/null 2>"$T/get.err" || { echo "request list: $(cat "$T/get.err")"; bad=1; }
	"$CV" case list --names >/dev/null 2>"$T/get.err" || { echo "case list: $(cat "$T/get.err")"; bad=1; }
	for c in $("$CV" --json case list | python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(sys.stdin)["cases"]))'); do
		"$CV" case show "$c" >/dev/null 2>&1 || { echo "case $c does not show"; bad=1; }
		for r in $(rec_ids "$c") $(rec_ids "$c" --cp); do
			grep -qx "$r" "$T/seen" && continue
			"$CV" get "$r" >/dev/null 2>"$T/get.err" || { echo "get $r: $(cat "$T/get.err")"; bad=1; }
			echo "$r" >>"$T/seen"
		done
	done
	return $bad
}

# leaver: a new member of staff holding both sections (their revoke rotates both).
leaver() { "$CV" staff add "Leaver $RANDOM" --role cp-lead --no-passphrase; }

# (light: every kind, at one point or the other, and both points)
for run in $(light file:writer-lock-wait file:writer-locked note:writer-locked note:writer-lock-wait \
		import:writer-lock-wait import:writer-locked case:writer-locked case:writer-lock-wait \
		hold:writer-lock-wait hold:writer-locked request:writer-locked request:writer-lock-wait); do
	kind=${run%%:*} point=${run#*:}
	{
		L=$(leaver)
		CASEVAULT_CRASHPOINT=$point:stop writer "$kind" >"$T/w.out" 2>"$T/w.err" &
		wp=$!
		if ! stopped "$wp"; then
			fail "$kind stops at $point"; kill -9 "$wp" 2>/dev/null; wait "$wp"; continue
		fi
		"$CV" staff revoke "$L" >"$T/r.out" 2>"$T/r.err" &
		rp=$!
		# at writer-lock-wait the revoke finishes first; at writer-locked it waits for the writer
		[ "$point" = writer-lock-wait ] && wait "$rp"; rrc=$?
		kill -CONT "$wp"
		wait "$wp"; wrc=$?
		[ "$point" = writer-locked ] && { wait "$rp"; rrc=$?; }
		check "$kind racing a revoke at $point: both succeed (writer $wrc: $(cat "$T/w.err"); revoke $rrc: $(cat "$T/r.err"))" \
			test "$wrc" -eq 0 -a "$rrc" -eq 0
		check "$kind racing a revoke at $point: verify passes and everything reads" everything_readable
	}
done

# Timing varied: the revoke starts with the writer, or 0.3 s after it (the
# stopped scenarios above cover the two orders exactly).
for delay in 0 0.3; do
	for kind in file import; do
		L=$(leaver)
		writer "$kind" >"$T/w.out" 2>"$T/w.err" &
		wp=$!
		sleep "$delay"
		"$CV" staff revoke "$L" >"$T/r.out" 2>"$T/r.err"; rrc=$?
		wait "$wp"; wrc=$?
		check "$kind, revoke after ${delay}s: both succeed (writer $wrc: $(cat "$T/w.err"); revoke $rrc: $(cat "$T/r.err"))" \
			test "$wrc" -eq 0 -a "$rrc" -eq 0
	done
done
check "after the timed races: verify passes and everything reads" everything_readable

# A staff add racing a revoke gets a keyslip of the current keys.
L=$(leaver)
CASEVAULT_CRASHPOINT=writer-lock-wait:stop "$CV" staff add "New Starter" --role caseworker --no-passphrase >"$T/w.out" 2>"$T/w.err" &
wp=$!
if stopped "$wp"; then
	"$CV" staff revoke "$L" >/dev/null 2>&1
	kill -CONT "$wp"
fi
wait "$wp"
NEW=$(cat "$T/w.out")
"$CV" staff attest "$NEW" >/dev/null 2>&1
"$CV" case assign "$C" "$NEW" >/dev/null 2>&1  # docs/security.md, Case assignment
run_cv --as "$NEW" ls "$C"
check "a person added while a revoke ran can read the case ($RC: $ERR)" test "$RC" -eq 0

# Two filings of one document at once file it once; two imports of one manifest at once, once.
printf 'One document, filed twice at once\n' >"$T/d/twice.txt"
for i in 1 2 3; do
	printf 'Twice %s %s\n' "$i" "$RANDOM" >"$T/d/twice$i.txt"
	before=$(db "SELECT count(*) FROM records")
	"$CV" file "$C" "$T/d/twice$i.txt" --class letter >/dev/null 2>&1 &
	"$CV" file "$C" "$T/d/twice$i.txt" --class letter >/dev/null 2>&1 &
	wait
	check "two filings of one document at once file it once (try $i)" test "$(db "SELECT count(*) FROM records") " = "$((before + 1)) "
done
C2=$(new_case "Import Twice" "Child Twice" 2014-01-01)
for i in 1 2 3 4 5 6; do printf 'Manifest document %s\n' "$i" >"$T/d/m$i.txt"; done
{ echo 'case,path,class,section,title,date'; for i in 1 2 3 4 5 6; do echo "$C2,$T/d/m$i.txt,letter,case,M $i,"; done; } >"$T/d/twice.csv"
"$CV" import "$T/d/twice.csv" >/dev/null 2>&1 &
"$CV" import "$T/d/twice.csv" >/dev/null 2>&1 &
wait
check "two imports of one manifest at once file each document once" \
	test "$(db "SELECT count(*) FROM records WHERE case_id = '$C2'")" = 6
check "verify passes after the duplicate races" everything_readable
finish
