#!/bin/bash
# Opening a case in casevaultd's web interface (docs/web.md, Opening a case),
# driven over HTTP without a browser (tests/web/webclient.py): a caseworker
# opens one from the cases page, and the CLI shows it with the names and date
# of birth typed, opened by her and assigned to her; without parental
# responsibility confirmed, with a date of birth in the future or without the
# CSRF token nothing is opened, each refusal in the CLI's own line; the
# parent's confidentiality notice and contact preference are recorded and
# shown; a manager assigns and takes off caseworkers, never one of a linked
# case, and alone sees the link.  Real OS
# accounts (root only: exit 77), the real daemon, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"
ncases() { as_svc "$CV" --json case list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["cases"]))'; }

web ada signin "$A"
web ada get /cases
check "the cases page offers a caseworker the form to open a case" \
	bash -c 'grep -qF "action=\"/cases/open\"" "$1" && grep -qF "name=\"confirm\" value=\"yes\" required" "$1"' _ "$T/jar.ada.body"
web ada post /cases/open "parent=Robin Parent" "child=Sam Child" "dob=2015-09-01" "confirm=yes"
C=${WST#303 /case/}
check "she opens a case (303 to its page: $WST)" bash -c '[[ "$1" =~ ^303\ /case/C-[0-9]{4}-[0-9]{4}$ ]]' _ "$WST"
check "  ... the CLI shows it with the names and date of birth she typed, opened by her" python3 -c '
import json, sys
c = json.loads(sys.argv[1])["case"]
assert (c["parent"], c["child"], c["child_dob"], c["pr_confirmed_by"]) == ("Robin Parent", "Sam Child", "2015-09-01", sys.argv[2]), c' \
	"$(as_svc "$CV" --json case show "$C")" "$A"
check "  ... she is assigned to it: she lists its records through the CLI" svc_cv "$UA" ls "$C"
check "  ... the opening is audited as hers (case.open $C)" bash -c 'grep -q "\"acted_by\": \"$1\"" <<<"$2"' _ "$A" \
	"$(as_svc "$CV" --json audit show | python3 -c 'import json,sys; print("\n".join(json.dumps(e) for e in json.load(sys.stdin)["events"] if e["action"] == "case.open" and sys.argv[1] in e["ids"]))' "$C")"
before=$(ncases)
web ada post /cases/open "parent=Robin Parent" "child=Sam Child" "dob=2015-09-01"
check "without parental responsibility confirmed: refused (${WST%% *}) with the library's line ($(alert_of ada))" \
	bash -c '[ "${1%% *}" = 403 ] && grep -q "parental responsibility" <<<"$2"' _ "$WST" "$(alert_of ada)"
web ada post /cases/open "parent=Robin Parent" "child=Sam Child" "dob=2099-01-01" "confirm=yes"
check "a date of birth in the future: refused with the CLI's line ($(alert_of ada))" test "$(alert_of ada)" = \
	"$(svc_cv "$UA" case open --parent P --child K --child-dob 2099-01-01 --pr-confirmed 2>&1 >/dev/null | sed 's/^casevault: //')"
web ada post /cases/open --no-csrf "parent=Robin Parent" "child=Sam Child" "dob=2015-09-01" "confirm=yes"
check "without the CSRF token: refused (403)" test "${WST%% *}" = 403
check "  ... and none of the three opened a case" test "$(ncases)" = "$before"
# ---- the confidentiality notice and the contact preference (docs/web.md, Confidentiality and contact)
web ada get "/case/$C"
check "the new case's page says the parent is not yet told and no detailed message may be left" \
	bash -c 'grep -qF "not yet recorded" "$1" && grep -qF "leave no detailed message" "$1"' _ "$T/jar.ada.body"
web ada post "/case/$C/notice" "date=2026-01-02" "how=phone" "version=2026-1"
check "she records that the parent was told, by phone (303: $WST)" test "$WST" = "303 /case/$C"
web ada post "/case/$C/contact" "confirm=yes" "how=email"
check "  ... and that a detailed message may be left by e-mail (303: $WST)" test "$WST" = "303 /case/$C"
check "  ... the CLI's case show has both, recorded by her" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); d = d.get("case", d) if "notices" not in d else d
n, c = d["notices"][-1], d["contact"]
assert (n["told"], n["how"], n["policy_version"], c["message_ok"], c["how"], c["set_by"]) == \
    ("2026-01-02", "phone", "2026-1", True, "email", sys.argv[2]), (n, c)' "$(as_svc "$CV" --json case show "$C")" "$A"
web ada get "/case/$C"
check "  ... the case page says both" bash -c 'grep -qF "on 2026-01-02 (phone), policy version 2026-1" "$1" &&
	grep -qF "a detailed message may be left, by email" "$1"' _ "$T/jar.ada.body"
web ada post "/case/$C/notice" "date=2026-01-02" "how=phone" "version=two words"
check "a policy version with a space is refused with the library's line ($(alert_of ada))" \
	bash -c '[ "${1%% *}" = 400 ] && grep -q "holds spaces" <<<"$2"' _ "$WST" "$(alert_of ada)"
web ada post "/case/$C/contact" --no-csrf "confirm=no"
check "  ... and a preference without the CSRF token (403)" test "${WST%% *}" = 403
check "  ... the preference unchanged: a detailed message may still be left" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); d = d if "contact" in d else d["case"]
assert d["contact"]["message_ok"] is True, d["contact"]' "$(as_svc "$CV" --json case show "$C")"
# ---- who works on the case (docs/web.md, Caseworkers of a case)
team() { as_svc "$CV" --json case show "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d if "caseworkers" in d else d["case"]; print(" ".join(d["caseworkers"]))'; }
web ada get "/case/$C"
check "the case page lists its caseworker, $A; she is offered no form to change that" \
	bash -c 'grep -qF "<dt>Caseworkers</dt><dd>$1" "$2" && ! grep -qF "/assign\"" "$2"' _ "$A" "$T/jar.ada.body"
web mgr signin S-0001
web mgr post "/case/$C/assign" "member=$B"
check "the manager assigns $B to $C (303: $WST); the CLI agrees ($(team "$C"))" \
	bash -c '[ "$1" = "303 /case/$2" ] && grep -qw "$3" <<<"$4"' _ "$WST" "$C" "$B" "$(team "$C")"
web ada post "/case/$C/assign" "member=$A"
check "a caseworker's assignment is refused (${WST%% *}) with the library's line ($(alert_of ada))" \
	bash -c '[ "${1%% *}" = 403 ] && grep -q "may not" <<<"$2"' _ "$WST" "$(alert_of ada)"
C2=$(as_svc "$CV" case open --parent "Lou Other" --child "Sam Child" --child-dob 2015-09-01 --pr-confirmed)
web ada post "/case/$C/link" "case=$C2"
check "a caseworker's link is refused (${WST%% *})" test "${WST%% *}" = 403
web mgr post "/case/$C/link" "case=$C2"
check "the manager links $C to the other parent's case $C2 (303: $WST)" test "$WST" = "303 /case/$C"
web mgr get "/case/$C"
check "the manager sees the linked case $C2 on the page; a caseworker does not" \
	bash -c 'grep -qF "<dt>Linked case</dt>" "$1" && grep -qF "/case/$2\"" "$1"' _ "$T/jar.mgr.body" "$C2"
web ada get "/case/$C"
check "  ... (Ada's view has no link)" not page_has ada "Linked case"
web mgr post "/case/$C2/assign" "member=$A"
check "assigning $A to the linked case is refused with the library's line ($(alert_of mgr))" \
	bash -c '[ "${1%% *}" = 403 ] && grep -qi "linked" <<<"$2"' _ "$WST" "$(alert_of mgr)"
web mgr post "/case/$C/unassign" "member=$B"
check "the manager takes $B off $C (303); the CLI agrees ($(team "$C"))" \
	bash -c '[ "${1%% *}" = 303 ] && ! grep -qw "$2" <<<"$3"' _ "$WST" "$B" "$(team "$C")"
check "the daemon's log holds none of the names" not grep -q "Robin\|Sam Child" "$T/daemon.log"
check "verify passes" as_svc "$CV" verify
finish
