#!/bin/bash
# A reader that stops reading ("casevault ... | head") ends the output
# quietly: no "Broken pipe" on standard error, the command's own exit
# status (docs/commands/README.md, Exit status).  The reader here has gone
# before casevault writes a byte, so the write always meets a closed pipe.
. "$(dirname "$0")/lib.sh"

new_vault
C=$(new_case)
"$CV" note "$C" --class phone-call --title "Call" --text "A call." >/dev/null

# closed CMD...: run CMD writing into a pipe whose reader has exited
closed() {
	{ sleep 0.3; "$CV" "$@" 2>"$T/err"; echo $? >"$T/rc"; } | true
	RC=$(<"$T/rc")
	ERR=$(<"$T/err")
}
for args in "--json audit show" "audit show" "--json ls $C" "ls $C" "case list"; do
	closed $args
	check "'$args' into a closed pipe: exit 0 (got $RC)" test "$RC" = 0
	check "  and nothing on stderr (got: $ERR)" test -z "$ERR"
done
# a command that fails still says why and exits 1
closed ls C-2099-9999
check "a refusal into a closed pipe still exits 1 (got $RC)" test "$RC" = 1
check "  with its one-line message" grep -q 'C-2099-9999' "$T/err"
# a full disk is still an error
if [ -w /dev/full ]; then
	run_cv --json audit show
	"$CV" --json audit show >/dev/full 2>"$T/err"
	RC=$?
	check "output to a full disk: exit 1 (got $RC)" test "$RC" = 1
	check "  saying it cannot write" grep -q 'cannot write output' "$T/err"
fi
finish
