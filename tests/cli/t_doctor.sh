#!/bin/bash
# casevault doctor (docs/commands/doctor.md): a fresh vault reports what
# needs doing (no backup yet, the purge timer not enabled) and exits 1;
# each is fixed by doing what its line says (a backup, the timer's symlink,
# a purge of what is overdue) until "all is well" and exit 0; then each bad
# state is named with exit 1: vault.db group-writable, an edited policy
# file, an attestation about to lapse, a purge overdue.  --json says the
# same.  doctor changes nothing (the vault's files are the same after it).
# The systemd tree is a stand-in (CASEVAULT_SYSTEMD_ROOT), real gpg and
# SQLite otherwise.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

at 2015-01-10
new_test_vault
SD=$T/sd
mkdir -p "$SD/run/systemd/system" "$SD/etc/systemd/system"
export CASEVAULT_SYSTEMD_ROOT=$SD
# line CHECK: doctor's line for CHECK from the last run ("STATE CHECK TEXT")
line() { awk -v c="$1" '$2 == c' <<<"$OUT"; }
state() { line "$1" | awk '{print $1}'; }
# has CHECK STATE REGEX: doctor's last run gave CHECK this state, its line matching REGEX
has() { [ "$(state "$1")" = "$2" ] && line "$1" | grep -Eq -- "$3"; }
last_line() { tail -n 1 <<<"$OUT" | grep -Eq -- "$1"; }
# the disk's state here, by doctor's own thresholds (1 GiB and 10% free)
DISK=$(python3 -c 'import os, sys; s=os.statvfs(sys.argv[1]); a=s.f_bavail*s.f_frsize; t=s.f_blocks*s.f_frsize; print("todo" if a < 2**30 or a*100//t < 10 else "ok")' "$V")

# the command before folds the index's write-ahead log into vault.db as it closes: doctor then finds it so
"$CV" doctor >/dev/null
snapshot_hash=$(tree_hash "$V")
run_cv doctor
check "a fresh vault: doctor exits 1 (something needs doing)" test "$RC" -eq 1
check "a fresh vault: no backup yet, and the command to run ($(line backup))" \
	has backup todo "no backup yet: run 'casevault backup "
check "a fresh vault: the purge timer is not enabled, and how to enable it" \
	has timer todo "systemctl enable --now casevault-purge.timer"
check "a fresh vault: the policy is the adopted one, attestations hold, files are private, nothing overdue" \
	test "$(state policy) $(state attestations) $(state permissions) $(state purge)" = "ok ok ok ok"
check "the audit head to write down is given, in the form audit verify --expect takes" \
	has audit-head note "audit head [0-9]+:[0-9a-f]{16} "
check "the last line counts what needs doing" last_line "^2 things need doing"
check "doctor changed nothing in the vault" test "$(tree_hash "$V")" = "$snapshot_hash"
HEAD=$(line audit-head | grep -Eo '[0-9]+:[0-9a-f]{16}' | head -n 1)
run_cv audit verify --expect "$HEAD"
check "the head doctor gives is the one audit verify --expect proves" test "$RC" -eq 0

run_cv --json doctor
check "--json: exit 1, todo 2, every check named in order with its state and text" \
	python3 -c '
import json, sys
j = json.loads(sys.argv[1]); rc = int(sys.argv[2])
names = [c["check"] for c in j["checks"]]
want = ["purge", "certificate", "timer", "backup", "policy", "attestations", "consents", "disk", "ocr", "permissions", "audit-head"]
assert rc == 1 and j["ok"] is True and j["todo"] == 2, (rc, j["todo"])
assert names == want, names
assert all(c["state"] in ("ok", "note", "todo", "unknown") and c["text"] for c in j["checks"])
assert sum(c["state"] == "todo" for c in j["checks"]) == 2
' "$OUT" "$RC"
rm -r "$SD/run/systemd"
run_cv doctor
check "without systemd the timer is unknown, with what to do instead" has timer unknown "from cron"
mkdir -p "$SD/run/systemd/system"

# ---- fixing what it named ----
mkdir -p "$SD/etc/systemd/system/timers.target.wants"
ln -s /lib/systemd/system/casevault-purge.timer "$SD/etc/systemd/system/timers.target.wants/"
A=$(new_case "A Parent" "A Child" 2010-05-05)
printf 'A letter\n' >"$T/a.txt"
"$CV" file "$A" "$T/a.txt" --class letter >/dev/null
at 2015-02-01
"$CV" case close "$A" --date 2015-02-01 >/dev/null
at 2022-03-01
run_cv doctor
check "a record left past its destruction date: the purge line says how many and to run the purge ($(line purge))" \
	has purge todo "1 records were due for destruction before today.*run 'casevault purge'"
check "the timer, once enabled, is ok" has timer ok "is enabled"
run_cv purge
check "control: the purge destroys the record" test "$RC" -eq 0
# the audit trail keeps real times: the backup's age is counted from the real day
NOW=$(date -u +%F)
at "$NOW"
head -c 24 /dev/urandom | base64 >"$T/secret"
mkdir -m 700 "$T/bk"
"$CV" backup "$T/bk/data.pgp" --keys "$T/bk/keys.pgp" --secret-file "$T/secret" >/dev/null
# the purge erased the closed case too (docs/legal-rules.md, storage limitation): its
# certificate of that erasure is the newest one
run_cv doctor
check "after the purge: nothing overdue, and the certificate is named" \
	bash -c "$(declare -f line state has); OUT=\$1; has purge ok 'no destruction overdue' && has certificate note 'certificate of destruction: number [0-9]* of '" _ "$OUT"
check "after a backup: it is ok, and key-store backups' expiry is said ($(line keystore-backups))" \
	bash -c "$(declare -f line state has); OUT=\$1; has backup ok 'last backup' && has keystore-backups note 'made before $(date -u -d "$NOW -35 days" +%F) \(keystore_backup_days: 35\)'" _ "$OUT"
if [ "$DISK" = ok ]; then
	check "all fixed: 'all is well' and exit 0" bash -c "[ $RC -eq 0 ] && tail -n 1 <<<\"\$1\" | grep -qx 'all is well'" _ "$OUT"
else
	check "all fixed but the disk (nearly full on this machine): exit 1 for the disk alone" \
		bash -c "[ $RC -eq 1 ] && [ \$(grep -c '^todo' <<<\"\$1\") = 1 ]" _ "$OUT"
fi
RC_GOOD=$RC

# ---- each bad state named ----
chmod g+w "$V/vault.db"
run_cv doctor
check "vault.db group-writable: permissions names it and says what to run, exit 1" \
	bash -c "[ $RC -eq 1 ] && $(declare -f line state has); OUT=\$1; has permissions todo 'vault.db \(group/world-writable, mode 620\).*chmod -R go-rwx'" _ "$OUT"
chmod g-w "$V/vault.db"
chmod o+r "$V/archives"
run_cv doctor
check "the archives directory world-readable: named too" \
	bash -c "[ $RC -eq 1 ] && $(declare -f line state has); OUT=\$1; has permissions todo 'archives \(group/world-readable'" _ "$OUT"
chmod o-r "$V/archives"
cp "$V/policies/retention.ini" "$T/retention.ini"
printf '\n; an edit nobody adopted\n' >>"$V/policies/retention.ini"
run_cv doctor
check "an edited policy file: policy says adopt it, exit 1 ($(line policy))" \
	bash -c "[ $RC -eq 1 ] && $(declare -f line state has); OUT=\$1; has policy todo \"not adopted.*'casevault policy adopt'\"" _ "$OUT"
cp "$T/retention.ini" "$V/policies/retention.ini"
W=$("$CV" staff add "Wendy Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$W" >/dev/null
# an attestation holds 12 months (a day the month lacks: its last day)
L=$(python3 -c 'import datetime, calendar, sys; d = datetime.date.fromisoformat(sys.argv[1]); y = d.year + 1
print(datetime.date(y, d.month, min(d.day, calendar.monthrange(y, d.month)[1])))' "$NOW")
at "$(date -u -d "$L -9 days" +%F)"
run_cv doctor
check "an attestation lapsing within 30 days: named with its date, exit 1 ($(line attestations))" \
	bash -c "[ $RC -eq 1 ] && $(declare -f line state has); OUT=\$1; has attestations todo '$W \(lapses $L\)'" _ "$OUT"
at "$(date -u -d "$L +4 days" +%F)"
run_cv doctor
check "a lapsed attestation: named as lapsed, with what to run" has attestations todo "$W \(lapsed $L\).*staff attest"
check "and the backup of a year ago is asked for again" has backup todo "more than backup_every_days, 7"
"$CV" staff attest "$W" >/dev/null
run_cv doctor
check "attesting again fixes it" has attestations ok "holds"

# ---- the policy key ----
mkdir "$T/pol"
sed 's/^\[backups\]$/[backups]\nbackup_every_days = 2/' "$CV_SOURCE_DIR/policies/retention.ini" >"$T/pol/retention.ini"
run_cv policy check "$T/pol/retention.ini"
check "[backups] backup_every_days = 2 is a good policy" test "$RC" -eq 0
sed -i 's/^backup_every_days = 2$/backup_every_days = 0/' "$T/pol/retention.ini"
run_cv policy check "$T/pol/retention.ini"
check "backup_every_days = 0 is refused, saying what is expected ($(head -c 120 <<<"$ERR$OUT"))" \
	bash -c "[ $RC -ne 0 ] && grep -q \"bad backup_every_days '0' (expected a whole number of days, 1 to 3660)\" <<<\"\$1\"" _ "$ERR$OUT"

# ---- who may run it ----
expect_fail "a caseworker may not run doctor (managers only)" --as "$W" doctor
check "control: the manager's run before the bad states was clean (exit 0, or 1 for a full disk)" \
	test "$RC_GOOD" = "$([ "$DISK" = ok ] && echo 0 || echo 1)"
finish
