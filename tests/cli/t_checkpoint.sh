#!/bin/bash
# Signed audit checkpoints and signed certificates of destruction
# (docs/architecture.md, The audit trail): someone who can write every file
# of the vault deletes, inserts or edits audit events, or replaces a
# certificate, and recomputes every hash exactly as vault/core/audit.c does;
# each is caught up to the last checkpoint a staff key signed.  The purge
# key signs the scheduled purge's certificates, a manager counter-signs them
# at the next unlock, and the purge key can act as nobody.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

# rechain [SQL]: run SQL on the audit table, then renumber the events and
# recompute every prev and hash and audit.head, as core/audit.c computes them.
rechain() {
	python3 - "$V" "${1:-}" <<'PY'
import hashlib, sqlite3, sys
vault, sql = sys.argv[1], sys.argv[2]
db = sqlite3.connect(vault + "/vault.db")
if sql:
    db.executescript(sql)
rows = db.execute("SELECT time, actor, action, ids, outcome FROM audit ORDER BY seq").fetchall()
db.execute("DELETE FROM audit")
prev = ""
for seq, (time, actor, action, ids, outcome) in enumerate(rows, 1):
    text = "casevault-audit/1\n%d\n%s\n%s\n%s\n%s\n%s\n%s\n" % (seq, time, actor, action, ids, outcome, prev)
    h = hashlib.sha256(text.encode()).hexdigest()
    db.execute("INSERT INTO audit(seq, time, actor, action, ids, outcome, prev, hash) VALUES(?,?,?,?,?,?,?,?)",
               (seq, time, actor, action, ids, outcome, prev, h))
    prev = h
db.commit()
open(vault + "/audit.head", "w").write("%d %s\n" % (len(rows), prev))
PY
}
caught() { # caught DESCRIPTION: audit verify fails, naming a signed checkpoint
	run_cv audit verify
	if [ "$RC" -eq 1 ] && grep -q "checkpoint [0-9]* (signed by S-0001" <<<"$OUT"; then ok "$1 ($OUT)"
	else fail "$1: exit $RC: $OUT $ERR"; fi
}
signed_past() { # signed_past SEQ: unlock (ls) until a checkpoint signs event SEQ or later (core/checkpoint.h: one unlock in CV_CHECKPOINT_EVERY events)
	local i
	for i in $(seq 30); do
		[ "$(db "SELECT coalesce(max(seq), 0) FROM checkpoints")" -ge "$1" ] && return 0
		"$CV" ls "$C" >/dev/null
	done
	return 1
}
verify_names() { # verify_names DESCRIPTION PATTERN: verify fails and says PATTERN
	run_cv verify
	if [ "$RC" -ne 0 ] && grep -q "$2" <<<"$OUT$ERR"; then ok "$1"; else fail "$1: exit $RC: $OUT $ERR"; fi
}

at 2015-01-10
new_test_vault
PK=$(db "SELECT value FROM meta WHERE key = 'purge_key'")
check "init made a purge key ($PK)" grep -Eq '^[0-9A-F]{40}$' <<<"$PK"
C=$(new_case "Alex Example" "Sam Example" 2012-02-01)
D=$(new_case "Dana Gone" "Dee Gone" 2010-05-05)
printf 'A letter about Sam.\n' >"$T/a.txt"
printf 'A letter about Dee.\n' >"$T/d1.txt"
printf 'Another letter about Dee.\n' >"$T/d2.txt"
AUD=$("$CV" staff add "Ann Auditor" --role auditor --no-passphrase); "$CV" staff attest "$AUD" >/dev/null
"$CV" file "$C" "$T/a.txt" --class letter >/dev/null
"$CV" file "$D" "$T/d1.txt" --class letter >/dev/null
R=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2015-01-10 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
"$CV" request decide "$R" R-000001 --release --reason "the parent's own letter" >/dev/null
run_cv request bundle "$R" -o "$T/sar.zip" --show-passphrase
check "a disclosure: the bundle is built (exit $RC)" test "$RC" -eq 0
# A disclosure is consequential: its own command signs the head after its commit,
# whatever the cadence, so no later unlock is needed (docs/architecture.md, The audit trail).
bundled=$(db "SELECT max(seq) FROM audit WHERE action = 'request.bundle'")
check "the bundle's own command signed a checkpoint covering its event $bundled" \
	test "$(db "SELECT max(seq) FROM checkpoints")" -eq "$bundled"
run_cv audit verify
check "audit verify passes and says what is proven" grep -q "^proven: up to event [0-9]* .*by checkpoint [0-9]* signed by S-0001" <<<"$OUT"
check "every checkpoint row is signed by S-0001's key" test "$(db "SELECT count(*) FROM checkpoints WHERE staff_id = 'S-0001' AND sig LIKE '-----BEGIN PGP SIGNATURE-----%'")" -ge 2
ls_before=$(db "SELECT count(*) FROM checkpoints")
"$CV" ls "$C" >/dev/null
check "  an ls after it signs none (one in ten events)" test "$(db "SELECT count(*) FROM checkpoints")" -eq "$ls_before"
check "  and not at every unlock (one in ten events at most)" test "$(db "SELECT count(*) FROM checkpoints")" -lt "$(db "SELECT count(*) FROM audit WHERE actor = 'S-0001'")"
check "the disclosure's events are in the trail" test "$(db "SELECT count(*) FROM audit WHERE action IN ('request.decide', 'request.bundle')")" -ge 2
snapshot

# ---- the trail rewritten, every hash recomputed ----
rechain "DELETE FROM audit WHERE action IN ('request.decide', 'request.bundle') OR (action = 'request.open' AND ids LIKE '%$R%')"
check "  (control: the disclosure's events are gone and the chain itself is consistent)" \
	test "$(db "SELECT count(*) FROM audit WHERE action LIKE 'request.%'")" -eq 0
caught "deleting the events of a disclosure (request open, decide, bundle) is caught"
restore
rechain "INSERT INTO audit(seq, time, actor, action, ids, outcome, prev, hash)
	SELECT seq - 0.5, time, actor, 'record.get', 'R-000002', 'ok', '', '' FROM audit WHERE action = 'request.bundle';"
caught "inserting a 'record.get' event before the last checkpoint is caught"
restore
rechain "UPDATE audit SET actor = 'S-0002' WHERE action = 'request.bundle'"
caught "editing the actor of the 'request.bundle' event is caught"
restore
# The same deletion, with the checkpoint rows made to match the new chain: the signature breaks.
rechain "DELETE FROM audit WHERE action = 'request.bundle'"
python3 - "$V" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1] + "/vault.db")
prev = ""
for n, seq, staff, fpr, created in db.execute("SELECT number, seq, staff_id, fpr, created FROM checkpoints ORDER BY number").fetchall():
    h = db.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()[0]
    db.execute("UPDATE checkpoints SET hash = ?, prev_sha256 = ? WHERE number = ?", (h, prev, n))
    text = "casevault-checkpoint/1\nnumber %d\nseq %d\nhash %s\nstaff %s\nfpr %s\ncreated %s\nprevious %s\n" % (
        n, seq, h, staff, fpr, created, prev or "-")
    prev = hashlib.sha256(text.encode()).hexdigest()
db.commit()
PY
run_cv audit verify
check "checkpoints rewritten to match: the newest one's signature does not hold ($OUT)" grep -q "is not validly signed" <<<"$OUT"
restore
# The limit: with every checkpoint from the edited event on deleted too, the trail
# is proven only up to the checkpoint before the edit, and says so to an auditor
# (who holds no keyslip, so signs no checkpoint).  A manager's next unlock would
# sign the new head: only a head kept outside the vault (--expect) or a signed
# filing receipt made after the events catches that (docs/security.md).
first=$(db "SELECT min(seq) FROM audit WHERE action = 'request.bundle'")
sqlite3 "$V/vault.db" "DELETE FROM checkpoints WHERE seq >= $first"
left=$(db "SELECT max(seq) FROM checkpoints")
rechain "DELETE FROM audit WHERE action = 'request.bundle'"
run_cv --as "$AUD" audit verify
check "checkpoints cut off with the events: proven only before the edit ($OUT)" \
	grep -q "proven: up to event $left .*events after $left are chained but unsigned" <<<"$OUT"
restore

# ---- the consequential commands sign their own events at once ----
consequential() { # consequential ACTION COMMAND...: the command's event ACTION is the newest checkpoint's
	local action=$1 ev
	shift
	"$CV" "$@" >/dev/null
	ev=$(db "SELECT max(seq) FROM audit WHERE action = '$action'")
	check "'$*' ($action, event ${ev:-none}) is signed by its own command" \
		test "${ev:-0}" -gt 0 -a "$(db "SELECT max(seq) FROM checkpoints")" -eq "${ev:-0}"
}
consequential hold.add hold add "$C" --reason "a complaint is open"
consequential hold.release hold release "$(db "SELECT max(id) FROM holds")"
consequential staff.add staff add "Cy Worker" --role caseworker --no-passphrase
signed=$(db "SELECT max(seq) FROM checkpoints")
"$CV" case open --parent "Pat Other" --child "Kim Other" --child-dob 2013-03-03 --pr-confirmed >/dev/null
check "an ordinary command (case open) signs nothing at its end before ten events" test "$(db "SELECT max(seq) FROM checkpoints")" -eq "$signed"
run_cv audit verify
check "  audit verify passes after them ($OUT)" test "$RC" -eq 0
snapshot
# The disclosure's events deleted once more, with the hold's and staff events after it kept:
rechain "DELETE FROM audit WHERE action IN ('request.decide', 'request.bundle')"
caught "deleting the disclosure's events (request.decide, request.bundle) under later checkpoints is caught"
restore

# ---- the purge key acts as nobody ----
check "the purge key has no staff row" test "$(db "SELECT count(*) FROM staff WHERE fpr = '$PK'")" -eq 0
check "  and no keyslip" test "$(db "SELECT count(*) FROM keyslips k JOIN staff s ON s.id = k.staff_id WHERE s.fpr = '$PK'")" -eq 0
check "  its secret is not in the vault's keyring" not gpg --homedir "$V/gnupg" --batch --list-secret-keys "$PK"
check "  but in its own home, 0700" test "$(stat -c %a "$V/purge-key")" = 700
sqlite3 "$V/vault.db" "INSERT INTO staff(id, seq, role, fpr, os_uid, created) VALUES('S-0009', 9, 'manager', '$PK', NULL, '2015-01-10T00:00:00Z');
	INSERT INTO attestations SELECT 'S-0009', date, policy_version, recorded_by, recorded_at FROM attestations WHERE staff_id = 'S-0001' ORDER BY rowid DESC LIMIT 1"
expect_fail "its fingerprint as an actor (a forged, attested manager row) is refused" --as S-0009 ls "$C"
check "  for want of its secret key in the vault's keyring" grep -Eq "no secret key|find the acting staff member.s secret key" <<<"$ERR"
expect_fail "  also where a signature would do (audit show)" --as S-0009 audit show
check "  for want of its secret key in the vault's keyring" grep -Eq "no secret key|find the acting staff member.s secret key" <<<"$ERR"
# A checkpoint signed by the purge key (stock gpg, with its own home) names S-0009.
python3 - "$V" "$PK" <<'PY'
import hashlib, sqlite3, subprocess, sys
vault, pk = sys.argv[1], sys.argv[2]
db = sqlite3.connect(vault + "/vault.db")
last = db.execute("SELECT number, seq, hash, staff_id, fpr, created, prev_sha256 FROM checkpoints ORDER BY number DESC LIMIT 1").fetchone()
def stmt(n, seq, h, staff, fpr, created, prev):
    return "casevault-checkpoint/1\nnumber %d\nseq %d\nhash %s\nstaff %s\nfpr %s\ncreated %s\nprevious %s\n" % (
        n, seq, h, staff, fpr, created, prev or "-")
prev = hashlib.sha256(stmt(*last).encode()).hexdigest()
seq, h = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
text = stmt(last[0] + 1, seq, h, "S-0009", pk, "2015-01-10T00:00:00Z", prev)
sig = subprocess.run(["gpg", "--homedir", vault + "/purge-key", "--batch", "--armor", "--detach-sign", "-u", pk],
                     input=text.encode(), capture_output=True, check=True).stdout.decode()
db.execute("INSERT INTO checkpoints VALUES(?,?,?,?,?,?,?,?)", (last[0] + 1, seq, h, "S-0009", pk, "2015-01-10T00:00:00Z", prev, sig))
db.commit()
PY
run_cv audit verify
check "a checkpoint signed by the purge key is refused ($OUT)" grep -q "signed by the purge key, which signs nothing as a staff member" <<<"$OUT"
GNUPGHOME=$V/purge-key gpgconf --kill all 2>/dev/null
restore

# ---- certificates: the scheduled purge signs with the purge key, a manager counter-signs ----
at 2015-02-01
"$CV" case close "$D" --date 2015-02-01 >/dev/null
# D's data is kept past its last record (a request is open on its linked case C), so that a
# second letter can be filed into it below (docs/legal-rules.md LR-12, storage limitation)
"$CV" case link "$C" "$D" >/dev/null
at 2022-03-01
run_cv purge --scheduled
check "the scheduled purge destroys D's letter ($OUT)" grep -q "destroyed 1 record" <<<"$OUT"
check "certificate 1 is signed by the purge key, not yet counter-signed" \
	test "$(db "SELECT group_concat(kind || ':' || signer || ':' || fpr) FROM certificate_sigs WHERE number = 1")" = "signed:purge-key:$PK"
"$CV" case show "$C" >/dev/null                  # a manager's unlock
check "  a manager's next unlock counter-signs it" \
	test "$(db "SELECT signer FROM certificate_sigs WHERE number = 1 AND kind = 'countersigned'")" = S-0001
run_cv --json certificates show 1
check "  certificates show --json says so" python3 -c '
import json,sys; s=json.load(sys.stdin)["signatures"]
sys.exit(not (s["signed_by"] == "purge-key" and s["signed_ok"] and s["countersigned_by"] == "S-0001" and s["countersigned_ok"]))' <<<"$OUT"
run_cv certificates show 1 --signatures
check "after a manager's unlock it is counter-signed by S-0001 ($OUT)" grep -q "signed by purge-key at .*; counter-signed by S-0001 at" <<<"$OUT"
check "  the purge event names the certificate's SHA-256" \
	test "$(db "SELECT count(*) FROM audit a JOIN certificates c ON a.ids = 'certificate-1 sha256-' || c.sha256 WHERE c.number = 1")" -eq 1
check "  the signature checks with stock gpg" gpg --homedir "$V/gnupg" --batch --verify \
	<(db "SELECT sig FROM certificate_sigs WHERE number = 1 AND kind = 'signed'") "$V/certificates/1.json"

# A manager's purge signs with the manager's key.
"$CV" file "$D" "$T/d2.txt" --class letter --date 2015-01-15 >/dev/null
"$CV" case reopen "$D" >/dev/null; "$CV" case close "$D" --date 2015-02-01 >/dev/null
run_cv purge
check "a manager's purge destroys the second letter ($OUT)" grep -q "destroyed 1 record" <<<"$OUT"
run_cv certificates show 2 --signatures
check "certificate 2 is signed by S-0001 ($OUT)" grep -q "^certificate 2: signed by S-0001 at" <<<"$OUT"
run_cv verify
check "verify passes with signed certificates (exit $RC: $ERR)" test "$RC" -eq 0
check "  (a checkpoint signs the purge's event)" signed_past "$(db "SELECT max(seq) FROM audit WHERE ids LIKE 'certificate-2 %'")"
snapshot

# The certificate edited (who ran it), its hash recomputed in the index and in the file.
python3 - "$V" <<'PY'
import hashlib, sqlite3, sys
vault = sys.argv[1]
db = sqlite3.connect(vault + "/vault.db")
body = db.execute("SELECT body FROM certificates WHERE number = 2").fetchone()[0].replace('"run_by": "S-0001"', '"run_by": "S-0002"')
db.execute("UPDATE certificates SET body = ?, sha256 = ?, run_by = 'S-0002' WHERE number = 2", (body, hashlib.sha256(body.encode()).hexdigest()))
db.commit()
open(vault + "/certificates/2.json", "w").write(body)
PY
verify_names "a certificate edited (actor changed), hashes recomputed: its signature fails" "certificate 2.*signed by S-0001, but run by S-0002"
verify_names "  and its purge event names another SHA-256" "certificate 2.*its purge event names"
restore
sqlite3 "$V/vault.db" "DELETE FROM certificate_sigs WHERE number = 2"
verify_names "a certificate's signature removed: verify says it is not signed" "certificate 2.*is not signed"
restore
# Everything rewritten: the certificate, its hashes, and its purge event with the chain.
python3 - "$V" <<'PY'
import hashlib, sqlite3, sys
vault = sys.argv[1]
db = sqlite3.connect(vault + "/vault.db")
body = db.execute("SELECT body FROM certificates WHERE number = 2").fetchone()[0].replace('"run_by": "S-0001"', '"run_by": "schedule"')
sha = hashlib.sha256(body.encode()).hexdigest()
db.execute("UPDATE certificates SET body = ?, sha256 = ?, run_by = 'schedule' WHERE number = 2", (body, sha))
db.execute("UPDATE audit SET ids = ? WHERE ids LIKE 'certificate-2 %'", ("certificate-2 sha256-" + sha,))
db.execute("DELETE FROM certificate_sigs WHERE number = 2")
db.commit()
open(vault + "/certificates/2.json", "w").write(body)
PY
rechain
caught "a certificate replaced with its purge event and every hash recomputed is caught by the checkpoint"
restore
finish
