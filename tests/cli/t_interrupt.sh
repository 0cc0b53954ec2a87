#!/bin/bash
# Nothing an interrupted command made survives it (docs/architecture.md,
# Properties, 2; docs/recovery.md, Interrupted commands), and a bundle
# exists at -o only if the disclosure log and the audit trail record it
# (docs/legal-rules.md §11; docs/security.md, Subject access bundles).
#
# import, request bundle and purge are killed at their crash points and at
# timed moments; after one more command that writes, there is no .tmp-*
# archive, no gnupg/sym-* or gnupg/cvr-* home, no .casevault-bundle-*
# beside -o, no gpg, gpg-agent or helper running on anything in this
# test's directory but the vaults' own agents, and verify passes.  Bundles
# are also interrupted with SIGTERM and SIGINT.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

P=$T/p      # the purge's vault (its own timeline)
VV=$V       # the vault being checked
mkdir -p "$T/bo" "$T/d"

# Processes working in this test's directory that should not be there: every
# gpg, gpg-agent and encryption helper, but the agents of the vaults' own homes
# (gnupg/, and purge-key/ where init made the purge key).
leftover_procs() {
	ps -eo pid=,comm=,args= | awk -v t="$T" -v k1="--homedir $V/gnupg " -v k2="--homedir $P/gnupg " \
		-v k3="--homedir $V/purge-key " -v k4="--homedir $P/purge-key " '
		($2 == "gpg" || $2 == "gpg-agent" || $2 == "casevault-helpe") && index($0, t) &&
		!($2 == "gpg-agent" && (index($0, k1) || index($0, k2) || index($0, k3) || index($0, k4)))'
}
# A killed command's helpers die with it, a moment later: wait for that (at most 5 s).
settle() {
	local n=0
	while ps -eo comm=,args= | grep '^casevault-helpe' | grep -qF "$VV/" && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}
# clean LABEL: after one more command, nothing of the interrupted one is left.
clean() {
	local label=$1 n=0
	while [ -n "$(leftover_procs)" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	check "$label: no gpg, gpg-agent or helper left running" test -z "$(leftover_procs)"
	check "$label: no temporary archive" test -z "$(ls -A "$VV/archives" | grep '^\.tmp-')"
	check "$label: no helper or recipient GnuPG home" test -z "$(ls -A "$VV/gnupg" | grep -E '^(sym|cvr)-')"
	check "$label: no temporary bundle beside -o" test -z "$(ls -A "$T/bo" | grep casevault-bundle)"
	run_cv verify
	check "$label: verify passes ($ERR)" test "$RC" -eq 0
}
next_writer() { "$CV" case open --parent "Next Parent" --child "Next Child" --child-dob 2014-05-06 --pr-confirmed >/dev/null 2>&1; }

# ---- purge (t_purge_crash.sh covers the data side): two crash points ----
export CASEVAULT_TODAY=2015-01-10
new_test_vault "$P"
printf 'Document a1\n' >"$T/d/a1.txt"
printf 'Document m1\n' >"$T/d/m1.txt"
big_pdf "$T/d/big.pdf" 4M
A=$(new_case "A Parent" "A Child" 2010-05-05)
"$CV" file "$A" "$T/d/a1.txt" "$T/d/big.pdf" "$T/d/m1.txt" --class letter >/dev/null
M1=$("$CV" --json ls "$A" | python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["records"] if r["title"].startswith("m1")][0])')
at 2015-02-01
"$CV" case close "$A" --date 2015-02-01 >/dev/null
at 2022-03-01
"$CV" hold add "$M1" --moratorium --reason "moratorium" >/dev/null   # the archive is rewritten
VV=$P
for point in purge-rewrite-tmp purge-sign; do   # both before the commit: the second purge has the same work
	CASEVAULT_CRASHPOINT=$point "$CV" purge >/dev/null 2>&1
	check "crash point $point killed the purge" test "$?" -eq 137
	settle
	next_writer
	clean "purge killed at $point"
done

# ---- import ----
export CASEVAULT_TODAY=2026-11-20
new_test_vault
VV=$V
make_docs "$T/d"
big_pdf "$T/d/big.pdf" 3M
echo "case,path,class,section,title,date" >"$T/d/m.csv"
for i in 1 2 3 4; do
	c=$(new_case "Parent$i Person" "Child$i Person" 2012-01-01)
	for f in big.pdf note.txt mail.eml; do echo "$c,$f,letter,case,$f $i,2026-10-01"; done >>"$T/d/m.csv"
done
B=$(new_case "Bundle Parent" "Bundle Child" 2013-03-03)   # the bundle's: no import touches it
# a large member, streamed (a PDF of random bytes cannot be read, so the bundle would refuse it)
head -c 2300k /dev/urandom | base64 >"$T/d/big.txt"
"$CV" file "$B" "$T/d/big.txt" --class letter --date 2026-10-01 >/dev/null
"$CV" note "$B" --class case-note --date 2026-10-02 --text "Visit agreed with the family." >/dev/null
for point in $(light filing-pending filing-archive helper-encrypt filing-before-commit); do
	CASEVAULT_CRASHPOINT=$point "$CV" import "$T/d/m.csv" >/dev/null 2>&1
	settle
	next_writer
	clean "import killed at $point"
done
for delay in $(light 0.1 0.3 0.6 1.0); do
	"$CV" import "$T/d/m.csv" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	settle
	next_writer
	clean "import killed after ${delay}s"
done

# ---- request bundle ----
R=$("$CV" --json request open "$B" --requester "Bundle Parent" --relationship client --received 2026-11-02 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
"$CV" request decide "$R" R-000001 --release --reason "the client's own letter" >/dev/null
mkdir -p -m 700 "$T/rk"
GNUPGHOME=$T/rk gpg --batch --passphrase '' --quick-gen-key "Parent Four <p4@example.org>" future-default default never 2>/dev/null
GNUPGHOME=$T/rk gpg --export -a >"$T/p4.asc"
GNUPGHOME=$T/rk gpgconf --kill all 2>/dev/null
run_cv request bundle "$R" -o "$T/bo/whole.zip" --show-passphrase
check "a bundle can be made (exit $RC: $ERR)" test "$RC" -eq 0

# bundled OUT LABEL: a file at OUT is in the disclosure log and the audit trail; else nothing is at OUT.
bundled() {
	local out=$1 label=$2 sha n
	if [ ! -e "$out" ]; then ok "$label: no file at -o"; return; fi
	sha=$(sha256sum "$out" | cut -d' ' -f1)
	n=$("$CV" request log "$R" 2>/dev/null | grep -B1 "$sha" | sed -n 's/^bundle \([0-9]*\) .*/\1/p')
	if [ -n "$n" ] && "$CV" audit show 2>/dev/null | grep 'request.bundle' | grep ' ok ' | grep -q " D-$n\$"; then
		ok "$label: the bundle at -o is logged (D-$n) and audited"
	else
		fail "$label: a bundle at -o that the log or the audit trail does not know"
	fi
}
k=0
for run in bundle-before-commit:zip bundle-before-commit:openpgp bundle-before-link:zip bundle-after-link:openpgp; do
	point=${run%:*} form=${run#*:}
	k=$((k + 1))
	out=$T/bo/cp$k.$form
	[ $form = zip ] && key=(--show-passphrase) || key=(--recipient "$T/p4.asc")
	CASEVAULT_CRASHPOINT=$point "$CV" request bundle "$R" -o "$out" "${key[@]}" >/dev/null 2>&1
	check "crash point $point killed the bundle ($form)" test "$?" -eq 137
	bundled "$out" "$form bundle killed at $point"
	next_writer
	clean "$form bundle killed at $point"
done
check "a bundle killed after its commit is at -o" test -e "$T/bo/cp4.openpgp"
check "a bundle killed before its commit left nothing at -o" test ! -e "$T/bo/cp1.zip" -a ! -e "$T/bo/cp2.openpgp"
# (light: every signal at least once)
for run in $(light KILL:0.1 TERM:0.2 INT:0.3 KILL:0.4 TERM:0.6 INT:0.7 KILL:0.8); do
	sig=${run%:*} delay=${run#*:}
	k=$((k + 1))
	out=$T/bo/s$k.gpg
	# a script's background job ignores SIGINT: give it the default back
	env --default-signal=INT,TERM "$CV" request bundle "$R" -o "$out" --recipient "$T/p4.asc" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	bundled "$out" "SIG$sig after ${delay}s"
	next_writer
	clean "bundle, SIG$sig after ${delay}s"
done
# What the office saw: SIGTERM while the bundle waits for the writer lock
# (another command is writing).  Nothing is named before the log: no file.
n_before=$("$CV" request log "$R" 2>/dev/null | grep -c '^bundle ')
rm -f "$T/holder.pid"
flock "$V/.lock" sh -c 'echo $$ >"$1"; exec sleep 30' sh "$T/holder.pid" &
holder=$!
while [ ! -s "$T/holder.pid" ]; do sleep 0.05; done
env --default-signal=INT,TERM "$CV" request bundle "$R" -o "$T/bo/waiting.zip" --show-passphrase >/dev/null 2>&1 &
pid=$!
n=0
until grep -q lock "/proc/$pid/wchan" 2>/dev/null || [ $n -ge 300 ]; do sleep 0.1; n=$((n + 1)); done
check "the bundle waits for the writer lock" grep -q lock "/proc/$pid/wchan"
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
kill "$(cat "$T/holder.pid")" 2>/dev/null   # flock then exits and the lock is free
wait "$holder" 2>/dev/null
check "SIGTERM while waiting for the lock: nothing at -o" test ! -e "$T/bo/waiting.zip"
check "  and nothing was logged" test "$("$CV" request log "$R" 2>/dev/null | grep -c '^bundle ')" = "$n_before"
next_writer
clean "bundle, SIGTERM while waiting for the lock"
finish
