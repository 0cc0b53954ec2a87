#!/bin/bash
# The scheduled purge's systemd units, and casevaultd's (docs/service.md),
# parse and are consistent (systemd-analyze verify), with ExecStart pointed
# at the binary under test; casevaultd's hardening rates an exposure of 2.0
# or lower (systemd-analyze security --offline=true).
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

sed "s|^ExecStart=[^ ]*|ExecStart=$CV_BUILD_DIR/casevaultd|" "$CV_BUILD_DIR/casevaultd.service" >"$U/casevaultd.service"
cp "$CV_SOURCE_DIR/packaging/systemd/casevaultd.socket" "$U/"
check "casevaultd runs as the casevault account" grep -qx "User=casevault" "$U/casevaultd.service"
check "its socket is the one casevault looks for" grep -qx "ListenStream=/run/casevault/casevault.sock" "$U/casevaultd.socket"
check "no PrivateUsers= (clients would all be 'nobody' to SO_PEERCRED)" not grep -q "^PrivateUsers=" "$U/casevaultd.service"
out=$(cd "$U" && SYSTEMD_LOG_LEVEL=err systemd-analyze verify casevaultd.service casevaultd.socket 2>&1)
check "systemd-analyze verify accepts casevaultd's units ($out)" test -z "$out"
level=$(cd "$U" && systemd-analyze security --offline=true casevaultd.service 2>/dev/null |
	sed -n 's/.*Overall exposure level for casevaultd.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: casevaultd's exposure ${level:-?} is 2.0 or lower" \
	eval '[ -n "$level" ] && awk -v l="$level" "BEGIN { exit !(l <= 2.0) }"'
finish
