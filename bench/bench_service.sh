#!/usr/bin/env bash
# casevaultd sessions (docs/service.md, Sessions): ls of a 1,000-record case
# and get of a 2 KB note through the daemon with the person's session
# unlocked, against the same commands in direct mode with gpg-agent's cache
# warm (the same vault, the same account).  Wall milliseconds of the client,
# median and p99 of each, and the ratio session/direct of the medians; and
# the mean CPU milliseconds per command, which a loaded machine disturbs far
# less: direct, the command's process tree and gpg-agent (bench/treecpu.c);
# through the daemon, the client's tree and the daemon's reaped children
# (connection process and worker: /proc/PID/stat cutime + cstime).  First,
# the client's own start-up: 'casevault --version' (the thin client, which
# every command pays) and 'casevault-direct --version' beside it when there
# is one (docs/service.md, Speed).
#
#   bench/bench_service.sh [--runs N] [--records N]
#   --runs N      commands of each kind timed (default 30, at least 20)
#   --records N   notes in the case (default 1000, 1.8 to 2.3 KB each, gen_notes.awk)
# Binaries: $CASEVAULT_BIN and $CASEVAULTD_BIN (default build/casevault and
# build/casevaultd).  casevaultd never runs as root: run as root, the script
# makes a throwaway account (useradd) and runs everything as it.
set -euo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
USAGE="usage: bench_service.sh [--runs N] [--records N]"
RUNS=30 RECORDS=1000
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--records) RECORDS=$2; shift 2 ;;
	*) echo "$USAGE" >&2; exit 2 ;;
	esac
done
[ "$RUNS" -ge 20 ] || { echo "bench_service: --runs takes at least 20" >&2; exit 2; }
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
CVD=${CASEVAULTD_BIN:-$REPO/build/casevaultd}
source "$REPO/bench/lib.sh"

bench_account cvbench
bench_treecpu
export CASEVAULT_POLICY_DIR=$REPO/policies

# ---- the vault: a manager with a passphrase, one case of $RECORDS notes (untimed)
V=$W/v
printf 'bench passphrase for the session keeper\n' >"$W/pass" && chmod 600 "$W/pass"
[ -n "$ACCT" ] && chown "$ACCT" "$W/pass"
as_acct "$CV" init "$V" --passphrase-file "$W/pass" --name "Bench Manager" >/dev/null
export CASEVAULT_DIR=$V
C=$(as_acct "$CV" --passphrase-file "$W/pass" case open --parent "Pat Parent" --child "Kim Child" \
	--child-dob 2014-01-02 --pr-confirmed)
mkdir -p "$W/d/c001"
awk -v cases=1 -v per="$RECORDS" -v dir="$W/d" -v path="%s/c%03d/n%05d.txt" -f "$REPO/bench/gen_notes.awk"
{
	echo "case,path,class,section,title,date"
	for k in $(seq "$RECORDS"); do
		printf '%s,%s/d/c001/n%05d.txt,case-note,case,Note %d,2025-01-%02d\n' "$C" "$W" "$k" "$k" "$(( (k - 1) % 28 + 1 ))"
	done
} >"$W/notes.csv"
[ -n "$ACCT" ] && chown -R "$ACCT" "$W/d" "$W/notes.csv"
as_acct "$CV" --passphrase-file "$W/pass" import "$W/notes.csv" >/dev/null
n=$(as_acct "$CV" --passphrase-file "$W/pass" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')
[ "$n" -eq "$RECORDS" ] || { echo "bench_service: the case holds $n records, not $RECORDS" >&2; exit 1; }
R=R-$(printf '%06d' $(( RECORDS / 2 )))
echo "set up: $C with $n records; get $R ($(as_acct "$CV" --passphrase-file "$W/pass" get "$R" | wc -c) bytes)" >&2

# timed NAME ARGS...: casevault ARGS as the account; "WALL CPU" (seconds) appended to $W/NAME
timed() {
	local out=$W/$1
	shift
	bench_time "$V" "$out" "${ACMD[@]}" "$CV" "$@"
}
# the CPU ticks of the daemon's reaped children (its connection processes, each with its worker)
children_ticks() { awk '{ print $16 + $17 }' "/proc/$DPID/stat"; }
# loop NAME ARGS...: $RUNS runs of timed; through the daemon, its children's CPU added to the mean
loop() {
	local name=$1 k0 k1
	shift
	k0=$([ -n "$DPID" ] && children_ticks || echo 0)
	for _ in $(seq "$RUNS"); do timed "$name" "$@"; done
	# the last connection process counts once the daemon has reaped it (its worker with it)
	for _ in $(seq 100); do [ -n "$DPID" ] && pgrep -P "$DPID" -x casevaultd-conn >/dev/null || break; sleep 0.05; done
	k1=$([ -n "$DPID" ] && children_ticks || echo 0)
	echo $(( k1 - k0 )) >"$W/$name.ticks"
}
stats() { # wall median and p99 (nearest rank), mean CPU, in ms, of $W/NAME
	awk '{ print $1 * 1000 }' "$W/$1" | sort -g | awk -v cpu="$(cpu "$1")" '{ v[NR] = $1 } END {
		p = int(NR * 0.99 + 0.999); if (p > NR) p = NR
		printf "wall median %7.1f ms  p99 %7.1f ms   CPU mean %6.1f ms", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[p], cpu }'
}
median() { awk '{ print $1 }' "$W/$1" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu() { awk -v t="$(cat "$W/$1.ticks")" -v hz="$(getconf CLK_TCK)" '{ s += $2; n++ } END { printf "%.1f", (s + t / hz) / n * 1000 }' "$W/$1"; }

# ---- the client's own start-up (docs/service.md, Speed): the thin client, and the direct program it hands to
loop startup --version
CVDIRECT=$(dirname "$CV")/casevault-direct
[ -x "$CVDIRECT" ] && for _ in $(seq "$RUNS"); do bench_time "$V" "$W/startup.direct" "${ACMD[@]}" "$CVDIRECT" --version; done
[ -x "$CVDIRECT" ] && echo 0 >"$W/startup.direct.ticks"

# ---- direct mode, gpg-agent's cache warm (the passphrase file is read only if the agent asks)
D=(--passphrase-file "$W/pass")
as_acct "$CV" "${D[@]}" ls "$C" >/dev/null
loop direct.ls "${D[@]}" ls "$C"
loop direct.get "${D[@]}" get "$R"

# ---- through casevaultd, the session proved once
mkdir -m 755 "$W/run" && { [ -z "$ACCT" ] || chown "$ACCT" "$W/run"; }
"${ACMD[@]}" "$CVD" --vault "$V" --socket "$W/run/sock" 2>"$W/daemon.log" >/dev/null </dev/null &
DPID=$!
for _ in $(seq 50); do [ -S "$W/run/sock" ] && break; sleep 0.1; done
export CASEVAULT_SOCKET=$W/run/sock
timed proof "${D[@]}" get "$R"
loop session.ls ls "$C"
loop session.get get "$R"

echo "casevaultd sessions: $RECORDS-record case, $RUNS runs each ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  casevault --version (start-up): %s\n' "$(stats startup)"
[ -x "$CVDIRECT" ] && printf '  casevault-direct --version:     %s\n' "$(stats startup.direct)"
echo "  first command through the daemon (proves the passphrase): $(awk '{ printf "%.1f", $1 * 1000 }' "$W/proof") ms wall"
for what in ls get; do
	printf '  %-4s direct, agent cache warm: %s\n' "$what" "$(stats "direct.$what")"
	printf '  %-4s daemon, session unlocked: %s\n' "$what" "$(stats "session.$what")"
	printf '  %-4s session/direct: wall median x%.3f, CPU x%.3f\n' "$what" \
		"$(awk -v a="$(median "direct.$what")" -v b="$(median "session.$what")" 'BEGIN { print b / a }')" \
		"$(awk -v a="$(cpu "direct.$what")" -v b="$(cpu "session.$what")" 'BEGIN { print b / a }')"
done
