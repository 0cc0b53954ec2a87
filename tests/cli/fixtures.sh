#!/bin/bash
# CTest fixture (FIXTURES_SETUP cli_vaults, see tests/CMakeLists.txt): the
# passphrase-protected vaults the CLI scenarios start from, made once per
# test run.  init with a passphrase spends its time in gpg-agent protecting
# the new key (about 4 s on the 2-core CI machine, against 0.5 s with
# --no-passphrase); a test copies the vault instead (fixture_vault in
# lib.sh) and its first command starts a gpg-agent for the copy.
#
# fixtures.sh OUTDIR [NAME...]: makes OUTDIR/NAME (the vault) and
# OUTDIR/NAME.pass (its passphrase file) for each NAME, or for all.  The
# vaults are made in this run's short temporary directory (gpg-agent
# sockets), their agents stopped, then copied without sockets.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

OUTDIR=${1:?usage: fixtures.sh OUTDIR [NAME...]}
shift

# NAME PASSPHRASE INIT-OPTION...
FIXTURES=(
	"pass|correct horse battery staple|--name|Pass Manager"     # t_passphrase, t_badinput
	"recovery|tidy lantern 42 orbit|--name|X"                   # t_recovery
	"idle3|manager passphrase one|--idle|3"                     # t_staff
)

want() { # want NAME: NAME was asked for (or nothing was)
	local n
	[ "${#NAMES[@]}" -eq 0 ] && return 0
	for n in "${NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}
NAMES=("$@")
declare -A opts=()

# The inits run side by side (most of their time is gpg-agent's, one per vault).
declare -a names=() made=()
for f in "${FIXTURES[@]}"; do
	IFS='|' read -r -a fields <<<"$f"
	name=${fields[0]} pass=${fields[1]}
	want "$name" || continue
	rm -rf "${OUTDIR:?}/$name" "$OUTDIR/$name.pass"
	printf '%s\n' "$pass" >"$T/$name.pass"
	chmod 600 "$T/$name.pass"
	{ "$CV" init "$T/$name" --passphrase-file "$T/$name.pass" "${fields[@]:2}" >/dev/null 2>"$T/$name.err"
	  echo $? >"$T/$name.rc"; } &
	names+=("$name")
	opts[$name]="${fields[*]:2}"
done
wait
for name in "${names[@]}"; do
	rc=$(cat "$T/$name.rc")
	check "init with a passphrase file: $name (${opts[$name]}) (exit $rc: $(cat "$T/$name.err"))" test "$rc" -eq 0
	[ "$rc" -eq 0 ] && made+=("$name")
done
# Stop each agent and wait (bounded) until it has removed its socket, so the
# copies hold no trace of it.
for name in "${made[@]}"; do
	GNUPGHOME=$T/$name/gnupg gpgconf --kill all 2>/dev/null
	for _ in $(seq 100); do [ -e "$T/$name/gnupg/S.gpg-agent" ] || break; sleep 0.05; done
done
if [ "$FAILS" -eq 0 ]; then
	mkdir -p "$OUTDIR"
	for name in "${made[@]}"; do
		rm -rf "${OUTDIR:?}/$name" "$OUTDIR/$name.new"
		mkdir -m 700 "$OUTDIR/$name.new"
		(cd "$T/$name" && tar cf - --exclude='S.*' .) | (cd "$OUTDIR/$name.new" && tar xf -)
		cp -p "$T/$name.pass" "$OUTDIR/$name.pass"
		mv "$OUTDIR/$name.new" "$OUTDIR/$name"
		check "fixture $name is in place" test -f "$OUTDIR/$name/vault.db"
	done
fi
finish
