#!/bin/bash
# casevault key wrap benchmark: `import` and `get` with two binaries, BASE
# (for example a build of the commit before a change to the archive key
# wrap) and NEW, interleaved on the same notes corpus, and the ratio NEW/BASE
# of the median times.  See bench/README.md, Key wrap.
#   CASEVAULT_BASE=/path/to/old/casevault bench/bench_wrap.sh [--cases N] [--runs N] [--gets N]
# The base runs with the policies/ of its tree (CASEVAULT_BASE_POLICY_DIR,
# default BASE/../policies), the new binary with this tree's.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
NEW=${CASEVAULT_BIN:-$REPO/build/casevault}
BASE=${CASEVAULT_BASE:?set CASEVAULT_BASE to the binary to compare with}
CASES=50 RUNS=3 GETS=100 PER=20
while [ $# -gt 0 ]; do
	case $1 in
	--cases) CASES=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--gets) GETS=$2; shift 2 ;;
	*) echo "usage: CASEVAULT_BASE=BIN $0 [--cases N] [--runs N] [--gets N]" >&2; exit 2 ;;
	esac
done
# shellcheck source=lib.sh
source "$REPO/bench/lib.sh"
# each binary with the policies of its own tree (a newer retention.ini may not load in an older build)
NEW_POLICY=${CASEVAULT_POLICY_DIR:-$REPO/policies}
BASE_POLICY=${CASEVAULT_BASE_POLICY_DIR:-$(dirname "$BASE")/../policies}

mkdir -p "$W/d"
for c in $(seq "$CASES"); do mkdir "$W/d/$(printf 'c%03d' "$c")"; done
awk -v cases="$CASES" -v per="$PER" -v dir="$W/d" -f "$REPO/bench/gen_notes.awk"

# vault BIN NAME: a fresh vault with CASES cases and NAME.csv filing every note.
vault() {
	local bin=$1 v=$W/$2 c id k
	CASEVAULT_POLICY_DIR=$POL "$bin" init "$v" --no-passphrase --name "Bench Manager" >/dev/null
	{
		echo "case,path,class,section,title,date"
		for c in $(seq "$CASES"); do
			id=$(CASEVAULT_DIR=$v "$bin" case open --parent "Parent $c" --child "Child $c" --child-dob 2014-01-02 --pr-confirmed)
			for k in $(seq "$PER"); do printf '%s,d/c%03d/n%02d.txt,case-note,case,Note %d,2025-01-%02d\n' "$id" "$c" "$k" "$k" "$k"; done
		done
	} >"$v.csv"
}
secs() { local t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1; awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
gets() { # BIN VAULT: get GETS records spread over the archives
	local i n
	n=$(sqlite3 -readonly "$2/vault.db" "SELECT count(*) FROM records")
	for i in $(seq "$GETS"); do
		CASEVAULT_DIR=$2 "$1" get "R-$(printf '%06d' $(( (i * 7919) % n + 1 )))" -o /dev/null
	done
}
declare -A IMP GET
for r in $(seq "$RUNS"); do
	for who in base new; do
		bin=$BASE POL=$BASE_POLICY; [ $who = new ] && bin=$NEW POL=$NEW_POLICY
		vault "$bin" "$who$r"
		IMP[$who]+="$(cd "$W" && secs env CASEVAULT_DIR="$W/$who$r" "$bin" import "$W/$who$r.csv") "
		GET[$who]+="$(secs gets "$bin" "$W/$who$r") "
	done
done
med() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ib=$(med <<<"${IMP[base]}") in=$(med <<<"${IMP[new]}") gb=$(med <<<"${GET[base]}") gn=$(med <<<"${GET[new]}")
echo "key wrap benchmark: $((CASES * PER)) notes in $CASES cases, $GETS gets, median of $RUNS interleaved runs"
echo "  base $BASE"
echo "  new  $NEW"
awk -v ib="$ib" -v in_="$in" -v gb="$gb" -v gn="$gn" 'BEGIN {
	printf "  import: base %.2f s, new %.2f s, new/base %.3f\n", ib, in_, in_ / ib
	printf "  get:    base %.2f s, new %.2f s, new/base %.3f\n", gb, gn, gn / gb
}'
