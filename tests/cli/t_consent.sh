#!/bin/bash
# The consent register (docs/legal-rules.md §15): oral or written (the form
# filed as a record), scope by recipient or purpose, review due 12 months
# after it was given, consent due within 30 days, withdrawal; a young person
# over compulsory school age consents for themselves.  Audited, sealed.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

export CASEVAULT_TODAY=2026-06-01
new_test_vault
make_docs "$T/d"
A=$(new_case "Alex Parent" "Sam Young" 2015-02-01)
# turns 16 on 2025-03-01: compulsory school age ends on the last Friday of June 2025, the 27th
Y=$(new_case "Yara Parent" "Kim Older" 2009-03-01)
"$CV" file "$A" "$T/d/letter.pdf" --class consent-form --title "Permission form" >/dev/null   # R-000001
"$CV" note "$Y" --class phone-call --text "call" >/dev/null                                    # R-000002

# ---- recording ----
run_cv --json consent add "$A" --to "Riverside School SENCO" --oral
check "oral consent for a recipient is recorded" test "$RC" -eq 0
K1=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["consent"])' "$OUT")
run_cv consent add "$A" --purpose "EHCP annual review" --written R-000001 --given 2025-06-20
check "written consent for a purpose, given a year ago, is recorded" test "$RC" -eq 0
run_cv --json consent list "$A"
check "consent list shows both, oldest first, with scope, how, dates and status" python3 - "$OUT" "$K1" <<'PY'
import json, sys
c = json.loads(sys.argv[1])["consents"]
assert len(c) == 2, c
a, b = c
assert a["id"] == sys.argv[2] and a["scope"] == "Riverside School SENCO" and a["scope_kind"] == "recipient", a
assert a["how"] == "oral" and a["given"] == "2026-06-01" and a["review_due"] == "2027-06-01" and a["status"] == "valid", a
assert a["giver"] == "parent" and a["form_record"] is None, a
assert b["how"] == "written" and b["form_record"] == "R-000001" and b["scope_kind"] == "purpose", b
assert b["review_due"] == "2026-06-20" and b["status"] == "valid", b
PY
check "the scope is sealed: not in the index in clear" not grep -a -q "Riverside" "$V/vault.db" "$V/vault.db-wal"

# ---- bad input: one line, nothing recorded ----
n0=$(db "SELECT count(*) FROM consents")
expect_fail "neither --oral nor --written is refused" consent add "$A" --to X
expect_fail "both --oral and --written are refused" consent add "$A" --to X --oral --written R-000001
expect_fail "both --to and --purpose are refused" consent add "$A" --to X --purpose Y --oral
expect_fail "neither --to nor --purpose is refused" consent add "$A" --oral
expect_fail "a written form that is not a record of the case is refused" consent add "$A" --to X --written R-000002
expect_fail "a consent given in the future is refused" consent add "$A" --to X --oral --given 2026-07-01
expect_fail "an impossible date is refused" consent add "$A" --to X --oral --given 2026-02-30
expect_fail "an unknown case is refused" consent add C-2099-0001 --to X --oral
expect_fail "--by must be parent or young-person" consent add "$A" --to X --oral --by uncle
check "nothing was recorded by the refusals" test "$(db "SELECT count(*) FROM consents")" = "$n0"

# ---- who consents: a young person over compulsory school age, for themselves ----
expect_fail "the parent cannot consent for a young person over school age" consent add "$Y" --to X --oral --by parent
check "  ... the message says the young person consents" grep -q "young-person" <<<"$ERR"
run_cv --json consent add "$Y" --to "College" --oral
k=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["consent"])' "$OUT")
check "by default the young person over school age gives it" \
	test "$(db "SELECT given_by FROM consents WHERE id = $k")" = young-person
run_cv consent add "$Y" --to "College" --oral --given 2025-06-27
check "on the last Friday of June of the year they turn 16 the parent still consents" \
	test "$(db "SELECT given_by FROM consents ORDER BY id DESC LIMIT 1")" = parent
run_cv consent add "$Y" --to "College" --oral --given 2025-06-28
check "the day after, the young person consents" \
	test "$(db "SELECT given_by FROM consents ORDER BY id DESC LIMIT 1")" = young-person
expect_fail "a young child does not consent for themselves" consent add "$A" --to X --oral --by young-person

# ---- due for renewal ----
run_cv --json consent due
check "consent due lists those whose review falls within 30 days (and not those a year off)" python3 - "$OUT" "$A" <<'PY'
import json, sys
c = json.loads(sys.argv[1])["consents"]
assert [x["review_due"] for x in c] == ["2026-06-20", "2026-06-27", "2026-06-28"], c
assert c[0]["case"] == sys.argv[2] and c[0]["scope"] == "EHCP annual review", c
PY
run_cv --json consent due --days 10
check "--days 10 lists none" python3 -c 'import json,sys; assert json.loads(sys.argv[1])["consents"] == []' "$OUT"
CASEVAULT_TODAY=2026-06-21 run_cv --json consent list "$A"
check "12 months and 1 day after it was given, it is expired" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["consents"]; assert c[1]["status"] == "expired", c' "$OUT"
CASEVAULT_TODAY=2026-06-21 run_cv --json consent due --days 0
check "an expired one stays on the due list until renewed or withdrawn" grep -q '"2026-06-20"' <<<"$OUT"
expect_fail "consent due --days must be a number" consent due --days soon

# ---- withdrawal ----
expect_fail "a withdrawal dated before the consent was given is refused" consent withdraw "$K1" --date 2026-05-31
expect_fail "  ... the same for a backdated one" consent withdraw 2 --date 2025-01-01
run_cv consent withdraw "$K1"
check "consent is withdrawn" test "$RC" -eq 0
run_cv --json consent list "$A"
check "it shows as withdrawn, with the date" python3 -c 'import json,sys; c=json.loads(sys.argv[1])["consents"][0]; assert c["status"] == "withdrawn" and c["withdrawn_at"] == "2026-06-01" and c["withdrawn_by"] == "S-0001", c' "$OUT"
expect_fail "withdrawing it again is refused" consent withdraw "$K1"
expect_fail "an unknown consent is refused" consent withdraw 99
expect_fail "a consent number must be a number" consent withdraw abc
run_cv consent list "$A"
check "the text list shows the status" grep -q "withdrawn" <<<"$OUT"

# ---- case assignment and the audit trail ----
CW=$("$CV" staff add "Casey Worker" --role caseworker --no-passphrase); "$CV" staff attest "$CW" >/dev/null
expect_fail "a caseworker not assigned to the case cannot record its consent" --as "$CW" consent add "$A" --to X --oral
expect_fail "  ... nor list it" --as "$CW" consent list "$A"
run_cv --as "$CW" --json consent due --days 400
check "  ... and their due list holds nothing of it" python3 -c 'import json,sys; assert json.loads(sys.argv[1])["consents"] == []' "$OUT"
check "consent.add, consent.withdraw, consent.list and consent.due are audited" \
	test "$(db "SELECT count(DISTINCT action) FROM audit WHERE action LIKE 'consent.%'")" = 4
check "the audit trail names the case and the consent" \
	test "$(db "SELECT count(*) FROM audit WHERE action = 'consent.withdraw' AND ids = '$A consent-$K1'")" = 1
run_cv audit verify
check "the audit trail verifies" test "$RC" -eq 0
finish
