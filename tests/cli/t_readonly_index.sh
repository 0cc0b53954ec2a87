#!/bin/bash
# The index that cannot be written (docs/recovery.md, "When the index cannot
# be written"): SQLite's one message, "attempt to write a readonly database",
# is followed by its cause and what to do.  A real OS account (useradd) owns
# a vault and runs casevault directly; with vault.db made read-only for it,
# a writing command fails in one line that says vault.db could be opened for
# reading only and must belong to the vault's owner, and changes nothing;
# with vault.db given back but not the log SQLite made with its mode, the
# line names the log; all given back, the same command works and verify
# passes.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the read-only index test makes an OS account (useradd): root sees every file as writable, the account does not"
	finish
fi
U=cvro$$
useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$U" || { echo "useradd $U failed"; exit 1; }
trap 'pkill -9 -u "$U" 2>/dev/null; sleep 0.2; userdel "$U" 2>/dev/null; cleanup' EXIT
chmod 711 "$T"
V=$T/v
mkdir -m 700 "$V" && chown "$U" "$V"
as_u() { setpriv --reuid "$U" --regid "$(id -g "$U")" --init-groups env HOME="$T" CASEVAULT_DIR="$V" "$@"; }

as_u "$CV" init "$V" --no-passphrase --name "Ro Manager" >/dev/null 2>"$T/err"
check "the account makes a vault of its own ($(head -c 120 "$T/err"))" test -f "$V/vault.db"
C=$(as_u "$CV" case open --parent "Ro Parent" --child "Ro Child" --child-dob 2015-01-02 --pr-confirmed 2>"$T/err")
check "and opens a case ($C)" test -n "$C"
as_u env GNUPGHOME="$V/gnupg" gpgconf --kill all

before=$(tree_hash "$V")
chmod 400 "$V/vault.db"
as_u "$CV" note "$C" --class phone-call --text "a call" >"$T/out" 2>"$T/err"
RC=$?
check "a note with vault.db read-only for its owner fails (exit $RC)" test "$RC" -eq 1
check "... in one line ($(head -c 300 "$T/err"))" test "$(grep -c '' "$T/err")" -eq 1
check "... that says it could be opened for reading only and must be the owner's" \
	grep -q "attempt to write a readonly database: vault.db could be opened for reading only; it must belong to the vault's owner" "$T/err"
as_u env GNUPGHOME="$V/gnupg" gpgconf --kill all
check "... and changed nothing" test "$(tree_hash "$V")" = "$before"

# SQLite made the index's log with the index's mode: vault.db given back alone,
# the log still refuses, and the command says which files
chmod 600 "$V/vault.db"
ls -l "$V"/vault.db* | sed 's/^/# /'
as_u "$CV" note "$C" --class phone-call --text "a call" >"$T/out" 2>"$T/err"
RC=$?
check "with vault.db given back but not its log, the note fails (exit $RC: $(head -c 300 "$T/err"))" \
	eval '[ "$RC" -eq 1 ] && grep -q "attempt to write a readonly database: vault.db-wal or vault.db-shm cannot be written by this account" "$T/err"'
as_u env GNUPGHOME="$V/gnupg" gpgconf --kill all
check "... and changed nothing" test "$(tree_hash "$V")" = "$before"
chmod 600 "$V"/vault.db*
as_u "$CV" note "$C" --class phone-call --text "a call" >/dev/null 2>"$T/err"
RC=$?
check "given back, the same note is filed (exit $RC $(head -c 120 "$T/err"))" test "$RC" -eq 0
as_u "$CV" verify >/dev/null 2>"$T/err"
RC=$?
check "verify passes (exit $RC $(head -c 120 "$T/err"))" test "$RC" -eq 0
as_u env GNUPGHOME="$V/gnupg" gpgconf --kill all
finish
