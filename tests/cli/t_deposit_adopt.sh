#!/bin/bash
# Adopting a volunteer's deposit (docs/architecture.md, Keys: deposits):
# a check (import --check) adopts nothing and changes nothing, although it
# unlocks to compare sealed hashes; a real adoption is a contact with the
# family, so it moves the case's last contact, and the dates that run from
# it, as a filing does.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

P=$T/pol
contact_log_policy "$P"
"$CV" init "$V" --no-passphrase --policies "$P" >/dev/null || { echo "init failed"; exit 1; }
export CASEVAULT_DIR=$V
C=$(new_case "Adopt Parent" "Adopt Child" 2014-01-01)
make_docs "$T/d"
VOL=$("$CV" staff add "Vera Volunteer" --role volunteer --no-passphrase)
CW=$("$CV" staff add "Carl Caseworker" --role caseworker --no-passphrase)
for s in "$VOL" "$CW"; do "$CV" staff attest "$s" >/dev/null; done
"$CV" case assign "$C" "$CW" >/dev/null  # the caseworker's case (docs/security.md, Case assignment)
R1=$("$CV" note "$C" --class contact-log --text "first call")
R1=${R1%% *}
"$CV" file "$C" "$T/d/letter.pdf" --class letter >/dev/null
# The first call filed long ago: its date runs from a last contact on 2024-03-01.
sqlite3 "$V/vault.db" "UPDATE records SET filed_at = '2024-03-01T10:00:00Z' WHERE case_id = '$C'"
"$CV" retention recompute "$C" >/dev/null
check "control: $R1 is kept to 2025-03-01 ($(retain_of "$R1"))" test "$(retain_of "$R1")" = 2025-03-01

run_cv --as "$VOL" note "$C" --class phone-call --text "visited today"
check "a volunteer files a note (exit $RC: $ERR)" test "$RC" -eq 0
RV=${OUT%% *}
check "it waits as a deposit" test "$(db "SELECT count(*) FROM deposits")" = 1

# 1. import --check by a key holder: the letter is already filed, so the
# check opens sealed hashes (an unlock); it adopts nothing, changes nothing.
cat >"$T/m.csv" <<CSV
case,path,class,section,title,date
$C,$T/d/letter.pdf,letter,case,Again,2026-10-01
CSV
before=$(tree_hash "$V")
kbefore=$(sha256sum "$V/vault.db" "$V/keys.db" | sha256sum)
run_cv --as "$CW" import --check "$T/m.csv"
check "import --check runs (exit $RC: $ERR)" test "$RC" -eq 0
check "it looked at the sealed hash: the row would be skipped as already filed" grep -q "would be skipped: the same document is already filed" <<<"$ERR"
check "the deposit still waits after the check" test "$(db "SELECT count(*) FROM deposits")" = 1
check "vault.db and keys.db unchanged (sha256 before and after)" test "$(sha256sum "$V/vault.db" "$V/keys.db" | sha256sum)" = "$kbefore"
check "nothing in the vault changed (tree hash)" test "$(tree_hash "$V")" = "$before"

# 2. The caseworker's next command adopts it: the case's last contact is
# today, so the first call's date moves to today + 1 year, as a filing moves it.
today=$(date +%F)
next=$(date -d "$today + 1 year" +%F)
run_cv --as "$CW" ls "$C"
check "the caseworker's ls adopts the deposit (exit $RC: $ERR)" grep -q "$RV" <<<"$OUT"
check "the deposit is gone" test "$(db "SELECT count(*) FROM deposits")" = 0
check "the adoption moved $R1's date to today + 1y ($next, got $(retain_of "$R1"))" test "$(retain_of "$R1")" = "$next"
run_cv verify
check "verify passes after the adoption (exit $RC: $OUT $ERR)" test "$RC" -eq 0
finish
