#!/bin/bash
# Property 3: no plaintext personal data at rest.  After a day of use with
# known names, dates of birth, titles, file names and note text, none of
# those strings appears in any file under the vault directory (index, WAL,
# journal, archives, gnupg/), nor in any file the commands left in /tmp.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

marker=$T/marker
touch "$marker"
# Files made from now on must be newer than the marker (find -newer): wait
# until the file system's clock has moved past it (a few ms; 1 s on coarse
# file systems).
for _ in $(seq 200); do touch "$T/tick"; [ "$T/tick" -nt "$marker" ] && break; sleep 0.01; done
rm -f "$T/tick"
printf 'a long enough passphrase for tests\n' >"$T/pass"
"$CV" init "$V" --passphrase-file "$T/pass" --name "Marguerite Staffington" >/dev/null || { echo "init failed"; exit 1; }
export CASEVAULT_DIR=$V CASEVAULT_PASSPHRASE_FILE=$T/pass

secrets=(
	"Zebedee Quartermaine" "Philomena Quartermaine" "Ottoline Vanderbilt-Ngata" "Crispin Vanderbilt-Ngata"
	"Marguerite Staffington"
	"2013-02-28" "2016-10-09"
	"Hospital discharge summary Xylo" "Letter from Dr Okonkwo-Rasmussen"
	"quartermaine-paediatric-report" "Xylophone counselling session notes"
	"disclosed bruising on the left arm" "EHCP draft for Philomena"
)
# Hold a read transaction open all day so SQLite cannot checkpoint and delete
# the WAL: the scan below must see the WAL as it is while the vault is in use.
python3 -c "
import sqlite3, time
c = sqlite3.connect('$V/vault.db', isolation_level=None)
c.execute('BEGIN'); c.execute('SELECT count(*) FROM staff').fetchall()
open('$T/holding', 'w').close()
time.sleep(300)" &
holder=$!
for _ in $(seq 200); do [ -e "$T/holding" ] && break; sleep 0.05; done   # its read transaction is open
C1=$("$CV" case open --parent "Zebedee Quartermaine" --child "Philomena Quartermaine" --child-dob 2013-02-28 --pr-confirmed)
C2=$("$CV" case open --parent "Ottoline Vanderbilt-Ngata" --child "Crispin Vanderbilt-Ngata" --child-dob 2016-10-09 --pr-confirmed)
make_docs "$T/in"
cp "$T/in/letter.pdf" "$T/in/quartermaine-paediatric-report.pdf"
printf 'Xylophone counselling session notes. EHCP draft for Philomena discussed.\n' >"$T/in/notes.txt"
"$CV" file "$C1" "$T/in/quartermaine-paediatric-report.pdf" "$T/in/scan.png" --class report --date 2026-11-20 >/dev/null
"$CV" file "$C1" "$T/in/scan.jpg" --class letter --title "Hospital discharge summary Xylo" >/dev/null
"$CV" file "$C2" "$T/in/notes.txt" --class case-note --title "Letter from Dr Okonkwo-Rasmussen" >/dev/null
"$CV" note "$C1" --class phone-call --text "Xylophone counselling session notes with Zebedee Quartermaine" >/dev/null
"$CV" note "$C1" --class cp-note --cp --text "Philomena disclosed bruising on the left arm" >/dev/null
printf 'case,path,class,section,title,date\n%s,%s,letter,case,EHCP draft for Philomena,2026-11-01\n' "$C1" "$T/in/report.odt" >"$T/in/m.csv"
"$CV" import "$T/in/m.csv" >/dev/null || fail "import"
"$CV" case close "$C2" >/dev/null
"$CV" ls "$C1" >/dev/null
"$CV" ls "$C1" --cp >/dev/null
"$CV" case show "$C1" >/dev/null
"$CV" case list --names >/dev/null
"$CV" get R-000001 --purpose test-copy -o "$T/out.pdf" 2>/dev/null
"$CV" get R-000005 >/dev/null 2>&1
"$CV" verify >/dev/null
run_cv --json ls "$C1"
check "the day's work is all there (5 records in the case file)" \
	test "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 5
check "names come back when unlocked" grep -q "Quartermaine" < <("$CV" case show "$C1")

# While the vault is still open (WAL not yet checkpointed) and after.
scan() { # scan LABEL DIR...
	local label=$1; shift
	local s hits=0
	for s in "${secrets[@]}"; do
		if grep -r -a -l -F -- "$s" "$@" 2>/dev/null | grep -q .; then
			fail "$label: '$s' found in $(grep -r -a -l -F -- "$s" "$@" | head -3 | tr '\n' ' ')"
			hits=1
		fi
	done
	[ "$hits" -eq 0 ] && ok "$label: none of ${#secrets[@]} personal strings found"
}
check "the WAL holds the day's writes (it is scanned too)" test "$(stat -c %s "$V/vault.db-wal")" -gt 100000
scan "vault directory while in use (index, WAL, archives, gnupg)" "$V"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
"$CV" ls "$C1" >/dev/null   # the last connection checkpoints the WAL into the index
scan "vault directory after checkpoint" "$V"
# Everything the commands left in /tmp: files newer than the marker, outside this test's inputs.
# (The inputs of any test run, this one's or a concurrent one's, live in /tmp/cvt.*/in and
# are not what the commands left behind.)
mapfile -t left < <(find /tmp -xdev -newer "$marker" -type f ! -path '/tmp/cvt.*/in/*' ! -path "$T/out*" ! -path "$T/err" 2>/dev/null)
if [ "${#left[@]}" -gt 0 ]; then
	scan "files left in /tmp (${#left[@]} files)" "${left[@]}"
else
	ok "no files left in /tmp"
fi
# UTF-16 and case variants of a name, in case anything re-encodes text.
check "no UTF-16 copy of a name in the vault" bash -c "! grep -r -a -l -P 'Q\x00u\x00a\x00r\x00t\x00e\x00r' '$V'"
check "no lower-case copy of a name in the vault" bash -c "! grep -r -a -l -i -F 'quartermaine' '$V'"
finish
