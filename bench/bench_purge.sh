#!/usr/bin/env bash
# casevault purge benchmark (issue 4): purge cost should grow with the number
# of records destroyed, not with the size of the vault.
#
# Builds two vaults in a temporary directory under /tmp, each with 1,000
# records due (10 closed cases of 100 records, one archive each) and the rest
# in open cases (1,000 records per case and archive, never due):
#   big:   100,000 records      small: 10,000 records
# The records are small notes imported from one CSV per vault (the same tiny
# file listed many times, with --allow-duplicates), so that building is quick.  Then it times
# `casevault purge --scheduled` on each (wall clock, best of --runs fresh
# copies) and prints both times and their ratio.  Everything it made is
# removed on exit, and every gpg-agent it started is stopped.
#
# Usage: bench/bench_purge.sh [--runs N] [--big N] [--small N]
#   --runs N    purge N fresh copies of each vault; report the best and median (default 3)
#   --big N     records in the big vault (default 100000)
#   --small N   records in the small vault (default 10000)
# Environment: CASEVAULT_BIN (default build/casevault), CASEVAULT_POLICY_DIR.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
RUNS=3 BIG=100000 SMALL=10000
DUE_CASES=10 PER_DUE=100 PER_OPEN=1000

while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--big) BIG=$2; shift 2 ;;
	--small) SMALL=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "bench_purge.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
for n in "$RUNS" "$BIG" "$SMALL"; do
	case $n in ''|*[!0-9]*) echo "bench_purge.sh: options take whole numbers" >&2; exit 2 ;; esac
done
for t in gpgconf sqlite3 tar; do command -v "$t" >/dev/null || { echo "bench_purge.sh: needs $t" >&2; exit 2; }; done

source "$REPO/bench/lib.sh"
printf 'A short typed case note.\n' >"$W/note.txt"

build() { # build NAME TOTAL: a vault with TOTAL records, DUE_CASES*PER_DUE due
	local name=$1 total=$2 v=$W/$1 open_cases i c
	export CASEVAULT_TODAY=2015-01-10
	"$CV" init "$v" --no-passphrase --test-clock --name "Bench Manager" >/dev/null
	export CASEVAULT_DIR=$v
	open_cases=$(( (total - DUE_CASES * PER_DUE) / PER_OPEN ))
	: >"$W/$name.csv"
	for ((i = 0; i < DUE_CASES + open_cases; i++)); do
		c=$("$CV" case open --parent P --child K --child-dob 2010-01-01 --pr-confirmed)
		if [ "$i" -lt "$DUE_CASES" ]; then echo "$c" >>"$W/$name.due"; n=$PER_DUE; else n=$PER_OPEN; fi
		awk -v c="$c" -v n="$n" -v f="$W/note.txt" 'BEGIN { for (j = 0; j < n; j++) printf "%s,%s,case-note,case,,\n", c, f }' >>"$W/$name.csv"
	done
	"$CV" import --allow-duplicates "$W/$name.csv" >/dev/null  # the same note over and over
	export CASEVAULT_TODAY=2015-02-01
	while read -r c; do "$CV" case close "$c" >/dev/null; done <"$W/$name.due"
	export CASEVAULT_TODAY=2022-03-01
	"$CV" staff attest S-0001 >/dev/null 2>&1 || true
	GNUPGHOME=$v/gnupg gpgconf --kill all 2>/dev/null || true
	echo "# $name: $(sqlite3 -readonly "$v/vault.db" 'SELECT count(*) FROM records') records in" \
	     "$(sqlite3 -readonly "$v/vault.db" 'SELECT count(*) FROM archives') archives," \
	     "$(sqlite3 -readonly "$v/vault.db" 'SELECT count(*) FROM records WHERE retain_until IS NOT NULL') dated" >&2
	(cd "$v" && tar cf "$W/$name.tar" --exclude='S.*' .)
}

time_purge() { # time_purge NAME: seconds for one purge of a fresh copy
	local name=$1 v=$W/run t0 t1 out
	rm -rf "$v"; mkdir -p "$v"; (cd "$v" && tar xf "$W/$name.tar")
	export CASEVAULT_DIR=$v CASEVAULT_TODAY=2022-03-01
	t0=$(date +%s.%N)
	out=$("$CV" purge --scheduled)
	t1=$(date +%s.%N)
	GNUPGHOME=$v/gnupg gpgconf --kill all 2>/dev/null || true
	case $out in *"destroyed $((DUE_CASES * PER_DUE)) records"*) ;; *) echo "bench_purge.sh: unexpected: $out" >&2; exit 1 ;; esac
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

stats() { sort -n | awk '{ v[NR] = $1 } END { printf "best %.3f s, median %.3f s", v[1], v[int((NR + 1) / 2)] }'; }

echo "# building the vaults (once)..." >&2
build big "$BIG"
build small "$SMALL"
: >"$W/big.times"; : >"$W/small.times"
for ((r = 0; r < RUNS; r++)); do  # interleaved
	time_purge big >>"$W/big.times"
	time_purge small >>"$W/small.times"
done
bb=$(sort -n "$W/big.times" | head -1); sb=$(sort -n "$W/small.times" | head -1)
echo "purge of $((DUE_CASES * PER_DUE)) due records, vault of $BIG records:   $(stats <"$W/big.times")"
echo "purge of $((DUE_CASES * PER_DUE)) due records, vault of $SMALL records:    $(stats <"$W/small.times")"
awk -v a="$bb" -v b="$sb" 'BEGIN { printf "ratio big/small (best): %.2f\n", a / b }'
