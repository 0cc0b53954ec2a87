#!/usr/bin/env bash
# Instructions per request through casevaultd (docs/service.md, Sessions),
# counted by callgrind: a figure a loaded machine does not disturb, unlike
# wall time.  casevaultd runs under valgrind --tool=callgrind
# --trace-children=yes, so every process a request costs is counted: the
# connection process and the worker (forks of the daemon) and any program
# they start (gpg).  With the session unlocked, "ls" of a case of RECORDS
# notes and "get" of one note are each run RUNS times.  A forked process's
# counts start from its parent's at the fork (the daemon's start-up, about
# 22 M instructions, is in each), so per request this reports the worker's
# own instructions (the largest fork's count less the smallest's, the
# connection process, which is the start-up and little else) and the
# programs the request ran (exec'd: gpg), their count and instructions.
#
#   bench/bench_service_callgrind.sh [--records N] [--runs N] [--keep DIR]
#   (defaults 200 and 3; --keep: the callgrind files of the last ls and get
#   are copied to DIR/ls and DIR/get, for callgrind_annotate)
# Binaries: $CASEVAULT_BIN and $CASEVAULTD_BIN (default build/casevault and
# build/casevaultd); compare two builds by running it with each.  Run as
# root, everything runs as a throwaway account (useradd).
set -euo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RECORDS=200 RUNS=3 KEEP=
while [ $# -gt 0 ]; do
	case $1 in
	--records) RECORDS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--keep) KEEP=$2; shift 2 ;;
	*) echo "usage: bench_service_callgrind.sh [--records N] [--runs N] [--keep DIR]" >&2; exit 2 ;;
	esac
done
case "$RECORDS$RUNS" in *[!0-9]*|'') echo "bench_service_callgrind: numbers only" >&2; exit 2 ;; esac
command -v valgrind >/dev/null || { echo "bench_service_callgrind: valgrind is not installed" >&2; exit 2; }
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
CVD=${CASEVAULTD_BIN:-$REPO/build/casevaultd}
source "$REPO/bench/lib.sh"

bench_account cvbcg
export CASEVAULT_POLICY_DIR=$REPO/policies

bench_service_vault "$RECORDS"

as_acct mkdir -p "$W/run" "$W/cg"
"${ACMD[@]}" valgrind -q --tool=callgrind --trace-children=yes --callgrind-out-file="$W/cg/%p.out" \
	"$CVD" --vault "$V" --socket "$W/run/sock" 2>"$W/daemon.log" >/dev/null </dev/null &
DPID=$!
for _ in $(seq 300); do [ -S "$W/run/sock" ] && break; sleep 0.1; done
export CASEVAULT_SOCKET=$W/run/sock
as_acct "$CV" --passphrase-file "$W/pass" get "$R" >/dev/null   # proves the passphrase: the session
sleep 2

# measure NAME ARGS...: RUNS requests; the instructions and processes each cost, on average
measure() {
	local name=$1 before after
	shift
	: >"$W/$name.ir"
	for _ in $(seq "$RUNS"); do
		ls "$W/cg" | sort >"$W/before"
		as_acct "$CV" "$@" >/dev/null
		sleep 1   # the connection process writes its counts as it exits, after the reply
		ls "$W/cg" | sort | comm -13 "$W/before" - >"$W/new"
		( cd "$W/cg" && for f in $(cat "$W/new"); do
			echo "$(grep -m1 '^summary:' "$f" | cut -d' ' -f2) $(grep -m1 '^cmd:' "$f" | awk '{ print $2 }')"
		done ) | awk -v d="$CVD" '$2 == d { if (!n++ || $1 > hi) hi = $1; if (n == 1 || $1 < lo) lo = $1; next }
			{ px++; pi += $1 } END { print hi - lo, px + 0, pi + 0 }' >>"$W/$name.ir"
	done
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP/$name" && (cd "$W/cg" && cp $(cat "$W/new") "$KEEP/$name/")
	fi
}
measure ls ls "$C"
measure get get "$R"
echo "casevaultd under callgrind: $CV, $RECORDS-record case, session unlocked, $RUNS requests each ($(date -u '+%Y-%m-%d %H:%M UTC'))"
for what in ls get; do
	awk -v w="$what" '{ i += $1; p += $2; pi += $3; n++ } END {
		printf "  %-4s worker %.1f M instructions; %.1f programs run, %.1f M instructions; total %.1f M\n",
			w, i / n / 1e6, p / n, pi / n / 1e6, (i + pi) / n / 1e6 }' "$W/$what.ir"
done
