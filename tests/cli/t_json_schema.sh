#!/bin/bash
# One JSON vocabulary (docs/json.md): every error carries a stable "code" a
# script can match, from the one table in cli/main.c.
. "$(dirname "$0")/lib.sh"

new_vault
C=$(new_case)

# code_is CODE EXIT ARGS...: casevault --json ARGS fails with this code and exit status
code_is() {
	local want=$1 ex=$2; shift 2
	run_cv --json "$@"
	if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] is False and d["code"] == sys.argv[2] and d["exit"] == int(sys.argv[3]), d' \
		"$OUT" "$want" "$ex" 2>/dev/null && [ "$RC" = "$ex" ]; then
		ok "'$*': code $want, exit $ex"
	else
		fail "'$*': expected code $want exit $ex, got exit $RC: $OUT"
	fi
}

code_is not-found 1 get R-009999 -o "$T/x"
code_is not-found 1 ls C-2099-9999
code_is invalid 1 retention due --as-of 2020-13-45
code_is invalid 2 case open --parent P --child K --child-dob 01/02/2019 --pr-confirmed
code_is usage 2 ls --bogus
code_is usage 2 frobnicate
W=$("$CV" staff add "Wendy Worker" --role caseworker --no-passphrase)
"$CV" staff attest "$W" >/dev/null
code_is refused 1 --as "$W" staff add "Xavier" --role caseworker --no-passphrase
# another purge holds the vault's purge lock
flock "$V/.purge.lock" sh -c ': >"$1"; for _ in $(seq 600); do [ -e "$2" ] && break; sleep 0.05; done' sh "$T/held" "$T/release" &
lockpid=$!
for _ in $(seq 200); do [ -e "$T/held" ] && break; sleep 0.05; done
code_is locked 1 purge --yes
: >"$T/release"
wait "$lockpid"
check "nothing was filed by the refusals" test "$("$CV" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 0

finish
