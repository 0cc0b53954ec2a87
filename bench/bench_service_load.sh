#!/bin/bash
# Eight concurrent readers through casevaultd against the same eight readers
# in direct mode (docs/service.md, Concurrency): p50 and p99 latency of ls
# and get, and throughput, with the ratios service / direct.
#
#     sudo bench/bench_service_load.sh [SECONDS]     (default 60 per mode)
#
# Root only: it makes a service account and two staff OS accounts (useradd),
# as tests/cli/t_service_load.sh does, and deletes them at the end.  The
# staff keys have no passphrase (the passphrase path through the service
# asks again at every request until sessions exist), so both modes unlock
# from gpg-agent without a prompt.  Direct mode runs as the service account
# with --as (the only account that may open the vault); the service mode as
# each person's own account through the socket.  Both start each command
# through setpriv, so the difference is the daemon's round trip and fork.
# The modes alternate in four rounds (direct, service, direct, service) of
# half the time each, so that load from other work on the machine falls on
# both alike.  Progress on stderr, the report on stdout.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
export CV_SOURCE_DIR=$REPO
CASEVAULT_BIN=${CASEVAULT_BIN:-$REPO/build/casevault}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_service_load: needs root (it makes OS accounts with useradd and runs as them)" >&2
	exit 2
fi
SECONDS_PER_MODE=${1:-60}
source "$REPO/tests/cli/lib.sh"
source "$REPO/tests/cli/svc_lib.sh"

echo "setting up a service vault with 6 notes..." >&2
svc_setup
C=$(as_svc "$CV" case open --parent "Bench Parent" --child "Bench Child" --child-dob 2014-05-06 --pr-confirmed)
# caseworkers read only the cases they are assigned to (docs/legal-rules.md)
as_svc "$CV" case assign "$C" "$A" >/dev/null && as_svc "$CV" case assign "$C" "$B" >/dev/null
for i in 1 2 3 4 5 6; do
	printf 'Bench note %d: a phone call about the annual review, with actions agreed.\n' "$i" |
		as_svc "$CV" note "$C" --class phone-call --title "Note $i" >/dev/null
done
mapfile -t RECS < <(as_svc "$CV" ls "$C" | awk '$1 ~ /^R-/ { print $1 }')
[ "${#RECS[@]}" -eq 6 ] || { echo "bench_service_load: the case should list 6 notes, not ${#RECS[@]}" >&2; exit 1; }
svc_start || exit 1
L=$T/lat
mkdir -m 777 "$L"

# reader MODE N STAFF USER END: ls and get in turn until END; one line "OP MS" a command
reader() {
	local mode=$1 n=$2 s=$3 u=$4 end=$5 i=0 t0 rc op r
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		t0=$(date +%s%N)
		if [ $(((i + n) % 2)) -eq 1 ]; then
			op=ls
			if [ "$mode" = direct ]; then as_svc "$CV" --as "$s" ls "$C"; else svc_cv "$u" ls "$C"; fi
		else
			op=get
			r=${RECS[$(((i + n) % ${#RECS[@]}))]}
			if [ "$mode" = direct ]; then as_svc "$CV" --as "$s" get "$r"; else svc_cv "$u" get "$r"; fi
		fi </dev/null >/dev/null 2>>"$L/errors"
		rc=$?
		echo "$op $((($(date +%s%N) - t0) / 1000)) $rc" >>"$L/$mode.$n"
	done
}

round() { # round MODE SECONDS: eight readers, four as each staff member
	local end=$(($(date +%s) + $2)) n pids=()
	echo "round: $1 for $2 s" >&2
	for n in 1 2 3 4 5 6 7 8; do
		if [ $((n % 2)) -eq 1 ]; then reader "$1" "$n" "$A" "$UA" "$end" & else reader "$1" "$n" "$B" "$UB" "$end" & fi
		pids+=($!)
	done
	wait "${pids[@]}"
}

# warm gpg-agent and the page cache for both modes, untimed
as_svc "$CV" --as "$A" get "${RECS[0]}" >/dev/null && svc_cv "$UB" get "${RECS[0]}" </dev/null >/dev/null
half=$(((SECONDS_PER_MODE + 1) / 2))
round direct "$half"; round service "$half"; round direct "$half"; round service "$half"
svc_stop

echo "# casevaultd: eight concurrent readers, ${SECONDS_PER_MODE} s per mode ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$L" "$SECONDS_PER_MODE" <<'PY'
import glob, os, sys
d, secs = sys.argv[1], float(sys.argv[2])
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else float("nan")
res = {}
for mode in ("direct", "service"):
    rows = [l.split() for f in glob.glob(os.path.join(d, mode + ".*")) for l in open(f)]
    fails = sum(1 for r in rows if r[2] != "0")
    res[mode] = {"fails": fails, "n": len(rows), "tput": len(rows) / secs}
    for op in ("ls", "get"):
        ms = [int(r[1]) / 1000.0 for r in rows if r[0] == op]
        res[mode][op] = (len(ms), pct(ms, 50), pct(ms, 99))
print("%-8s %-4s %6s %9s %9s" % ("mode", "op", "n", "p50 ms", "p99 ms"))
for mode in ("direct", "service"):
    for op in ("ls", "get"):
        n, p50, p99 = res[mode][op]
        print("%-8s %-4s %6d %9.0f %9.0f" % (mode, op, n, p50, p99))
    print("%-8s all  %6d  %.2f commands/s, %d failed" % (mode, res[mode]["n"], res[mode]["tput"], res[mode]["fails"]))
print("ratio service/direct: ls p50 %.2f, ls p99 %.2f, get p50 %.2f, get p99 %.2f, throughput %.2f" % (
    res["service"]["ls"][1] / res["direct"]["ls"][1], res["service"]["ls"][2] / res["direct"]["ls"][2],
    res["service"]["get"][1] / res["direct"]["get"][1], res["service"]["get"][2] / res["direct"]["get"][2],
    res["service"]["tput"] / res["direct"]["tput"]))
PY
[ -s "$L/errors" ] && { echo "# errors:"; sort "$L/errors" | uniq -c | head; }
exit 0
