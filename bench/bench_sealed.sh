#!/usr/bin/env bash
# Sealed retention dates and sizes (docs/architecture.md, Sealed columns):
# what they cost, against another casevault binary (the one before them).
#
# For each binary, interleaved round by round: a fresh --no-passphrase vault
# with CASES cases imports NOTES distinct notes (timed), `ls` of one case
# (timed, unlocked: titles, dates and sizes are opened), then half the cases
# are closed and, years on, `purge --scheduled` destroys their records
# (timed on a fresh copy).  Prints best and median of each, and the ratio
# new/old of the bests.
#
# Usage: bench/bench_sealed.sh OLD_BIN NEW_BIN [--runs N] [--cases N] [--notes N]
#   --runs N    rounds (default 3)    --cases N  cases (default 20)
#   --notes N   notes in all (default 2000; 1.8 to 2.3 KB each, gen_notes.awk)
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OLD=${1:?usage: bench_sealed.sh OLD_BIN NEW_BIN [--runs N] [--cases N] [--notes N]}
NEW=${2:?usage: bench_sealed.sh OLD_BIN NEW_BIN [--runs N] [--cases N] [--notes N]}
shift 2
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
RUNS=3 CASES=20 NOTES=2000
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--cases) CASES=$2; shift 2 ;;
	--notes) NOTES=$2; shift 2 ;;
	*) echo "bench_sealed.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
source "$REPO/bench/lib.sh"

PER=$((NOTES / CASES))
mkdir -p "$W/notes"
for ((c = 1; c <= CASES; c++)); do mkdir -p "$W/notes/c$(printf %03d "$c")"; done
awk -v cases="$CASES" -v per="$PER" -v dir="$W/notes" -v path="%s/c%03d/n%04d.txt" -f "$REPO/bench/gen_notes.awk"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }

one_round() { # one_round LABEL BIN: appends one time each to $W/LABEL.{import,ls,purge}
	local label=$1 cv=$2 v=$W/v-$1 c i t0 first
	rm -rf "$v" "$W/p-$label"
	export CASEVAULT_TODAY=2015-01-10
	"$cv" init "$v" --no-passphrase --test-clock --name "Bench Manager" >/dev/null
	export CASEVAULT_DIR=$v
	: >"$W/$label.csv"
	for ((i = 0; i < CASES; i++)); do
		c=$("$cv" case open --parent P --child K --child-dob 2010-0$((i % 9 + 1))-1$((i % 9)) --pr-confirmed)
		[ "$i" -eq 0 ] && first=$c
		echo "$c" >>"$W/$label.cases"
		awk -v c="$c" -v d="$W/notes/c$(printf %03d $((i + 1)))" -v n="$PER" \
			'BEGIN { for (j = 1; j <= n; j++) printf "%s,%s/n%04d.txt,case-note,case,,2014-06-01\n", c, d, j }' >>"$W/$label.csv"
	done
	t0=$(now); "$cv" import "$W/$label.csv" >/dev/null 2>&1; since "$t0" >>"$W/$label.import"
	"$cv" ls "$first" >/dev/null
	t0=$(now); "$cv" ls "$first" >/dev/null; since "$t0" >>"$W/$label.ls"
	export CASEVAULT_TODAY=2015-02-01
	head -n $((CASES / 2)) "$W/$label.cases" | while read -r c; do "$cv" case close "$c" >/dev/null; done
	rm -f "$W/$label.cases"
	export CASEVAULT_TODAY=2022-03-01
	"$cv" staff attest S-0001 >/dev/null 2>&1 || true
	GNUPGHOME=$v/gnupg gpgconf --kill all 2>/dev/null || true
	t0=$(now); "$cv" purge --scheduled >"$W/$label.out"; since "$t0" >>"$W/$label.purge"
	grep -q "destroyed $((PER * (CASES / 2))) records" "$W/$label.out" || { echo "unexpected: $(cat "$W/$label.out")" >&2; exit 1; }
	GNUPGHOME=$v/gnupg gpgconf --kill all 2>/dev/null || true
}

for ((r = 0; r < RUNS; r++)); do
	one_round old "$OLD"
	one_round new "$NEW"
done
for what in import ls purge; do
	printf '%-7s old: %s   new: %s   new/old %s\n' "$what" "$(bench_stats "$W/old.$what" 1)" "$(bench_stats "$W/new.$what" 1)" \
		"$(bench_ratio "$W/old.$what" "$W/new.$what" 1)"
done
echo "($NOTES notes in $CASES cases; purge destroys $((PER * (CASES / 2))) records of $((PER * CASES)); $RUNS rounds)"
