#!/bin/bash
# Nothing sealed is published by a clear column (docs/architecture.md, Sealed
# columns; docs/retention.md, "Sealed dates"):
#   - four children whose SEN and CP material is kept to their date of birth
#     + 25 years: after filing, closing, reviews (approve, defer), an older
#     vault's clear date sealed by the next write, and purges with
#     certificates, neither vault.db nor its WAL and -shm nor any file of the
#     vault holds a date of birth, or a date of birth + N years for any N the
#     policy uses, in any of the usual formats;
#   - the exact dates stay readable to whoever holds the schedule key (the
#     case key, or VAULT/purge/schedule.key, 0600 in a 0700 directory);
#   - a record due tomorrow survives today's purge and goes on its day;
#   - the unattended purge reads the dates from its key file alone, and
#     destroys nothing without it.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

last_id() { db "SELECT id FROM records ORDER BY seq DESC LIMIT 1"; }
present() { "$CV" --json ls "$1" ${3:-} | python3 -c 'import json,sys; sys.exit(0 if any(r["id"] == sys.argv[1] for r in json.load(sys.stdin)["records"]) else 1)' "$2"; }

DOBS=(2015-03-04 2012-11-30 2016-02-29 2010-07-01)
at 2026-01-10
new_test_vault
declare -a CASES=() SEN=()
for i in "${!DOBS[@]}"; do
	c=$(new_case "Parent $i" "Child $i" "${DOBS[$i]}")
	CASES+=("$c")
	"$CV" note "$c" --class sen-ehcp --text "EHCP plan $i" >/dev/null; SEN+=("$(last_id)")
	case $i in
	0) "$CV" note "$c" --class letter --text "a letter" >/dev/null; LET=$(last_id) ;;
	1) printf 'cp note\n' | "$CV" note "$c" --class cp-note --cp >/dev/null; CPN=$(last_id) ;;
	esac
	"$CV" case close "$c" --date 2026-01-10 >/dev/null || fail "close $c"
done

check "VAULT/purge is 0700" test "$(stat -c %a "$V/purge")" = 700
check "VAULT/purge/schedule.key is 0600" test "$(stat -c %a "$V/purge/schedule.key")" = 600
check "the index holds no clear retention date" test "$(db "SELECT count(*) FROM records WHERE retain_clear IS NOT NULL")" = 0
check "every dated record's date is sealed (a BLOB)" \
	test "$(db "SELECT count(*) FROM records WHERE typeof(retain_until) <> 'blob'")" = 0
check "the date opens for the schedule key's holder: DOB + 25y, its quarter's end" test "$(retain_of "${SEN[0]}")" = 2040-03-31
check "  CP material too" test "$(retain_of "$CPN")" = 2037-12-31
check "  born on 29 February: 31 March" test "$(retain_of "${SEN[2]}")" = 2041-03-31
check "  a letter: closure + 6y" test "$(retain_of "$LET")" = 2032-01-10

# ---- a clear date written behind casevault's back is refused, not followed ----
db_rw() { sqlite3 "$V/vault.db" "$1"; }
db_rw "UPDATE records SET retain_clear = '2026-01-01', retain_until = NULL WHERE id = '$LET'"
run_cv retention due
check "a clear date in a vault with sealed dates is refused (exit $RC)" test "$RC" -eq 1
check "  naming the record" grep -q "$LET has a retention date in clear" "$T/err"

# ---- an older vault (clear dates, no schedule key): the next write seals them all ----
declare -A WANT=(["${SEN[0]}"]=2040-03-04 ["${SEN[1]}"]=2037-11-30 ["${SEN[2]}"]=2041-03-01 ["${SEN[3]}"]=2035-07-01 ["$CPN"]=2037-11-30 ["$LET"]=2032-01-10)
for r in "${!WANT[@]}"; do db_rw "UPDATE records SET retain_clear = '${WANT[$r]}', retain_until = NULL WHERE id = '$r'"; done
db_rw "DELETE FROM vault_keys"
rm "$V/purge/schedule.key"
check "control: the clear dates are found by the grep" grep -aqr -- 2037-11-30 "$V/vault.db" "$V/vault.db-wal"
"$CV" retention recompute >/dev/null || fail "retention recompute"
check "the next write sealed them all" \
	test "$(db "SELECT count(*) FROM records WHERE retain_clear IS NOT NULL OR (retain_until IS NOT NULL AND typeof(retain_until) <> 'blob')")" = 0
check "  under a new schedule key" test "$(db "SELECT count(*) FROM vault_keys WHERE id = 'schedule'")" = 1
check "  whose file is written again" test -f "$V/purge/schedule.key"
check "  and every date opens, worked out again at quarter ends" test "$(retain_of "${SEN[1]}"),$(retain_of "$LET"),$(retain_of "${SEN[2]}")" = 2037-12-31,2032-01-10,2041-03-31

# ---- a record due tomorrow survives today's purge ----
at 2032-01-09
run_cv purge
check "purge the day before the letters' date (exit $RC)" test "$RC" -eq 0
check "  the letter is kept" present "${CASES[0]}" "$LET"
at 2032-01-10
mv "$V/purge/schedule.key" "$T/schedule.key"
run_cv purge --scheduled
check "the unattended purge without its key file refuses (exit $RC)" test "$RC" -eq 1
check "  and says why" grep -q "schedule key" "$T/out" "$T/err"
check "  the letter is kept" present "${CASES[0]}" "$LET"
mv "$T/schedule.key" "$V/purge/schedule.key"
run_cv purge --scheduled
check "the unattended purge on the letters' date (exit $RC)" test "$RC" -eq 0
check "  the letters are gone" not present "${CASES[0]}" "$LET"
check "  the EHCP material stays" present "${CASES[0]}" "${SEN[0]}"

# ---- reviews: approve, defer; their dates are sealed too ----
at 2035-10-01
run_cv review approve "${SEN[3]}"
check "review approve (exit $RC)" test "$RC" -eq 0
run_cv purge
check "purge after the approval (exit $RC)" test "$RC" -eq 0
check "  the approved record is gone" not present "${CASES[3]}" "${SEN[3]}"
at 2038-01-02
run_cv review defer "${SEN[1]}" --until 2039-06-15 --reason "tribunal pending"
check "review defer (exit $RC)" test "$RC" -eq 0
check "  its new date opens" test "$(retain_of "${SEN[1]}")" = 2039-06-15
check "review rows hold no clear date" \
	test "$(db "SELECT count(*) FROM reviews WHERE retain_clear <> '' OR until_clear IS NOT NULL")" = 0
check "a certificate was written" test -n "$(ls "$V/certificates")"

# ---- the grep: every date of birth, and DOB + N for every N the policy uses ----
birth_patterns "0 1 6 25 31" "${DOBS[@]}" >"$T/patterns"
check "the patterns cover $(wc -l <"$T/patterns") date forms" test "$(wc -l <"$T/patterns")" -ge 175
ls "$V"/vault.db* >"$T/dbfiles"
hits=$(grep -aorF -f "$T/patterns" "$V" 2>/dev/null | sort | uniq -c)
check "no date of birth, nor DOB + N years, anywhere in the vault ($(tr '\n' ' ' <"$T/dbfiles"))${hits:+: $hits}" \
	test -z "$hits"
check "the certificates name no retention date" not grep -q retain_until "$V"/certificates/*
finish
