#!/bin/bash
# bench/fault_sweep.sh --jobs N: N shares of the sweep side by side
# (CV_FAULT_SHARD=K/N, tests/fault/fault_lib.sh), each a fault_sweep.sh of its
# own with its own temporary directory, vault and GNUPGHOME (tests/cli/lib.sh),
# its lines prefixed [K/N] as they come; then one table of all the commands,
# in the order of fault_scenarios, with the totals.
#
# Usage: bench/fault_jobs.sh N SWEEP-SCRIPT [SWEEP-OPTIONS...]
n=$1 sweep=$2
shift 2
out=$(mktemp -d /tmp/cvfj.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$out"' EXIT
trap 'exit 130' INT TERM
for ((k = 0; k < n; k++)); do
	(CV_FAULT_SHARD=$k/$n bash "$sweep" "$@" 2>&1; echo "# exit $?") |
		tee "$out/$k" | sed -u "s|^|[$k/$n] |" &
done
wait
order=$(sed -n '/^fault_scenarios()/,/^EOS/p' "$(dirname "$0")/../tests/fault/fault_lib.sh" |
	grep -o '^[a-z][a-z -]*|' | tr -d '|')
cat "$out"/* | python3 -c '
import re, sys
order = sys.argv[1].split("\n")
rows, fails, exits = {}, [], []
for line in sys.stdin:
    m = re.match(r"# (\S.{19}) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)(.*)$", line.rstrip("\n"))
    if m and m.group(1).strip() in order:
        rows[m.group(1).strip()] = line[2:].rstrip("\n")
    elif line.startswith("FAIL"):
        fails.append(line.rstrip("\n"))
    elif line.startswith("# exit "):
        exits.append(int(line.split()[2]))
tot = [0] * 5
print("# all shares: command               calls  sites  tried  survived  failed")
for name in order:
    if name in rows:
        print("# " + rows[name])
        for i, v in enumerate(rows[name][20:].split()[:5]):
            tot[i] += int(v)
print("# %-20s %6d %6d %6d %9d %7d" % ("total", *tot))
print("# %d commands of %d; %d failures" % (len(rows), len([o for o in order if o]), len(fails)))
sys.exit(1 if fails or any(exits) else 0)' "$order"
