#!/bin/bash
# Previews of records in casevaultd's web interface (docs/web.md, Previews),
# over HTTP without a browser (tests/web/webclient.py): a PDF's first page
# and an image come back as a PNG drawn by the vault (never the document's
# bytes), at most 1200 pixels wide, with the headers decided (a sandboxing
# policy of its own, nosniff, inline, no-store); each preview is a read,
# audited as record.get; a caseworker not assigned to the case, a caseworker
# asking for a child-protection record and anyone asking for a restricted
# record are refused; a text note whose words are markup is drawn as a
# picture of them (more in t_web_preview_text.sh), an unknown record gets
# no preview, and an SVG or HTML document is never filed.
# Real OS accounts (root only: exit 77), the real daemon, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
web_lead_case  # Cleo, a cp-lead, and case C: Ada and Cleo work on it, Ben on none
mkdir -m 755 "$T/docs"
cp "$CORPUS/001-trivial_minimal-document.pdf" "$T/docs/letter.pdf"
convert -size 3000x1000 xc:'#336699' -strip "$T/docs/wide.png"
convert -size 40x30 xc:'#993366' -strip "$T/docs/small.png"
convert -size 50x20 xc:'#669933' -strip "$T/docs/restricted.png"
printf '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>\n' >"$T/docs/x.svg"
printf '<!DOCTYPE html><html><body><script>alert(3)</script></body></html>\n' >"$T/docs/x.html"
chmod 644 "$T/docs"/*
as_svc "$CV" file "$C" "$T/docs/letter.pdf" "$T/docs/wide.png" "$T/docs/restricted.png" --class correspondence >/dev/null
as_svc "$CV" file "$C" "$T/docs/small.png" --cp --class cp-report >/dev/null
as_svc "$CV" note "$C" --class case-note --title "Markup" --text '<svg onload="alert(4)"></svg>' >/dev/null
# rec TITLE [--cp]: the id of the record so titled
rec() { as_svc "$CV" --json ls "$C" ${2:-} | python3 -c 'import json,sys
print([r["id"] for r in json.load(sys.stdin)["records"] if r["title"] == sys.argv[1]][0])' "$1"; }
RP=$(rec letter.pdf) RW=$(rec wide.png) RR=$(rec restricted.png) RC=$(rec small.png --cp) RN=$(rec Markup)
check "setup: case $C, records $RP (PDF) $RW (PNG) $RR $RC (cp) $RN (note)" test -n "$RP" -a -n "$RW" -a -n "$RC" -a -n "$RN"
as_svc "$CV" request open "$C" --kind restriction --requester "Pat Parent" --relationship client \
	--received "$(date +%F)" --records "$RR" >/dev/null
web_start_three

# ---- a PDF and a PNG
web ada get "/record/$RP/preview"
check "the caseworker previews the PDF $RP (200)" test "${WST%% *}" = 200
check "  ... a PNG drawn by the vault ($(png_size ada)), not the PDF's bytes" \
	bash -c '[ -n "$1" ] && ! cmp -s "$2" "$3"' _ "$(png_size ada)" "$T/jar.ada.body" "$T/docs/letter.pdf"
check "  ... at most 1200 pixels wide ($(png_size ada))" test "$(png_size ada | cut -dx -f1)" -le 1200
check "  ... with the headers decided (image/png, its own sandbox policy, nosniff, inline, no-store)" headers_exact ada
cp "$T/jar.ada.body" "$T/pdf-preview.png"
check "  ... whose picture is a page: mostly white, some ink" python3 -c 'import sys,zlib,struct
b = open(sys.argv[1], "rb").read(); p = 8; idat = b""
while p < len(b):
    n, t = struct.unpack(">I4s", b[p:p+8]); idat += b[p+8:p+8+n] if t == b"IDAT" else b""; p += 12 + n
raw = zlib.decompress(idat); white = raw.count(255) / len(raw)
sys.exit(0 if 0.5 < white < 1 else 1)' "$T/pdf-preview.png"
web ada get "/record/$RW/preview"
check "the caseworker previews the 3000-pixel PNG $RW: 1200 pixels wide ($(png_size ada))" test "$(png_size ada)" = 1200x400
check "  ... not the filed bytes" not cmp -s "$T/jar.ada.body" "$T/docs/wide.png"
check "  ... with the same headers" headers_exact ada
web ada get "/record/$RP/fix"
check "the record's page shows the preview as an image of this origin" \
	page_has ada "<img src=\"/record/$RP/preview\" alt=\"Preview of record $RP"
web ada get "/case/$C"
check "  ... and the case page says it can be previewed" page_has ada "Preview, download or correct"

# ---- each preview is a read, audited
AUDIT=$(as_svc "$CV" --json audit show)
gets() { python3 -c 'import json, sys
print(len([e for e in json.load(sys.stdin)["events"] if e["action"] == "record.get" and e["outcome"] == "ok"
           and e["acted_by"] == sys.argv[1] and sys.argv[2] in e["ids"]]))' "$1" "$2" <<<"$AUDIT"; }
check "the previews are audited as Ada's reads (record.get $RP: $(gets "$A" "$RP"), $RW: $(gets "$A" "$RW"))" \
	test "$(gets "$A" "$RP")" = 1 -a "$(gets "$A" "$RW")" = 1

# ---- refusals: who may not read the record gets no picture
web ben get "/record/$RP/preview"
check "a caseworker not assigned to $C is refused the preview (${WST%% *}: $(alert_of ben))" \
	bash -c '[ "$1" = 403 ] && ! grep -q "^Content-Type: image/png" "$2"' _ "${WST%% *}" "$T/jar.ben.headers"
web ada get "/record/$RC/preview"
check "the caseworker is refused the child-protection record's preview (${WST%% *})" \
	bash -c '[ "$1" = 403 ] && ! grep -q "^Content-Type: image/png" "$2"' _ "${WST%% *}" "$T/jar.ada.headers"
web lead get "/record/$RC/preview"
check "the cp-lead previews it ($(png_size lead))" test "${WST%% *}" = 200 -a "$(png_size lead)" = 40x30
web ada get "/record/$RR/preview"
check "a restricted record's preview is refused (${WST%% *}: $(alert_of ada))" \
	bash -c '[ "$1" = 403 ] && grep -q "restricted" <<<"$2"' _ "${WST%% *}" "$(alert_of ada)"
web ada get "/record/$RR/fix"
check "  ... and its page shows no preview" not page_has ada "/record/$RR/preview"
web ada get "/record/$RN/preview"
check "a text note is previewed as a picture of its words (${WST%% *}, $(png_size ada))" \
	test "${WST%% *}" = 200 -a "$(png_size ada)" = 1200x1698
check "  ... and its markup is nowhere in the answer" not page_has ada '<svg onload'
web ada get "/record/R-9999-9999/preview"
check "an unknown record gets no preview (${WST%% *})" test "${WST%% *}" = 404
AUDIT=$(as_svc "$CV" --json audit show)
refused() { python3 -c 'import json, sys
print(len([e for e in json.load(sys.stdin)["events"] if e["outcome"] != "ok" and e["acted_by"] == sys.argv[1]]))' "$1" <<<"$AUDIT"; }
check "  ... Ben's refusal is in the audit trail ($(refused "$B"))" test "$(refused "$B")" -ge 1

# ---- the filing form without its script (docs/web.md, Filing documents): a plain multipart POST,
# several documents at once, all or nothing
cp "$CORPUS/002-trivial-libre-office-writer_002-trivial-libre-office-writer.pdf" "$T/docs/report.pdf"
convert -size 30x30 xc:'#123456' -strip "$T/docs/photo.png"
nrecs() { as_svc "$CV" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))'; }
N0=$(nrecs)
web ada get "/case/$C"
web ada post "/case/$C/file" class=letter "doc@$T/docs/report.pdf" "doc@$T/docs/x.svg"
check "a filing with an SVG among its documents is refused (${WST%% *}: $(alert_of ada))" \
	bash -c '[ "$1" -ge 400 ] && grep -q "image/svg+xml" <<<"$2"' _ "${WST%% *}" "$(alert_of ada)"
check "  ... and files none of them: all or nothing ($(nrecs) records)" test "$(nrecs)" = "$N0"
web ada get "/case/$C"
web ada post "/case/$C/file" class=letter "doc@$T/docs/report.pdf" "doc@$T/docs/photo.png"
check "the form without script files a PDF and a PNG at once (303: $WST)" test "$WST" = "303 /case/$C"
check "  ... both are in the case ($(nrecs) records)" test "$(nrecs)" = "$((N0 + 2))"
RN2=$(rec photo.png)
web ada get "/record/$RN2/preview"
check "  ... and the new PNG has its preview ($(png_size ada))" test "$(png_size ada)" = 30x30

# ---- markup never reaches the browser as a document of this origin
check "an SVG is not filed (the policy admits no SVG)" not as_svc "$CV" file "$C" "$T/docs/x.svg" --class correspondence
check "an HTML page is not filed either" not as_svc "$CV" file "$C" "$T/docs/x.html" --class correspondence

check "verify passes" as_svc "$CV" verify
check "audit verify passes" as_svc "$CV" audit verify
check "no sanitizer report in the daemon's log (its pages' workers included)" \
	not grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$T/daemon.log"
finish
