#!/bin/bash
# The intake tray (docs/intake.md, docs/commands/intake.md): a document is
# encrypted on arrival to the case deposit key and waits, unreadable by
# volunteers, until a caseworker assigns it (filed byte-identical through the
# ordinary filing) or rejects it (crypto-erased: a copy of its file and row
# taken before no longer opens with the vault's keys).  No plaintext copy is
# left under the vault; verify and audit verify pass after each step.  The
# drop folder part (casevaultd --intake, real OS accounts) runs as root only
# and is in t_intake_drop.sh.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

# a real PDF and a real JPEG: the corpus's when there is one, else the fixtures
PDF=$CV_SOURCE_DIR/tests/fixtures/formats/scan.pdf JPG=$CV_SOURCE_DIR/tests/fixtures/formats/photo.jpg
for f in "$CORPUS"/*.pdf; do [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 2000000 ] && PDF=$f && break; done
for f in "$CORPUS"/*.jpg; do [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 2000000 ] && JPG=$f && break; done

# holds FILE: some 64 bytes of FILE's middle appear anywhere under the vault (its files, WAL included)
holds() {
	python3 - "$1" "$V" <<'PY'
import os, sys
data = open(sys.argv[1], "rb").read()
needle = data[len(data) // 2:len(data) // 2 + 64]
for root, _, files in os.walk(sys.argv[2]):
    for f in files:
        p = os.path.join(root, f)
        if os.path.isfile(p) and needle in open(p, "rb").read():
            sys.exit(0)
sys.exit(1)
PY
}
verified() {
	"$CV" verify >/dev/null 2>&1 && "$CV" audit verify >/dev/null 2>&1
}

new_vault
C=$(new_case "Intake Parent" "Intake Child" 2016-02-02)
W=$("$CV" staff add "Wendy Caseworker" --role caseworker --no-passphrase)
X=$("$CV" staff add "Val Volunteer" --role volunteer --no-passphrase)
"$CV" staff attest "$W" >/dev/null && "$CV" staff attest "$X" >/dev/null
"$CV" case assign "$C" "$W" >/dev/null

run_cv --as "$X" intake add "$PDF"
check "a volunteer puts a PDF in the tray ($ERR)" test "$RC" -eq 0 -a "$OUT" = I-000001
run_cv intake add "$JPG"
check "a manager puts a JPEG in the tray" test "$RC" -eq 0 -a "$OUT" = I-000002
check "no plaintext copy of the PDF under the vault" not holds "$PDF"
check "no plaintext copy of the JPEG under the vault" not holds "$JPG"
check "the original names are sealed" not grep -rqaF "$(basename "$PDF")" "$V"
check "verify and audit verify pass after intake add" verified

run_cv --as "$X" intake list
check "a volunteer may not list the tray" test "$RC" -ne 0
expect_fail "a volunteer may not show an item" --as "$X" intake show I-000001 -o "$T/x.pdf"
check "...and no file is left" test ! -e "$T/x.pdf"
run_cv --as "$W" --json intake list
check "a caseworker lists both, names and types opened ($ERR)" test "$(python3 -c '
import json,sys; print(";".join("%s/%s/%s/%s" % (i["id"], i["name"], i["mime"], i["size"]) for i in json.load(sys.stdin)["intake"]))' <<<"$OUT")" \
	= "I-000001/$(basename "$PDF")/application/pdf/$(stat -c %s "$PDF");I-000002/$(basename "$JPG")/image/jpeg/$(stat -c %s "$JPG")"
run_cv --as "$W" intake show I-000002 -o "$T/shown.jpg"
check "show writes the document out byte-identical" cmp -s "$T/shown.jpg" "$JPG"
check "show is audited" test "$(db "SELECT count(*) FROM audit WHERE action = 'intake.show' AND ids = 'I-000002'")" = 1
expect_fail "show never overwrites a file" --as "$W" intake show I-000002 -o "$T/shown.jpg"

# ---- refused documents: one line, nothing added
expect_fail "a damaged PDF is refused as file refuses it" intake add "$CV_SOURCE_DIR/tests/fixtures/formats/bad.pdf"
expect_fail "a missing file is refused" intake add "$T/nothing.pdf"
check "nothing was added for them" test "$(db 'SELECT count(*) FROM intake')" = 2

# ---- assign: filed through the ordinary filing, byte-identical, the item erased
run_cv --as "$W" intake assign I-000001 "$C" --class correspondence --title "Letter from school" --date 2026-11-30
check "a caseworker assigns the PDF to her case ($ERR)" test "$RC" -eq 0
REC=$(awk '{print $1}' <<<"$OUT")
run_cv --as "$W" get "$REC" --purpose test-copy -o "$T/filed.pdf"
check "the record is the PDF, byte-identical" cmp -s "$T/filed.pdf" "$PDF"
check "the item left the tray and its file" test "$(db "SELECT count(*) FROM intake WHERE id = 'I-000001'")" = 0 -a ! -e "$V/intake/I-000001.cvi"
check "the assignment is audited with the record" test "$(db "SELECT count(*) FROM audit WHERE action = 'intake.assign' AND ids = 'I-000001 $REC'")" = 1
check "verify and audit verify pass after assign" verified
run_cv --as "$W" intake assign I-000002 C-2099-9999 --class correspondence
check "assigning to a case that does not exist fails" test "$RC" -ne 0
check "...and the item stays" test "$(db "SELECT count(*) FROM intake WHERE id = 'I-000002'")" = 1
expect_fail "assign needs --class" intake assign I-000002 "$C"

# ---- reject: crypto-erased; a copy taken before does not open with the vault's keys
cp "$V/intake/I-000002.cvi" "$T/copy.cvi"
ROW=$(sqlite3 "$V/vault.db" "SELECT quote(id), quote(arrived), size_bucket, quote(mime), key_gen, quote(sealed), quote(source), quote(added_by) FROM intake WHERE id = 'I-000002'" | tr '|' ',')
WRAP=$(sqlite3 "$V/keys.db" "SELECT wrapped_key FROM intake_keys WHERE id = 'I-000002'")
check "the item's key is in the key store, not vault.db" test -n "$WRAP"
expect_fail "reject needs a reason from the list" intake reject I-000002 --reason "Mrs Smith sent it"
run_cv --as "$W" intake reject I-000002 --reason junk
check "a caseworker rejects the JPEG ($ERR)" test "$RC" -eq 0
check "the rejection is audited with its reason" test "$(db "SELECT count(*) FROM audit WHERE action = 'intake.reject' AND ids = 'I-000002 junk'")" = 1
check "verify and audit verify pass after reject" verified
check "the key is gone from the key store, its log included" not grep -qsaF "${WRAP#cvdp1:}" "$V/keys.db" "$V/keys.db-wal"
cp "$T/copy.cvi" "$V/intake/I-000002.cvi"
sqlite3 "$V/vault.db" "INSERT INTO intake VALUES($ROW)"
run_cv --as "$W" intake show I-000002 -o "$T/again.jpg"
check "the copy put back does not open ($ERR)" test "$RC" -ne 0 -a ! -e "$T/again.jpg"
check "...it says the item was erased" grep -q "no key (erased)" <<<"$ERR"
sqlite3 "$V/vault.db" "DELETE FROM intake WHERE id = 'I-000002'" && rm -f "$V/intake/I-000002.cvi"

# ---- an item waiting 30 days is due
"$CV" intake add "$JPG" >/dev/null
sqlite3 "$V/vault.db" "UPDATE intake SET arrived = '2020-01-01T00:00:00Z' WHERE id = 'I-000003'"
run_cv --as "$W" intake list --due
check "intake list --due shows the item waiting since 2020" grep -q "^I-000003 .*due" <<<"$OUT"
run_cv retention due
check "retention due says the tray has an item due" grep -q "intake tray: 1 item" <<<"$OUT$ERR"

# ---- a backup holds the waiting item: restored, it opens byte-identical
head -c 24 /dev/urandom | base64 >"$T/secret"
mkdir -m 700 "$T/bk"
run_cv backup "$T/bk/data.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/secret"
check "a backup with an item waiting succeeds ($ERR)" test "$RC" -eq 0
run_cv restore "$T/bk/data.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/secret" "$T/restored"
check "it restores ($ERR)" test "$RC" -eq 0 -a -f "$T/restored/intake/I-000003.cvi"
run_cv -C "$T/restored" --as "$W" intake show I-000003 -o "$T/restored.jpg"
check "the restored item opens, byte-identical ($ERR)" cmp -s "$T/restored.jpg" "$JPG"

# ---- assign killed just after its filing committed: the record filed and the
# item off the tray together (docs/recovery.md, Fault injection); the key and
# file it left go at the next intake write
n0=$(db "SELECT count(*) FROM records WHERE case_id = '$C'")
(CASEVAULT_CRASHPOINT=filing-after-commit exec "$CV" --as "$W" intake assign I-000003 "$C" --class correspondence >/dev/null 2>&1)
check "intake assign killed just after its filing committed" test "$?" -eq 137
REC=$(db "SELECT id FROM records WHERE case_id = '$C' ORDER BY id DESC LIMIT 1")
check "  the record ($REC) was filed ($n0 -> $(db "SELECT count(*) FROM records WHERE case_id = '$C'") records)" \
	test "$(db "SELECT count(*) FROM records WHERE case_id = '$C'")" -eq $((n0 + 1))
check "  ...and the item is off the tray in the same commit" test "$(db "SELECT count(*) FROM intake WHERE id = 'I-000003'")" = 0
check "  ...audited with its record" test "$(db "SELECT count(*) FROM audit WHERE action = 'intake.assign' AND ids = 'I-000003 $REC'")" = 1
check "  verify and audit verify pass" verified
check "  the item's file is still there, its key too" \
	test -e "$V/intake/I-000003.cvi" -a "$(sqlite3 "$V/keys.db" "SELECT count(*) FROM intake_keys WHERE id = 'I-000003'")" = 1
run_cv intake add "$JPG"
check "  the next intake add works ($OUT)" test "$RC" -eq 0
check "  ...and removes the file and key the killed assign left" \
	test ! -e "$V/intake/I-000003.cvi" -a "$(sqlite3 "$V/keys.db" "SELECT count(*) FROM intake_keys WHERE id = 'I-000003'")" = 0

# ---- the case key cannot rotate under waiting items (they are wrapped to its deposit key)
run_cv staff revoke "$W"
check "a revocation that rotates the case key is refused while items wait" grep -q "intake tray holds items" <<<"$ERR"
check "...and Wendy is not revoked" test "$(db "SELECT revoked IS NULL FROM staff WHERE id = '$W'")" = 1
finish
