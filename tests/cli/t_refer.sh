#!/bin/bash
# Child-protection referrals (docs/legal-rules.md §16; docs/commands/refer.md):
# only a cp-lead or a manager refers (a caseworker is refused, and the refusal
# is audited); each referral names the agency, the reason, the legal basis and
# exactly which records, is listed apart from requests, and its audit event
# carries its record ids.  The agency, reason and basis are sealed.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Referral Parent" "Referral Child" 2016-02-02)
D=$(new_case "Other Parent" "Other Child" 2015-03-03)
W=$("$CV" staff add "Wendy Caseworker" --role caseworker --no-passphrase)
L=$("$CV" staff add "Lena Cplead" --role cp-lead --no-passphrase)
"$CV" staff attest "$W" >/dev/null && "$CV" staff attest "$L" >/dev/null
"$CV" note "$C" --class phone-call --text "Call one" >/dev/null          # R-000001
"$CV" note "$C" --class cp-note --cp --text "CP concern one" >/dev/null  # R-000002
"$CV" note "$D" --class phone-call --text "Other case" >/dev/null        # R-000003

# A caseworker's referral is refused, audited, and records nothing.
expect_fail "a caseworker may not refer" --as "$W" refer "$C" --to "LA CPO" --reason "Bruising seen" \
	--basis "Children Act 1989 s.47" --records R-000001
check "the refusal names the roles that may refer" grep -q "may not refer a case.*cp-lead or manager" <<<"$ERR"
check "the caseworker's refusal is in the audit trail" \
	test "$(db "SELECT count(*) FROM audit WHERE actor = '$W' AND action = 'access' AND outcome != 'ok' AND ids = '$C'")" -ge 1
check "nothing was recorded" test "$(db 'SELECT count(*) FROM referrals')" = 0
expect_fail "a caseworker may not list referrals" --as "$W" refer list

# A cp-lead refers two records; several ids after --records.
run_cv --as "$L" refer "$C" --to "Knowsley LA child protection officer" --reason "Disclosure of harm at home" \
	--basis "Children Act 1989 s.47; DPA 2018 Sch 8 para 4" --records R-000001 R-000002 --date 2026-03-04
check "a cp-lead refers ($OUT $ERR)" test "$RC" -eq 0
check "the referral gets number 1" grep -q "^referral 1 of $C recorded (2 records)" <<<"$OUT"
# A manager refers one record, the list comma-separated.
run_cv --json refer "$C" --to "Police PPU" --reason - --basis "DPA 2018 Sch 2 para 2" --records R-000002 \
	<<<"Further concern about Referral Child"
check "a manager refers, the reason read from standard input" test "$RC" -eq 0
check "--json gives the referral's number" test "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["referral"])' <<<"$OUT")" = 2

# Both are in the audit trail with their record ids.
run_cv --json audit show
ev() { python3 -c 'import json,sys; print("\n".join(" ".join(e["ids"]) for e in json.load(sys.stdin)["events"] if e["action"] == "refer"))' <<<"$OUT"; }
check "referral 1 audited with both records" grep -qx "referral-1 $C R-000001 R-000002" <<<"$(ev)"
check "referral 2 audited with its record" grep -qx "referral-2 $C R-000002" <<<"$(ev)"
check "each referral audited once" test "$(ev | grep -c '')" = 2

# Listed apart from requests, with who, to whom, why, the basis and the records.
run_cv refer list "$C"
check "refer list shows referral 1" grep -q "referral 1  $C  2026-03-04  by $L  to: Knowsley LA child protection officer" <<<"$OUT"
check "refer list shows the basis" grep -q "basis: Children Act 1989 s.47; DPA 2018 Sch 8 para 4" <<<"$OUT"
check "refer list shows the records" grep -q "records: R-000001 R-000002" <<<"$OUT"
run_cv --json --as "$L" refer list
check "refer list --json has both, newest first, with their records" test "$(python3 -c '
import json,sys; d=json.load(sys.stdin)["referrals"]
print(";".join("%s:%s:%s" % (f["id"], ",".join(f["records"]), f["reason"]) for f in d))' <<<"$OUT")" \
	= "2:R-000002:Further concern about Referral Child;1:R-000001,R-000002:Disclosure of harm at home"
run_cv refer list "$D"
check "another case has no referrals" test "$OUT" = "no referrals"
run_cv request list
check "referrals are not listed as requests" not grep -q "referral\|Knowsley" <<<"$OUT"

# Sealed: no clear text of agency, reason or basis in the index.
for w in "Knowsley LA" "Disclosure of harm" "Children Act 1989" "Police PPU"; do
	check "'$w' is not in the index in clear" not grep -aqs "$w" "$V/vault.db" "$V/vault.db-wal"
done

# Bad input: one line, nothing recorded.
n0=$(db 'SELECT count(*) FROM referrals')
expect_fail "a record of another case is refused" refer "$C" --to X --reason Y --basis Z --records R-000003
check "it names the record and the case" grep -q "no record R-000003 in case $C" <<<"$ERR"
expect_fail "an unknown record is refused" refer "$C" --to X --reason Y --basis Z --records R-000099
expect_fail "a record named twice is refused" refer "$C" --to X --reason Y --basis Z --records R-000001,R-000001
expect_fail "no basis is refused" refer "$C" --to X --reason Y --records R-000001
expect_fail "no records is refused" refer "$C" --to X --reason Y --basis Z
expect_fail "a future date is refused" refer "$C" --to X --reason Y --basis Z --records R-000001 --date 2999-01-01
expect_fail "an unknown case is refused" refer C-2026-9999 --to X --reason Y --basis Z --records R-000001
check "nothing was recorded by bad input" test "$(db 'SELECT count(*) FROM referrals')" = "$n0"
run_cv audit verify
check "the audit trail verifies" test "$RC" -eq 0
finish
