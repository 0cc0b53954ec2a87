#!/usr/bin/env bash
# import through casevaultd against the direct mode (docs/service.md, Named
# files; docs/protocol.md, "Documents of a manifest"): the same manifest of
# CASES x PER notes (gen_notes.awk, about 2 KB each) imported into a fresh
# copy of the same --no-passphrase vault, once directly and once through a
# daemon serving that copy (the client passes each document on demand).
# The two alternate, and which goes first alternates, in every round.
# Each is measured twice a round: as the first command (the daemon just
# started, no session; directly, no gpg-agent yet), and signed in (after an
# untimed `ls` of a case, as someone at work would have run: the daemon
# holds the person's session, the direct mode's gpg-agent runs, holding
# nothing a --no-passphrase key needs).
# Reported: wall seconds (best, median) of each, the ratio daemon/direct,
# and the CPU seconds: direct, the command's process tree (bench/treecpu.c);
# through the daemon, the client's tree plus the daemon's reaped children
# (connection process, worker and their gpg). The issue's target: the
# daemon within 10 % of the direct mode.
#
#   bench/bench_service_import.sh [--runs N] [--cases N] [--per N]
#   (defaults 3 rounds, 20 cases, 50 notes each: 1,000 documents)
# Binaries: $CASEVAULT_BIN and $CASEVAULTD_BIN (default build/casevault and
# build/casevaultd).  Run as root, everything runs as a throwaway account
# (useradd), as casevaultd never runs as root.
set -euo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
USAGE="usage: bench_service_import.sh [--runs N] [--cases N] [--per N]"
RUNS=3 CASES=20 PER=50
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--cases) CASES=$2; shift 2 ;;
	--per) PER=$2; shift 2 ;;
	*) echo "$USAGE" >&2; exit 2 ;;
	esac
done
case "$RUNS$CASES$PER" in *[!0-9]*|'') echo "$USAGE" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] && [ "$CASES" -ge 1 ] && [ "$CASES" -le 999 ] && [ "$PER" -ge 1 ] && [ "$PER" -le 99 ] ||
	{ echo "bench_service_import: need --runs >= 1, 1 <= --cases <= 999, 1 <= --per <= 99" >&2; exit 2; }
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
CVD=${CASEVAULTD_BIN:-$REPO/build/casevaultd}
POL=$REPO/policies
source "$REPO/bench/lib.sh"

bench_account cvbimp
bench_treecpu
export CASEVAULT_POLICY_DIR=$POL

# ---- the template vault and its manifest (untimed)
bench_notes "$CASES" "$PER"
[ -n "$ACCT" ] && chown -R "$ACCT" "$W"
as_acct "$CV" init "$W/tmpl" --no-passphrase --name "Bench Manager" >/dev/null
{
	echo "case,path,class,section,title,date"
	for c in $(seq "$CASES"); do
		id=$(as_acct env CASEVAULT_DIR="$W/tmpl" "$CV" case open --parent "Parent $c" --child "Child $c" \
			--child-dob 2014-01-02 --pr-confirmed)
		for k in $(seq "$PER"); do
			printf '%s,d/c%03d/n%02d.txt,case-note,case,Note %d,2025-01-%02d\n' "$id" "$c" "$k" "$k" "$(( (k - 1) % 28 + 1 ))"
		done
	done
} >"$W/tmpl.csv"
[ -n "$ACCT" ] && chown "$ACCT" "$W/tmpl.csv"
as_acct env GNUPGHOME="$W/tmpl/gnupg" gpgconf --kill all 2>/dev/null || true
DOCS=$((CASES * PER))
CASE1=$(sed -n '2s/,.*//p' "$W/tmpl.csv")

# one MODE ROUND STATE: a fresh copy of the template, imported in MODE
# (direct|daemon) as the first command (STATE cold) or signed in (warm)
one() {
	local mode=$1 state=$3 v=$W/v.$1.$2.$3 k0 k1
	cp -a "$W/tmpl" "$v" && find "$v" -name 'S.*' -delete
	if [ "$mode" = direct ]; then
		[ "$state" = cold ] || as_acct env CASEVAULT_DIR="$v" "$CV" ls "$CASE1" >/dev/null
		bench_time "$v" "$W/$mode.$state" "${ACMD[@]}" env CASEVAULT_DIR="$v" "$CV" import "$W/tmpl.csv"
	else
		as_acct mkdir -p "$W/run.$2"
		"${ACMD[@]}" "$CVD" --vault "$v" --socket "$W/run.$2/sock" 2>"$W/daemon.log" >/dev/null </dev/null &
		DPID=$!
		for _ in $(seq 100); do [ -S "$W/run.$2/sock" ] && break; sleep 0.05; done
		[ "$state" = cold ] || as_acct env CASEVAULT_SOCKET="$W/run.$2/sock" "$CV" ls "$CASE1" >/dev/null
		k0=$(awk '{ print $16 + $17 }' "/proc/$DPID/stat")
		bench_time "$v" "$W/$mode.$state" "${ACMD[@]}" env CASEVAULT_SOCKET="$W/run.$2/sock" "$CV" import "$W/tmpl.csv"
		# the connection process is counted once the daemon has reaped it (its worker with it)
		for _ in $(seq 100); do pgrep -P "$DPID" -x casevaultd-conn >/dev/null || break; sleep 0.05; done
		sleep 0.2
		k1=$(awk '{ print $16 + $17 }' "/proc/$DPID/stat")
		# the daemon's children (connection process and worker, their gpg) into the CPU column
		awk -v t=$((k1 - k0)) -v hz="$(getconf CLK_TCK)" 'NR == n { $2 = sprintf("%.4f", $2 + t / hz) } { print }' \
			n="$(wc -l <"$W/$mode.$state")" "$W/$mode.$state" >"$W/$mode.tmp" && mv "$W/$mode.tmp" "$W/$mode.$state"
		bench_stop_daemon
	fi
	n=$(as_acct env CASEVAULT_DIR="$v" "$CV" verify 2>&1 | sed -n 's/.* \([0-9][0-9]*\) records.*/\1/p')
	[ "${n:-0}" -eq "$DOCS" ] || { echo "bench_service_import: $mode import filed $n of $DOCS documents" >&2; exit 1; }
	as_acct env GNUPGHOME="$v/gnupg" gpgconf --kill all 2>/dev/null || true
	rm -rf "$v"
}
for r in $(seq "$RUNS"); do
	for state in cold warm; do
		if [ $((r % 2)) -eq 1 ]; then one direct "$r" $state; one daemon "$r" $state
		else one daemon "$r" $state; one direct "$r" $state; fi
	done
	echo "round $r of $RUNS done" >&2
done

echo "casevault import through casevaultd: $DOCS notes in $CASES cases, $RUNS rounds ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
for state in cold warm; do
	[ $state = cold ] && echo "  as the first command (no session, no gpg-agent):" || echo "  signed in (after an untimed ls):"
	printf '    direct: wall %s s   CPU %s s\n' "$(bench_stats "$W/direct.$state" 1)" "$(bench_stats "$W/direct.$state" 2)"
	printf '    daemon: wall %s s   CPU %s s\n' "$(bench_stats "$W/daemon.$state" 1)" "$(bench_stats "$W/daemon.$state" 2)"
	printf '    daemon/direct: wall %s, CPU %s\n' "$(bench_ratio "$W/direct.$state" "$W/daemon.$state" 1)" \
		"$(bench_ratio "$W/direct.$state" "$W/daemon.$state" 2)"
done
