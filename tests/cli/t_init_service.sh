#!/bin/bash
# casevault init --service (docs/commands/init.md, docs/service.md "Setting it
# up"): a vault for casevaultd belongs to a dedicated account with no login
# shell, made by that account or by root with --owner; never root's, never
# an account people log in as.  What init refuses it leaves untouched; what
# it makes, casevaultd serves.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP init --service is tested with OS accounts made here (useradd): it needs root (CI runs as root)"
	finish
fi
svc_accounts
LOGIN=cv$$l
useradd -M -N -d /nonexistent -s /bin/bash "$LOGIN" || { echo "useradd $LOGIN failed"; exit 1; }
trap 'userdel "$LOGIN" 2>/dev/null; svc_cleanup' EXIT
one_line() { [ "$(printf '%s' "$ERR" | grep -c '')" -eq 1 ]; }

# ---- refusals: one line, exit 2, nothing made
run_cv init "$T/r1" --service --no-passphrase
check "as root without --owner: refused (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 2 ] && one_line && grep -q "add --owner ACCOUNT" <<<"$ERR" && [ ! -e "$T/r1" ]'
run_cv init "$T/r2" --service --owner "cv$$nobody" --no-passphrase
check "--owner naming no account: refused (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 2 ] && one_line && grep -q "no such account" <<<"$ERR" && [ ! -e "$T/r2" ]'
run_cv init "$T/r3" --service --owner root --no-passphrase
check "--owner root: refused (exit $RC)" eval '[ "$RC" -eq 2 ] && one_line && [ ! -e "$T/r3" ]'
run_cv init "$T/r4" --owner "$SVC" --no-passphrase
check "--owner without --service: refused (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 2 ] && one_line && grep -q "goes with --service" <<<"$ERR" && [ ! -e "$T/r4" ]'
run_cv init "$T/r5" --service --owner "$LOGIN" --no-passphrase
check "an account with a login shell: refused (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 2 ] && one_line && grep -q "has a login shell (/bin/bash)" <<<"$ERR" && [ ! -e "$T/r5" ]'
# refused by the library, after root made the directory for the account: nothing is left
CASEVAULT_TODAY=2030-01-01 run_cv init "$T/r7" --service --owner "$SVC" --no-passphrase
check "refused once made for the account (CASEVAULT_TODAY on a real vault): no directory left (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "CASEVAULT_TODAY is set" <<<"$ERR" && [ ! -e "$T/r7" ]'
mkdir -m 755 "$T/r8"
CASEVAULT_TODAY=2030-01-01 run_cv init "$T/r8" --service --owner "$SVC" --no-passphrase
check "  an empty directory taken is given back as it was (root 755)" test "$(stat -c "%U %a" "$T/r8")" = "root 755"
mkdir -m 755 "$T/full" && touch "$T/full/keep"
run_cv init "$T/full" --service --owner "$SVC" --no-passphrase
check "as root, a directory that holds files: refused, and not handed over (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && [ "$(stat -c "%U %a" "$T/full")" = "root 755" ]'
as_svc "$CV" init "$T/svc/r6" --service --owner "$UA" --no-passphrase >/dev/null 2>"$T/err"; RC=$?; ERR=$(<"$T/err")
check "as the account, --owner naming another: refused (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 2 ] && one_line && grep -q "this runs as $SVC" <<<"$ERR" && [ ! -e "$T/svc/r6" ]'

# ---- as root for the account, with a passphrase file only root can read
printf 'a long service passphrase\n' >"$T/m.pass" && chmod 600 "$T/m.pass"
run_cv --json init "$V" --service --owner "$SVC" --name "Office Manager" --passphrase-file "$T/m.pass"
check "root makes a service vault for $SVC (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 0 ] && python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(not (d[\"service\"] and d[\"staff\"] == \"S-0001\"))" <<<"$OUT"'
check "the directory is $SVC's, mode 0700" test "$(stat -c '%U %a' "$V")" = "$SVC 700"
check "every file in it is $SVC's ($(find "$V" ! -user "$SVC" | head -n 3))" test -z "$(find "$V" ! -user "$SVC")"
install -m 600 -o "$SVC" "$T/m.pass" "$T/svc/m.pass"
as_svc "$CV" --passphrase-file "$T/svc/m.pass" verify >"$T/out" 2>&1
check "the account opens it as S-0001 with the passphrase root read ($(tail -n 1 "$T/out"))" test $? -eq 0
as_svc "$CV" --as S-0001 --passphrase-file "$T/svc/m.pass" staff add "Ada Worker" --role caseworker \
	--no-passphrase --os-user "$UA" >/dev/null 2>"$T/err" &&
	as_svc "$CV" --as S-0001 --passphrase-file "$T/svc/m.pass" staff attest S-0002 >/dev/null 2>>"$T/err"
check "the manager, acting as the account, adds a staff member for $UA ($(cat "$T/err"))" test $? -eq 0
svc_start || exit 1
svc_cv "$UA" --json case list </dev/null >"$T/out" 2>"$T/err"
check "casevaultd serves the vault init made: $UA acts as herself ($(cat "$T/err"))" \
	eval 'python3 -c "import json,sys; sys.exit(not json.load(sys.stdin)[\"ok\"])" <"$T/out"'
svc_stop

# ---- as the account itself, into an empty directory it owns
mkdir -m 755 "$T/svc/own" && chown "$SVC" "$T/svc/own"
as_svc "$CV" init "$T/svc/own" --service --no-passphrase >"$T/out" 2>"$T/err"
check "the account makes one itself ($(cat "$T/out" "$T/err"))" grep -q "initialised service vault" "$T/out"
check "...and its directory is closed to others (0700)" test "$(stat -c %a "$T/svc/own")" = 700
as_svc env GNUPGHOME="$T/svc/own/gnupg" gpgconf --kill all 2>/dev/null
as_svc env GNUPGHOME="$T/svc/own/purge-key" gpgconf --kill all 2>/dev/null
finish
