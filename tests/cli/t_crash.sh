#!/bin/bash
# Property 2: all or nothing.  A filing killed with SIGKILL at many different
# points leaves a vault that verify passes, holding all of that batch or
# none of it, and nothing reported as filed is ever lost.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Crash Parent" "Crash Child" 2011-11-11)
make_docs "$T/docs"
# Make the filing long enough to be interrupted at many moments.
big_pdf "$T/docs/big.pdf" 24M
batch=("$T/docs/letter.pdf" "$T/docs/scan.png" "$T/docs/big.pdf" "$T/docs/scan.jpg" "$T/docs/note.txt")

count() { # records in the case file and the cp file, as ls lists them (-1: ls failed)
	local a b
	a=$("$CV" ls "$C" 2>/dev/null) && b=$("$CV" ls "$C" --cp 2>/dev/null) || { echo -1; return; }
	echo $(($(grep -c '^R-' <<<"$a") + $(grep -c '^R-' <<<"$b")))
}

expected=0
attempt() { # attempt LABEL: after a killed filing, the vault verifies and holds all or none
	local label=$1 n
	run_cv verify
	if [ "$RC" -eq 0 ]; then ok "$label: verify passes"; else fail "$label: verify: $OUT $ERR"; fi
	n=$(count)
	if [ "$n" -eq "$expected" ]; then
		ok "$label: none of the batch was filed ($n records)"
	elif [ "$n" -eq $((expected + ${#batch[@]})) ]; then
		ok "$label: all of the batch was filed ($n records)"
		expected=$n
	else
		fail "$label: $n records, expected $expected or $((expected + ${#batch[@]}))"
		expected=$n
	fi
	if ls -A "$V/archives" | grep -q '^\.tmp-'; then fail "$label: a temporary archive was left behind"; fi
}

# 1. Deterministic crash points inside the filing.
# (light: before the archive, inside it, before and after the commit)
for point in $(light filing-pending archive-member filing-archive filing-before-sign filing-before-commit filing-after-commit); do
	CASEVAULT_CRASHPOINT=$point "$CV" file "$C" "${batch[@]}" --class letter --allow-duplicate >/dev/null 2>&1
	rc=$?
	check "crash point $point killed the process" test "$rc" -eq 137
	attempt "crash at $point"
done

# 1b. An encryption helper (vault/helper.c) killed while the filing goes on:
# the filing fails with one line, keeps nothing, and the vault verifies.
CASEVAULT_CRASHPOINT=helper-encrypt expect_fail "a filing whose encryption helper was killed fails" \
	file "$C" "${batch[@]}" --class letter --allow-duplicate
check "the error names the helper" grep -q 'encryption helper' "$T/err"
attempt "helper killed"
mine() { # casevault processes working on this test's vault (other tests run in parallel)
	local p
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in casevault | casevault-helpe*) ;; *) continue ;; esac
		tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "CASEVAULT_DIR=$CASEVAULT_DIR" && echo "${p#/proc/}"
	done
}
check "no helper outlives the filing" test -z "$(mine)"
check "no helper GnuPG home is left behind" sh -c "! ls -d '$V'/gnupg/sym-* 2>/dev/null"

# 2. SIGKILL at many moments of a real run (two sections: two archives).
for delay in $(light 0.01 0.03 0.05 0.08 0.1 0.13 0.16 0.2 0.25 0.3 0.35 0.4 0.5 0.6 0.8 1.0); do
	"$CV" file "$C" "${batch[@]}" --class letter --allow-duplicate >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	attempt "SIGKILL after ${delay}s"
done

# 3. A batch reported as filed is never lost: file, then crash the next one.
run_cv file "$C" "$T/docs/scan.tif" --class letter --allow-duplicate
check "a filing completes" test "$RC" -eq 0
check "it removed the GnuPG homes of the helpers killed above" sh -c "! ls -d '$V'/gnupg/sym-* 2>/dev/null"
expected=$((expected + 1))
CASEVAULT_CRASHPOINT=filing-before-commit "$CV" file "$C" "${batch[@]}" --class letter --allow-duplicate >/dev/null 2>&1
attempt "after a completed filing"
check "the completed filing is still there" test "$(count)" -eq "$expected"
finish
