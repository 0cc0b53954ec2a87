#!/bin/bash
# The key store apart from the index (docs/architecture.md, Keys).  Every
# wrapped archive key lives in VAULT/keys.db, none in vault.db, so a data
# backup (a copy of vault.db and the archives) holds no usable key.  After a
# purge, archives copied before it open neither with the current vault nor
# with a data backup made before the purge; only with a key-store backup
# made before it.  A vault made before the key store has its keys moved out
# of vault.db in one go by the next writer, crash-safely, and no old wrapped
# value is left in vault.db's pages.  Killed filings and purges leave the two
# files agreeing.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

at 2015-01-10
new_test_vault
mkdir -p "$T/d"
for n in a1 a2 b1 b2; do printf 'Document %s\n' "$n" >"$T/d/$n.txt"; done
A=$(new_case "A Parent" "A Child" 2010-05-05)
B=$(new_case "B Parent" "B Child" 2010-05-05)   # stays open: not due
"$CV" file "$A" "$T/d/a1.txt" "$T/d/a2.txt" --class letter >/dev/null
"$CV" file "$B" "$T/d/b1.txt" --class letter >/dev/null
A1=$(rec_ids "$A" | cut -d' ' -f1)
B1=$(rec_ids "$B")
ks() { sqlite3 -readonly "$V/keys.db" "$1"; }
FA=$(db "SELECT a.file FROM archives a JOIN records r ON r.archive_id = a.id WHERE r.id = '$A1'")
check "keys.db is the owner's alone (0600)" test "$(stat -c %a "$V/keys.db")" = 600
check "vault.db holds no wrapped key (sqlite3)" test "$(db "SELECT count(*) FROM archives WHERE wrapped_key != ''")" = 0
check "keys.db holds one key per archive" test "$(ks 'SELECT count(*) FROM archive_keys')" = "$(db 'SELECT count(*) FROM archives')"
WA=$(ks "SELECT wrapped_key FROM archive_keys WHERE file = '$FA'")
check "no wrapped key's bytes are in vault.db or its WAL" bash -c "! cat '$V/vault.db' '$V/vault.db-wal' 2>/dev/null | grep -qaF '${WA:6:40}'"
run_cv get "$A1" --purpose test-copy -o "$T/a1.out"
check "a record opens through the key store" cmp -s "$T/a1.out" "$T/d/a1.txt"

# ---- backups before the purge: data (vault.db + archives) and key store ----
mkdir -p "$T/data" "$T/keyb"
sqlite3 -readonly "$V/vault.db" ".backup '$T/data/vault.db'"
sqlite3 -readonly "$V/keys.db" ".backup '$T/keyb/keys.db'"
cp -a "$V/archives" "$T/data/"
slip=$(db "SELECT slip FROM keyslips WHERE staff_id = 'S-0001' ORDER BY generation DESC LIMIT 1" |
	GNUPGHOME=$V/gnupg gpg --batch --quiet --decrypt 2>/dev/null)
CK=$(awk '$1 == "case" {print $2}' <<<"$slip")
check "control: the key-store backup and the section key open A's archive (stock tools)" \
	opens_archive "$V/gnupg" "$(unwrap_key "$CK" "$T/data/vault.db" "$FA" "$T/keyb/keys.db")" "$T/data/archives/$FA"
check "the data backup alone holds no wrapped key for it (sqlite3)" \
	test "$(sqlite3 -readonly "$T/data/vault.db" "SELECT count(*) FROM archives WHERE wrapped_key != ''")" = 0

# ---- the purge: A falls due ----
at 2015-02-01
"$CV" case close "$A" --date 2015-02-01 >/dev/null
at 2022-03-01
run_cv purge
check "purge succeeds" test "$RC" -eq 0
check "A's record is gone" test "$(db "SELECT count(*) FROM records WHERE id = '$A1'")" = 0
check "A's key is gone from the key store" test "$(ks "SELECT count(*) FROM archive_keys WHERE file = '$FA'")" = 0
check "B's key stays" test "$(ks 'SELECT count(*) FROM archive_keys')" = 1
check "A's wrapped key's bytes are nowhere under the vault (keys.db and its WAL included)" \
	bash -c "! grep -rqaF '${WA:6:40}' '$V'"
check "the key store's WAL was checkpointed" test ! -s "$V/keys.db-wal"
check "a key-store backup's key outlives the purge: the copy opens with it (control)" \
	opens_archive "$V/gnupg" "$(unwrap_key "$CK" "$T/data/vault.db" "$FA" "$T/keyb/keys.db")" "$T/data/archives/$FA"
check "the pre-purge archive copy does not open with the current vault" \
	test -z "$(unwrap_key "$CK" "$T/data/vault.db" "$FA" "$V/keys.db")"
check "nor with the data backup made before the purge" \
	test -z "$(unwrap_key "$CK" "$T/data/vault.db" "$FA" "$T/data/keys.db")"
check "the certificate says the key-store backups hold it until a date" bash -c "cat \"\$1\"/certificates/* | grep -q \"key-store backup\"" _ "$V"
run_cv get "$B1" --purpose test-copy -o "$T/b1.out"
check "B still opens" cmp -s "$T/b1.out" "$T/d/b1.txt"

# ---- a filing killed after its keys' commit leaves an orphan key, swept ----
n=$(ks 'SELECT count(*) FROM archive_keys')
CASEVAULT_CRASHPOINT=filing-keys-stored "$CV" file "$B" "$T/d/b2.txt" --class letter >/dev/null 2>&1
check "killed after the keys' commit" test $? -eq 137
check "the orphan key is in the key store (control)" test "$(ks 'SELECT count(*) FROM archive_keys')" = $((n + 1))
run_cv verify
check "verify passes with an orphan key" test "$RC" -eq 0
"$CV" file "$B" "$T/d/b2.txt" --class letter >/dev/null
check "the next writer swept the orphan and filed again" test "$(ks 'SELECT count(*) FROM archive_keys')" = $((n + 1)) -a \
	"$(db 'SELECT count(*) FROM archives')" = $((n + 1))
run_cv verify
check "verify passes" test "$RC" -eq 0

# ---- an old vault: keys in vault.db, moved out by the next writer ----
snapshot
sqlite3 "$V/vault.db" "ATTACH '$V/keys.db' AS k; UPDATE archives SET wrapped_key =
	(SELECT wrapped_key FROM k.archive_keys WHERE k.archive_keys.file = archives.file); DELETE FROM k.archive_keys"
old=$(db "SELECT wrapped_key FROM archives LIMIT 1")
check "control: the old vault holds its keys in vault.db" test -n "$old" -a "$(ks 'SELECT count(*) FROM archive_keys')" = 0
"$CV" get "$B1" >"$T/b1.old" 2>/dev/null   # to standard output: a read only (get -o records an export, a write)
check "an old vault still reads" cmp -s "$T/b1.old" "$T/d/b1.txt"
for point in keystore-moved-copied keystore-moved-blanked; do
	CASEVAULT_CRASHPOINT=$point "$CV" note "$B" --class letter --text "after $point" >/dev/null 2>&1
	check "killed at $point" test $? -eq 137
	"$CV" get "$B1" >"$T/b1.$point" 2>/dev/null   # a read only: get -o would record an export, a writer
	check "$point: the record still opens" cmp -s "$T/b1.$point" "$T/d/b1.txt"
done
"$CV" note "$B" --class letter --text "after the move" >/dev/null
check "every key is in the key store" test "$(ks 'SELECT count(*) FROM archive_keys')" = "$(db 'SELECT count(*) FROM archives')"
check "vault.db holds no wrapped key any more" test "$(db "SELECT count(*) FROM archives WHERE wrapped_key != ''")" = 0
check "the old wrapped values left vault.db's pages and WAL" bash -c "! cat '$V/vault.db' '$V/vault.db-wal' 2>/dev/null | grep -qaF '${old:6:40}'"
run_cv verify
check "verify passes after the move" test "$RC" -eq 0
finish
