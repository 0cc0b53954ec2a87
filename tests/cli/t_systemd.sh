#!/bin/bash
# The scheduled purge's systemd units parse and are consistent
# (systemd-analyze verify), with ExecStart pointed at the binary under test.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if ! command -v systemd-analyze >/dev/null; then
	echo "# systemd-analyze is not installed: units not checked"
	finish
fi
U=$T/units
mkdir -p "$U"
sed "s|^ExecStart=[^ ]*|ExecStart=$CV|" "$CV_BUILD_DIR/casevault-purge.service" >"$U/casevault-purge.service"
cp "$CV_SOURCE_DIR/packaging/systemd/casevault-purge.timer" "$U/"
check "the service runs 'casevault purge --scheduled'" grep -q -- "purge --scheduled" "$U/casevault-purge.service"
check "the timer starts the service" grep -q "casevault-purge.service\|^\[Timer\]" "$U/casevault-purge.timer"
out=$(SYSTEMD_LOG_LEVEL=err systemd-analyze verify "$U/casevault-purge.service" "$U/casevault-purge.timer" 2>&1)
check "systemd-analyze verify accepts both units ($out)" test -z "$out"
finish
