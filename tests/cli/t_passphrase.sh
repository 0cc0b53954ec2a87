#!/bin/bash
# The full passphrase path: a protected staff key, loopback pinentry from a
# passphrase file, a wrong passphrase, the cached unlock (gpg-agent), lock,
# no terminal for pinentry.  Also counts the gpg processes each command
# starts: unlock once and sign once per command, never once per record.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

printf 'correct horse battery staple\n' >"$T/pass"
printf 'incorrect horse\n' >"$T/bad"
# init --passphrase-file (checked by tests/cli/fixtures.sh), copied
fixture_vault pass "$V" "$T/pass"
check "a vault made with a passphrase file" test -f "$V/vault.db"
export CASEVAULT_DIR=$V
check "the staff secret key is passphrase-protected (gpg asks for it)" \
	bash -c "! GNUPGHOME='$V/gnupg' gpg --batch --pinentry-mode loopback --passphrase '' --export-secret-keys >/dev/null 2>&1"
check "the vault's GNUPGHOME is 0700" test "$(stat -c %a "$V/gnupg")" = 700
check "the index is 0600" test "$(stat -c %a "$V/vault.db")" = 600

C=$("$CV" --passphrase-file "$T/pass" case open --parent "P" --child "C" --child-dob 2015-05-05 --pr-confirmed)
check "case open with the passphrase file" test -n "$C"
run_cv case list --names </dev/null
check "cached unlock: a second command needs no passphrase" test "$RC" -eq 0
"$CV" lock >/dev/null
expect_fail "after lock, with no terminal, the passphrase is needed" case list --names </dev/null
check "the message says what to do" grep -q "passphrase-file" <<<"$ERR"
expect_fail "after lock, a wrong passphrase is refused" --passphrase-file "$T/bad" case list --names
check "the message names a wrong passphrase" grep -q "wrong passphrase" <<<"$ERR"
run_cv --passphrase-file "$T/pass" case list --names
check "the right passphrase unlocks again" test "$RC" -eq 0
CASEVAULT_PASSPHRASE_FILE=$T/pass run_cv case show "$C"
check "CASEVAULT_PASSPHRASE_FILE works too" test "$RC" -eq 0

# import --check unlocks only when the duplicate check must open a sealed hash:
# a backlog for a new case is checked without the passphrase.
C2=$("$CV" --passphrase-file "$T/pass" case open --parent "Q" --child "D" --child-dob 2016-06-06 --pr-confirmed)
mkdir -p "$T/chk"
printf 'A letter for the new case.\n' >"$T/chk/new.txt"
printf 'case,path,class,section,title,date\n%s,new.txt,letter,case,New,2026-10-01\n' "$C2" >"$T/chk/m.csv"
"$CV" lock >/dev/null
run_cv import --check "$T/chk/m.csv" </dev/null
check "import --check of a new case needs no passphrase (exit $RC)" test "$RC" -eq 0
"$CV" --passphrase-file "$T/pass" file "$C2" "$T/chk/new.txt" --class letter >/dev/null
"$CV" lock >/dev/null
expect_fail "  but a check that must open a sealed hash asks for it" import --check "$T/chk/m.csv" </dev/null
check "  (the passphrase message)" grep -q "passphrase" <<<"$ERR"
run_cv --passphrase-file "$T/pass" import --check "$T/chk/m.csv"
check "  and with it finds the document already filed (exit $RC)" test "$RC" -eq 0
check "  (reported as a skip)" grep -q "line 2: would be skipped: the same document is already filed in $C2" <<<"$ERR"

# lock where gpg-agent listens under /run/user/UID.  GnuPG keeps the agent's
# socket in the vault's GnuPG home only where /run/user/UID does not exist;
# on a desktop (systemd-logind makes it) the socket is in
# /run/user/UID/gnupg/d.HASH/.  lock used to look only in the home: it found
# no agent there, said "forgotten", and the passphrase stayed cached.  Without
# such a directory here (CI runs as root in a container), the scenario runs in
# a private mount namespace with a tmpfs over /run, which the host never sees.
lock_under_run_user() { # VAULT (a copy of the fixture): prints one result per line
	local v=$1
	export CASEVAULT_DIR=$v
	echo "socket=$(gpgconf --homedir "$v/gnupg" --list-dirs agent-socket)"
	"$CV" --passphrase-file "$T/pass" case open --parent "P" --child "C" --child-dob 2015-05-05 --pr-confirmed >/dev/null 2>&1
	"$CV" case list --names </dev/null >/dev/null 2>&1
	echo "cached=$?"
	"$CV" lock >/dev/null 2>&1
	echo "lock=$?"
	"$CV" case list --names </dev/null >/dev/null 2>&1
	echo "after=$?"
	gpgconf --homedir "$v/gnupg" --kill all 2>/dev/null
}
uid=$(id -u)
fixture_vault pass "$T/desk" "$T/pass" || fail "no vault for the desktop layout"
if [ -d "/run/user/$uid" ]; then
	res=$(lock_under_run_user "$T/desk")
elif [ "$uid" -eq 0 ] && unshare -m true 2>/dev/null; then
	export -f lock_under_run_user
	export CV T
	res=$(unshare -m bash -c 'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p -m 700 /run/user/0 &&
		lock_under_run_user "$T/desk"')
else
	res=""
	echo "# SKIP lock under /run/user: no /run/user/$uid and no private mount namespace (needs root)"
fi
if [ -n "$res" ]; then
	check "desktop layout: gpg-agent's socket is under /run/user/$uid ($(grep '^socket=' <<<"$res"))" \
		grep -q "^socket=/run/user/$uid/gnupg/" <<<"$res"
	check "  the unlock is cached there" grep -qx "cached=0" <<<"$res"
	check "  lock succeeds" grep -qx "lock=0" <<<"$res"
	check "  and after lock the passphrase is needed again ($(grep '^after=' <<<"$res"))" grep -qx "after=[1-9][0-9]*" <<<"$res"
fi
# Two agents for one vault: one started by a session without /run/user/UID
# (ssh, cron: its socket in the vault's gnupg/), one by a desktop session.
# lock must clear both.
two_agents() { # VAULT (a copy of the fixture)
	local v=$1
	export CASEVAULT_DIR=$v
	"$CV" --passphrase-file "$T/pass" case list --names >/dev/null 2>&1      # agent 1, socket in gnupg/
	mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p -m 700 "/run/user/$(id -u)" || { echo "mount-failed"; return; }
	"$CV" --passphrase-file "$T/pass" case list --names >/dev/null 2>&1      # agent 2, under /run/user
	"$CV" lock >/dev/null 2>&1
	echo "lock=$?"
	gpgconf --homedir "$v/gnupg" --kill all 2>/dev/null                      # agent 2 gone
	local i
	for i in $(seq 50); do umount /run 2>/dev/null && break; sleep 0.1; done  # once agent 2 has exited
	[ -d "/run/user/$(id -u)" ] && { echo "umount-failed"; return; }
	"$CV" case list --names </dev/null >/dev/null 2>&1                          # agent 1 again
	echo "after=$?"
	gpgconf --homedir "$v/gnupg" --kill all 2>/dev/null
}
if [ ! -d "/run/user/$uid" ] && [ "$uid" -eq 0 ] && unshare -m true 2>/dev/null; then
	fixture_vault pass "$T/two" "$T/pass" || fail "no vault for two agents"
	export -f two_agents
	res=$(unshare -m bash -c 'two_agents "$T/two"')
	check "two agents for one vault (ssh and desktop sessions): lock succeeds" grep -qx "lock=0" <<<"$res"
	check "  and the agent of the other session forgot the passphrase too ($(grep '^after=' <<<"$res"))" \
		grep -qx "after=[1-9][0-9]*" <<<"$res"
fi
export CASEVAULT_DIR=$V

# Claiming to be someone else: --as names a staff member, the key proves it.
# A caseworker who knows only their own passphrase must not release a hold,
# close a case or renew an agreement as the manager (before, every action
# that decrypts nothing trusted --as).
printf 'worker horse staple battery\n' >"$T/wpass"
printf 'auditor staple horse battery\n' >"$T/apass"
W=$(echo "Wendy Worker" | "$CV" --passphrase-file "$T/pass" staff add - --role caseworker --new-passphrase-file "$T/wpass")
A=$(echo "Andy Auditor" | "$CV" --passphrase-file "$T/pass" staff add - --role auditor --new-passphrase-file "$T/apass")
"$CV" --passphrase-file "$T/pass" staff attest "$W" >/dev/null
"$CV" --passphrase-file "$T/pass" hold add "$C" --reason "court order" >/dev/null
hid=$(sqlite3 -readonly "$V/vault.db" "SELECT max(id) FROM holds")
"$CV" lock >/dev/null
before=$(tree_hash "$V")
expect_fail "--as the manager, no passphrase: hold release refused" --as S-0001 hold release "$hid" </dev/null
expect_fail "--as the manager with the caseworker's passphrase: refused" --as S-0001 --passphrase-file "$T/wpass" hold release "$hid"
check "  (a wrong passphrase)" grep -q "wrong passphrase" <<<"$ERR"
expect_fail "--as the manager: case close refused" --as S-0001 --passphrase-file "$T/wpass" case close "$C"
expect_fail "--as the manager: renewing the manager's agreement refused" --as S-0001 --passphrase-file "$T/wpass" staff attest S-0001
expect_fail "--as the auditor, no passphrase: renewing the auditor's agreement refused" --as "$A" staff attest "$A" </dev/null
check "  none of it changed anything" test "$before" = "$(tree_hash "$V")"
check "  the hold stands" test "$(sqlite3 -readonly "$V/vault.db" "SELECT released_at IS NULL FROM holds WHERE id = $hid")" = 1
run_cv --as "$W" --passphrase-file "$T/wpass" hold release "$hid"
check "the caseworker as themselves: refused by role (exit $RC)" bash -c "test $RC -ne 0 && grep -q 'is a caseworker and may not' '$T/err'"
run_cv --as "$A" --passphrase-file "$T/apass" staff attest "$A"
check "the auditor with their own passphrase renews their agreement (a signature: no keyslip) (exit $RC)" test "$RC" -eq 0
"$CV" lock >/dev/null
expect_fail "--as the auditor, no passphrase: the audit trail refused" --as "$A" audit show </dev/null
run_cv --as "$A" --passphrase-file "$T/apass" audit show
check "  and shown with the auditor's passphrase (exit $RC)" test "$RC" -eq 0
run_cv --as S-0001 --passphrase-file "$T/pass" hold release "$hid"
check "the manager with their passphrase releases the hold (exit $RC)" test "$RC" -eq 0
"$CV" lock >/dev/null

# gpg processes per command (strace counts every exec of gpg).
if command -v strace >/dev/null; then
	make_docs "$T/d"
	export CASEVAULT_PASSPHRASE_FILE=$T/pass
	# Count gpg operations (runs with a status channel); GPGME's own start-up
	# probes (gpgconf, gpg --version: once per process) are reported apart.
	gpgs() {
		strace -f -qq -e trace=execve -o "$T/trace" "$CV" "$@" >/dev/null 2>&1
		echo "# $*: $(grep -c 'execve(' "$T/trace") processes in all" >&2
		grep 'execve("[^"]*/gpg"' "$T/trace" | grep -c -- '--status-fd'
	}
	n=$(gpgs file "$C" "$T/d/letter.pdf" "$T/d/scan.png" "$T/d/scan.jpg" "$T/d/note.txt" --class letter)
	check "file 4 documents: 4 gpg runs (unlock, encrypt, find signing key, sign), got $n" test "$n" -eq 4
	for i in $(seq 1 21); do for j in $(seq 1 30); do printf 'note %s of %s\n' "$j" "$i"; done >"$T/d/n$i.txt"; done
	n=$(gpgs file "$C" "$T"/d/n[0-9]*.txt --class case-note)
	check "file 21 documents: still 4 gpg runs, got $n" test "$n" -eq 4
	n=$(gpgs ls "$C")
	check "ls of 25 records: 1 gpg run (the unlock), got $n" test "$n" -eq 1
	n=$(gpgs get R-000003 --purpose test-copy -o "$T/got.png")
	check "get: 3 gpg runs (receipt check, unlock, decrypt), got $n" test "$n" -eq 3
	n=$(gpgs note "$C" --class phone-call --text "hello")
	check "note: 4 gpg runs, got $n" test "$n" -eq 4
else
	echo "# strace is missing: gpg process counts not measured"
fi

# A reader's routine checkpoint is signed at its end (vault/core/checkpoint.c,
# cv_vault_finish), with the passphrase gpg-agent holds from the unlock: the
# command stops itself where it would sign (crash point), gpg-agent is
# stopped meanwhile (its cache is gone, as after an idle lock), and let go it
# ends well and says the checkpoint waits for the next unlock, which signs.
stopped=
for _ in $(seq 15); do
	CASEVAULT_CRASHPOINT=checkpoint-sign:stop "$CV" --passphrase-file "$T/pass" ls "$C" >"$T/out" 2>"$T/err" &
	p=$!
	for _ in $(seq 100); do
		st=$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)
		[ -z "$st" ] || [ "$st" = T ] && break
		sleep 0.05
	done
	if [ "$st" = T ]; then
		stopped=1
		GNUPGHOME=$V/gnupg gpgconf --kill gpg-agent
		kill -CONT "$p"
	fi
	wait "$p"; RC=$?
	[ -n "$stopped" ] && break
done
check "a reader reached its checkpoint at its end" test -n "$stopped"
check "with gpg-agent's cache gone meanwhile it still ends well (exit $RC)" test "$RC" -eq 0
check "...says the checkpoint waits for the next unlock ($(cat "$T/err"))" grep -q "checkpoint could not be signed" "$T/err"
n=$(db "SELECT count(*) FROM checkpoints")
run_cv --passphrase-file "$T/pass" ls "$C"
check "the next unlock signs it ($n, then $(db "SELECT count(*) FROM checkpoints") checkpoints)" \
	test "$(db "SELECT count(*) FROM checkpoints")" -gt "$n"
finish
