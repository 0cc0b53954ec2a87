#!/usr/bin/env bash
# Start-up cost of every command, two builds side by side (docs/architecture.md,
# "The document formats module"): callgrind instructions of
# "casevault-direct --version"; wall p50 of RUNS runs each of "casevault
# --version" and "casevault ls CASE" (the thin client, direct mode),
# interleaved old/new; and the wall time of "ctest -R 'cli/t_roles$'" in each
# build tree (a command-heavy CLI test).  Prints each figure and new/old.
#
#   bench/bench_loader.sh OLD_BUILD NEW_BUILD [--runs N] [--no-ctest]
# OLD_BUILD, NEW_BUILD: build trees (configured with -DBUILD_TESTS=ON for the
# ctest figure); each runs with the policies of its own source tree.
set -euo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
USAGE="usage: bench_loader.sh OLD_BUILD NEW_BUILD [--runs N] [--no-ctest]"
OLD=$(cd "${1:?$USAGE}" && pwd) NEW=$(cd "${2:?$USAGE}" && pwd)
shift 2
RUNS=50 CTEST=1
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--no-ctest) CTEST=0; shift ;;
	*) echo "$USAGE" >&2; exit 2 ;;
	esac
done
source "$REPO/bench/lib.sh"
src_of() { sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$1/CMakeCache.txt"; }

# ---- callgrind: instructions of casevault-direct --version
instr() {
	valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$1/casevault-direct" --version >/dev/null 2>"$W/cg.err"
	sed -n 's/^==[0-9]*== Collected : //p' "$W/cg.err"
}
io=$(instr "$OLD") in=$(instr "$NEW")

# ---- a vault for ls, made by each build
for who in old new; do
	b=$OLD; [ "$who" = new ] && b=$NEW
	export CASEVAULT_POLICY_DIR
	CASEVAULT_POLICY_DIR=$(src_of "$b")/policies
	"$b/casevault" init "$W/$who" --no-passphrase --name "Bench Manager" >/dev/null
	CASEVAULT_DIR=$W/$who "$b/casevault" case open --parent "P Bench" --child "C Bench" \
		--child-dob 2014-05-06 --pr-confirmed >"$W/$who.case"
	printf 'a note\n' | CASEVAULT_DIR=$W/$who "$b/casevault" note "$(cat "$W/$who.case")" --class phone-call >/dev/null
done

# ---- wall p50, interleaved: python3 runs each command and takes the median
wall() {
	python3 - "$RUNS" "$OLD" "$NEW" "$W" "$(src_of "$OLD")/policies" "$(src_of "$NEW")/policies" "$@" <<'PY'
import os, statistics, subprocess, sys, time
runs, old, new, w, opol, npol = int(sys.argv[1]), *sys.argv[2:7]
args = sys.argv[7:]
times = {"old": [], "new": []}
for _ in range(runs):
    for who, b, pol in (("old", old, opol), ("new", new, npol)):
        env = dict(os.environ, CASEVAULT_POLICY_DIR=pol, CASEVAULT_DIR=f"{w}/{who}")
        a = [x.replace("CASE", open(f"{w}/{who}.case").read().strip()) for x in args]
        t = time.perf_counter()
        subprocess.run([f"{b}/casevault", *a], env=env, stdout=subprocess.DEVNULL, check=True)
        times[who].append(time.perf_counter() - t)
o, n = statistics.median(times["old"]), statistics.median(times["new"])
print(f"{o * 1000:.2f} {n * 1000:.2f}")
PY
}
read -r vo vn < <(wall --version)
read -r lo ln < <(wall ls CASE)

# ---- ctest -R 'cli/t_roles$' in each tree, one after the other
to=- tn=-
if [ "$CTEST" = 1 ]; then
	t_roles() { local s=$SECONDS; (cd "$1" && ctest -R 'cli/t_roles$' >"$W/ctest.log" 2>&1) ||
		{ echo "ctest failed in $1" >&2; tail -n 5 "$W/ctest.log" >&2; exit 1; }; echo $((SECONDS - s)); }
	to=$(t_roles "$OLD") tn=$(t_roles "$NEW")
fi

ratio() { python3 -c "import sys; o, n = float(sys.argv[1]), float(sys.argv[2]); print(f'{n / o:.3f}')" "$1" "$2"; }
echo "casevault start-up, two builds ($(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "  old $OLD"
echo "  new $NEW"
printf '%-44s %14s %14s %8s\n' "" old new new/old
printf '%-44s %14s %14s %8s\n' "casevault-direct --version (callgrind Ir)" "${io//,/}" "${in//,/}" "$(ratio "${io//,/}" "${in//,/}")"
printf '%-44s %14s %14s %8s\n' "casevault --version, wall p50 of $RUNS (ms)" "$vo" "$vn" "$(ratio "$vo" "$vn")"
printf '%-44s %14s %14s %8s\n' "casevault ls CASE, wall p50 of $RUNS (ms)" "$lo" "$ln" "$(ratio "$lo" "$ln")"
if [ "$CTEST" = 1 ]; then
	printf '%-44s %14s %14s %8s\n' "ctest -R 'cli/t_roles\$' (wall s)" "$to" "$tn" "$(ratio "$to" "$tn")"
fi
