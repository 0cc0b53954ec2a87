#!/bin/bash
# casevaultd (docs/service.md) with real OS accounts made here: a service
# account owns the vault (0700) and runs the daemon; two staff accounts,
# registered with 'staff add --os-user', reach it only through the socket.
# Each person is who the kernel says connected; output and exit status are
# the direct mode's; the daemon never opens a file a client names; a killed
# worker and bad protocol messages cost only their own client.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the service test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
svc_accounts   # the service and two staff accounts, their folders, V, SOCK, as_svc, as_user

# ---- the service vault: the fixture vault (manager S-0001 with a passphrase,
# registered for root, the OS user who made it), given to the service account
printf 'correct horse battery staple\n' >"$T/pass"
fixture_vault pass "$V" "$T/pass" || { echo "no vault"; exit 1; }
chmod 700 "$V" && chown -R "$SVC" "$V"
install -m 600 -o "$SVC" "$T/pass" "$T/svc/m.pass"
M=(--as S-0001 --passphrase-file "$T/svc/m.pass")
A=$(as_svc "$CV" "${M[@]}" staff add "Ada Worker" --role caseworker --no-passphrase --os-user "$UA")
B=$(as_svc "$CV" "${M[@]}" staff add "Ben Worker" --role caseworker --no-passphrase --os-user "$UB")
as_svc "$CV" "${M[@]}" staff attest "$A" >/dev/null && as_svc "$CV" "${M[@]}" staff attest "$B" >/dev/null
C=$(as_svc "$CV" "${M[@]}" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
# both caseworkers work on it (docs/security.md, Case assignment)
as_svc "$CV" "${M[@]}" case assign "$C" "$A" >/dev/null && as_svc "$CV" "${M[@]}" case assign "$C" "$B" >/dev/null
printf 'Call with the school about the annual review.\n' |
	as_svc "$CV" "${M[@]}" note "$C" --class phone-call --title "School call" >/dev/null
R=$(as_svc "$CV" "${M[@]}" --json ls "$C" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"][0]["id"])')
check "setup: two staff members with OS users, a case with a note ($A $B $C $R)" test -n "$R"

run_cv_as() { # run_cv_as USER ARGS...: like run_cv, as USER, through the daemon
	local u=$1; shift
	as_user "$u" env CASEVAULT_SOCKET="$SOCK" "$CV" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
one_line() { [ "$(printf '%s' "$ERR" | grep -c '')" -eq 1 ]; }

# ---- a staff account can neither read nor write any file of the vault
mapfile -t files < <(find "$V" -type f)
readable=$(as_user "$UA" sh -c 'for f; do cat "$f" >/dev/null 2>&1 && echo "$f"; done; :' sh "${files[@]}")
check "staff account $UA reads none of the vault's ${#files[@]} files ($readable)" test -z "$readable" -a "${#files[@]}" -gt 5
check "...nor writes into it" not as_user "$UA" sh -c "echo x >>'$V/vault.db' || touch '$V/new'" 2>/dev/null
as_user "$UA" env CASEVAULT_DIR="$V" "$CV" ls "$C" >"$T/out" 2>"$T/err"; RC=$?; ERR=$(cat "$T/err")
check "direct mode on another account's vault says permission denied, not 'no vault' (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "permission denied: the vault at $V belongs to another OS account" <<<"$ERR"'

# ---- the daemon: as the service account, never as root
"$CVD" --vault "$V" --socket "$T/root.sock" 2>"$T/err"; RC=$?
check "casevaultd refuses to run as root (exit $RC: $(cat "$T/err"))" test "$RC" -eq 1 -a ! -e "$T/root.sock"
# not through a shell function: $! must be the daemon itself
setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups \
	"$CVD" --vault "$V" --socket "$SOCK" --request-timeout 6 2>"$T/daemon.log" >/dev/null </dev/null &
DPID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "casevaultd listens on its socket" test -S "$SOCK"

# ---- the same output and exit status as the direct mode, for each person
same_as_direct() { # same_as_direct USER STAFF ARGS...
	local u=$1 s=$2; shift 2
	as_svc "$CV" --as "$s" "$@" >"$T/direct.out" 2>"$T/direct.err" </dev/null
	local drc=$?
	run_cv_as "$u" "$@"
	if [ "$RC" -eq "$drc" ] && cmp -s "$T/out" "$T/direct.out" && cmp -s "$T/err" "$T/direct.err"; then
		ok "$u ($s) '$*' through casevaultd: the direct mode's bytes and exit $RC"
	else
		fail "$u ($s) '$*': exit $RC vs $drc; out $(cmp "$T/out" "$T/direct.out" 2>&1); err [$ERR] vs [$(cat "$T/direct.err")]"
	fi
}
same_as_direct "$UA" "$A" ls "$C"
same_as_direct "$UA" "$A" get "$R"
same_as_direct "$UA" "$A" --json ls "$C"
same_as_direct "$UA" "$A" get R-999999
same_as_direct "$UB" "$B" --json case list
same_as_direct "$UB" "$B" --json get R-999999
run_cv_as "$UA" get "$R"
check "...get printed the note itself" grep -q "annual review" <<<"$OUT"

# ---- no one acts as anyone else
run_cv_as "$UA" --as "$B" get "$R"
check "$UA may not act as $B with --as (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && [ -z "$OUT" ] && grep -q "each person acts as themselves" <<<"$ERR"'
run_cv_as "$UA" --as "$A" ls "$C"
check "--as naming oneself is fine" test "$RC" -eq 0
run_cv_as nobody ls "$C"
check "an OS user who is no staff member is refused (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "OS user $(id -u nobody) is no staff member" <<<"$ERR"'

# ---- the service never opens a file a client names (those it takes, the client opens: t_service_files.sh)
printf 'x\n' >"$T/a/rows.csv" && chown "$UA" "$T/a/rows.csv"
run_cv_as "$UA" policy check "$T/a/rows.csv"
check "policy check FILE is refused through the service (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "never opens a file a client names" <<<"$ERR"'
run_cv_as "$UA" --passphrase-file "$T/svc/m.pass" ls "$C"
check "a passphrase file is read by the client itself: the service account's file is not (exit $RC: $ERR)" \
	eval '[ "$RC" -ne 0 ] && grep -q "cannot read the passphrase file" <<<"$ERR"'

# ---- a passphrase travels in the request: root is S-0001's OS user
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all
printf 'not the passphrase\n' >"$T/wrong.pass"
run_cv_as root --passphrase-file "$T/wrong.pass" get "$R"
check "a wrong passphrase in the request is refused (exit $RC: $ERR)" eval '[ "$RC" -eq 1 ] && grep -q "wrong passphrase" <<<"$ERR"'
run_cv_as root --passphrase-file "$T/pass" get "$R"
check "the right one unlocks S-0001's keys in the worker (exit $RC)" grep -q "annual review" <<<"$OUT"
check "...and is in no log of the daemon" not grep -q "horse" "$T/daemon.log"
run_cv_as root lock   # S-0001's session from the command above ends (docs/service.md, Sessions)
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all
# the client on a terminal of its own; the passphrase is typed once the prompt is shown
out=$(CASEVAULT_SOCKET="$SOCK" python3 "$CV_SOURCE_DIR/tests/cli/pty_answer.py" "correct horse battery staple" -- "$CV" get "$R")
check "with no passphrase file the worker asks at the client's own terminal ($(tr -d '\r' <<<"$out" | tail -c 200))" \
	eval 'grep -q "Passphrase of staff member S-0001" <<<"$out" && grep -q "annual review" <<<"$out"'

# ---- a worker killed mid-request: its client is told, the others are served
# a worker may end after its client's answer, signing a checkpoint (docs/service.md, Speed): none is left to be taken for the held one
for _ in $(seq 300); do pgrep -u "$SVC" -x casevaultd-work >/dev/null || break; sleep 0.1; done
mkfifo "$T/run/hold" && chmod 666 "$T/run/hold"
exec 7<>"$T/run/hold"
as_user "$UB" env CASEVAULT_SOCKET="$SOCK" "$CV" note "$C" --class phone-call --title "Held" \
	<"$T/run/hold" >"$T/held.out" 2>"$T/held.err" &
cpid=$!
for _ in $(seq 50); do wpid=$(pgrep -u "$SVC" -x casevaultd-work); [ -n "$wpid" ] && break; sleep 0.1; done
[ -n "$wpid" ] && kill -9 "$wpid"
[ -z "$wpid" ] && exec 7>&-   # no worker seen: let the client end
wait "$cpid"; RC=$?; ERR=$(cat "$T/held.err")
exec 7>&-
check "the client of a killed worker exits 1 with one line (worker ${wpid:-none}; $ERR)" \
	eval '[ -n "$wpid" ] && [ "$RC" -eq 1 ] && one_line && grep -q "stopped (signal 9)" <<<"$ERR"'
run_cv_as "$UA" ls "$C"
check "...and casevaultd goes on serving others" eval '[ "$RC" -eq 0 ] && grep -q "$R" <<<"$OUT" && ! grep -q Held <<<"$OUT"'
check "...the daemon itself still runs" kill -0 "$DPID"
as_svc "$CV" "${M[@]}" verify >/dev/null 2>"$T/err"
check "verify passes after the kill ($(cat "$T/err"))" test $? -eq 0

# ---- bad protocol messages, each refused to its own client only, while others are served
python3 - "$SOCK" >"$T/proto.out" 2>&1 <<'PY' &
import json, socket, struct, sys, time
path = sys.argv[1]
def ask(data, fds=True, hold=0):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    if data:
        if fds:
            socket.send_fds(s, [data], [0, 1, 2])
        else:
            s.sendall(data)
    if not hold:
        s.shutdown(socket.SHUT_WR)
    r = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        r += b
    n = struct.unpack(">I", r[:4])[0] if len(r) >= 4 else -1
    return json.loads(r[4:4 + n]) if n > 0 else {"exit": None, "error": "no reply"}
def frame(b):
    return struct.pack(">I", len(b)) + b
good = json.dumps({"v": 1, "argv": ["--help"]}).encode()
cases = [
    ("malformed", frame(b'{"v":1,"argv":['), True),
    ("not-an-object", frame(b'[1,2]'), True),
    ("wrong-version", frame(json.dumps({"v": 2, "argv": ["ls"]}).encode()), True),
    ("unknown-member", frame(json.dumps({"v": 1, "argv": ["ls"], "env": {}}).encode()), True),
    ("too-many-args", frame(json.dumps({"v": 1, "argv": ["x"] * 257}).encode()), True),
    ("nul-in-arg", frame(b'{"v":1,"argv":["ls\\u0000x"]}'), True),
    ("oversized", struct.pack(">I", 1 << 20) + b"{", True),
    ("zero-length", struct.pack(">I", 0), True),
    ("truncated", frame(good)[:10], True),
    ("no-descriptors", frame(good), False),
]
for name, data, fds in cases:
    t = time.time()
    try:
        r = ask(data, fds)
    except OSError as e:
        r = {"exit": None, "error": "no reply: %s" % e}
    print(name, r.get("exit"), round(time.time() - t, 1), r.get("error"))
t = time.time()
r = ask(struct.pack(">I", 100) + b'{"v":1', True, hold=True)
print("slow", r.get("exit"), round(time.time() - t, 1), r.get("error"))
PY
ppid=$!
sleep 0.5
t0=$(date +%s%N)
run_cv_as "$UA" ls "$C"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "while a slow client holds a connection, $UA is served (exit $RC, ${ms} ms)" eval '[ "$RC" -eq 0 ] && ! grep -q "^slow" "$T/proto.out"'
wait "$ppid"
cat "$T/proto.out"
for name in malformed not-an-object wrong-version unknown-member too-many-args nul-in-arg oversized zero-length truncated no-descriptors slow; do
	line=$(grep "^$name " "$T/proto.out")
	check "$name message refused with exit 2 and a reason ($line)" eval '[ "$(cut -d" " -f2 <<<"$line")" = 2 ] && [ "$(cut -d" " -f4- <<<"$line")" != None ]'
done
check "the slow message is refused at the time limit (6 s), not before" \
	eval 'awk "/^slow /{exit !(\$3 >= 5.9 && \$3 < 9)}" "$T/proto.out"'
run_cv_as "$UB" ls "$C"
check "after them all casevaultd still serves ($RC)" test "$RC" -eq 0
sed 's/^/# daemon: /' "$T/daemon.log"
check "the daemon's log holds no sanitizer report" not grep -q "Sanitizer\|runtime error" "$T/daemon.log"
finish
