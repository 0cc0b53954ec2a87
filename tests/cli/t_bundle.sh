#!/bin/bash
# The disclosure bundle (docs/legal-rules.md §7-§11; docs/architecture.md, Properties, 5), with stock tools:
#   2. a case with child-protection notes, third parties, a volunteer's phone
#      number and e-mail, and a linked case: the bundle, opened with 7z and the
#      printed passphrase (and the OpenPGP form with gpg), holds none of the
#      withheld or redacted strings, no CP title or record id, no gaps in its
#      numbering, one time on every member, and every released record
#      byte-identical to what was filed (or exactly as redacted; other
#      formats the same words or pixels without their metadata);
#   3. a child-protection record appears only after a recorded cp-lead or
#      manager decision; a caseworker's release is refused.
# Plus: decisions needed first, the fail-closed check (a released note that
# quotes a withheld one deletes the bundle), redacted copies, the log.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

export CASEVAULT_TODAY=2026-11-20
new_test_vault
CW=$("$CV" staff add "Casey Worker" --role caseworker --no-passphrase); "$CV" staff attest "$CW" >/dev/null
CPL=$("$CV" staff add "Lee Protect" --role cp-lead --no-passphrase); "$CV" staff attest "$CPL" >/dev/null
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)
L=$(new_case "Jordan Linkside" "Sam Example" 2015-02-01)
"$CV" case link "$C" "$L" >/dev/null
"$CV" case assign "$C" "$CW" >/dev/null   # the caseworker works the client's case (docs/security.md, Case assignment)
"$CV" case person add "$C" "Patricia Jones" --kind third-party --phone "07700 900456" >/dev/null
"$CV" case person add "$C" "Vera Quillfeather" --kind volunteer --phone "07700 900123" --email vera.q@example.org >/dev/null
"$CV" case person add "$C" "Mrs Sarah Teach" --kind professional --role SENCO >/dev/null
make_docs "$T/d"

cat >"$T/note1.txt" <<'EOF'
Phone call with Alex Example about Sam Example's EHCP.
Patricia Jones, the neighbour, rang too; Mrs Jones says she saw
Patricia
Jones at the gate. Call her on 07700 900456. Patricia's view differs.
Vera Quillfeather (our volunteer, 07700900123, vera.q@example.org) will visit.
Ms Quillfeather's number again: +44 7700 900123.
Mrs Teach the SENCO agreed the plan. Sarah will write.
NI QQ 12 34 56 C, NHS 943 476 5919, email someone@else.org.uk.
Jordan Linkside called about contact arrangements.
EOF
cat >"$T/note1.expected" <<'EOF'
Phone call with Alex Example about Sam Example's EHCP.
[redacted], the neighbour, rang too; Mrs [redacted] says she saw
[redacted] at the gate. Call her on [redacted]. [redacted] view differs.
[redacted] (our volunteer, [redacted], [redacted]) will visit.
Ms [redacted] number again: [redacted].
Mrs Teach the SENCO agreed the plan. Sarah will write.
NI [redacted], NHS [redacted], email [redacted].
[redacted] called about contact arrangements.
EOF
printf 'Meeting with the SENCO about the annual review. Agreed actions follow.\n' >"$T/note2.txt"
printf 'WITHHELD-MAIN statement of a neighbour about the family, given in confidence.\n' >"$T/note3.txt"
CPTEXT='SECRETCP the child disclosed bruising to the teacher; referral made to the LADO after the strategy discussion.'

"$CV" note "$C" --class phone-call --date 2026-03-02 <"$T/note1.txt" >/dev/null            # R-000001
"$CV" note "$C" --class meeting-note --date 2026-01-15 <"$T/note2.txt" >/dev/null          # R-000002
"$CV" file "$C" "$T/d/letter.pdf" --class letter --date 2026-02-01 --title "Letter from school" >/dev/null  # R-000003
"$CV" file "$C" "$T/d/scan.png" --class report --date 2026-04-01 --title "Report naming Patricia Jones" >/dev/null  # R-000004
"$CV" note "$C" --class case-note --date 2026-05-01 --title "Neighbour statement" <"$T/note3.txt" >/dev/null  # R-000005
"$CV" note "$C" --class cp-note --cp --date 2026-03-05 --title "Referral to childrens social care" --text "$CPTEXT" >/dev/null  # R-000006
"$CV" file "$C" "$T/d/report.odt" --class cp-report --cp --date 2026-03-06 --title "CP conference minutes" >/dev/null  # R-000007
"$CV" note "$L" --class phone-call --title "LINKED-TITLE" --text "LINKED-SECRET Jordan Linkside account of the weekend" >/dev/null  # R-000008
for i in 1 2 3 4 5 6 7 8; do test "$(db "SELECT count(*) FROM records WHERE id = 'R-00000$i'")" = 1 || { echo "record R-00000$i missing"; exit 1; }; done

R=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-11-02 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')

# ---- defaults and decisions ----
run_cv --json request show "$R"
dec() { python3 -c 'import json,sys; d={r["record"]: r["decision"] for r in json.load(open(sys.argv[1]))["request"]["records"]}; print(d.get(sys.argv[2], "absent"))' "$T/out" "$1"; }
check "text note: redact by default" test "$(dec R-000001)" = redact
check "born-digital PDF: its words are read, redact by default" test "$(dec R-000003)" = redact
check "scan in a case naming third parties: needs a decision" test "$(dec R-000004)" = needs-decision
check "CP note: withheld by default" test "$(dec R-000006)" = withhold
check "CP report: withheld by default" test "$(dec R-000007)" = withhold
check "the linked case's record is not in scope" test "$(dec R-000008)" = absent
expect_fail "bundle refused while records need a decision" request bundle "$R" -o "$T/early.zip" --show-passphrase
check "  names the record" grep -q "R-000004" "$T/err"
check "  and wrote nothing" test ! -e "$T/early.zip"

"$CV" --as "$CW" request decide "$R" R-000003 --release --reason "school letter, no third party" >/dev/null
"$CV" --as "$CW" request decide "$R" R-000005 --withhold sch2-para16 --reason "neighbour's account, no consent" >/dev/null
# a redacted copy of the scan
convert -size 64x48 xc:white "$T/scan-redacted.png" 2>/dev/null || cp "$T/d/scan.jpg" "$T/scan-redacted.png"
# the original itself, unchanged, is not a redacted copy
"$CV" get R-000004 --purpose test-copy -o "$T/unredacted-original" 2>/dev/null
before=$(tree_hash "$V")
expect_fail "attaching the original, unchanged, as its redacted copy is refused" --as "$CW" request attach "$R" R-000004 "$T/unredacted-original"
check "  the message says to redact it first" grep -q "is R-000004 itself, unchanged: redact it" "$T/err"
check "  and nothing changed" test "$before" = "$(tree_hash "$V")"
run_cv --as "$CW" request attach "$R" R-000004 "$T/scan-redacted.png"
check "a redacted copy is attached (exit $RC)" test "$RC" -eq 0
COPY=$(db "SELECT copy_record FROM decisions WHERE decision = 'copy'")

# ---- 3. child-protection: only a cp-lead or manager releases ----
expect_fail "a caseworker cannot release a CP record" --as "$CW" request decide "$R" R-000006 --release --reason "parent should see it"
expect_fail "a caseworker cannot redact-release a CP record" --as "$CW" request decide "$R" R-000006 --redact --reason "x"
check "  the refusal is in the audit trail" sh -c "'$CV' audit show | grep 'refused' | grep -q R-000006"
expect_fail "a caseworker cannot build a bundle of a case with CP records" --as "$CW" request bundle "$R" -o "$T/cw.zip" --show-passphrase
check "  and wrote nothing" test ! -e "$T/cw.zip"

# ---- 2. the bundle ----
run_cv --as "$CPL" request bundle "$R" -o "$T/sar.zip" --show-passphrase
check "the cp-lead builds the bundle (exit $RC: $ERR)" test "$RC" -eq 0
PASS=$(sed -n 's/^passphrase.*: //p' "$T/out")
check "a passphrase of 5 groups of 5 is printed once" sh -c "printf '%s' '$PASS' | grep -Eqx '([a-z2-9]{5}-){4}[a-z2-9]{5}' && test \$(grep -c passphrase '$T/out') -eq 1"
check "the passphrase is stored nowhere in the vault" not grep -rqaF "$PASS" "$V"
check "no temporary file is left beside the bundle" test "$(ls -A "$T" | grep -c casevault-bundle)" -eq 0
mkdir "$T/x"
check "7z opens the bundle with the printed passphrase" sh -c "cd '$T/x' && 7z x -p'$PASS' '$T/sar.zip' >/dev/null"
check "7z refuses a wrong passphrase" not sh -c "cd '$T' && mkdir -p y && cd y && 7z x -pwrong '$T/sar.zip' >/dev/null 2>&1"
ls "$T/x" >"$T/members"
check "members: letter, indexes and 001..004 with no gap" test "$(tr '\n' ' ' <"$T/members")" = "001.txt 002.pdf 003.txt 004.png index.html index.json letter.txt "
# date order: 15 Jan note2, 1 Feb letter, 2 Mar note1, 1 Apr scan copy
check "001 is the meeting note, byte for byte" cmp -s "$T/x/001.txt" "$T/note2.txt"
check "002 is the school letter: the same words" test "$(pdftotext "$T/x/002.pdf" -)" = "$(pdftotext "$T/d/letter.pdf" -)"
check "  without its metadata" not sh -c "pdfinfo '$T/x/002.pdf' | grep -Eq '^(Producer|CreationDate):'"
check "003 is the phone call, exactly as redacted" cmp -s "$T/x/003.txt" "$T/note1.expected"
check "004 is the attached redacted copy: the same pixels" test "$(convert "$T/x/004.png" rgba:- | sha256sum)" = "$(convert "$T/scan-redacted.png" rgba:- | sha256sum)"
if ! cmp -s "$T/x/003.txt" "$T/note1.expected"; then diff "$T/x/003.txt" "$T/note1.expected"; fi
for s in Patricia Jones Quillfeather Vera "vera.q@example.org" "07700 900456" 07700900123 "7700 900123" "QQ 12 34 56 C" "943 476 5919" \
	 "someone@else.org.uk" SECRETCP bruising LADO "Referral to" "childrens social" "CP conference" WITHHELD-MAIN "Neighbour statement" \
	 LINKED-SECRET LINKED-TITLE Linkside R-0000 "$C" "$L" cp-note cp-report sch2 sch3 "Child protection" withheld "$COPY"; do
	# the letter's one fixed sentence says "may have been withheld" in every bundle alike (rule 5)
	check "no member holds '$s'" not sh -c 'grep -rhiaF -- "$1" "$2" | grep -qv "may have been withheld under the exemptions"' sh "$s" "$T/x"
done
check "the only 'withheld' is the letter's fixed sentence" test "$(grep -rhiaF withheld "$T/x")" = "Some information may have been withheld under the exemptions in the Data"
check "the requester's own name is disclosed" grep -q "Alex Example" "$T/x/003.txt"
check "a professional in role is disclosed" grep -q "Mrs Teach the SENCO" "$T/x/003.txt"
check "the cover letter names the requester and the due date" sh -c "grep -q 'Dear Alex Example' '$T/x/letter.txt' && grep -q 2026-12-02 '$T/x/letter.txt'"
check "the letter has the rule-5 information (ICO complaint)" grep -q "Information Commissioner" "$T/x/letter.txt"
check "index.json lists numbers 1..4 with dates, kinds and titles" python3 -c '
import json,sys; d = json.load(open(sys.argv[1]))["documents"]
assert [x["number"] for x in d] == [1, 2, 3, 4], d
assert [x["file"] for x in d] == ["001.txt", "002.pdf", "003.txt", "004.png"]
assert d[1]["title"] == "Letter from school" and d[1]["kind"].startswith("Letter")
assert d[3]["title"] == "Report naming [redacted]", d[3]
assert all(x["date"] for x in d)' "$T/x/index.json"
7z l -slt -p"$PASS" "$T/sar.zip" >"$T/listing"
check "every member has the same time" test "$(grep '^Modified' "$T/listing" | sort -u | wc -l)" -eq 1
check "every member is AES-256 encrypted" test "$(grep -c '^Method = AES-256' "$T/listing")" -eq 7
check "the ZIP has no comment" not grep -q '^Comment = .' "$T/listing"
sha=$(sha256sum "$T/sar.zip" | cut -d' ' -f1)
run_cv --as "$CPL" request log "$R"
check "the log keeps the bundle's SHA-256" grep -q "$sha" "$T/out"
check "the log records the withheld CP note with its ground" sh -c "grep -A1 'R-000006' '$T/out' | grep -q sch3-para21"
check "the log records the withheld main record with its ground" sh -c "grep -A1 'R-000005' '$T/out' | grep -q sch2-para16"
check "the log keeps the copy as the source of 004" grep -q "R-000004 *$COPY *4 *redacted" "$T/out"
expect_fail "a second bundle never overwrites the first" --as "$CPL" request bundle "$R" -o "$T/sar.zip" --show-passphrase

# ---- 3 again: released after a cp-lead's decision ----
run_cv --as "$CPL" request decide "$R" R-000006 --release --reason "in the child's interests; parent already told"
check "a cp-lead releases the CP note (exit $RC)" test "$RC" -eq 0
run_cv --as "$CPL" request bundle "$R" -o "$T/sar2.zip" --show-passphrase
check "the second bundle is built (exit $RC: $ERR)" test "$RC" -eq 0
PASS2=$(sed -n 's/^passphrase.*: //p' "$T/out")
mkdir "$T/x2" && (cd "$T/x2" && 7z x -p"$PASS2" "$T/sar2.zip" >/dev/null)
check "now the CP note is disclosed, as filed" grep -rqF "$CPTEXT" "$T/x2"
check "and numbering has no gap (5 documents)" test "$(ls "$T/x2" | grep -c '^00[1-5]\.')" -eq 5
check "the other CP record is still absent" not grep -rqa "CP conference" "$T/x2"
check "the decision names the cp-lead and role" test "$(db "SELECT decided_by || ' ' || decider_role FROM decisions WHERE record_id = 'R-000006'")" = "$CPL cp-lead"

# ---- fail closed: a released text that quotes withheld material ----
"$CV" --as "$CPL" request decide "$R" R-000006 --withhold sch3-para21 --reason "reconsidered" >/dev/null
"$CV" note "$C" --class case-note --date 2026-06-01 --title "Summary" --text "Summary for the file: $CPTEXT" >/dev/null
before=$(ls -A "$T" | sort)
run_cv --as "$CPL" request bundle "$R" -o "$T/leak.zip" --show-passphrase
check "a released note quoting the withheld CP note fails the bundle (exit $RC)" test "$RC" -eq 1
check "  one line naming the record, not its content: $ERR" sh -c "test \$(grep -c '' '$T/err') -eq 1 && grep -q 'R-0000' '$T/err' && ! grep -q SECRETCP '$T/err'"
check "  and the bundle is deleted, nothing left behind" test "$(ls -A "$T" | sort)" = "$before"

# ---- the OpenPGP form ----
"$CV" --as "$CPL" request decide "$R" R-000010 --withhold sch3-para21 --reason "quotes CP material" >/dev/null
mkdir -p -m 700 "$T/rk/gnupg"
GNUPGHOME=$T/rk/gnupg gpg --batch --passphrase '' --quick-gen-key "Alex Example <alex@example.org>" future-default default never 2>/dev/null
GNUPGHOME=$T/rk/gnupg gpg --export -a >"$T/alex.asc"
run_cv --as "$CPL" request bundle "$R" -o "$T/sar.zip.gpg" --recipient "$T/alex.asc"
check "bundle for an OpenPGP recipient (exit $RC: $ERR)" test "$RC" -eq 0
check "  prints no passphrase" not grep -q passphrase "$T/out"
check "  the vault's keyring did not get the key" not sh -c "GNUPGHOME='$V/gnupg' gpg --list-keys 2>/dev/null | grep -q alex@example.org"
sha=$(sha256sum "$T/sar.zip.gpg" | cut -d' ' -f1)
run_cv --as "$CPL" request log "$R"
check "  the log keeps the SHA-256 of the encrypted file" grep -q "$sha" "$T/out"
GNUPGHOME=$T/rk/gnupg gpg -q --batch -d "$T/sar.zip.gpg" >"$T/p.zip" 2>/dev/null
mkdir "$T/x3" && (cd "$T/x3" && 7z x "$T/p.zip" >/dev/null)
check "gpg and 7z open it: the same members" test "$(ls "$T/x3" | tr '\n' ' ')" = "001.txt 002.pdf 003.txt 004.png index.html index.json letter.txt "
check "  the redacted call is the same" cmp -s "$T/x3/003.txt" "$T/note1.expected"
for s in Patricia Quillfeather SECRETCP WITHHELD-MAIN LINKED-SECRET R-0000; do
	check "  no member holds '$s'" not grep -rqiaF -- "$s" "$T/x3"
done

# ---- nothing of this in clear in the vault ----
for s in Patricia Quillfeather "vera.q@example.org" "Alex Example"; do
	check "'$s' is nowhere in clear under the vault" not grep -rqaF -- "$s" "$V"
done
run_cv verify
check "verify passes after it all (exit $RC)" test "$RC" -eq 0

# ---- key rotation re-seals every sealed column of requests, people, decisions, the log ----
run_cv staff revoke "$CPL"
check "revoking the cp-lead rotates both section keys (exit $RC)" test "$RC" -eq 0
run_cv request log "$R"
check "  the log's grounds still open under the new keys" grep -q "ground: sch2-para16" "$T/out"
run_cv --json request show "$R"
check "  decisions' reasons still open" grep -q "neighbour's account, no consent" "$T/out"
run_cv case person list "$C"
check "  the people named still open" grep -q "Quillfeather, 07700 900123, vera.q@example.org" "$T/out"

# ---- who and when, both (docs/json.md): the log's decision times, who added and revoked ----
run_cv --json request log "$R"
check "every log item says when it was decided: the policy's at the bundle's time, a person's at their decision" \
	python3 -c '
import json, sqlite3, sys
log = json.load(open(sys.argv[1]))
db = sqlite3.connect("file:" + sys.argv[2] + "?mode=ro", uri=True)
n = 0
for b in log["bundles"]:
    for it in b["records"]:
        n += 1
        if it["decided_by"] == "policy":
            assert it["decided_at"] == b["built_at"], it
        else:
            at = [r[0] for r in db.execute("SELECT decided_at FROM decisions WHERE record_id = ? AND decided_by = ?",
                                         (it["record"], it["decided_by"]))]
            assert it["decided_at"] in at, (it, at)
assert n > 0
' "$T/out" "$V/vault.db"
run_cv --json staff list
check "staff list says who added and who revoked the cp-lead" python3 -c '
import json, sys
s = {p["id"]: p for p in json.load(open(sys.argv[1]))["staff"]}
assert s["S-0001"].get("added_by") == "S-0001", s
assert s[sys.argv[2]]["added_by"] == "S-0001" and s[sys.argv[2]]["revoked_by"] == "S-0001", s[sys.argv[2]]
assert s["S-0001"]["revoked_by"] is None
' "$T/out" "$CPL"

finish
