#!/bin/bash
# A backup is made with its event in the audit trail, or not at all
# (vault/ops/backup.c, audit_backup; docs/recovery.md, "Fault injection").
# Found by the sweep by site: an EIO or ENOSPC in the commit of a finished
# backup's event left the backup's files in place, the trail without the
# event, doctor saying "no backup yet", and exit 0.  Here each of the last
# 20 calls of a clean backup (the event's commit and the index's close) fails
# in turn: the backup's files exist exactly when its event is in the trail,
# and exit 0 says so.  A backup's calls vary in number from run to run (its
# writer thread, gpg's pipes), so each fault is aimed at a call by its site
# and its turn at that site (faultshim.c, CV_FAULT=site:HEX/K:KIND).
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/fault/fault_lib.sh"
[ -f "$SHIM" ] || { echo "# no fault shim at $SHIM (build with -DBUILD_TESTS=ON)"; exit 1; }

new_test_vault
C=$(new_case "Backup Parent" "Backup Child" 2015-01-01)
"$CV" note "$C" --class case-note --text "A note to back up" >/dev/null
head -c 32 /dev/urandom | base64 >"$T/secret"
GNUPGHOME=$V/gnupg gpgconf --kill all
mkdir -p "$T/tmpl" && (cd "$V" && tar cf - --exclude='S.*' .) | (cd "$T/tmpl" && tar xf -)
backup() {
	rm -rf "$T/o" && mkdir -m 700 "$T/o"
	env "$@" LD_PRELOAD="$SHIM" "$CV" backup "$T/o/d.pgp" --keys "$T/o/k.pgp" --secret-file "$T/secret" \
		>/dev/null 2>"$T/err" </dev/null
}
events() { db "SELECT count(*) FROM audit WHERE action = 'backup' AND outcome = 'ok'"; }

fault_fresh
backup CV_FAULT_SITES="$T/sites"; rc0=$?
total=$(wc -l <"$T/sites")
check "a clean backup under the shim succeeds ($total calls; exit $rc0)" test "$rc0" -eq 0 -a "$total" -gt 20
# the last 20 calls, each as SITE/K: the K-th call from its site
points=$(awk '{ k[$3]++; turn[NR] = $3 "/" k[$3] } END { for (i = NR - 19; i <= NR; i++) print turn[i] }' "$T/sites")
bad= removed=0
for p in $points; do
	for kind in eio enospc; do
		fault_fresh
		backup CV_FAULT="site:$p:$kind"; rc=$?
		files=$(find "$T/o" -type f | wc -l) ev=$(events)
		grep -q "could not be recorded in the audit trail" "$T/err" && removed=$((removed + 1))
		# the files and the event go together; exit 0 only with both
		if [ "$ev" -eq 1 ] && [ "$files" -ne 2 ]; then bad+=" $p:$kind(event-without-files:exit-$rc)"; fi
		if [ "$ev" -eq 0 ] && [ "$files" -ne 0 ]; then bad+=" $p:$kind(files-without-event:exit-$rc)"; fi
		if [ "$rc" -eq 0 ] && [ "$ev" -ne 1 ]; then bad+=" $p:$kind(exit-0-without-event)"; fi
		"$CV" audit verify >/dev/null 2>&1 || bad+=" $p:$kind(audit-verify)"
		GNUPGHOME=$V/gnupg gpgconf --kill all
	done
done
check "each of the last 20 calls failed: the files exist exactly when the event does (${bad:-none failed})" test -z "$bad"
check "...and some of those faults hit the event's commit, so the written backup was removed ($removed)" \
	test "$removed" -gt 0
finish
