#!/bin/bash
# The confidentiality notice and the contact preference of a case (the
# office's confidentiality policy; docs/commands/case-notice.md,
# case-contact.md): recorded with when, how and which policy version,
# audited, and shown by `case show` as text and with --json.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
at 2026-06-01
C=$(new_case "Notice Parent" "Notice Child" 2016-02-02)
W=$("$CV" staff add "Wendy Caseworker" --role caseworker --no-passphrase)
X=$("$CV" staff add "Val Volunteer" --role volunteer --no-passphrase)
"$CV" staff attest "$W" >/dev/null && "$CV" staff attest "$X" >/dev/null
"$CV" case assign "$C" "$W" >/dev/null   # Wendy works on the case (docs/security.md, Case assignment)

run_cv case show "$C"
check "a new case shows no notice" grep -q "^told          (no confidentiality notice recorded)" <<<"$OUT"
check "a new case shows no detailed message by default" grep -q "^messages      no preference recorded: leave no detailed message" <<<"$OUT"

run_cv --as "$W" case notice "$C" --told 2026-05-02 --how phone --policy-version 2026-1
check "a caseworker records the oral notice on the phone ($ERR)" test "$RC" -eq 0 -a "$OUT" = "notice 1 recorded on $C"
run_cv case notice "$C" --how written --policy-version 2026-1
check "the written notice at the first meeting (today)" test "$RC" -eq 0
run_cv --as "$W" case contact "$C" --message-ok no --how phone
check "a contact preference is recorded" test "$RC" -eq 0
run_cv case show "$C"
check "case show lists the phone notice" grep -q "^told          2026-05-02, phone, policy 2026-1 (recorded by $W)" <<<"$OUT"
check "case show lists the written notice" grep -q "^told          2026-06-01, written, policy 2026-1" <<<"$OUT"
check "case show says no detailed message, by phone" grep -q "^messages      no detailed message; contact by phone" <<<"$OUT"
run_cv case contact "$C" --message-ok yes
run_cv --json case show "$C"
check "case show --json has the notices and the latest preference" test "$(python3 -c '
import json,sys; k=json.load(sys.stdin)["case"]
print(";".join("%s/%s/%s" % (n["told"], n["how"], n["policy_version"]) for n in k["notices"]), k["contact"]["message_ok"], k["contact"].get("how"))' <<<"$OUT")" \
	= "2026-05-02/phone/2026-1;2026-06-01/written/2026-1 True None"

run_cv audit show
check "the notices are audited with the case" test "$(grep -c "case.notice.*$C notice-" <<<"$OUT")" = 2
check "the preferences are audited" test "$(grep -c "case.contact.*$C message-ok=" <<<"$OUT")" = 2

# Refusals: one line, nothing recorded.
n0=$(db 'SELECT count(*) FROM case_notices')
expect_fail "a volunteer may not record a notice" --as "$X" case notice "$C" --how oral --policy-version 1
expect_fail "an unknown way is refused" case notice "$C" --how smoke-signal --policy-version 1
expect_fail "a missing version is a usage error" case notice "$C" --how oral
expect_fail "a version with spaces is refused" case notice "$C" --how oral --policy-version "v 1"
expect_fail "a future day is refused" case notice "$C" --how oral --policy-version 1 --told 2026-06-02
expect_fail "an unknown case is refused" case notice C-2026-9999 --how oral --policy-version 1
expect_fail "--message-ok must be yes or no" case contact "$C" --message-ok maybe
expect_fail "an unknown contact way is refused" case contact "$C" --message-ok yes --how pigeon
check "nothing recorded by bad input" test "$(db 'SELECT count(*) FROM case_notices')" = "$n0"
check "the preference is unchanged by bad input" test "$(db "SELECT message_ok FROM case_contact WHERE case_id = '$C'")" = 1
finish
