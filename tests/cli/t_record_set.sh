#!/bin/bash
# record set (docs/commands/record-set.md, docs/legal-rules.md LR-18):
# rectification of a record's class, title or date.  The values are checked
# as a filing checks them and a bad one changes nothing; a good one is
# shown by ls, kept by the archive's manifest (verify compares it), its
# retention date worked out again, the old archive (with the wrong title)
# beyond the vault's keys, the correction audited and registered.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/unwrap.sh"

archive_of() { db "SELECT a.file FROM archives a JOIN records r ON r.archive_id = a.id WHERE r.id = '$1'"; }
ls_json() { # RECORD FIELD: the field of the record in ls --json
	"$CV" --json ls "$C" | python3 -c 'import json,sys; print([r[sys.argv[2]] for r in json.load(sys.stdin)["records"] if r["id"] == sys.argv[1]][0])' "$1" "$2"
}

at 2019-06-01
new_test_vault
C=$(new_case "S Parent" "S Child" 2015-05-05)
printf 'A complaint letter\n' >"$T/c.txt"
printf 'Another letter\n' >"$T/o.txt"
# two records in one archive, so that the correction rewrites an archive that keeps another
"$CV" file "$C" "$T/c.txt" "$T/o.txt" --class letter --date 2019-01-01 >/dev/null
read -r R1 R2 <<<"$(rec_ids "$C")"
at 2021-03-01
"$CV" case close "$C" --date 2021-03-01 >/dev/null
at 2026-11-01
check "control: a letter is kept until the case closed + 6 years" test "$(retain_of "$R1")" = 2027-03-01
OLD=$(archive_of "$R1")
cp "$V/archives/$OLD" "$T/old.pgp"

# ---- bad values change nothing ----
before=$(tree_hash "$V")
run_cv record set "$R1"
check "no value to correct is a usage error (exit 2)" test "$RC" -eq 2
expect_fail "an unknown class is refused" record set "$R1" --class lettre
expect_fail "a class of the child-protection file is refused" record set "$R1" --class cp-note
expect_fail "a date in the future is refused" record set "$R1" --date 2099-01-01
expect_fail "a date that is not one is refused" record set "$R1" --date 2021-02-30
expect_fail "an empty title is refused" record set "$R1" --title ""
expect_fail "a title with a control character is refused" record set "$R1" --title $'bad\033[31m'
expect_fail "an unknown record is refused" record set R-009999 --title "x"
check "the refusals changed nothing" test "$(tree_hash "$V")" = "$before"

# ---- the correction ----
run_cv --json record set "$R1" --class complaint --date 2022-05-05 --title "Complaint about the school" --reason "misclassified"
check "record set succeeds" test "$RC" -eq 0
check "its --json names the record and the correction" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["ok"] and d["record"] == sys.argv[2] and d["correction"] == "1"))' "$T/out" "$R1"
check "ls shows the new class" test "$(ls_json "$R1" class)" = complaint
check "ls shows the new title" test "$(ls_json "$R1" title)" = "Complaint about the school"
check "ls shows the new date" test "$(ls_json "$R1" date)" = 2022-05-05
check "the other record is unchanged" test "$(ls_json "$R2" date)" = 2019-01-01
check "retention worked out again: the complaint's event date + 6 years is later" test "$(retain_of "$R1")" = 2028-05-05
"$CV" get "$R1" --purpose test-copy -o "$T/g1" >/dev/null 2>&1
check "the document is unchanged, byte for byte" cmp -s "$T/c.txt" "$T/g1"
"$CV" get "$R2" --purpose test-copy -o "$T/g2" >/dev/null 2>&1
check "the other record reads byte for byte" cmp -s "$T/o.txt" "$T/g2"
check "the old archive, with the wrong entry, is gone" test ! -e "$V/archives/$OLD"
check "its key is gone from the key store" \
	test "$(sqlite3 -readonly "$V/keys.db" "SELECT count(*) FROM archive_keys WHERE file = '$OLD'")" -eq 0
run_cv verify
check "verify passes: the new manifest carries the corrected class" test "$RC" -eq 0
run_cv audit verify
check "audit verify passes" test "$RC" -eq 0
"$CV" audit show >"$T/audit" 2>&1
check "the audit event names the record, its case and the fields, not their values" \
	grep -qE "record\.set +ok +$R1 $C correction-1 class title date" "$T/audit"
check "the register names the fields and seals the reason" \
	test "$(db "SELECT kind, changed, typeof(reason) FROM corrections")" = "corrected|class title date|blob"
check "the new title is not in the index in clear" not grep -qa "Complaint about the school" "$V/vault.db"

# ---- under a hold nothing is corrected ----
"$CV" hold add "$R2" --reason "tribunal" >/dev/null
before=$(tree_hash "$V")
expect_fail "a held record is not corrected" record set "$R2" --title "Right title"
check "the refusal changed nothing" test "$(tree_hash "$V")" = "$before"
finish
