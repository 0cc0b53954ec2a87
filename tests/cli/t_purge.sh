#!/bin/bash
# The purge, against the real binary and real gpg:
#   1. crypto-shred: a copy of an archive taken before the purge cannot be
#      decrypted afterwards with any key material left in the vault, and the
#      wrapped key's bytes appear nowhere under the vault directory (WAL too);
#   2. nothing held, under an open request, under moratorium or awaiting
#      review is destroyed; not-due records are untouched;
#   5. --dry-run changes nothing at all (every file's hash before and after).
# Plus: rewrites (an archive that keeps some records), review approve/defer,
# certificates (chained, no personal data, checked by verify), the
# scheduled run's one log line, its exit status and its lock.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

archive_of() { db "SELECT a.file FROM archives a JOIN records r ON r.archive_id = a.id WHERE r.id = '$1'"; }
wrapped_of() { sqlite3 -readonly "$V/keys.db" "SELECT wrapped_key FROM archive_keys WHERE file = '$(archive_of "$1")'"; }
exists() { [ "$(db "SELECT count(*) FROM records WHERE id = '$1'")" = 1 ]; }
gone() { ! exists "$1"; }
same_doc() { # same_doc RECORD FILE: get gives back exactly FILE
	rm -f "$T/got"
	"$CV" get "$1" --purpose test-copy -o "$T/got" >/dev/null 2>&1 && cmp -s "$T/got" "$2"
}

at 2015-01-10
new_test_vault
mkdir -p "$T/d"
for n in a1 a2 an b1 h1 m1 m2 q1; do printf 'Document %s about Alice Smithson-Parker\n' "$n" >"$T/d/$n.txt"; done
A=$(new_case "Alice Smithson-Parker" "Ben Smithson-Parker" 2010-05-05)  # closed: falls due
B=$(new_case "Open Parent" "Open Child" 2010-05-05)                      # stays open: never due
H=$(new_case "Held Parent" "Held Child" 2010-05-05)                      # a case hold
M=$(new_case "Mora Parent" "Mora Child" 2010-05-05)                      # a moratorium on one record
Q=$(new_case "Request Parent" "Request Child" 2010-05-05)                # an open subject access request
R=$(new_case "Review Parent" "Review Child" 1990-01-01)                  # child-protection: review
"$CV" file "$A" "$T/d/a1.txt" "$T/d/a2.txt" --class letter >/dev/null
"$CV" note "$A" --class case-note --text "Phone call with Alice Smithson-Parker" >/dev/null
"$CV" file "$B" "$T/d/b1.txt" --class letter >/dev/null
"$CV" file "$H" "$T/d/h1.txt" --class letter >/dev/null
"$CV" file "$M" "$T/d/m1.txt" "$T/d/m2.txt" --class letter >/dev/null
"$CV" file "$Q" "$T/d/q1.txt" --class letter >/dev/null
printf 'CP concern one\n' >"$T/d/cp1.txt"
printf 'CP concern two\n' >"$T/d/cp2.txt"
"$CV" file "$R" "$T/d/cp1.txt" "$T/d/cp2.txt" --class cp-note --cp >/dev/null  # one archive
read -r RC1 RC2 <<<"$(rec_ids "$R" --cp)"
read -r A1 A2 AN <<<"$(rec_ids "$A")"
B1=$(rec_ids "$B"); H1=$(rec_ids "$H"); Q1=$(rec_ids "$Q")
read -r M1 M2 <<<"$(rec_ids "$M")"
at 2015-02-01
for c in "$A" "$H" "$M" "$Q" "$R"; do "$CV" case close "$c" --date 2015-02-01 >/dev/null || fail "close $c"; done
check "closing gave the letters their date (closure + 6 years)" \
	test "$(retain_of "$A1")" = 2021-02-01
check "an open case's records have no date (kept)" \
	test "$(retain_of "$B1")" = none

at 2022-03-01
run_cv hold add "$H" --reason "Tribunal appeal by Held Parent"
check "hold add on a case" test "$RC" -eq 0
run_cv hold add "$M1" --moratorium --reason "IICSA moratorium"
check "moratorium on a record" test "$RC" -eq 0
# An open subject access request is a hold of kind 'request' (placed by the request module, docs/legal-rules.md §4).
sqlite3 "$V/vault.db" "INSERT INTO holds(kind, case_id, ref, placed_by, placed_at) VALUES('request', '$Q', 'SAR-0001', 'S-0001', '2022-03-01T00:00:00Z')"
expect_fail "a hold needs a reason" hold add "$A" --reason ""
expect_fail "a hold on an unknown case is refused" hold add C-1999-0099 --reason x
run_cv --json hold list --reasons
check "hold list shows the unsealed reason" grep -q "Tribunal appeal by Held Parent" "$T/out"
check "hold reasons are sealed in the index" bash -c "! grep -qa 'Tribunal appeal' '$V/vault.db'"

run_cv retention due
check "due list: A's letters are due" grep -q "^$A1 .* due\$" "$T/out"
check "due list: the case hold is shown with its hold" grep -q "^$H1 .*held (hold [0-9]* on $H)" "$T/out"
check "due list: the moratorium is shown" grep -q "^$M1 .*held (moratorium" "$T/out"
check "due list: the request is shown" grep -q "^$Q1 .*held (request .*SAR-0001" "$T/out"
check "due list: CP records await review" grep -q "^$RC1 .*awaiting-review" "$T/out"
check "due list: the open case is not due" bash -c "! grep -q '^$B1 ' '$T/out'"

# ---- 5. --dry-run changes nothing at all ----
before=$(tree_hash "$V")
run_cv purge --dry-run
check "dry run exits 0" test "$RC" -eq 0
check "dry run says what it would destroy" grep -q "would destroy 4 records" "$T/out"
run_cv --json purge --dry-run --as-of 2040-01-01
check "a dry run may look ahead" test "$RC" -eq 0
check "dry run changed no file" test "$(tree_hash "$V")" = "$before"
expect_fail "a real purge refuses a future --as-of" purge --as-of 2040-01-01
check "the refused purge changed no file" test "$(tree_hash "$V")" = "$before"

# ---- at a terminal: purge lists what is due and asks for yes ----
if command -v script >/dev/null; then
	printf 'no\n' | script -qec "$CV purge" /dev/null >"$T/tty.out" 2>&1
	check "at a terminal purge asks before destroying" grep -q 'Destroy these 4 records for good? Type yes to go on' "$T/tty.out"
	check "  listing what is due first" grep -q "would destroy 4 records" "$T/tty.out"
	check "  'no' cancels: nothing destroyed" grep -q 'purge cancelled: nothing was destroyed' "$T/tty.out"
	check "  and no file changed" test "$(tree_hash "$V")" = "$before"
	snapshot
	printf 'yes\n' | script -qec "$CV purge" /dev/null >"$T/tty.out" 2>&1
	check "  'yes' destroys" grep -q "destroyed [1-9]" "$T/tty.out"
	restore
	snapshot
	printf 'no\n' | script -qec "$CV purge --yes" /dev/null >"$T/tty.out" 2>&1
	check "  --yes does not ask" not grep -q 'Type yes' "$T/tty.out"
	check "  and destroys" grep -q "destroyed [1-9]" "$T/tty.out"
	restore
	check "the restored vault is as before" test "$(tree_hash "$V")" = "$before"
fi

# ---- review ----
run_cv review
check "review lists both CP records" test "$(grep -c 'awaiting-review' "$T/out")" -eq 2
run_cv review approve "$RC1"
check "review approve" test "$RC" -eq 0
expect_fail "a destroy class cannot be 'approved'" review approve "$A1"
expect_fail "defer needs a later date" review defer "$RC2" --until 2020-01-01 --reason "still relevant"

# Keep copies of A's archive and its wrapped key for the crypto-shred checks.
FA=$(archive_of "$A1"); FN=$(archive_of "$AN")
cp "$V/archives/$FA" "$T/copyA.pgp"
wrapped_of "$A1" >"$T/wrappedA.asc"
line=$(grep -v -e '^-----' -e '^$' -e '^=' "$T/wrappedA.asc" | awk '{ if (length($0) > length(l)) l = $0 } END { print l }')
check "the wrapped key is in the key store before the purge" grep -qaF "$line" "$V/keys.db" "$V/keys.db-wal"

# ---- the scheduled run: no passphrase, whole archives only, rewrites pending ----
run_cv purge --scheduled
check "scheduled purge prints exactly one line" test "$(printf '%s\n' "$OUT" | grep -c '')" -eq 1
check "scheduled purge reports rewrites as pending" grep -q "2 pending a rewrite" "$T/out"
check "scheduled purge with pending work exits 1" test "$RC" -eq 1
check "it destroyed A's two archives (3 records)" grep -q "destroyed 3 records in 2 archives" "$T/out"
for r in "$A1" "$A2" "$AN"; do check "$r destroyed" gone $r; done
for r in "$B1" "$H1" "$Q1" "$M1" "$M2" "$RC1" "$RC2"; do check "$r kept" exists "$r"; done
check "A's archive files are gone" test ! -e "$V/archives/$FA" -a ! -e "$V/archives/$FN"

# ---- 1. crypto-shred ----
check "the wrapped key's bytes appear nowhere under the vault" bash -c "! grep -rqaF '$line' '$V'"
check "the WAL was checkpointed and truncated" test ! -s "$V/vault.db-wal"
# Every key the vault still holds: the section master keys (from the keyslips) and every archive key.
keys=()
while IFS= read -r rowid; do
	slip=$(db "SELECT slip FROM keyslips WHERE rowid = $rowid" | gpg --homedir "$V/gnupg" --batch --quiet --decrypt 2>/dev/null)
	while read -r sec hex; do [ "$sec" = case ] || [ "$sec" = cp ] && keys+=("$hex"); done <<<"$slip"
done < <(db "SELECT rowid FROM keyslips")
masters=("${keys[@]}")
check "the section keys were recovered from the keyslips (control)" test "${#masters[@]}" -ge 2
own=0
while IFS='|' read -r file wrapped; do
	for m in "${masters[@]}"; do
		k=$(unwrap_key "$m" "$V/vault.db" "$file")
		keys+=("$k")
		opens_archive "$V/gnupg" "$k" "$V/archives/$file" && own=$((own + 1))
	done
done < <(db "SELECT file, wrapped_key FROM archives")
check "archive keys were unwrapped from the remaining archives (control: each opens its own archive)" \
	test "$own" -eq "$(db 'SELECT count(*) FROM archives')" -a "$own" -gt 0
opened=0
for k in "${keys[@]}"; do
	if printf '%s\n' "$k" | gpg --homedir "$V/gnupg" --batch --quiet --pinentry-mode loopback --passphrase-fd 0 \
		--decrypt "$T/copyA.pgp" >/dev/null 2>&1; then opened=1; fi
done
check "the copy of the purged archive opens with none of the ${#keys[@]} keys left in the vault" test "$opened" -eq 0
run_cv verify
check "verify passes after the scheduled purge" test "$RC" -eq 0

# ---- the interactive run: rewrites under an unlock ----
FM=$(archive_of "$M1")
run_cv purge
check "interactive purge exits 0" test "$RC" -eq 0
check "it destroyed M2 and the approved CP record by rewriting their archives" grep -q "destroyed 2 records in 2 archives (some rewritten)" "$T/out"
check "$M2 destroyed" gone $M2
check "$RC1 (approved) destroyed" gone $RC1
check "the moratorium record survived the rewrite, byte for byte" same_doc "$M1" "$T/d/m1.txt"
check "its old archive file is gone" test ! -e "$V/archives/$FM"
check "the record awaiting review is kept" exists "$RC2"
check "the held case's record is untouched" same_doc "$H1" "$T/d/h1.txt"
check "the request's record is untouched" same_doc "$Q1" "$T/d/q1.txt"
check "the open case's record is untouched" same_doc "$B1" "$T/d/b1.txt"
run_cv verify
check "verify passes after the rewrite (new receipt, new manifest)" test "$RC" -eq 0
expect_fail "get of a destroyed record fails" get "$A1" --purpose test-copy -o "$T/nope"

# ---- holds released: the next scheduled run destroys ----
run_cv hold release 1
check "hold release" test "$RC" -eq 0
expect_fail "a released hold cannot be released again" hold release 1
run_cv purge --scheduled
check "after the release the held case's record goes" grep -q "destroyed 1 record in 1 archive" "$T/out"
check "the request hold still protects its case" exists "$Q1"
check "the moratorium still protects its record" exists "$M1"

# ---- certificates ----
# a case whose records are all destroyed is erased with a certificate of its own (t_storage_limitation.sh)
run_cv certificates list
check "three certificates of destruction" test "$(db "SELECT count(*) FROM certificates WHERE body NOT LIKE '%\"kind\": \"case-erasure\"%'")" -eq 3
N2=$(db "SELECT min(number) FROM certificates WHERE number > 1 AND body NOT LIKE '%\"kind\": \"case-erasure\"%'")
"$CV" certificates show 1 >"$T/c1.json"
"$CV" certificates show "$N2" >"$T/c2.json"
"$CV" certificates show "$((N2 - 1))" >"$T/c2prev.json"
check "certificate 1 names the destroyed records" grep -q "\"$A1\"" "$T/c1.json"
check "certificate 1 was authorised by the schedule" grep -q '"run_by": "schedule"' "$T/c1.json"
check "certificate $N2 names the approving manager" grep -q 'S-0001 (review approved)' "$T/c2.json"
check "certificate $N2 chains to the one before it" grep -q "\"previous_sha256\": \"$(sha256sum <"$T/c2prev.json" | cut -d' ' -f1)\"" "$T/c2.json"
check "the certificate file is the index copy" cmp -s "$T/c1.json" "$V/certificates/1.json"
check "certificates hold no personal data" bash -c "! grep -qiE 'Smithson|Alice|Document a1|Phone call|1990-01-01|2010-05-05' '$V'/certificates/*.json"
check "certificates name the rule and policy hash" grep -q '"rule": "case-closed + 6y"' "$T/c1.json"
cp "$V/certificates/1.json" "$T/c1.bak"
sed -i 's/"letter"/"lettre"/' "$V/certificates/1.json"
run_cv verify
check "verify detects an altered certificate file" bash -c "test $RC -ne 0 && grep -q 'certificate 1' '$T/out'"
cp "$T/c1.bak" "$V/certificates/1.json"
sqlite3 "$V/vault.db" "UPDATE certificates SET body = replace(body, 'schedule', 'S-0002') WHERE number = 1"
run_cv verify
check "verify detects an altered certificate row" grep -q "certificate 1" "$T/out"
sqlite3 "$V/vault.db" "UPDATE certificates SET body = replace(body, 'S-0002', 'schedule') WHERE number = 1"
run_cv verify
check "verify passes again once restored" test "$RC" -eq 0

# ---- review defer ----
run_cv review defer "$RC2" --until 2030-01-01 --reason "Sibling case still open"
check "review defer" test "$RC" -eq 0
run_cv review
check "a deferred record no longer awaits review" bash -c "! grep -q '$RC2' '$T/out'"
check "its new date is kept" test "$(retain_of "$RC2")" = 2030-01-01

# ---- a real vault ignores no clock: CASEVAULT_TODAY is refused, not followed ----
# (Without the guard, "CASEVAULT_TODAY=2099-01-01 casevault purge" destroyed,
# with proper certificates, everything due before 2099.)
unset CASEVAULT_TODAY
RV=$T/real
new_vault "$RV"
RA=$(new_case "Real Parent" "Real Child" 2010-05-05)
"$CV" file "$RA" "$T/d/a1.txt" --class letter >/dev/null
"$CV" case close "$RA" >/dev/null
rrec=$("$CV" --json ls "$RA" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"][0]["id"])')
check "the real vault's record is due only years from now" \
	test "$(retain_of "$rrec" "$RV")" \> "$(date +%F)"
before=$(tree_hash "$RV")
CASEVAULT_TODAY=2099-01-01 expect_fail "a real vault refuses to purge under CASEVAULT_TODAY" purge
check "  the message says to unset it" grep -q "unset CASEVAULT_TODAY" <<<"$ERR"
CASEVAULT_TODAY=2099-01-01 expect_fail "  and a dry run too" purge --dry-run
CASEVAULT_TODAY=2099-01-01 expect_fail "  and a scheduled run too" purge --scheduled
CASEVAULT_TODAY=2015-01-01 expect_fail "  and any other command (here ls)" ls "$RA"
check "  nothing changed" test "$before" = "$(tree_hash "$RV")"
check "  and the record is still there" test "$(sqlite3 -readonly "$RV/vault.db" "SELECT count(*) FROM records WHERE id = '$rrec'")" = 1
run_cv --json verify
check "verify: the real vault is not a test vault" grep -q '"test_clock": false' <<<"$OUT"
CASEVAULT_TODAY=2030-01-01 expect_fail "init under CASEVAULT_TODAY without --test-clock is refused" init "$T/real2" --no-passphrase
check "  and leaves no vault behind" test ! -e "$T/real2"
# the first scheduled run on a real vault compares with the day it was set up
check "init records the day a real vault was set up" \
	test "$(sqlite3 -readonly "$RV/vault.db" "SELECT value FROM meta WHERE key = 'purge_day'")" = "$(date +%F)"
sqlite3 "$RV/vault.db" "UPDATE meta SET value = date('now', 'localtime', '-50 days') WHERE key = 'purge_day'"
run_cv purge --scheduled
check "a first scheduled run 50 days after set-up refuses (exit $RC)" \
	bash -c "test $RC -eq 1 && grep -q 'or the vault.s set-up) was on' '$T/err'"
check "  the record is untouched" test "$(sqlite3 -readonly "$RV/vault.db" "SELECT count(*) FROM records")" = 1
run_cv purge
check "  a purge by hand runs (exit $RC)" test "$RC" -eq 0
run_cv purge --scheduled
check "  and then the scheduled run works (exit $RC)" test "$RC" -eq 0
CASEVAULT_DIR=$V CASEVAULT_TODAY=2022-03-01 run_cv verify
check "verify names a test vault" grep -q "note: a test vault" <<<"$OUT"
export CASEVAULT_DIR=$V

# ---- a clock that jumps ahead: the scheduled run refuses, a person decides ----
# V's purges ran on 2022-03-01.  Three months later (the timer runs daily) the
# clock must have jumped, or the machine was off: nothing is destroyed unattended.
export CASEVAULT_TODAY=2022-06-05
before=$(tree_hash "$V")
run_cv purge --scheduled
check "a scheduled run 96 days after the last purge refuses (exit $RC)" test "$RC" -eq 1
check "  in one line that names both dates" bash -c "grep -c '' '$T/err' | grep -qx 1 && grep -q 'today is 2022-06-05 but the last purge (or the vault.s set-up) was on 2022-03-01' '$T/err'"
check "  and says what to do" grep -q "run 'casevault purge' by hand once" "$T/err"
check "  and changes nothing" test "$before" = "$(tree_hash "$V")"
check "  while a dry run still shows what is due" bash -c "'$CV' purge --dry-run >/dev/null 2>&1"
run_cv purge
check "a purge by hand runs (exit $RC)" test "$RC" -eq 0
export CASEVAULT_TODAY=2022-06-06
run_cv purge --scheduled
check "  after which the next day's scheduled run works again (exit $RC)" test "$RC" -eq 0
export CASEVAULT_TODAY=2022-05-01
run_cv purge --scheduled
check "a clock gone back is not refused (it makes fewer records due) (exit $RC)" test "$RC" -eq 0
check "  and does not move the last purge day back" \
	test "$(sqlite3 -readonly "$V/vault.db" "SELECT value FROM meta WHERE key = 'purge_day'")" = 2022-06-06
unset CASEVAULT_TODAY

# ---- the scheduled run's lock: a second one at once exits 0 and does nothing ----
# (the other purge holds the lock from when it says so until told to stop, at most 30 s)
flock "$V/.purge.lock" sh -c ': >"$1"; for _ in $(seq 600); do [ -e "$2" ] && break; sleep 0.05; done' sh "$T/held" "$T/release" &
lockpid=$!
for _ in $(seq 200); do [ -e "$T/held" ] && break; sleep 0.05; done
run_cv purge --scheduled
: >"$T/release"
check "a second purge at once exits 0" test "$RC" -eq 0
check "and says another purge is running" grep -q "another purge is running" "$T/out"
wait "$lockpid"
finish
