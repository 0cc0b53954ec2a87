#!/bin/bash
# E-mail intake (docs/intake.md, "E-mail"): an .eml in the tray is assigned
# as three linked records when it carries two attachments - its text
# (headers and body) titled by the subject, and each attachment titled by
# its file name, byte-identical, part of the first - in one filing.  An
# attachment the filing refuses refuses the whole assign, naming it, and
# nothing is filed.  Control characters in a subject are written out in the
# title.  An Outlook .msg is refused at intake with how to save it as .eml.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

FX=$CV_SOURCE_DIR/tests/fixtures/formats
# mkmail OUT SUBJECT BODYTYPE ATTACHMENT...: an e-mail (python's email package) with the attachments
mkmail() {
	python3 - "$@" <<'PY'
import sys, os, mimetypes
from email.message import EmailMessage
from email.policy import SMTP
out, subject, btype, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
m = EmailMessage()
m["From"] = "Tribunal Clerk <clerk@tribunal.example>"
m["To"] = "office@casework.example"
m["Subject"] = subject
m["Date"] = "Mon, 30 Nov 2026 10:15:00 +0000"
if btype == "html":
    m.set_content("<html><body><p>The <b>hearing</b> is moved to Wednesday quokka.</p></body></html>", subtype="html")
else:
    m.set_content("Dear office,\nthe hearing is moved to Wednesday. Regards, quokka\n")
for f in files:
    t = (mimetypes.guess_type(f)[0] or "application/octet-stream").split("/")
    m.add_attachment(open(f, "rb").read(), maintype=t[0], subtype=t[1], filename=os.path.basename(f))
open(out, "wb").write(m.as_bytes(policy=SMTP))
PY
}
# recs_json CASE: "id|title|part_of|mime" per record, one a line
recs_json() {
	"$CV" --json ls "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["records"]:
    print("%s|%s|%s|%s" % (r["id"], r["title"], r.get("part_of") or "", r["mime"]))'
}
verified() {
	"$CV" verify >/dev/null 2>&1 && "$CV" audit verify >/dev/null 2>&1
}

new_vault
C=$(new_case "Mail Parent" "Mail Child" 2016-02-02)
W=$("$CV" staff add "Wendy Caseworker" --role caseworker --no-passphrase)
"$CV" staff attest "$W" >/dev/null
"$CV" case assign "$C" "$W" >/dev/null

# ---- an e-mail with two attachments: three linked records
mkmail "$T/two.eml" "Hearing date moved" plain "$FX/letter.pdf" "$FX/photo.jpg"
run_cv intake add "$T/two.eml"
check "an .eml goes into the tray ($ERR)" test "$RC" -eq 0 -a "$OUT" = I-000001
check "...typed as an e-mail" test "$(db "SELECT mime FROM intake WHERE id = 'I-000001'")" = message/rfc822
run_cv --as "$W" --json intake assign I-000001 "$C" --class correspondence
check "the caseworker assigns it ($ERR)" test "$RC" -eq 0
IDS=$(python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["records"]))' <<<"$OUT")
read -r R1 R2 R3 <<<"$IDS"
check "it became three records ($IDS)" test -n "$R3"
LS=$(recs_json "$C")
check "the first is the e-mail's text, titled by its subject" grep -qxF "$R1|Hearing date moved||text/plain" <<<"$LS"
check "the PDF attachment, titled by its name, part of the e-mail" grep -qxF "$R2|letter.pdf|$R1|application/pdf" <<<"$LS"
check "the JPEG attachment, titled by its name, part of the e-mail" grep -qxF "$R3|photo.jpg|$R1|image/jpeg" <<<"$LS"
run_cv --as "$W" ls "$C"
check "ls shows the link in text too" grep -q "$R2 .*(part of $R1)" <<<"$OUT"
"$CV" --as "$W" get "$R1" --purpose test-copy -o "$T/body.txt" 2>/dev/null
check "the e-mail's record holds the sender, the subject and the body" \
	grep -q "^From: Tribunal Clerk" "$T/body.txt"
check "...and its words" grep -q "moved to Wednesday. Regards, quokka" "$T/body.txt"
"$CV" --as "$W" get "$R2" --purpose test-copy -o "$T/a.pdf" 2>/dev/null
"$CV" --as "$W" get "$R3" --purpose test-copy -o "$T/a.jpg" 2>/dev/null
check "the PDF attachment is filed byte-identical" cmp -s "$T/a.pdf" "$FX/letter.pdf"
check "the JPEG attachment is filed byte-identical" cmp -s "$T/a.jpg" "$FX/photo.jpg"
check "one filing: one archive for the three" test "$(db "SELECT count(DISTINCT archive_id) FROM records WHERE id IN ('$R1','$R2','$R3')")" = 1
check "the assignment is audited with every record" \
	test "$(db "SELECT count(*) FROM audit WHERE action = 'intake.assign' AND ids = 'I-000001 $R1 $R2 $R3'")" = 1
check "the item left the tray" test "$(db 'SELECT count(*) FROM intake')" = 0 -a ! -e "$V/intake/I-000001.cvi"
check "verify and audit verify pass" verified

# ---- an attachment the filing refuses refuses the whole e-mail
BEFORE=$(db 'SELECT count(*) FROM records')
mkmail "$T/bad.eml" "Reports" plain "$FX/notes.odt" "$FX/bad.pdf"
"$CV" intake add "$T/bad.eml" >/dev/null
expect_fail "a damaged PDF attachment refuses the assign" --as "$W" intake assign I-000002 "$C" --class correspondence
check "...naming the attachment" grep -q "attachment 'bad.pdf'" <<<"$ERR"
check "...nothing was filed" test "$(db 'SELECT count(*) FROM records')" = "$BEFORE"
check "...and the item stays in the tray" test "$(db "SELECT count(*) FROM intake WHERE id = 'I-000002'")" = 1
mkmail "$T/dup.eml" "Photo again" plain "$FX/photo.jpg"
"$CV" intake add "$T/dup.eml" >/dev/null
expect_fail "an attachment already filed in the case refuses the assign" --as "$W" intake assign I-000003 "$C" --class correspondence
check "...naming it" grep -q "photo.jpg is already filed.*nothing was filed" <<<"$ERR"
check "...nothing was filed" test "$(db 'SELECT count(*) FROM records')" = "$BEFORE"
"$CV" --as "$W" intake reject I-000003 --reason duplicate >/dev/null

# ---- an HTML-only body is filed as its text; a control character in the subject is written out
mkmail "$T/html.eml" $'Urgent\x07 letter' html "$FX/scan.pdf"
"$CV" intake add "$T/html.eml" >/dev/null
run_cv --as "$W" --json intake assign I-000004 "$C" --class correspondence
check "an HTML e-mail is assigned ($ERR)" test "$RC" -eq 0
read -r H1 H2 <<<"$(python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["records"]))' <<<"$OUT")"
LS=$(recs_json "$C")
check "the subject's control character is written out in the title" grep -qxF "$H1|Urgent\\x07 letter||text/plain" <<<"$LS"
check "the attachment is part of it" grep -qxF "$H2|scan.pdf|$H1|application/pdf" <<<"$LS"
"$CV" --as "$W" get "$H1" --purpose test-copy -o "$T/html.txt" 2>/dev/null
check "the HTML body's words, without markup" grep -q "is moved to Wednesday quokka" "$T/html.txt"
check "...no tags" not grep -q "<b>" "$T/html.txt"


# ---- a link goes with either record: an attachment erased, then the e-mail's text
check "two links for the first e-mail" test "$(db "SELECT count(*) FROM record_parts WHERE part_of = '$R1'")" = 2
run_cv record erase "$R3" --reason "erasure request upheld"
check "an attachment is erased ($ERR)" test "$RC" -eq 0
check "...and its link with it" test "$(db "SELECT count(*) FROM record_parts WHERE record_id = '$R3'")" = 0
run_cv record erase "$R1" --reason "erasure request upheld"
check "the e-mail's text is erased ($ERR)" test "$RC" -eq 0
check "...and no link names it any more" test "$(db "SELECT count(*) FROM record_parts WHERE part_of = '$R1'")" = 0
check "...the other attachment is still filed" test "$(db "SELECT count(*) FROM records WHERE id = '$R2'")" = 1
check "verify and audit verify pass at the end" verified

# ---- Outlook .msg: refused at intake, saying to save it as .eml
python3 - "$T/note.msg" <<'PY'
# a CDF container with the stream Outlook writes first, which libmagic names application/vnd.ms-outlook
import struct, sys
E, FREE, FAT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
hdr = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16
hdr += struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 0x1000, E, 0, E, 0)
hdr += struct.pack("<I", 0) + struct.pack("<I", FREE) * 108
fat = struct.pack("<II", FAT, E) + struct.pack("<I", FREE) * 126
def entry(name, typ, child=FREE):
    n = (name + "\0").encode("utf-16-le") if name else b""
    return (n.ljust(64, b"\0") + struct.pack("<HBBIII", len(n), typ, 1, FREE, FREE, child) + b"\0" * 16
            + struct.pack("<IQQIQ", 0, 0, 0, E if typ else 0, 0))
d = entry("Root Entry", 5, 1) + entry("__properties_version1.0", 2) + entry("", 0) + entry("", 0)
open(sys.argv[1], "wb").write(hdr + fat + d)
PY
N=$(db 'SELECT count(*) FROM intake')
expect_fail "an Outlook .msg is refused at intake" intake add "$T/note.msg"
check "...saying to save it as .eml" grep -q "Outlook .msg.*save the message as .eml" <<<"$ERR"
check "...nothing added" test "$(db 'SELECT count(*) FROM intake')" = "$N"

finish
