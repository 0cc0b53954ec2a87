#!/usr/bin/env bash
# The CPU one casevault process costs under AddressSanitizer + LeakSanitizer,
# as the test suite runs it (tests/CMakeLists.txt, CV_SAN_ENV), against
# another ASan build (the one before a change).  LeakSanitizer scans every
# writable page at each exit; the suite starts thousands of processes.
#
# For each binary, interleaved round by round: N x "casevault --help" (no
# vault) and N x "casevault ls CASE" in one --no-passphrase vault with one
# note (keys unlocked, the index read).  CPU is user + system of the process
# tree (bench/treecpu.c; the vault's gpg-agent is started before timing and
# not counted).  Prints best and median CPU per process and the ratio
# new/old.
#
# Usage: bench/bench_asan.sh OLD_BIN NEW_BIN [--runs N] [--per N]
#   --runs N   rounds (default 5)   --per N   processes per timing (default 10)
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OLD=${1:?usage: bench_asan.sh OLD_BIN NEW_BIN [--runs N] [--per N]}
NEW=${2:?usage: bench_asan.sh OLD_BIN NEW_BIN [--runs N] [--per N]}
shift 2
RUNS=5 PER=10
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--per) PER=$2; shift 2 ;;
	*) echo "bench_asan.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
export LSAN_OPTIONS="suppressions=$REPO/tests/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
source "$REPO/bench/lib.sh"
bench_treecpu

for b in "$OLD" "$NEW"; do
	ldd "$b" | grep -q libasan || { echo "bench_asan.sh: $b is not an ASan build" >&2; exit 2; }
done
"$NEW" init "$W/v" --no-passphrase --name "Bench Manager" >/dev/null
export CASEVAULT_DIR=$W/v
C=$("$NEW" case open --parent P --child K --child-dob 2014-01-02 --pr-confirmed)
"$NEW" note "$C" --class case-note --text "A note" >/dev/null

# many LABEL BIN ARGS...: PER runs of BIN ARGS, one timing appended to $W/LABEL
many() {
	local label=$1 bin=$2
	shift 2
	"$W/treecpu" bash -c 'for ((i = 0; i < $1; i++)); do "${@:2}" >/dev/null || exit 1; done' \
		_ "$PER" "$bin" "$@" 2>"$W/tc.err" || { echo "bench: failed: $bin $*" >&2; exit 1; }
	awk -v n="$PER" '/^treecpu / { printf "%.4f\n", $2 / n }' "$W/tc.err" >>"$W/$label"
}
for ((r = 1; r <= RUNS; r++)); do
	echo "round $r of $RUNS" >&2
	for who in old new; do
		bin=$OLD; [ "$who" = new ] && bin=$NEW
		many "$who.help" "$bin" --help
		many "$who.ls" "$bin" ls "$C"
	done
done
echo "# CPU seconds per process under ASan+UBSan+LSan, $RUNS rounds of $PER"
for t in help ls; do
	echo "casevault $t: old $(bench_stats "$W/old.$t" 1), new $(bench_stats "$W/new.$t" 1), new/old $(bench_ratio "$W/old.$t" "$W/new.$t" 1)"
done
