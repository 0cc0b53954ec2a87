#!/bin/bash
# Duplicates: a document whose bytes are already filed in the same case and
# section.  `file` refuses it (all or nothing, vault unchanged) unless
# --allow-duplicate; `import` skips it, names the record it duplicates, and
# exits 0 when every row is filed or skipped, so a manifest run again after
# its refused cases were mended files only what is missing.  Another case,
# the other section, a same-size document with other bytes, and notes are
# not duplicates.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

nrec() { db 'SELECT count(*) FROM records'; }

new_vault
make_docs "$T/d"
C1=$(new_case "Dup One" "Child One" 2012-01-01)
C2=$(new_case "Dup Two" "Child Two" 2013-02-02)
cp "$T/d/note.txt" "$T/d/copy-of-note.txt"
# same size as note.txt, one byte different: only a hash can tell
sed 's/SENCO/SENCX/' "$T/d/note.txt" >"$T/d/near.txt"
test "$(stat -c %s "$T/d/near.txt")" = "$(stat -c %s "$T/d/note.txt")" || fail "near.txt should have note.txt's size"

run_cv file "$C1" "$T/d/note.txt" "$T/d/letter.pdf" --class letter
check "first filing (exit $RC)" test "$RC" -eq 0
R_NOTE=$(printf '%s\n' "$OUT" | awk 'NR == 1 { print $1 }')

# ---- file: refused, all or nothing, vault unchanged ----
before=$(tree_hash "$V")
expect_fail "file: a copy of a filed document under another name is refused" file "$C1" "$T/d/copy-of-note.txt" --class letter
check "  the message names the file, the case and the record" grep -q "copy-of-note.txt is already filed in the case file of $C1 as $R_NOTE" <<<"$ERR"
check "  and says how to file a second copy" grep -q -- "--allow-duplicate" <<<"$ERR"
expect_fail "file: a batch with one duplicate files nothing" file "$C1" "$T/d/scan.png" "$T/d/copy-of-note.txt" --class letter
expect_fail "file: the same path twice in one call is refused" file "$C1" "$T/d/mail.eml" "$T/d/scan.jpg" "$T/d/mail.eml" --class letter
check "  the message says it is given twice" grep -q "mail.eml is given twice; give it once" <<<"$ERR"
cp "$T/d/mail.eml" "$T/d/mail-copy.eml"
expect_fail "file: two copies of one document in one call are refused" file "$C1" "$T/d/mail.eml" "$T/d/mail-copy.eml" --class letter
check "  the message names both paths" grep -q "mail.eml and .*mail-copy.eml are the same document" <<<"$ERR"
after=$(tree_hash "$V")
check "refused filings changed nothing (tree hash)" test "$before" = "$after"
check "still two records" test "$(nrec)" -eq 2

# ---- file: what is not a duplicate ----
run_cv file "$C1" "$T/d/near.txt" --class letter
check "same size, other bytes: filed (exit $RC)" test "$RC" -eq 0
run_cv file "$C2" "$T/d/note.txt" --class letter
check "the same document in another case: filed (exit $RC)" test "$RC" -eq 0
run_cv file "$C1" "$T/d/note.txt" --class cp-note --cp
check "the same document in the other section: filed (exit $RC)" test "$RC" -eq 0
printf 'Phoned, no answer.\n' >"$T/call.txt"
"$CV" note "$C1" --class phone-call <"$T/call.txt" >/dev/null && "$CV" note "$C1" --class phone-call <"$T/call.txt" >/dev/null
check "the same note twice: two records (two calls)" test "$?" -eq 0
run_cv file "$C1" "$T/d/copy-of-note.txt" --class letter --allow-duplicate
check "--allow-duplicate files a second copy (exit $RC)" test "$RC" -eq 0
check "  which reads back byte for byte" cmp -s "$T/d/note.txt" <("$CV" get "$(printf '%s\n' "$OUT" | awk '{ print $1 }')")
n_before_import=$(nrec)

# ---- import: skipped, reported, exit 0 when all is filed or skipped ----
C3=$(new_case "Dup Three" "Child Three" 2014-03-03)
cat >"$T/d/m.csv" <<CSV
case,path,class,section,title,date
$C1,letter.pdf,letter,case,Already filed,2026-10-01
$C3,scan.png,letter,case,New scan,2026-10-02
$C3,report.odt,report,case,New report,2026-10-03
$C3,scan.png,letter,case,Listed twice,2026-10-04
CSV
run_cv import "$T/d/m.csv"
check "import with one filed and one repeated row exits 0 (exit $RC)" test "$RC" -eq 0
check "  two records added" test "$(nrec)" -eq $((n_before_import + 2))
check "  line 2 is reported as skipped, naming the record" grep -q "line 2: skipped: the same document is already filed in $C1 as R-" <<<"$ERR"
scan_rec=$(printf '%s\n' "$OUT" | awk '$3 == "image/png" { print $1 }')
check "  line 5 (line 3 again) names line 3 and the record it became ($scan_rec)" grep -q "line 5: skipped: the same document as line 3, filed as $scan_rec" <<<"$ERR"
check "  the summary counts the skipped rows" grep -q "imported 2 of 4 documents; 2 already filed, skipped" <<<"$ERR"

# The same manifest again: nothing filed, every row skipped, exit 0, no receipt.
receipts=$(db 'SELECT count(*) FROM receipts')
n=$(nrec)
run_cv --json import "$T/d/m.csv"
check "the manifest again: exit 0 (exit $RC)" test "$RC" -eq 0
check "  nothing filed" test "$(nrec)" -eq "$n"
check "  no new receipt (nothing was written)" test "$(db 'SELECT count(*) FROM receipts')" -eq "$receipts"
check "  JSON: ok, no filed, four skipped with the records they duplicate" python3 - "$OUT" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
assert j["ok"] is True and j["filed"] == [] and j["errors"] == [], j
assert [s["line"] for s in j["skipped"]] == [2, 3, 4, 5], j
assert all(s["duplicate_of"].startswith("R-") for s in j["skipped"]), j
PY
check "  no archive file was left behind" test "$(ls "$V/archives" | wc -l)" -eq "$(db 'SELECT count(*) FROM archives')"

# A case that fails keeps its duplicates reported as duplicates, and a repeat of a
# document that was not filed is not filed either (with the reason).
C4=$(new_case "Dup Four" "Child Four" 2015-04-04)
printf '#!/bin/sh\necho hi\n' >"$T/d/evil.pdf"
cat >"$T/d/m2.csv" <<CSV
case,path,class,section,title,date
$C4,mail.eml,correspondence,case,Mail,2026-10-05
$C4,evil.pdf,letter,case,Script,2026-10-05
$C4,mail.eml,correspondence,case,Mail again,2026-10-05
CSV
n=$(nrec)
run_cv import "$T/d/m2.csv"
check "a case with a refused row: exit 1 (exit $RC)" test "$RC" -eq 1
check "  nothing of that case filed" test "$(nrec)" -eq "$n"
check "  the repeat says its first copy was not filed" grep -q "line 4: not filed because it is the same document as line 2, which was not filed" <<<"$ERR"

# A repeat under another class (so another archive group) is still the same document.
C5=$(new_case "Dup Five" "Child Five" 2016-05-05)
cat >"$T/d/m3.csv" <<CSV
case,path,class,section,title,date
$C5,letter.pdf,letter,case,As a letter,2026-10-06
$C5,letter.pdf,complaint,case,As a complaint,2026-10-06
CSV
n=$(nrec)
run_cv import "$T/d/m3.csv"
check "a repeat under another class is skipped (exit $RC)" test "$RC" -eq 0 -a "$(nrec)" -eq $((n + 1))
check "  and names the row and the record it became" grep -q "line 3: skipped: the same document as line 2, filed as R-" <<<"$ERR"

# import --check: every row looked at as an import would, every problem of a case
# reported on its own line, nothing written.
C6=$(new_case "Dup Six" "Child Six" 2017-06-06)
printf 'A new letter for case six.\n' >"$T/d/six.txt"
cat >"$T/d/chk.csv" <<CSV
case,path,class,section,title,date
$C1,letter.pdf,letter,case,Already filed,2026-10-01
$C6,six.txt,letter,case,New,2026-10-07
$C6,six.txt,complaint,case,Repeat,2026-10-07
$C4,mail.eml,correspondence,case,Fine alone,2026-10-07
$C4,evil.pdf,letter,case,Script,2026-10-07
$C4,missing.pdf,letter,case,Missing,2026-10-07
C-1999-0001,six.txt,letter,case,Unknown case,2026-10-07
CSV
before=$(tree_hash "$V")
run_cv import --check "$T/d/chk.csv"
check "import --check with refused rows exits 1 (exit $RC)" test "$RC" -eq 1
check "  nothing changed (tree hash)" test "$before" = "$(tree_hash "$V")"
check "  line 3 would be filed" grep -q "^line 3  $C6  text/plain  would be filed" <<<"$OUT"
check "  line 2 would be skipped, naming its record" grep -q "line 2: would be skipped: the same document is already filed in $C1 as R-" <<<"$ERR"
check "  line 4 would be skipped as a repeat of line 3" grep -q "line 4: would be skipped: the same document as line 3$" <<<"$ERR"
check "  line 6: the script, named with its type" grep -q "line 6: .*evil.pdf is text/x-shellscript" <<<"$ERR"
check "  line 7: its own problem too, not just 'spoiled'" grep -q "line 7: .*missing.pdf: no such file" <<<"$ERR"
check "  line 5 is spoiled by its case" grep -q "line 5: not filed because another document of the same case was refused" <<<"$ERR"
check "  line 8: unknown case" grep -q "line 8: no case C-1999-0001" <<<"$ERR"
check "  the summary counts each kind" grep -q "checked 7 documents: 1 would be filed, 2 skipped as already filed, 4 refused; nothing was filed" <<<"$ERR"
run_cv --json import --check "$T/d/chk.csv"
check "  JSON: would_file, skipped and errors" python3 - "$OUT" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
assert j["ok"] is False and "filed" not in j, j
assert [(w["line"], "record" in w) for w in j["would_file"]] == [(3, False)], j
assert [s["line"] for s in j["skipped"]] == [2, 4] and j["skipped"][1]["duplicate_line"] == 3, j
assert [e["line"] for e in j["errors"]] == [5, 6, 7, 8], j
PY
printf 'case,path,class,section,title,date\n%s,six.txt,letter,case,New,2026-10-07\n' "$C6" >"$T/d/chk-ok.csv"
run_cv import --check "$T/d/chk-ok.csv"
check "import --check of a clean manifest exits 0 (exit $RC)" test "$RC" -eq 0
check "  and the case still has no records" test "$(db "SELECT count(*) FROM records WHERE case_id = '$C6'")" -eq 0
run_cv import "$T/d/chk-ok.csv"
check "the real import then files it (exit $RC)" test "$RC" -eq 0 -a "$(db "SELECT count(*) FROM records WHERE case_id = '$C6'")" -eq 1

# --allow-duplicates files them
run_cv import "$T/d/m.csv" --allow-duplicates
check "import --allow-duplicates files every row again (exit $RC)" test "$RC" -eq 0 -a "$(printf '%s\n' "$OUT" | grep -c '^R-')" -eq 4

run_cv verify
check "verify passes (exit $RC)" test "$RC" -eq 0
finish
