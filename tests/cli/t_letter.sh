#!/bin/bash
# The cover letter and the index (docs/legal-rules.md §5, §7, §10):
#   - the stock letter carries what Article 15 requires and the one fixed
#     sentence about exemptions;
#   - the letter check reads only what the case put into the letter: a third
#     party called "Theresa May" does not block a bundle whose template says
#     "You may ask us..." (property 7), while a placeholder that puts a
#     recorded third party's name into the letter still refuses it, naming
#     the word, the placeholder and the file to edit;
#   - a note's default title is cut between words, and the index carries no
#     fragment of a volunteer's surname that straddled byte 80.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

export CASEVAULT_TODAY=2026-11-20
new_test_vault
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)
"$CV" case person add "$C" "Theresa May" --kind third-party >/dev/null
"$CV" case person add "$C" "Vera Quillfeather" --kind volunteer >/dev/null
# the volunteer's surname straddles byte 80 of the note's first line
line1=$(printf '%-71s%s' "Home visit arranged for the family next week, with our volunteer" "Vera Quillfeather to attend.")
check "the surname starts before byte 80 and ends after it (at byte 76: a cut at 80 leaves 'Quil')" test "$(printf '%s' "$line1" | grep -bo Quillfeather | cut -d: -f1)" -eq 76
printf '%s\nThe family asked for the visit.\n' "$line1" | "$CV" note "$C" --class case-note --date 2026-03-02 >/dev/null
"$CV" note "$C" --class phone-call --date 2026-03-03 --title "Call about the review" --text "Call about the annual review." >/dev/null

# release_all REQ: every record released, so that nothing waits for a decision
release_all() {
	local rid
	for rid in $("$CV" --json request show "$1" | python3 -c 'import json,sys; print(" ".join(r["record"] for r in json.load(sys.stdin)["request"]["records"]))'); do
		"$CV" request decide "$1" "$rid" --release --reason "checked by hand" >/dev/null 2>&1
	done
}
# members ZIP PASS DIR: the bundle unpacked with 7z
members() { mkdir -p "$3" && (cd "$3" && 7z x -p"$2" "$1" >/dev/null 2>&1); }

R=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-11-02 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
"$CV" --json request show "$R" | python3 -c 'import json,sys; print(" ".join(r["record"] for r in json.load(sys.stdin)["request"]["records"]))' >/dev/null
# the first note keeps its automatic redaction (so its text goes through the check too)
N1=$("$CV" --json request show "$R" | python3 -c 'import json,sys; print(json.load(sys.stdin)["request"]["records"][0]["record"])')
for rid in $("$CV" --json request show "$R" | python3 -c 'import json,sys; print(" ".join(r["record"] for r in json.load(sys.stdin)["request"]["records"] if r["decision"] == "needs-decision"))'); do
	"$CV" request decide "$R" "$rid" --redact --reason "text: redact names" >/dev/null 2>&1 ||
		"$CV" request decide "$R" "$rid" --release --reason "checked by hand" >/dev/null
done

# ---- property 7: "Theresa May" and the stock letter ----
check "the stock template says 'may'" grep -qw may "$CV_SOURCE_DIR/policies/disclosure-letter.txt"
run_cv request bundle "$R" -o "$T/may.zip" --show-passphrase
check "a third party called Theresa May does not block the stock letter (exit $RC: $ERR)" test "$RC" -eq 0
PASS=$(sed -n 's/^passphrase.*: //p' "$T/out")
members "$T/may.zip" "$PASS" "$T/m"
L=$T/m/letter.txt
check "  the letter is in the bundle" test -s "$L"
check "  and addresses the requester" grep -q "Dear Alex Example," "$L"

# ---- Article 15 in the stock letter (rule 5) ----
for phrase in "What we use your information for" "What information we hold" "Who we share it with" \
	"Where it came from" "How long we keep it" "by automated means" "profiling" "rectification" \
	"to erase information" "to restrict how we use it" "to object to our use" \
	"complain to" "Information Commissioner's Office" "go to court" \
	"Some information may have been withheld under the exemptions"; do
	check "the letter says: $phrase" grep -q "$phrase" <(tr '\n' ' ' <"$L" | tr -s ' ')
done

# ---- titles: cut between words, redacted whole ----
check "the index carries no fragment of the volunteer's surname" not grep -qi "quil" "$T/m/index.json" "$T/m/index.html"
check "  nor her first name, which ends the cut title" not grep -q "Vera" "$T/m/index.json" "$T/m/index.html"
title=$(python3 -c 'import json,sys; print([d["title"] for d in json.load(open(sys.argv[1]))["documents"] if d["date"] == "2026-03-02"][0])' "$T/m/index.json")
check "  the default title was cut at a word ($title)" sh -c "printf '%s' '$title' | grep -Eq 'with our volunteer +\\[redacted\\]\$'"
check "  and its note's text is redacted" sh -c "! grep -rq 'Quillfeather' '$T/m' && grep -q 'Home visit' '$T/m/001.txt'"
check "every released document is in index.json" test "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["documents"]))' "$T/m/index.json")" = "$(ls "$T/m" | grep -c '^00')"

# ---- a placeholder that puts a third party's name in the letter ----
"$CV" request close "$R" >/dev/null 2>&1
sed -i 's/^Dear {{requester}},$/Dear {{requester}}, parent of {{child}}, about the case of {{client}},/' "$V/policies/disclosure-letter.txt"
run_cv policy adopt
check "the office's template with {{child}} and {{client}} is adopted (exit $RC: $ERR)" test "$RC" -eq 0
R2=$("$CV" --json request open "$C" --requester "Jordan Example" --relationship other-parent --pr-confirmed --received 2026-11-05 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
release_all "$R2"
n_log=$("$CV" request log "$R2" 2>/dev/null | grep -c '^bundle ')
expect_fail "the other parent's letter would name the client through {{client}}: refused" request bundle "$R2" -o "$T/op.zip" --show-passphrase
check "  the message names the word" grep -q '"Alex Example"' "$T/err"
check "  the placeholder" grep -qF '{{client}}' "$T/err"
check "  and the file to edit" grep -qF "$V/policies/disclosure-letter.txt" "$T/err"
check "  nothing was written or logged" sh -c "test ! -e '$T/op.zip' && test \$('$CV' request log '$R2' 2>/dev/null | grep -c '^bundle ') -eq $n_log"
# the client's own request, same template: her name is hers
R3=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-11-06 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
release_all "$R3"
run_cv request bundle "$R3" -o "$T/own.zip" --show-passphrase
check "the same template on the client's own request passes (exit $RC: $ERR)" test "$RC" -eq 0
members "$T/own.zip" "$(sed -n 's/^passphrase.*: //p' "$T/out")" "$T/o"
check "  and fills both placeholders" grep -q "parent of Sam Example, about the case of Alex Example," "$T/o/letter.txt"
finish
