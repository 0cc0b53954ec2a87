#!/bin/bash
# Listings of ids and dates are cut to a caseworker's cases (docs/security.md,
# Case assignment): `request list` and `retention due`, text and --json, show
# a caseworker only the rows of the cases assigned to them; a manager and a
# cp-lead see every row.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_test_vault
CW1=$("$CV" staff add "Ann Worker" --role caseworker --no-passphrase)
CW2=$("$CV" staff add "Ben Worker" --role caseworker --no-passphrase)
CPL=$("$CV" staff add "Cal Lead" --role cp-lead --no-passphrase)
for s in "$CW1" "$CW2" "$CPL"; do "$CV" staff attest "$s" >/dev/null; done
A=$(new_case "Alpha Parent" "Alpha Child" 2015-03-04)
B=$(new_case "Bravo Parent" "Bravo Child" 2014-05-06)
"$CV" case assign "$A" "$CW1" >/dev/null
"$CV" case assign "$B" "$CW2" >/dev/null
printf 'Letter A\n' >"$T/a.txt"
printf 'Letter B\n' >"$T/b.txt"
"$CV" file "$A" "$T/a.txt" --class letter >/dev/null
"$CV" file "$B" "$T/b.txt" --class letter >/dev/null
RA=$(rec_ids "$A")
RB=$(rec_ids "$B")
for c in "$A" "$B"; do
	"$CV" request open "$c" --requester "$c Requester" --relationship client --received 2026-11-02 >/dev/null
	"$CV" case close "$c" >/dev/null
done
QA=$(db "SELECT id FROM requests WHERE case_id = '$A'")
QB=$(db "SELECT id FROM requests WHERE case_id = '$B'")

# ids IDS-FIELD LIST-FIELD: the ids of the --json answer in $T/out, sorted, one line
ids() { python3 -c 'import json,sys; print(" ".join(sorted(r[sys.argv[1]] for r in json.load(open(sys.argv[3]))[sys.argv[2]])))' "$1" "$2" "$T/out"; }

# ---- request list ----
run_cv --as "$CW1" --json request list --all
check "a caseworker's request list --json holds only their case's request" eval '[ "$RC" -eq 0 ] && [ "$(ids id requests)" = "$QA" ]'
run_cv --as "$CW1" request list --all
check "  ... and the text list too" eval '[ "$RC" -eq 0 ] && grep -q "$QA" <<<"$OUT" && ! grep -q "$QB" <<<"$OUT" && ! grep -q "$B" <<<"$OUT"'
run_cv --as "$CW2" --json request list
check "the other caseworker's list holds only theirs" eval '[ "$RC" -eq 0 ] && [ "$(ids id requests)" = "$QB" ]'
run_cv --json request list --all
check "a manager's request list holds every request" eval '[ "$RC" -eq 0 ] && [ "$(ids id requests)" = "$(printf "%s\n" "$QA" "$QB" | sort | tr "\n" " " | sed "s/ $//")" ]'
run_cv --as "$CPL" --json request list --all
check "a cp-lead's request list holds every request" eval '[ "$RC" -eq 0 ] && [ "$(ids id requests | wc -w)" -eq 2 ]'

# ---- retention due ----
run_cv --json retention due --as-of 9999-12-31
check "a manager's due list holds both cases' records ($ERR)" eval '[ "$RC" -eq 0 ] && [ "$(ids id records)" = "$(printf "%s\n" "$RA" "$RB" | sort | tr "\n" " " | sed "s/ $//")" ]'
run_cv --as "$CW1" --json retention due --as-of 9999-12-31
check "a caseworker's due list --json holds only their case's record" eval '[ "$RC" -eq 0 ] && [ "$(ids id records)" = "$RA" ]'
run_cv --as "$CW1" retention due --as-of 9999-12-31
check "  ... and the text list too" eval '[ "$RC" -eq 0 ] && grep -q "$RA" <<<"$OUT" && ! grep -q "$RB" <<<"$OUT" && ! grep -q "$B" <<<"$OUT"'
run_cv --as "$CW2" --json retention due --as-of 9999-12-31
check "the other caseworker's due list holds only theirs" eval '[ "$RC" -eq 0 ] && [ "$(ids id records)" = "$RB" ]'
run_cv --as "$CPL" --json retention due --as-of 9999-12-31
check "a cp-lead's due list holds both" eval '[ "$RC" -eq 0 ] && [ "$(ids id records | wc -w)" -eq 2 ]'
finish
