#!/bin/bash
# "Your passphrase" in casevaultd's web interface (docs/web.md, Your
# passphrase), over HTTP without a browser (tests/web/webclient.py): a
# caseworker who never opens a terminal gives her key a passphrase, then
# changes it; each change signs her out and she signs in with the new one,
# never the old; new passphrases that differ or are weak, and a wrong current
# one, are refused with one line and change nothing (the wrong one audited).
# Real OS accounts (root only: exit 77), the real daemon.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"
P1="walnut harbour seven lanterns"
P2="copper meadow ninety swallows"
events() { as_svc "$CV" --json audit show | python3 -c 'import json,sys
print(" ".join(e["outcome"] for e in json.load(sys.stdin)["events"] if e["action"] == "staff.passphrase"))'; }
keys_hash() { as_svc sh -c 'cat "$1"/gnupg/private-keys-v1.d/* | sha256sum' sh "$V"; }

web ada signin "$A"
web ada get /passphrase
check "a caseworker opens 'Your passphrase' (${WST%% *}), linked from the top bar's account links" \
	eval '[ "${WST%% *}" = 200 ] && page_has ada "<nav aria-label=\"Your account\"><span class=\"who\">Signed in as $A</span> <a href=\"/passphrase\">"'
check "  ... a form with the current passphrase and the new one twice, labelled" bash -c \
	'grep -qF "name=\"old_pass\"" "$1" && grep -qF "name=\"new_pass2\"" "$1" && grep -qF "<label for=\"p-new\">" "$1"' \
	_ "$T/jar.ada.body"

# ---- refusals of the form: one line, nothing changed
before=$(keys_hash)
web ada post /passphrase old_pass= "new_pass=$P1" "new_pass2=$P1 x"
check "new passphrases that differ are refused (${WST%% *}: $(alert_of ada))" \
	bash -c '[ "$1" = 400 ] && grep -q "differ" <<<"$2"' _ "${WST%% *}" "$(alert_of ada)"
web ada post /passphrase old_pass= new_pass=short1 new_pass2=short1
check "a weak one is refused (${WST%% *}: $(alert_of ada))" \
	bash -c '[ "$1" = 400 ] && grep -q "too weak" <<<"$2"' _ "${WST%% *}" "$(alert_of ada)"
check "  ... no key file changed" test "$(keys_hash)" = "$before"

# ---- her key, made without a passphrase, gets one; she is signed out
web ada post /passphrase old_pass= "new_pass=$P1" "new_pass2=$P1"
check "a passphrase given to a key made without one: signed out to sign in again ($WST)" \
	test "$WST" = "303 /signin?changed=1"
web ada get /signin?changed=1
check "  ... the sign-in page says so" page_has ada "Your passphrase is changed: sign in with the new one."
web ada get /cases
check "  ... her old session is gone ($WST)" test "$WST" = "303 /signin"
web ada signin "$A" ""
check "  ... no passphrase signs in no more (${WST%% *})" test "${WST%% *}" = 403
web ada signin "$A" "$P1"
check "  ... the new one does (${WST%% *})" test "${WST%% *}" = 303

# ---- a wrong current passphrase, then the change
before=$(keys_hash)
web ada post /passphrase "old_pass=not my passphrase at all" "new_pass=$P2" "new_pass2=$P2"
check "a wrong current passphrase is refused (${WST%% *}: $(alert_of ada))" \
	bash -c '[ "$1" -ge 400 ] && grep -q "not accepted; nothing was changed" <<<"$2"' _ "${WST%% *}" "$(alert_of ada)"
check "  ... no key file changed, and she is still signed in" \
	eval '[ "$(keys_hash)" = "$before" ] && web ada get /cases && [ "${WST%% *}" = 200 ]'
web ada post /passphrase "old_pass=$P1" "new_pass=$P2" "new_pass2=$P2"
check "the right one changes it ($WST)" test "$WST" = "303 /signin?changed=1"
web ada signin "$A" "$P1"
check "  ... the old passphrase signs in no more (${WST%% *})" test "${WST%% *}" = 403
web ada signin "$A" "$P2"
check "  ... the new one does (${WST%% *})" test "${WST%% *}" = 303
check "the audit trail has each change and the refusal ($(events))" test "$(events)" = "ok refused ok"
check "the daemon's log holds no passphrase" not grep -q -e walnut -e copper "$T/daemon.log"
finish
