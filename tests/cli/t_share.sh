#!/bin/bash
# share (docs/legal-rules.md §15-§17), issue property 2: refused with no
# consent, an expired one (12 months + 1 day), a withdrawn one and one whose
# scope does not cover the recipient, each a separate check, nothing written;
# with a valid one the bundle (the request bundle's machinery) is opened with
# 7z and checked: the shared records, third parties redacted, nothing of the
# child-protection file or of the linked case.  Property 3: the caseworker of
# case A is refused a share of linked case B, and nothing of A is in B's.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

export CASEVAULT_TODAY=2026-06-01
new_test_vault
A=$(new_case "Alex Example" "Sam Example" 2015-02-01)
B=$(new_case "Jordan Linkside" "Sam Example" 2015-02-01)
N=$(new_case "Nora None" "Nat None" 2016-01-01)
"$CV" case link "$A" "$B" >/dev/null
CWA=$("$CV" staff add "Ann Worker" --role caseworker --no-passphrase); "$CV" staff attest "$CWA" >/dev/null
CWB=$("$CV" staff add "Bob Worker" --role caseworker --no-passphrase); "$CV" staff attest "$CWB" >/dev/null
"$CV" case assign "$A" "$CWA" >/dev/null && "$CV" case assign "$B" "$CWB" >/dev/null
"$CV" case person add "$A" "Patricia Jones" --kind third-party --phone "07700 900456" >/dev/null
"$CV" note "$A" --class meeting-note --date 2026-05-01 --text "SHARE-OK-ONE Alex agreed the plan. Patricia Jones rang on 07700 900456." >/dev/null  # R-000001
"$CV" note "$A" --class phone-call --date 2026-05-02 --text "SHARE-OK-TWO school visit booked for Sam." >/dev/null  # R-000002
"$CV" note "$A" --class cp-note --cp --date 2026-05-03 --text "CP-SECRET concern recorded for the LADO." >/dev/null  # R-000003
"$CV" note "$B" --class phone-call --date 2026-05-04 --text "LINKED-SECRET Jordan Linkside's account of the weekend." >/dev/null  # R-000004
"$CV" note "$A" --class case-note --date 2026-05-05 --text "SHARE-NOT-CHOSEN internal note." >/dev/null  # R-000005

# refused SHARE ARGS...: one line naming WHY, exit 1, no file, the refusal audited
refused() {
	local d=$1 why=$2 out=$3; shift 3
	local before
	before=$(db "SELECT count(*) FROM audit WHERE action = 'share' AND outcome != 'ok'")
	expect_fail "$d" "$@" -o "$T/$out" --show-passphrase
	grep -q "$why" <<<"$ERR" || fail "  ... the refusal does not say '$why': $ERR"
	check "  ... and nothing was written" test ! -e "$T/$out"
	check "  ... and the refusal is audited" test "$(db "SELECT count(*) FROM audit WHERE action = 'share' AND outcome != 'ok'")" -gt "$before"
}

# ---- property 2: each refusal on its own ----
refused "no consent at all: refused" "has no consent" n1.zip share "$N" --to "Riverside School"
"$CV" consent add "$A" --to "Expired School" --oral --given 2025-05-31 >/dev/null
refused "a consent 12 months + 1 day old: refused as expired" "expired" n2.zip share "$A" --to "Expired School"
K=$("$CV" --json consent add "$A" --to "Withdrawn School" --oral | python3 -c 'import json,sys; print(json.load(sys.stdin)["consent"])')
"$CV" consent withdraw "$K" >/dev/null
refused "a withdrawn consent: refused" "withdrawn" n3.zip share "$A" --to "Withdrawn School"
"$CV" consent add "$A" --to "Riverside School" --oral --given 2025-06-01 >/dev/null
refused "a consent for another recipient: refused as out of scope" "covers the recipient 'Other Agency'" n4.zip share "$A" --to "Other Agency"
refused "a consent for a recipient does not cover a purpose" "covers the purpose" n5.zip share "$A" --purpose "EHCP review"
refused "a child-protection record is never shared" "never shared" n6.zip share "$A" --to "Riverside School" --records R-000003
refused "a record of another case is never shared" "not in the case file" n7.zip share "$A" --to "Riverside School" --records R-000004
expect_fail "share without -o is a usage error" share "$A" --to "Riverside School"
expect_fail "share without --to or --purpose is a usage error" share "$A" -o "$T/n8.zip"

# ---- a valid consent (given 12 months ago today: its review day): the bundle ----
run_cv --as "$CWA" share "$A" --to "riverside school" --records R-000001,R-000002 -o "$T/share.zip" --show-passphrase
check "the caseworker shares under the valid consent (exit $RC: $ERR)" test "$RC" -eq 0
PASS=$(sed -n 's/^passphrase.*: //p' "$T/out")
check "  a passphrase is printed once" test -n "$PASS"
check "  the passphrase is stored nowhere in the vault" not grep -rqaF "$PASS" "$V"
mkdir "$T/x"
check "7z opens the share with the printed passphrase" sh -c "cd '$T/x' && 7z x -p'$PASS' '$T/share.zip' >/dev/null"
check "members: the cover note, the index and 001, 002 (neutral names)" \
	test "$(cd "$T/x" && ls | tr '\n' ' ')" = "001.txt 002.txt index.html index.json letter.txt "
check "001 is the meeting note" grep -q "SHARE-OK-ONE" "$T/x/001.txt"
check "002 is the phone call" grep -q "SHARE-OK-TWO" "$T/x/002.txt"
check "the third party's name and phone are redacted" not grep -rqE "Patricia|Jones|07700" "$T/x"
check "nothing of the child-protection file" not grep -rq "CP-SECRET" "$T/x"
check "nothing of the linked case (record, parent)" not grep -rqE "LINKED-SECRET|Linkside" "$T/x"
check "nothing of a record not chosen" not grep -rq "SHARE-NOT-CHOSEN" "$T/x"
check "no record id in the bundle" not grep -rqE "R-0000[0-9]" "$T/x"
cid=$(db "SELECT id FROM consents WHERE case_id = '$A' AND given = '2025-06-01'")
check "the cover note names the consent relied on" grep -q "consent $cid, given 2025-06-01" "$T/x/letter.txt"
check "index.json lists the two documents" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["documents"]; assert len(d) == 2, d' "$T/x/index.json"
check "the audit trail records the share with its consent and records" \
	test "$(db "SELECT count(*) FROM audit WHERE action = 'share' AND outcome = 'ok' AND ids = '$A consent-$cid R-000001 R-000002'")" = 1
expect_fail "a second share never overwrites the first" share "$A" --to "Riverside School" --records R-000001 -o "$T/share.zip" --show-passphrase
run_cv share "$A" --to "Riverside School" -o "$T/all.zip" --show-passphrase
check "without --records the whole case file goes (text records; exit $RC: $ERR)" test "$RC" -eq 0
mkdir "$T/xa" && (cd "$T/xa" && 7z x -p"$(sed -n 's/^passphrase.*: //p' "$T/out")" "$T/all.zip" >/dev/null)
check "  three documents, still nothing of the CP file" sh -c "test -e '$T/xa/003.txt' -a ! -e '$T/xa/004.txt' && ! grep -rq CP-SECRET '$T/xa'"

# ---- property 3: the linked case ----
"$CV" consent add "$B" --to "Riverside School" --oral >/dev/null
expect_fail "the caseworker of A may not share linked case B" --as "$CWA" share "$B" --to "Riverside School" -o "$T/n9.zip" --show-passphrase
check "  ... because they are not assigned to it" grep -q "not assigned to case $B" <<<"$ERR"
check "  ... nothing was written" test ! -e "$T/n9.zip"
check "  ... and the refusal is audited" test "$(db "SELECT count(*) FROM audit WHERE actor = '$CWA' AND action = 'access' AND ids = '$B'")" -ge 1
run_cv --as "$CWB" share "$B" --to "Riverside School" -o "$T/b.zip" --show-passphrase
check "B's caseworker shares B (exit $RC: $ERR)" test "$RC" -eq 0
mkdir "$T/xb" && (cd "$T/xb" && 7z x -p"$(sed -n 's/^passphrase.*: //p' "$T/out")" "$T/b.zip" >/dev/null)
check "B's share holds B's record" grep -rq "LINKED-SECRET" "$T/xb"
check "nothing of case A is in B's share (records, A's parent)" not grep -rqE "SHARE-OK|SHARE-NOT|CP-SECRET|Alex|Patricia" "$T/xb"
run_cv audit verify
check "the audit trail verifies" test "$RC" -eq 0
finish
