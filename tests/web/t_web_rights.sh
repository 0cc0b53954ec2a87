#!/bin/bash
# Consent, anonymous enquiries, child-protection referrals and sharing in
# casevaultd's web interface (docs/web.md, Rights and sharing), driven over
# HTTP without a browser (tests/web/webclient.py).  Each action is checked
# afterwards through the CLI (consent list --json, enquiry list --json,
# refer list --json, audit show --json); each refusal shows the CLI's own
# line and changes nothing: a caseworker's referral, a share without a
# covering consent or under an expired or withdrawn one, a caseworker not
# assigned to the case, a form without its CSRF token; the second bar of
# the top bar shows each page only to the roles the CLI allows.  Real OS
# accounts (root only: exit 77), the real daemon, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
export CASEVAULT_TODAY=2026-12-03  # the consents' review dates below are counted from it
svc_setup --test-clock
web_lead  # Cleo, a cp-lead
C=$(as_svc "$CV" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
C2=$(as_svc "$CV" case open --parent "Yan Parent" --child "Yolanda Young" --child-dob 2008-03-01 --pr-confirmed)
as_svc "$CV" case assign "$C" "$A" >/dev/null  # Ada works on C only; Ben on no case
as_svc "$CV" note "$C" --class case-note --title "Home visit" --text "The visit went well." >/dev/null
as_svc "$CV" note "$C" --class case-note --title "School meeting" --text "The school is supportive." >/dev/null
RECS=$(as_svc "$CV" --json ls "$C" | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["records"]))')
R1=${RECS%% *} R2=${RECS##* }
check "setup: cases $C (Ada's) and $C2, records $R1 $R2, staff $A $B $L" test -n "$R1" -a "$R1" != "$R2"
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"

# rights_nav JAR: the links of the top bar's second bar (rights and sharing)
rights_nav() {
	python3 -c 'import re,sys
m = re.search(r"<nav aria-label=\"Rights and sharing\">(.*?)</nav>", open(sys.argv[1]).read(), re.S)
print(" ".join(re.findall(r"<a href=\"([^\"]+)\"", m.group(1))) if m else "")' "$T/jar.$1.body"
}
# consents CASE [FIELD]: the case's consents through the CLI, as "scope_kind:scope:how:giver:status" each
consents() {
	as_svc "$CV" --json consent list "$1" | python3 -c 'import json,sys
print("|".join("%s:%s:%s:%s:%s" % (k["scope_kind"], k["scope"], k["how"], k["giver"], k["status"])
               for k in json.load(sys.stdin)["consents"]))'
}
# same_line JAR CLI-STDERR: the page's alert is the CLI's own line
same_line() { local w; w=$(alert_of "$1"); [ -n "$w" ] && [ "casevault: $w" = "$2" ]; }

web ada signin "$A"
web ben signin "$B"
web lead signin "$L"
web mgr signin S-0001
check "the four sign in ($(nav_of ada))" test -n "$(nav_of ada)" -a -n "$(nav_of mgr)"
check "the caseworker's second bar: consent due, enquiries ($(rights_nav ada))" \
	test "$(rights_nav ada)" = "/consents /enquiries"
check "the cp-lead's adds referrals ($(rights_nav lead))" test "$(rights_nav lead)" = "/consents /enquiries /referrals"
check "the manager's adds referrals ($(rights_nav mgr))" test "$(rights_nav mgr)" = "/consents /enquiries /referrals"
check "the main bar is unchanged ($(nav_of ada))" test "$(nav_of ada)" = "/cases /requests /search /intake"

# ---- consent (docs/legal-rules.md LR-15)
web ada get "/case/$C"
check "the case page links to its consents" page_has ada "href=\"/case/$C/consent\""
web ada get "/case/$C/consent"
check "the caseworker opens the case's consent page (200)" test "${WST%% *}" = 200
check "  ... with the form to record one and the form to share" \
	bash -c 'grep -qF "action=\"/case/$1/consent\"" "$2" && grep -qF "action=\"/case/$1/share\"" "$2"' _ "$C" "$T/jar.ada.body"
web ada post "/case/$C/consent" "to=School nurse"
check "she records an oral consent to the school nurse (303: $WST)" test "$WST" = "303 /case/$C/consent"
check "  ... the CLI lists it: oral, given by the parent (child of school age), valid ($(consents "$C"))" \
	test "$(consents "$C")" = "recipient:School nurse:oral:parent:valid"
web ada post "/case/$C/consent" "to=Housing officer" date=2025-11-01
check "and one given 13 months ago (303)" test "${WST%% *}" = 303
web ada post "/case/$C/consent" "purpose=Housing application" date=2025-12-20
check "and one given a year ago less 17 days, due for renewal (303)" test "${WST%% *}" = 303
web ada post "/case/$C/consent" "to=Doctor" "purpose=Health"
check "a consent with both a recipient and a purpose is refused (${WST%% *})" test "${WST%% *}" = 400
check "  ... with the CLI's own line ($(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" consent add "$C" --to Doctor --purpose Health --oral 2>&1 >/dev/null)"
web ada post "/case/$C/consent" "to=Doctor" by=young-person
check "a young person's consent for a child of school age is refused (${WST%% *})" test "${WST%% *}" = 403
check "  ... with the CLI's own line ($(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" consent add "$C" --to Doctor --by young-person --oral 2>&1 >/dev/null)"
check "  ... on the consent page, still with its form" page_has ada "action=\"/case/$C/consent\""
check "  ... nothing was recorded (three consents)" test "$(consents "$C" | tr '|' '\n' | wc -l)" = 3
web mgr post "/case/$C2/consent" "purpose=College place"
check "the manager records a consent on $C2, whose child is over school age (303)" test "${WST%% *}" = 303
check "  ... the CLI says the young person gave it ($(consents "$C2"))" \
	test "$(consents "$C2")" = "purpose:College place:oral:young-person:valid"
web ben get "/case/$C/consent"
check "a caseworker not assigned to $C cannot see its consents (${WST%% *})" test "${WST%% *}" = 403
web ben post "/case/$C/consent" "to=Ben's friend"
check "  ... nor record one (${WST%% *}), with the CLI's own line" same_line ben \
	"$(svc_cv "$UB" consent add "$C" --to "Ben's friend" --oral 2>&1 >/dev/null)"
web ada post "/case/$C/consent" --no-csrf "to=Forged"
check "a consent posted without its CSRF token is refused (403)" test "${WST%% *}" = 403
check "  ... nothing was recorded (three consents)" test "$(consents "$C" | tr '|' '\n' | wc -l)" = 3
web ada get /consents
check "consent due lists the one due within 30 days" page_has ada "Housing application"
check "  ... not the one valid for a year" not page_has ada "School nurse"
check "  ... as 'consent due' does (the same ids)" test "$(as_svc "$CV" --json consent due |
	python3 -c 'import json,sys; print(" ".join(str(k["id"]) for k in json.load(sys.stdin)["consents"]))')" = \
	"$(grep -o '<tr><td>[0-9]*</td>' "$T/jar.ada.body" | grep -o '[0-9]*' | paste -sd' ')"

# ---- share under consent (docs/legal-rules.md LR-15, LR-17)
web ada post "/case/$C/share" "to=Nobody at all"
check "a share no consent covers is refused (${WST%% *})" test "${WST%% *}" = 403
check "  ... with the CLI's own line naming what is missing ($(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" share "$C" --to "Nobody at all" --show-passphrase -o "$T/a/x.zip" 2>&1 >/dev/null)"
web ada post "/case/$C/share" "to=Housing officer"
check "a share under an expired consent is refused (${WST%% *})" test "${WST%% *}" = 403
check "  ... with the CLI's own line ($(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" share "$C" --to "Housing officer" --show-passphrase -o "$T/a/y.zip" 2>&1 >/dev/null)"
check "  ... it says the consent expired" bash -c 'grep -q expired <<<"$1"' _ "$(alert_of ada)"
web ben post "/case/$C/share" "to=School nurse"
check "an unassigned caseworker's share is refused (${WST%% *})" test "${WST%% *}" = 403
web ada post "/case/$C/share" "to=School nurse" "rec=$R1"
check "a share under the school nurse's consent is made (200)" test "${WST%% *}" = 200
check "  ... the passphrase is shown once" page_has ada 'id="passphrase"'
web ada get /bundle
check "  ... the bundle downloads (200), an encrypted ZIP" \
	bash -c '[ "$1" = 200 ] && head -c 2 "$2" | grep -q PK' _ "${WST%% *}" "$T/jar.ada.body"
web ada get /bundle
check "  ... once only (404)" test "${WST%% *}" = 404
AUDIT=$(as_svc "$CV" --json audit show)
events() { python3 -c '
import json, sys
print(" ".join(e["acted_by"] + ":" + " ".join(e["ids"]) for e in json.load(sys.stdin)["events"]
               if e["action"] == sys.argv[1] and e["outcome"] == sys.argv[2]))' "$1" "${2:-ok}" <<<"$AUDIT"; }
check "the share is audited as Ada's, with the record shared ($(events share))" \
	bash -c 'grep -q "^$1:.*$2" <<<"$3"' _ "$A" "$R1" "$(events share)"
NURSE=$(as_svc "$CV" --json consent list "$C" | python3 -c 'import json,sys
print([k["id"] for k in json.load(sys.stdin)["consents"] if k["scope"] == "School nurse"][0])')
web ada post "/consent/$NURSE/withdraw" "case=$C"
check "she withdraws the school nurse's consent $NURSE (303: $WST)" test "$WST" = "303 /case/$C/consent"
check "  ... the CLI shows it withdrawn" bash -c 'grep -q "School nurse:oral:parent:withdrawn" <<<"$1"' _ "$(consents "$C")"
web ada post "/consent/$NURSE/withdraw" "case=$C"
check "withdrawing it again is refused with the CLI's own line ($(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" consent withdraw "$NURSE" 2>&1 >/dev/null)"
web ada post "/case/$C/share" "to=School nurse"
check "a share under the withdrawn consent is refused (${WST%% *}) with the CLI's line" same_line ada \
	"$(svc_cv "$UA" share "$C" --to "School nurse" --show-passphrase -o "$T/a/z.zip" 2>&1 >/dev/null)"

# ---- anonymous enquiries (docs/legal-rules.md §12)
enquiries() {
	as_svc "$CV" --json enquiry list | python3 -c 'import json,sys
print("|".join("%s:%s" % (e["text"], e["confirmed"]) for e in json.load(sys.stdin)["enquiries"]))'
}
web ada post /enquiries "text=Asked about the opening hours; told Mondays." date=2026-12-01
check "the caseworker logs an enquiry (303: $WST)" test "$WST" = "303 /enquiries"
check "  ... the CLI lists it, kept a year from the enquiry ($(enquiries))" \
	test "$(enquiries)" = "Asked about the opening hours; told Mondays.:False"
for text in "Please call back on 07700 900123" "Write to mo@example.org" "Lives near L36 9YU" "Kim Child asked"; do
	web ada post /enquiries "text=$text"
	check "'$text' is refused (${WST%% *}) with the CLI's warning ($(alert_of ada))" same_line ada \
		"$(svc_cv "$UA" enquiry add --text "$text" 2>&1 >/dev/null)"
done
check "  ... the page asks to confirm, with the same text" \
	bash -c 'grep -qF "name=\"confirm\" value=\"yes\"" "$1" && grep -qF "value=\"Kim Child asked\"" "$1"' _ "$T/jar.ada.body"
check "  ... nothing was logged" test "$(enquiries)" = "Asked about the opening hours; told Mondays.:False"
web ada post /enquiries "text=Kim Child asked" confirm=yes
check "confirmed, it is logged (303)" test "$WST" = "303 /enquiries"
check "  ... as confirmed ($(enquiries))" bash -c 'grep -q "^Kim Child asked:True|" <<<"$1"' _ "$(enquiries)"
printf 'Asked about\0 a tribunal' >"$T/nul.txt"
web ada post /enquiries "text<$T/nul.txt"
check "an enquiry with a NUL in its text is refused (${WST%% *}): $(alert_of ada)" \
	bash -c '[ "${1%% *}" = 400 ] && grep -q "NUL character" <<<"$2"' _ "$WST" "$(alert_of ada)"
check "  ... and nothing of it was logged" not grep -q "Asked about:" <<<"$(enquiries)"
web ada get /enquiries
check "the enquiries page lists both" bash -c 'grep -qF "told Mondays" "$1" && grep -qF "(confirmed)" "$1"' _ "$T/jar.ada.body"

# ---- child-protection referrals (docs/legal-rules.md §16)
web ada get /referrals
check "a caseworker cannot open the referrals (${WST%% *})" test "${WST%% *}" = 403
web ada post /referrals "case=$C" "to=LA child protection officer" "reason=Disclosure" "basis=Children Act 1989 s47" "rec=$R1"
check "  ... and her referral is refused (${WST%% *}) with the CLI's own line ($(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" refer "$C" --to "LA child protection officer" --reason Disclosure --basis "Children Act 1989 s47" \
		--records "$R1" 2>&1 >/dev/null)"
web lead post /referrals "case=$C" "to=LA child protection officer" "reason=Disclosure at school" \
	"basis=Children Act 1989 s47" "rec=$R1, $R2" date=2026-12-02
check "the cp-lead records a referral of both records (303: $WST)" test "$WST" = "303 /referrals"
REF=$(as_svc "$CV" --json refer list | python3 -c 'import json,sys
print("|".join("%s:%s:%s:%s:%s:%s" % (f["case"], f["recorded_by"], f["to"], f["basis"], f["date"], ",".join(f["records"]))
               for f in json.load(sys.stdin)["referrals"]))')
check "  ... the CLI lists only hers, with its records ($REF)" \
	test "$REF" = "$C:$L:LA child protection officer:Children Act 1989 s47:2026-12-02:$R1,$R2"
web lead get /referrals
check "  ... the referrals page shows it, marked as a register of its own" \
	bash -c 'grep -qF "Disclosure at school" "$1" && grep -qF "class=\"marked\"" "$1"' _ "$T/jar.lead.body"
web lead post /referrals "case=$C" "to=Someone" "reason=R" "basis=B" "rec=R-9999"
check "a referral of a record not in the case is refused with the CLI's line ($(alert_of lead))" same_line lead \
	"$(svc_cv "$UL" refer "$C" --to Someone --reason R --basis B --records R-9999 2>&1 >/dev/null)"
AUDIT=$(as_svc "$CV" --json audit show)
check "the referral is audited as the cp-lead's, with its records ($(events refer))" \
	bash -c 'grep -q "^$1:referral-[0-9]* $2 $3 $4" <<<"$5"' _ "$L" "$C" "$R1" "$R2" "$(events refer)"
check "the caseworker's refused referral is audited" test -n "$(events refer refused)$(events access refused)"

# ---- rights requests beside subject access (docs/legal-rules.md LR-18)
web ada get /requests
check "the requests page links to the rights requests" page_has ada 'href="/rights"'
web ada post /rights kind=restriction "case=$C" "requester=Pat Parent" relationship=client date=2026-12-01 "rec=$R2"
check "the caseworker opens a restriction of $R2 (303: $WST)" test "$WST" = "303 /rights"
RQ=$(as_svc "$CV" --json request list | python3 -c 'import json,sys
print(" ".join("%s:%s:%s:%s" % (q["id"], q["kind"], q["case"], q["due"]) for q in json.load(sys.stdin)["requests"]))')
check "  ... the CLI's register has it, a restriction of $C with its due date ($RQ)" \
	bash -c '[[ "$1" =~ ^REQ-[0-9-]+:restriction:$2:20[0-9-]+$ ]]' _ "$RQ" "$C"
REQ=${RQ%%:*} DUE=${RQ##*:}
web ada get /rights
check "  ... the rights page lists it with its due date" bash -c 'grep -qF ">$1<" "$3" && grep -qF ">$4<" "$3" &&
	grep -qF "action=\"/rights/$1/lift\"" "$3"' _ "$REQ" "$R2" "$T/jar.ada.body" "$DUE"
web ada get "/case/$C/fix"
check "  ... and the case's corrections page shows $R2 restricted by it" page_has ada "restricted by $REQ"
web ada post "/record/$R2/export" "purpose=Copy for the parent"
check "the caseworker cannot download the restricted record (${WST%% *})" test "${WST%% *}" = 403
check "  ... the page says it is restricted by $REQ" bash -c 'grep -qF "restricted by request $1" <<<"$2"' _ "$REQ" "$(alert_of ada)"
web mgr post "/record/$R2/export" "purpose=Legal claim"
check "the manager downloads it for a legal claim, with its purpose (${WST%% *})" test "${WST%% *}" = 200
web ada post /rights kind=erasure "case=$C" relationship=client date=2026-12-01
check "a request with no requester is refused with the CLI's line (${WST%% *}: $(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" request open "$C" --kind erasure --relationship client --received 2026-12-01 2>&1 >/dev/null)"
web mgr post "/record/$R2/move" "case=$C2" "reason=misfiled"
check "moving the restricted record is refused (${WST%% *}) with the CLI's line ($(alert_of mgr))" same_line mgr \
	"$(as_svc "$CV" record move "$R2" "$C2" --reason misfiled 2>&1 >/dev/null)"
web mgr post "/rights/$REQ/lift"
check "the manager lifts the restriction (303: $WST)" test "$WST" = "303 /rights"
web mgr post "/rights/$REQ/close"
check "  ... and closes the request (303)" test "$WST" = "303 /rights"
check "  ... the CLI's register has no open request" \
	test "$(as_svc "$CV" --json request list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')" = 0
web ada get "/case/$C/fix"
check "  ... and $R2 is no longer restricted" not page_has ada "restricted by"

# ---- corrections (docs/legal-rules.md LR-18)
recs_of() { as_svc "$CV" --json ls "$1" | python3 -c 'import json,sys
print("|".join("%s:%s:%s" % (r["id"], r["title"], r["date"]) for r in json.load(sys.stdin)["records"]))'; }
web mgr post "/record/$R2/move" "case=$C2" "reason=misfiled"
check "the manager moves $R2 to $C2 (303: $WST)" test "$WST" = "303 /case/$C2/fix"
check "  ... the CLI lists it in $C2, not in $C" \
	bash -c '[[ "$1" == "$3:"* ]] && [[ "$2" != *"$3:"* ]]' _ "$(recs_of "$C2")" "$(recs_of "$C")" "$R2"
web mgr post "/record/$R1/set" "title=Home visit, corrected" date=2026-11-30
check "the manager corrects $R1's title and date (303: $WST)" test "$WST" = "303 /case/$C/fix"
check "  ... the CLI lists the corrected title and date ($(recs_of "$C"))" \
	test "$(recs_of "$C")" = "$R1:Home visit, corrected:2026-11-30"
web mgr post "/record/$R1/set" "reason=nothing"
check "a correction with nothing to correct is refused with the CLI's line" same_line mgr \
	"$(as_svc "$CV" record set "$R1" --reason nothing 2>&1 >/dev/null)"
web ada get "/record/$R1/fix"
check "the record's page offers a download that asks for its purpose" \
	bash -c 'grep -qF "action=\"/record/$1/export\"" "$2" && grep -qF "name=\"purpose\" required" "$2"' _ "$R1" "$T/jar.ada.body"
web ada post "/record/$R1/export"
check "a download without a purpose is refused (${WST%% *}) with the CLI's line ($(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" get "$R1" -o "$T/a/r1.txt" --purpose "" 2>&1 >/dev/null)"
web ada post "/record/$R1/export" "purpose=Tribunal bundle"
as_svc "$CV" get "$R1" >"$T/r1.cli"
check "with a purpose the caseworker downloads $R1 (${WST%% *}), the bytes 'get' gives" \
	bash -c '[ "$1" = 200 ] && cmp -s "$2" "$3"' _ "${WST%% *}" "$T/jar.ada.body" "$T/r1.cli"
check "  ... as an attachment" grep -qi "^content-disposition: attachment" "$T/jar.ada.headers"
web ada post "/record/$R1/erase" "reason=not needed"
check "a caseworker's erasure is refused (${WST%% *}) with the CLI's line ($(alert_of ada))" same_line ada \
	"$(svc_cv "$UA" record erase "$R1" --reason "not needed" 2>&1 >/dev/null)"
web mgr post "/record/$R1/erase"
check "an erasure without a reason is refused with the CLI's line" same_line mgr \
	"$(as_svc "$CV" record erase "$R1" 2>&1 >/dev/null)"
check "  ... $R1 is still there" test "$(recs_of "$C")" = "$R1:Home visit, corrected:2026-11-30"
web mgr post "/record/$R1/erase" "reason=filed in error, the family asked"
check "the manager erases $R1 (303: $WST)" test "$WST" = "303 /case/$C/fix"
check "  ... the CLI lists no record in $C" test -z "$(recs_of "$C")"
AUDIT=$(as_svc "$CV" --json audit show)
check "the downloads with a purpose are audited as record.export ($(events record.export))" \
	bash -c 'grep -q "$1:export-[0-9]* $2" <<<"$4" && grep -q "S-0001:export-[0-9]* $3" <<<"$4"' _ "$A" "$R1" "$R2" "$(events record.export)"
check "the move, the correction and the erasure are audited as the manager's" \
	bash -c 'for a in record.move record.set erase; do grep -q "^S-0001:.*$2" <<<"$(python3 -c "
import json, sys
print(\" \".join(e[\"acted_by\"] + \":\" + \" \".join(e[\"ids\"]) for e in json.load(sys.stdin)[\"events\"]
               if e[\"action\"] == sys.argv[1] and e[\"outcome\"] == \"ok\"))" "$a" <<<"$1")" || exit 1; done' _ "$AUDIT" "R-"

check "verify passes" as_svc "$CV" verify
check "audit verify passes" as_svc "$CV" audit verify
check "no sanitizer report in the daemon's log (its pages' workers included)" \
	not grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$T/daemon.log"
finish
