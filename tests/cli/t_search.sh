#!/bin/bash
# Search (docs/commands/search.md): a case is found by the child's name, a
# letter by a word of its text, in any case, whole words only; a
# caseworker's search covers only the cases assigned to her and never the
# child-protection file, even when a CP note holds the word; the search is
# audited with its count and never its words; and nothing searched for is
# left anywhere under the vault (no index, no copy).
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

FX=$CV_SOURCE_DIR/tests/fixtures/formats
# found ARGS...: "record|case|section|match" per result of a --json search, one a line, into $FOUND
found() {
	run_cv --json search "$@"
	FOUND=$(python3 -c '
import json, sys
for h in json.load(sys.stdin)["results"]:
    print("%s|%s|%s|%s" % (h["record"] or "-", h["case"], h["section"], h["match"]))' <<<"$OUT" 2>/dev/null)
}
# under_vault WORD: WORD is in some file under the vault, WAL and key store included
under_vault() { in_clear "$1" "$V"; }

new_vault
C1=$(new_case "Parent Alpha" "Samira Quinton" 2016-02-02)
C2=$(new_case "Other Parent" "Other Child" 2015-03-03)
W=$("$CV" staff add "Wendy Caseworker" --role caseworker --no-passphrase)
X=$("$CV" staff add "Val Volunteer" --role volunteer --no-passphrase)
"$CV" staff attest "$W" >/dev/null && "$CV" staff attest "$X" >/dev/null
"$CV" case assign "$C1" "$W" >/dev/null

# the letter's text says "The school said JANE DOE was absent." (tests/fixtures/formats/make.sh)
R1=$("$CV" file "$C1" "$FX/letter.pdf" --class correspondence --title "Letter from school" | cut -f1 -d' ')
printf 'Concern raised: the child was absent and tearful.\n' >"$T/cp.txt"
RCP=$("$CV" file "$C1" "$T/cp.txt" --class cp-note --cp | cut -f1 -d' ')
printf 'Another family: the boy was absent on Friday.\n' >"$T/other.txt"
R2=$("$CV" file "$C2" "$T/other.txt" --class case-note --title "Attendance note" | cut -f1 -d' ')
check "three records filed ($R1 $RCP $R2)" test -n "$R1" -a -n "$RCP" -a -n "$R2"

found Quinton
check "a manager finds the case by the child's name ($ERR)" test "$RC" -eq 0 -a "$FOUND" = "-|$C1|case|name"
found --as "$W" samira
check "the caseworker finds it too, in lower case" test "$FOUND" = "-|$C1|case|name"
found "absent"
check "a manager finds the letter, the CP note and the other case's note by a word of their text" \
	test "$(sort <<<"$FOUND")" = "$(printf '%s\n' "$R1|$C1|case|text" "$RCP|$C1|cp|text" "$R2|$C2|case|text" | sort)"
found --as "$W" ABSENT
check "the caseworker finds the letter by its text ($ERR)" test "$RC" -eq 0 -a "$FOUND" = "$R1|$C1|case|text"
check "...never the CP note that holds the word" not grep -q "$RCP" <<<"$FOUND"
check "...nor a case not assigned to her" not grep -q "$C2" <<<"$FOUND"
found --as "$W" "school letter"
check "every word must match, in the title here" test "$FOUND" = "$R1|$C1|case|title"
found --as "$W" abs
check "a part of a word does not match" test "$RC" -eq 0 -a -z "$FOUND"
found --case "$C2" absent
check "--case searches one case" test "$FOUND" = "$R2|$C2|case|text"
run_cv --as "$W" search tearful
check "text output: nothing found for a word only the CP note holds" grep -q "^0 found" <<<"$OUT"
run_cv --as "$W" search absent
check "text output names the record, case, section and where it matched" \
	grep -q "^$R1  $C1  case  text   Letter from school" <<<"$OUT"

# ---- refusals: one line, nothing found
expect_fail "a caseworker may not search a case not assigned to her" --as "$W" search absent --case "$C2"
expect_fail "a volunteer may not search" --as "$X" search absent
expect_fail "a case that does not exist is refused" search absent --case C-2099-9999
expect_fail "an empty search is refused" search ""
expect_fail "a search with no word is refused" search "!!! ???"
expect_fail "a search for a control character is refused" search $'absent\x01'

# ---- audited with the count, never the words; nothing left on disk
check "each search is audited" test "$(db "SELECT count(*) FROM audit WHERE action = 'search'")" -ge 9
check "...with the count found" test "$(db "SELECT count(*) FROM audit WHERE action = 'search' AND ids = 'found:3'")" = 1
check "...and not the words" test "$(db "SELECT count(*) FROM audit WHERE ids LIKE '%absent%' OR ids LIKE '%samira%'")" = 0
for w in absent Quinton Samira tearful Jane jane JANE; do
	check "'$w' is nowhere under the vault after the searches" not under_vault "$w"
done
check "verify and audit verify pass" "$CV" verify
"$CV" audit verify >/dev/null 2>&1 || fail "audit verify"
finish
