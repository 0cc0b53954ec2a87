#!/bin/bash
# What an office following the README types wrong gets a message that says
# what to type (docs/commands/README.md): dates not written YYYY-MM-DD are
# refused, never guessed, with the form to use.
. "$(dirname "$0")/lib.sh"

new_vault
C=$(new_case)

# ---- dates ----
before=$(tree_hash "$V")
expect_fail "a UK date of birth is refused" case open --parent P --child K --child-dob 01/02/2019 --pr-confirmed
check "  exit 2, a usage error (got $RC)" test "$RC" -eq 2
check "  saying what to type" grep -qF -- "--child-dob is not a date written YYYY-MM-DD: write dates as YYYY-MM-DD (e.g. 2019-02-01" "$T/err"
check "  without repeating the date of birth (personal data)" not grep -q '01/02/2019' "$T/err"
expect_fail "a dotted date on a note is refused" note "$C" --class phone-call --text "A call." --date 3.11.2026
check "  without repeating it" not grep -q '3.11.2026' "$T/err"
expect_fail "a UK date to audit show --since is refused" audit show --since 03/11/2026
check "  with the example from its numbers, not guessed" grep -qF "'03/11/2026' is not a date written YYYY-MM-DD: write dates as YYYY-MM-DD (e.g. 2026-11-03); day and month are never guessed" "$T/err"
expect_fail "a word for a date is refused" audit show --since yesterday
check "  with an example" grep -qF "write dates as YYYY-MM-DD (e.g. 2019-02-01 for 1 February 2019)" "$T/err"
expect_fail "the DATE argument of case set-dob" case set-dob "$C" 6/5/2014
check "  names the argument" grep -q "the DATE argument is not a date" "$T/err"
check "nothing changed" test "$before" = "$(tree_hash "$V")"
# at a prompt, a badly written date is asked again; what was typed before stays
if command -v script >/dev/null; then
	printf 'Alex Prompt\nSam Prompt\n01/02/2015\n2015-02-01\n' |
		script -qec "$CV case open --parent - --child - --child-dob - --pr-confirmed" /dev/null >"$T/tty.out" 2>&1
	check "at a prompt a bad date is asked again" grep -q "try again" "$T/tty.out"
	id=$(grep -o 'C-[0-9]\{4\}-[0-9]\{4\}' "$T/tty.out" | tail -1)
	check "  and the case opens ($id) with the names typed first" \
		sh -c "'$CV' --json case show '$id' | grep -q '\"child\": \"Sam Prompt\"'"
	printf 'Alex Prompt\nSam Prompt\n1/2/2015\n2/1/2015\n01.02.2015\n' |
		script -qec "$CV case open --parent - --child - --child-dob - --pr-confirmed" /dev/null >"$T/tty.out" 2>&1
	check "  three bad tries end it" test "$(grep -c 'try again' "$T/tty.out")" -eq 2
	check "  with the message" grep -q "child-dob is not a date written YYYY-MM-DD" <(tr '\r' '\n' <"$T/tty.out" | grep -v 'try again')
fi
run_cv case open --parent P --child K --child-dob 2019-02-01 --pr-confirmed
check "a date written YYYY-MM-DD is taken (exit $RC: $ERR)" test "$RC" -eq 0
expect_fail "a date that does not exist is still the library's refusal" case open --parent P --child K --child-dob 2019-02-30 --pr-confirmed
check "  (exit 1: $ERR)" test "$RC" -eq 1

# ---- ls: a header, and an empty section says so ----
run_cv ls "$C" --cp
check "an empty ls --cp says so (exit $RC: $OUT)" test "$RC-$OUT" = "0-no records in the child-protection (CP) file of $C"
"$CV" note "$C" --class phone-call --title "Call" --text "A call." >/dev/null
run_cv ls "$C"
check "ls has a header line, then the record" sh -c "head -1 '$T/out' | grep -q '^RECORD  *DATE  *CLASS  *TYPE  *BYTES  *TITLE\$' && sed -n 2p '$T/out' | grep -q '^R-[0-9]*  .* Call\$'"
run_cv --json ls "$C" --cp
check "--json ls of an empty section is unchanged: an empty list" test "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' <"$T/out")" = "[]"

# ---- classes: what --class takes ----
run_cv classes
check "classes lists the policy's classes (exit $RC)" sh -c "test $RC -eq 0 && grep -q '^CLASS ' '$T/out' && grep -q '^phone-call  *case destroy' '$T/out' && grep -q '^cp-note  *cp  *review' '$T/out'"
n=$(grep '^\[' "$CV_SOURCE_DIR/policies/retention.ini" | grep -vc '^\[backups\]')
run_cv --json classes
check "--json classes has one entry per class of retention.ini ($n)" \
	test "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(len([c for c in d["classes"] if c["rules"]]))' <"$T/out")" = "$n"
check "  with rules and ceiling as written" python3 -c 'import json,sys; d={c["name"]: c for c in json.load(open(sys.argv[1]))["classes"]}; sys.exit(not (d["sen-ehcp"]["ceiling"] == "child-dob + 31y" and "child-dob + 25y" in d["sen-ehcp"]["rules"]))' "$T/out"

# ---- --version, group help, did-you-mean ----
run_cv --version
check "--version prints the version (exit $RC: $OUT)" sh -c "test $RC -eq 0 && echo '$OUT' | grep -Eq '^casevault [0-9]+\.[0-9]+\.[0-9]+$'"
run_cv case --help
check "case --help lists the case commands, exit 0 (exit $RC)" sh -c "test $RC -eq 0 && grep -q '^  case open ' '$T/out' && grep -q '^  case person add ' '$T/out'"
check "  and no command of another group" not grep -q '^  request ' "$T/out"
run_cv request
check "request alone lists its subcommands on stderr, exit 2 (got $RC)" sh -c "test $RC -eq 2 && grep -q '^  request open ' '$T/err'"
expect_fail "a mistyped command" fiel "$C" "$T/x.txt"
check "  suggests the nearest" grep -qF "unknown command 'fiel'; did you mean 'file'?" "$T/err"
expect_fail "a mistyped subcommand" case opne
check "  names the group's help" grep -qF "unknown subcommand 'casevault case opne'; see 'casevault case --help'" "$T/err"
expect_fail "a word nothing like a command" zzzzzzzz
check "  suggests nothing" not grep -q "did you mean" "$T/err"

# ---- a manifest saved with semicolons or tabs ----
printf 'A letter.\n' >"$T/a.txt"
printf 'case;path;class;section;title;date\n%s;a.txt;correspondence;case;Letter;2026-10-01\n' "$C" >"$T/semi.csv"
before=$(tree_hash "$V")
run_cv import "$T/semi.csv"
check "a semicolon manifest is refused (exit $RC)" test "$RC" -eq 1
check "  saying the columns are separated by ';'" grep -qF "line 1: expected 6 columns (case, path, class, section, title, date), found 1; the columns are separated by ';': save the manifest as CSV with commas" "$T/err"
printf 'case\tpath\tclass\tsection\ttitle\tdate\n%s\ta.txt\tcorrespondence\tcase\tLetter\t2026-10-01\n' "$C" >"$T/tab.csv"
run_cv import "$T/tab.csv"
check "a tab-separated manifest is refused (exit $RC)" test "$RC" -eq 1
check "  saying the columns are separated by tabs" grep -qF "the columns are separated by tabs" "$T/err"
check "nothing was filed" test "$before" = "$(tree_hash "$V")"
printf 'case,path,class,section,title,date\n%s,a.txt,correspondence,case,Letter;with;semicolons,2026-10-01\n' "$C" >"$T/comma.csv"
run_cv import "$T/comma.csv"
check "a comma manifest with ';' inside a title imports (exit $RC: $ERR)" test "$RC" -eq 0
finish
