#!/bin/bash
# casevaultd's web interface (docs/web.md) in headless Chromium: real OS
# accounts (root only: useradd), a service vault, the daemon with --web, and
# tests/web/browser.js driving the pages with puppeteer-core and axe-core.
# Screenshots of each page are kept in $CV_BUILD_DIR/web-shots.  Exit 77
# (skip) without root, Chromium or npm.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the web test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	exit 77
fi
MODS=$(bash "$CV_SOURCE_DIR/tests/web/setup.sh") || exit 77
SHOTS=${CV_BUILD_DIR:-$T}/web-shots
rm -rf "$SHOTS"
IDLE=20  # longer than any pause between two pages of the scenario on a loaded machine

svc_accounts
UV=cv$$v  # a volunteer's OS account, besides svc_lib's three
trap 'userdel "$UV" 2>/dev/null; svc_cleanup' EXIT
useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$UV" || { echo "useradd $UV failed"; exit 1; }
as_svc "$CV" init "$V" --service --no-passphrase --name "Service Manager" >/dev/null || { echo "init failed"; exit 1; }
printf 'ada-web-pass-4d1\n' >"$T/svc/a.pass" && printf 'cleo-web-pass-9e2\n' >"$T/svc/c.pass"
printf 'vic-web-pass-3b7\n' >"$T/svc/v.pass" && printf 'aude-web-pass-5c8\n' >"$T/svc/u.pass"
chown "$SVC" "$T/svc/a.pass" "$T/svc/c.pass" "$T/svc/v.pass" "$T/svc/u.pass"
A=$(as_svc "$CV" staff add "Ada Worker" --role caseworker --new-passphrase-file "$T/svc/a.pass" --os-user "$UA")
L=$(as_svc "$CV" staff add "Cleo Lead" --role cp-lead --new-passphrase-file "$T/svc/c.pass" --os-user "$UB")
VO=$(as_svc "$CV" staff add "Vic Volunteer" --role volunteer --new-passphrase-file "$T/svc/v.pass" --os-user "$UV")
AU=$(as_svc "$CV" staff add "Aude Auditor" --role auditor --new-passphrase-file "$T/svc/u.pass")  # no OS user
as_svc "$CV" staff attest "$AU" >/dev/null
as_svc "$CV" staff attest "$A" >/dev/null && as_svc "$CV" staff attest "$L" >/dev/null &&
	as_svc "$CV" staff attest "$VO" >/dev/null
C=$(as_svc "$CV" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
# Ada works on it (docs/security.md, Case assignment)
as_svc "$CV" case assign "$C" "$A" >/dev/null
CPT="Strategy meeting CP-TITLE-$$"
as_svc "$CV" note "$C" --cp --class cp-note --title "$CPT" --text "Child-protection concern raised." >/dev/null
CPR=$(as_svc "$CV" --json ls "$C" --cp | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"][0]["id"])')
check "setup: a caseworker, a cp-lead, a case with a child-protection note ($A $L $C $CPR)" test -n "$CPR"

# a subject access request on the case (docs/web.md, Subject access), decided in the browser
RQ=$(as_svc "$CV" --json request open "$C" --requester "Pat Parent" --relationship client --received "$(date +%F)")
REQ=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])' <<<"$RQ")
REQ_DUE=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["due"])' <<<"$RQ")
check "setup: a subject access request on the case ($REQ, due $REQ_DUE)" test -n "$REQ" -a -n "$REQ_DUE"
mkdir -m 777 "$T/out"
mkdir -m 755 "$T/docs"
cp "$CORPUS/001-trivial_minimal-document.pdf" "$T/docs/referral letter.pdf"
convert -size 40x30 xc:'#336699' -strip "$T/docs/school photo.png"  # no metadata: it goes in a bundle
# an item waiting on the intake tray, so that the browser sees its preview (docs/web.md, Intake tray)
check "setup: an image on the intake tray" as_svc "$CV" intake add "$T/docs/school photo.png"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups env HOME="$T/svc" \
	"$CVD" --vault "$V" --socket "$SOCK" --web "$PORT" --web-idle "$IDLE" 2>>"$T/daemon.log" >/dev/null </dev/null &
DPID=$!
for _ in $(seq 100); do grep -q "web interface at" "$T/daemon.log" 2>/dev/null && break; sleep 0.05; done
check "casevaultd serves the web interface on 127.0.0.1:$PORT only" \
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)' "$PORT"

EVIL=$'<script>window.__cvxss=1</script> "quoted" \'single\' <a href="javascript:alert(1)">click</a> & <b>bold</b>'
WEB_URL=http://127.0.0.1:$PORT WEB_SHOTS=$SHOTS CV_WEB_MODULES=$MODS WEB_CHROMIUM=$(command -v chromium) \
	WEB_CASE=$C WEB_ADA=$A WEB_ADA_PASS=ada-web-pass-4d1 WEB_CLEO=$L WEB_CLEO_PASS=cleo-web-pass-9e2 \
	WEB_VOL=$VO WEB_VOL_PASS=vic-web-pass-3b7 WEB_AUD=$AU WEB_AUD_PASS=aude-web-pass-5c8 \
	WEB_CP_TITLE=$CPT WEB_CP_RECORD=$CPR WEB_PDF="$T/docs/referral letter.pdf" WEB_PNG="$T/docs/school photo.png" \
	WEB_EVIL=$EVIL WEB_IDLE=$IDLE WEB_REQ=$REQ WEB_REQ_DUE=$REQ_DUE WEB_OUT=$T/out WEB_FIND="kim CHILD" node "$CV_SOURCE_DIR/tests/web/browser.js" >"$T/browser.out" 2>&1
BRC=$?
cat "$T/browser.out"
[ -n "${CV_WEB_DEBUG:-}" ] && cat "$T/daemon.log"
check "the browser scenario passes (exit $BRC)" test "$BRC" -eq 0

# what the pages did, seen from the command line: the same records, the same audit trail
titles=$(as_svc "$CV" --json ls "$C" | python3 -c 'import json,sys; print("\n".join(r["title"] for r in json.load(sys.stdin)["records"]))')
check "the CLI lists the PDF, the PNG and the note filed in the browser" \
	bash -c '[ "$(grep -cxF -e "referral letter.pdf" -e "school photo.png" <<<"$1")" -eq 2 ] && grep -qxF -- "$2" <<<"$1"' _ "$titles" "$EVIL"
check "no forged note was filed" not grep -q Forged <<<"$titles"
as_svc "$CV" get "$(as_svc "$CV" --json ls "$C" | python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["records"] if r["title"]=="referral letter.pdf"][0])')" >"$T/back.pdf" 2>/dev/null
check "the PDF filed in the browser reads back byte for byte through the CLI" cmp -s "$T/back.pdf" "$T/docs/referral letter.pdf"
AUDIT=$(as_svc "$CV" --json audit show)
check "the browser's two filings are audited as Ada's (action file)" test "$(python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["events"] if e["acted_by"] == sys.argv[1] and e["action"] == "file"))' "$A" <<<"$AUDIT")" -eq 2
NOTE=$(as_svc "$CV" --json ls "$C" | python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["records"] if r["class"]=="phone-call"][0])')
check "the note's text filed in the browser reads back through the CLI" \
	test "$(as_svc "$CV" get "$NOTE")" = "Spoke to the school about the review."
check "the browser's download of the PDF is one export, audited as Ada's (record.export)" test "$(python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["events"] if e["acted_by"] == sys.argv[1] and e["action"] == "record.export"))' "$A" <<<"$AUDIT")" -eq 1
check "the lock-out is audited (staff.lockout)" grep -q "staff.lockout" <<<"$AUDIT"
check "Cleo's attestations are the manager's two (CLI, staff page); the caseworker's replay made none" \
	test "$(python3 -c '
import json, sys
print(" ".join(e["acted_by"] for e in json.load(sys.stdin)["events"] if e["action"] == "staff.attest" and sys.argv[1] in (e["ids"] or "")))' "$L" <<<"$AUDIT")" = "S-0001 S-0001"
# property 5: the browser's bundle holds what the CLI's bundle of the same request holds
decisions=$(as_svc "$CV" --json request show "$REQ" | python3 -c '
import json, sys
q = json.load(sys.stdin)["request"]
print(" ".join(sorted(r["decision"] + ("/" + r.get("ground", "") if r["decision"] == "withhold" else "") +
      ("/by-" + r["decided_by"] if not r["default"] else "") for r in q["records"])))')
check "the CLI shows the browser's decisions, the manager's ($decisions)" \
	test "$decisions" = "redact/by-S-0001 release/by-S-0001 withhold/sch2-para16/by-S-0001 withhold/sch2-para16/by-S-0001"
as_svc "$CV" request bundle "$REQ" -o "$T/svc/cli.zip" --passphrase-file "$T/svc/cli.pass" >/dev/null
mkdir "$T/out/b" "$T/out/c"
(cd "$T/out/b" && 7z x -y -p"$(cat "$T/out/browser.pass")" "$T/out/browser.zip" >/dev/null)
check "the browser's bundle opens with the passphrase the page showed" test "$?" -eq 0 -a -n "$(ls -A "$T/out/b")"
(cd "$T/out/c" && 7z x -y -p"$(cat "$T/svc/cli.pass")" "$T/svc/cli.zip" >/dev/null)
echo "# browser bundle: $(cd "$T/out/b" && find . -type f | sort | tr '\n' ' ')"
check "the browser's bundle and the CLI's have the same members" \
	test "$(cd "$T/out/b" && find . -type f | sort)" = "$(cd "$T/out/c" && find . -type f | sort)"
check "  ... with the same bytes" diff -r "$T/out/b" "$T/out/c"
check "verify passes" as_svc "$CV" verify
check "audit verify passes" as_svc "$CV" audit verify
check "no passphrase in the daemon's log" not grep -q -e ada-web-pass -e cleo-web-pass -e vic-web-pass -e aude-web-pass "$T/daemon.log"
check "no name searched for in the daemon's log" not grep -qi -e "kim child" -e "Nobody Such" "$T/daemon.log"
check "a screenshot of each page is kept ($SHOTS)" test "$(ls "$SHOTS"/*.png 2>/dev/null | wc -l)" -ge 9
finish
