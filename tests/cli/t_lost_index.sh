#!/bin/bash
# A lost index is refused, never re-created (docs/recovery.md, A lost or
# damaged index).  Beside the vault's archives, receipts, certificates and
# audit anchor, an empty, missing, truncated or foreign vault.db makes every
# command fail with one line naming the index and docs/recovery.md, and
# nothing is written: vault.db stays absent or keeps the same bytes.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case)
make_docs "$T/docs"
"$CV" file "$C" "$T/docs/note.txt" --class letter >/dev/null || fail "set-up filing"
check "set-up: an archive file and the audit anchor exist" test -n "$(ls "$V/archives")" -a -s "$V/audit.head"
SIZE=$(stat -c %s "$V/vault.db")
snapshot

# lost DESCRIPTION WORDS DAMAGE: damage vault.db with the shell command
# DAMAGE; then reading, verifying and filing are each refused in one line
# that says WORDS and points to docs/recovery.md, and nothing changes.
lost() {
	local d=$1 words=$2 damage=$3 before sum cmd
	restore
	eval "$damage"
	before=$(tree_hash "$V")
	sum=$(sha256sum "$V/vault.db" 2>/dev/null)
	for cmd in "ls $C" "case list" "verify" "file $C $T/docs/mail.eml --class letter"; do
		expect_fail "$d: ${cmd%% *} refused" $cmd
		check "$d: ${cmd%% *} says $words and points to docs/recovery.md" \
			grep -q "$words.*(docs/recovery.md, A lost or damaged index)" <<<"$ERR"
	done
	expect_fail "$d: init over the vault refused" init "$V" --no-passphrase
	check "$d: nothing in the vault changed" test "$before" = "$(tree_hash "$V")"
	check "$d: vault.db is absent or the same bytes" test "$sum" = "$(sha256sum "$V/vault.db" 2>/dev/null)"
	check "$d: no write-ahead log with content" not test -s "$V/vault.db-wal"
}

lost "zero-byte index" "index $V/vault.db is empty (0 bytes)" ': >"$V/vault.db"'
check "zero-byte index: still 0 bytes" test "$(stat -c %s "$V/vault.db")" -eq 0
lost "missing index" "index $V/vault.db is missing" 'rm "$V/vault.db"'
check "missing index: still missing" test ! -e "$V/vault.db"
lost "index truncated at a page" "index $V/vault.db is damaged or truncated" 'truncate -s 8192 "$V/vault.db"'
lost "index truncated mid-page" "is damaged or truncated" "truncate -s $((SIZE / 2 + 1)) \"\$V/vault.db\""
lost "index cut to its first 50 bytes" "is damaged or truncated" 'truncate -s 50 "$V/vault.db"'
lost "another SQLite file in its place" "holds no casevault tables" \
	'rm "$V/vault.db"; sqlite3 "$V/vault.db" "CREATE TABLE notes(x)"'
lost "a directory in its place" "is not a regular file" 'rm "$V/vault.db"; mkdir "$V/vault.db"'

# The same vault, restored, works again: the refusals above kept nothing.
restore
run_cv ls "$C"
check "the restored vault lists its record (exit $RC: $ERR)" test "$RC" -eq 0 -a -n "$OUT"

# A directory with nothing of a vault is still simply no vault.
mkdir "$T/empty"
expect_fail "an empty directory is no vault" -C "$T/empty" ls "$C"
check "  and says so" grep -q "no vault at $T/empty" <<<"$ERR"
check "  and stays empty" test -z "$(ls -A "$T/empty")"
finish
