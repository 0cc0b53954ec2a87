#!/bin/bash
# Storage limitation (docs/legal-rules.md LR-12; docs/architecture.md, Storage
# limitation): when a closed case's last record is destroyed (by the scheduled
# purge, or by record erase), its names, date of birth, people, requesters'
# names, consent scopes and reasons are erased too, with a signed certificate
# verify checks.  A case with a record held, or an open request on it or on
# its linked case, keeps them; so does a case still open.  verify names the
# erasure marker forged on a case that still has records.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
at 2018-01-02
A=$(new_case "Amelia Zephyrine" "Bartholomew Quillfeather" 2012-03-04)
B=$(new_case "Beatrix Holdenworth" "Caspian Holdenworth" 2013-05-06)
O=$(new_case "Odessa Openfield" "Peregrine Openfield" 2014-07-08)
E=$(new_case "Evangeline Erasmus" "Fitzgerald Erasmus" 2011-09-10)
F=$(new_case "Fenella Linkwood" "Florian Linkwood" 2010-11-12)
G=$(new_case "Gideon Linkwood" "Florian Linkwood" 2010-11-12)
"$CV" case link "$F" "$G" >/dev/null
"$CV" case person add "$A" "Cordelia Wexfordshire" --kind third-party --phone "07700 900123" \
	--email cordelia.wexfordshire@example.org >/dev/null
for c in "$A" "$B" "$O" "$E" "$F"; do
	printf 'A letter about %s\n' "$c" >"$T/$c.txt"
	"$CV" file "$c" "$T/$c.txt" --class letter >/dev/null
done
REQ=$("$CV" --json request open "$A" --requester "Desdemona Requesterova" --relationship client \
	--received 2018-01-02 | python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
"$CV" request close "$REQ" >/dev/null
"$CV" consent add "$A" --to "Ebenezer Scopeworth Clinic" --oral >/dev/null
"$CV" case contact "$A" --message-ok no --how phone >/dev/null
"$CV" hold add "$(rec_ids "$B")" --reason "Holly Reasonable asked us to keep it" >/dev/null
at 2019-01-02
for c in "$A" "$B" "$E" "$F"; do "$CV" case close "$c" >/dev/null; done

# every name and the date of birth in several forms; the views that show them, opened with the vault's keys
TERMS=("Amelia Zephyrine" "Bartholomew Quillfeather" "2012-03-04" "04/03/2012" "4 March 2012" "20120304"
       "Cordelia Wexfordshire" "07700 900123" "cordelia.wexfordshire@example.org" "Desdemona Requesterova"
       "Ebenezer Scopeworth")
views() { # the case through every command that shows it
	"$CV" --json case show "$A"; "$CV" case show "$A"; "$CV" case list --names; "$CV" --json case list --names
	"$CV" case person list "$A"; "$CV" --json request list --all; "$CV" request show "$REQ"
	"$CV" consent list "$A"; "$CV" audit show
	for n in $(db "SELECT number FROM certificates"); do "$CV" certificates show "$n"; done
}
found_in_views() { grep -qF -e "$1" "$T/views"; }
found_in_files() { # the vault's index, its WAL, the key store and the certificates, as bytes
	cat "$V/vault.db" "$V"/vault.db-wal "$V/keys.db" "$V"/keys.db-wal "$V"/certificates/*.json 2>/dev/null |
		grep -qaF -e "$1"
}
hex_in_files() { # the bytes of a sealed value (hex) in vault.db or its WAL
	python3 - "$1" "$V/vault.db" "$V/vault.db-wal" <<'PY'
import os, sys
b = bytes.fromhex(sys.argv[1])
sys.exit(0 if any(os.path.exists(p) and b in open(p, "rb").read() for p in sys.argv[2:]) else 1)
PY
}

# ---- record erase of an open case's only record: the case keeps its data ----
"$CV" record erase "$(rec_ids "$O")" --reason "filed by mistake" >/dev/null
check "an open case whose records are all erased keeps its names" \
	grep -q "Odessa Openfield" <<<"$("$CV" case show "$O")"
check "  and is not marked erased" test -z "$(db "SELECT erased FROM cases WHERE id = '$O'")"

# ---- record erase of a closed case's last record: the case is erased at once ----
run_cv record erase "$(rec_ids "$E")" --reason "erasure request upheld"
check "record erase of a closed case's last record succeeds ($ERR)" test "$RC" -eq 0
check "  its case is erased with it" test -n "$(db "SELECT erased FROM cases WHERE id = '$E'")"
check "  the notice says so" grep -q "case $E: its personal data was erased" "$T/err"
check "  case show no longer names the parent" not grep -q "Evangeline" <<<"$("$CV" case show "$E")"

# ---- the control, before the purge ----
PARENT_HEX=$(db "SELECT hex(parent) FROM cases WHERE id = '$A'")
REQ_HEX=$(db "SELECT hex(requester) FROM requests WHERE id = '$REQ'")
PERSON_HEX=$(db "SELECT hex(name) FROM people WHERE case_id = '$A'")
views >"$T/views" 2>&1
for t in "${TERMS[@]}"; do
	case $t in 04/03/2012|"4 March 2012"|20120304) continue ;; esac  # shown as YYYY-MM-DD only
	check "control: the views show '$t' before the erasure" found_in_views "$t"
done
check "control: the parent's sealed value is in vault.db or its WAL" hex_in_files "$PARENT_HEX"
check "control: the requester's sealed value is there" hex_in_files "$REQ_HEX"
check "control: the person's sealed value is there" hex_in_files "$PERSON_HEX"
cp -a "$V" "$T/pre"   # a backup taken before the erasure

# ---- the scheduled purge destroys A's, F's records; B's is held; G has an open request ----
at 2026-06-01
"$CV" request open "$G" --requester "Gideon Linkwood" --relationship client --received 2026-06-01 >/dev/null
run_cv purge --scheduled
check "the scheduled purge runs ($OUT $ERR)" test "$RC" -eq 0
check "A's record is destroyed" test -z "$(rec_ids "$A")"
check "A is erased" test -n "$(db "SELECT erased FROM cases WHERE id = '$A'")"
N=$(db "SELECT erase_certificate FROM cases WHERE id = '$A'")
check "A's erasure names its certificate" test -n "$N"
views >"$T/views" 2>&1
for t in "${TERMS[@]}"; do
	check "no view shows '$t' after the erasure" not found_in_views "$t"
	check "vault.db, its WAL, keys.db and the certificates hold no '$t'" not found_in_files "$t"
done
check "the parent's sealed value is gone from vault.db and its WAL" not hex_in_files "$PARENT_HEX"
check "the requester's sealed value is gone" not hex_in_files "$REQ_HEX"
check "the person's sealed value is gone" not hex_in_files "$PERSON_HEX"
check "the person's row is gone" test "$(db "SELECT count(*) FROM people WHERE case_id = '$A'")" -eq 0
check "the consent keeps its id and dates" test "$(db "SELECT count(*) FROM consents WHERE case_id = '$A' AND given IS NOT NULL")" -eq 1
check "the request keeps its id and due date" test -n "$(db "SELECT due FROM requests WHERE id = '$REQ'")"
check "the WAL is empty" test ! -s "$V/vault.db-wal"
check "A's contact preference is gone" test "$(db "SELECT count(*) FROM case_contact WHERE case_id = '$A'")" -eq 0

# ---- what case show, ls and case list say ----
"$CV" case show "$A" >"$T/show"
check "case show says the case was erased, with its certificate" grep -q "erased *on 2026-06-01 (certificate $N)" "$T/show"
check "case show marks the names erased" grep -q "parent *(erased)" "$T/show"
check "case show --json has the erasure" \
	python3 -c 'import json,sys; c=json.load(sys.stdin)["case"]; sys.exit(not (c["erased"]["certificate"] == sys.argv[1] and c["parent"] == "(erased)"))' "$N" <<<"$("$CV" --json case show "$A")"
check "ls says the case was erased" grep -q "case $A was erased on 2026-06-01" <<<"$("$CV" ls "$A")"
check "case list says so" grep -q "$A .*erased 2026-06-01" <<<"$("$CV" case list --names)"

# ---- the certificate ----
"$CV" certificates show "$N" >"$T/cert"
check "the certificate states the case's erasure, what went and what remains" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["kind"] == "case-erasure" and d["case"] == sys.argv[2] and d["run_by"] == "schedule"
ok = ok and any("date of birth" in e for e in d["erased"]) and any("case id" in e for e in d["remains"])
sys.exit(not ok)' "$T/cert" "$A"
check "the certificate file is written" cmp -s "$T/cert" "$V/certificates/$N.json"
check "the purge key signed it" test "$(db "SELECT signer FROM certificate_sigs WHERE number = $N AND kind = 'signed'")" = purge-key
"$CV" audit show >"$T/audit" 2>&1
check "the audit trail names the case and the certificate, no name" grep -qE "case.erase +ok +$A certificate-$N sha256-" "$T/audit"
run_cv verify
check "verify passes ($ERR)" test "$RC" -eq 0
run_cv audit verify
check "audit verify passes" test "$RC" -eq 0

# ---- what keeps its data ----
check "B (its record held) keeps its record" test -n "$(rec_ids "$B")"
check "B keeps its names" grep -q "Beatrix Holdenworth" <<<"$("$CV" case show "$B")"
check "F's record is destroyed" test -z "$(rec_ids "$F")"
check "F (its linked case has an open request) keeps its names" grep -q "Fenella Linkwood" <<<"$("$CV" case show "$F")"
run_cv purge --yes   # a run by hand says why (the scheduled run prints one line)
check "the purge says why F keeps it" grep -q "case $F keeps its personal data: request .* is open on its linked case $G" "$T/err"
check "O (still open) keeps its names" grep -q "Odessa Openfield" <<<"$("$CV" case show "$O")"
# the linked request closed, F goes at the next purge; B once its hold is released and its record destroyed
"$CV" request close "$(db "SELECT id FROM requests WHERE case_id = '$G'")" >/dev/null
"$CV" hold release "$(db "SELECT id FROM holds WHERE kind = 'hold'")" >/dev/null
run_cv purge --yes
check "the next purge runs ($ERR)" test "$RC" -eq 0
check "F is erased once no request holds it" test -n "$(db "SELECT erased FROM cases WHERE id = '$F'")"
check "B is erased once its hold is released" test -n "$(db "SELECT erased FROM cases WHERE id = '$B'")"
check "the hold's reason is erased with B" test "$(db "SELECT count(*) FROM holds WHERE kind = 'hold' AND reason IS NOT NULL")" -eq 0
check "G (open, with records never filed) keeps its names" grep -q "Gideon Linkwood" <<<"$("$CV" case show "$G")"

# ---- an erased case cannot be reopened or corrected ----
expect_fail "an erased case is not reopened" case reopen "$A"
check "  the refusal says it was erased" grep -q "was erased on 2026-06-01" <<<"$ERR"
expect_fail "an erased case's date of birth is not set" case set-dob "$A" 2012-03-05
printf 'late letter\n' >"$T/late.txt"
run_cv file "$A" "$T/late.txt" --class letter
check "nothing is filed into an erased case" test "$RC" -ne 0 -a -z "$(rec_ids "$A")"
check "  the refusal says it was erased" grep -q "was erased on" "$T/err"
"$CV" file "$G" "$T/late.txt" --class letter >/dev/null
expect_fail "no record is moved into an erased case" record move "$(rec_ids "$G")" "$A"

# ---- an erased case's marker is no name: an enquiry quoting it is not refused as one ----
run_cv enquiry add --text "Asked what a case shown as (erased) means; sent the leaflet"
check "an enquiry quoting (erased) is taken ($ERR)" test "$RC" -eq 0

# ---- a pre-erasure backup: what it still reveals (docs/security.md, Storage limitation) ----
check "a copy of the vault taken before still shows the names to a key holder (the documented residual)" \
	grep -q "Amelia Zephyrine" <<<"$(CASEVAULT_DIR=$T/pre "$CV" case show "$A" 2>/dev/null)"

# ---- the marker forged on a case that still has records ----
snapshot
sqlite3 "$V/vault.db" "UPDATE cases SET parent = (SELECT parent FROM cases WHERE id = '$A') WHERE id = '$O'"
printf 'x\n' >"$T/o2.txt"
"$CV" file "$O" "$T/o2.txt" --class letter >/dev/null 2>&1
sqlite3 "$V/vault.db" "UPDATE cases SET child = (SELECT child FROM cases WHERE id = '$A') WHERE id = '$B'"
run_cv verify
check "verify fails on a forged marker" test "$RC" -ne 0
check "  naming the case that was never erased" grep -q "$O.*erasure marker but was never erased" "$T/out" "$T/err"
sqlite3 "$V/vault.db" "UPDATE cases SET erased = '2026-06-01' WHERE id = '$O'"
run_cv verify
check "  and one marked erased that still has records" grep -q "$O.*marked erased but still has records" "$T/out" "$T/err"
restore
finish
