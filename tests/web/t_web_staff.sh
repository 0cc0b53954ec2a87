#!/bin/bash
# The manager's grants in casevaultd's web interface (docs/web.md, Staff and
# grants), over HTTP without a browser (tests/web/webclient.py): the manager
# adds a member of staff from /staff (name, role, OS user, their passphrase
# typed twice) and 'staff list --json' has them with that role and name; the
# new person signs in on the web with that passphrase once attested; the
# manager revokes them after a confirm step and the CLI shows them revoked;
# passphrases that differ, a weak one, an unknown role or OS user are refused
# with one line and add nobody; a caseworker is refused the page, the add
# form and the revocation replayed with a good CSRF token, with the CLI's
# own line, audited.  Real OS accounts (root only: exit 77), the real daemon.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
UN=cv$$n  # the new person's OS account
trap 'userdel "$UN" 2>/dev/null; svc_cleanup' EXIT
useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$UN" || { echo "useradd $UN failed"; exit 1; }
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"
PASS="lantern orbit muffin cascade"

# staff_json ID FIELD: a field of ID in 'staff list --json --names', "" when absent
staff_json() { as_svc "$CV" --json staff list --names | python3 -c 'import json,sys
s = [x for x in json.load(sys.stdin)["staff"] if x["id"] == sys.argv[1]]
print((s[0].get(sys.argv[2]) or "") if s else "")' "$1" "$2"; }
count() { as_svc "$CV" --json staff list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["staff"]))'; }
same_line() { local w; w=$(alert_of "$1"); [ -n "$w" ] && [ "casevault: $w" = "$2" ]; }
N0=$(count)

web mgr signin S-0001
web ada signin "$A"
web mgr get /staff
check "the manager reads the staff page (200)" test "${WST%% *}" = 200
check "  ... with the form to add a member of staff, the passphrase twice" bash -c \
	'grep -qF "action=\"/staff/add\"" "$1" && grep -qF "name=\"new_pass\"" "$1" && grep -qF "name=\"new_pass2\"" "$1"' \
	_ "$T/jar.mgr.body"
check "  ... and a revoke button per active grant" page_has mgr "action=\"/staff/$A/revoke\""

# ---- refusals of the form: one line, nobody added
web mgr post /staff/add "name=Nia New" role=caseworker "os_user=$UN" "new_pass=$PASS" "new_pass2=$PASS x"
check "passphrases that differ are refused (${WST%% *}: $(alert_of mgr))" \
	bash -c '[ "$1" = 400 ] && grep -q "the two passphrases differ" <<<"$2"' _ "${WST%% *}" "$(alert_of mgr)"
web mgr post /staff/add "name=Nia New" role=caseworker "os_user=$UN" new_pass=short1 new_pass2=short1
check "a weak passphrase is refused (${WST%% *}: $(alert_of mgr))" \
	bash -c '[ "$1" = 400 ] && grep -q "too weak" <<<"$2"' _ "${WST%% *}" "$(alert_of mgr)"
web mgr post /staff/add "name=Nia New" role=boss "os_user=$UN" "new_pass=$PASS" "new_pass2=$PASS"
check "an unknown role is refused (${WST%% *})" test "${WST%% *}" = 400
web mgr post /staff/add "name=Nia New" role=caseworker os_user=nosuchuser$$ "new_pass=$PASS" "new_pass2=$PASS"
check "an unknown OS user is refused (${WST%% *}) with the CLI's line ($(alert_of mgr))" same_line mgr \
	"$(as_svc "$CV" staff add "Nia New" --role caseworker --os-user nosuchuser$$ --no-passphrase 2>&1 >/dev/null)"
check "  ... nobody was added ($(count) staff)" test "$(count)" = "$N0"

# ---- a caseworker is refused by the library, as on the command line
web ada get /staff
check "a caseworker is refused the staff page by URL (${WST%% *})" test "${WST%% *}" = 403
web ada post /staff/add "name=Eve Forged" role=manager "new_pass=$PASS" "new_pass2=$PASS"
check "  ... and her replay of the add form with a good CSRF token (${WST%% *}), with the CLI's line" \
	same_line ada "$(svc_cv "$UA" staff add "Eve Forged" --role manager --no-passphrase 2>&1 >/dev/null)"
web ada post "/staff/$B/revoke"
check "  ... and the revocation, even its confirm page (${WST%% *})" test "${WST%% *}" = 403
web ada post "/staff/$B/revoke" confirm=yes
check "  ... and the revocation confirmed (${WST%% *})" test "${WST%% *}" = 403
check "  ... nobody was added and $B is not revoked" test "$(count)" = "$N0" -a -z "$(staff_json "$B" revoked)"

# ---- the manager adds Nia; she signs in with her own passphrase
web mgr post /staff/add "name=Nia New" role=caseworker "os_user=$UN" "new_pass=$PASS" "new_pass2=$PASS"
check "the manager adds a caseworker (303: $WST)" test "$WST" = "303 /staff"
N=$(as_svc "$CV" --json staff list | python3 -c 'import json,sys; print(json.load(sys.stdin)["staff"][-1]["id"])')
check "  ... 'staff list --json' has $N, a caseworker named Nia New" \
	test "$(staff_json "$N" role):$(staff_json "$N" name)" = "caseworker:Nia New"
web mgr get /staff
check "  ... the staff page lists $N" page_has mgr "<td>$N</td><td>Nia New</td><td>caseworker</td>"
web mgr post "/staff/$N/attest"
check "the manager records her attestation (303)" test "$WST" = "303 /staff"
web nia signin "$N" "wrong passphrase here"
check "$N is not signed in with another passphrase (${WST%% *})" test "${WST%% *}" = 403
web nia signin "$N" "$PASS"
check "$N signs in on the web with the passphrase she typed ($WST)" test "${WST%% *}" = 303
web nia get /cases
check "  ... and reads the cases page (200)" test "${WST%% *}" = 200

# ---- the manager revokes Nia, after a confirm step
web mgr post "/staff/$N/revoke"
check "the revoke button asks to confirm (200), revoking nothing yet" \
	bash -c '[ "$1" = 200 ] && grep -qF "name=\"confirm\" value=\"yes\"" "$2" && [ -z "$3" ]' _ "${WST%% *}" \
	"$T/jar.mgr.body" "$(staff_json "$N" revoked)"
web mgr post "/staff/$N/revoke" confirm=yes
check "the manager confirms: $N is revoked (303: $WST)" test "$WST" = "303 /staff"
check "  ... 'staff list --json' has her revoked ($(staff_json "$N" revoked))" test -n "$(staff_json "$N" revoked)"
web nia get /cases
check "  ... her web session still open reads nothing more (${WST})" test "${WST%% *}" != 200
web mgr get /staff
check "  ... the staff page says so, with no button left for her" \
	bash -c 'grep -qF "<td>revoked " "$1" && ! grep -qF "action=\"/staff/$2/revoke\"" "$1"' _ "$T/jar.mgr.body" "$N"
web nia signin "$N" "$PASS"
check "  ... she can no longer sign in (${WST%% *})" test "${WST%% *}" = 403

AUDIT=$(as_svc "$CV" --json audit show)
events() { python3 -c 'import json, sys
print(" ".join(e["acted_by"] + ":" + " ".join(e["ids"]) for e in json.load(sys.stdin)["events"]
               if e["action"] == sys.argv[1] and e["outcome"] == "ok"))' "$1" <<<"$AUDIT"; }
check "the addition and the revocation are the manager's in the audit trail ($(events staff.add | tr ' ' '\n' | tail -1); $(events staff.revoke))" \
	bash -c '[[ "$1" == *"S-0001:$3" ]] && [ "$2" = "S-0001:$3" ]' _ "$(events staff.add)" "$(events staff.revoke)" "$N"
check "Ada's refused attempts are in the audit trail" python3 -c 'import json,sys
sys.exit(0 if any(e["acted_by"] == sys.argv[1] and e["outcome"] != "ok" for e in json.load(sys.stdin)["events"]) else 1)' "$A" <<<"$AUDIT"
check "no passphrase in the daemon's log" not grep -qF "$PASS" "$T/daemon.log"
check "verify passes" as_svc "$CV" verify
check "audit verify passes" as_svc "$CV" audit verify
check "no sanitizer report in the daemon's log (its pages' workers included)" \
	not grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$T/daemon.log"
finish
