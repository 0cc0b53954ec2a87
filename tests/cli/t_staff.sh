#!/bin/bash
# Staff with their own passphrases; who is acting; the idle lock
# (an unlock is remembered for a limited time, lock forgets it at once).
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

printf 'manager passphrase one\n' >"$T/m.pass"
printf 'caseworker passphrase two\n' >"$T/w.pass"
fixture_vault idle3 "$V" "$T/m.pass" || { echo "no vault"; exit 1; }   # init --idle 3
export CASEVAULT_DIR=$V
C=$("$CV" --passphrase-file "$T/m.pass" case open --parent P --child C --child-dob 2016-02-29 --pr-confirmed)
# The idle lock: remembered for 3 seconds after the last use, then asked again.
# (Only for the one person registered for this OS user, S-0001 here: once a
# second is registered, every --as proves afresh; tests/cli/t_as_cache.sh.)
run_cv --passphrase-file "$T/m.pass" case show "$C"
run_cv case show "$C" </dev/null
check "within the idle time the unlock is remembered" test "$RC" -eq 0
# No polling here: every look at the cache is a use and starts the 3 seconds
# again.  gpg-agent counts whole seconds (an entry used at second k goes at
# k + 3 + 1), so 4 seconds after the last use it is gone, and 3.5 may not be.
sleep 4
run_cv case show "$C" </dev/null
check "after the idle time the passphrase is asked again" test "$RC" -ne 0
run_cv --passphrase-file "$T/m.pass" case show "$C"
run_cv lock
check "lock succeeds" test "$RC" -eq 0
run_cv case show "$C" </dev/null
check "lock forgets it at once" test "$RC" -ne 0

W=$("$CV" --passphrase-file "$T/m.pass" staff add "Walter Worker" --role caseworker --new-passphrase-file "$T/w.pass" --os-user 0)
check "staff add with the new person's own passphrase" test "$W" = S-0002
"$CV" --as S-0001 --passphrase-file "$T/m.pass" staff attest "$W" >/dev/null
"$CV" --as S-0001 --passphrase-file "$T/m.pass" case assign "$C" "$W" >/dev/null  # docs/security.md, Case assignment
"$CV" lock >/dev/null
run_cv --as "$W" --passphrase-file "$T/w.pass" ls "$C"
check "the caseworker unlocks with their own passphrase" test "$RC" -eq 0
"$CV" lock >/dev/null
expect_fail "the manager's passphrase does not open the caseworker's key" --as "$W" --passphrase-file "$T/m.pass" ls "$C"
check "...and says so" grep -q "wrong passphrase" <<<"$ERR"
run_cv --as S-0001 --passphrase-file "$T/m.pass" ls "$C"
check "the manager unlocks with theirs" test "$RC" -eq 0

# Two staff for uid 0 now: the default actor is ambiguous and must be named.
expect_fail "with two staff for this OS user, --as is required" ls "$C"
check "...and the message says so" grep -q -- "--as STAFF-ID" <<<"$ERR"

run_cv --as S-0001 --passphrase-file "$T/m.pass" lock --idle 600
check "a manager sets the idle time" grep -q "default-cache-ttl 600" "$V/gnupg/gpg-agent.conf"
expect_fail "a caseworker may not" --as "$W" --passphrase-file "$T/w.pass" lock --idle 5

# Importing a key: a named user id would be stored in clear, so it is refused.
G=$T/kg; mkdir -m 700 "$G"
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key "Real Name <real@example.org>" ed25519 sign,cert never 2>/dev/null
fpr=$(GNUPGHOME=$G gpg --list-keys --with-colons 2>/dev/null | awk -F: '$1=="fpr"{print $10; exit}')
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --quick-add-key "$fpr" cv25519 encr never 2>/dev/null
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --export-secret-keys "$fpr" >"$T/named.key" 2>/dev/null
expect_fail "a key with a person's name is refused" --as S-0001 --passphrase-file "$T/m.pass" staff add "Named" --role caseworker --key "$T/named.key"
check "and leaves no trace in the keyring" bash -c "! GNUPGHOME='$V/gnupg' gpg --list-keys 2>/dev/null | grep -q 'Real Name'"
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key "casevault imported" ed25519 sign,cert never 2>/dev/null
fpr2=$(GNUPGHOME=$G gpg --list-keys --with-colons "casevault imported" 2>/dev/null | awk -F: '$1=="fpr"{print $10; exit}')
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --quick-add-key "$fpr2" cv25519 encr never 2>/dev/null
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --export-secret-keys "$fpr2" >"$T/neutral.key" 2>/dev/null
run_cv --as S-0001 --passphrase-file "$T/m.pass" staff add "Ivy Imported" --role volunteer --key "$T/neutral.key"
check "a key with a neutral user id is imported" test "$RC" -eq 0
GNUPGHOME=$G gpgconf --kill all 2>/dev/null
finish
