#!/bin/bash
# --as proves the passphrase every time it names someone the OS does not
# vouch for (docs/security.md, "Proving who acts"): gpg-agent caches a
# passphrase for a key, not for the person typing, so while a manager's
# passphrase is cached a caseworker on the same OS account could name the
# manager with their own passphrase file and be let through.  The person
# registered for this OS user (the only one) keeps the cache.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

printf 'correct horse battery staple\n' >"$T/pass"
printf 'worker horse staple battery\n' >"$T/wpass"
printf 'auditor staple horse battery\n' >"$T/apass"
fixture_vault pass "$V" "$T/pass" || fail "no fixture vault"
export CASEVAULT_DIR=$V
M="--passphrase-file $T/pass"
snapshot_dir=$T/alone
cp -a "$V" "$snapshot_dir"  # the manager alone registered for this OS user (below)

C=$("$CV" $M case open --parent "P" --child "C" --child-dob 2015-05-05 --pr-confirmed)
printf 'A child-protection note.\n' >"$T/cp.txt"
R=$("$CV" $M file "$C" "$T/cp.txt" --class cp-note --cp | cut -f1 -d' ')
A=$(echo "Andy Auditor" | "$CV" $M staff add - --role auditor --new-passphrase-file "$T/apass")
"$CV" $M hold add "$C" --reason "court order" >/dev/null
# The documented shared OS account: the caseworker acts as the same OS user.
W=$(echo "Wendy Worker" | "$CV" $M staff add - --role caseworker --new-passphrase-file "$T/wpass" --os-user "$(id -u)")
"$CV" --as S-0001 $M staff attest "$W" >/dev/null
"$CV" --as S-0001 $M case assign "$C" "$W" >/dev/null  # her case (docs/security.md, Case assignment)
hid=$(db "SELECT max(id) FROM holds")
check "set up: a CP record, a caseworker on this OS account, an auditor, a hold" \
	test -n "$R" -a -n "$W" -a -n "$A" -a -n "$hid"

# The manager's passphrase is cached now (their last command unlocked).
run_cv --as S-0001 ls "$C" --cp </dev/null
check "the manager's passphrase is cached: --as S-0001 with no passphrase at all is still refused (exit $RC)" \
	test "$RC" -ne 0
run_cv --as S-0001 $M ls "$C" --cp
check "  the manager with their own passphrase file lists the CP file (exit $RC)" test "$RC" -eq 0
# refused DESCRIPTION ARGS...: with the manager's passphrase cached, the command fails in one line and changes nothing
refused() {
	local d=$1 before
	shift
	"$CV" --as S-0001 $M ls "$C" >/dev/null  # the cache is warm
	before=$(tree_hash "$V")
	expect_fail "$d" "$@"
	check "  (a wrong passphrase)" grep -q "wrong passphrase" <<<"$ERR"
	check "  it changed nothing" test "$before" = "$(tree_hash "$V")"
}
refused "--as the manager with the caseworker's passphrase, cache warm: ls --cp refused" \
	--as S-0001 --passphrase-file "$T/wpass" ls "$C" --cp
check "  nothing listed" test ! -s "$T/out"
refused "  get refused" --as S-0001 --passphrase-file "$T/wpass" get "$R" --purpose test-copy -o "$T/got"
check "  nothing written" test ! -e "$T/got"
refused "  hold release refused" --as S-0001 --passphrase-file "$T/wpass" hold release "$hid"
check "  the hold stands" test "$(db "SELECT released_at IS NULL FROM holds WHERE id = $hid")" = 1
run_cv --as S-0001 $M get "$R" --purpose test-copy -o "$T/got"
check "the right passphrase file still works (exit $RC)" bash -c "test $RC -eq 0 && cmp -s '$T/cp.txt' '$T/got'"
run_cv --as "$W" --passphrase-file "$T/wpass" ls "$C"
check "the caseworker as themselves, with their passphrase (exit $RC)" test "$RC" -eq 0
run_cv --as "$W" --passphrase-file "$T/pass" ls "$C"
check "  and not with the manager's, though theirs was just cached (exit $RC)" test "$RC" -ne 0

# An auditor holds no keyslip: they prove themselves by signing.
run_cv --as "$A" --passphrase-file "$T/apass" staff attest "$A"
check "the auditor with their passphrase renews their agreement (exit $RC)" test "$RC" -eq 0
run_cv --as "$A" --passphrase-file "$T/apass" audit show
check "  and reads the audit trail (exit $RC)" test "$RC" -eq 0
expect_fail "  with the caseworker's passphrase while theirs is cached: refused" \
	--as "$A" --passphrase-file "$T/wpass" audit show
check "  (a wrong passphrase)" grep -q "wrong passphrase" <<<"$ERR"

# The manager alone registered for this OS user: the OS vouches for them,
# and their cache stands (the daily use of a personal account).
export CASEVAULT_DIR=$snapshot_dir
C2=$("$CV" $M case open --parent "Q" --child "D" --child-dob 2016-06-06 --pr-confirmed)
run_cv ls "$C2" </dev/null
check "the OS user's own staff member: the cache stands (exit $RC)" test "$RC" -eq 0
run_cv --as S-0001 ls "$C2" </dev/null
check "  also when they name themselves with --as (exit $RC)" test "$RC" -eq 0
run_cv --passphrase-file "$T/wpass" ls "$C2"
check "  a passphrase file given without --as is not asked for while the cache stands (exit $RC)" test "$RC" -eq 0
finish
