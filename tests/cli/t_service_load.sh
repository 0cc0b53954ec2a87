#!/bin/bash
# Eight clients at once through casevaultd (docs/service.md, Concurrency):
# four as each of two staff OS accounts, each running a mix of ls, get, file
# (a document the client opens and passes) and note for a fixed time.  Every
# command must exit 0 (writers wait for the writer lock: no "database is
# locked", no "another casevault process is writing"); every note and
# document a client was told was filed is listed and reads back byte for
# byte; verify and audit verify pass.
#
#   t_service_load.sh [SECONDS]   (default $LOAD_SECONDS, else 20: the CTest run)
# The issue's property runs a full minute: tests/cli/t_service_load.sh 60.
# The speed of the same load is measured in bench/bench_service_load.sh.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the load test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
svc_setup
C=$(as_svc "$CV" case open --parent "Load Parent" --child "Load Child" --child-dob 2014-05-06 --pr-confirmed)
# both caseworkers work on it (docs/security.md, Case assignment)
as_svc "$CV" case assign "$C" "$A" >/dev/null && as_svc "$CV" case assign "$C" "$B" >/dev/null
printf 'The first note, read by every client.\n' >"$T/first.txt"
R1=$(as_svc "$CV" note "$C" --class phone-call --title "First" <"$T/first.txt" | awk '{ print $1 }')
check "setup: staff $A ($UA) and $B ($UB), case $C with note $R1" test -n "$R1"
svc_start || exit 1

# ---- the operations: op_NAME CLIENT USER STEP; 0 when the command exited 0 (and its output was right)
W=$T/w
mkdir -m 777 "$W"
op_note() {
	local f=$W/$1.$3.txt out
	printf 'Load note %s step %s at %s: the school phoned about the review.\n' "$1" "$3" "$(date +%s%N)" >"$f"
	out=$(svc_cv "$2" note "$C" --class phone-call --title "Load $1.$3" <"$f" 2>>"$W/$1.err") || return 1
	echo "${out%% *} $f" >>"$W/$1.filed"   # told it was filed: must be there at the end
}
# file: the same with a document the client opens and passes, from the client's own folder
op_file() {
	local f=$T/${2: -1}/$1.$3.txt out
	printf 'Load letter %s step %s\n' "$1" "$3" >"$f" && chown "$2" "$f"
	out=$(svc_cv "$2" file "$C" "$f" --class letter 2>>"$W/$1.err") || return 1
	echo "${out%% *} $f" >>"$W/$1.filed"
}
op_ls() { svc_cv "$2" ls "$C" >/dev/null 2>>"$W/$1.err"; }
op_get_mine() { # the client's last filed note, byte for byte
	local id f
	[ -s "$W/$1.filed" ] || return 0
	read -r id f < <(tail -n 1 "$W/$1.filed")
	svc_cv "$2" get "$id" 2>>"$W/$1.err" | cmp -s - "$f" || { echo "get $id differs from $f" >>"$W/$1.err"; return 1; }
}
op_get_first() { svc_cv "$2" get "$R1" 2>>"$W/$1.err" | cmp -s - "$T/first.txt"; }
OPS=(note ls file get_mine get_first ls)

client() { # client N USER: the operations in turn until $END; one line "OP EXIT MS" a command
	local n=$1 u=$2 step=0 op rc t0
	while [ "$(date +%s)" -lt "$END" ]; do
		op=${OPS[$(((step + n) % ${#OPS[@]}))]}
		[ "$step" -eq 0 ] && op=note   # eight writers at once first: each must wait its turn
		step=$((step + 1))
		t0=$(date +%s%N)
		"op_$op" "$n" "$u" "$step"
		rc=$?
		echo "$op $rc $((($(date +%s%N) - t0) / 1000000))" >>"$W/$n.log"
	done
}

SECONDS_RUN=${1:-${LOAD_SECONDS:-20}}
case $SECONDS_RUN in ''|*[!0-9]*) echo "usage: t_service_load.sh [SECONDS]" >&2; exit 2 ;; esac
END=$(($(date +%s) + SECONDS_RUN))
pids=()
for n in 1 2 3 4 5 6 7 8; do
	if [ $((n % 2)) -eq 1 ]; then client "$n" "$UA" & else client "$n" "$UB" & fi
	pids+=($!)
done
wait "${pids[@]}"

total=$(cat "$W"/*.log | wc -l)
failed=$(awk '$2 != 0' "$W"/*.log | wc -l)
summary=$(cat "$W"/*.log | awk '{ n[$1]++; ms[$1] += $3 } END { for (o in n) printf "%s %d (mean %d ms), ", o, n[o], ms[o] / n[o] }')
check "8 clients ran $total commands (${summary% , }) in $SECONDS_RUN s" test "$total" -ge 8
check "every command exited 0 ($failed failed: $(cat "$W"/*.err 2>/dev/null | sort | uniq -c | head -n 5))" test "$failed" -eq 0
check "no lock error reached a client" not grep -qi "database is locked\|another casevault process is writing" "$W"/*.err
check "no command wrote to its standard error, not even a note ($(cat "$W"/*.err 2>/dev/null | head -n 2))" \
	test -z "$(cat "$W"/*.err 2>/dev/null)"
check "the daemon still runs" kill -0 "$DPID"

# ---- nothing lost: every note a client was told was filed is listed and reads back
cat "$W"/*.filed >"$T/filed"
nfiled=$(wc -l <"$T/filed")
svc_cv "$UA" --json ls "$C" </dev/null | python3 -c '
import json, sys
listed = {r["id"] for r in json.load(sys.stdin)["records"]}
told = [l.split()[0] for l in open(sys.argv[1])]
missing = [i for i in told if i not in listed]
print("%d listed, %d told, missing: %s" % (len(listed), len(told), " ".join(missing) or "none"))
sys.exit(1 if missing or len(set(told)) != len(told) else 0)' "$T/filed" >"$T/cmp.out"
check "each of the $nfiled notes and documents filed is listed, under its own id ($(cat "$T/cmp.out"))" test $? -eq 0 -a "$nfiled" -ge 8
bad=0
while read -r id f; do
	svc_cv "$UB" get "$id" </dev/null 2>/dev/null | cmp -s - "$f" || { bad=$((bad + 1)); echo "# $id differs from $f"; }
done <"$T/filed"
check "each reads back byte for byte through the daemon ($bad differ)" test "$bad" -eq 0

svc_stop
as_svc "$CV" verify >"$T/out" 2>&1
check "verify passes after the load ($(tail -n 1 "$T/out"))" test $? -eq 0
as_svc "$CV" audit verify >"$T/out" 2>&1
check "audit verify passes ($(head -n 1 "$T/out"))" test $? -eq 0
check "the audit trail has one filing event per note and document ($nfiled + 1)" \
	test "$(as_svc "$CV" --json audit show 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for e in d["events"] if e["action"] == "file"))')" -eq $((nfiled + 1))
check "the daemon's log holds no sanitizer report" not grep -q "Sanitizer\|runtime error" "$T/daemon.log"
finish
