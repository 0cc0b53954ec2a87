#!/bin/bash
# Text is UTF-8 everywhere (docs/commands/README.md, "Text and JSON"):
#   1. bytes that are not UTF-8 (0xff; a lone 0xe9, Windows-1252 "café") and
#      terminal escapes in every text option of every command, on the command
#      line and as a '-' line on standard input: one line on stderr naming the
#      option, non-zero exit, and not one byte of the vault changed;
#   2. a Windows-1252 manifest: refused without --encoding naming the line and
#      column, imported with --encoding windows-1252 as UTF-8 ("Café" round
#      trips through --json ls); a byte-order mark is dropped;
#   3. --json output of ls, case list, request show, audit show, retention due,
#      hold list, staff list and case person list is valid JSON with every item.
# A title stored before the check is planted by the unit test test_utf8 (titles
# are sealed: sqlite3 alone cannot write one), which runs --json ls on it.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

at 2026-12-01
new_test_vault
make_docs "$T/docs"
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)
"$CV" note "$C" --class case-note --title "First note" --text "Met the family." >/dev/null
REC=$("$CV" --json ls "$C" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"][0]["id"])')
R=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-11-20 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
check "setup: a record and a request" test -n "$REC" -a -n "$R"

# state: every file of the vault (a refusal writes nothing, not even to the audit
# trail), compared after each group of refusals: hashing it twice per command
# would double this script's time.
state() { tree_hash "$V"; }
BEFORE=$(state)
unchanged() { # unchanged WHAT: the vault is as it was at the last unchanged
	check "$1: vault unchanged" test "$BEFORE" = "$(state)"
	BEFORE=$(state)
}

# refused DESCRIPTION ARGS...: exit non-zero, one line naming what is wrong.
refused() {
	local d=$1; shift
	expect_fail "$d" "$@"
	check "$d: the message says what is wrong" grep -Eq 'not UTF-8|control character' "$T/err"
}

# refused_stdin DESCRIPTION INPUT ARGS...: the same with INPUT (printf %b) on standard input.
refused_stdin() {
	local d=$1 input=$2; shift 2
	printf '%b' "$input" | "$CV" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	if [ "$RC" -ne 0 ] && [ "$(grep -c '' "$T/err")" -eq 1 ] && grep -Eq 'not UTF-8|control character' "$T/err"; then
		ok "$d (exit $RC: $(cat "$T/err"))"
	else
		fail "$d: exit $RC, stderr: $(cat "$T/err")"
	fi
}

# ---- 1. every text option ----
FF=$'\xff'
E9=$'Caf\xe9'
ESC=$'Title \x1b[2J'
for bad in "$FF" "$E9"; do
	what=$(printf '%s' "$bad" | od -An -tx1 | tr -d ' \n')
	refused "case open --parent ($what)" case open --parent "$bad" --child "Sam" --child-dob 2015-02-01 --pr-confirmed
	refused "case open --child ($what)" case open --parent "Alex" --child "$bad" --child-dob 2015-02-01 --pr-confirmed
	refused "case person add NAME ($what)" case person add "$C" "$bad" --kind third-party
	refused "case person add --role ($what)" case person add "$C" "Dr Who" --kind professional --role "$bad"
	refused "case person add --phone ($what)" case person add "$C" "Dr Who" --kind third-party --phone "$bad"
	refused "case person add --email ($what)" case person add "$C" "Dr Who" --kind third-party --email "$bad"
	refused "file --title ($what)" file "$C" "$T/docs/note.txt" --class correspondence --title "$bad"
	refused "note --title ($what)" note "$C" --class phone-call --title "$bad" --text "A call."
	refused "note --text ($what)" note "$C" --class phone-call --text "$bad"
	refused "staff add NAME ($what)" staff add "$bad" --role caseworker --no-passphrase
	refused "request open --requester ($what)" request open "$C" --requester "$bad" --relationship client --received 2026-11-20
	refused "request decide --reason ($what)" request decide "$R" "$REC" --release --reason "$bad"
	refused "request extend --reason ($what)" request extend "$R" --complex --reason "$bad" --notified 2026-11-25
	refused "hold add --reason ($what)" hold add "$C" --reason "$bad"
	refused "review defer --reason ($what)" review defer "$REC" --until 2030-01-01 --reason "$bad"
	refused "case show CASE ($what)" case show "$bad"
	refused "audit show --actor ($what)" audit show --actor "$bad"
	unchanged "every option given $what"
done
# a title or name that could drive a terminal is refused; a reason may have lines
refused "note --title with an escape sequence" note "$C" --class phone-call --title "$ESC" --text "A call."
refused "case open --parent with an escape sequence" case open --parent "$ESC" --child "Sam" --child-dob 2015-02-01 --pr-confirmed
refused "staff add NAME with a tab" staff add $'Jo\tSmith' --role caseworker --no-passphrase
refused "hold add --reason with an escape" hold add "$C" --reason $'kept\x1b]0;owned\x07'
refused "request decide --reason over two lines" request decide "$R" "$REC" --release --reason $'one\ntwo'
unchanged "escape sequences"
# '-' lines from standard input, and the note's text read from standard input
refused_stdin "note --title - (0xe9 on stdin)" 'Caf\xe9\n' note "$C" --class phone-call --title - --text "A call."
refused_stdin "case open --child - (0xff on stdin)" 'Sam \xff\n' case open --parent Alex --child - --child-dob 2015-02-01 --pr-confirmed
refused_stdin "note text on stdin (0xe9)" 'We met at the caf\xe9.\n' note "$C" --class phone-call
refused_stdin "note text on stdin (ESC)" 'Hello \x1b[31m\n' note "$C" --class phone-call
unchanged "values on standard input"
# a file whose name is not UTF-8 and no --title: its name would be the title
cp "$T/docs/note.txt" "$T/caf"$'\xe9'".txt"
expect_fail "file named in Windows-1252, no --title" file "$C" "$T/caf"$'\xe9'".txt" --class correspondence
unchanged "file named in Windows-1252"
# a file named with terminal escape sequences: refused, the message says why
# and carries no raw ESC or BEL that could drive the terminal showing it
cp "$T/docs/note.txt" "$T/a"$'\e]0;x\a'"b"$'\e[31m'".txt"
expect_fail "file named with escape sequences, no --title" file "$C" "$T/a"$'\e]0;x\a'"b"$'\e[31m'".txt" --class correspondence
check "the message names the control character" grep -q 'holds a control character' "$T/err"
check "the message holds no raw ESC or BEL" not grep -q $'[\e\a]' "$T/err"
unchanged "file named with escape sequences"
# the same with a title is fine: a path is the file system's bytes, not text
run_cv file "$C" "$T/caf"$'\xe9'".txt" --class correspondence --title "Letter"
check "a file name that is not UTF-8 is accepted with a UTF-8 --title (exit $RC: $ERR)" test "$RC" -eq 0
# valid UTF-8 is stored exactly; a note's text may have lines and tabs
run_cv note "$C" --class phone-call --title "Café with Zoë — 🙂" --text $'Line one\n\tLine two'
check "UTF-8 title and a multi-line note are filed (exit $RC: $ERR)" test "$RC" -eq 0
run_cv hold add "$C" --reason "Kept for the tribunal — see Zoë's letter"
check "a UTF-8 reason is accepted (exit $RC: $ERR)" test "$RC" -eq 0

# ---- 2. a Windows-1252 manifest ----
printf 'Letter\n' >"$T/a.txt"
printf 'Invoice\n' >"$T/b.txt"
printf '\xef\xbb\xbfcase,path,class,section,title,date\n%s,a.txt,correspondence,case,Caf\xe9 meeting,2026-11-02\n%s,b.txt,correspondence,case,\x80 fee\x85,2026-11-03\n' \
	"$C" "$C" >"$T/m.csv"
before=$(state)
expect_fail "a Windows-1252 manifest without --encoding" import "$T/m.csv"
check "the refusal names line 2 and the title column" grep -q 'line 2, column 5 (title)' "$T/err"
check "the refusal says what to do" grep -q 'give --encoding windows-1252' "$T/err"
check "nothing was filed" test "$before" = "$(state)"
expect_fail "an unknown --encoding" import --encoding klingon "$T/m.csv"
check "unknown --encoding: nothing was filed" test "$before" = "$(state)"
run_cv --json import --encoding windows-1252 "$T/m.csv"
check "imported with --encoding windows-1252 (exit $RC: $ERR)" test "$RC" -eq 0
"$CV" --json ls "$C" >"$T/ls.json"
check "Café round-trips as UTF-8 through --json ls" \
	python3 -c 'import json,sys; t=[r["title"] for r in json.load(open(sys.argv[1]))["records"]]; sys.exit(0 if "Café meeting" in t and "€ fee…" in t else 1)' "$T/ls.json"
# a byte with no character in Windows-1252 (0x81) is refused naming its line
printf 'case,path,class,section,title,date\n%s,a.txt,correspondence,case,Fine,2026-11-02\n%s,b.txt,correspondence,case,Bad \x81 byte,2026-11-03\n' \
	"$C" "$C" >"$T/m2.csv"
before=$(state)
expect_fail "a byte Windows-1252 does not define" import --encoding windows-1252 "$T/m2.csv"
check "the refusal names line 3" grep -q 'line 3, column 5' "$T/err"
check "nothing was filed" test "$before" = "$(state)"

# a policy file's text (class descriptions, holiday names) is UTF-8 too
cp "$V/policies/retention.ini" "$T/retention.ini"
printf '; Caf\xe9 notes, saved from Notepad\n' >>"$T/retention.ini"
N=$(grep -c '' "$T/retention.ini")
run_cv policy check "$T/retention.ini"
check "policy check: a line that is not UTF-8 is a problem with its line number (exit $RC: $ERR)" \
	bash -c '[ "$1" -eq 1 ] && grep -q "retention.ini:$2: this line is not UTF-8" "$3"' _ "$RC" "$N" "$T/err"

# ---- 3. --json is valid JSON with every item ----
"$CV" case person add "$C" "Zoë Ní Bhriain" --kind third-party --phone "07700 900123" >/dev/null
# all_items NAME JSON-PATH WANT ARGS...: the command's --json parses and the list at PATH has WANT items
all_items() {
	local d=$1 path=$2 want=$3; shift 3
	"$CV" --json "$@" >"$T/j.json" 2>"$T/err"
	RC=$?
	check "$d: exit 0 ($(head -c 200 "$T/err"))" test "$RC" -eq 0
	check "$d: valid UTF-8 JSON with $want items" python3 -c '
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
for k in sys.argv[2].split("."):
    d = d[k]
sys.exit(0 if d is not None and len(d) == int(sys.argv[3]) else 1)' "$T/j.json" "$path" "$want"
}
NREC=$(db "SELECT count(*) FROM records WHERE case_id = '$C' AND section = 'case'")
all_items "ls" records "$NREC" ls "$C"
all_items "case list --names" cases "$(db 'SELECT count(*) FROM cases')" case list --names
all_items "request show" request.records "$NREC" request show "$R"
all_items "audit show" events "$(db 'SELECT count(*) FROM audit')" audit show
all_items "hold list --reasons" holds "$(db 'SELECT count(*) FROM holds WHERE released_at IS NULL')" hold list --reasons
all_items "staff list --names" staff "$(db 'SELECT count(*) FROM staff')" staff list --names
all_items "case person list" people 1 case person list "$C"
"$CV" case close "$C" --date 2026-12-01 >/dev/null
NDUE=$("$CV" retention due --as-of 2090-01-01 | grep -c '^R-')
check "retention due lists records once the case is closed ($NDUE)" test "$NDUE" -gt 0
all_items "retention due" records "$NDUE" retention due --as-of 2090-01-01

finish
