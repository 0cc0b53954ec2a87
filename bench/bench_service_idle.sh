#!/usr/bin/env bash
# casevaultd's ls and get as a person at a terminal sees them (docs/service.md,
# Speed): the bench account runs one shell that times N commands of each kind
# with bash's EPOCHREALTIME around each, so no setpriv or env is started per
# command (bench_service.sh starts both, about 6 ms).  The vault is
# bench_service_vault's: one case of RECORDS notes filed by one import; the
# session is proved once, then: the thin client alone (--version), ls of the
# case, get of the middle note (in the import's archive), and get of a note
# filed on its own with 'note'.  Median, best, 90th percentile, worst and
# mean, milliseconds: one unlock in ten events signs the audit trail's
# checkpoint (about 0.3 s in gpg-agent), which the worst and the mean show
# while it is on the command's path.  --pace S sleeps S seconds before each
# command, as a person's pace: work a worker does after its answer then
# ends before the next command (back to back, the next may wait for it in
# gpg-agent).
#
#   bench/bench_service_idle.sh [--runs N] [--records N] [--pace S]   (defaults 40, 1000, 0)
# Binaries: $CASEVAULT_BIN and $CASEVAULTD_BIN (default build/casevault and
# build/casevaultd).  Run as root: the account is made and removed (useradd).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=40 RECORDS=1000 PACE=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--records) RECORDS=$2; shift 2 ;;
	--pace) PACE=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "bench_service_idle.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
CVD=${CASEVAULTD_BIN:-$REPO/build/casevaultd}
export CASEVAULT_POLICY_DIR=$REPO/policies
source "$REPO/bench/lib.sh"
bench_account cvi
bench_service_vault "$RECORDS"
mkdir -m 755 "$W/run" && { [ -z "$ACCT" ] || chown "$ACCT" "$W/run"; }
"${ACMD[@]}" "$CVD" --vault "$V" --socket "$W/run/sock" 2>"$W/daemon.log" >/dev/null </dev/null &
DPID=$!
for _ in $(seq 50); do [ -S "$W/run/sock" ] && break; sleep 0.1; done
export CASEVAULT_SOCKET=$W/run/sock
as_acct "$CV" --passphrase-file "$W/pass" get "$R" >/dev/null
as_acct "$CV" note "$C" --class case-note <"$W/d/c001/n00001.txt" >/dev/null
N=$(as_acct "$CV" --json ls "$C" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"][-1]["id"])')
echo "casevaultd, session unlocked, $RUNS runs each, pace ${PACE} s, $RECORDS-record case ($(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg))"
as_acct bash -c '
t() { local s e; for _ in $(seq '"$RUNS"'); do sleep '"$PACE"'; s=${EPOCHREALTIME/./}; "$@" >/dev/null; e=${EPOCHREALTIME/./}; echo $(( (e - s) / 100 )); done |
	sort -n | awk "{ v[NR] = \$1; sum += \$1 } END { printf \"median %6.1f ms  best %6.1f  p90 %6.1f  worst %6.1f  mean %6.1f\\n\",
		(NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 10, v[1] / 10, v[int(NR * 0.9 + 0.5)] / 10, v[NR] / 10, sum / NR / 10 }"; }
printf "  %-34s" "casevault --version (thin client)"; t "$0" --version
printf "  %-34s" "ls of the case"; t "$0" ls "$1"
printf "  %-34s" "get, a note of the import"; t "$0" get "$2"
printf "  %-34s" "get, a note filed on its own"; t "$0" get "$3"
' "$CV" "$C" "$R" "$N"
