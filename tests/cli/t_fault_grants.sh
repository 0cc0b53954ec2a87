#!/bin/bash
# A grant's signature that gpg could not check is not a forged grant
# (vault/core/grants.c, grant_check; docs/recovery.md, "Fault injection").
# Found by the sweep by site: an EIO on a write to gpg while staff revoke
# checked a grant made it skip the revoked grant's signature, or rotate the
# section keys without the manager's keyslip, and exit 0.  Here every write
# of a revocation's clean run fails in turn (faultshim.c): the command then
# fails, or verify still passes; a refusal changes nothing, and the same
# revocation run again succeeds.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/fault/fault_lib.sh"
[ -f "$SHIM" ] || { echo "# no fault shim at $SHIM (build with -DBUILD_TESTS=ON)"; exit 1; }

new_test_vault
W=$("$CV" staff add "Wes Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$W" >/dev/null
GNUPGHOME=$V/gnupg gpgconf --kill all
mkdir -p "$T/tmpl" && (cd "$V" && tar cf - --exclude='S.*' .) | (cd "$T/tmpl" && tar xf -)
revoke() { env "$@" LD_PRELOAD="$SHIM" "$CV" staff revoke "$W" >/dev/null 2>"$T/err" </dev/null; }

fault_fresh
revoke CV_FAULT_COUNT="$T/count" CV_FAULT_SITES="$T/sites"; rc0=$?
check "a clean revocation under the shim succeeds (exit $rc0)" test "$rc0" -eq 0 -a "$(cat "$T/count" 2>/dev/null || echo 0)" -gt 0
writes=$(awk '$2 == "write" { print $1 }' "$T/sites")
check "its clean run makes writes ($(wc -w <<<"$writes"))" test -n "$writes"
bad= refused=0
for n in $writes; do
	fault_fresh
	revoke CV_FAULT="$n:eio"; rc=$?
	if [ "$rc" -ne 0 ]; then
		refused=$((refused + 1))
		grep -q "forged" "$T/err" && bad+=" $n(called-forged)"
	fi
	"$CV" verify >/dev/null 2>&1 || bad+=" $n(verify:exit-$rc)"
	[ "$rc" -eq 0 ] || "$CV" staff revoke "$W" >/dev/null 2>&1 || bad+=" $n(retry)"
	GNUPGHOME=$V/gnupg gpgconf --kill all
done
check "after each failed write: the command failed or verify passes, and a retry succeeds (${bad:-none failed}; $refused refused)" \
	test -z "$bad"
finish
