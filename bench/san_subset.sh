#!/usr/bin/env bash
# Which tests the ASan+UBSan pass may leave out: those whose every C line
# (gcov) the rest of that pass runs too.  ASan and UBSan judge the code paths
# a test runs (tests/README.md, "The sanitizer pass"); a test that runs no line
# the others do not run gives them nothing new to judge.
#
# Usage: bench/san_subset.sh COV_DIR [COSTS]
#   COV_DIR: a new build directory for the coverage build (Debug, --coverage,
#   CV_TEST_LIGHT=2: what the sanitizer pass runs); COSTS: a file of
#   "TEST SECONDS" lines (e.g. build-asan/Testing/Temporary/CTestCostData.txt),
#   the cost the choice minimises (default: every test costs 1).
# Each test writes its counts in its own tree (GCOV_PREFIX, set by a launcher:
# CV_TEST_LAUNCHER, tests/CMakeLists.txt), so the suite runs under ctest -j2.
# The unit tests and the web tests always run in the sanitizer pass; the CLI
# scenarios are chosen greedily (most new lines per cost second), then any
# chosen one whose lines the others cover is dropped.  Prints the CLI tests
# left out, for CV_SAN_COVERED in tests/CMakeLists.txt, and each test's lines.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$(mkdir -p "${1:?usage: san_subset.sh COV_DIR [COSTS]}" && cd "$1" && pwd)
COSTS=${2:-}
D=$B/covdata
gcc -c -O2 -o "$B/gcov_exit.o" "$REPO/bench/gcov_exit.c"
cat >"$B/covlaunch" <<'SH'
#!/bin/bash
# the test's name from its program (cli/t_x.sh, unit/test_x, fixtures.sh's output dir)
n=$(basename "${@: -1}"); n=${n%.sh}
for a in "$@"; do case $a in */fixtures.sh) n=setup_vaults ;; esac; done
d=$(dirname "$0")/covdata/$n
mkdir -p "$d" && chmod 1777 "$d"   # casevaultd runs as the service test's accounts
export GCOV_PREFIX=$d GCOV_PREFIX_STRIP=0
umask 000
exec "$@"
SH
chmod 755 "$B/covlaunch"
rm -rf "$D" && mkdir -m 1777 "$D"
cmake -S "$REPO" -B "$B" -DBUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=--coverage \
	"-DCMAKE_EXE_LINKER_FLAGS=--coverage -Wl,--wrap=_exit $B/gcov_exit.o" \
	-DCV_TEST_LIGHT=2 -DCV_TEST_LAUNCHER="$B/covlaunch" >/dev/null
cmake --build "$B" -j2 >/dev/null
find "$B" -name '*.gcda' -delete
(cd "$B" && ctest -j2 -E '^(layers|functions|web/.*)$' >"$B/ctest.out" 2>&1) ||
	{ grep -E 'tests passed|Failed|\*\*\*' "$B/ctest.out" | head; echo "# coverage run failed: $B/ctest.out" >&2; }
python3 - "$D" "$B" "$COSTS" <<'PY'
import glob, json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
covdata, build, costs = sys.argv[1], sys.argv[2], sys.argv[3]

def lines_of(name):
    """(file, line) pairs run at least once by the test NAME's processes."""
    root = os.path.join(covdata, name, build.lstrip('/'))
    gcdas = glob.glob(os.path.join(root, '**', '*.gcda'), recursive=True)
    for g in gcdas:  # gcov reads the notes file beside the counts
        note = g[:-5] + '.gcno'
        if not os.path.exists(note):
            os.symlink(os.path.join(build, os.path.relpath(note, root)), note)
    got = set()
    if not gcdas:
        return got
    out = subprocess.run(['gcov', '--json-format', '--stdout'] + gcdas, cwd=covdata,
                         capture_output=True, text=True).stdout
    dec, i = json.JSONDecoder(), 0
    while True:
        while i < len(out) and out[i].isspace():
            i += 1
        if i >= len(out):
            return got
        doc, i = dec.raw_decode(out, i)
        for f in doc['files']:
            got.update((f['file'], l['line_number']) for l in f['lines'] if l['count'] > 0)

names = sorted(os.listdir(covdata))
with ThreadPoolExecutor(2) as ex:
    cov = dict(zip(names, ex.map(lines_of, names)))
cost = {n: 1.0 for n in names}
if costs:
    for line in open(costs):
        f = line.split()
        if len(f) >= 2 and '/' in f[0]:
            n = f[0].split('/')[-1]
            if n in cost:
                cost[n] = max(float(f[-1]), 0.1)
# unit tests, the fixture, and any test that failed or timed out (its counts are incomplete)
failed = set(re.findall(r'^\s*\d+ - \S+/(\S+) \(', open(os.path.join(build, 'ctest.out')).read(), re.M))
always = [n for n in names if not n.startswith('t_') or n in failed]
covered = set().union(*(cov[n] for n in always))
everything = set().union(*cov.values())
chosen, left = [], [n for n in names if n not in always]
while everything - covered:
    best = max(left, key=lambda n: len(cov[n] - covered) / cost[n])
    chosen.append(best); left.remove(best); covered |= cov[best]
for n in sorted(chosen, key=lambda n: -cost[n]):   # the dearest first
    rest = set().union(*(cov[m] for m in always + chosen if m != n))
    if cov[n] <= rest:
        chosen.remove(n); left.append(n)
print("# kept, as the coverage run did not finish them: %s" % (" ".join(sorted(failed)) or "none"))
print("# lines run: %d by the whole suite, %d by the unit tests" %
      (len(everything), len(set().union(*(cov[n] for n in always if n.startswith('test_'))))))
print("# %d CLI tests kept (cost %.0f), %d left out (cost %.0f)" % (
    len(chosen), sum(cost[n] for n in chosen), len(left), sum(cost[n] for n in left)))
for n in sorted(names):
    print("%-28s %6d lines %7.1f cost %s" % (n, len(cov[n]), cost[n],
          "kept" if n in chosen else "left out" if n in left else "always"))
print("CV_SAN_COVERED " + " ".join("cli/" + n for n in sorted(left)))
PY
