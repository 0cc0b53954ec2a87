#!/bin/bash
# Anonymous enquiries (docs/commands/enquiry-add.md; issue property 5): the
# check catches phone numbers, e-mail addresses, postcodes and the names the
# vault records (parents, children, people named in a case), refusing each
# unless --confirm, and changing nothing when it refuses; a clean enquiry is
# logged with no case, its text sealed, kept a year from the enquiry's date
# (29 February's anniversary is 1 March).
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
at 2026-06-01
C=$(new_case "Priya Marchbank" "Ollie Marchbank" 2016-02-02)
"$CV" case person add "$C" "Desmond Quayle" --kind third-party >/dev/null
W=$("$CV" staff add "Wendy Caseworker" --role caseworker --no-passphrase)
X=$("$CV" staff add "Val Volunteer" --role volunteer --no-passphrase)
"$CV" staff attest "$W" >/dev/null && "$CV" staff attest "$X" >/dev/null

n() { db 'SELECT count(*) FROM enquiries'; }
declare -A BAD=(
	[a mobile number]="Parent rang from 07700 900123 about tribunals"
	[a landline with brackets]="call back on (0151) 443-3283"
	[an international number]="her number is +44 7700 900123"
	[an e-mail address]="send the leaflet to p.m@example.org"
	[a postcode]="lives near L36 9YU, asked about transport"
	[the parent surname]="Mrs marchbank asked about EHCP timescales"
	[the child first name]="asked whether Ollie can change school"
	[a person named in a case]="mentioned Desmond Quayle from the school"
)
declare -A WORDS=(
	[a mobile number]="a phone number" [a landline with brackets]="a phone number"
	[an international number]="a phone number" [an e-mail address]="an e-mail address"
	[a postcode]="a postcode" [the parent surname]="a name recorded in the vault"
	[the child first name]="a name recorded in the vault" [a person named in a case]="a name recorded in the vault"
)
for k in "${!BAD[@]}"; do
	n0=$(n)
	expect_fail "$k is refused" --as "$W" enquiry add --text "${BAD[$k]}"
	check "the refusal says it looks like ${WORDS[$k]}" grep -q "looks like it holds ${WORDS[$k]} (at character [0-9]*); an enquiry is anonymous" <<<"$ERR"
	check "the refusal does not repeat the text ($k)" not grep -qF "${BAD[$k]}" <<<"$ERR"
	check "nothing was logged ($k)" test "$(n)" = "$n0"
done

# The text read from standard input (kept out of the process list), checked the same.
run_cv enquiry add --text - <<<"ring Ollie's mum on 0151 443 3283"
check "a text on standard input is checked too" test "$RC" -eq 1

# A clean enquiry is logged, with no case; the text is sealed.
run_cv --as "$W" enquiry add --text "Asked how school transport appeals work; sent leaflet 4" --date 2026-05-20
check "a clean enquiry is logged ($ERR)" test "$RC" -eq 0 -a "$OUT" = "enquiry 1 logged"
check "it is kept a year from the enquiry's date" test "$(db 'SELECT retain_until FROM enquiries WHERE id = 1')" = 2027-05-20
check "its text is not in the index in clear" not grep -aqs "school transport appeals" "$V/vault.db" "$V/vault.db-wal"
check "the enquiries table has no case column" not grep -q case_id <<<"$(db 'PRAGMA table_info(enquiries)')"

# --confirm logs a flagged text, with a warning, marked as confirmed.
run_cv --json enquiry add --text "Tribunal clerk's number 020 7946 0018 given to caller" --confirm --date 2024-02-29
check "--confirm logs it (exit $RC: $ERR)" test "$RC" -eq 0
check "--confirm still warns" grep -q "warning: the enquiry text looks like it holds a phone number; logged as confirmed" <<<"$ERR"
check "--json says it was confirmed" test "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["enquiry"], d["confirmed"])' <<<"$OUT")" = "2 True"
check "29 February's year ends on 1 March" test "$(db 'SELECT retain_until FROM enquiries WHERE id = 2')" = 2025-03-01

run_cv --json enquiry list
check "enquiry list shows both, the text opened" test "$(python3 -c '
import json,sys; d=json.load(sys.stdin)["enquiries"]
print(";".join("%s:%s:%s:%s" % (e["id"], e["date"], e["confirmed"], e["text"][:9]) for e in d))' <<<"$OUT")" \
	= "1:2026-05-20:False:Asked how;2:2024-02-29:True:Tribunal "
run_cv audit show
check "each enquiry is audited" test "$(grep -c 'enquiry.add' <<<"$OUT")" = 2

# The purge destroys an enquiry once its year is over (enquiry 2: until
# 2025-03-01), keeps the other, and audits it; the sealed text is gone.
run_cv purge --yes
check "the purge runs ($ERR)" test "$RC" -eq 0
check "it says an enquiry was destroyed" grep -q "1 anonymous enquiry past its year destroyed" <<<"$ERR"
check "only enquiry 1 is left" test "$(db 'SELECT group_concat(id) FROM enquiries')" = 1
check "the destruction is audited" test "$(db "SELECT count(*) FROM audit WHERE action = 'enquiry.destroy' AND ids LIKE 'enquiries 1 %'")" = 1
run_cv purge --yes
check "a second purge destroys nothing more" test "$(db 'SELECT count(*) FROM enquiries')" = 1
at 2027-05-19
run_cv purge --yes
check "enquiry 1 is kept the day before its year ends" test "$(db 'SELECT count(*) FROM enquiries')" = 1
at 2027-05-20
run_cv purge --yes
check "enquiry 1 goes on the day its year ends" test "$(db 'SELECT count(*) FROM enquiries')" = 0
at 2026-06-01

# Who may: a volunteer holds no case key, so cannot check the names.
expect_fail "a volunteer may not log an enquiry" --as "$X" enquiry add --text "general question"
expect_fail "a volunteer may not list enquiries" --as "$X" enquiry list
# Bad input: one line, nothing logged.
n0=$(n)
expect_fail "no text is a usage error" enquiry add
expect_fail "a future date is refused" enquiry add --text "general question" --date 2026-07-01
expect_fail "a date that is not one is refused" enquiry add --text "general question" --date 2026-02-30
check "nothing logged by bad input" test "$(n)" = "$n0"
finish
