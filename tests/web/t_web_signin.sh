#!/bin/bash
# Signing in to casevaultd's web interface without an OS user (docs/web.md,
# Who acts; docs/security.md, The service), over HTTP without a browser
# (tests/web/webclient.py): an auditor, who holds no keyslip, signs in by a
# signature with their key, lands on the audit trail, whose filters (dates,
# staff member, id, event) narrow it, and is refused every case, record,
# staff and request page by URL and by a form replayed with their own CSRF
# token, nothing filed; a caseworker registered with no OS user signs in,
# files a note whose receipt 'casevault verify' checks, and signs out;
# a volunteer signs in to a deposit-only session and reads no record; when gpg-agent forgets,
# the auditor's session ends, and 'lock --idle' ends the caseworker's; wrong
# passphrases count towards the lock-out for an auditor as for anyone.
# Real OS accounts (root only: exit 77), the real daemon, real gpg, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
for who in aud nu vol; do printf '%s-web-pass-%s\n' "$who" "$$" >"$T/svc/$who.pass"; done
chown "$SVC" "$T/svc/"*.pass
AU=$(as_svc "$CV" staff add "Aude Auditor" --role auditor --new-passphrase-file "$T/svc/aud.pass")
NU=$(as_svc "$CV" staff add "Nia Noaccount" --role caseworker --new-passphrase-file "$T/svc/nu.pass")
VO=$(as_svc "$CV" staff add "Vic Volunteer" --role volunteer --new-passphrase-file "$T/svc/vol.pass")
for s in "$AU" "$NU" "$VO"; do as_svc "$CV" staff attest "$s" >/dev/null; done
C=$(as_svc "$CV" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
as_svc "$CV" case assign "$C" "$A" >/dev/null && as_svc "$CV" case assign "$C" "$NU" >/dev/null
R1=$(printf 'A letter.\n' | as_svc "$CV" note "$C" --class case-note --title "Letter one" | cut -f1 -d' ')
check "setup: auditor $AU, caseworker $NU and volunteer $VO with no OS user; $R1 in $C" \
	test -n "$AU" -a -n "$NU" -a -n "$VO" -a -n "$R1"
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"
TODAY=$(date -u +%F) YESTERDAY=$(date -u -d yesterday +%F)

# rows JAR: the audit page's events as "STAFF ACTION IDS" lines
rows() {
	python3 -c 'import re,sys
for m in re.findall(r"<tr><td>\d+</td><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", open(sys.argv[1]).read()):
    print(" ".join(m))' "$T/jar.$1.body"
}

# ---- the auditor
web aud signin "$AU" "$(cat "$T/svc/aud.pass")"
check "the auditor signs in by a signature and lands on the audit trail ($WST)" test "$WST" = "303 /audit"
check "  ... which lists events and says the chain holds" \
	bash -c 'grep -qF "The trail" "$1" && [ -n "$2" ]' _ "$T/jar.aud.body" "$(rows aud)"
check "  ... with the certificates of destruction" page_has aud "Purge runs and their certificates"
check "  ... and a top bar of the audit trail only ($(nav_of aud))" test "$(nav_of aud)" = "/audit"
web aud post /audit "actor=S-0001"
check "the staff filter keeps the manager's events only" \
	bash -c '[ -n "$1" ] && ! grep -v "^S-0001 " <<<"$1"' _ "$(rows aud)"
web aud post /audit "rid=$C"
check "the id filter keeps the events about $C only" \
	bash -c '[ -n "$1" ] && ! grep -vF "$2" <<<"$1"' _ "$(rows aud)" "$C"
web aud post /audit "event=case"
check "the event filter keeps a family of events (case.*)" \
	bash -c '[ -n "$1" ] && ! grep -v "^[^ ]* case\." <<<"$1"' _ "$(rows aud)"
web aud post /audit "event=staff.add"
check "  ... or one event: the five staff added ($(rows aud | wc -l))" test "$(rows aud | grep -c ' staff.add ')" -eq 5 -a "$(rows aud | wc -l)" -eq 5
web aud post /audit "since=$TODAY" "until=$TODAY"
check "the dates keep today's events" test -n "$(rows aud)"
web aud post /audit "until=$YESTERDAY"
check "  ... and until yesterday none" test -z "$(rows aud)"
web aud get /certificate/7
check "a certificate is the auditor's to read (none numbered 7: ${WST%% *})" test "${WST%% *}" = 404
for url in /cases "/case/$C" "/case/$C/cp" "/record/$R1" "/record/$R1/fix" /staff /requests /rights /records \
	/intake /search /consents /enquiries /referrals "/case/$C/consent"; do
	web aud get "$url"
	check "the auditor is refused GET $url (${WST%% *})" \
		bash -c '[ "${1%% *}" = 403 ] && ! grep -qF -e "Letter one" -e "Kim Child" "$2"' _ "$WST" "$T/jar.aud.body"
done
web aud post "/case/$C/note" class=case-note title=Forged "text=forged by the auditor"
check "the auditor's replayed note form is refused (${WST%% *})" test "${WST%% *}" = 403
web aud post /cases/open parent=X child=Y dob=2015-01-01 confirm=yes
check "  ... and so is opening a case (${WST%% *})" test "${WST%% *}" = 403
web aud post /find query=kim
check "  ... and finding one by name (${WST%% *})" \
	bash -c '[ "${1%% *}" = 403 ] && ! grep -qF "Kim Child" "$2"' _ "$WST" "$T/jar.aud.body"
web aud post "/record/$R1/export" purpose=audit
check "  ... and a download (${WST%% *})" test "${WST%% *}" = 403
web aud post "/staff/$A/attest"
check "  ... and a staff member's attestation (${WST%% *})" test "${WST%% *}" = 403
check "nothing was filed or opened: the case holds one record, the vault one case" \
	test "$(as_svc "$CV" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))') $(as_svc "$CV" --json case list | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["cases"] if isinstance(d, dict) else d))')" = "1 1"
web aud post /signout
check "the auditor signs out" test "${WST%% *}" = 303
web aud get /audit
check "  ... and the session is gone" test "$WST" = "303 /signin"
AUDIT=$(as_svc "$CV" --json audit show)
check "the auditor's reading is audited as theirs (audit.show)" test "$(python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["events"] if e["acted_by"] == sys.argv[1] and e["action"] == "audit.show"))' "$AU" <<<"$AUDIT")" -ge 7
check "  ... and each of the 20 pages refused, as a refused access" test "$(python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["events"] if e["acted_by"] == sys.argv[1] and e["action"] == "access"
          and e["outcome"] == "refused"))' "$AU" <<<"$AUDIT")" -eq 20

# ---- a caseworker with no OS user
web nu signin "$NU" "$(cat "$T/svc/nu.pass")"
check "a caseworker with no OS user signs in ($WST)" test "$WST" = "303 /cases"
web nu post "/case/$C/note" class=case-note title="Web note" "text=Spoke to the school."
check "  ... files a note in her case ($WST)" test "$WST" = "303 /case/$C"
R2=$(as_svc "$CV" --json ls "$C" | python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["records"] if r["title"]=="Web note"][0])')
check "  ... which reads back through the CLI ($R2)" test "$(as_svc "$CV" get "$R2")" = "Spoke to the school."
check "  ... filed as hers in the audit trail" test "$(as_svc "$CV" --json audit show --actor "$NU" | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["events"] if e["action"] == "file"))')" -eq 1
check "  ... and its receipt, signed with her key, verifies" as_svc "$CV" verify
web nu get "/case/$C"
check "her next page is served from her session" bash -c '[ "${1%% *}" = 200 ] && grep -qF "Web note" "$2"' _ "$WST" "$T/jar.nu.body"
web nu post /signout
web nu get "/case/$C"
check "she signs out, and the page is gone ($WST)" test "$WST" = "303 /signin"

# ---- a volunteer reads no record: a deposit-only session (tests/web/t_web_deposit.sh files through it)
web vol signin "$VO" "$(cat "$T/svc/vol.pass")"
check "a volunteer signs in to the note form only ($WST, top bar: $(nav_of vol))" \
	test "$WST" = "303 /deposit" -a "$(nav_of vol)" = /deposit
web vol get "/record/$R1"
check "  ... and gets no record by URL (${WST%% *})" \
	bash -c '[ "${1%% *}" = 403 ] && ! grep -qF "Letter one" "$2"' _ "$WST" "$T/jar.vol.body"
web vol get "/case/$C"
check "  ... nor a case (${WST%% *})" bash -c '[ "${1%% *}" = 403 ] && ! grep -qF "Kim Child" "$2"' _ "$WST" "$T/jar.vol.body"
check "  ... both refusals audited as the volunteer's" test "$(python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["events"] if e["acted_by"] == sys.argv[1] and e["action"] == "access"
          and e["outcome"] == "refused"))' "$VO" <<<"$(as_svc "$CV" --json audit show)")" -eq 2
web vol post /signout

# ---- when gpg-agent forgets, an auditor's session ends; 'lock --idle' ends everyone's
web aud signin "$AU" "$(cat "$T/svc/aud.pass")"
web nu signin "$NU" "$(cat "$T/svc/nu.pass")"
as_svc "$CV" lock >/dev/null
web aud get /audit
check "after gpg-agent forgets (a direct-mode 'lock'), the auditor's next page ends the session ($WST)" \
	test "$WST" = "303 /signin"
web nu get "/case/$C"
check "  ... while the caseworker's keyslip in the keeper still serves her page (${WST%% *})" test "${WST%% *}" = 200
web nu post "/case/$C/note" class=case-note title="Unsigned note" "text=No receipt."
check "  ... but her filing, whose receipt the agent cannot sign now, ends the session ($WST)" \
	test "$WST" = "303 /signin"
check "  ... and files nothing" not grep -qF "Unsigned note" <<<"$(as_svc "$CV" --json ls "$C")"
web nu signin "$NU" "$(cat "$T/svc/nu.pass")"
svc_cv "$SVC" lock --idle 600 >/dev/null 2>&1
web nu get "/case/$C"
check "'lock --idle' through the service ends her session too ($WST)" test "$WST" = "303 /signin"

# ---- wrong passphrases count towards the lock-out, an auditor's too
for i in 1 2 3 4 5; do web aud signin "$AU" "wrong-$i"; done
check "after 5 wrong passphrases the auditor is locked out: $(alert_of aud)" bash -c 'grep -q "locked out" <<<"$1"' _ "$(alert_of aud)"
web aud signin "$AU" "$(cat "$T/svc/aud.pass")"
check "  ... and refused even with the right one (${WST%% *})" \
	bash -c '[ "${1%% *}" = 403 ] && grep -q "locked out" <<<"$2"' _ "$WST" "$(alert_of aud)"
check "the lock-out is audited (staff.lockout)" \
	bash -c 'grep -q staff.lockout <<<"$1"' _ "$(as_svc "$CV" --json audit show --actor "$AU")"
check "audit verify passes" as_svc "$CV" audit verify
check "no passphrase in the daemon's log" not grep -q -e "web-pass-$$" "$T/daemon.log"
check "no sanitizer report in the daemon's log (an ASan build's workers)" \
	not grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$T/daemon.log"
finish
