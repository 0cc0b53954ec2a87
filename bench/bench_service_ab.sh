#!/usr/bin/env bash
# Two builds of casevaultd side by side (docs/service.md, Speed): the
# instructions a request costs (bench_service_callgrind.sh, which the load
# does not disturb), for the OLD build and then the NEW one; then one vault
# served by both builds' daemons at once, "ls" of a case of RECORDS notes
# and "get" of one note with the session unlocked, old and new commands
# interleaved so that both meet the same load: wall p50/p99 and the mean
# CPU per command (the client's process tree, gpg-agent, and the daemon's
# reaped children), and the ratios NEW / OLD.  OLD and NEW are directories
# holding casevault, casevaultd and casevault-direct (and
# casevault-formats.so beside them), e.g. a build of the base commit:
#
#   git worktree add /tmp/base BASE && cmake -S /tmp/base -B /tmp/base/build && cmake --build /tmp/base/build
#   sudo bench/bench_service_ab.sh /tmp/base/build build [--records N] [--runs N]
#   (defaults 1000 records; 2 callgrind requests and 20 timed commands of each kind;
#   --cpu-only: the interleaved timing alone)
set -euo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
USAGE="usage: bench_service_ab.sh OLD NEW [--records N] [--runs N] [--cpu-only]"
[ $# -ge 2 ] || { echo "$USAGE" >&2; exit 2; }
OLD=$1 NEW=$2
shift 2
RECORDS=1000 RUNS=20 CG=1
while [ $# -gt 0 ]; do
	case $1 in
	--records) RECORDS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--cpu-only) CG=; shift ;;
	*) echo "$USAGE" >&2; exit 2 ;;
	esac
done
for d in "$OLD" "$NEW"; do
	[ -x "$d/casevault" ] && [ -x "$d/casevaultd" ] || { echo "bench_service_ab: no casevault and casevaultd in $d" >&2; exit 2; }
done
source "$REPO/bench/lib.sh"
bench_account cvab
bench_treecpu
export CASEVAULT_POLICY_DIR=$REPO/policies

# ---- instructions per request: callgrind, each build in turn (the load does not change them)
for which in old new; do
	[ -n "$CG" ] || { : >"$W/cg.$which"; continue; }
	dir=$OLD; [ "$which" = new ] && dir=$NEW
	echo "== $which ($dir)"
	CASEVAULT_BIN=$dir/casevault CASEVAULTD_BIN=$dir/casevaultd \
		bash "$REPO/bench/bench_service_callgrind.sh" --records "$RECORDS" --runs 2 2>/dev/null | tee "$W/cg.$which"
done

# ---- CPU per command: one vault, both daemons serving it, their commands interleaved (the same load for both)
CV=$NEW/casevault
bench_service_vault "$RECORDS"
mkdir -m 755 "$W/run" && { [ -z "$ACCT" ] || chown "$ACCT" "$W/run"; }
declare -A PID
for which in old new; do
	dir=$OLD; [ "$which" = new ] && dir=$NEW
	"${ACMD[@]}" "$dir/casevaultd" --vault "$V" --socket "$W/run/$which" 2>>"$W/daemon.log" >/dev/null </dev/null &
	PID[$which]=$!
	for _ in $(seq 100); do [ -S "$W/run/$which" ] && break; sleep 0.1; done
	as_acct env CASEVAULT_SOCKET="$W/run/$which" "$dir/casevault" --passphrase-file "$W/pass" get "$R" >/dev/null
done
ticks() { awk '{ print $16 + $17 }' "/proc/$1/stat"; }
# one WHICH NAME ARGS...: a command through that build's daemon; "WALL CPU" appended to $W/NAME.WHICH,
# the CPU the client's tree, gpg-agent and the daemon's reaped children (connection process and worker)
one() {
	local which=$1 name=$2 dir=$OLD k0 k1
	shift 2
	[ "$which" = new ] && dir=$NEW
	k0=$(ticks "${PID[$which]}")
	bench_time "$V" "$W/raw" "${ACMD[@]}" env CASEVAULT_SOCKET="$W/run/$which" "$dir/casevault" "$@"
	for _ in $(seq 100); do pgrep -P "${PID[$which]}" -x casevaultd-conn >/dev/null || break; sleep 0.02; done
	k1=$(ticks "${PID[$which]}")
	tail -n 1 "$W/raw" | awk -v k=$((k1 - k0)) -v hz="$(getconf CLK_TCK)" '{ printf "%s %.4f\n", $1, $2 + k / hz }' >>"$W/$name.$which"
}
# each round in the other order, so that neither build is always the one after the other's command
for k in $(seq "$RUNS"); do
	a=old b=new
	[ $((k % 2)) -eq 0 ] && a=new b=old
	one $a ls ls "$C"; one $b ls ls "$C"
	one $a get get "$R"; one $b get get "$R"
done
for which in old new; do kill "${PID[$which]}" 2>/dev/null; wait "${PID[$which]}" 2>/dev/null || true; done

# median and p99 (nearest rank) of column K of FILE, in ms; the mean of column 2 (CPU)
pcts() { awk -v k="$2" '{ print $k * 1000 }' "$1" | sort -g | awk '{ v[NR] = $1 } END {
	p = int(NR * 0.99 + 0.999); if (p > NR) p = NR
	printf "%.1f %.1f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[p] }'; }
cpumean() { awk '{ s += $2; n++ } END { printf "%.1f", s / n * 1000 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0) printf "x%.3f", b / a; else printf "-" }'; }
total() { sed -n "s/^  $1 .*total \([0-9.]*\) M/\1/p" "$W/cg.$2"; }
echo "== interleaved through both daemons, $RECORDS-record case, session unlocked, $RUNS each ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
for what in ls get; do
	for which in old new; do
		read -r p50 p99 < <(pcts "$W/$what.$which" 1)
		printf '  %-4s %s: wall p50 %7.1f ms  p99 %7.1f ms   CPU mean %6.1f ms\n' "$what" "$which" "$p50" "$p99" "$(cpumean "$W/$what.$which")"
	done
	printf '  %-4s new / old: instructions %s M -> %s M (%s); CPU mean %s\n' "$what" \
		"$(total "$what" old)" "$(total "$what" new)" "$(ratio "$(total "$what" old)" "$(total "$what" new)")" \
		"$(ratio "$(cpumean "$W/$what.old")" "$(cpumean "$W/$what.new")")"
done
