#!/bin/bash
# The rights requests register (docs/legal-rules.md LR-18,
# docs/commands/request-open.md): rectification, erasure, restriction and
# objection registered beside subject access, on the same clock (due date,
# pause, extension); they hold no case, and the corrections that answer them
# name them (--request).  A restriction stops moving, correcting, erasing
# and reading (get) the records it names until it is lifted, except a
# manager's or cp-lead's read for a legal claim with --purpose; an objection
# restricts nothing.  Bad input registers nothing.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

req_field() { # REQ FIELD: the field of the request in request list --all --json
	"$CV" --json request list --all | python3 -c 'import json,sys; print([q.get(sys.argv[2]) for q in json.load(sys.stdin)["requests"] if q["id"] == sys.argv[1]][0])' "$1" "$2"
}
open_req() { # CASE KIND [ARGS...]: the new request's id
	local c=$1 k=$2; shift 2
	"$CV" --json request open "$c" --kind "$k" --requester "Alex Example" --relationship client --received 2026-01-05 "$@" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])'
}
nreq() { db "SELECT count(*) FROM requests"; }

at 2026-01-05
new_test_vault
C=$(new_case "R Parent" "R Child" 2015-05-05)
D=$(new_case "Q Parent" "Q Child" 2016-06-06)
for n in 1 2 3; do printf 'Record %s\n' "$n" >"$T/r$n.txt"; done
"$CV" file "$C" "$T/r1.txt" "$T/r2.txt" "$T/r3.txt" --class letter >/dev/null
read -r R1 R2 R3 <<<"$(rec_ids "$C")"
printf 'Other\n' >"$T/q.txt"
"$CV" file "$D" "$T/q.txt" --class letter >/dev/null
E=$(new_case "E Parent" "E Child" 2017-07-07)
"$CV" file "$E" "$T/q.txt" --class letter >/dev/null
E1=$(rec_ids "$E")

# ---- the same clock ----
SAR=$(open_req "$D" access)
ERA=$(open_req "$C" erasure --records "$R1")
check "an erasure request is registered" test -n "$ERA"
check "its kind is listed" test "$(req_field "$ERA" kind)" = erasure
check "a subject access request's kind is access" test "$(req_field "$SAR" kind)" = access
check "the same due date as a subject access request received that day" test "$(req_field "$ERA" due)" = "$(req_field "$SAR" due)"
check "the register keeps the records it names" test "$(db "SELECT records FROM requests WHERE id = '$ERA'")" = "$R1"
check "an erasure request places no hold on its case" test "$(db "SELECT count(*) FROM holds WHERE ref = '$ERA'")" -eq 0
run_cv request pause "$ERA" --reason "waiting for the requester's clarification" --date 2026-01-05
check "its clock pauses as a subject access request's does" test "$RC" -eq 0 -a "$(req_field "$ERA" paused_since)" = 2026-01-05
at 2026-01-08
run_cv request resume "$ERA" --date 2026-01-08
check "and resumes, the due date worked out again" test "$RC" -eq 0 -a "$(req_field "$ERA" due)" != "$(req_field "$SAR" due)"

# ---- an erasure answered, linked to its request ----
run_cv record erase "$R1" --reason "erasure upheld" --request "$ERA"
check "the erasure it asked for is made" test "$RC" -eq 0
check "the corrections register links it to the request" \
	test "$(db "SELECT kind, request_id FROM corrections WHERE record_id = '$R1'")" = "erased|$ERA"
"$CV" audit show >"$T/audit" 2>&1
check "the audit event names the request" grep -qE "erase +ok +$R1 $C $ERA correction-" "$T/audit"
run_cv request close "$ERA"
check "the request is closed" test "$RC" -eq 0
expect_fail "a correction may not name a closed request" record set "$R2" --title "x" --request "$ERA"

# ---- a restriction ----
RES=$(open_req "$C" restriction --records "$R2,$R3")
check "a restriction request is registered" test "$(req_field "$RES" kind)" = restriction
check "it restricts both records" test "$(db "SELECT count(*) FROM restrictions WHERE request_id = '$RES' AND lifted_at IS NULL")" -eq 2
before=$(tree_hash "$V")
expect_fail "a restricted record is not moved" record move "$R2" "$E"
check "the refusal names the restriction and how to lift it" grep -q "restricted by request $RES" "$T/err"
expect_fail "a restricted record is not corrected" record set "$R3" --title "New"
expect_fail "a restricted record is not erased" record erase "$R2" --reason "x"
check "the refusals changed nothing" test "$(tree_hash "$V")" = "$before"
ACC=$(open_req "$C" access)
"$CV" request decide "$ACC" "$R2" --release --reason "the requester's own letter" >/dev/null
"$CV" request decide "$ACC" "$R3" --release --reason "the requester's own letter" >/dev/null
expect_fail "a bundle releasing a restricted record is refused" request bundle "$ACC" -o "$T/b.zip" --show-passphrase
check "the refusal names the restriction" grep -q "restricted by request $RES" "$T/err"
check "no bundle was written" test ! -e "$T/b.zip"
"$CV" request close "$ACC" >/dev/null
"$CV" consent add "$C" --to "Rights School" --oral --given 2026-01-05 >/dev/null
expect_fail "a share naming a restricted record is refused" share "$C" --to "Rights School" --records "$R2" -o "$T/s.zip" --show-passphrase
check "the share's refusal names the restriction" grep -q "restricted by request $RES" "$T/err"
check "no share was written" test ! -e "$T/s.zip"
run_cv record move "$E1" "$C"
check "a record the restriction does not name still moves (into the restricted case)" test "$RC" -eq 0

# ---- a restricted record is not read, but for a legal claim by a manager or cp-lead ----
CW=$("$CV" staff add "Rita Worker" --role caseworker --no-passphrase)
CPL=$("$CV" staff add "Lee Lead" --role cp-lead --no-passphrase)
"$CV" staff attest "$CW" >/dev/null && "$CV" staff attest "$CPL" >/dev/null
"$CV" case assign "$C" "$CW" >/dev/null
n=$(db 'SELECT count(*) FROM exports')
expect_fail "a caseworker's get -o of a restricted record is refused" --as "$CW" get "$R2" --purpose "for the file" -o "$T/g.txt"
check "  ... naming the request and how it is lifted" grep -q "restricted by request $RES.*casevault request lift $RES" <<<"$ERR"
check "  ... nothing written" test ! -e "$T/g.txt"
expect_fail "a caseworker's get to standard output of it is refused too" --as "$CW" get "$R2"
check "  ... saying who may read it and how" grep -q "a manager or cp-lead may read it for a legal claim with --purpose" <<<"$ERR"
expect_fail "a manager's get without --purpose is refused" get "$R3"
check "the refusals recorded no export" test "$(db 'SELECT count(*) FROM exports')" = "$n"
check "  ... and were audited as refused" \
	test "$(db "SELECT count(*) FROM audit WHERE action IN ('record.get', 'record.export') AND outcome = 'refused' AND ids = '$R2'")" -eq 2
run_cv get "$R2" --purpose "defence of the parent's claim" -o "$T/m.txt"
check "a manager reads it for a legal claim with --purpose ($ERR)" eval '[ "$RC" -eq 0 ] && cmp -s "$T/m.txt" "$T/r2.txt"'
check "  ... the export recorded first" test "$(db "SELECT count(*) FROM exports WHERE record_id = '$R2'")" -eq 1
run_cv --as "$CPL" get "$R3" --purpose "tribunal: legal claim"
check "a cp-lead reads it on standard output with --purpose" eval '[ "$RC" -eq 0 ] && [ "$OUT" = "Record 3" ]'
check "  ... recorded as an export to stdout" test "$(db "SELECT dest FROM exports WHERE record_id = '$R3'")" = stdout
run_cv --as "$CW" get "$E1"
check "the caseworker still reads an unrestricted record of the case" eval '[ "$RC" -eq 0 ] && [ "$OUT" = Other ]'
OBJ=$(open_req "$C" objection --records "$E1")
run_cv --as "$CW" get "$E1"
check "an objection restricts nothing: the record is still read (LR-18)" test "$RC" -eq 0
"$CV" request close "$OBJ" >/dev/null

run_cv --json request lift "$RES"
check "request lift lifts both" test "$RC" -eq 0 && \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["lifted"] != 2)' "$T/out"
expect_fail "lifting twice is refused" request lift "$RES"
run_cv --as "$CW" get "$R3"
check "once lifted the caseworker reads the record" eval '[ "$RC" -eq 0 ] && [ "$OUT" = "Record 3" ]'
run_cv record move "$R2" "$E"
check "once lifted the record moves" test "$RC" -eq 0
"$CV" audit show >"$T/audit" 2>&1
check "the lift is audited" grep -qE "request\.lift +ok +$RES" "$T/audit"

# ---- bad input registers nothing ----
n=$(nreq)
expect_fail "an unknown kind is refused" request open "$C" --kind complaint --requester X --relationship client --received 2026-01-05
expect_fail "a restriction without records is refused" request open "$C" --kind restriction --requester X --relationship client --received 2026-01-05
expect_fail "a record of another case is refused" request open "$C" --kind restriction --records "$R2" --requester X --relationship client --received 2026-01-05
expect_fail "a word that is not a record id is refused" request open "$C" --kind erasure --records "letter" --requester X --relationship client --received 2026-01-05
expect_fail "a subject access request naming records is refused" request open "$C" --records "$R3" --requester X --relationship client --received 2026-01-05
expect_fail "lifting a request that is not a restriction is refused" request lift "$SAR"
expect_fail "lifting an unknown request is refused" request lift REQ-2026-0099
check "nothing was registered" test "$(nreq)" -eq "$n"
run_cv verify
check "verify passes" test "$RC" -eq 0
run_cv audit verify
check "audit verify passes" test "$RC" -eq 0
finish
