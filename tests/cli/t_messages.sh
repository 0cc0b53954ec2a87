#!/bin/bash
# Messages that say what is really wrong when a part of the vault is gone
# (docs/recovery.md, A lost GnuPG home or keyring): a missing keyring is not
# "no secret key", a missing GnuPG home is not "no vault", a missing policy
# file is not a mistake to fix in it.  Each refusal is one line and changes
# nothing.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case)
snapshot

# refused DESCRIPTION WORDS DAMAGE: after DAMAGE, ls fails in one line saying WORDS, and nothing changes.
refused() {
	local d=$1 words=$2 damage=$3 before
	restore
	eval "$damage"
	before=$(tree_hash "$V")
	expect_fail "$d" ls "$C"
	check "  says: $words" grep -qF "$words" <<<"$ERR"
	check "  not 'no vault' nor 'no secret key'" not grep -qE "no vault|no secret key" <<<"$ERR"
	check "  changes nothing" test "$before" = "$(tree_hash "$V")"
}

refused "missing keyring" \
	"the vault keyring $V/gnupg/pubring.kbx is missing: restore it from a backup (docs/recovery.md, A lost GnuPG home or keyring)" \
	'rm "$V/gnupg/pubring.kbx"'
refused "missing GnuPG home" \
	"the vault's GnuPG home $V/gnupg (the staff keys) is missing: restore it from a backup (docs/recovery.md, A lost GnuPG home or keyring)" \
	'rm -rf "$V/gnupg"'
refused "missing index and GnuPG home beside the archives" "the vault's index $V/vault.db is missing" \
	'rm -rf "$V/gnupg" "$V/vault.db"'

# A policy file that is gone: the vault runs on its last good policy and says what to restore.
restore
rm "$V/policies/retention.ini"
run_cv ls "$C"
check "missing policy file: the vault still opens (exit $RC)" test "$RC" -eq 0
check "  the note names the file and says restore it" \
	grep -qF "the vault's policy file $V/policies/retention.ini cannot be read (file not found): restore it from a backup" <<<"$ERR"
check "  not 'fix it'" not grep -q "fix it" <<<"$ERR"

# Nothing of a vault at all is still "no vault".
restore
expect_fail "a directory that does not exist" -C "$T/nowhere" ls "$C"
check "  says no vault" grep -q "no vault at $T/nowhere; create one with 'casevault init'" <<<"$ERR"
finish
