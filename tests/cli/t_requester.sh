#!/bin/bash
# Who is asking decides the default (docs/legal-rules.md §6a, §8, §9), against the real binary:
#   1. an other-parent request and a child's own request on a case whose
#      client note holds an address, a phone number and health details:
#      every main-section record needs a decision (request show says why),
#      no bundle until each is decided; with the client note withheld the
#      bundle (OpenPGP form, opened with gpg and 7z) holds none of those
#      details in any member, the index or the letter;
#   2. grounds: sch3-para21 is the default and accepted for a parent's request
#      about a child under 18, refused (one line) for the child's own
#      request and for a child who is 18; the default is then sch3-para7;
#   3. child-protection hints: a case note that mentions the CP lead and
#      the strategy discussion, a note using a word of a CP title, and one
#      using a word of a CP note each block the bundle (naming the record
#      and the term) until a cp-lead or manager decides; a title that hints
#      needs a decision at scope time.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

staff() { # staff NAME ROLE: a member of staff with a current attestation; prints the id
	local id
	id=$("$CV" staff add "$1" --role "$2" --no-passphrase) && "$CV" staff attest "$id" >/dev/null && echo "$id"
}
export CASEVAULT_TODAY=2026-11-20
new_test_vault
CW=$(staff "Casey Worker" caseworker)
CPL=$(staff "Lee Protect" cp-lead)
C=$(new_case "Maria Client" "Jamie Client" 2015-02-01)
"$CV" case assign "$C" "$CW" >/dev/null  # the caseworker's case (docs/security.md, Case assignment)
"$CV" note "$C" --class case-note --date 2026-06-01 --title "Home visit" >/dev/null <<'TXT'
Maria is being treated for depression by her GP and takes sertraline.
She has moved with Jamie to 14 Larch Close, Anytown AT1 2BC, to get away
from Jamie's father. Her new mobile is 07700 900777.
TXT
"$CV" note "$C" --class meeting-note --date 2026-07-01 --title "Annual review" \
	--text "Annual review held at school; the plan for the next year was agreed." >/dev/null
mkdir -p "$T/rk/gnupg" && chmod 700 "$T/rk/gnupg"
GNUPGHOME=$T/rk/gnupg gpg --batch --passphrase '' --quick-gen-key "Requester <req@example.org>" future-default default never 2>/dev/null
GNUPGHOME=$T/rk/gnupg gpg --export -a >"$T/req.asc"

open_req() { # open_req CASE REL NAME [flags]: the new request's id
	local c=$1 rel=$2 name=$3; shift 3
	"$CV" --json request open "$c" --requester "$name" --relationship "$rel" --received 2026-11-02 "$@" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])'
}
show() { "$CV" --json request show "$1" >"$T/show.json"; }  # show REQ: for item
item() { # item REQ RECORD KEY: one field of a record in request show --json (REQ "": the last show)
	[ -n "$1" ] && show "$1"
	python3 -c "import json,sys
for r in json.load(open('$T/show.json'))['request']['records']:
    if r['record'] == '$2': print(r.get('$3') or '')"
}
# bundle REQ DIR [AS]: an OpenPGP bundle, decrypted and unpacked into DIR
bundle() {
	local as=${3:-}
	rm -rf "$2" "$2.gpg"
	run_cv ${as:+--as "$as"} request bundle "$1" -o "$2.gpg" --recipient "$T/req.asc"
	[ "$RC" -eq 0 ] || return 1
	mkdir -p "$2" && GNUPGHOME=$T/rk/gnupg gpg -q --batch -d "$2.gpg" >"$2.zip" 2>/dev/null &&
		(cd "$2" && 7z x "$2.zip" >/dev/null)
}
SECRETS=("Larch Close" "AT1 2BC" "07700 900777" "07700900777" depression sertraline "get away" "Home visit")

# ---- 1. the client is a third party to the other parent and to the child ----
for rel in other-parent child; do
	if [ $rel = other-parent ]; then R=$(open_req "$C" other-parent "Derek Other" --pr-confirmed); why="the client is a third party to an other-parent request"
	else R=$(open_req "$C" child "Jamie Client"); why="the client is a third party to the child's own request"; fi
	show "$R"
	check "$rel: the client's note needs a decision" test "$(item "" R-000001 decision)" = needs-decision
	check "$rel: so does the neutral note (it is the client's file)" test "$(item "" R-000002 decision)" = needs-decision
	check "$rel: --json says why" test "$(item "" R-000001 why)" = "$why"
	run_cv request show "$R"
	check "$rel: request show says why for each record" test "$(grep -c "needs a decision: $why" "$T/out")" -eq 2
	expect_fail "$rel: no bundle while the records need a decision" request bundle "$R" -o "$T/early.gpg" --recipient "$T/req.asc"
	check "$rel:   and nothing was written" test ! -e "$T/early.gpg"
	"$CV" --as "$CW" request decide "$R" R-000002 --release --reason "the review concerns the child" >/dev/null
	expect_fail "$rel: still none while the client's note is undecided" request bundle "$R" -o "$T/early.gpg" --recipient "$T/req.asc"
	check "$rel:   the refusal names it" grep -q R-000001 "$T/err"
	"$CV" --as "$CW" request decide "$R" R-000001 --withhold sch2-para16 --reason "the client's health and new address" >/dev/null
	check "$rel: with both decided the bundle is made ($ERR)" bundle "$R" "$T/b-$rel"
	check "$rel:   it holds the released note" grep -rq "Annual review held at school" "$T/b-$rel"
	for s in "${SECRETS[@]}"; do
		check "$rel:   no member, index or letter holds '$s'" not grep -rqiaF -- "$s" "$T/b-$rel"
	done
	check "$rel:   the members are the letter, the indexes and one record" test "$(ls "$T/b-$rel" | tr '\n' ' ')" = "001.txt index.html index.json letter.txt "
done
R=$(open_req "$C" client "Maria Client")
check "client: her own note is released with redaction by default, as before" test "$(item "$R" R-000001 decision)" = redact
check "client: no reason to decide is given" test -z "$(item "" R-000001 why)"
RREP=$(open_req "$C" representative "Rita Advocate" --authority-confirmed)
check "a representative with the client's recorded authority is treated as the client" test "$(item "$RREP" R-000001 decision)" = redact

# ---- 2. grounds depend on the requester and the child's age ----
"$CV" note "$C" --class cp-note --cp --date 2026-05-01 --title "Ribbonwood allegation" \
	--text "Jamie said Uncle Fenwickson hit him; the DSL was told." >/dev/null   # R-000003
RP=$(open_req "$C" other-parent "Derek Other" --pr-confirmed)
RK=$(open_req "$C" child "Jamie Client")
check "other parent, child of 11: the CP note is withheld on sch3-para21" test "$(item "$RP" R-000003 ground)" = sch3-para21
check "child's own request: withheld on sch3-para7 by default" test "$(item "$RK" R-000003 ground)" = sch3-para7
run_cv --as "$CPL" request decide "$RP" R-000003 --withhold sch3-para21 --reason "not in the child's interests"
check "sch3-para21 is accepted for a parent's request about a child under 18 ($ERR)" test "$RC" -eq 0
h=$(tree_hash "$V")
expect_fail "sch3-para21 is refused for the child's own request" --as "$CPL" request decide "$RK" R-000003 --withhold sch3-para21 --reason x
check "  the refusal says why and what to use" grep -q "child's own request; withhold on sch3-para7" "$T/err"
check "  and changed nothing" test "$(tree_hash "$V")" = "$h"
run_cv --as "$CPL" request decide "$RK" R-000003 --withhold sch3-para7 --reason "serious harm"
check "sch3-para7 is accepted for the child's own request" test "$RC" -eq 0
check "  and recorded as its one ground" test "$(item "$RK" R-000003 ground)" = sch3-para7
A=$(new_case "Pat Adult" "Robin Adult" 2008-10-01)
"$CV" note "$A" --class cp-note --cp --date 2020-05-01 --title "Old referral" --text "An old referral." >/dev/null  # R-000004
RA=$(open_req "$A" client "Pat Adult")
check "a child who was 18 when the request came: sch3-para7 by default" test "$(item "$RA" R-000004 ground)" = sch3-para7
expect_fail "sch3-para21 is refused for an adult child" --as "$CPL" request decide "$RA" R-000004 --withhold sch3-para21 --reason x
check "  the refusal names the age" grep -q "the child was 18" "$T/err"

# ---- 3. hints of the child-protection file need a decision ----
H=$(new_case "Hana Hint" "Kit Hint" 2016-03-03)
"$CV" case assign "$H" "$CW" >/dev/null
"$CV" note "$H" --class cp-note --cp --date 2026-04-01 --title "Ribbonwood allegation strategy" \
	--text "Kit named Mr Quennell at the strategy meeting." >/dev/null   # R-000005
"$CV" note "$H" --class phone-call --date 2026-04-02 --title "Phone call" \
	--text "Concern passed to the CP lead today; see the separate child protection file (strategy discussion)." >/dev/null  # R-000006
"$CV" note "$H" --class phone-call --date 2026-04-03 --title "Second call" \
	--text "Mum mentioned Ribbonwood again on the phone." >/dev/null    # R-000007
"$CV" note "$H" --class phone-call --date 2026-04-04 --title "Third call" \
	--text "Kit asked whether Quennell would come to the party." >/dev/null    # R-000008
"$CV" note "$H" --class phone-call --date 2026-04-05 --title "Safeguarding concern raised" \
	--text "A short call about transport." >/dev/null    # R-000009
"$CV" note "$H" --class meeting-note --date 2026-04-06 --title "Transport" \
	--text "The bus pass was renewed." >/dev/null    # R-000010
RH=$(open_req "$H" client "Hana Hint")
check "a title that hints needs a decision at scope time" test "$(item "$RH" R-000009 decision)" = needs-decision
check "  request show says why" test "$(item "" R-000009 why)" = "mentions child-protection terms"
check "the plain notes keep their default" test "$(item "" R-000010 decision)" = redact
"$CV" --as "$CW" request decide "$RH" R-000009 --redact --reason "routine call" >/dev/null
expect_fail "a caseworker's release of a hinting title still blocks the bundle" --as "$CPL" request bundle "$RH" -o "$T/h0.gpg" --recipient "$T/req.asc"
check "  naming the title and the term" grep -q "title of record R-000009 mentions the child-protection term 'safeguarding'" "$T/err"
"$CV" --as "$CPL" request decide "$RH" R-000009 --redact --reason "cp-lead: routine" >/dev/null
expect_fail "a released note mentioning the CP lead blocks the bundle" --as "$CPL" request bundle "$RH" -o "$T/h1.gpg" --recipient "$T/req.asc"
check "  naming the record and the term" grep -Eq "R-000006.*'(cp lead|child protection|strategy discussion)'" "$T/err"
check "  and nothing was written" test ! -e "$T/h1.gpg"
"$CV" --as "$CW" request decide "$RH" R-000006 --redact --reason "a caseworker cannot clear it" >/dev/null
expect_fail "  a caseworker's decision does not clear it" --as "$CPL" request bundle "$RH" -o "$T/h1.gpg" --recipient "$T/req.asc"
"$CV" --as "$CPL" request decide "$RH" R-000006 --withhold sch3-para21 --reason "reveals the CP file" >/dev/null
expect_fail "a word of a CP title in a released note blocks it" --as "$CPL" request bundle "$RH" -o "$T/h2.gpg" --recipient "$T/req.asc"
check "  naming the record and the word" grep -qi "R-000007.*'ribbonwood'" "$T/err"
"$CV" --as "$CPL" request decide "$RH" R-000007 --withhold sch3-para21 --reason "names the allegation" >/dev/null
expect_fail "a word of a CP note in a released note blocks it" --as "$CPL" request bundle "$RH" -o "$T/h3.gpg" --recipient "$T/req.asc"
check "  naming the record and the word" grep -qi "R-000008.*'quennell'" "$T/err"
"$CV" --as "$CPL" request decide "$RH" R-000008 --redact --reason "cp-lead: the party is unrelated" >/dev/null
check "with every hint decided by the cp-lead the bundle is made ($ERR)" bundle "$RH" "$T/bh" "$CPL"
for s in "CP lead" "child protection" "strategy discussion" Ribbonwood; do
	check "  no member holds '$s'" not grep -rqiaF -- "$s" "$T/bh"
done
check "  the note the cp-lead released is there" grep -rq "Quennell" "$T/bh"

finish
