#!/bin/bash
# Bulk import: many documents across many cases in one run, one archive per
# (case, section), a per-line error report, bad lines that do not stop or
# spoil other cases, and each case's batch all or nothing.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
make_docs "$T/d"
C1=$(new_case "Import One" "Child One" 2010-01-01)
C2=$(new_case "Import Two" "Child Two" 2011-02-02)
C3=$(new_case "Import Three" "Child Three" 2012-03-03)
C4=$(new_case "Import Four" "Child Four" 2013-04-04)
printf '#!/bin/sh\necho hi\n' >"$T/d/evil.pdf"
cat >"$T/d/good.csv" <<CSV
case,path,class,section,title,date
$C1,scan.png,letter,case,Scan from school,2026-10-01
$C1,letter.pdf,letter,case,"Letter, with a comma",2026-10-02
$C1,note.txt,cp-note,cp,CP concern,2026-10-03
$C2,$T/d/scan.jpg,report,case,,
$C2,mail.eml,correspondence,case,School e-mail,2026-10-05
CSV
run_cv import "$T/d/good.csv" --json
check "a clean manifest imports (exit $RC)" test "$RC" -eq 0
check "five records filed" test "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["filed"]))')" = 5
check "one archive per (case, section): 3 archives" test "$(sqlite3 "$V/vault.db" 'SELECT count(*) FROM archives')" = 3
check "one signed receipt for the whole run" test "$(sqlite3 "$V/vault.db" 'SELECT count(*) FROM receipts')" = 1
id=$("$CV" --json ls "$C1" | python3 -c 'import json,sys; r=json.load(sys.stdin)["records"]; print([x["id"] for x in r if x["title"]=="Letter, with a comma"][0])')
"$CV" get "$id" >"$T/back.pdf" 2>/dev/null
check "quoted CSV title kept; relative path resolved beside the manifest" cmp -s "$T/d/letter.pdf" "$T/back.pdf"
check "the cp line went to the cp file" test "$("$CV" --json ls "$C1" --cp | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 1

# A manifest with bad lines: case 3 has one bad line, so none of case 3 is filed;
# case 2's good lines are filed; lines for unknown cases/classes are reported.
cat >"$T/d/mixed.csv" <<CSV
case,path,class,section,title,date
$C2,scan.tif,letter,case,Scan two,2026-11-01
$C3,scan.png,letter,case,Good but spoiled,2026-11-01
$C3,evil.pdf,letter,case,Script in disguise,2026-11-01
C-1999-0001,scan.png,letter,case,Unknown case,2026-11-01
$C2,note.txt,no-such-class,case,Bad class,2026-11-01
$C2,report.odt,letter,elsewhere,Bad section,2026-11-01
$C2,too,few,columns
$C4,scan.tif,letter,case,Scan four,2026-11-01
$C4,mail.eml,correspondence,case,Mail four,2026-11-01
CSV
before=$(sqlite3 "$V/vault.db" 'SELECT count(*) FROM records')
run_cv import "$T/d/mixed.csv"
check "a manifest with bad lines exits 1" test "$RC" -eq 1
for n in 4 5 6 7 8; do
	check "line $n is reported" grep -q "line $n:" <<<"$ERR"
done
check "the script is named with its type" grep -q "evil.pdf is text/x-shellscript" <<<"$ERR"
check "case 3 is all or nothing: its good line is reported as not filed" grep -q "line 3: not filed because another document of the same case" <<<"$ERR"
check "case 3 has no records" test "$("$CV" --json ls "$C3" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 0
check "case 2's bad lines spoil case 2 too: its good line was not filed" bash -c "! '$CV' ls '$C2' | grep -q 'Scan two'"
check "case 4, all good, was filed in the same run" test "$("$CV" --json ls "$C4" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 2
after=$(sqlite3 "$V/vault.db" 'SELECT count(*) FROM records')
check "exactly case 4's two records were added" test "$after" -eq $((before + 2))
check "the summary says how many were imported" grep -q "imported" <<<"$ERR"
run_cv verify
check "verify passes after a partial import" test "$RC" -eq 0

# Records that fall due together share an archive; others do not.
before=$(sqlite3 "$V/vault.db" 'SELECT count(*) FROM archives')
run_cv file "$C1" "$T/d/scan.tif" "$T/d/mail.eml" --class letter --allow-duplicate
run_cv file "$C1" "$T/d/note.txt" --class complaint --date 2026-03-01 --allow-duplicate
"$CV" file "$C1" "$T/d/scan.png" --class letter --allow-duplicate >/dev/null
check "same retention rules: one archive per call" test "$(sqlite3 "$V/vault.db" 'SELECT count(*) FROM archives')" -eq $((before + 3))
printf 'case,path,class,section,title,date\n%s,scan.png,letter,case,L,2026-10-01\n%s,note.txt,complaint,case,C1,2026-10-02\n%s,mail.eml,complaint,case,C2,2026-10-03\n%s,scan.jpg,case-note,case,N,2026-10-04\n' "$C2" "$C2" "$C2" "$C2" >"$T/d/due.csv"
before=$(sqlite3 "$V/vault.db" 'SELECT count(*) FROM archives')
run_cv import "$T/d/due.csv" --allow-duplicates
check "import: letter and case-note share an archive, two complaints with different event dates do not (3 archives)" \
	test "$(sqlite3 "$V/vault.db" 'SELECT count(*) FROM archives')" -eq $((before + 3))

# A case's documents that fall due together go into archives of at most 128
# (docs/architecture.md, "Filing: the data flow"): 130 notes make two archives, and a bad
# last line still spoils the whole case, in both.
C5=$(new_case "Import Five" "Child Five" 2013-05-05)
mkdir -p "$T/d/many"
{
	echo "case,path,class,section,title,date"
	for k in $(seq 130); do
		printf 'Note %d of the import: a phone call with the parent.\n' "$k" >"$T/d/many/n$k.txt"
		printf '%s,many/n%d.txt,case-note,case,Note %d,2026-09-01\n' "$C5" "$k" "$k"
	done
} >"$T/d/many.csv"
archives_of() { sqlite3 "$V/vault.db" "SELECT count(DISTINCT archive_id) FROM records WHERE case_id = '$1'"; }
{ cat "$T/d/many.csv"; printf '%s,evil.pdf,letter,case,Bad,2026-09-01\n' "$C5"; } >"$T/d/many-bad.csv"
run_cv import "$T/d/many-bad.csv"
check "131 rows with one bad: exit 1, none of the case filed (exit $RC)" test "$RC" -eq 1 -a "$(archives_of "$C5")" = 0
run_cv import "$T/d/many.csv" --json
check "130 notes of one case and class: filed (exit $RC)" test "$RC" -eq 0
check "  in two archives" test "$(archives_of "$C5")" = 2
check "  of 128 and 2 members" test "$(sqlite3 "$V/vault.db" "SELECT group_concat(n, ' ') FROM (SELECT count(*) AS n FROM records WHERE case_id = '$C5' GROUP BY archive_id ORDER BY n DESC)")" = "128 2"
check "  one receipt for both" test "$(sqlite3 "$V/vault.db" "SELECT count(DISTINCT a.receipt_id) FROM records r JOIN archives a ON a.id = r.archive_id WHERE r.case_id = '$C5'")" = 1
ids=$("$CV" --json ls "$C5" | python3 -c 'import json,sys; r={x["title"]: x["id"] for x in json.load(sys.stdin)["records"]}; print(r["Note 1"], r["Note 128"], r["Note 129"], r["Note 130"])')
for k in 1 128 129 130; do
	set -- $ids
	"$CV" get "$1" >"$T/back.txt" 2>/dev/null
	check "  note $k reads back as filed" cmp -s "$T/d/many/n$k.txt" "$T/back.txt"
	ids=${ids#* }
done

# A malformed CSV (unterminated quote) files nothing at all.
printf 'case,path,class,section,title,date\n%s,scan.png,letter,case,"unterminated,2026-11-01\n' "$C1" >"$T/d/broken.csv"
before=$(tree_hash "$V")
expect_fail "a malformed CSV is refused" import "$T/d/broken.csv"
check "a malformed CSV changes nothing" test "$before" = "$(tree_hash "$V")"

# A NUL inside a title would cut it short: the row is refused, by line, and nothing is filed.
printf 'case,path,class,section,title,date\n%s,scan.png,letter,case,Letter,2026-10-01\n%s,note.txt,complaint,case,Comp\0laint from school,2026-10-02\n' "$C1" "$C1" >"$T/d/nul.csv"
before=$(tree_hash "$V")
expect_fail "a title holding a NUL byte is refused" import "$T/d/nul.csv" --allow-duplicates
check "the message names line 3, the title column and the NUL" grep -q 'line 3, column 5 (title) holds a NUL byte' "$T/err"
check "a NUL in a title changes nothing (all or nothing)" test "$before" = "$(tree_hash "$V")"

# The progress bar is drawn only on a terminal.
run_cv import "$T/d/good.csv" --allow-duplicates
check "no progress bar when stderr is not a terminal" bash -c "! grep -q '\[#' '$T/err'"
if command -v script >/dev/null; then
	script -qec "$CV import --allow-duplicates $T/d/good.csv" /dev/null >"$T/tty.out" 2>&1
	check "a progress bar on a terminal" grep -q '\[####' "$T/tty.out"
	# rows skipped as already filed count too: the bar ends full, on its own line
	printf 'One more letter.\n' >"$T/d/more.txt"
	{ cat "$T/d/good.csv"; printf '%s,more.txt,letter,case,More,2026-10-05\n' "$C1"; } >"$T/d/mix.csv"
	rows=$(($(grep -c '' "$T/d/mix.csv") - 1))
	script -qec "$CV import $T/d/mix.csv" /dev/null >"$T/tty.out" 2>&1
	check "a bar with skipped rows ends full ($rows/$rows)" grep -q "\] $rows/$rows" "$T/tty.out"
	check "  and the summary is on a line of its own" grep -q "^casevault: imported 1 of $rows documents" <(tr '\r' '\n' <"$T/tty.out")
fi
finish
