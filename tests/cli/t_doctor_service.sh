#!/bin/bash
# casevault doctor through casevaultd (docs/commands/doctor.md,
# docs/service.md): the manager's doctor through the socket checks the
# service vault as the daemon sees it (its files owned by the service
# account, the timer of the daemon's machine) and gives, check by check,
# the same states as in direct mode; a caseworker is refused with one line;
# a group-readable vault.db is named through the service too.  Real OS
# accounts, a real daemon, real gpg.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP doctor through the service makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
svc_setup
SD=$T/sd
mkdir -p "$SD/run/systemd/system" "$SD/etc/systemd/system"
chmod -R 755 "$SD"
svc_start CASEVAULT_SYSTEMD_ROOT="$SD" || exit 1
# states FILE: "STATE CHECK" of each line of doctor's output
states() { awk 'NF > 2 { print $1, $2 }' "$1"; }

as_user "$SVC" env HOME="$T/svc" CASEVAULT_SOCKET="$SOCK" "$CV" doctor >"$T/s.out" 2>"$T/s.err"; S=$?
as_svc env CASEVAULT_SYSTEMD_ROOT="$SD" "$CV" doctor >"$T/d.out" 2>"$T/d.err"; D=$?
check "through the service: exit 1, no backup yet ($(grep backup "$T/s.out" | head -c 60))" \
	bash -c "[ $S -eq 1 ] && grep -Eq '^todo +backup +no backup yet' '$T/s.out'"
check "through the service: the vault's files are the service account's ($(id -u "$SVC"))" \
	grep -Eq "^ok +permissions .*uid $(id -u "$SVC")\)" "$T/s.out"
check "through the service: the daemon's timer (not enabled in its systemd tree)" grep -Eq '^todo +timer ' "$T/s.out"
check "direct mode gives the same state for every check, and the same exit status" \
	bash -c "[ $S -eq $D ] && [ \"\$(states '$T/s.out')\" = \"\$(states '$T/d.out')\" ] && [ \$(wc -l <'$T/s.out') -ge 10 ]"

svc_cv "$UA" doctor >"$T/a.out" 2>"$T/a.err"; R=$?
check "a caseworker through the service is refused with one line ($(head -c 90 "$T/a.err"))" \
	bash -c "[ $R -ne 0 ] && [ \$(wc -l <'$T/a.err') -eq 1 ] && [ ! -s '$T/a.out' ]"

chmod g+r "$V/vault.db"
as_user "$SVC" env HOME="$T/svc" CASEVAULT_SOCKET="$SOCK" "$CV" doctor >"$T/s.out" 2>"$T/s.err"; S=$?
check "vault.db group-readable: named through the service, exit 1" \
	bash -c "[ $S -eq 1 ] && grep -Eq '^todo +permissions .*vault.db \(group/world-readable' '$T/s.out'"
chmod g-r "$V/vault.db"
finish
