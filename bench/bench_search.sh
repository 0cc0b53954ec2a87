#!/usr/bin/env bash
# casevault search benchmark (docs/commands/search.md; bench/README.md,
# "Search").  A search opens each record's sealed word set in memory
# (table record_words); a record without one has its archive decrypted and
# read in memory instead.  This measures both ways as the vault grows.
#
# For each size it makes a vault (no passphrase), one case per --per
# records, that many English-like notes (bench/gen_notes.awk, 1,800-2,300
# bytes each, every one different) filed with one 'casevault import' (which
# writes the word sets), and then times --runs searches of the whole vault
# as the manager (every case, both sections), each for a different word of
# the notes' vocabulary or a child's name, and reports p50 and p99 of their
# wall times: first with the word sets ("idx"), then, in the same vault,
# with every row deleted ("arch": every archive read, as before the word
# sets), then the 'search --reindex' that writes them back.  Two baselines,
# measured in the same rounds: 'casevault case list' (open the vault, read
# the index: no key) and 'casevault ls' of the first case (the same and the
# manager's keyslip unlocked with gpg, as every search does: "unlk").  It checks that both ways find the
# same number for "tribunal".  No figure is asserted.
#
# --index-only skips the archive runs and the rebuild (a vault of 100,000
# records reads its archives for minutes a search).
#
# Usage: bench/bench_search.sh [--sizes "1000 10000"] [--per N] [--runs N] [--index-only]
# Environment: CASEVAULT_BIN (default build/casevault), CASEVAULT_POLICY_DIR
# (default policies/).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
SIZES="1000 10000" PER=50 RUNS=20 INDEX_ONLY=
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) SIZES=$2; shift 2 ;;
	--per) PER=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--index-only) INDEX_ONLY=1; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench_search.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
case "$SIZES$PER$RUNS" in *[!0-9\ ]*) echo "bench_search.sh: --sizes, --per and --runs take whole numbers" >&2; exit 2 ;; esac
[ "$PER" -ge 1 ] && [ "$PER" -le 99 ] || { echo "bench_search.sh: --per must be 1 to 99 (notes are nNN.txt)" >&2; exit 2; }
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
POL=${CASEVAULT_POLICY_DIR:-$REPO/policies}
[ -x "$CV" ] || { echo "bench_search.sh: no casevault binary at $CV; build it first" >&2; exit 2; }
source "$REPO/bench/lib.sh"

WORDS=(tribunal SENCO transport therapy behaviour referral deadline evidence appointment consent
	worried lunch reading assessment officer waiting visitor maths speech attendance)

# pct FILE P: the P-th percentile (nearest rank) of a column of seconds
pct() { sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { k = int((p * NR + 99) / 100); if (k < 1) k = 1; printf "%.3f", v[k] }'; }
# timed OUT COMMAND...: append the wall seconds of COMMAND (stdout discarded) to OUT
timed() {
	local out=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	"$@" >/dev/null
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' >>"$out"
}

echo "casevault search benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-6s %8s %8s %8s %8s %8s %8s %8s %8s %8s %6s\n' records cases import_s base_p50 unlk_p50 idx_p50 \
	idx_p99 arch_p50 arch_p99 arch/idx reindex found
# searches OUT: --runs timed searches of the whole vault into OUT, the baseline's rounds into $W/base
searches() {
	local i w
	: >"$1"
	for i in $(seq "$RUNS"); do
		timed "$W/base" "$CV" case list
		timed "$W/unlk" "$CV" ls "$first"
		w=${WORDS[$(( (i - 1) % ${#WORDS[@]} ))]}
		[ $((i % 5)) -eq 0 ] && w="Child $(( (i * 7) % cases + 1 ))"
		timed "$1" "$CV" search "$w"
	done
}
count() { "$CV" --json search tribunal | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }
for n in $SIZES; do
	cases=$(( (n + PER - 1) / PER ))
	[ "$cases" -le 999 ] || { echo "bench_search.sh: $n records at --per $PER is more than 999 cases" >&2; exit 2; }
	rm -rf "$W/d"
	bench_notes "$cases" "$PER"
	bench_vault "$CV" "v$n" "$cases" "$PER"
	export CASEVAULT_DIR=$W/v$n CASEVAULT_POLICY_DIR=$POL
	: >"$W/imp" && : >"$W/base" && : >"$W/unlk" && : >"$W/reidx"
	timed "$W/imp" "$CV" import "$W/v$n.csv" 2>/dev/null
	first=$(head -2 "$W/v$n.csv" | tail -1 | cut -d, -f1)
	searches "$W/idx"
	hits=$(count)
	if [ -z "$INDEX_ONLY" ]; then
		python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM record_words"); c.commit()' \
			"$W/v$n/vault.db"
		searches "$W/arch"
		[ "$(count)" = "$hits" ] || { echo "bench_search.sh: $n records: $hits found with the word sets, $(count) without" >&2; exit 1; }
		timed "$W/reidx" "$CV" search --reindex
		[ "$(count)" = "$hits" ] || { echo "bench_search.sh: $n records: the rebuilt word sets find $(count), not $hits" >&2; exit 1; }
	else
		echo 0 >"$W/arch" && echo - >"$W/reidx"
	fi
	b50=$(pct "$W/base" 50) u50=$(pct "$W/unlk" 50) i50=$(pct "$W/idx" 50) i99=$(pct "$W/idx" 99) a50=$(pct "$W/arch" 50) a99=$(pct "$W/arch" 99)
	printf '%-8s %-6s %8s %8s %8s %8s %8s %8s %8s %8s %8s %6s\n' "$n" "$cases" "$(cat "$W/imp")" "$b50" "$u50" "$i50" \
		"$i99" "$a50" "$a99" "$(awk -v a="$a50" -v b="$i50" 'BEGIN { printf "%.1fx", a / b }')" "$(cat "$W/reidx")" "$hits"
	GNUPGHOME=$W/v$n/gnupg gpgconf --kill all 2>/dev/null || true
	rm -rf "$W/v$n" "$W/d"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
