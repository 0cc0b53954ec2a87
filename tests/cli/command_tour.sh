# The command tour: one small vault, every command of casevault at least
# once succeeding, as one scenario (sourced by tests/cli/t_json_schema.sh,
# which checks each --json output against its schema, and by
# tests/cli/t_service_modes.sh, which runs each step in both modes and
# compares them: docs/service.md, "The CLI suite through the daemon").
#
# tour CASE runs it in the current directory, every path relative to it,
# against a vault where CASE is open and the caller acts as a manager.  The
# caller defines:
#   j ARGS...            casevault --json ARGS, the output kept as $LAST.json
#   val EXPR             a value of the last output (python, d the object)
#   j_on DATE ARGS...    the same on DATE (CASEVAULT_TODAY, a test-clock vault)
#   tour_put FILE TEXT   an input file, mode 0600, where j runs (TEXT as printf %b)
tour() {
	local C=$1 C2 C3 R1 R2 R3 RV RD W2 H Q K I
	tour_put a.txt 'hello\n'
	tour_put b.txt 'second\n'
	j classes
	j case list
	j case show "$C"
	j case open --parent "Pat Parent" --child "Kim Child" --child-dob 2015-03-04 --pr-confirmed
	C2=$(val 'd["case"]')
	j file "$C" a.txt --class letter --date 2026-01-10
	R1=$(val 'd["filed"][0]["record"]')
	j note "$C" --class phone-call --title "Call" --text "A call."
	R2=$(val 'd["filed"][0]["record"]')
	tour_put m.csv "case,path,class,section,title,date\n$C,b.txt,letter,case,Old letter,2019-02-01\n"
	j import m.csv
	R3=$(val 'd["filed"][0]["record"]')
	tour_put bad.csv "case,path,class,section,title,date\n$C,missing.txt,letter,case,Gone,2019-02-01\n"
	j import bad.csv
	j ls "$C"
	j search letter
	j search letter --case "$C"
	j get "$R1" -o got.txt --purpose "schema check"
	j verify
	j audit show
	j audit verify
	j doctor
	tour_put retention.ini "$(cat "$CASEVAULT_POLICY_DIR/retention.ini")\n"
	j policy check retention.ini
	j policy adopt
	j staff list
	j staff add "Wes Worker" --role caseworker --no-passphrase
	W2=$(val 'd["staff"]')
	j staff attest "$W2"
	j case assign "$C" "$W2"
	j case unassign "$C" "$W2"
	j staff revoke "$W2"
	j case person add "$C" "Gran Parent" --kind third-party --phone "01234 567890"
	j case person list "$C"
	j case link "$C" "$C2"
	j case set-dob "$C2" 2015-03-05
	j case notice "$C" --told 2026-01-02 --how phone --policy-version 2026-1
	j case contact "$C" --message-ok no --how phone
	j hold add "$R2" --reason "Complaint"
	H=$(val 'd["hold"]')
	j hold list
	j hold release "$H"
	j retention due
	j retention recompute
	# a case closed long ago: its EHCP record is due for a manager's review, then for the purge
	j case open --parent "Old Parent" --child "Old Child" --child-dob 1985-01-01 --pr-confirmed --opened 2001-01-01
	C3=$(val 'd["case"]')
	j note "$C3" --class sen-ehcp --title "EHCP review" --text "Plan reviewed." --date 2001-02-01
	RV=$(val 'd["filed"][0]["record"]')
	j note "$C3" --class sen-ehcp --title "EHCP plan" --text "Plan." --date 2001-03-01
	RD=$(val 'd["filed"][0]["record"]')
	j case close "$C3" --date 2002-01-01
	j review
	j review approve "$RV"
	j_on 2014-01-01 review defer "$RD" --until 2015-06-01 --reason "Sibling case open"
	j request open "$C" --requester "Pat Parent" --relationship client --received 2026-01-05 --pr-confirmed
	Q=$(val 'd["request"]')
	j request list
	j request show "$Q"
	j request decide "$Q" "$R1" "$R2" "$R3" --release --reason "ordinary letter"
	j request pause "$Q" --reason "clarification asked"
	j request resume "$Q"
	j request verify-id "$Q" --date 2026-01-05
	j request extend "$Q" --reason "many records" --notified 2026-01-06 --complex
	tour_put redacted.txt 'hello [redacted]\n'
	j request attach "$Q" "$R1" redacted.txt
	j request bundle "$Q" -o bundle.zip --show-passphrase
	j request log "$Q"
	j request close "$Q"
	j request open "$C" --requester "Pat Parent" --relationship client --received 2026-01-05 --id-verified 2026-01-05 --pr-confirmed --kind restriction --records "$R1"
	j request lift "$(val 'd["request"]')"
	j refer "$C" --to "LA officer" --reason "Concern" --basis "s47" --records "$R1"
	j refer list "$C"
	j enquiry add --text "Asked about assessments"
	j enquiry list
	j consent add "$C" --to "School" --oral --given 2026-01-03 --by parent
	K=$(val 'd["consent"]')
	j consent list "$C"
	j consent due
	j share "$C" --to "School" --purpose "support plan" -o share.zip --records "$R1" --show-passphrase
	j consent withdraw "$K"
	j record set "$R2" --title "Call back" --reason "typo"
	j record move "$R3" "$C2" --reason "other family"
	j record erase "$R3" --reason "erasure upheld"
	j certificates list
	j certificates show 1
	j purge --dry-run
	j purge --yes
	tour_put c.txt 'a letter from school\n'
	j intake add c.txt
	I=$(val 'd["intake"]')
	j intake list
	j intake show "$I" -o look.txt
	j intake assign "$I" "$C" --class letter --title "Letter" --date 2026-01-09
	j intake add b.txt
	j intake reject "$(val 'd["intake"]')" --reason wrong-office
	j case close "$C2"
	j case reopen "$C2"
	tour_put secret 'a-backup-passphrase-of-more-than-32-chars\n'
	j backup bk.pgp --keys keys.pgp --secret-file secret
	j restore bk.pgp restored --keys keys.pgp --secret-file secret
	# the manager's key has no passphrase here (an empty current one): it gets one, last
	tour_put cur ''
	tour_put new 'a new manager passphrase of five words\n'
	j --passphrase-file cur staff passphrase --new-passphrase-file new
	j lock
}
