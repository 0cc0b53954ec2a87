#!/bin/bash
# The whole fault-injection sweep (docs/recovery.md, "Fault injection"):
# every mutating command killed, and each of its disk calls failed with EIO
# and with ENOSPC, at every call of its clean run (tests/cli/t_fault.sh
# tries one call per command).  Prints a table: per command its calls, the
# points tried, survived and failed, and one line per failed point.
#
# Usage: bench/fault_sweep.sh [--only REGEX] [--stride N] [--kinds "kill eio enospc"]
#   --only REGEX   only the commands whose name matches (e.g. '^file$|^purge$')
#   --stride N     every Nth call (default 1: every call)
#   --kinds LIST   the faults to inject (default "kill eio enospc")
# Environment: CASEVAULT_BIN (default build/casevault), CV_BUILD_DIR
# (default build/, where tests/faultshim.so is).  Exit 1 when a point failed.
ONLY=.
while [ $# -gt 0 ]; do
	case $1 in
	--only) ONLY=$2; shift 2 ;;
	--stride) export FAULT_STRIDE=$2; shift 2 ;;
	--kinds) export FAULT_KINDS=$2; shift 2 ;;
	-h|--help) sed -n '2,/^ONLY=/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "fault_sweep.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
CV_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CV_SOURCE_DIR
export CASEVAULT_BIN=${CASEVAULT_BIN:-$CV_SOURCE_DIR/build/casevault}
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/fault/fault_lib.sh"
echo "# casevault fault sweep, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$CV_SOURCE_DIR" rev-parse --short HEAD 2>/dev/null)"
fault_template
fault_coverage
fault_all all "$ONLY"
finish
