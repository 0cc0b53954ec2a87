#!/usr/bin/env bash
# casevault verify benchmark: see bench/README.md, "Verify benchmark".
#
# For each size, makes a vault of that many small text records (100 per
# case, dated over 12 months in a class kept from its event date, so about
# 12 archives per case; all filed by one import, so one receipt lists every
# archive, as an office's backlog import does), then times `casevault verify` with
# /usr/bin/time -v: wall-clock seconds, CPU seconds (user and system) and
# peak resident memory of casevault itself (GPGME starts gpg as a grandchild,
# which time does not count; on a busy machine the CPU seconds are steadier).  Everything lives in
# one temporary directory under /tmp; its gpg-agents are stopped and the
# directory removed on exit.
#
# Usage: bench/bench_verify.sh [--runs N] [SIZE...]
#   --runs N  time verify N times per size, report the best (default 2)
#   SIZE      numbers of records (default: 1000 10000)
# Environment: CASEVAULT_BIN (default build/casevault), CASEVAULT_POLICY_DIR
# (default policies/).
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
RUNS=2
SIZES=()
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*[!0-9]*) echo "bench_verify.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	*) SIZES+=("$1"); shift ;;
	esac
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000)
[ -x "$CV" ] || { echo "bench_verify.sh: no casevault binary at $CV; build it first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_verify.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

W=$(mktemp -d /tmp/cvv.XXXXXX)
chmod 700 "$W"
cleanup() {
	local d
	for d in "$W"/v*/gnupg; do
		[ -d "$d" ] && gpgconf --homedir "$d" --kill all 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT

# make_vault N: $W/vN holding N records in N/100 cases (at least one), one import.
make_vault() {
	local n=$1 v=$W/v$1 cases c k id
	cases=$(( (n + 99) / 100 ))
	"$CV" init "$v" --no-passphrase --name "Bench Manager" >/dev/null
	mkdir -p "$W/d$n"
	{
		echo "case,path,class,section,title,date"
		for ((c = 1; c <= cases; c++)); do
			id=$(CASEVAULT_DIR=$v "$CV" case open --parent "Parent $c" --child "Child $c" --child-dob 2014-05-06 --pr-confirmed)
			for ((k = 1; k <= 100 && (c - 1) * 100 + k <= n; k++)); do
				printf 'Case note %d of case %d.\nVisit made; actions agreed; next review in a month.\n' "$k" "$c" \
					>"$W/d$n/c${c}n$k.txt"
				printf '%s,d%d/c%dn%d.txt,complaint,case,Note %d,2025-%02d-01\n' "$id" "$n" "$c" "$k" "$k" $(( k % 12 + 1 ))
			done
		done
	} >"$W/m$n.csv"
	CASEVAULT_DIR=$v "$CV" import "$W/m$n.csv" >/dev/null 2>"$W/import.err" \
		|| { echo "bench_verify.sh: the import failed:" >&2; cat "$W/import.err" >&2; exit 1; }
}

echo "casevault verify benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs"
printf '%8s %8s %9s %9s %10s\n' records archives seconds cpu-s peak-RSS-MB
for n in "${SIZES[@]}"; do
	make_vault "$n"
	best= rss= cpu=
	for ((r = 1; r <= RUNS; r++)); do
		CASEVAULT_DIR=$W/v$n /usr/bin/time -v "$CV" verify >"$W/out" 2>"$W/time" \
			|| { echo "bench_verify.sh: verify failed:" >&2; cat "$W/out" "$W/time" >&2; exit 1; }
		s=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0; for (i = 1; i <= n; i++) t = t * 60 + p[i]; print t }' "$W/time")
		m=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$W/time")
		u=$(awk -F': ' '/(User|System) time/ { t += $2 } END { printf "%.2f", t }' "$W/time")
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s rss=$m cpu=$u; fi
	done
	printf '%8d %8s %9s %9s %10s\n' "$n" "$(grep -o '[0-9]* archives' "$W/out" | cut -d' ' -f1)" "$best" "$cpu" "$rss"
done
