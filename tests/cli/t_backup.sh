#!/bin/bash
# casevault backup and restore (docs/commands/backup.md, restore.md,
# docs/recovery.md): a vault with records in both sections, a certificate of
# destruction and a hold is backed up, restored into a new directory, and
# verify and audit verify pass there with every record byte-identical.  The
# data backup holds no key store; the key-store backup nothing else.  A
# tampered backup, a wrong passphrase, a non-empty target, a swapped pair,
# an existing backup file are each refused with one line and change nothing.
# A backup taken while another process files is consistent.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

at 2015-01-10
new_test_vault
mkdir -p "$T/d"
for n in a1 b1 b2 b3; do printf 'Document %s\n%s\n' "$n" "$(head -c 3000 /dev/urandom | base64)" >"$T/d/$n.txt"; done
A=$(new_case "A Parent" "A Child" 2010-05-05)
B=$(new_case "B Parent" "B Child" 2010-05-05)
"$CV" file "$A" "$T/d/a1.txt" --class letter >/dev/null
"$CV" file "$B" "$T/d/b1.txt" "$T/d/b2.txt" --class letter >/dev/null
"$CV" note "$B" --class cp-note --cp --text "CP concern about B" >/dev/null
"$CV" file "$B" "$T/d/b3.txt" --class cp-note --cp >/dev/null
"$CV" hold add "$B" --reason "Tribunal appeal" >/dev/null
at 2015-02-01
"$CV" case close "$A" --date 2015-02-01 >/dev/null
at 2022-03-01
run_cv purge
check "control: the purge destroys A's record and writes a certificate" \
	test "$RC" -eq 0 -a "$(db 'SELECT count(*) FROM certificates')" -ge 1
RECS=$(db "SELECT id FROM records ORDER BY id")
check "control: B's four records stay, in both sections" \
	test "$(db "SELECT count(*) FROM records WHERE section = 'cp'")" = 2 -a "$(wc -w <<<"$RECS")" = 4

HEAD=$("$CV" audit verify | awk '/^head:/ {print $2}')
head -c 24 /dev/urandom | base64 >"$T/secret"
mkdir -m 700 "$T/bk"
run_cv backup "$T/bk/data.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/secret"
check "backup succeeds and says it checked what it wrote ($OUT)" \
	bash -c "[ $RC -eq 0 ] && grep -q '^backed up and checked: ' <<<'$OUT'"
check "both backup files are the owner's alone (0600), no temporary file left" \
	test "$(stat -c %a "$T/bk/data.pgp") $(stat -c %a "$T/bk/keys.pgp") $(ls "$T/bk" | wc -l)" = "600 600 2"
check "no staging directory is left in the vault" bash -c "! ls -d '$V'/backup-tmp.* 2>/dev/null"
check "the backup is an OpenPGP message, not a readable tar" bash -c "! tar -tf '$T/bk/data.pgp' >/dev/null 2>&1"
# stock tools open it with the passphrase (docs/recovery.md, manual restore)
mkdir -m 700 "$T/g"
members() { gpg --homedir "$T/g" --batch --quiet --pinentry-mode loopback --passphrase-file "$T/secret" --decrypt "$1" | tar -tf -; }
DM=$(members "$T/bk/data.pgp")
KM=$(members "$T/bk/keys.pgp")
check "the data backup holds vault.db, every archive, gnupg/ and policies/" \
	bash -c "grep -qx vault.db <<<'$DM' && [ \$(grep -c '^archives/' <<<'$DM') = $(ls "$V/archives" | wc -l) ] && grep -q '^gnupg/pubring.kbx$' <<<'$DM' && grep -q '^policies/' <<<'$DM'"
check "the data backup holds no key store (its archives open with nothing in it)" bash -c "! grep -q keys.db <<<'$DM'"
check "the key-store backup holds keys.db and its marker only" test "$(sort <<<"$KM" | tr '\n' ' ')" = "casevault-backup.txt keys.db "
check "neither holds the purge schedule key (purge/)" bash -c "! grep -q '^purge/' <<<'$DM$KM'"

# ---- restore into a new place ----
run_cv restore "$T/bk/data.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/secret" "$T/r"
check "restore succeeds ($OUT)" test "$RC" -eq 0
run_cv -C "$T/r" verify
check "verify passes on the restored vault ($OUT)" bash -c "[ $RC -eq 0 ] && grep -q '^ok: 3 archives, 4 records' <<<'$OUT'"
run_cv -C "$T/r" audit verify
check "audit verify passes on the restored vault" bash -c "[ $RC -eq 0 ] && grep -q '^ok: ' <<<'$OUT'"
run_cv -C "$T/r" audit verify --expect "$HEAD"
check "the restored trail holds the live head written down before the backup: $ERR" test "$RC" -eq 0
same=0
for r in $RECS; do
	"$CV" get "$r" --purpose test-copy -o "$T/live.out" 2>/dev/null && "$CV" -C "$T/r" get "$r" --purpose test-copy -o "$T/rest.out" 2>/dev/null &&
		cmp -s "$T/live.out" "$T/rest.out" &&
		same=$((same + 1))
	rm -f "$T/live.out" "$T/rest.out"
done
check "every record, in both sections, is byte-identical in the restored vault" test "$same" = 4
check "the hold came back" test "$("$CV" -C "$T/r" hold list | grep -c "$B")" -ge 1
check "the certificate came back and checks" bash -c "'$CV' -C '$T/r' certificates list | grep -q ."
check "the restored vault is the owner's alone" test "$(find "$T/r" -perm /077 | wc -l)" = 0

# ---- refusals: one line, nothing changed ----
mkdir "$T/full" && echo x >"$T/full/keep"
expect_fail "restore into a non-empty directory is refused" restore "$T/bk/data.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/secret" "$T/full"
check "... and the directory is untouched" test "$(ls "$T/full")" = keep
expect_fail "restore over the restored vault is refused" restore "$T/bk/data.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/secret" "$T/r"
cp "$T/bk/data.pgp" "$T/tampered.pgp"
size=$(stat -c %s "$T/tampered.pgp")
flip_byte "$T/tampered.pgp" $((size / 2))
expect_fail "a tampered backup is refused" restore "$T/tampered.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/secret" "$T/t1"
check "... and nothing is left where it was to go" test ! -e "$T/t1"
echo "not-the-passphrase-not-the-passphrase" >"$T/wrong"
expect_fail "a wrong passphrase is refused" restore "$T/bk/data.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/wrong" "$T/t2"
check "... naming the passphrase" grep -q 'passphrase' <<<"$ERR"
expect_fail "a swapped pair is refused" restore "$T/bk/keys.pgp" --keys "$T/bk/data.pgp" --secret-file "$T/secret" "$T/t3"
expect_fail "a restore without the key-store backup is refused" restore "$T/bk/data.pgp" --secret-file "$T/secret" "$T/t4"
check "no half-restored directory is left" bash -c "! ls -d '$T'/t[1-4] 2>/dev/null"
before=$(sha256sum "$T/bk/data.pgp")
expect_fail "a backup over an existing file is refused" backup "$T/bk/data.pgp" --secret-file "$T/secret"
check "... and the file is unchanged" test "$(sha256sum "$T/bk/data.pgp")" = "$before"
echo short >"$T/short"
expect_fail "a short backup passphrase is refused" backup "$T/bk/new.pgp" --secret-file "$T/short"
expect_fail "a backup inside the vault is refused" backup "$V/inside.pgp" --secret-file "$T/secret"
check "... nothing written" test ! -e "$T/bk/new.pgp" -a ! -e "$V/inside.pgp"

# ---- what a killed backup left: its staging copy of the key store goes ----
mkdir -m 700 "$V/backup-tmp.dead01" "$V/backup-tmp.live01"
cp "$V/keys.db" "$V/backup-tmp.dead01/keys.db"
: >"$V/backup-tmp.dead01/owner"
: >"$V/backup-tmp.live01/owner"
flock "$V/backup-tmp.live01/owner" sleep 60 &
holder=$!
sleep 0.2
run_cv backup "$T/bk/after-kill.pgp" --secret-file "$T/secret"
check "the next backup succeeds" test "$RC" -eq 0
check "... and removes a dead backup's staging directory (a key-store copy)" test ! -e "$V/backup-tmp.dead01"
check "... but not one whose backup still runs (owner lock held)" test -e "$V/backup-tmp.live01/owner"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
rm -rf "$V/backup-tmp.live01"

# ---- a backup while another process files ----
at 2022-03-02
mkdir -p "$T/m"
echo "case,path,class,section,title,date" >"$T/m.csv"
for i in $(seq 40); do
	printf 'Concurrent note %d\n%s\n' "$i" "$(head -c 600 /dev/urandom | base64)" >"$T/m/n$i.txt"
	echo "$B,$T/m/n$i.txt,letter,case,Note $i,2022-03-02" >>"$T/m.csv"
done
"$CV" import "$T/m.csv" >"$T/imp.out" 2>&1 &
imp=$!
sleep 0.3
run_cv backup "$T/bk/during.pgp" --keys "$T/bk/during-keys.pgp" --secret-file "$T/secret"
brc=$RC
wait "$imp"
irc=$?
check "the backup and the import both succeed beside each other" test "$brc $irc" = "0 0"
run_cv restore "$T/bk/during.pgp" --keys "$T/bk/during-keys.pgp" --secret-file "$T/secret" "$T/r2"
run_cv -C "$T/r2" verify
check "the backup taken during the import restores and verifies ($OUT)" bash -c "[ $RC -eq 0 ] && grep -q '^ok: ' <<<'$OUT'"
n=$(sqlite3 -readonly "$T/r2/vault.db" "SELECT count(*) FROM records")
check "it holds the import all or not at all ($n records)" bash -c "[ $n = 4 ] || [ $n = 44 ]"
run_cv -C "$T/r2" audit verify
check "its audit trail is whole" test "$RC" -eq 0

finish
