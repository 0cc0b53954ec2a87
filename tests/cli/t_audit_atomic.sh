#!/bin/bash
# Every audit event is written inside the transaction of the change it
# records (docs/architecture.md, The audit trail): a command killed as it
# appends its event (crash point audit-append) leaves neither the change nor
# the event; run again, it leaves both.  A command that committed its change
# first and recorded the event afterwards would leave a change nobody is
# answerable for, and fails here.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
export CASEVAULT_TODAY=2026-11-20

# state: a hash of every table but the audit trail, then the number of events.
# Id counters and the intent logs are left out: an id drawn by a rolled-back
# command is not reused, and the logs are emptied by the next open.  So are
# checkpoints: one signed at the unlock is a commit of its own, about the
# events before the command (docs/architecture.md, The audit trail).
state() {
	"$CV" case list >/dev/null 2>&1  # opens the vault: recovery runs
	python3 - "$V/vault.db" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
h = hashlib.sha256()
skip = {"audit", "counters", "pending", "shred", "checkpoints"}
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"):
    if t in skip:
        continue
    for row in db.execute('SELECT * FROM "%s" ORDER BY 1' % t):
        h.update(repr((t, row)).encode())
print(h.hexdigest(), db.execute("SELECT count(*) FROM audit").fetchone()[0])
PY
}

# both_or_neither [--event-only] LABEL ARGS...: killed at its audit event,
# then run for real.  --event-only: a command that may change nothing else
# (working dates out again when none moves) still records its event.
both_or_neither() {
	local event_only=0 label before after_crash after rc
	if [ "$1" = --event-only ]; then event_only=1; shift; fi
	label=$1
	shift
	before=$(state)
	CASEVAULT_CRASHPOINT=audit-append "$CV" "$@" >/dev/null 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 137 ]; then
		fail "$label: was not killed at its audit event (exit $rc: $(head -1 "$T/err"))"
		return
	fi
	after_crash=$(state)
	check "$label: killed at its audit event, neither the change nor the event is kept" \
		test "$after_crash" = "$before"
	run_cv "$@"
	if [ "$RC" -ne 0 ]; then
		fail "$label: run again: exit $RC: $ERR"
		return
	fi
	after=$(state)
	[ "$event_only" = 1 ] || check "$label: run again, the change is kept" test "${after% *}" != "${before% *}"
	check "$label: run again, with its event" test "${after#* }" -gt "${before#* }"
}

C=$(new_case "Atom Parent" "Atom Child" 2012-03-04)
L=$(new_case "Other Parent" "Atom Child" 2012-03-04)
make_docs "$T/docs"

both_or_neither "case open" case open --parent "New Parent" --child "New Child" --child-dob 2015-01-02 --pr-confirmed
both_or_neither "note" note "$C" --class case-note --title "Phone call" --text "Called the school."
both_or_neither "file" file "$C" "$T/docs/note.txt" --class letter
both_or_neither "hold add" hold add "$C" --reason "Complaint under investigation"
H=$("$CV" --json hold list | python3 -c 'import json,sys; print(json.load(sys.stdin)["holds"][0]["id"])')
both_or_neither "hold release" hold release "$H"
both_or_neither "case person add" case person add "$C" "Pat Teacher" --kind professional --role SENCO
both_or_neither "case link" case link "$C" "$L"
both_or_neither "staff attest" staff attest S-0001
both_or_neither "request open" request open "$C" --requester "Atom Parent" --relationship client --received 2026-11-02
R=$("$CV" --json request list | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"][0]["id"])')
both_or_neither "request extend" request extend "$R" --complex --reason "Complex request" --notified 2026-11-10
both_or_neither "request close" request close "$R"
both_or_neither "case close" case close "$C" --date 2026-11-20
both_or_neither "case reopen" case reopen "$C"
both_or_neither "case set-dob" case set-dob "$C" 2012-03-05
both_or_neither --event-only "retention recompute" retention recompute

finish
