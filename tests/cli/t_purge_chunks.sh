#!/bin/bash
# The purge walks its plan in chunks of whole archives (about 1,000
# records, docs/retention.md "The purge at scale"), and the CLI prints each
# record as it goes (--json: spliced from a temporary file).  Across
# several chunks: every record due is reported once with its status, a
# record held in the middle stays (its archive rewritten, the rest
# destroyed), the certificate is in parts of 1,000 with the destruction
# log naming each record's part, and verify passes.  A hold written between
# the purge's two walks stops the run (nothing destroyed); the next run
# keeps that record and no certificate lists it.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
at 2015-01-10
new_test_vault
CASES=
for k in 1 2 3 4 5 6 7; do CASES="$CASES $(new_case "Chunk Parent $k" "Chunk Child $k" 2010-05-05)"; done
B=${CASES##* }
mkdir -p "$T/d"
# 200 notes for each of seven cases, every one different: an archive each,
# so chunks of five archives (1,000 records) and two (400).
awk -v d="$T/d" -v cases="$CASES" 'BEGIN {
	print "case,path,class,section,title,date"
	n = split(cases, c, " ")
	for (k = 1; k <= n; k++)
		for (i = 1; i <= 200; i++) {
			f = sprintf("%s/n%d-%d.txt", d, k, i)
			printf "Note %d of case %d.\n", i, k > f
			close(f)
			printf "%s,%s,case-note,case,Note %d,2015-01-0%d\n", c[k], f, i, 1 + i % 9
		}
}' >"$T/m.csv"
run_cv import "$T/m.csv"
check "1,400 notes filed (exit $RC)" test "$(db 'SELECT count(*) FROM records')" = 1400
narch=$(db 'SELECT count(*) FROM archives')
check "  in several archives ($narch)" test "$narch" -gt 2
at 2015-02-01
for c in $CASES; do "$CV" case close "$c" --date 2015-02-01 >/dev/null || fail "close $c"; done
at 2022-03-01
# a record of the last case (in the second chunk) held: its archive is rewritten
HR=$(db "SELECT id FROM records WHERE case_id = '$B' ORDER BY archive_id DESC, seq LIMIT 1")
run_cv hold add "$HR" --reason "Complaint about a note"
check "a record of the last chunk held" test "$RC" -eq 0

run_cv --json purge --dry-run
python3 - "$T/out" "$HR" <<'PY' && ok "dry run --json: 1,400 records once each, one held, 1,399 would go" || fail "dry run --json report"
import json, sys
d = json.load(open(sys.argv[1]))
recs = d["records"]
assert len(recs) == 1400 and len({r["id"] for r in recs}) == 1400, len(recs)
assert [r["id"] for r in recs if r["status"] == "held"] == [sys.argv[2]]
assert d["would_destroy"] == 1399 and "destroyed" not in d and d["held"] == 1 and d["dry_run"] is True, d
PY

# A hold placed between the purge's two walks (the plan, then the commit
# that destroys).  The purge holds the writer lock across both, so 'hold
# add' waits for it; a hold written by a process that does not take that
# lock (here sqlite3) is seen by the commit's walk, which refuses the whole
# run: nothing destroyed, the rewrite undone.  The next run keeps the record.
A=$(awk '{print $1}' <<<"$CASES")
H2=$(db "SELECT id FROM records WHERE case_id = '$A' ORDER BY seq LIMIT 1")
check "a record of the first chunk to hold ($H2)" test -n "$H2"
CASEVAULT_CRASHPOINT=purge-planned:stop "$CV" purge >"$T/p.out" 2>"$T/p.err" &
P=$!
for i in $(seq 300); do grep -q '^State:.*stopped' "/proc/$P/status" 2>/dev/null && break; sleep 0.1; done
check "a purge stopped between its walks" grep -q '^State:.*stopped' "/proc/$P/status"
"$CV" hold add "$HR" --reason "Asked for while the purge ran" >"$T/h.out" 2>"$T/h.err" &
HP=$!
sleep 1
check "  'hold add' in another process waits for the purge's writer lock" kill -0 "$HP"
sqlite3 -cmd '.timeout 5000' "$V/vault.db" \
	"INSERT INTO holds(kind, record_id, section, placed_by, placed_at) VALUES('hold', '$H2', 'case', 'S-0001', '2022-03-01T09:00:00Z')"
kill -CONT "$P"
wait "$P"
PRC=$?
check "  continued, it refuses the whole run (exit $PRC): $(cat "$T/p.err")" \
	bash -c "test $PRC -eq 1 && grep -q 'record $H2 was put on hold while the purge ran; nothing was destroyed' '$T/p.err'"
wait "$HP"
check "  then the hold is placed (exit $?)" grep -q '^hold ' "$T/h.out"
check "  every record is still there" test "$(db 'SELECT count(*) FROM records')" = 1400
check "  no certificate, nothing in the destruction log" test "$(db 'SELECT count(*) FROM certificates') $(db 'SELECT count(*) FROM destroyed')" = "0 0"
run_cv verify
check "  verify passes: the rewritten archive was removed, nothing orphaned ($OUT)" test "$RC" -eq 0

run_cv purge
check "the purge ran (exit $RC)" test "$RC" -eq 0
check "  a line per record due, printed as it went" test "$(grep -c '^R-' "$T/out")" = 1400
check "  then the summary" grep -q "^destroyed 1398 records in .* (some rewritten) (certificate 3, " "$T/out"
check "  only the two held records are left" test "$(db 'SELECT group_concat(id) FROM (SELECT id FROM records ORDER BY id)')" = "$(printf '%s\n' "$H2" "$HR" | sort | paste -sd,)"
# (a closed case whose last record went is erased with a certificate of its own: docs/legal-rules.md)
check "  two parts and an index" test "$(db "SELECT group_concat(records) FROM certificates WHERE body NOT LIKE '%\"kind\": \"case-erasure\"%' ORDER BY number")" = "1000,398,1398"
check "  the log names each record's part" \
	test "$(db 'SELECT group_concat(n) FROM (SELECT count(*) AS n FROM destroyed GROUP BY certificate ORDER BY certificate)')" = "1000,398"
for n in 1 2 3; do "$CV" certificates show "$n"; done >"$T/certs"
check "  no certificate lists the record held between the walks" not grep -q "$H2" "$T/certs"
run_cv verify
check "verify passes after the chunked purge" test "$RC" -eq 0
run_cv --json purge
python3 - "$T/out" <<'PY' && ok "a second run --json: only the held records, nothing destroyed" || fail "second run --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["destroyed"] == 0 and d["held"] == 2 and [r["status"] for r in d["records"]] == ["held", "held"], d
PY
finish
