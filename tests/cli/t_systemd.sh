#!/bin/bash
# The scheduled purge's systemd units, and casevaultd's (docs/service.md),
# parse and are consistent (systemd-analyze verify), with ExecStart pointed
# at the binary under test; the purge runs as the service account against
# the service vault; both services' hardening rates an exposure of 2.0 or
# lower (systemd-analyze security --offline=true).
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
check "the purge runs as the service account, as casevaultd does" \
	eval 'grep -qx "User=casevault" "$U/casevault-purge.service" && grep -qx "Group=casevault" "$U/casevault-purge.service"'
check "...against the service vault, the only path it may write" \
	eval 'grep -qx "Environment=CASEVAULT_DIR=/srv/casevault" "$U/casevault-purge.service" &&
		[ "$(grep "^ReadWritePaths=" "$U/casevault-purge.service")" = "ReadWritePaths=/srv/casevault" ]'
exposure() { # exposure UNIT: the overall exposure level systemd-analyze gives the unit in $U
	(cd "$U" && systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n "s/.*Overall exposure level for $1: \([0-9.]*\).*/\1/p")
}
level=$(exposure casevault-purge.service)
check "systemd-analyze security: the purge's exposure ${level:-?} is 2.0 or lower" \
	eval '[ -n "$level" ] && awk -v l="$level" "BEGIN { exit !(l <= 2.0) }"'

# The purge's command line, as the unit runs it (its User=, its CASEVAULT_DIR), on a
# service vault made by 'init --service' for an account made here (root only).
if [ "$(id -u)" -eq 0 ]; then
	source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
	svc_accounts
	export CASEVAULT_TODAY=2015-01-10
	as_svc "$CV" init "$V" --service --no-passphrase --test-clock >/dev/null
	P=$(as_svc "$CV" case open --parent "Pat Due" --child "Kim Due" --child-dob 2010-05-06 --pr-confirmed)
	printf 'A call, due in 2021.\n' | as_svc "$CV" note "$P" --class phone-call >/dev/null
	CASEVAULT_TODAY=2015-02-01 as_svc "$CV" case close "$P" --date 2015-02-01 >/dev/null
	export CASEVAULT_TODAY=2022-03-01
	read -r -a cmd < <(sed -n 's/^ExecStart=//p' "$U/casevault-purge.service")
	user=$(sed -n 's/^User=//p' "$U/casevault-purge.service")
	dir=$(sed -n 's/^Environment=CASEVAULT_DIR=//p' "$U/casevault-purge.service")
	out=$(sed "s|$dir|$V|" <<<"CASEVAULT_DIR=$dir" | { read -r env; as_svc env "$env" "${cmd[@]}" 2>&1; })
	as_svc "$CV" staff attest S-0001 >/dev/null   # seven years on: the manager renews, to look
	check "the unit's command ($user's ${cmd[*]##*/}) purges the service vault as $SVC ($out)" \
		eval '[ "$(as_svc "$CV" --json ls "$P" | python3 -c "import json,sys; print(len(json.load(sys.stdin)[\"records\"]))")" = 0 ]'
	out=$(as_svc "$CV" certificates show 1 --signatures 2>&1)
	check "...and its certificate is signed by the vault's purge key ($(grep -m1 "signed by" <<<"$out"))" \
		grep -q "signed by purge-key" <<<"$out"
	unset CASEVAULT_TODAY
fi

sed "s|^ExecStart=[^ ]*|ExecStart=$CV_BUILD_DIR/casevaultd|" "$CV_BUILD_DIR/casevaultd.service" >"$U/casevaultd.service"
cp "$CV_SOURCE_DIR/packaging/systemd/casevaultd.socket" "$U/"
check "casevaultd runs as the casevault account" grep -qx "User=casevault" "$U/casevaultd.service"
check "its socket is the one casevault looks for" grep -qx "ListenStream=/run/casevault/casevault.sock" "$U/casevaultd.socket"
check "no PrivateUsers= (clients would all be 'nobody' to SO_PEERCRED)" not grep -q "^PrivateUsers=" "$U/casevaultd.service"
out=$(cd "$U" && SYSTEMD_LOG_LEVEL=err systemd-analyze verify casevaultd.service casevaultd.socket 2>&1)
check "systemd-analyze verify accepts casevaultd's units ($out)" test -z "$out"
level=$(exposure casevaultd.service)
check "systemd-analyze security: casevaultd's exposure ${level:-?} is 2.0 or lower" \
	eval '[ -n "$level" ] && awk -v l="$level" "BEGIN { exit !(l <= 2.0) }"'
finish
