#!/bin/bash
# The audit trail is complete (a scripted
# sequence of commands yields exactly the expected events, in order) and
# editing, deleting, inserting, reordering or truncating events is detected.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
make_docs "$T/d"
C=$(new_case "Audit Parent" "Audit Child" 2013-03-03)
W=$("$CV" staff add "Wendy Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$W" >/dev/null
"$CV" case assign "$C" "$W" >/dev/null  # her case (docs/security.md, Case assignment)
"$CV" file "$C" "$T/d/letter.pdf" --class letter >/dev/null
"$CV" note "$C" --class phone-call --text "called back" >/dev/null
"$CV" --as "$W" ls "$C" >/dev/null
"$CV" --as "$W" get R-000001 >/dev/null
"$CV" --as "$W" ls "$C" --cp >/dev/null 2>&1        # refused: caseworker
"$CV" case show "$C" >/dev/null
"$CV" case close "$C" >/dev/null
"$CV" verify >/dev/null
"$CV" ls C-1999-0001 >/dev/null 2>&1                 # bad input: no event
"$CV" file "$C" "$T/missing.pdf" --class letter >/dev/null 2>&1   # bad input: no event
run_cv --json audit show
got=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(e["acted_by"]+":"+e["action"]+":"+e["outcome"] for e in json.load(sys.stdin)["events"]))')
want="S-0001:vault.init:ok S-0001:purgekey.init:ok S-0001:case.open:ok S-0001:staff.add:ok S-0001:staff.attest:ok S-0001:case.assign:ok S-0001:file:ok S-0001:file:ok $W:record.list:ok $W:record.get:ok $W:access.cp:refused S-0001:case.show:ok S-0001:case.close:ok S-0001:verify:ok"
if [ "$got" = "$want" ]; then ok "the trail holds exactly the expected events, in order"; else fail "trail: $got"; fi
check "events name the records read (ids, an array)" python3 -c 'import json,sys; assert ["R-000001"] in [e["ids"] for e in json.load(sys.stdin)["events"]]' <<<"$OUT"
check "no personal data in the events" bash -c "! sqlite3 '$V/vault.db' 'SELECT * FROM audit' | grep -q -e Audit -e Wendy -e letter.pdf -e 'called back'"
run_cv --json audit show --actor "$W"
check "audit show --actor filters" test "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')" = 3
run_cv --json audit show --record R-000001
check "audit show --record filters" test "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')" = 2
# --record is one exact id: LIKE wildcards and a lower-case id match nothing
for id in % _ 'R-00000_' 'R-%' r-000001; do
	run_cv --json audit show --record "$id"
	check "audit show --record '$id' matches no event (exit $RC)" \
		test "$RC-$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')" = 0-0
done
run_cv audit verify
check "an untouched trail verifies" test "$RC" -eq 0

broken() { # broken DESCRIPTION EVENT: audit verify fails and names the event
	run_cv audit verify
	if [ "$RC" -ne 0 ] && grep -q "event $2" <<<"$OUT"; then ok "$1 detected at event $2 ($OUT)"; else fail "$1: exit $RC: $OUT"; fi
}
snapshot
sqlite3 "$V/vault.db" "UPDATE audit SET ids = 'R-000099' WHERE seq = 9"
broken "an edited event" 9
restore
sqlite3 "$V/vault.db" "UPDATE audit SET outcome = 'ok' WHERE seq = 11"
broken "a refusal rewritten as ok" 11
restore
sqlite3 "$V/vault.db" "DELETE FROM audit WHERE seq = 6"
broken "a deleted event" 6
restore
sqlite3 "$V/vault.db" "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq >= 7; DELETE FROM audit WHERE seq >= 7;
	INSERT INTO audit SELECT 7, time, actor, 'record.get', 'R-000002', 'ok', prev, hash FROM t WHERE seq = 7;
	INSERT INTO audit SELECT seq + 1, time, actor, action, ids, outcome, prev, hash FROM t;"
broken "an inserted event" 7
restore
sqlite3 "$V/vault.db" "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (7, 8); DELETE FROM audit WHERE seq >= 7 AND seq <= 8;
	INSERT INTO audit SELECT 7, time, actor, action, ids, outcome, prev, hash FROM t WHERE seq = 8;
	INSERT INTO audit SELECT 8, time, actor, action, ids, outcome, prev, hash FROM t WHERE seq = 7;"
broken "two events swapped" 7
restore
last=$(sqlite3 "$V/vault.db" "SELECT max(seq) FROM audit")
sqlite3 "$V/vault.db" "DELETE FROM audit WHERE seq > $((last - 3))"
broken "events cut off the end" $((last - 2))
restore
printf '1 %064d\n' 0 >"$V/audit.head"
broken "a forged anchor" 1
restore
# Cut back to event 3 and rewrite audit.head to match: the signed filing
# receipts still name later events.
h3=$(sqlite3 "$V/vault.db" "SELECT hash FROM audit WHERE seq = 3")
sqlite3 "$V/vault.db" "DELETE FROM audit WHERE seq > 3"
printf '3 %s\n' "$h3" >"$V/audit.head"
broken "a truncation with a rewritten anchor" 4
restore
run_cv audit verify
check "the restored trail verifies" test "$RC" -eq 0

# A head kept outside the vault catches what no file of the vault can: the newest
# filing removed with its receipt, its events and the anchor, or a roll-back of the
# whole vault to an older copy.
run_cv --json audit verify
H1=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["head"])')
check "audit verify prints the head (SEQ:HASH)" grep -Eq '^[0-9]+:[0-9a-f]{64}$' <<<"$H1"
run_cv audit verify
check "  also without --json" grep -q "^head: [0-9]*:[0-9a-f]\{64\}$" <<<"$OUT"
snapshot                                # the older copy a roll-back would restore
printf 'Filed after the head was recorded.\n' >"$T/late.txt"
"$CV" file "$C" "$T/late.txt" --class letter >/dev/null || fail "filing after the head"
run_cv --json audit verify
H2=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["head"])')
run_cv audit verify --expect "$H1"
check "the live vault still holds an earlier head (exit $RC)" test "$RC" -eq 0
run_cv audit verify --expect "${H2:0:$(( ${#H2} - 48 ))}"
check "  and the newest, given by its first 16 hex digits (exit $RC)" test "$RC" -eq 0
GNUPGHOME=$V/gnupg gpgconf --kill all 2>/dev/null
mv "$V" "$T/live"; cp -a "$T/snap" "$V"  # roll back
run_cv audit verify
check "a rolled-back copy passes a plain audit verify (the gap the head closes)" test "$RC" -eq 0
run_cv audit verify --expect "$H2"
check "  but not with the head recorded since (exit $RC)" test "$RC" -eq 1
check "  and says so" grep -q "the trail was rewritten or the vault rolled back\|the trail was cut back or the vault rolled back" <<<"$OUT"
GNUPGHOME=$V/gnupg gpgconf --kill all 2>/dev/null
rm -rf "$V"; mv "$T/live" "$V"
before=$(tree_hash "$V")
expect_fail "a malformed head is a usage error" audit verify --expect "12:zz"
check "  exit 2" test "$RC" -eq 2
expect_fail "a head with too short a hash is a usage error" audit verify --expect "${H2:0:10}"
check "  and changes nothing" test "$before" = "$(tree_hash "$V")"
finish
