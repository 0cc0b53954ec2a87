#!/bin/bash
# One JSON vocabulary (docs/json.md): every error carries a stable "code" a
# script can match, from the one table in cli/main.c; and every command's
# --json output, success and failure, is valid against its schema in
# docs/schemas/ (a command with no schema, or never run here, fails).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/command_tour.sh"

new_test_vault
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

code_is not-found 1 get R-009999 -o "$T/x" --purpose "schema check"
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
rm -f "$V/.purge.lock"   # flock made it with the shell's umask; purge makes its own 0600
check "nothing was filed by the refusals" test "$("$CV" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 0

# ---- every command's output against its schema ----
COMMANDS=$("$CV" help --commands | python3 -c 'import json,sys; print("\n".join(c["name"] for c in json.load(sys.stdin)["commands"]))')
J=$T/json
mkdir -p "$J"
N=0
# cmd_name ARGS...: the command an argument list runs ("case person add" -> case-person-add)
cmd_name() {
	local k w
	while [ "${1:-}" = --passphrase-file ] || [ "${1:-}" = --as ]; do shift 2; done  # leading global options
	for k in 3 2 1; do
		w="${*:1:$k}"
		if grep -qxF -- "$w" <<<"$COMMANDS"; then printf '%s' "${w// /-}"; return; fi
	done
	printf 'unknown'
}
# j ARGS...: casevault --json ARGS; the output kept as $J/COMMAND.N.json, its status in .rc
j() {
	local name
	name=$(cmd_name "$@")
	N=$((N + 1))
	LAST=$J/$name.$N
	"$CV" --json "$@" >"$LAST.json" 2>>"$T/j.err" </dev/null
	echo "$?" >"$LAST.rc"
}
# val EXPR: a value of the last output (python, d the object)
val() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$LAST.json" "$1"; }

# ---- the tour (tests/cli/command_tour.sh): every command at least once with success ----
tour_put() { (umask 077 && printf '%b' "$2" >"$1"); }
j_on() { local day=$1; shift; CASEVAULT_TODAY=$day j "$@"; }
mkdir "$T/tour" && cd "$T/tour" && tour "$C" && cd "$T" || fail "the tour stopped"
j init "$T/v2" --no-passphrase --name "Second Manager"
# a vault made before purge keys existed: its purge key is made afterwards
GNUPGHOME=$T/v2/purge-key gpgconf --kill all 2>/dev/null
rm -rf "$T/v2/purge-key"
sqlite3 "$T/v2/vault.db" "DELETE FROM meta WHERE key = 'purge_key'"
CASEVAULT_DIR=$T/v2 j purge-key init

# every command failing: an unknown option is a usage error in every command's schema
while read -r cmd; do
	# shellcheck disable=SC2086
	j $cmd --no-such-option
done <<<"$COMMANDS"

# CV_JSON_KEEP=DIR keeps the outputs (to write a new command's schema from them)
if [ -n "${CV_JSON_KEEP:-}" ]; then rm -rf "$CV_JSON_KEEP"; cp -r "$J" "$CV_JSON_KEEP"; cp "$T/j.err" "$CV_JSON_KEEP/"; fi
python3 - "$CV_SOURCE_DIR/docs/schemas" "$J" "$COMMANDS" <<'PY' && ok "every command's --json output is valid against its schema" || fail "schema check (above)"
import glob, json, os, sys
import jsonschema
sdir, jdir, commands = sys.argv[1], sys.argv[2], sys.argv[3].split("\n")
store = {}
for f in glob.glob(os.path.join(sdir, "*.schema.json")):
    s = json.load(open(f))
    store[s["$id"]] = s
bad = 0
for cmd in commands:
    name = cmd.replace(" ", "-")
    path = os.path.join(sdir, name + ".schema.json")
    if not os.path.exists(path):
        print(f"no schema for '{cmd}': add docs/schemas/{name}.schema.json"); bad += 1; continue
    schema = json.load(open(path))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema, resolver=jsonschema.RefResolver.from_schema(schema, store=store))
    outs = sorted(glob.glob(os.path.join(jdir, name + ".*.json")))
    seen = {True: 0, False: 0}
    for o in outs:
        try:
            d = json.load(open(o))
        except ValueError as e:
            print(f"{os.path.basename(o)}: not JSON: {e}"); bad += 1; continue
        rc = int(open(o[:-5] + ".rc").read())
        if d.get("ok") is not (rc == 0) and not (cmd in ("verify", "audit verify", "doctor") and rc == 1):
            print(f"{os.path.basename(o)}: ok {d.get('ok')} but exit {rc}"); bad += 1
        errs = list(v.iter_errors(d))
        if errs:
            e = jsonschema.exceptions.best_match(errs)
            print(f"{os.path.basename(o)}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
            bad += 1
        seen[d.get("ok") is True] += 1
    if not seen[True]:
        print(f"'{cmd}': no successful output was checked"); bad += 1
    if not seen[False]:
        print(f"'{cmd}': no failure was checked"); bad += 1
print(f"# {len(glob.glob(os.path.join(jdir, '*.json')))} outputs of {len(commands)} commands checked")
sys.exit(bad > 0)
PY

finish
