#!/bin/bash
# The formats layer checked by tools casevault did not write (docs/legal-rules.md
# §7-§10): pdfinfo and exiftool find no metadata in the cleaned copies, unzip -p
# finds no properties, pdftotext finds no trace of a redacted name and the rest
# of the page intact.  Drives build/formats_tool on tests/fixtures/formats/.
. "$(dirname "$0")/lib.sh"

TOOL=$CV_BUILD_DIR/formats_tool
F=$CV_SOURCE_DIR/tests/fixtures/formats
PDF=application/pdf
ODT=application/vnd.oasis.opendocument.text
DOCX=application/vnd.openxmlformats-officedocument.wordprocessingml.document

# PDF: Info and XMP gone (pdfinfo), text unchanged (pdftotext)
check "the fixture PDF has an Author" bash -c "pdfinfo '$F/letter.pdf' | grep -q 'A. Caseworker'"
check "clean a PDF" "$TOOL" clean $PDF "$F/letter.pdf" "$T/clean.pdf"
check "pdfinfo: no Author, Title or Producer" not bash -c "pdfinfo '$T/clean.pdf' | grep -Eq '^(Author|Title|Producer):'"
check "pdfinfo: no metadata stream" bash -c "pdfinfo '$T/clean.pdf' | grep -q 'Metadata Stream: *no'"
check "exiftool: no XMP creator in the PDF" not bash -c "exiftool '$T/clean.pdf' | grep -qi 'creator.*Jane Doe'"
check "pdftotext: the text is kept" bash -c "pdftotext '$T/clean.pdf' - | grep -q 'met the social worker'"

# PDF redaction: the name's text removed, the rest intact
hits=$("$TOOL" redact $PDF "$F/letter.pdf" "$T/red.pdf" "Jane Doe")
check "redaction counts 3 hits (got $hits)" test "$hits" = 3
check "pdftotext: no trace of the name" not bash -c "pdftotext '$T/red.pdf' - | grep -Eqi 'jane|doe'"
check "pdftotext: the rest of the line stays" bash -c "pdftotext '$T/red.pdf' - | grep -q 'met the social worker on Monday.'"
check "pdftotext: page 2 stays" bash -c "pdftotext '$T/red.pdf' - | grep -q 'Second page: no names here.'"
check "pdfinfo: the redacted copy has no Title naming her" not bash -c "pdfinfo '$T/red.pdf' | grep -q 'Jane'"
check "redaction fails closed on a name in a note" not "$TOOL" redact $PDF "$F/annotated.pdf" "$T/x.pdf" "Jane Doe"
check "and writes nothing" test ! -e "$T/x.pdf"

# ODT and DOCX: properties gone (unzip -p), body kept
check "clean an ODT" "$TOOL" clean $ODT "$F/notes.odt" "$T/clean.odt"
check "unzip -p meta.xml: no creator" not bash -c "unzip -p '$T/clean.odt' meta.xml | grep -q Caseworker"
check "unzip -p content.xml: the body is kept" bash -c "unzip -p '$T/clean.odt' content.xml | grep -q 'attended'"
check "unzip -t: the ODT zip is sound" bash -c "unzip -tq '$T/clean.odt' >/dev/null"
check "clean a DOCX" "$TOOL" clean $DOCX "$F/notes.docx" "$T/clean.docx"
check "unzip -p core.xml: no creator or title" not bash -c "unzip -p '$T/clean.docx' docProps/core.xml | grep -Eq 'Caseworker|Jane'"
check "unzip -p app.xml: no company" not bash -c "unzip -p '$T/clean.docx' docProps/app.xml | grep -q 'Example Office'"
check "unzip -l: no custom.xml" not bash -c "unzip -l '$T/clean.docx' | grep -q custom.xml"
check "unzip -p word/: no comment or change author" not bash -c "unzip -p '$T/clean.docx' 'word/*' | grep -q 'Vera Volunteer'"
check "unzip -p content.xml: no annotation author" not bash -c "unzip -p '$T/clean.odt' content.xml | grep -q 'Vera Volunteer'"
check "file: the clean DOCX is still a Word document" bash -c "file --brief --mime-type '$T/clean.docx' | grep -q wordprocessingml"

# JPEG: EXIF, XMP, IPTC and the comment gone (exiftool), the image still decodes
check "clean a JPEG" "$TOOL" clean image/jpeg "$F/photo.jpg" "$T/clean.jpg"
check "exiftool: no Artist, Creator, By-line or Comment" not bash -c "exiftool '$T/clean.jpg' | grep -Eq '^(Artist|Creator|By-line|Comment) '"
check "exiftool finds them in the original" bash -c "exiftool '$F/photo.jpg' | grep -Eq '^Artist '"
check "djpeg: the image decodes" bash -c "djpeg '$T/clean.jpg' >/dev/null"

# e-mail: only the headers a reader needs
check "clean an e-mail" "$TOOL" clean message/rfc822 "$F/mail.eml" "$T/clean.eml"
check "no Received, X- or Message-ID header" not grep -Eqi '^(Received|X-[a-z-]+|Message-ID|User-Agent|Return-Path):' "$T/clean.eml"
check "From and Subject stay" bash -c "grep -q '^From: A Worker' '$T/clean.eml' && grep -q '^Subject: Visit notes' '$T/clean.eml'"

# bad input: one line, exit 1, nothing written
for f in bad.pdf:$PDF bad.docx:$DOCX bad.odt:$ODT bad.jpg:image/jpeg latin1.txt:text/plain; do
	"$TOOL" text "${f#*:}" "$F/${f%%:*}" "$T/out.txt" 2>"$T/err" && fail "${f%%:*} read" || true
	check "${f%%:*}: one line on stderr" test "$(wc -l <"$T/err")" = 1
	check "${f%%:*}: nothing written" test ! -e "$T/out.txt"
done
finish
