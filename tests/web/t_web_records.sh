#!/bin/bash
# The records manager's page of casevaultd's web interface on real data
# (docs/web.md, Records manager), over HTTP without a browser
# (tests/web/webclient.py): a test-clock vault whose two child-protection
# notes fall due for review (as tests/cli/t_limitation_retention.sh makes
# them), one approved and one deferred from the page; the CLI then shows
# both decisions as the web user's ('retention due', 'audit show'); a purge
# run from the CLI destroys the approved one, and the page lists the new
# certificate, whose page is what 'certificates show' prints.  Real OS
# accounts (root only: exit 77), the real daemon, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_day() { # svc_day DAY: today is DAY for what follows, the daemon included; every staff member attests
	export CASEVAULT_TODAY=$1
	local s
	for s in S-0001 ${A:-} ${B:-}; do as_svc "$CV" staff attest "$s" >/dev/null || return 1; done
}
export CASEVAULT_TODAY=2018-01-02
svc_setup --test-clock
C=$(as_svc "$CV" case open --parent "Edge Parent" --child "Edge Child" --child-dob 2000-01-01 --pr-confirmed)
as_svc "$CV" case assign "$C" "$A" >/dev/null
printf 'cp one\n' | as_svc "$CV" note "$C" --class cp-note --cp --title "CP one" >/dev/null   # R-000001
printf 'cp two\n' | as_svc "$CV" note "$C" --class cp-note --cp --title "CP two" >/dev/null   # R-000002
CASEVAULT_TODAY=2019-01-01 as_svc "$CV" case close "$C" --date 2019-01-01 >/dev/null
svc_day 2026-06-01
status_of() { # the record's status in 'retention due', "gone" when it is not listed
	as_svc "$CV" --json retention due "${@:2}" | python3 -c 'import json,sys
d=[r["status"] + ("/" + r["approved_by"] if "approved_by" in r else "") for r in json.load(sys.stdin)["records"] if r["id"] == sys.argv[1]]
print(d[0] if d else "gone")' "$1"
}
check "setup: R-000001 and R-000002 of $C await review on $CASEVAULT_TODAY" \
	test "$(status_of R-000001) $(status_of R-000002)" = "awaiting-review awaiting-review"
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT (today $CASEVAULT_TODAY)" test -n "$DPID"

web mgr signin S-0001
web mgr get /records
check "the manager reads the records manager's page (200)" test "${WST%% *}" = 200
check "  ... the review queue offers approve and defer for both records" \
	bash -c 'for r in R-000001 R-000002; do grep -qF "action=\"/review/$r/approve\"" "$1" &&
		grep -qF "action=\"/review/$r/defer\"" "$1" || exit 1; done' _ "$T/jar.mgr.body"
check "  ... the chart counts them as overdue" page_has mgr "Overdue or due before this month: 2 records"
check "  ... no purge has run yet" page_has mgr "No purge has run yet."

# a caseworker's replay with her own good token is refused by the library and changes nothing
web ada signin "$A"
web ada post /review/R-000001/approve
check "a caseworker's approval is refused (403)" test "${WST%% *}" = 403
check "  ... still awaiting review" test "$(status_of R-000001)" = awaiting-review

web mgr post /review/R-000001/approve
check "the manager approves R-000001's destruction (303 to the page: $WST)" test "$WST" = "303 /records"
web mgr post /review/R-000002/defer title=2027-06-01 "reason=tribunal claim pending"
check "the manager defers R-000002 to 2027-06-01 (303 to the page: $WST)" test "$WST" = "303 /records"
web mgr post /review/R-000002/defer title=2020-01-01 "reason=in the past"
WEBMSG=$(alert_of mgr)
CLIMSG=$(as_svc "$CV" review defer R-000002 --until 2020-01-01 --reason "in the past" 2>&1 >/dev/null)
check "a deferral to a past date is refused (${WST%% *}) with the CLI's line ($WEBMSG)" \
	test "casevault: $WEBMSG" = "$CLIMSG" -a -n "$WEBMSG" -a "${WST%% *}" -ge 400

# what the page did, seen from the command line
check "retention due: R-000001 approved by the web user S-0001" test "$(status_of R-000001)" = approved/S-0001
check "  ... R-000002 no longer due today" test "$(status_of R-000002)" = gone
check "  ... but due again on 2027-06-01" test "$(status_of R-000002 --as-of 2027-06-01)" = awaiting-review
AUDIT=$(as_svc "$CV" --json audit show)
events() { python3 -c '
import json, sys
print(" ".join(e["acted_by"] + ":" + " ".join(e["ids"]) for e in json.load(sys.stdin)["events"]
               if e["action"] == sys.argv[1] and e["outcome"] == "ok"))' "$1" <<<"$AUDIT"; }
check "the audit trail has the approval as S-0001's ($(events review.approve))" \
	bash -c '[ "${1%% *}" = "S-0001:R-000001" ] && [ "$(wc -w <<<"$1")" -eq 1 ]' _ "$(events review.approve)"
check "  ... and the deferral as S-0001's ($(events review.defer))" \
	bash -c '[ "${1%% *}" = "S-0001:R-000002" ] && [ "$(wc -w <<<"$1")" -eq 1 ]' _ "$(events review.defer)"
check "  ... the caseworker's attempt as a refusal" python3 -c '
import json, sys
sys.exit(not any(e["acted_by"] == sys.argv[1] and e["outcome"] != "ok" for e in json.load(sys.stdin)["events"]))' "$A" <<<"$AUDIT"
web mgr get /records
check "the page's review queue shows R-000001 approved" \
	python3 -c 'import re,sys; sys.exit(not re.search(r"<tr><td>R-000001</td><td>cp-note</td><td>[0-9-]+</td><td>approved</td>", open(sys.argv[1]).read()))' "$T/jar.mgr.body"
check "  ... and no longer R-000002 (deferred)" not grep -qF "/review/R-000002/" "$T/jar.mgr.body"

# the purge from the CLI; its certificate on the page
PJ=$(as_svc "$CV" --json purge --yes)
CERT=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["certificate"])' <<<"$PJ")
check "the CLI's purge runs with certificate $CERT" test -n "$CERT" -a "$CERT" != 0
cp_ids=$(as_svc "$CV" --json ls "$C" --cp | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["records"]))')
check "  ... it destroyed R-000001 and kept the deferred R-000002 ($cp_ids)" test "$cp_ids" = R-000002
web mgr get /records
check "the page lists the new certificate" page_has mgr "<a href=\"/certificate/$CERT\">Certificate $CERT</a>"
check "  ... run by S-0001, one record destroyed" \
	python3 -c 'import re,sys; sys.exit(not re.search(r"Certificate %s</a></td><td>[^<]*</td><td>S-0001</td><td>1</td>" % sys.argv[1], open(sys.argv[2]).read()))' \
	"$CERT" "$T/jar.mgr.body"
web mgr get "/certificate/$CERT"
check "the certificate's page (200)" test "${WST%% *}" = 200
as_svc "$CV" certificates show "$CERT" >"$T/cert.cli"
python3 -c 'import html,re,sys
print(html.unescape(re.search(r"<pre class=\"certificate\">(.*?)</pre>", open(sys.argv[1]).read(), re.S).group(1)), end="")' \
	"$T/jar.mgr.body" >"$T/cert.web"
check "  ... shows what 'certificates show $CERT' prints" cmp -s "$T/cert.web" "$T/cert.cli"
check "  ... which names R-000001" grep -q R-000001 "$T/cert.web"
check "verify passes" as_svc "$CV" verify
check "audit verify passes" as_svc "$CV" audit verify
check "no sanitizer report in the daemon's log (its pages' workers included)" \
	not grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$T/daemon.log"
finish
