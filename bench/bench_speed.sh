#!/usr/bin/env bash
# import, ls and get with two casevault builds, interleaved round by round on
# one notes corpus: wall seconds, and CPU seconds of each command's whole
# process tree plus the vault's gpg-agent (bench/treecpu.c), which a shared,
# loaded machine disturbs far less than the wall.  Prints best and median of
# each, and new/old of both.  See bench/README.md, Trust: import, ls and get.
#
#   bench/bench_speed.sh OLD_BIN NEW_BIN [--runs N] [--cases N] [--per N] [--reads N]
#   --runs N   rounds (default 5)       --cases N  cases (default 20)
#   --per N    notes per case (default 20, 1.8 to 2.3 KB each, gen_notes.awk)
#   --reads N  ls of one case and get of one note, N of each per round (default 5)
# Each binary runs with the policies of its own tree (OLD_BIN/../../policies
# unless CASEVAULT_OLD_POLICY_DIR is set; a newer policy may not load in an
# older build).  import: into a fresh vault whose gpg-agent runs already
# (init and case open untimed), so the same number of events precede it.
set -euo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
USAGE="usage: bench_speed.sh OLD_BIN NEW_BIN [--runs N] [--cases N] [--per N] [--reads N]"
OLD=${1:?$USAGE} NEW=${2:?$USAGE}
shift 2
RUNS=5 CASES=20 PER=20 READS=5
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--cases) CASES=$2; shift 2 ;;
	--per) PER=$2; shift 2 ;;
	--reads) READS=$2; shift 2 ;;
	*) echo "$USAGE" >&2; exit 2 ;;
	esac
done
OLD_POL=${CASEVAULT_OLD_POLICY_DIR:-$(dirname "$OLD")/../policies}
NEW_POL=${CASEVAULT_POLICY_DIR:-$REPO/policies}
source "$REPO/bench/lib.sh"
bench_treecpu
bench_notes "$CASES" "$PER"

for r in $(seq "$RUNS"); do
	for who in old new; do
		bin=$OLD POL=$OLD_POL
		[ "$who" = new ] && bin=$NEW POL=$NEW_POL
		v=$W/$who$r
		bench_vault "$bin" "$who$r" "$CASES" "$PER"
		export CASEVAULT_POLICY_DIR=$POL CASEVAULT_DIR=$v
		bench_time "$v" "$W/$who.import" "$bin" import "$v.csv"
		c=$(awk -F, 'NR == 2 { print $1 }' "$v.csv")
		for k in $(seq "$READS"); do
			bench_time "$v" "$W/$who.ls" "$bin" ls "$c"
			bench_time "$v" "$W/$who.get" "$bin" get "R-$(printf '%06d' $(( (k * 7919 + r) % (CASES * PER) + 1 )))"
		done
		unset CASEVAULT_POLICY_DIR CASEVAULT_DIR
		GNUPGHOME=$v/gnupg gpgconf --kill all 2>/dev/null || true
		GNUPGHOME=$v/purge-key gpgconf --kill all 2>/dev/null || true
		rm -rf "${v:?}" "$v.csv"
	done
	echo "round $r of $RUNS done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

echo "casevault import, ls and get, two builds interleaved ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "  old $OLD"
echo "  new $NEW"
echo "  $((CASES * PER)) notes in $CASES cases; $RUNS rounds; $READS ls and $READS get per round; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
for what in import ls get; do
	printf '  %-6s wall: old %s, new %s: %s\n' "$what" "$(bench_stats "$W/old.$what" 1)" "$(bench_stats "$W/new.$what" 1)" \
		"$(bench_ratio "$W/old.$what" "$W/new.$what" 1)"
	printf '  %-6s CPU:  old %s, new %s: %s\n' "" "$(bench_stats "$W/old.$what" 2)" "$(bench_stats "$W/new.$what" 2)" \
		"$(bench_ratio "$W/old.$what" "$W/new.$what" 2)"
done
