#!/bin/bash
# Speed of import and ls with and without signed audit checkpoints: two
# binaries (OLD, NEW) on the same corpus, runs interleaved round by round.
#   bench/bench_sign.sh OLD-BINARY NEW-BINARY [ROUNDS]
# The corpus is bench_import.sh's notes (100 cases x 20 notes, gen_notes.awk)
# plus 2 PNG "scans" of noise per case.  import: into a fresh --no-passphrase
# vault (init and case open not timed).  ls: one case, 10 times per round.
# Wall clock, and CPU time (user + system of casevault and the gpg processes
# it waits for, /usr/bin/time), which a loaded machine disturbs less.
#
# 2026-12-02, 2 cores shared with six other builds (load average 12-15, so
# walls are 15-30x the quiet figures), main 44eab88 against wt-c:
#   a checkpoint at every unlock (3 rounds): ls wall median x1.43, best x1.77;
#     import wall median x1.07 -> hence one checkpoint per 10 events / 10 min
#   one in ten (2 rounds): import wall best x0.99, cpu mean 1.90 -> 2.45 s
#     (2 samples each); ls wall median x1.04, cpu mean 0.0875 -> 0.0890 s
#   ls alone, 30 interleaved runs: cpu mean 0.0913 -> 0.0960 s (x1.05),
#     wall mean x1.06; import of 200 notes, 2 runs each: cpu 0.78-0.92 s
#     old, 0.76-0.80 s new, 18 -> 20 gpg processes
set -euo pipefail
OLD=$1 NEW=$2 ROUNDS=${3:-5}
REPO=$(cd "$(dirname "$0")/.." && pwd)
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
W=$(mktemp -d /tmp/cvs.XXXXXX)
trap 'for h in "$W"/*/gnupg "$W"/*/purge-key; do [ -d "$h" ] && gpgconf --homedir "$h" --kill all 2>/dev/null; done; rm -rf "$W"' EXIT
CASES=100
mkdir -p "$W/d"
for c in $(seq $CASES); do mkdir "$W/d/$(printf 'c%03d' "$c")"; done
awk -v cases=$CASES -v per=20 -v dir="$W/d" -f "$REPO/bench/gen_notes.awk"
for c in $(seq $CASES); do for k in 1 2; do
	convert -seed $((c * 2 + k)) -size 300x300 xc:gray50 -attenuate 1 +noise Random -colorspace Gray -depth 8 "$W/d/$(printf 'c%03d' "$c")/s$k.png"
done; done
make_vault() { # BIN NAME
	local v=$W/$2 id c k
	"$1" init "$v" --no-passphrase --name "Bench Manager" >/dev/null
	{ echo "case,path,class,section,title,date"
	  for c in $(seq $CASES); do
		id=$(CASEVAULT_DIR=$v "$1" case open --parent "Parent $c" --child "Child $c" --child-dob 2014-01-02 --pr-confirmed)
		for k in $(seq 20); do printf '%s,d/c%03d/n%02d.txt,case-note,case,Note %d,2025-03-%02d\n' "$id" "$c" "$k" "$k" "$k"; done
		for k in 1 2; do printf '%s,d/c%03d/s%d.png,letter,case,Scan %d,2025-04-0%d\n' "$id" "$c" "$k" "$k" "$k"; done
	  done; } >"$W/$2.csv"
}
now() { echo "$EPOCHREALTIME"; }
declare -A IMP LS ICPU LCPU
for r in $(seq "$ROUNDS"); do
	for which in old new; do
		bin=$OLD; [ $which = new ] && bin=$NEW
		name=$which$r
		make_vault "$bin" "$name"
		t0=$(now); (cd "$W" && CASEVAULT_DIR=$W/$name /usr/bin/time -f '%U %S' -o "$W/t" "$bin" import "$W/$name.csv" >/dev/null 2>&1); t1=$(now)
		IMP[$which]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f ", b-a}')"
		ICPU[$which]+="$(awk '{printf "%.2f ", $1 + $2}' "$W/t")"
		id=$(CASEVAULT_DIR=$W/$name "$bin" case list | awk 'NR==1{print $1}')
		for k in $(seq 10); do
			t0=$(now); CASEVAULT_DIR=$W/$name /usr/bin/time -f '%U %S' -o "$W/t" "$bin" ls "$id" >/dev/null; t1=$(now)
			LS[$which]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f ", b-a}')"
			LCPU[$which]+="$(awk '{printf "%.2f ", $1 + $2}' "$W/t")"
		done
		gpgconf --homedir "$W/$name/gnupg" --kill all 2>/dev/null || true
		rm -rf "${W:?}/$name"
	done
done
stats() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1; s+=$1} END{printf "best %.4f median %.4f mean %.4f", a[1], a[int((NR+1)/2)], s/NR}'; }
for which in old new; do
	echo "$which import wall: $(echo "${IMP[$which]}" | stats)   cpu: $(echo "${ICPU[$which]}" | stats)"
	echo "$which ls wall: $(echo "${LS[$which]}" | stats)   cpu: $(echo "${LCPU[$which]}" | stats)"
done
bi() { echo "${IMP[$1]}" | stats | awk '{print $2}'; }; bl() { echo "${LS[$1]}" | stats | awk '{print $2}'; }
mi() { echo "${IMP[$1]}" | stats | awk '{print $4}'; }; ml() { echo "${LS[$1]}" | stats | awk '{print $4}'; }
echo "ratio new/old: import best $(awk -v a="$(bi old)" -v b="$(bi new)" 'BEGIN{printf "%.3f", b/a}') median $(awk -v a="$(mi old)" -v b="$(mi new)" 'BEGIN{printf "%.3f", b/a}');" \
     "ls best $(awk -v a="$(bl old)" -v b="$(bl new)" 'BEGIN{printf "%.3f", b/a}') median $(awk -v a="$(ml old)" -v b="$(ml new)" 'BEGIN{printf "%.3f", b/a}')"
