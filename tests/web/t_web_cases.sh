#!/bin/bash
# Opening a case in casevaultd's web interface (docs/web.md, Opening a case),
# driven over HTTP without a browser (tests/web/webclient.py): a caseworker
# opens one from the cases page, and the CLI shows it with the names and date
# of birth typed, opened by her and assigned to her; without parental
# responsibility confirmed, with a date of birth in the future or without the
# CSRF token nothing is opened, each refusal in the CLI's own line.  Real OS
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
check "the daemon's log holds none of the names" not grep -q "Robin\|Sam Child" "$T/daemon.log"
check "verify passes" as_svc "$CV" verify
finish
