#!/bin/bash
# Search's sealed word sets (docs/commands/search.md, docs/security.md
# "Search"): filing writes one sealed row per record with text; a search
# then opens the rows and reads no archive, and finds what it finds with the
# rows deleted (the archives read instead); 'search --reindex' (a manager's,
# audited) writes the missing rows back; a row goes with its record when it
# is erased, stays with it when it moves to another case (out of a
# caseworker's reach), opens after a key rotation; a title correction is
# found; and no searched word is anywhere under the vault in clear.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

FX=$CV_SOURCE_DIR/tests/fixtures/formats
# found ARGS...: "record|case|section|match" per result of a --json search, sorted, into $FOUND
found() {
	run_cv --json search "$@"
	FOUND=$(python3 -c '
import json, sys
for h in json.load(sys.stdin)["results"]:
    print("%s|%s|%s|%s" % (h["record"] or "-", h["case"], h["section"], h["match"]))' <<<"$OUT" 2>/dev/null | sort)
}
# reads ARGS...: "OPENED READ" of a text search: word sets opened, documents read
reads() {
	run_cv search "$@"
	sed -n 's/.* \([0-9]*\) word sets opened, \([0-9]*\) documents read)$/\1 \2/p' <<<"$OUT"
}
rows() { db "SELECT count(*) FROM record_words"; }
under_vault() { in_clear "$1" "$V"; }

new_vault
C1=$(new_case "Parent Alpha" "Samira Quinton" 2016-02-02)
C2=$(new_case "Other Parent" "Other Child" 2015-03-03)
W=$("$CV" staff add "Wendy Caseworker" --role caseworker --no-passphrase)
L=$("$CV" staff add "Lee Lead" --role cp-lead --no-passphrase)
"$CV" staff attest "$W" >/dev/null && "$CV" staff attest "$L" >/dev/null
"$CV" case assign "$C1" "$W" >/dev/null

# the letter's text says "The school said JANE DOE was absent." (tests/fixtures/formats/make.sh)
R1=$("$CV" file "$C1" "$FX/letter.pdf" --class correspondence --title "Letter from school" | cut -f1 -d' ')
printf 'Concern raised: the child was absent and tearful.\n' >"$T/cp.txt"
RCP=$("$CV" file "$C1" "$T/cp.txt" --class cp-note --cp | cut -f1 -d' ')
printf 'Another family: the boy was absent on Monday.\n' >"$T/other.txt"
R2=$("$CV" file "$C2" "$T/other.txt" --class case-note --title "Attendance note" | cut -f1 -d' ')
R3=$("$CV" note "$C1" --class case-note --title "Home visit" --text "The kitchen was clean, porridge on the stove; the father was absent." | cut -f1 -d' ')
check "four records filed ($R1 $RCP $R2 $R3)" test -n "$R1" -a -n "$RCP" -a -n "$R2" -a -n "$R3"
check "filing wrote one sealed row per record with text" test "$(rows)" = 4
check "...each under its record's section" \
	test "$(db "SELECT group_concat(w.section = r.section) FROM record_words w JOIN records r USING(id)")" = "1,1,1,1"

# ---- the same results with the rows and without them
found absent; WITH_ALL=$FOUND
check "a manager finds the four by a word of their text" test "$(grep -c '|text$' <<<"$WITH_ALL")" = 4
found --as "$W" absent; WITH_W=$FOUND
check "the caseworker finds her case's two, not the CP note nor the other case" \
	test "$WITH_W" = "$(printf '%s\n' "$R1|$C1|case|text" "$R3|$C1|case|text" | sort)"
found --as "$W" porridge; WITH_PORRIDGE=$FOUND
check "a second word: the home visit only" test "$WITH_PORRIDGE" = "$R3|$C1|case|text"
check "the manager's search opened four word sets and read no archive" test "$(reads absent)" = "4 0"
check "the caseworker's opened two" test "$(reads --as "$W" absent)" = "2 0"

sqlite3 "$V/vault.db" "DELETE FROM record_words"
found absent
check "without the rows the manager finds the same ($FOUND)" test "$FOUND" = "$WITH_ALL"
found --as "$W" absent
check "...and the caseworker the same" test "$FOUND" = "$WITH_W"
found --as "$W" porridge
check "...for a second word too" test "$FOUND" = "$WITH_PORRIDGE"
check "...reading the archives instead (0 opened, 4 read)" test "$(reads absent)" = "0 4"
run_cv verify
check "verify passes without the rows ($ERR)" test "$RC" -eq 0
check "...with a note that says how many and what writes them" \
	grep -q "note: 4 records with text have no search word set.*search --reindex" <<<"$ERR"

# ---- the rebuild: a manager's, audited
expect_fail "a caseworker may not rebuild the word sets" --as "$W" search --reindex
expect_fail "--reindex takes no search text" search --reindex absent
expect_fail "a search needs its text" search
check "the refusals wrote no row" test "$(rows)" = 0
run_cv search --reindex
check "the manager's rebuild writes the four rows ($OUT)" test "$RC" -eq 0 -a "$(rows)" = 4
check "...and says so" grep -q "^4 word sets written" <<<"$OUT"
check "...audited with its count" test "$(db "SELECT count(*) FROM audit WHERE action = 'search.reindex' AND ids = 'built:4 unreadable:0'")" = 1
run_cv search --reindex
check "a second rebuild has nothing to write" grep -q "^0 word sets written" <<<"$OUT"
found absent
check "after the rebuild the same results" test "$FOUND" = "$WITH_ALL"
check "...from the rows alone" test "$(reads absent)" = "4 0"
run_cv verify
check "verify has no note on word sets after the rebuild" not grep -q "word set" <<<"$ERR"

# ---- a damaged row: the archive is read instead, verify names the row
GOOD=$(db "SELECT hex(words) FROM record_words WHERE id = '$R3'")
sqlite3 "$V/vault.db" "UPDATE record_words SET words = (SELECT words FROM record_words WHERE id = '$R1') WHERE id = '$R3'"
found --as "$W" porridge
check "a row that does not open: the record is still found, from its archive" test "$FOUND" = "$WITH_PORRIDGE"
run_cv verify
check "verify fails on the row that does not open and names it" test "$RC" -ne 0
check "...by its table and record" grep -q "record_words.*$R3\|$R3.*record_words" <<<"$OUT$ERR"
sqlite3 "$V/vault.db" "UPDATE record_words SET words = x'$GOOD' WHERE id = '$R3'"
check "verify passes with every row opening" "$CV" verify

# ---- a title correction is found by its new title
"$CV" record set "$R2" --title "Zebra crossing report" --reason "typo" >/dev/null || fail "record set"
found zebra
check "the corrected title is found" test "$FOUND" = "$R2|$C2|case|title"
found attendance
check "...the old one no more" test -z "$FOUND"

# ---- a move to another case: out of the caseworker's reach, the row kept
"$CV" record move "$R3" "$C2" --reason "misfiled" >/dev/null || fail "record move"
found --as "$W" porridge
check "moved to a case not hers, the caseworker no longer finds it" test -z "$FOUND"
found porridge
check "the manager finds it in its new case, by its row" test "$FOUND" = "$R3|$C2|case|text"
check "...the row kept (4 rows)" test "$(rows)" = 4

# ---- a key rotation re-seals the rows
"$CV" staff revoke "$L" >/dev/null || fail "staff revoke"
check "after the rotation the rows open: same results, no archive read" test "$(reads absent)" = "4 0"
found --as "$W" absent
check "...and the caseworker's search still finds her letter" test "$FOUND" = "$R1|$C1|case|text"

# ---- erasure removes the row with the record
"$CV" record erase "$R2" --reason "erasure request upheld" >/dev/null || fail "record erase"
check "an erased record's row is gone" test "$(db "SELECT count(*) FROM record_words WHERE id = '$R2'")" = 0
check "...the others stay" test "$(rows)" = 3

# ---- nothing in clear
for w in absent tearful porridge kitchen jane JANE 'JANE DOE' zebra; do
	check "'$w' is nowhere under the vault" not under_vault "$w"
done
check "verify and audit verify pass" "$CV" verify
"$CV" audit verify >/dev/null 2>&1 || fail "audit verify"
finish
