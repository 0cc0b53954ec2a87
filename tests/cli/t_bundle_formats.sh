#!/bin/bash
# Every released member of a bundle is read, checked and cleaned, whatever
# its format (docs/legal-rules.md §8-§10; docs/commands/request-bundle.md,
# Checking and cleaning), proved with tools casevault does not use:
#   - a born-digital PDF, an ODT and an e-mail each quoting a withheld
#     child-protection sentence block the bundle until decided (a release
#     is refused with the message; withholding then works), and none of
#     their text is in the bundle (pdftotext, unzip -p, grep on every
#     member, the index and the letter);
#   - a released PDF, ODT, DOCX and JPEG carrying a volunteer's name in
#     their metadata come out without it (pdfinfo, exiftool, unzip -p);
#   - a born-digital PDF naming a recorded third party comes out with the
#     name's text removed (pdftotext finds no trace) and the rest of the
#     page's words intact;
#   - an ODT naming a third party, and a PDF with no text (a scan) on a case
#     naming others, are refused until a person decides on them.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

for tool in gs pdftotext pdfinfo exiftool 7z unzip convert; do
	if ! command -v "$tool" >/dev/null; then
		echo "# skip: $tool is not installed (scripts/deps.sh installs it)"
		exit 0
	fi
done

export CASEVAULT_TODAY=2026-11-20
new_test_vault
CPL=$("$CV" staff add "Lee Protect" --role cp-lead --no-passphrase); "$CV" staff attest "$CPL" >/dev/null
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)
"$CV" case person add "$C" "Patricia Jones" --kind third-party --phone "07700 900456" >/dev/null
"$CV" case person add "$C" "Vera Quillfeather" --kind volunteer --phone "07700 900123" >/dev/null

# ---- fixtures, made here ----
D=$T/d
mkdir -p "$D"
CP1='SECRETCP the child disclosed bruising to the class teacher on Monday'
CP2='and a referral was made to the LADO after the strategy discussion.'
# pdf FILE [pdfmark] LINE...: a born-digital PDF, one text line each
pdf() {
	local f=$1 mark=$2 ps='' y=720 l
	shift 2
	for l in "$@"; do ps="$ps 72 $y moveto ($l) show"; y=$((y - 20)); done
	gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -o "$f" \
		-c "$mark /Helvetica findfont 10 scalefont setfont $ps showpage" 2>/dev/null
}
pdf "$D/cp-quote.pdf" '' "Summary of the term." "$CP1" "$CP2"
pdf "$D/meta.pdf" '[ /Author (Vera Quillfeather) /Title (Scanned by Vera Quillfeather) /DOCINFO pdfmark' \
	"Annual review summary for the family."
# a scan: a page with no text layer
gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -o "$D/scan.pdf" -c '72 72 moveto 300 300 lineto stroke showpage' 2>/dev/null
pdf "$D/third.pdf" '' "The neighbour Patricia Jones attended the review meeting." \
	"Agreed actions were written down for the school."
python3 - "$D" "$CP1 $CP2" <<'PY'
import base64, sys, zipfile
d, cp = sys.argv[1], sys.argv[2]
ODT_NS = "xmlns:office='urn:oasis:names:tc:opendocument:xmlns:office:1.0' xmlns:text='urn:oasis:names:tc:opendocument:xmlns:text:1.0'"
def odt(path, body, creator=None):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<?xml version='1.0'?><office:document-content %s><office:body><office:text><text:p>%s</text:p></office:text></office:body></office:document-content>" % (ODT_NS, body))
        if creator:
            z.writestr("meta.xml", "<?xml version='1.0'?><office:document-meta %s xmlns:meta='urn:oasis:names:tc:opendocument:xmlns:meta:1.0' xmlns:dc='http://purl.org/dc/elements/1.1/'><office:meta><meta:initial-creator>%s</meta:initial-creator><dc:creator>%s</dc:creator></office:meta></office:document-meta>" % (ODT_NS, creator, creator))
        z.writestr("META-INF/manifest.xml", "<?xml version='1.0'?><manifest:manifest xmlns:manifest='urn:oasis:names:tc:opendocument:xmlns:manifest:1.0'/>")
odt(d + "/cp-quote.odt", "Notes from the visit. " + cp)
odt(d + "/meta.odt", "Plan for the next term.", "Vera Quillfeather")
odt(d + "/names.odt", "Mrs Jones from next door came to the meeting.")
with zipfile.ZipFile(d + "/meta.docx", "w") as z:
    z.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'><Override PartName='/word/document.xml' ContentType='application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'/><Override PartName='/docProps/core.xml' ContentType='application/vnd.openxmlformats-package.core-properties+xml'/></Types>")
    z.writestr("_rels/.rels", "<?xml version='1.0'?><Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'><Relationship Id='rId1' Type='http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties' Target='docProps/core.xml'/></Relationships>")
    z.writestr("word/document.xml", "<?xml version='1.0'?><w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'><w:body><w:p><w:r><w:t>Transport to school was agreed.</w:t></w:r></w:p></w:body></w:document>")
    z.writestr("docProps/core.xml", "<?xml version='1.0'?><cp:coreProperties xmlns:cp='http://schemas.openxmlformats.org/package/2006/metadata/core-properties' xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator>Vera Quillfeather</dc:creator><cp:lastModifiedBy>Vera Quillfeather</cp:lastModifiedBy></cp:coreProperties>")
# an e-mail whose body is base64: the words are found only once decoded
body = base64.encodebytes(("Hello,\n\nFollowing the call: " + cp + "\n").encode()).decode()
open(d + "/cp-quote.eml", "w").write("From: school@example.org\nTo: office@example.org\nSubject: After the call\n"
    "Date: Mon, 2 Nov 2026 10:00:00 +0000\nMessage-ID: <2@example.org>\nMIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + body)
PY
convert -size 64x48 gradient:white-black "$D/photo.jpg" 2>/dev/null
exiftool -q -overwrite_original -Artist="Vera Quillfeather" -XMP-dc:Creator="Vera Quillfeather" "$D/photo.jpg"
check "the fixtures carry the volunteer's name in their metadata" sh -c "
	pdfinfo '$D/meta.pdf' | grep -q Quillfeather && exiftool '$D/photo.jpg' | grep -q Quillfeather &&
	unzip -p '$D/meta.odt' meta.xml | grep -q Quillfeather && unzip -p '$D/meta.docx' docProps/core.xml | grep -q Quillfeather"

# ---- the case's records ----
"$CV" note "$C" --class case-note --date 2026-01-10 --title "Intake call" --text "Intake call with Alex Example about transport." >/dev/null
"$CV" note "$C" --class cp-note --cp --date 2026-01-12 --title "Strategy discussion record" --text "$CP1 $CP2" >/dev/null
declare -A ID
# put TITLE FILE CLASS DATE: file a document, keep its record id by title
put() {
	ID[$1]=$("$CV" file "$C" "$2" --class "$3" --date "$4" --title "$1" | awk '{print $1; exit}')
	case ${ID[$1]} in R-*) ;; *) echo "record '$1' was not filed"; exit 1;; esac
}
put "Term summary" "$D/cp-quote.pdf" report 2026-02-01
put "Visit notes" "$D/cp-quote.odt" report 2026-02-02
put "After the call" "$D/cp-quote.eml" email 2026-02-03
put "Annual review summary" "$D/meta.pdf" report 2026-03-01
put "Plan for next term" "$D/meta.odt" report 2026-03-02
put Transport "$D/meta.docx" report 2026-03-03
put Photograph "$D/photo.jpg" report 2026-03-04
put "Review meeting" "$D/third.pdf" report 2026-03-05
put "Meeting attendance" "$D/names.odt" report 2026-03-06
put "Scanned form" "$D/scan.pdf" report 2026-03-07
rid() { printf '%s' "${ID[$1]}"; }
QUOTES="$(rid "Term summary") $(rid "Visit notes") $(rid "After the call")"

R=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-11-02 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
run_cv --json request show "$R"
dec() { python3 -c 'import json,sys; d={r["record"]: r["decision"] for r in json.load(open(sys.argv[1]))["request"]["records"]}; print(d.get(sys.argv[2], "absent"))' "$T/out" "$1"; }
check "a born-digital PDF is text casevault reads: redact by default" test "$(dec "$(rid "Review meeting")")" = redact
check "an e-mail too" test "$(dec "$(rid "After the call")")" = redact
check "a photograph still needs a decision (the case names others)" test "$(dec "$(rid Photograph)")" = needs-decision
"$CV" --as "$CPL" request decide "$R" "$(rid Photograph)" --release --reason "a photograph of the school bus" >/dev/null
# a person releases the PDF as it is: the withheld sentence in it still stops the bundle
"$CV" --as "$CPL" request decide "$R" "$(rid "Term summary")" --release --reason "looked at it" >/dev/null

# ---- each quote blocks the bundle until it is decided ----
named=''
for i in 1 2 3; do
	expect_fail "bundle $i refused: a member quotes withheld child-protection text" --as "$CPL" request bundle "$R" -o "$T/b$i.zip" --show-passphrase
	id=$(grep -o 'R-[0-9]*' "$T/err" | head -1)
	check "  it names a quoting record ($id)" sh -c "case ' $QUOTES ' in *' $id '*) exit 0;; esac; exit 1"
	check "  and says what to do" grep -q "decide on it: --withhold, or attach a redacted copy" "$T/err"
	check "  and wrote nothing" test ! -e "$T/b$i.zip"
	named="$named $id"
	"$CV" --as "$CPL" request decide "$R" "$id" --withhold sch3-para7 --reason "quotes the CP record" >/dev/null
done
check "the three quoting records were each named once" test "$(tr ' ' '\n' <<<"$named" | sort -u | grep -c R-)" -eq 3

# ---- a name in a type casevault cannot remove text from; a scan ----
expect_fail "an ODT naming a third party is refused" --as "$CPL" request bundle "$R" -o "$T/n.zip" --show-passphrase
check "  naming the record and what to do" sh -c "grep -q '$(rid "Meeting attendance")' '$T/err' && grep -q 'decide on it: --withhold, or attach a redacted copy' '$T/err'"
check "  without the name in the message" not grep -q Jones "$T/err"
"$CV" --as "$CPL" request decide "$R" "$(rid "Meeting attendance")" --withhold sch2-para16 --reason "names the neighbour" >/dev/null
expect_fail "a PDF with no text on a case naming others needs a person's decision" --as "$CPL" request bundle "$R" -o "$T/n.zip" --show-passphrase
check "  naming the record" grep -q "record $(rid "Scanned form") has no text casevault can read" "$T/err"
check "  and wrote nothing" test ! -e "$T/n.zip"
"$CV" --as "$CPL" request decide "$R" "$(rid "Scanned form")" --release --reason "looked at it: a diagram" >/dev/null

run_cv --as "$CPL" request bundle "$R" -o "$T/sar.zip" --show-passphrase
check "with them withheld the bundle is made (exit $RC: $ERR)" test "$RC" -eq 0
PASS=$(sed -n 's/^passphrase.*: //p' "$T/out")
mkdir "$T/x"
check "7z opens it" sh -c "cd '$T/x' && 7z x -p'$PASS' '$T/sar.zip' >/dev/null"
member() { python3 -c 'import json,sys; print(next(d["file"] for d in json.load(open(sys.argv[1]))["documents"] if d["title"] == sys.argv[2]))' "$T/x/index.json" "$1"; }
check "members: the letter, the indexes and seven records" test "$(ls "$T/x" | wc -l)" -eq 10
[ -s "$T/x/index.json" ] || finish

# ---- property 2 (files): none of the withheld text anywhere ----
: >"$T/alltext"
for f in "$T"/x/*; do
	cat "$f" >>"$T/alltext"
	case $f in
	*.pdf) pdftotext "$f" - >>"$T/alltext" 2>/dev/null ;;
	*.odt|*.docx) unzip -p "$f" >>"$T/alltext" 2>/dev/null ;;
	esac
done
for s in SECRETCP bruising LADO "strategy discussion" "Strategy discussion record" "Term summary" "Visit notes" "After the call"; do
	check "no member, no index, no letter holds '$s'" not grep -qiaF -- "$s" "$T/alltext"
done

# ---- property 3: no metadata ----
MP=$T/x/$(member "Annual review summary")
check "the PDF still has its words" sh -c "pdftotext '$MP' - | grep -q 'Annual review summary'"
check "pdfinfo finds no volunteer's name in the PDF" not sh -c "pdfinfo '$MP' | grep -qi Quillfeather"
check "pdfinfo finds no Author, Title or Producer" not sh -c "pdfinfo '$MP' | grep -Eq '^(Author|Title|Producer):'"
check "exiftool finds no volunteer's name in the PDF (XMP included)" not sh -c "exiftool -a '$MP' | grep -qi Quillfeather"
MO=$T/x/$(member "Plan for next term")
check "the ODT still has its words" sh -c "unzip -p '$MO' content.xml | grep -q 'Plan for the next term'"
check "the ODT's meta.xml names no one" not sh -c "unzip -p '$MO' meta.xml 2>/dev/null | grep -qi Quillfeather"
check "nothing in the ODT names the volunteer" not sh -c "unzip -p '$MO' | grep -qai Quillfeather"
MD=$T/x/$(member Transport)
check "the DOCX still has its words" sh -c "unzip -p '$MD' word/document.xml | grep -q 'Transport to school'"
check "the DOCX's docProps name no one" not sh -c "unzip -p '$MD' 'docProps/*' 2>/dev/null | grep -qi Quillfeather"
check "nothing in the DOCX names the volunteer" not sh -c "unzip -p '$MD' | grep -qai Quillfeather"
MJ=$T/x/$(member Photograph)
check "the JPEG is still a JPEG" sh -c "exiftool -s3 -FileType '$MJ' | grep -qx JPEG"
check "exiftool finds no volunteer's name in the JPEG (EXIF, XMP)" not sh -c "exiftool -a '$MJ' | grep -qi Quillfeather"
check "no member's bytes name the volunteer" not grep -rqaiF Quillfeather "$T/x"

# ---- property 4: a recorded third party removed from a born-digital PDF ----
MT=$T/x/$(member "Review meeting")
pdftotext "$MT" "$T/third.txt"
check "pdftotext finds no trace of the third party's name" not grep -Eqi 'patricia|jones' "$T/third.txt"
check "the rest of the first line is intact" sh -c "grep -q 'The neighbour' '$T/third.txt' && grep -q 'attended the review meeting' '$T/third.txt'"
check "the second line is intact" grep -q "Agreed actions were written down for the school" "$T/third.txt"
check "not a box over the text: the bytes hold no name either" not sh -c "mutool clean -d '$MT' '$T/third-d.pdf' && grep -qai 'Patricia' '$T/third-d.pdf'"

# ---- a withheld record that cannot be read ----
# Withheld, it is not sent; but its words are what the check searches the
# released records for.  Its archive gone, or its file unreadable as its
# type: the bundle is refused with what is wrong and what to do (never
# "decide --withhold": it is withheld), unless the record is named in
# --unreadable-withheld; then the bundle goes, and the audit trail says so.
# (a PDF locked by a password: sound by its structure, so filed, but its
# words cannot be read; a PDF cut short is refused when filed)
cp "$CORPUS/005-libreoffice-writer-password_libreoffice-writer-password.pdf" "$T/broken.pdf"
put "Broken scan" "$T/broken.pdf" report 2026-03-08
"$CV" --as "$CPL" request decide "$R" "$(rid "Broken scan")" --withhold sch2-para16 --reason "unreadable copy" >/dev/null
VN=$(rid "Visit notes") BS=$(rid "Broken scan")
AF=$(db "SELECT a.file FROM records r JOIN archives a ON a.id = r.archive_id WHERE r.id = '$VN'")
mv "$V/archives/$AF" "$T/kept.pgp"
expect_fail "a withheld record whose archive is missing refuses the bundle" --as "$CPL" request bundle "$R" -o "$T/u1.zip" --show-passphrase
check "  naming it, the archive and what is wrong: $ERR" sh -c "grep -q 'withheld record $VN cannot be read (archive $AF: ' '$T/err' && grep -q 'No such file' '$T/err'"
check "  saying what to do: verify, a backup, or the option naming both" sh -c "grep -q \"run 'casevault verify' and restore the vault from a backup\" '$T/err' && grep -q 'nor can 1 other' '$T/err' && grep -q 'add --unreadable-withheld $VN,$BS; nothing was written' '$T/err'"
check "  and not to withhold what is withheld" not grep -qE 'decide on it|--withhold[ ,]' "$T/err"
check "  and wrote nothing" test ! -e "$T/u1.zip"
expect_fail "named one, the other unreadable one still refuses" --as "$CPL" request bundle "$R" -o "$T/u2.zip" --show-passphrase --unreadable-withheld "$VN"
check "  naming it and why: its file is as filed, but not readable as a PDF: $ERR" sh -c "grep -q 'withheld record $BS cannot be read (it cannot be read as application/pdf' '$T/err' && grep -q 'its file is as filed' '$T/err' && grep -q 'add --unreadable-withheld $BS;' '$T/err'"
expect_fail "naming a released record is refused" --as "$CPL" request bundle "$R" -o "$T/u3.zip" --show-passphrase --unreadable-withheld "$VN,$(rid Transport)"
check "  saying it is not a withheld record" grep -q "names $(rid Transport), which is not a withheld record" "$T/err"
run_cv --as "$CPL" request bundle "$R" -o "$T/u.zip" --show-passphrase --unreadable-withheld "$BS,$VN"
check "both named, the bundle is made (exit $RC: $ERR)" test "$RC" -eq 0
PASS=$(sed -n 's/^passphrase.*: //p' "$T/out")
check "  7z opens it: the same seven records" sh -c "7z l -p'$PASS' '$T/u.zip' | grep -c ' 00[0-9]\.' | grep -qx 7"
check "  the audit trail names the records it went without" sh -c "'$CV' audit show | grep 'request.bundle-unchecked' | grep -q '$R $VN $BS\|$R $BS $VN'"
mv "$T/kept.pgp" "$V/archives/$AF"

finish
