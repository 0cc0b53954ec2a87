#!/bin/bash
# A purge killed with SIGKILL at many points (every
# crash point of purge.c, then random moments of a real run) leaves a vault
# that verify passes; running the purge again completes it; no record is
# half-destroyed (its row gone but its archive file still there, or the
# reverse); nothing that was not due is touched.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"


# ---- the template vault ----
at 2015-01-10
new_test_vault
mkdir -p "$T/d"
for n in a1 a2 b1 c1 m1 m2 o1; do printf 'Document %s\n' "$n" >"$T/d/$n.txt"; done
big_pdf "$T/d/big.pdf" 12M   # slow to overwrite: room to be killed
A=$(new_case "A Parent" "A Child" 2010-05-05)
B=$(new_case "B Parent" "B Child" 2010-05-05)
C=$(new_case "C Parent" "C Child" 2010-05-05)
M=$(new_case "M Parent" "M Child" 2010-05-05)
O=$(new_case "O Parent" "O Child" 2010-05-05)   # stays open: not due
"$CV" file "$A" "$T/d/a1.txt" "$T/d/big.pdf" "$T/d/a2.txt" --class letter >/dev/null
"$CV" file "$B" "$T/d/b1.txt" --class letter >/dev/null
"$CV" file "$C" "$T/d/c1.txt" --class report >/dev/null
"$CV" file "$M" "$T/d/m1.txt" "$T/d/m2.txt" --class letter >/dev/null
"$CV" file "$O" "$T/d/o1.txt" --class letter >/dev/null
read -r M1 M2 <<<"$(rec_ids "$M")"
O1=$(rec_ids "$O")
at 2015-02-01
for c in "$A" "$B" "$C" "$M"; do "$CV" case close "$c" --date 2015-02-01 >/dev/null; done
at 2022-03-01
"$CV" hold add "$M1" --moratorium --reason "moratorium" >/dev/null   # M's archive needs a rewrite
ALL=$(db "SELECT group_concat(id, ' ') FROM records")
DUE=$(db "SELECT group_concat(id, ' ') FROM records WHERE case_id != '$O' AND id != '$M1'")
"$CV" verify >/dev/null || { echo "template does not verify"; exit 1; }
GNUPGHOME=$V/gnupg gpgconf --kill all
mkdir -p "$T/tmpl"
(cd "$V" && tar cf - --exclude='S.*' .) | (cd "$T/tmpl" && tar xf -)

fresh() { # a new copy of the template at $V
	GNUPGHOME=$V/gnupg gpgconf --kill all 2>/dev/null
	rm -rf "$V" && mkdir -p "$V" && chmod 700 "$V"
	(cd "$T/tmpl" && tar cf - .) | (cd "$V" && tar xf -)
}

# sql_list WORDS...: the words as an SQL list of strings, ('a'),('b') (for VALUES)
sql_list() { local w out=; for w in "$@"; do out+="${out:+,}('$w')"; done; printf '%s' "$out"; }

consistent() { # LABEL: after the vault was opened once, every record is whole or wholly gone
	# One read of the index (a sqlite3 process per record made this test
	# spend a tenth of its time in sqlite3): a row per record (its archive
	# file, or none, and its destruction log entries), every archive file,
	# then the intents left.  Each row kind must be there in full.
	local label=$1 tag a b c f bad=0 nrec=0 nint=0
	local -A indexed=()
	while IFS='|' read -r tag a b c; do
		case $tag in
		r)	nrec=$((nrec + 1))
			if [ -n "$b" ]; then
				[ -f "$V/archives/$b" ] || { bad=1; echo "# $a: in the index, archive file missing"; }
			else
				[ "$c" = 1 ] || { bad=1; echo "# $a: gone without a destruction log entry"; }
			fi ;;
		f)	indexed[$a]=$((${indexed[$a]:-0} + 1)) ;;
		i)	nint=$((nint + 1)); [ "$b" = 0 ] || { bad=1; echo "# $a intents left"; } ;;
		esac
	done < <(db "WITH ids(id) AS (VALUES $(sql_list $ALL))
		SELECT 'r', ids.id, (SELECT a.file FROM records r JOIN archives a ON a.id = r.archive_id WHERE r.id = ids.id),
			(SELECT count(*) FROM destroyed WHERE record_id = ids.id) FROM ids;
		SELECT 'f', file, '' FROM archives;
		SELECT 'i', 'shred', count(*) FROM shred; SELECT 'i', 'pending', count(*) FROM pending;")
	[ "$nrec" -eq "$(wc -w <<<"$ALL")" ] && [ "$nint" -eq 2 ] || { bad=1; echo "# the index could not be read"; }
	for f in $(ls -A "$V/archives"); do
		[ "${indexed[$f]:-0}" = 1 ] || { bad=1; echo "# file $f: in archives/ but not in the index"; }
	done
	if [ $bad -eq 0 ]; then ok "$label: no record half-destroyed"; else fail "$label: a record is half-destroyed"; fi
}

untouched() { # LABEL: what was not due is intact
	local label=$1
	rm -f "$T/g1" "$T/g2"
	if "$CV" get "$O1" --purpose test-copy -o "$T/g1" >/dev/null 2>&1 && cmp -s "$T/g1" "$T/d/o1.txt" &&
	   "$CV" get "$M1" --purpose test-copy -o "$T/g2" >/dev/null 2>&1 && cmp -s "$T/g2" "$T/d/m1.txt"; then
		ok "$label: the records not due (and the held one) are intact"
	else
		fail "$label: a record that was not due was touched"
	fi
}

after_crash() { # LABEL
	local label=$1 left=0
	run_cv verify
	if [ "$RC" -eq 0 ]; then ok "$label: verify passes"; else fail "$label: verify: $OUT $ERR"; fi
	consistent "$label"
	untouched "$label"
	run_cv purge
	if [ "$RC" -eq 0 ]; then ok "$label: the purge runs again"; else fail "$label: rerun: $ERR"; fi
	[ "$(db "SELECT count(*) FROM records WHERE id IN (SELECT column1 FROM (VALUES $(sql_list $DUE)))")" = 0 ] || left=1
	if [ $left -eq 0 ]; then ok "$label: the rerun completed the purge"; else fail "$label: records due are left after the rerun"; fi
	run_cv verify
	if [ "$RC" -eq 0 ]; then ok "$label: verify passes after the rerun"; else fail "$label: verify after rerun: $OUT $ERR"; fi
	consistent "$label (after the rerun)"
	untouched "$label (after the rerun)"
	run_cv certificates list
	if [ -n "$OUT" ] && ls "$V/certificates"/*.json >/dev/null 2>&1; then ok "$label: certificates kept"
	else fail "$label: no certificate"; fi
}

# 1. Every crash point of the purge.
# (light: before the intent, rolled back before the commit, rolled forward after it)
for point in $(light purge-start purge-pending purge-rewrite-tmp purge-rewrite purge-sign purge-before-commit purge-after-commit purge-overwrite purge-shred); do
	fresh
	CASEVAULT_CRASHPOINT=$point "$CV" purge >/dev/null 2>&1
	rc=$?
	check "crash point $point killed the purge" test "$rc" -eq 137
	after_crash "crash at $point"
done

# 2. SIGKILL at random moments of a real run.
for delay in $(light 0.02 0.1 0.2 0.4 0.8); do
	fresh
	"$CV" purge >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	after_crash "SIGKILL after ${delay}s"
done

# 3. A kill while the purge's writer lock outlives it.  GPGME starts gpg
# with fork(), and the child holds a copy of every descriptor of the purge,
# the writer lock (flock on VAULT/.lock) among them, until it closes them
# just before exec.  A purge killed then leaves its lock held a few
# milliseconds longer (much longer on a loaded machine), and the next
# process finds the vault locked; so does one that opens it while another
# writer runs.  Modelled here by holding the lock for a second, at the two
# moments a rewrite's new file exists that only the intent log (pending)
# names; the next process is verify, a purge or a filing.
hold_lock() { # the writer lock, held for a second by another process
	rm -f "$T/held"
	flock "$V/.lock" sh -c ': >"$1"; sleep 1' sh "$T/held" &
	HOLDER=$!
	while [ ! -e "$T/held" ]; do sleep 0.01; done
}
printf 'Document o2\n' >"$T/d/o2.txt"
# (light: each point and each next command at least once)
for run in $(light purge-rewrite-tmp:verify purge-rewrite-tmp:file purge-rewrite-tmp:purge \
		purge-sign:verify purge-sign:purge purge-sign:file); do
	point=${run%%:*} next=${run#*:}
	{
		fresh
		CASEVAULT_CRASHPOINT=$point "$CV" purge >/dev/null 2>&1
		rc=$?
		check "crash point $point killed the purge" test "$rc" -eq 137
		hold_lock
		case $next in
		verify) run_cv verify ;;
		purge) run_cv purge ;;
		file) run_cv file "$O" "$T/d/o2.txt" --class letter ;;
		esac
		if [ "$RC" -eq 0 ]; then ok "crash at $point, lock held: $next passes"
		else fail "crash at $point, lock held: $next: $OUT $ERR"; fi
		consistent "crash at $point, lock held, after $next"
		wait "$HOLDER"
		after_crash "crash at $point, lock held, then $next"
	}
done
finish
