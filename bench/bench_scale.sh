#!/usr/bin/env bash
# casevault at scale: import, verify and purge of vaults of 1,000, 10,000
# and 100,000 records (see bench/README.md, "Scale").
#
# For each size it makes a vault (a test clock), opens one case per
# --per-case records, writes that many small notes (bench/gen_notes.awk,
# the generator of bench_import.sh, 200-400 bytes each, every one
# different) and a manifest, then measures with /usr/bin/time -v, one run
# each (a benchmark, not a test: no figure is asserted):
#   import   the manifest, into the empty vault;
#   verify   the full vault;
#   purge    everything: the cases are closed, then CASEVAULT_TODAY is put
#            far in the future (2030-01-01), so every record is due;
#   verify+  the emptied vault, whose certificates name every record;
# and, on the full vault: ls of one case, audit verify and the index size
# (vault.db with its WAL), then retention due and purge --dry-run once every
# record is due.  A second table gives each figure's growth from one size to
# the next against the growth in records (at most linear: a ratio no larger
# than the size ratio; ls of one case flat, about 1).
# It prints one table (wall seconds, peak resident set size and CPU seconds,
# user + system, then each alone, of the casevault process: gpg is double-forked by GPGME
# and not counted; the CPU time is the figure a loaded machine disturbs
# least) with the
# machine load (uptime) before and after, and checks that each purge
# destroyed every record and that verify passes afterwards (its
# certificates check out).  Everything is
# made in a temporary directory under /tmp, removed on exit with every
# gpg-agent it started.
#
# Usage: bench/bench_scale.sh [--sizes "1000 10000 100000"] [--per-case N] [--json] [--import-only]
#   --sizes LIST   vault sizes in records (default "1000 10000")
#   --per-case N   records per case (default 50)
#   --json         measure 'casevault --json import' (its report streamed
#                  to standard output, checked to list every record)
#   --import-only  measure the import alone: no verify, no purge
# Environment: CASEVAULT_BIN (default build/casevault), CASEVAULT_POLICY_DIR
# (default policies/).
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
SIZES="1000 10000"
PER_CASE=50
JSON=
IMPORT_ONLY=

while [ $# -gt 0 ]; do
	case $1 in
	--sizes) SIZES=$2; shift 2 ;;
	--per-case) PER_CASE=$2; shift 2 ;;
	--json) JSON=--json; shift ;;
	--import-only) IMPORT_ONLY=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "bench_scale.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
for n in $SIZES $PER_CASE; do
	case $n in ''|*[!0-9]*|0) echo "bench_scale.sh: sizes and --per-case are whole numbers above 0" >&2; exit 2 ;; esac
done
[ -x /usr/bin/time ] || { echo "bench_scale.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
[ -x "$CV" ] || { echo "bench_scale.sh: no casevault binary at $CV; build it first" >&2; exit 2; }

source "$REPO/bench/lib.sh"

# measure SIZE COMMAND ARGS...: one timed run; appends a table row.
measure() {
	local size=$1 what=$2
	shift 2
	/usr/bin/time -v -o "$W/tv" "$CV" "$@" >"$W/out" 2>"$W/err" || {
		echo "bench_scale.sh: $what of $size records failed:" >&2
		tail -n 5 "$W/err" >&2
		exit 1
	}
	awk -F': ' -v s="$size" -v w="$what" '
		/Elapsed \(wall clock\)/ { n = split($2, t, ":"); secs = t[n] + (n > 1 ? 60 * t[n - 1] : 0) + (n > 2 ? 3600 * t[n - 2] : 0) }
		/Maximum resident set size/ { kb = $2 }
		/User time \(seconds\)/ { user = $2 }
		/System time \(seconds\)/ { sys = $2 }
		END { printf "| %7d | %-9s | %8.2f | %8.1f | %8.2f | %8.2f | %8.2f |\n", s, w, secs, kb / 1024, user + sys, user, sys }' "$W/tv" >>"$W/table"
}

# one SIZE: build, import, verify and purge a vault of SIZE records.
one() {
	local size=$1 v=$W/v$1 cases c i
	cases=$(( (size + PER_CASE - 1) / PER_CASE ))
	echo "# $size records: $cases cases, making the notes and the manifest" >&2
	export CASEVAULT_TODAY=2015-01-10 CASEVAULT_DIR=$v
	"$CV" init "$v" --no-passphrase --test-clock --name "Bench Manager" >/dev/null
	mkdir -p "$W/d$size"
	for ((i = 1; i <= cases; i++)); do mkdir -p "$W/d$size/c$i"; done
	awk -v cases="$cases" -v per="$PER_CASE" -v dir="$W/d$size" -v path="%s/c%d/n%d.txt" -v lo=200 -v span=200 \
		-f "$REPO/bench/gen_notes.awk"
	echo "case,path,class,section,title,date" >"$W/m$size.csv"
	for ((i = 1; i <= cases; i++)); do
		c=$("$CV" case open --parent "Parent $i" --child "Child $i" --child-dob 2012-01-02 --pr-confirmed)
		echo "$c" >>"$W/cases$size"
		awk -v c="$c" -v i="$i" -v per="$PER_CASE" -v left=$((size - (i - 1) * PER_CASE)) -v d="$W/d$size" 'BEGIN {
			split("case-note phone-call meeting-note", cls, " ")
			for (k = 1; k <= per && k <= left; k++)
				printf "%s,%s/c%d/n%d.txt,%s,case,Note %d,2014-%02d-%02d\n", c, d, i, k, cls[1 + k % 3], k, 1 + k % 12, 1 + k % 28
		}' >>"$W/m$size.csv"
	done
	echo "# $size records: import $JSON" >&2
	measure "$size" "import${JSON:+ -j}" $JSON import "$W/m$size.csv"
	if [ -n "$JSON" ]; then
		python3 -c 'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))["filed"]) != int(sys.argv[2]))' "$W/out" "$size"
	else
		grep -q "imported $size of $size documents" "$W/err"
	fi || { echo "bench_scale.sh: the import did not file every document" >&2; exit 1; }
	[ -z "$IMPORT_ONLY" ] || { GNUPGHOME=$v/gnupg gpgconf --kill all 2>/dev/null || true; rm -rf "$v" "$W/d$size"; return 0; }
	echo "# $size records: verify, ls of one case, audit verify" >&2
	measure "$size" verify verify
	measure "$size" ls ls "$(head -n 1 "$W/cases$size")"
	measure "$size" audit audit verify
	echo "$size $(stat -c %s "$v/vault.db" "$v/vault.db-wal" 2>/dev/null | awk '{s += $1} END {print s}')" >>"$W/isize"
	export CASEVAULT_TODAY=2015-02-01
	while read -r c; do "$CV" case close "$c" >/dev/null; done <"$W/cases$size"
	export CASEVAULT_TODAY=2030-01-01
	"$CV" staff attest S-0001 >/dev/null
	echo "# $size records: purge --dry-run, purge" >&2
	measure "$size" due retention due
	measure "$size" dry-run purge --dry-run
	measure "$size" purge purge --yes
	grep -q "destroyed $size records" "$W/out" || { echo "bench_scale.sh: the purge did not destroy every record: $(tail -n 1 "$W/out")" >&2; exit 1; }
	echo "# $size records: verify after the purge (its certificates)" >&2
	measure "$size" verify+ verify
	GNUPGHOME=$v/gnupg gpgconf --kill all 2>/dev/null || true
	rm -rf "$v" "$W/d$size"
}

echo "casevault scale benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: nproc $(nproc), $(awk '/MemTotal/{printf "%.1f GB RAM", $2/1048576}' /proc/meminfo); binary $CV;" \
     "repository at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "load before: $(uptime)"
: >"$W/table"
: >"$W/isize"
for s in $SIZES; do one "$s"; done
echo "load after:  $(uptime)"
echo
echo "| records | command   |   wall s | peak RSS MB |    CPU s |   user s |    sys s |"
echo "|--------:|-----------|---------:|---------:|---------:|---------:|---------:|"
cat "$W/table"
echo
echo "| records | index MB |"
echo "|--------:|---------:|"
awk '{ printf "| %7d | %8.1f |\n", $1, $2 / 1048576 }' "$W/isize"
echo
echo "Growth from one size to the next (wall time and CPU time, or the index size; at most linear when grew x <= records x):"
echo
echo "| figure    | from | to | records x | wall x |  CPU x | user x |  sys x |"
echo "|-----------|-----:|---:|----------:|-------:|-------:|-------:|-------:|"
awk -F'|' 'FNR == NR { split($0, f, " "); t["index", f[1] + 0] = f[2]; next }
	{ s = $2 + 0; w = $3; gsub(/ /, "", w); t[w, s] = $4 + 0; u[w, s] = $6 + 0; us[w, s] = $7 + 0; sy[w, s] = $8 + 0; if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
	  if (!(s in got)) { got[s] = 1; sizes[++ns] = s } }
	END { order[++nw] = "index"
	      for (k = 1; k <= nw; k++) for (i = 2; i <= ns; i++) {
		w = order[k]; a = sizes[i - 1]; b = sizes[i]
		if (!((w SUBSEP a) in t) || !((w SUBSEP b) in t)) continue
		printf "| %-9s | %d | %d | %9.1f | %6.2f | %6s | %6s | %6s |\n", w, a, b, b / a, (t[w, a] > 0 ? t[w, b] / t[w, a] : 0),
			ratio(u, w, a, b), ratio(us, w, a, b), ratio(sy, w, a, b) } }
	function ratio(x, w, a, b) { return w == "index" || !(x[w, a] > 0) ? "-" : sprintf("%.2f", x[w, b] / x[w, a]) }' \
	"$W/isize" "$W/table"
