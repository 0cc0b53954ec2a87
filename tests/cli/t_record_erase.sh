#!/bin/bash
# record erase (docs/commands/record-erase.md, docs/legal-rules.md LR-18):
# one record destroyed on a manager's decision, as the purge destroys, with
# a signed certificate verify checks; refused to a caseworker, without a
# reason, under a hold and under an open subject access request, each
# changing nothing.  Also: only a manager moves a record between linked cases.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/unwrap.sh"

archive_of() { db "SELECT a.file FROM archives a JOIN records r ON r.archive_id = a.id WHERE r.id = '$1'"; }

new_vault
CW=$("$CV" staff add "Casey Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$CW" >/dev/null
C=$(new_case "E Parent" "E Child" 2015-05-05)
D=$(new_case "F Parent" "F Child" 2014-04-04)
printf 'Should never have been kept\n' >"$T/e1.txt"
printf 'Kept\n' >"$T/e2.txt"
printf 'Other case\n' >"$T/f1.txt"
"$CV" file "$C" "$T/e1.txt" "$T/e2.txt" --class letter >/dev/null
"$CV" file "$D" "$T/f1.txt" --class letter >/dev/null
read -r R1 R2 <<<"$(rec_ids "$C")"
F1=$(rec_ids "$D")
OLD=$(archive_of "$R1")
cp "$V/archives/$OLD" "$T/old.pgp"

# ---- refusals change nothing ----
before=$(tree_hash "$V")
run_cv record erase "$R1"
check "no reason is a usage error (exit 2)" test "$RC" -eq 2
expect_fail "an unknown record is refused" record erase R-009999 --reason "x"
check "the refusals changed nothing" test "$(tree_hash "$V")" = "$before"
expect_fail "a caseworker may not erase" --as "$CW" record erase "$R1" --reason "x"
check "the caseworker's refusal names the manager's act" grep -q "approve destruction" "$T/err"
check "the record is still there" grep -qw "$R1" <<<"$(rec_ids "$C")"
# a record moves between the linked cases of a separated family only by a manager (docs/legal-rules.md LR-19)
"$CV" case link "$C" "$D" >/dev/null
# the caseworker works on C (docs/security.md, Case assignment); a cp-lead sees every case
"$CV" case assign "$C" "$CW" >/dev/null
expect_fail "a caseworker may not move a record between linked cases" --as "$CW" record move "$R2" "$D"
check "the refusal says why" grep -q "linked cases of a separated family" "$T/err"
CL=$("$CV" staff add "Cleo Lead" --role cp-lead --no-passphrase)
"$CV" staff attest "$CL" >/dev/null
expect_fail "a cp-lead may not move a record between linked cases" --as "$CL" record move "$R2" "$D"
check "the refusal says why" grep -q "linked cases of a separated family" "$T/err"
check "the record stayed in its case" grep -qw "$R2" <<<"$(rec_ids "$C")"
"$CV" request open "$D" --requester "F Parent" --relationship client --received 2026-01-05 >/dev/null
before=$(tree_hash "$V")
expect_fail "a record in an open request's scope is not erased" record erase "$F1" --reason "x"
check "the refusal names the request" grep -q "subject access request" "$T/err"
check "the refusal changed nothing" test "$(tree_hash "$V")" = "$before"

# ---- the erasure ----
run_cv --json record erase "$R1" --reason "erasure request upheld"
check "record erase succeeds" test "$RC" -eq 0
N=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certificate"])' "$T/out")
check "it names its certificate" test -n "$N" -a "$N" != None
check "the record is no longer listed" not grep -qw "$R1" <<<"$(rec_ids "$C")"
expect_fail "the erased record cannot be read" get "$R1" --purpose test-copy -o "$T/g1"
"$CV" get "$R2" --purpose test-copy -o "$T/g2" >/dev/null 2>&1
check "the record sharing its archive reads byte for byte" cmp -s "$T/e2.txt" "$T/g2"
check "the destruction log names it under the certificate" test "$(db "SELECT certificate FROM destroyed WHERE record_id = '$R1'")" = "$N"
"$CV" certificates show "$N" >"$T/cert" 2>&1
check "the certificate lists the record, authorised as an erasure" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["records"]; sys.exit(not (len(r) == 1 and r[0]["id"] == sys.argv[2] and r[0]["authorised_by"] == "S-0001 (erasure)"))' "$T/cert" "$R1"
check "the certificate file is written" test -s "$V/certificates/$N.json"
check "the old archive is gone" test ! -e "$V/archives/$OLD"
check "its key is gone from the key store" \
	test "$(sqlite3 -readonly "$V/keys.db" "SELECT count(*) FROM archive_keys WHERE file = '$OLD'")" -eq 0
"$CV" audit show >"$T/audit" 2>&1
check "the audit event names the record and the certificate's hash" grep -qE "erase +ok +$R1 $C correction-1 certificate-$N sha256-" "$T/audit"
run_cv verify
check "verify passes: the certificate's signature and its event hold" test "$RC" -eq 0
run_cv audit verify
check "audit verify passes" test "$RC" -eq 0
finish
