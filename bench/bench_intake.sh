#!/usr/bin/env bash
# The intake tray (docs/intake.md): what taking a scan into the tray costs,
# against filing the same kind of scan straight into a case with `file`
# (the baseline, measured in the same vault, interleaved round by round).
#
# Each round: a distinct SIZE PDF (random bytes in a stream, a sound PDF)
# is filed with `casevault file` (timed), another is taken with `casevault
# intake add` (timed: type check, read into memory, AES-GCM, fsync, the key
# store and index commits; this is the drop folder's path less the wait for
# the file to be complete), then assigned to the case with `intake assign`
# (timed: decrypt into a memfd, the whole ordinary filing, the erasure).
# Prints the median of each and the ratios to `file`.
#
# Usage: bench/bench_intake.sh [--runs N] [--size SIZE]   (defaults 9, 1M)
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
RUNS=9 SIZE=1M
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--size) SIZE=$2; shift 2 ;;
	*) echo "bench_intake.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
source "$REPO/bench/lib.sh"
eval "$(sed -n '/^big_pdf() {/,/^}/p' "$REPO/tests/cli/lib.sh")"   # the tests' sound PDF of a given size

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f\n", b - a }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

"$CV" init "$W/v" --no-passphrase --name "Bench Manager" >/dev/null
export CASEVAULT_DIR=$W/v
C=$("$CV" case open --parent "Bench Parent" --child "Bench Child" --child-dob 2015-01-01 --pr-confirmed)
for ((i = 1; i <= RUNS; i++)); do
	big_pdf "$W/f$i.pdf" "$SIZE"
	big_pdf "$W/i$i.pdf" "$SIZE"
	t=$(now); "$CV" file "$C" "$W/f$i.pdf" --class correspondence >/dev/null; since "$t" >>"$W/file.t"
	t=$(now); id=$("$CV" intake add "$W/i$i.pdf"); since "$t" >>"$W/add.t"
	t=$(now); "$CV" intake assign "$id" "$C" --class correspondence >/dev/null; since "$t" >>"$W/assign.t"
done
f=$(median <"$W/file.t") a=$(median <"$W/add.t") s=$(median <"$W/assign.t")
printf '%s PDFs, %d rounds, medians (seconds):\n' "$SIZE" "$RUNS"
printf '  file (baseline)  %s\n  intake add       %s  (%.2fx file)\n  intake assign    %s  (%.2fx file)\n' \
	"$f" "$a" "$(awk -v a="$a" -v f="$f" 'BEGIN { print a / f }')" "$s" "$(awk -v a="$s" -v f="$f" 'BEGIN { print a / f }')"
