#!/bin/bash
# The whole fault-injection sweep (docs/recovery.md, "Fault injection"):
# every mutating command killed, and each of its disk calls failed with EIO
# and with ENOSPC, at every call of its clean run (tests/cli/t_fault.sh
# tries one call per command).  Prints a table: per command its calls, the
# points tried, survived and failed, and one line per failed point.
#
# Usage: bench/fault_sweep.sh [--only REGEX] [--stride N | --sites] [--kinds LIST] [--jobs N] [--plan]
#   --only REGEX   only the commands whose name matches (e.g. '^file$|^purge$')
#   --stride N     every Nth call (default 1: every call)
#   --sites        by site (FAULT_MODE=sites): the first and the last call of
#                  each distinct call stack of the clean run (faultshim.c)
#   --kinds LIST   the faults to inject (default "kill eio enospc")
#   --jobs N       N shares of the commands side by side (CV_FAULT_SHARD), each
#                  in its own temporary directory, their lines prefixed [K/N],
#                  then one table of them all
#   --plan         the clean runs only: per command its calls, sites and points
# Environment: CASEVAULT_BIN (default build/casevault), CV_BUILD_DIR
# (default build/, where tests/faultshim.so is).  Exit 1 when a point failed.
ONLY=. JOBS=1 ARGS=()
while [ $# -gt 0 ]; do
	case $1 in
	--jobs) JOBS=$2; shift 2; continue ;;
	esac
	ARGS+=("$1")
	case $1 in
	--only) ONLY=$2; ARGS+=("$2"); shift 2 ;;
	--stride) export FAULT_STRIDE=$2; ARGS+=("$2"); shift 2 ;;
	--kinds) export FAULT_KINDS=$2; ARGS+=("$2"); shift 2 ;;
	--sites) export FAULT_MODE=sites; shift ;;
	--plan) export FAULT_PLAN=1; shift ;;
	-h|--help) sed -n '2,/^ONLY=/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "fault_sweep.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
CV_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CV_SOURCE_DIR
[ "$JOBS" -le 1 ] || exec "$CV_SOURCE_DIR/bench/fault_jobs.sh" "$JOBS" "$0" "${ARGS[@]}"
export CASEVAULT_BIN=${CASEVAULT_BIN:-$CV_SOURCE_DIR/build/casevault}
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/fault/fault_lib.sh"
echo "# casevault fault sweep, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$CV_SOURCE_DIR" rev-parse --short HEAD 2>/dev/null)"
fault_template
case ${CV_FAULT_SHARD:-0/1} in 0/*) fault_coverage ;; esac   # once, in the first share of --jobs
fault_all "${FAULT_MODE:-all}" "$ONLY"
finish
