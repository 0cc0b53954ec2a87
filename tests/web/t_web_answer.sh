#!/bin/bash
# A web page is sent before its worker's end (docs/web.md, Processes): the
# worker writes the page, closes its pipe, and only then closes the vault,
# which signs a reader's routine audit checkpoint one unlock in ten events
# (a gpg signature).  Proved without a clock, as tests/cli/t_service_answer.sh
# proves it for the command line: every worker stops itself just before it
# would sign (CASEVAULT_CRASHPOINT=checkpoint-sign:stop), and Ada already
# has her whole case page while that worker waits; the next page is served
# meanwhile; let go, the worker signs as Ada and the audit trail verifies.
# Real OS accounts (root only: exit 77), the real daemon, over HTTP.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
web_lead_case
printf 'School called about the annual review.\n' | as_svc "$CV" note "$C" --class phone-call --title "School call" >/dev/null

# case_page: Ada's case page, a minute at most (a wait is a failure, not a hang); RC 0 for a 200
case_page() { WST=$(timeout 60 python3 "$WEB_CLIENT" "$PORT" "$T/jar.ada" get "/case/$C"); [ "${WST%% *}" = 200 ]; RC=$?; }

export CASEVAULT_CRASHPOINT=checkpoint-sign:stop
web_start || exit 1
unset CASEVAULT_CRASHPOINT
web ada signin "$A"
check "Ada signs in" test -n "$(nav_of ada)"
before=$(svc_db "SELECT count(*) FROM checkpoints")
svc_until_stopped case_page
check "a page's worker reached its routine checkpoint (worker ${W:-none})" test -n "$W"
check "Ada had the whole case page while that worker waits to sign (status ${WST:-none})" \
	eval '[ "${WST%% *}" = 200 ] && page_has ada "School call" && page_has ada "</html>"'
check "nothing was signed yet ($before checkpoints)" test "$(svc_db "SELECT count(*) FROM checkpoints")" -eq "$before"
case_page
check "the next page is served meanwhile (status ${WST:-none})" eval '[ "${WST%% *}" = 200 ] && page_has ada "School call"'
svc_let_go "$before"
check "let go, the worker signs the checkpoint as Ada" \
	test "$(svc_db "SELECT staff_id FROM checkpoints ORDER BY number DESC LIMIT 1")" = "$A"
sleep 0.5
check "no worker is left once they are let go" eval '[ -z "$(pgrep -u "$SVC" -x casevaultd-work)" ] || sleep 2; [ -z "$(pgrep -u "$SVC" -x casevaultd-work)" ]'
svc_stop
check "audit verify passes" eval 'as_svc "$CV" audit verify >/dev/null 2>&1'
finish
