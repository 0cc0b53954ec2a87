#!/bin/bash
# The README's quick start demonstration (scripts/demo.sh) against the
# binaries under test: the direct path always, the service path (OS
# accounts, casevaultd) when run as root. A change that breaks what a new
# office runs first fails here, not in front of them.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

(cd "$CV_SOURCE_DIR" && CV_SKIP_DEPS=1 CV_SKIP_BUILD=1 CASEVAULT_BIN="$CV" sh scripts/demo.sh) >"$T/demo.out" 2>&1
RC=$?
check "scripts/demo.sh exits 0 (exit $RC: $(tail -n 3 "$T/demo.out" | tr '\n' ' '))" test "$RC" -eq 0
check "the direct demonstration ran to its end" grep -q '^demo ok: ' "$T/demo.out"
if [ "$(id -u)" -eq 0 ]; then
	check "the service demonstration ran to its end" grep -q '^service demo ok: ' "$T/demo.out"
	check "it left no OS account behind" test -z "$(getent passwd | grep '^cvdemo')"
else
	check "not root: the service part says it was skipped" grep -q 'service part skipped' "$T/demo.out"
fi
finish
