#!/bin/bash
# The fault sweep by site (docs/recovery.md, "Fault injection";
# tests/fault/faultshim.c, CV_FAULT_SITES): a clean run of a real command
# records one site per counted call; the calls of a loop share a site, so
# there are fewer sites than calls; the record is the same in two clean runs
# on the same vault (a site is object file + offset, not an address that
# moves with ASLR), each site with as many calls, though not always in the
# same order (the receipt's signer thread writes to gpg while the main
# thread writes the index); recording sites does not change the count; and a
# fault aimed at the first or last call of a site (what the sweep tries, by
# site and turn) is injected.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/fault/fault_lib.sh"
[ -f "$SHIM" ] || { echo "# no fault shim at $SHIM (build with -DBUILD_TESTS=ON)"; exit 1; }

new_test_vault
run_cv --json case open --parent "S Parent" --child "S Child" --child-dob 2015-03-04 --pr-confirmed
C=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["case"])' <<<"$OUT")
printf 'Document %s\n' "$MARK" >"$T/doc.txt"
GNUPGHOME=$V/gnupg gpgconf --kill all
mkdir -p "$T/tmpl" && (cd "$V" && tar cf - --exclude='S.*' .) | (cd "$T/tmpl" && tar xf -)

# clean RUN [ENV...]: the filing on a fresh copy of the vault under the shim
clean() {
	local run=$1; shift
	fault_fresh
	rm -f "$T/count.$run" "$T/sites.$run"
	env "$@" CV_FAULT_COUNT="$T/count.$run" LD_PRELOAD="$SHIM" \
		"$CV" file "$C" "$T/doc.txt" --class letter --date 2026-01-10 >/dev/null 2>"$T/err.$run" </dev/null
}
clean 1 CV_FAULT_SITES="$T/sites.1"; rc1=$?
clean 2 CV_FAULT_SITES="$T/sites.2"; rc2=$?
clean 3; rc3=$?
check "three clean runs of file succeed" test "$rc1$rc2$rc3" = 000
calls=$(cat "$T/count.1")
sites=$(cut -d' ' -f3 "$T/sites.1" | sort -u | grep -c '')
echo "# file: $calls calls, $sites sites"
check "one site line per counted call ($calls)" test "$(grep -c '' "$T/sites.1")" -eq "$calls"
check "lines are 'N function key', numbered 1 to $calls" \
	awk '!($1 == NR && $2 ~ /^(write|pwrite|pwrite64|fsync|fdatasync|rename|renameat|unlink|unlinkat|ftruncate|ftruncate64)$/ && length($3) == 16 && $3 ~ /^[0-9a-f]+$/) { exit 1 }' "$T/sites.1"
check "fewer distinct sites ($sites) than calls ($calls): a loop's calls share one" test "$sites" -gt 1 -a "$sites" -lt "$calls"
# per site, its function and how many calls: the same in both runs
persite() { awk '{ print $3, $2 }' "$1" | sort | uniq -c; }
check "the same sites, each as many calls, in a second clean run" cmp -s <(persite "$T/sites.1") <(persite "$T/sites.2") ||
	diff <(persite "$T/sites.1") <(persite "$T/sites.2") | head -20 | sed "s/^/# /"
check "recording sites leaves the count alone ($(cat "$T/count.3") without)" test "$(cat "$T/count.3")" -eq "$calls"

# the sweep's points: each site's first call, and its last when it recurs,
# each as "N site:HEX/K" (its number in run 1, its site and turn)
fault_site_points "$T/sites.1" >"$T/points"
cut -d' ' -f1 "$T/points" >"$T/pointnums"
npts=$(grep -c '' "$T/points")
loop=$(awk '{ n[$3]++ } END { for (k in n) if (n[k] > 1) { print k; exit } }' "$T/sites.1")
nloop=$(awk -v k="$loop" '$3 == k' "$T/sites.1" | grep -c '')
first=$(awk -v k="$loop" '$3 == k { print $1; exit }' "$T/sites.1")
last=$(awk -v k="$loop" '$3 == k { n = $1 } END { print n }' "$T/sites.1")
check "points: $npts, between $sites and twice that, sorted, no repeats" \
	sh -c "[ $npts -ge $sites ] && [ $npts -le $((2 * sites)) ] && sort -nuc '$T/pointnums' && cut -d' ' -f2 '$T/points' | sort | uniq -d | grep -c . | grep -qx 0"
check "a site in a loop ($loop, $nloop calls) gives its first ($first) and its last call ($last)" \
	sh -c "[ $first -lt $last ] && grep -qx '$first site:$loop/1' '$T/points' && grep -qx '$last site:$loop/$nloop' '$T/points'"
check "no call between them of that site is a point" \
	sh -c "! awk -v k='$loop' -v f=$first -v l=$last '\$3 == k && \$1 > f && \$1 < l { print \$1 }' '$T/sites.1' | grep -qxFf - '$T/pointnums'"

# faults aimed by site and turn are injected: killed at the loop's first
# call, failed with EIO at the first rename among the points (the archive
# moved into place; some later calls may fail without failing the
# command, as a checkpoint's at close, which SQLite redoes on the next open)
fault_fresh
{ CV_FAULT=site:$loop/1:kill LD_PRELOAD=$SHIM "$CV" file "$C" "$T/doc.txt" --class letter --date 2026-01-10 >/dev/null 2>&1 </dev/null; rc=$?; } 2>/dev/null
check "killed at the loop's first call (site:$loop/1): exit 137 (got $rc)" test "$rc" -eq 137
run_cv verify
check "and the vault verifies" test "$RC" -eq 0
end=$(awk 'NR == FNR { p[$1] = $2; next } ($1 in p) && $2 ~ /^rename/ { print p[$1]; exit }' "$T/points" "$T/sites.1")
fault_fresh
CV_FAULT=$end:eio LD_PRELOAD=$SHIM "$CV" file "$C" "$T/doc.txt" --class letter --date 2026-01-10 >/dev/null 2>"$T/ferr" </dev/null
rc=$?
echo "# EIO at $end ($(fault_where "$end" "$T/sites.1")): exit $rc: $(head -c 200 "$T/ferr")"
check "EIO at the first rename point ($end) fails the command" test "$rc" -ne 0 -a -s "$T/ferr"
run_cv verify
check "and the vault verifies" test "$RC" -eq 0
finish
