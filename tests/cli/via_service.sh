#!/bin/bash
# casevault through casevaultd, for a CLI scenario test run unchanged in
# service mode (docs/service.md, "The CLI suite through the daemon").
# tests/cli/lib.sh makes this script the test's $CV when
# CASEVAULT_TEST_VIA=service; it is never run by hand.
#
#   init DIR ...  makes DIR a service vault for the test's service account
#                 (init --service --owner), then starts a casevaultd for it
#                 as that account;
#   anything else runs the real client through the daemon of the vault
#                 named by -C/--vault or $CASEVAULT_DIR, as the service
#                 account, whose staff member is the vault's first manager
#                 (as the test's root is in direct mode), or, for --as ID,
#                 as the OS account made for ID by its "staff add";  A vault this script did
#                 not make (a fixture copied in) is used directly, and the
#                 call is counted as such in $CASEVAULT_VIA_RUN/calls.
#
# The daemon keeps its own clock: when the test changes CASEVAULT_TODAY (a
# test-clock vault), the vault's daemon is restarted with the new day.
set -u
REAL=$CASEVAULT_REAL_BIN
CVD=${CASEVAULTD_BIN:-$(dirname "$REAL")/casevaultd}
ACCT=$CASEVAULT_VIA_ACCOUNT
RUN=$CASEVAULT_VIA_RUN

source "$(dirname "${BASH_SOURCE[0]}")/via_key.sh"

as_acct() { setpriv --reuid "$ACCT" --regid "$(id -g "$ACCT")" --init-groups env HOME="$RUN" "$@"; }

# the vault this call names: -C DIR, --vault DIR, --vault=DIR (before "--"), else $CASEVAULT_DIR
vault_of() {
	local dir=${CASEVAULT_DIR:-}
	while [ $# -gt 0 ]; do
		case $1 in
		--) break ;;
		-C | --vault) [ $# -gt 1 ] && dir=$2; shift ;;
		--vault=*) dir=${1#--vault=} ;;
		esac
		shift
	done
	[ -n "$dir" ] && realpath -m "$dir"
}

# the command's words: the first two that are not global options or their values ("staff add")
command_of() {
	local w=
	while [ $# -gt 0 ]; do
		case $1 in
		--) break ;;
		-C | --vault | --as | --passphrase-file) shift ;;
		-*) ;;
		*) w="$w $1"; [ "${w# * }" != "$w" ] && break ;;
		esac
		shift
	done
	echo "${w# }"
}

# daemon_for DIR: start (or restart, for a new CASEVAULT_TODAY) DIR's daemon; its socket in $SOCK
daemon_for() {
	local key today=${CASEVAULT_TODAY:-} pid
	key=$(via_key "$1")
	SOCK=$RUN/$key.sock
	exec 8>>"$RUN/$key.lock"
	flock 8  # one restart at a time, when a test runs commands side by side
	if [ -f "$RUN/$key.pid" ]; then
		[ "$(cat "$RUN/$key.today")" = "$today" ] && kill -0 "$(cat "$RUN/$key.pid")" 2>/dev/null && return 0
		pid=$(cat "$RUN/$key.pid")
		kill "$pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	fi
	rm -f "$SOCK"
	(umask 077 && exec setsid setpriv --reuid "$ACCT" --regid "$(id -g "$ACCT")" --init-groups \
		env HOME="$RUN" "$CVD" --vault "$1" --socket "$SOCK" </dev/null >/dev/null 2>>"$RUN/$key.log" 8>&-) &
	echo $! >"$RUN/$key.pid"
	printf '%s' "$today" >"$RUN/$key.today"
	for _ in $(seq 200); do [ -S "$SOCK" ] && return 0; sleep 0.025; done
	echo "via_service.sh: casevaultd did not start for $1: $(tail -n 2 "$RUN/$key.log")" >&2
	return 1
}

cmd=$(command_of "$@")
if [ "${cmd%% *}" = init ]; then
	"$REAL" "$@" --service --owner "$ACCT" || exit $?
	dir=$(awk -v want=init 'BEGIN { for (i = 1; i < ARGC; i++) if (seen) { if (ARGV[i] !~ /^-/) { print ARGV[i]; exit } } else if (ARGV[i] == want) seen = 1 }' "$@")
	dir=$(realpath -m "$dir")
	echo "$dir" >>"$RUN/vaults"
	printf 'a new vault' >"$RUN/$(via_key "$dir").today" 2>/dev/null
	daemon_for "$dir"
	exit $?
fi
dir=$(vault_of "$@")
if [ -z "$dir" ] || ! grep -qxF "$dir" "$RUN/vaults" 2>/dev/null; then
	echo "direct $cmd" >>"$RUN/calls"
	exec "$REAL" "$@"
fi
daemon_for "$dir" || exit 1
echo "service $cmd" >>"$RUN/calls"

# --as ID: through the daemon a person acts as themselves, so the command
# runs as the OS account made for ID when it was added (below); an ID with
# no such account keeps its --as, which the daemon refuses as it must
user=$ACCT
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--) args+=("$@"); break ;;
	--as | --as=*)
		if [ "$1" = --as ]; then id=${2:-}; n=2; else id=${1#--as=}; n=1; fi
		u=$(awk -v id="$id" '$1 == id { print $2 }' "$RUN/staff" 2>/dev/null)
		if [ -n "$u" ]; then user=$u; shift "$n"; continue; fi ;;
	esac
	args+=("$1")
	shift
done
set -- "${args[@]}"

# staff add without --os-user: an OS account of its own for the new person,
# who then acts through the daemon as themselves
if [ "$cmd" = "staff add" ] && ! printf '%s\n' "$@" | grep -q '^--os-user'; then
	exec 9>>"$RUN/accounts"
	flock 9
	u=$ACCT$(($(grep -c '' "$RUN/accounts") + 1))
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$u" || exit 1
	echo "$u" >&9
	exec 9>&-
	umask 022
	setpriv --reuid "$user" --regid "$(id -g "$user")" --init-groups env HOME="$RUN" CASEVAULT_SOCKET="$SOCK" \
		"$REAL" "$@" --os-user "$u" >"$RUN/out.$$"
	rc=$?
	cat "$RUN/out.$$"
	id=$(grep -oE 'S-[0-9]{4}' "$RUN/out.$$" | head -n 1)
	rm -f "$RUN/out.$$"
	[ "$rc" -eq 0 ] && [ -n "$id" ] && echo "$id $u" >>"$RUN/staff"
	exit "$rc"
fi
umask 022
setpriv --reuid "$user" --regid "$(id -g "$user")" --init-groups env HOME="$RUN" CASEVAULT_SOCKET="$SOCK" "$REAL" "$@"
