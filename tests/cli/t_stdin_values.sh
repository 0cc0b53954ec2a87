#!/bin/bash
# Personal values given as '-' are read from standard input (one line each, in
# command-line order) or typed at a prompt, so that names, dates of birth,
# titles and reasons stay out of shell history and /proc/PID/cmdline.  They
# are stored exactly, validated exactly as arguments are, and bad input is one
# line on stderr that changes nothing.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
make_docs "$T/docs"

PARENT="Zoë Ní Bhriain"
CHILD="Seán O'Brien-Ó Dónaill"
DOB=2015-02-28

# json_is JSON PYTHON-EXPR WANT: the expression over the parsed JSON (as d) equals WANT.
json_is() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) == sys.argv[3] else 1)' "$@"
}

# vault_state: a hash of every file of the vault plus the number of cases.
vault_state() {
	local n
	n=$("$CV" --json case list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["cases"]))')
	printf '%s %s' "$n" "$(tree_hash "$V")"
}

# refused_in DESCRIPTION INPUT ARGS...: with INPUT on standard input, the command
# must fail with one line on stderr, change nothing, and not echo what it read.
refused_in() {
	local d=$1 input=$2; shift 2
	local before after line
	before=$(vault_state)
	printf '%b' "$input" | "$CV" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	ERR=$(cat "$T/err")
	if [ "$RC" -ne 0 ] && [ "$(grep -c '' "$T/err")" -eq 1 ]; then ok "$d (exit $RC: $ERR)"
	else fail "$d: exit $RC, stderr: $ERR"; fi
	after=$(vault_state)
	if [ "$before" = "$after" ]; then ok "$d: vault unchanged"; else fail "$d: vault changed"; fi
	while IFS= read -r line; do
		case $line in ''|-|????-??-??|??/??/????) continue ;; esac  # dates and '-' may be in the argument path's errors too
		if grep -qF -- "$line" "$T/err"; then fail "$d: stderr echoes the line '$line'"; fi
	done < <(printf '%b' "$input")
}

# ---- case open: names stored exactly -------------------------------------

C=$(printf '%s\n%s\n%s\n' "$PARENT" "$CHILD" "$DOB" | "$CV" case open --parent - --child - --child-dob - --pr-confirmed)
check "case open reads --parent, --child and --child-dob from standard input" test -n "$C"
run_cv --json case show "$C"
check "the parent's name is stored exactly: $PARENT" json_is "$OUT" 'd["case"]["parent"]' "$PARENT"
check "the child's name is stored exactly: $CHILD" json_is "$OUT" 'd["case"]["child"]' "$CHILD"
check "the date of birth is stored exactly" json_is "$OUT" 'd["case"]["child_dob"]' "$DOB"

# Lines are taken in the order the words stand on the command line, whatever
# the option order of the table; --opt=- works too; CR LF line ends are removed.
C2=$(printf 'Child Two\r\n2016-03-04\r\nParent Two\r\n' |
	"$CV" case open --child - --child-dob=- --pr-confirmed --parent - --opened 2026-01-05)
run_cv --json case show "$C2"
check "command-line order: --child first" json_is "$OUT" 'd["case"]["child"]' "Child Two"
check "command-line order: --child-dob=- second" json_is "$OUT" 'd["case"]["child_dob"]' "2016-03-04"
check "command-line order: --parent last, CR LF removed" json_is "$OUT" 'd["case"]["parent"]' "Parent Two"
check "an argument beside '-' values is used as given" json_is "$OUT" 'd["case"]["opened"]' "2026-01-05"

# A last line without a line end is a line; what follows the last value is left
# for the next reader (a shell loop over a file keeps its place).
printf 'P3\nC3\n2014-01-01\nP4\nC4\n2013-01-01' >"$T/two-cases"
{
	"$CV" case open --parent - --child - --child-dob - --pr-confirmed >"$T/c3"
	"$CV" case open --parent - --child - --child-dob - --pr-confirmed >"$T/c4"
} <"$T/two-cases"
run_cv --json case list --names
check "two commands share one input: the first takes its three lines" \
	json_is "$OUT" '[k["parent"] + "/" + k["child"] for k in d["cases"] if k["id"] == "'"$(cat "$T/c3")"'"][0]' "P3/C3"
check "two commands share one input: the second the next three (last without a newline)" \
	json_is "$OUT" '[k["parent"] + "/" + k["child"] + "/" + k["child_dob"] for k in d["cases"] if k["id"] == "'"$(cat "$T/c4")"'"][0]' "P4/C4/2013-01-01"

# ---- the process list never holds the name ---------------------------------

# fifo_pending: bytes written to the FIFO on fd 3 that no reader has taken yet.
fifo_pending() {
	python3 -c 'import fcntl, struct, termios; print(struct.unpack("i", fcntl.ioctl(3, termios.FIONREAD, b"\0" * 4))[0])'
}

# wait_blocked PID: wait until PID runs casevault and has taken every byte of the FIFO.
wait_blocked() {
	local i
	for i in $(seq 1 200); do
		if tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- '--class\|--pr-confirmed' && [ "$(fifo_pending)" = 0 ]; then
			sleep 0.2  # let it reach the next read
			[ "$(fifo_pending)" = 0 ] && return 0
		fi
		sleep 0.05
	done
	return 1
}

mkfifo "$T/in"
exec 3<>"$T/in"  # held open read-write: opening it for the command does not block
"$CV" case open --parent - --child - --child-dob - --pr-confirmed <"$T/in" >"$T/fifo.out" 2>"$T/fifo.err" 3>&- &
pid=$!
printf 'Fifo Parentname\nFifo Childname\n' >&3
if wait_blocked "$pid"; then
	# It has read both names and waits for the date of birth.
	tr '\0' ' ' <"/proc/$pid/cmdline" >"$T/cmdline"
	check "while it runs, the process is alive and waiting for its last line" kill -0 "$pid"
	check "its /proc/PID/cmdline is the '-' form ($(cat "$T/cmdline"))" grep -q -- '--parent - --child - --child-dob -' "$T/cmdline"
	check "its /proc/PID/cmdline holds neither name it has read" \
		bash -c '! grep -q "Parentname\|Childname" "$1"' _ "$T/cmdline"
else
	fail "the case open reading from a FIFO never blocked on its last line"
fi
printf '2012-12-12\n' >&3
exec 3>&-
wait "$pid"
check "the FIFO-fed case open succeeds (exit $?)" test -s "$T/fifo.out"
run_cv --json case show "$(cat "$T/fifo.out")"
check "the FIFO-fed names are stored" json_is "$OUT" 'd["case"]["parent"] + "/" + d["case"]["child"]' "Fifo Parentname/Fifo Childname"

# The same check catches a name given as an argument: note waits for its text.
exec 3<>"$T/in"
"$CV" note "$C" --class phone-call --title "Argv Titlename" <"$T/in" >"$T/fifo.out" 2>"$T/fifo.err" 3>&- &
pid=$!
if wait_blocked "$pid"; then
	check "control: a title given as an argument is in /proc/PID/cmdline" \
		bash -c 'tr "\0" " " <"/proc/$1/cmdline" | grep -q "Argv Titlename"' _ "$pid"
else
	fail "the note reading from a FIFO never blocked"
fi
printf 'control note\n' >&3
exec 3>&-
wait "$pid"

# note --title -: the title line first, then the rest is the note; it has read
# the title when it waits for the text, and the title is not in its cmdline.
exec 3<>"$T/in"
"$CV" --json note "$C" --class phone-call --title - <"$T/in" >"$T/fifo.out" 2>"$T/fifo.err" 3>&- &
pid=$!
printf 'Stdin Titlename\nFirst line of the call.\n' >&3
if wait_blocked "$pid"; then
	check "note --title -: /proc/PID/cmdline does not hold the title it has read" \
		bash -c '! tr "\0" " " <"/proc/$1/cmdline" | grep -q "Stdin Titlename"' _ "$pid"
else
	fail "the note --title - reading from a FIFO never blocked"
fi
printf 'Second line of the call.\n' >&3
exec 3>&-
wait "$pid"
rec=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["filed"][0]["record"])' "$T/fifo.out" 2>/dev/null)
run_cv --json ls "$C"
check "note --title -: the first line is the title" json_is "$OUT" '[r["title"] for r in d["records"] if r["id"] == "'"$rec"'"][0]' "Stdin Titlename"
"$CV" get "$rec" >"$T/note.txt" 2>/dev/null
printf 'First line of the call.\nSecond line of the call.\n' >"$T/note.want"
check "note --title -: the rest of standard input is the text" cmp -s "$T/note.want" "$T/note.txt"

# ---- bad input: one line, exit 2 (or the argument path's own error), nothing changed

refused_in "case open: too few lines" "$PARENT\n$CHILD\n" case open --parent - --child - --child-dob - --pr-confirmed
check "too few lines: exit 2" test "$RC" -eq 2
check "too few lines: the message names --child-dob" grep -q -- '--child-dob' "$T/err"
refused_in "case open: no input at all" "" case open --parent - --child - --child-dob - --pr-confirmed
check "no input: the message names --parent and says what to do" grep -q -- 'value of --parent; give one line' "$T/err"
refused_in "case open: an empty line" "$PARENT\n\n$DOB\n" case open --parent - --child - --child-dob - --pr-confirmed
check "an empty line: exit 2, naming --child" bash -c '[ "$1" -eq 2 ] && grep -q -- "line for --child on standard input is empty" "$2"' _ "$RC" "$T/err"
refused_in "case open: a CR LF empty line" "$PARENT\r\n\r\n$DOB\r\n" case open --parent - --child - --child-dob - --pr-confirmed
refused_in "case open: a NUL byte" "$PARENT\n$CHILD\\0x\n$DOB\n" case open --parent - --child - --child-dob - --pr-confirmed
refused_in "case open: an invalid date of birth via stdin" "$PARENT\n$CHILD\n15/01/2015\n" case open --parent - --child - --child-dob - --pr-confirmed
cp "$T/err" "$T/err.stdin"
run_cv case open --parent "$PARENT" --child "$CHILD" --child-dob 15/01/2015 --pr-confirmed
check "an invalid date via stdin gives the argument's error and exit ($RC)" bash -c '[ "$1" -eq 2 ] && cmp -s "$2" "$3"' _ "$RC" "$T/err" "$T/err.stdin"
refused_in "case open: a future date of birth via stdin" "$PARENT\n$CHILD\n2999-01-01\n" case open --parent - --child - --child-dob - --pr-confirmed
refused_in "case open: a control character in a name via stdin" "$PARENT\nA\tB\n$DOB\n" case open --parent - --child - --child-dob - --pr-confirmed
check "a control character: the message names --child" grep -q -- "--child holds a control character" "$T/err"
refused_in "case open: --json too" "" --json case open --parent - --child - --child-dob - --pr-confirmed
check "--json: the error is JSON on stdout" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and d["exit"] == 2' "$T/out"

# ---- case person add: positional NAME and options, in command-line order ---

printf '%s\n%s\n%s\n' "x.y@example.org" "Mrs Éabha D'Arcy" "07700 900123" |
	"$CV" case person add "$C" --email - - --kind third-party --phone - >/dev/null 2>"$T/err"
check "case person add NAME --email - --phone - from standard input (exit $?: $(cat "$T/err"))" test ! -s "$T/err"
run_cv --json case person list "$C"
check "case person add: the name is stored exactly" json_is "$OUT" 'd["people"][-1]["name"]' "Mrs Éabha D'Arcy"
check "case person add: the e-mail address (first on the command line)" json_is "$OUT" 'd["people"][-1]["email"]' "x.y@example.org"
check "case person add: the phone number" json_is "$OUT" 'd["people"][-1]["phone"]' "07700 900123"
refused_in "case person add: too few lines" "Mr Someone\n" case person add "$C" - --kind third-party --phone -
refused_in "case person add: an empty name line" "\n" case person add "$C" - --kind third-party
check "case person add: the message names the NAME argument" grep -q 'the NAME argument' "$T/err"
refused_in "case person add: a bad e-mail address via stdin" "Mr Someone\nnot-an-address\n" case person add "$C" - --kind third-party --email -
cp "$T/err" "$T/err.stdin"
run_cv case person add "$C" "Mr Someone" --kind third-party --email not-an-address
check "a bad e-mail via stdin gives the argument's error" cmp -s "$T/err" "$T/err.stdin"

# ---- file --title - and --date - ------------------------------------------

run_cv --json file "$C" "$T/docs/note.txt" --class letter --title - --date - </dev/null
check "file --title - with no input: exit 2" test "$RC" -eq 2
refused_in "file --title -: no input" "" file "$C" "$T/docs/note.txt" --class letter --title -
refused_in "file --title -: an empty line" "\n" file "$C" "$T/docs/note.txt" --class letter --title -
refused_in "file --date -: an invalid date via stdin" "Letter about Zoë\n2026-02-30\n" file "$C" "$T/docs/note.txt" --class letter --title - --date -
cp "$T/err" "$T/err.stdin"
run_cv file "$C" "$T/docs/note.txt" --class letter --title "Letter about Zoë" --date 2026-02-30
check "an invalid --date via stdin gives the argument's error" cmp -s "$T/err" "$T/err.stdin"
refused_in "file --title - with two documents" "Letter about Zoë\n" file "$C" "$T/docs/note.txt" "$T/docs/mail.eml" --class letter --title -
run_cv --json file "$C" "$T/docs/note.txt" --class letter --title - --date - < <(printf 'Letter about Zoë Ní Bhriain\n2026-02-03\n')
check "file --title - --date - files (exit $RC)" test "$RC" -eq 0
rec=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["filed"][0]["record"])')
run_cv --json ls "$C"
check "file --title -: the title is stored exactly" json_is "$OUT" '[r["title"] for r in d["records"] if r["id"] == "'"$rec"'"][0]' "Letter about Zoë Ní Bhriain"
check "file --date -: the date is stored" json_is "$OUT" '[r["date"] for r in d["records"] if r["id"] == "'"$rec"'"][0]' "2026-02-03"

# ---- note: --title - then the text; --text - ------------------------------

refused_in "note --title -: no input" "" note "$C" --class phone-call --title -
refused_in "note --title -: the title but no text" "A title\n" note "$C" --class phone-call --title -
run_cv --json note "$C" --class phone-call --text - < <(printf 'Whole text\nof two lines\n')
check "note --text - reads the text from standard input (exit $RC)" test "$RC" -eq 0
rec=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["filed"][0]["record"])')
"$CV" get "$rec" >"$T/note.txt" 2>/dev/null
check "note --text -: the whole rest of standard input, not one line" cmp -s "$T/note.txt" <(printf 'Whole text\nof two lines\n')

# ---- hold add --reason -, case set-dob CASE -, request open --requester - ----

refused_in "hold add --reason -: no input" "" hold add "$C" --reason -
run_cv --json hold add "$C" --reason - < <(printf "Court case brought by Zoë's father\n")
check "hold add --reason - (exit $RC)" test "$RC" -eq 0
run_cv --json hold list --reasons
check "hold add --reason -: the reason is stored exactly" json_is "$OUT" 'd["holds"][-1]["reason"]' "Court case brought by Zoë's father"
"$CV" hold release "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["holds"][-1]["id"])')" >/dev/null

refused_in "case set-dob CASE -: an invalid date via stdin" "2015-13-01\n" case set-dob "$C" -
cp "$T/err" "$T/err.stdin"
run_cv case set-dob "$C" 2015-13-01
check "an invalid date of birth via stdin gives the argument's error" cmp -s "$T/err" "$T/err.stdin"
refused_in "case set-dob CASE -: no input" "" case set-dob "$C" -
check "case set-dob: the message names the DATE argument" grep -q 'the DATE argument' "$T/err"
run_cv case set-dob "$C" - < <(printf '2015-03-01\n')
run_cv --json case show "$C"
check "case set-dob CASE -: the date of birth is changed" json_is "$OUT" 'd["case"]["child_dob"]' "2015-03-01"

refused_in "request open --requester -: no input" "" request open "$C" --requester - --relationship client --received 2026-03-02
run_cv request open "$C" --requester - --relationship client --received 2026-03-02 < <(printf '%s\n' "$PARENT")
check "request open --requester - (exit $RC: $ERR)" test "$RC" -eq 0
run_cv --json request list --names
check "request open --requester -: the name is stored exactly" json_is "$OUT" 'd["requests"][-1]["requester"]' "$PARENT"

# ---- init --name - --------------------------------------------------------

printf 'Manager Máire\n' | "$CV" init "$T/v2" --no-passphrase --name - >/dev/null 2>"$T/err"
check "init --name - (stderr: $(cat "$T/err"))" test -d "$T/v2"
run_cv -C "$T/v2" --json staff list --names
check "init --name -: the manager's name is stored exactly" json_is "$OUT" 'd["staff"][0]["name"]' "Manager Máire"
"$CV" init "$T/v3" --no-passphrase --name - </dev/null >/dev/null 2>"$T/err"
check "init --name - without input: exit 2, no vault made" bash -c '[ "$1" -eq 2 ] && [ ! -e "$2" ]' _ "$?" "$T/v3"

# ---- a terminal: a prompt naming the field, on stderr ---------------------

# on_screen FILE ERE: wait (at most 10 s) until the terminal's output in FILE shows ERE.
on_screen() {
	local i
	for i in $(seq 200); do grep -qE -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
# type_at FILE [PROMPT LINE]... DONE: the keyboard: types each LINE once its
# PROMPT is on the screen, and stays (stdin open) until DONE is.
type_at() {
	local f=$1; shift
	while [ $# -gt 1 ]; do
		on_screen "$f" "$1"
		printf '%s\n' "$2"
		shift 2
	done
	on_screen "$f" "$1"
}
if command -v script >/dev/null; then
	: >"$T/tty"
	type_at "$T/tty" "Parent's name: " 'Tty Parent' "Child's name: " 'Tty Child' "Child's date of birth" '2011-11-11' 'C-[0-9]+-[0-9]+' |
		script -qec "$CV case open --parent - --child - --child-dob - --pr-confirmed" /dev/null >"$T/tty" 2>&1
	tr -d '\r' <"$T/tty" >"$T/tty.txt"
	# (the terminal echoes what is typed, perhaps before the prompt on a slow machine)
	check "on a terminal: prompts 'Parent's name: '" grep -qF "Parent's name: " "$T/tty.txt"
	check "on a terminal: prompts 'Child's name: '" grep -qF "Child's name: " "$T/tty.txt"
	check "on a terminal: prompts for the date of birth" grep -qF "Child's date of birth (YYYY-MM-DD): " "$T/tty.txt"
	id=$(grep -o 'C-[0-9]*-[0-9]*' "$T/tty.txt" | tail -1)
	run_cv --json case show "$id"
	check "on a terminal: the typed names are stored" json_is "$OUT" 'd["case"]["parent"] + "/" + d["case"]["child"]' "Tty Parent/Tty Child"
	before=$(vault_state)
	: >"$T/tty"
	type_at "$T/tty" "Parent's name: " 'Tty Parent' "Child's name: " '' 'nothing was typed' |
		script -qec "$CV case open --parent - --child - --child-dob - --pr-confirmed" /dev/null >"$T/tty" 2>&1
	check "on a terminal: an empty answer exits 2 (script exit $?)" test "$?" -eq 2
	check "on a terminal: an empty answer says what to do" grep -q "nothing was typed for --child; type the value at the prompt" "$T/tty"
	check "on a terminal: an empty answer changes nothing" test "$before" = "$(vault_state)"
else
	echo "# script(1) is missing: the terminal prompt is not tested"
fi

# ---- --help says which values are personal --------------------------------

run_cv case person add --help
check "--help lists the personal values of case person add" grep -q 'personal data: NAME, --phone, --email, --role' <<<"$OUT"
run_cv case open --help
check "--help says how to give them" grep -q 'Give - instead of such a value' <<<"$OUT"
run_cv ls --help
check "--help of a command without personal values says nothing about them" bash -c '! grep -q "personal data" <<<"$1"' _ "$OUT"

run_cv verify
check "verify passes after all of it" test "$RC" -eq 0
finish
