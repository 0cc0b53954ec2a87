#!/bin/bash
# OCR at filing (docs/ocr.md; issue 19, properties 4 and 5), through the
# real binary, real gpg, real Tesseract with its English data:
#   - a scanned PDF (a page of pixels, no text layer) and a PNG scan are
#     filed; get gives each back byte for byte;
#   - search finds each by a word of its OCR text, and grep of the whole
#     vault directory finds neither that word nor the third party's name
#     (the OCR text exists only inside the encrypted archive);
#   - a subject access request lists the scan naming a recorded third party
#     as needing a decision, because of the name its OCR found; a scan
#     naming no one, and a blank scan, keep their default;
#   - the bundle holds the released scans but no OCR text member;
#   - an erasure that rewrites a shared archive keeps the other scan's OCR
#     text and destroys the erased one's;
#   - without the English data a scan is still filed, filing says so in
#     one note, verify counts it, its words are not searchable, and doctor
#     says what to install.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

for tool in gs 7z; do
	if ! command -v "$tool" >/dev/null; then
		echo "# skip: $tool is not installed (scripts/deps.sh installs it)"
		exit 0
	fi
done
if [ ! -r /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ]; then
	echo "# skip: tesseract-ocr-eng is not installed (scripts/deps.sh installs it)"
	exit 0
fi

export CASEVAULT_TODAY=2026-11-20
new_test_vault
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)
"$CV" case person add "$C" "Patricia Quennell" --kind third-party >/dev/null

# ---- scans, made here: a page drawn as a PDF, then turned into pixels ----
D=$T/d
mkdir -p "$D"
# page FILE LINE...: a born-digital one-page PDF, one line of text each
page() {
	local f=$1 ps='' y=720 l
	shift
	for l in "$@"; do ps="$ps 72 $y moveto ($l) show"; y=$((y - 24)); done
	gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -o "$f" -c "/Helvetica findfont 14 scalefont setfont $ps showpage" 2>/dev/null
}
page "$D/named.pdf" "Dear Sir, I write about the visit by Patricia Quennell on Monday." \
	"The kingfisher report is attached for the family."
page "$D/plain.pdf" "The heronsgate meeting is moved to Thursday afternoon."
page "$D/born.pdf" "Typed note: Patricia Quennell telephoned about the bus."
# a scanned PDF: the page rendered at 300 dpi into an image-only PDF (no text layer)
gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfimage8 -r300 -o "$D/scan.pdf" "$D/named.pdf" 2>/dev/null
# a PNG scan, and a blank page scanned (a line drawing, no words)
gs -q -dNOPAUSE -dBATCH -sDEVICE=pnggray -r300 -o "$D/scan.png" "$D/plain.pdf" 2>/dev/null
gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -o "$D/drawing.pdf" -c '72 72 moveto 300 300 lineto stroke showpage' 2>/dev/null
gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfimage8 -r150 -o "$D/blank.pdf" "$D/drawing.pdf" 2>/dev/null
check "the scanned PDF has no text layer (pdftotext finds nothing)" sh -c "[ -z \"\$(pdftotext '$D/scan.pdf' - 2>/dev/null | tr -d '[:space:]\f')\" ]"

declare -A ID
put() {
	ID[$1]=$("$CV" file "$C" "$2" --class report --date "$3" --title "$1" 2>"$T/put.err" | awk '{print $1; exit}')
	case ${ID[$1]} in R-*) ;; *) echo "record '$1' was not filed: $(cat "$T/put.err")"; exit 1;; esac
}
rid() { printf '%s' "${ID[$1]}"; }
put "Letter from school" "$D/scan.pdf" 2026-03-01
check "filing a scan with OCR says nothing on stderr" test ! -s "$T/put.err"
put "Meeting notice" "$D/scan.png" 2026-03-02
put "Diagram" "$D/blank.pdf" 2026-03-03
put "Typed note" "$D/born.pdf" 2026-03-04

run_cv get "$(rid "Letter from school")" -o "$T/got.pdf" --purpose "test"
check "get gives the scanned PDF back byte for byte" cmp -s "$T/got.pdf" "$D/scan.pdf"
run_cv get "$(rid "Meeting notice")" -o "$T/got.png" --purpose "test"
check "get gives the PNG back byte for byte" cmp -s "$T/got.png" "$D/scan.png"

# ---- property 5 (OCR half): found by a word of the OCR text, nowhere in clear ----
found() { "$CV" --json search "$1" | python3 -c 'import json,sys; print(" ".join(h["record"] for h in json.load(sys.stdin)["results"]))'; }
check "search finds the scanned PDF by 'kingfisher' (OCR)" test "$(found kingfisher)" = "$(rid "Letter from school")"
check "search finds the PNG by 'heronsgate' (OCR)" test "$(found heronsgate)" = "$(rid "Meeting notice")"
check "two words of one scan find it" test "$(found "kingfisher Monday")" = "$(rid "Letter from school")"
check "a word on no page finds nothing" test -z "$(found flamingo)"
for w in kingfisher heronsgate Quennell; do
	check "grep -r of the vault finds no '$w'" not grep -rqai -- "$w" "$V"
done
check "no file of the vault is named after an OCR member" test -z "$(find "$V" -name '*ocr*')"
run_cv --json verify
check "verify is clean and counts no scan without OCR" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["ok"] and d["not_ocred"] == 0))' "$T/out"

# ---- property 4: the scan naming a third party needs a decision ----
R=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-11-02 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
run_cv --json request show "$R"
field() { python3 -c 'import json,sys; d={r["record"]: r for r in json.load(open(sys.argv[1]))["request"]["records"]}; print(d[sys.argv[2]].get(sys.argv[3], ""))' "$T/out" "$1" "$2"; }
check "the scan naming the third party needs a decision" test "$(field "$(rid "Letter from school")" decision)" = needs-decision
check "  because its OCR text names a recorded person" sh -c "echo '$(field "$(rid "Letter from school")" why)' | grep -q 'scanned words (OCR) name a person recorded on the case'"
check "  the name itself is not in the table" not grep -q Quennell "$T/out"
check "the born-digital PDF naming them is redacted automatically" test "$(field "$(rid "Typed note")" decision)" = redact
check "the blank scan keeps its default (redact)" test "$(field "$(rid Diagram)" decision)" = redact
check "the PNG naming no one has no OCR reason" test -z "$(field "$(rid "Meeting notice")" why)"
run_cv request show "$R"
check "request show says why in words" grep -q "needs a decision: its scanned words (OCR) name a person" "$T/out"
expect_fail "the bundle is refused while the scan awaits a decision" request bundle "$R" -o "$T/early.zip" --show-passphrase
check "  naming the scan" grep -q "first: $(rid "Letter from school")" "$T/err"
"$CV" request decide "$R" "$(rid "Letter from school")" --withhold sch2-para16 --reason "names the neighbour" >/dev/null
"$CV" request decide "$R" "$(rid "Meeting notice")" "$(rid Diagram)" --release --reason "looked at them: no one named" >/dev/null
run_cv request bundle "$R" -o "$T/sar.zip" --show-passphrase
check "then the bundle is made (exit $RC: $ERR)" test "$RC" -eq 0
PASS=$(sed -n 's/^passphrase.*: //p' "$T/out")
mkdir "$T/x"
( cd "$T/x" && 7z x -p"$PASS" "$T/sar.zip" >/dev/null 2>&1 )
check "the bundle: letter, two indexes and three records, no OCR member" test "$(ls "$T/x" | wc -l)" -eq 6
check "  no member holds OCR text" not grep -rqa -e heronsgate -e kingfisher "$T/x"

# ---- an erasure rewrites an archive: the other scan keeps its OCR text ----
C2=$(new_case "Bea Other" "Cai Other" 2016-01-01)
page "$D/p1.pdf" "The lapwing group meets on Tuesday."
page "$D/p2.pdf" "The plover group meets on Wednesday."
gs -q -dNOPAUSE -dBATCH -sDEVICE=pnggray -r300 -o "$D/p1.png" "$D/p1.pdf" 2>/dev/null
gs -q -dNOPAUSE -dBATCH -sDEVICE=pnggray -r300 -o "$D/p2.png" "$D/p2.pdf" 2>/dev/null
"$CV" --json file "$C2" "$D/p1.png" "$D/p2.png" --class report --date 2026-03-06 >"$T/two.json"
read -r E1 E2 <<<"$(python3 -c 'import json,sys; print(" ".join(f["record"] for f in json.load(open(sys.argv[1]))["filed"]))' "$T/two.json")"
check "two scans filed in one call share an archive" test "$(db "SELECT COUNT(DISTINCT archive_id) FROM records WHERE id IN ('$E1','$E2')")" -eq 1
check "  both found by their OCR words" sh -c "[ '$(found lapwing)' = '$E1' ] && [ '$(found plover)' = '$E2' ]"
run_cv record erase "$E1" --reason "erasure request upheld"
check "one is erased (exit $RC: $ERR)" test "$RC" -eq 0
check "  its OCR words are gone with it" test -z "$(found lapwing)"
check "  the other is still found by its OCR words" test "$(found plover)" = "$E2"
run_cv verify
check "  verify is clean after the rewrite" test "$RC" -eq 0

# ---- without the English data: filed, said, counted ----
page "$D/late.pdf" "The osprey visit is on Friday."
gs -q -dNOPAUSE -dBATCH -sDEVICE=pnggray -r300 -o "$D/late.png" "$D/late.pdf" 2>/dev/null
mkdir -p "$T/nodata"
TESSDATA_PREFIX=$T/nodata "$CV" file "$C" "$D/late.png" --class report --date 2026-03-05 --title "Late scan" >"$T/out" 2>"$T/err"
check "a scan is filed without the English data" grep -q '^R-' "$T/out"
check "  filing says so in one line, naming the package" sh -c "[ \$(grep -c '' '$T/err') -eq 1 ] && grep -q 'filed without OCR.*tesseract-ocr-eng' '$T/err'"
run_cv --json verify
check "  verify counts it, and is still clean" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["ok"] and d["not_ocred"] == 1))' "$T/out"
run_cv verify
check "  verify says so in a note" grep -q "1 scan was filed when OCR could not run" "$T/out"
check "  its words are not searchable" test -z "$(found osprey)"
TESSDATA_PREFIX=$T/nodata "$CV" doctor >"$T/out" 2>&1
check "  doctor says OCR needs doing, naming the package" grep -q "^todo *ocr .*install the tesseract-ocr-eng package" "$T/out"
"$CV" doctor >"$T/out" 2>&1
check "with the data doctor says OCR can run" grep -q "^ok *ocr " "$T/out"
finish
