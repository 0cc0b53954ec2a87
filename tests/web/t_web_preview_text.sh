#!/bin/bash
# Previews of a text, a DOCX, an ODT and an e-mail in casevaultd's web
# interface (docs/web.md, Previews), over HTTP without a browser
# (tests/web/webclient.py): each comes back as a PNG the vault drew of the
# document's words (never its bytes, never its markup run), at most 1200
# pixels wide, with the preview's headers; the picture really shows the
# words (read back by OCR: build/formats_tool ocr, the library's Tesseract);
# each preview is a read, audited as record.get; a caseworker not assigned
# to the case and a caseworker asking for a child-protection record are
# refused as for a PDF.  The documents are made here: no corpus needed.
# Real OS accounts (root only: exit 77), the real daemon, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
OCR=$CV_BUILD_DIR/formats_tool
[ -x "$OCR" ] || { echo "SKIP: no $OCR (a -DBUILD_TESTS=ON build makes it)"; exit 77; }
[ -r /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] ||
	{ echo "SKIP: tesseract-ocr-eng is not installed (scripts/deps.sh installs it)"; exit 77; }
svc_setup
web_lead_case  # Cleo, a cp-lead, and case C: Ada and Cleo work on it, Ben on none
D=$T/docs
mkdir -m 755 "$D"
# markup in a text: libmagic calls a text with "<script" in its first 8 KB HTML, which the policy
# refuses, so the script comes after 9 KB (beyond the picture) and the note below carries one first
python3 -c 'import sys
open(sys.argv[1], "w").write("Dear Marmalade,\nThe form said <img src=x onerror=alert(1)> and <b onmouseover=alert(2)>"
    "here</b>.\nThe hearing is on Tuesday.\n" + "More words about the hearing.\n" * 300 +
    "<script>alert(3)</script>\n")' "$D/letter.txt"
printf 'Child protection note: Watermill.\n' >"$D/cp.txt"
python3 - "$D" <<'PY'
import base64, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/letter.docx", "w") as z:
    z.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'><Override PartName='/word/document.xml' ContentType='application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'/></Types>")
    z.writestr("_rels/.rels", "<?xml version='1.0'?><Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'/>")
    z.writestr("word/document.xml", "<?xml version='1.0'?><w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'><w:body><w:p><w:r><w:t>The Lighthouse letter about the school run.</w:t></w:r></w:p></w:body></w:document>")
with zipfile.ZipFile(d + "/notes.odt", "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
    z.writestr("content.xml", "<?xml version='1.0'?><office:document-content xmlns:office='urn:oasis:names:tc:opendocument:xmlns:office:1.0' xmlns:text='urn:oasis:names:tc:opendocument:xmlns:text:1.0'><office:body><office:text><text:p>Notes from the Orchard meeting.</text:p></office:text></office:body></office:document-content>")
    z.writestr("META-INF/manifest.xml", "<?xml version='1.0'?><manifest:manifest xmlns:manifest='urn:oasis:names:tc:opendocument:xmlns:manifest:1.0'/>")
att = base64.encodebytes(b"Minutes of the meeting.\n").decode()
open(d + "/visit.eml", "w").write(
    "From: school@example.org\nTo: office@example.org\nSubject: Pumpkin visit\n"
    "Date: Mon, 2 Nov 2026 10:00:00 +0000\nMessage-ID: <3@example.org>\nMIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b1\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\n"
    "The Harbour visit went well.\n--b1\nContent-Type: text/plain; name=minutes.txt\n"
    "Content-Disposition: attachment; filename=minutes.txt\nContent-Transfer-Encoding: base64\n\n"
    + att + "--b1--\n")
PY
chmod 644 "$D"/*
as_svc "$CV" file "$C" "$D/letter.txt" "$D/letter.docx" "$D/notes.odt" "$D/visit.eml" --class correspondence >/dev/null || echo "# filing failed"
as_svc "$CV" file "$C" "$D/cp.txt" --cp --class cp-report >/dev/null
printf '<script>alert(4)</script> Quince' >"$D/note.txt"  # a note's words, for the comparison below
as_svc "$CV" note "$C" --class case-note --title "Markup" --text "$(cat "$D/note.txt")" >/dev/null
# rec TITLE [--cp]: the id and type of the record so titled
rec() { as_svc "$CV" --json ls "$C" ${2:-} | python3 -c 'import json,sys
print(*[(r["id"], r["mime"]) for r in json.load(sys.stdin)["records"] if r["title"] == sys.argv[1]][0])' "$1"; }
read -r RT MT < <(rec letter.txt)
read -r RD MD < <(rec letter.docx)
read -r RO MO < <(rec notes.odt)
read -r RE ME < <(rec visit.eml)
read -r RC MC < <(rec cp.txt --cp)
read -r RN MN < <(rec Markup)
check "setup: case $C; the text $RT ($MT), DOCX $RD, ODT $RO, e-mail $RE ($ME), cp text $RC, note $RN ($MN)" \
	test "$MT" = text/plain -a "$MD" = application/vnd.openxmlformats-officedocument.wordprocessingml.document \
	-a "$MO" = application/vnd.oasis.opendocument.text -a "$ME" = message/rfc822 -a -n "$RC" -a "$MN" = text/plain
web_start_three

# ---- each type: a PNG of its words
# words JAR: what OCR reads in the PNG JAR got, on one line
words() { "$OCR" ocr image/png "$T/jar.$1.body" "$T/ocr.txt" >/dev/null && tr '\n' ' ' <"$T/ocr.txt"; }
# previewed JAR RECORD DOC WORD...: the preview is a 1200-pixel PNG, not DOC's bytes, whose words hold each WORD
previewed() {
	local jar=$1 r=$2 doc=$3 w seen
	shift 3
	web "$jar" get "/record/$r/preview"
	check "the preview of $(basename "$doc") ($r) is a 1200-pixel PNG (${WST%% *}, $(png_size "$jar"))" \
		bash -c '[ "$1" = 200 ] && [ "$2" = 1200x1698 ]' _ "${WST%% *}" "$(png_size "$jar")"
	check "  ... the headers decided (image/png, its own sandbox policy, nosniff, inline, no-store)" \
		headers_exact "$jar"
	check "  ... not the document's bytes" not cmp -s "$T/jar.$jar.body" "$doc"
	seen=$(words "$jar")
	for w in "$@"; do
		check "  ... and the picture shows \"$w\" (OCR: ${seen:0:100})" grep -qF -- "$w" <<<"$seen"
	done
}
previewed ada "$RT" "$D/letter.txt" Marmalade "onerror=alert" Tuesday
check "  ... the text's markup is nowhere in the answer as bytes" not grep -q -e "script" -e "onerror" "$T/jar.ada.body"
previewed ada "$RN" "$D/note.txt" "<script>alert" Quince
check "  ... the note's script is nowhere in the answer as bytes" not grep -q "script" "$T/jar.ada.body"
previewed ada "$RD" "$D/letter.docx" Lighthouse
previewed ada "$RO" "$D/notes.odt" Orchard
previewed ada "$RE" "$D/visit.eml" "Subject: Pumpkin visit" "From: school@example.org" Harbour \
	"Attachment: minutes.txt"
web ada get "/record/$RD/fix"
check "the DOCX's page shows its preview as an image of this origin" \
	page_has ada "<img src=\"/record/$RD/preview\" alt=\"Preview of record $RD"
web ada get "/case/$C"
check "  ... and the case page says the e-mail can be previewed" \
	python3 -c 'import re,sys
b = open(sys.argv[1]).read(); i = b.index(sys.argv[2]); sys.exit(0 if "Preview, download or correct" in b[i:i+2000] else 1)' \
	"$T/jar.ada.body" "$RE"

# ---- each preview is a read, audited
AUDIT=$(as_svc "$CV" --json audit show)
gets() { python3 -c 'import json, sys
print(len([e for e in json.load(sys.stdin)["events"] if e["action"] == "record.get" and e["outcome"] == "ok"
           and e["acted_by"] == sys.argv[1] and sys.argv[2] in e["ids"]]))' "$1" "$2" <<<"$AUDIT"; }
check "the previews are audited as Ada's reads (record.get $RT $RD $RO $RE: $(gets "$A" "$RT") $(gets "$A" "$RD") \
$(gets "$A" "$RO") $(gets "$A" "$RE"))" test "$(gets "$A" "$RT")$(gets "$A" "$RD")$(gets "$A" "$RO")$(gets "$A" "$RE")" = 1111

# ---- refusals, as for a PDF
web ben get "/record/$RD/preview"
check "a caseworker not assigned to $C is refused the DOCX's preview (${WST%% *}: $(alert_of ben))" \
	bash -c '[ "$1" = 403 ] && ! grep -q "^Content-Type: image/png" "$2"' _ "${WST%% *}" "$T/jar.ben.headers"
web ben get "/record/$RE/preview"
check "  ... and the e-mail's (${WST%% *})" \
	bash -c '[ "$1" = 403 ] && ! grep -q "^Content-Type: image/png" "$2"' _ "${WST%% *}" "$T/jar.ben.headers"
web ada get "/record/$RC/preview"
check "the caseworker is refused the child-protection text's preview (${WST%% *})" \
	bash -c '[ "$1" = 403 ] && ! grep -q "^Content-Type: image/png" "$2"' _ "${WST%% *}" "$T/jar.ada.headers"
previewed lead "$RC" "$D/cp.txt" Watermill
AUDIT=$(as_svc "$CV" --json audit show)
refused() { python3 -c 'import json, sys
print(len([e for e in json.load(sys.stdin)["events"] if e["outcome"] != "ok" and e["acted_by"] == sys.argv[1]]))' "$1" <<<"$AUDIT"; }
check "  ... Ben's refusals are in the audit trail ($(refused "$B"))" test "$(refused "$B")" -ge 2

check "verify passes" as_svc "$CV" verify
check "audit verify passes" as_svc "$CV" audit verify
check "no sanitizer report in the daemon's log (its pages' workers included)" \
	not grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$T/daemon.log"
finish
