#!/bin/bash
# The purge key's GnuPG home (VAULT/purge-key) gets a gpg-agent whenever the
# key is made or signs; casevault stops it when it is done, without gpgconf
# (a command that must start fast runs with GPGME's gpgconf turned off), so
# no agent of the purge's account stays behind (crypto/gpgconf.c).
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

# agents HOME: how many gpg-agent processes serve HOME.
agents() { pgrep -fx "gpg-agent --homedir $1 .*" | wc -l; }

at 2015-01-10
new_test_vault
PK=$(db "SELECT value FROM meta WHERE key = 'purge_key'")
check "init made a purge key ($PK)" grep -Eq '^[0-9A-F]{40}$' <<<"$PK"
check "control: the vault's own home has its agent ($(agents "$V/gnupg"))" test "$(agents "$V/gnupg")" -ge 1
check "no agent serves the purge key's home after init" test "$(agents "$V/purge-key")" = 0
D=$(new_case "Dana Gone" "Dee Gone" 2010-05-05)
printf 'A letter about Dee.\n' >"$T/d1.txt"
"$CV" file "$D" "$T/d1.txt" --class letter >/dev/null
at 2015-02-01
"$CV" case close "$D" --date 2015-02-01 >/dev/null
at 2022-03-01
run_cv purge --scheduled
check "the scheduled purge destroys the letter ($OUT)" grep -q "destroyed 1 record" <<<"$OUT"
check "its certificate is signed by the purge key" \
	test "$(db "SELECT signer FROM certificate_sigs WHERE number = 1 AND kind = 'signed'")" = purge-key
check "no agent serves the purge key's home once the purge is done" test "$(agents "$V/purge-key")" = 0
finish
