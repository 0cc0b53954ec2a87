#!/bin/bash
# The intake tray page of casevaultd's web interface (docs/web.md, Intake
# tray; docs/intake.md), driven over HTTP without a browser
# (tests/web/webclient.py): items added with 'intake add' are listed, a PDF's,
# a PNG's and a text's previews are PNGs the vault drew (the preview's
# headers, audited as intake.show; the text's words read back by OCR), one is
# downloaded to look at, filed into a case from the page and reads back
# byte for byte through the CLI, one is rejected and gone; a caseworker is refused a case she is not
# assigned to with the CLI's own line; a form without its CSRF token changes
# nothing; the top bar shows the tray, the records manager's page and the
# audit trail to the roles that may use them; the original file name reaches
# no one who may not see it.  Real OS accounts (root only: exit 77), the real
# daemon, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
UL=cv$$l UD=cv$$d UV=cv$$v  # a cp-lead's, an auditor's and a volunteer's OS accounts
trap 'for u in "$UL" "$UD" "$UV"; do userdel "$u" 2>/dev/null; done; svc_cleanup' EXIT
for u in "$UL" "$UD" "$UV"; do
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$u" || { echo "useradd $u failed"; exit 1; }
done
L=$(as_svc "$CV" staff add "Cleo Lead" --role cp-lead --no-passphrase --os-user "$UL")
D=$(as_svc "$CV" staff add "Dee Auditor" --role auditor --no-passphrase --os-user "$UD")
VO=$(as_svc "$CV" staff add "Vic Volunteer" --role volunteer --no-passphrase --os-user "$UV")
for s in "$L" "$D" "$VO"; do as_svc "$CV" staff attest "$s" >/dev/null; done
C=$(as_svc "$CV" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
C2=$(as_svc "$CV" case open --parent "Lou Other" --child "Max Other" --child-dob 2013-02-03 --pr-confirmed)
as_svc "$CV" case assign "$C" "$A" >/dev/null  # Ada works on C only (docs/security.md, Case assignment)
NAME1="Kim-referral-ORIGNAME$$.pdf" NAME2="junk-scan-ORIGNAME$$.png" NAME3="phone-note-ORIGNAME$$.txt"
mkdir -m 755 "$T/docs"
cp "$CORPUS/001-trivial_minimal-document.pdf" "$T/docs/$NAME1"
convert -size 40x30 xc:'#336699' -strip "$T/docs/$NAME2"
printf 'Caller said TEXTWORDS%s about the review.\n' $$ >"$T/docs/$NAME3"
chmod 644 "$T/docs"/*
I1=$(as_svc "$CV" intake add "$T/docs/$NAME1") && I2=$(as_svc "$CV" intake add "$T/docs/$NAME2") &&
	I3=$(as_svc "$CV" intake add "$T/docs/$NAME3")
check "setup: three items in the tray ($I1 $I2 $I3), cases $C (Ada's) and $C2, staff $A $L $D $VO" \
	test -n "$I1" -a -n "$I2" -a -n "$I3"
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"

# ---- the top bar, for each role (docs/web.md, Pages)
web ada signin "$A"
check "the caseworker signs in ($WST)" test "${WST%% *}" = 303
check "  ... her top bar: cases, requests, search, the intake tray ($(nav_of ada))" test "$(nav_of ada)" = "/cases /requests /search /intake"
web lead signin "$L"
check "the cp-lead's top bar: cases, requests, search, the intake tray ($(nav_of lead))" test "$(nav_of lead)" = "/cases /requests /search /intake"
web mgr signin S-0001
check "the manager's top bar adds records management and the audit trail ($(nav_of mgr))" \
	test "$(nav_of mgr)" = "/cases /requests /search /intake /records /audit"
# a volunteer signs in to the note form only (docs/web.md, Deposits by volunteers)
web vol signin "$VO"
check "the volunteer $VO signs in to the note form ($WST), the top bar's only link ($(nav_of vol))" \
	test "$WST" = "303 /deposit" -a "$(nav_of vol)" = /deposit
# an auditor signs in by a signature to the audit trail, and reaches neither the tray nor an item
web aud signin "$D"
check "the auditor $D signs in to the audit trail ($WST), the top bar's only link ($(nav_of aud))" \
	test "$WST" = "303 /audit" -a "$(nav_of aud)" = /audit
for url in /intake "/intake/$I1" "/intake/$I1/preview"; do
	web aud get "$url"
	check "  ... and is refused $url ($WST), no name shown, no picture" \
		bash -c '[ "${1%% *}" = 403 ] && ! grep -qF "$2" "$3" && ! grep -qi "^content-type: image/png" "$4"' \
		_ "$WST" "$NAME1" "$T/jar.aud.body" "$T/jar.aud.headers"
done

# ---- the tray as the caseworker: what 'intake list' shows
web ada get /intake
check "the caseworker reads the tray (200)" test "${WST%% *}" = 200
check "  ... it lists the three items" \
	bash -c 'grep -qF ">$1<" "$4" && grep -qF ">$2<" "$4" && grep -qF ">$3<" "$4"' _ "$I1" "$I2" "$I3" "$T/jar.ada.body"
check "  ... with their original names (as 'intake list' shows her)" \
	bash -c 'grep -qF "$1" "$3" && grep -qF "$2" "$3"' _ "$NAME1" "$NAME2" "$T/jar.ada.body"
check "  ... their type and size bucket" bash -c 'grep -qF "application/pdf" "$1" && grep -qF "up to 32 KiB" "$1"' _ "$T/jar.ada.body"
check "  ... a filing form per item with the case and class fields" \
	bash -c 'grep -qF "action=\"/intake/$1/assign\"" "$2" && grep -qF "id=\"case-$1\" name=\"case\"" "$2" &&
		grep -qF "id=\"class-$1\" name=\"class\"" "$2"' _ "$I1" "$T/jar.ada.body"
check "  ... her assigned case offered, not the other" \
	bash -c 'grep -qF "<option value=\"$1\">" "$3" && ! grep -qF "<option value=\"$2\">" "$3"' _ "$C" "$C2" "$T/jar.ada.body"

# a preview above each item's filing form, for the types that have one (docs/web.md, Intake tray)
img() { printf '<img src="/intake/%s/preview" alt="Preview of intake item %s" loading="lazy">' "$1" "$1"; }
check "  ... a preview image for the PDF, the PNG and the text" \
	bash -c 'grep -qF "$1" "$4" && grep -qF "$2" "$4" && grep -qF "$3" "$4"' \
	_ "$(img "$I1")" "$(img "$I2")" "$(img "$I3")" "$T/jar.ada.body"
check "  ... each above its filing form" python3 -c 'import sys
b = open(sys.argv[1]).read()
sys.exit(not all(-1 < b.find("/intake/%s/preview" % i) < b.find("/intake/%s/assign" % i) for i in sys.argv[2:]))' \
	"$T/jar.ada.body" "$I1" "$I2" "$I3"
web ada get "/intake/$I1/preview"
check "the caseworker previews the PDF $I1 (${WST%% *}): a PNG drawn by the vault ($(png_size ada)), not its bytes" \
	bash -c '[ "$1" = 200 ] && [ -n "$2" ] && ! cmp -s "$3" "$4"' _ "${WST%% *}" "$(png_size ada)" "$T/jar.ada.body" "$T/docs/$NAME1"
check "  ... with the preview's headers (image/png, its own sandbox policy, nosniff, inline, no-store)" headers_exact ada
web ada get "/intake/$I2/preview"
check "the caseworker previews the PNG $I2: a 40x30 PNG ($(png_size ada)), not the bytes added" \
	bash -c '[ "$1" = 40x30 ] && ! cmp -s "$2" "$3"' _ "$(png_size ada)" "$T/jar.ada.body" "$T/docs/$NAME2"
check "  ... with the same headers" headers_exact ada
web ada get "/intake/$I3/preview"
check "the caseworker previews the text $I3: a picture of its words ($(png_size ada)), none of its bytes" \
	bash -c '[ "$1" = 1200x1698 ] && ! grep -q TEXTWORDS "$2"' _ "$(png_size ada)" "$T/jar.ada.body"
check "  ... with the same headers" headers_exact ada
"$CV_BUILD_DIR/formats_tool" ocr image/png "$T/jar.ada.body" "$T/ocr.txt" >/dev/null 2>&1
check "  ... whose words OCR reads ($(tr '\n' ' ' <"$T/ocr.txt" 2>/dev/null))" grep -q "TEXTWORDS$$" "$T/ocr.txt"
web vol get "/intake/$I1/preview"
check "the volunteer is refused a preview (${WST%% *}), no picture" \
	bash -c '[ "${1%% *}" = 403 ] && ! grep -qi "^content-type: image/png" "$2"' _ "$WST" "$T/jar.vol.headers"

# a look at an item before filing it: 'intake show' as a download
web ada get "/intake/$I1"
check "the caseworker downloads $I1 to look at it (200)" test "${WST%% *}" = 200
check "  ... the bytes added" cmp -s "$T/jar.ada.body" "$T/docs/$NAME1"
check "  ... as an attachment, never a page (octet-stream, nosniff)" \
	bash -c 'grep -qix "content-type: application/octet-stream" "$1" && grep -qi "^content-disposition: attachment" "$1" &&
		grep -qix "x-content-type-options: nosniff" "$1"' _ "$T/jar.ada.headers"

# the volunteer is refused the tray, no item, no name (the auditor's refusal is above)
web vol get /intake
check "the volunteer is refused the tray (${WST%% *}), no item, no name" \
	bash -c '[ "${1%% *}" = 403 ] && ! grep -q -e ORIGNAME -e "$2" "$3"' _ "$WST" "$I1" "$T/jar.vol.body"

# ---- refusals: nothing changes
web ada post "/intake/$I1/assign" --no-csrf "case=$C" class=correspondence
check "a filing posted without its CSRF token is refused (403)" test "${WST%% *}" = 403
check "  ... and shows no original name" not grep -q ORIGNAME "$T/jar.ada.body"
web ada post "/intake/$I1/assign" --no-origin "case=$C" class=correspondence
check "a filing posted with no Origin is refused (403)" test "${WST%% *}" = 403
web ada post "/intake/$I1/assign" "case=$C2" class=correspondence
check "filing into a case she is not assigned to is refused (${WST%% *})" test "${WST%% *}" = 403
WEBMSG=$(alert_of ada)
CLIMSG=$(svc_cv "$UA" intake assign "$I1" "$C2" --class correspondence 2>&1 >/dev/null)
check "  ... the tray shows the CLI's own line ($WEBMSG)" test "casevault: $WEBMSG" = "$CLIMSG" -a -n "$WEBMSG"
check "  ... on the tray, the item still there" page_has ada "action=\"/intake/$I1/assign\""
web ada post "/intake/$I1/assign" "case=$C" class=no-such-class
WEBMSG=$(alert_of ada)
CLIMSG=$(svc_cv "$UA" intake assign "$I1" "$C" --class no-such-class 2>&1 >/dev/null)
check "an unknown class is refused (${WST%% *}) with the CLI's line ($WEBMSG)" \
	test "casevault: $WEBMSG" = "$CLIMSG" -a -n "$WEBMSG" -a "${WST%% *}" = 404
web ada post "/intake/$I2/reject" reason=because
WEBMSG=$(alert_of ada)
CLIMSG=$(svc_cv "$UA" intake reject "$I2" --reason because 2>&1 >/dev/null)
check "a reason not on the list is refused (${WST%% *}) with the CLI's line" \
	test "casevault: $WEBMSG" = "$CLIMSG" -a -n "$WEBMSG" -a "${WST%% *}" = 400
check "  ... the three items are still in the tray (CLI)" \
	test "$(svc_cv "$UA" --json intake list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["intake"]))')" = 3
check "  ... and the case has no record yet" \
	test "$(as_svc "$CV" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 0

# ---- assign and reject from the page
web ada post "/intake/$I1/assign" "case=$C" class=correspondence "title=Referral from the school" date=2026-11-30
check "the caseworker files $I1 into her case (303 to the tray: $WST)" test "$WST" = "303 /intake"
web ada post "/intake/$I2/reject" reason=junk
check "and rejects $I2 (303 to the tray: $WST)" test "$WST" = "303 /intake"
web ada post "/intake/$I3/reject" reason=duplicate
check "and $I3 (303 to the tray: $WST)" test "$WST" = "303 /intake"
web ada get /intake
check "the tray is empty now" page_has ada "The intake tray is empty."
REC=$(as_svc "$CV" --json ls "$C" | python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin)["records"] if r["title"] == "Referral from the school"]
print(r[0]["id"] + " " + r[0]["class"] + " " + r[0]["date"] if len(r) == 1 else "")')
check "the CLI lists the record filed from the tray ($REC)" test "${REC#* }" = "correspondence 2026-11-30"
as_svc "$CV" get "${REC%% *}" >"$T/back.pdf"
check "  ... byte-identical to what was added" cmp -s "$T/back.pdf" "$T/docs/$NAME1"
check "the CLI's tray is empty" test "$(as_svc "$CV" intake list)" = "the intake tray is empty"
AUDIT=$(as_svc "$CV" --json audit show)
events() { python3 -c '
import json, sys
print(" ".join(e["acted_by"] + ":" + " ".join(e["ids"]) for e in json.load(sys.stdin)["events"]
               if e["action"] == sys.argv[1] and e["outcome"] == "ok"))' "$1" <<<"$AUDIT"; }
check "the filing is audited as Ada's (intake.assign $I1 ${REC%% *})" test "$(events intake.assign)" = "$A:$I1 ${REC%% *}"
check "the rejections are audited as Ada's (intake.reject $I2 junk, $I3 duplicate)" \
	test "$(events intake.reject)" = "$A:$I2 junk $A:$I3 duplicate"
check "the three previews and the download are audited as Ada's (intake.show $I1 $I2 $I3 $I1)" \
	test "$(events intake.show)" = "$A:$I1 $A:$I2 $A:$I3 $A:$I1"
check "the refusal of the other case is audited" \
	python3 -c 'import json,sys; sys.exit(not any(e["acted_by"] == sys.argv[1] and e["outcome"] != "ok" for e in json.load(sys.stdin)["events"]))' "$A" <<<"$AUDIT"
check "the rejected item's file is gone" test ! -e "$V/intake/$I2.cvi"
check "no original name, no document's word in the daemon's log" not grep -q -e ORIGNAME -e TEXTWORDS "$T/daemon.log"
check "no original name in the audit trail" not grep -q ORIGNAME <<<"$AUDIT"
check "verify passes" as_svc "$CV" verify
check "audit verify passes" as_svc "$CV" audit verify
check "no sanitizer report in the daemon's log (its pages' workers included)" \
	not grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$T/daemon.log"
finish
