#!/bin/sh
# Run the libFuzzer targets (tests/fuzz/fuzz_*.c) from their seed corpora
# (tests/fuzz/corpus/NAME/) for SECONDS each; see docs/fuzzing.md.
#
#   scripts/fuzz.sh SECONDS [TARGET...]
#
# The fuzz build is $CV_FUZZ_BUILD, else build-fuzz/ beside this script's
# tree (cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DBUILD_FUZZERS=ON).
# New inputs go to BUILD/fuzz-corpus/NAME (the seeds in the tree are only
# read); a crash is saved as BUILD/fuzz-artifacts/NAME/crash-* and ends the
# run with status 1.  Prints, per target, the executions and the findings.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CV_FUZZ_BUILD:-$root/build-fuzz}
if [ $# -lt 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
	echo "usage: scripts/fuzz.sh SECONDS [TARGET...]" >&2
	exit 2
fi
secs=$1
shift
if [ $# -eq 0 ]; then
	set --
	for src in "$root"/tests/fuzz/fuzz_*.c; do
		set -- "$@" "$(basename "$src" .c)"
	done
fi
status=0
for t in "$@"; do
	bin=$build/$t
	if ! [ -x "$bin" ]; then
		echo "fuzz.sh: $bin is not built; configure with -DCMAKE_C_COMPILER=clang -DBUILD_FUZZERS=ON" >&2
		exit 2
	fi
	work=$build/fuzz-corpus/$t
	art=$build/fuzz-artifacts/$t
	seeds=$root/tests/fuzz/corpus/$t
	mkdir -p "$work" "$art"
	rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*  # this run's findings only
	log=$build/fuzz-artifacts/$t.log
	# -close_fd_mask=2: the targets' own one-line refusals; libFuzzer's and the sanitizers' reports still show
	"$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -max_len=65536 -close_fd_mask=2 \
		-artifact_prefix="$art/" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	found=$(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	echo "$t: ${runs:-?} executions in ${secs}s, ${cov:-cov: ?}, $found findings (exit $rc; log $log)"
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		tail -n 40 "$log" >&2
		status=1
	fi
done
exit $status
