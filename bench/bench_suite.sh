#!/usr/bin/env bash
# The test suite's cost, test by test: CPU seconds (user + system of each
# test's whole process tree, gpg and its agent included: bench/treecpu.c) and
# wall seconds, in an existing build directory, under ctest -jN as
# scripts/test.sh runs it.  CPU seconds hardly move with the machine's load;
# wall seconds do (the load average is printed with them).
#
# Usage: bench/bench_suite.sh BUILD_DIR [-jN] [CTEST-ARG...]
#   e.g. bench/bench_suite.sh build-asan -j2 -E '^(layers|functions)$'
# The build directory is reconfigured with CV_TEST_LAUNCHER=treecpu
# (tests/CMakeLists.txt) and set back to none at the end.  Prints one line a
# test, heaviest first, then the sum of CPU seconds and ctest's wall time
# (layers and functions, defined in the top CMakeLists.txt, run unwrapped and
# are left out).
set -euo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$(cd "${1:?usage: bench_suite.sh BUILD_DIR [-jN] [CTEST-ARG...]}" && pwd)
shift
J=-j2
case ${1:-} in -j*) J=$1; shift ;; esac
source "$REPO/bench/lib.sh"
bench_treecpu
# the launcher must outlive $W (the build directory keeps its path until reset)
TC=$B/treecpu
cp "$W/treecpu" "$TC"
cmake -S "$REPO" -B "$B" -DCV_TEST_LAUNCHER="$TC" >/dev/null
trap 'cmake -S "$REPO" -B "$B" -DCV_TEST_LAUNCHER= >/dev/null; bench_cleanup' EXIT
echo "# $(date -u +%FT%TZ) load before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
rc=0
(cd "$B" && ctest "$J" --output-on-failure "$@" >"$W/ctest.out" 2>&1) || rc=$?
end=$(date +%s.%N)
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg); ctest exit $rc"
grep -E 'tests passed|tests failed|Failed|\*\*\*' "$W/ctest.out" | head -20 || true
# LastTest.log: "N/M Test: NAME" ... output (treecpu's line last) ... "Test Passed."
python3 - "$B/Testing/Temporary/LastTest.log" "$start" "$end" <<'PY'
import re, sys
log, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rows, name = [], None
for line in open(log, errors="replace"):
    m = re.match(r"^\d+/\d+ Test: (\S+)", line)
    if m:
        name = m.group(1)
    m = re.match(r"^treecpu (\S+) (\S+)", line)
    if m and name:
        rows.append((float(m.group(1)), float(m.group(2)), name))
        name = None
rows.sort(reverse=True)
for cpu, wall, n in rows:
    print("%8.1f %8.1f  %s" % (cpu, wall, n))
print("# %d tests: CPU %.0f s (sum), wall %.0f s (ctest)" % (len(rows), sum(r[0] for r in rows), end - start))
PY
exit "$rc"
