#!/bin/bash
# A new staff passphrase must resist guessing (cli/passq.c, libpwquality;
# docs/security.md, Passphrases): init and staff add refuse one that is
# short, a dictionary word or too simple, with one line saying what is
# wanted, exit 2, and nothing made or changed; a good one is taken.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

weak=(
	"secret"             # short
	"Tr0ub4dor&3"        # 11 characters: one short of 12
	"administration"     # a dictionary word
	"abcdefghijklmnop"   # systematic
	"aaaaaaaaaaaaaaaa"   # one character
)
i=0
for p in "${weak[@]}"; do
	i=$((i + 1))
	printf '%s\n' "$p" >"$T/weak$i"
	expect_fail "init refuses '$p'" init "$T/v$i" --passphrase-file "$T/weak$i" --name "Pat Manager"
	check "  exit 2" test "$RC" -eq 2
	check "  says what is wanted" grep -q "at least 12 characters.*not based on a dictionary word" "$T/err"
	check "  made no vault directory" test ! -e "$T/v$i"
done
check "  a dictionary word is named as such" \
	sh -c "'$CV' init '$T/vd' --passphrase-file '$T/weak3' 2>&1 | grep -q 'dictionary word'"

# staff add: the new person's passphrase, checked before the key is made
new_vault
"$CV" staff list >/dev/null
before=$(tree_hash "$V")
for k in 1 3 4; do
	expect_fail "staff add refuses '${weak[k - 1]}'" staff add "Wendy Worker" --role caseworker --new-passphrase-file "$T/weak$k"
	check "  exit 2" test "$RC" -eq 2
done
check "  nothing of the vault changed" test "$(tree_hash "$V")" = "$before"
check "  no one was added" test "$(db "SELECT count(*) FROM staff")" -eq 1

printf 'tidy lantern forty orbit\n' >"$T/good"
run_cv staff add "Wendy Worker" --role caseworker --new-passphrase-file "$T/good"
check "staff add takes a strong passphrase (exit $RC: $ERR)" test "$RC" -eq 0
W=$OUT
"$CV" staff attest "$W" >/dev/null
C=$(new_case)
"$CV" case assign "$C" "$W" >/dev/null
run_cv --as "$W" --passphrase-file "$T/good" ls "$C"
check "  and the new person unlocks with it ($ERR)" test "$RC" -eq 0
finish
