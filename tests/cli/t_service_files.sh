#!/bin/bash
# casevaultd and named files (docs/service.md, "Named files"): the client
# opens every file its command line names, as the person who runs it, and
# passes the descriptors; the worker files, reads and writes through them and
# never opens a path a client named.  Real OS accounts (useradd), a real
# daemon, real gpg: a document only its owner may read is filed through the
# service, byte-identical on get, with the direct mode's output; get -o and
# request bundle -o make the client's own 0600 files, never over an existing
# one, and leave nothing when they fail; raw requests that claim descriptors
# they did not pass, or pass more than they list, are refused.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the service files test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
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

# not through a shell function: $! must be the daemon itself
setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups \
	"$CVD" --vault "$V" --socket "$SOCK" --request-timeout 6 2>"$T/daemon.log" >/dev/null </dev/null &
DPID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "casevaultd listens on its socket" test -S "$SOCK"


run_cv_as() { # run_cv_as USER ARGS...: like run_cv, as USER, through the daemon, in $CWD (default /)
	local u=$1; shift
	(cd "${CWD:-/}" && as_user "$u" env CASEVAULT_SOCKET="${SOCKET_OF_CLIENT:-$SOCK}" "$CV" "$@") \
		>"$T/out" 2>"$T/err" </dev/null
	RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
run_direct() { # run_direct STAFF ARGS...: the direct mode, as the service account, in $CWD (default /)
	local s=$1; shift
	(cd "${CWD:-/}" && as_svc "$CV" --as "$s" "$@") >"$T/direct.out" 2>"$T/direct.err" </dev/null
	DRC=$?; DOUT=$(cat "$T/direct.out"); DERR=$(cat "$T/direct.err")
}
one_line() { [ "$(printf '%s' "$ERR" | grep -c '')" -eq 1 ]; }
mask() { sed -E 's/R-[0-9]{6}/R-N/g'; }
rec_of() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["filed"][0]["record"])'; }

# ---- 1. a document only its owner may read, filed through the service
mkdir -m 700 "$T/svc/d" && chown "$SVC" "$T/svc/d"
printf 'Letter from the school about the annual review.\nOnly Ada may read this file.\n' >"$T/a/letter.txt"
chown "$UA" "$T/a/letter.txt" && chmod 600 "$T/a/letter.txt"
install -m 600 -o "$SVC" "$T/a/letter.txt" "$T/svc/d/letter.txt"
check "the service account cannot read $UA's document itself" not as_svc cat "$T/a/letter.txt" 2>/dev/null
CWD=$T/a run_cv_as "$UA" --json file "$C" letter.txt --class letter --allow-duplicate
RS=$(rec_of <<<"$OUT")
CWD=$T/svc/d run_direct "$A" --json file "$C" letter.txt --class letter --allow-duplicate
RD=$(rec_of <<<"$DOUT")
check "file --json through the service: filed as $RS (exit $RC: $ERR)" test "$RC" -eq 0 -a -n "$RS"
check "...the direct mode's JSON but for the record id ($RD)" \
	eval '[ "$DRC" -eq 0 ] && [ "$(mask <<<"$OUT")" = "$(mask <<<"$DOUT")" ] && [ "$ERR" = "$DERR" ]'
CWD=$T/a run_cv_as "$UA" file "$C" letter.txt --class letter --allow-duplicate
CWD=$T/svc/d run_direct "$A" file "$C" letter.txt --class letter --allow-duplicate
check "file (text) through the service: the direct mode's line but for the record id ($OUT)" \
	eval '[ "$RC" -eq 0 ] && [ "$DRC" -eq 0 ] && [ "$(mask <<<"$OUT")" = "$(mask <<<"$DOUT")" ] && [ "$ERR" = "$DERR" ]'
as_svc "$CV" --as "$A" --json ls "$C" >"$T/ls.json"
check "the records filed both ways have the same title, type and size" python3 - "$T/ls.json" "$RS" "$RD" <<'PY'
import json, sys
recs = {r["id"]: r for r in json.load(open(sys.argv[1]))["records"]}
a, b = recs[sys.argv[2]], recs[sys.argv[3]]
sys.exit(not (a["title"] == b["title"] == "letter.txt" and a["mime"] == b["mime"] and a["size"] == b["size"]))
PY
run_cv_as "$UA" get "$RS"
check "get of the record filed through the service is the document, byte for byte" \
	eval '[ "$RC" -eq 0 ] && cmp -s "$T/out" "$T/a/letter.txt"'
run_direct "$A" get "$RS"
check "...as the direct mode's get is" eval '[ "$DRC" -eq 0 ] && cmp -s "$T/out" "$T/direct.out" && [ "$ERR" = "$DERR" ]'
check "the daemon's log never names the document's path" not grep -q letter.txt "$T/daemon.log"

# ---- 2. get -o: a new 0600 file of the client's, never over an existing one, nothing left on failure
CWD=$T/a run_cv_as "$UA" get "$RS" --purpose test-copy -o copy.txt
check "get -o through the service writes $UA's file (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 0 ] && cmp -s "$T/a/copy.txt" "$T/a/letter.txt"'
check "...owned by $UA, mode 0600" test "$(stat -c '%U %a' "$T/a/copy.txt")" = "$UA 600"
CWD=$T/svc/d run_direct "$A" get "$RS" --purpose test-copy -o copy.txt
check "...with the direct mode's words ($ERR)" eval '[ "$DRC" -eq 0 ] && [ "$ERR" = "$DERR" ]'
CWD=$T/a run_cv_as "$UA" --json get "$RS" --purpose test-copy -o copy2.txt
CWD=$T/svc/d run_direct "$A" --json get "$RS" --purpose test-copy -o copy2.txt
check "get --json -o: the direct mode's JSON ($OUT)" eval '[ "$RC" -eq 0 ] && [ "$OUT" = "$DOUT" ]'
CWD=$T/a run_cv_as "$UA" get "$RS" --purpose test-copy -o copy.txt
CWD=$T/svc/d run_direct "$A" get "$RS" --purpose test-copy -o copy.txt
check "get -o over an existing file is refused with the direct mode's line (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && [ "$DRC" -eq 1 ] && one_line && [ "$ERR" = "$DERR" ] && cmp -s "$T/a/copy.txt" "$T/a/letter.txt"'
CWD=$T/a run_cv_as "$UA" get R-999999 --purpose test-copy -o none.txt
check "a failed get -o leaves no file (exit $RC: $ERR)" eval '[ "$RC" -eq 1 ] && one_line && [ ! -e "$T/a/none.txt" ]'
run_cv_as "$UB" get "$RS" --purpose test-copy -o "$T/a/intruder.txt"
check "$UB cannot create a file in $UA's folder through the service (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "Permission denied" <<<"$ERR" && [ ! -e "$T/a/intruder.txt" ]'

# ---- 3. what the client cannot open is refused by the client, before anything is sent
printf 'Ben only.\n' >"$T/b/secret.txt" && chown "$UB" "$T/b/secret.txt" && chmod 600 "$T/b/secret.txt"
SOCKET_OF_CLIENT=$T/run/none.sock run_cv_as "$UA" file "$C" "$T/b/secret.txt" --class letter
check "a file the client cannot read is refused by the client, not sent (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "cannot read $T/b/secret.txt: Permission denied" <<<"$ERR"'
mapfile -t many < <(yes "$T/a/letter.txt" | head -65)
SOCKET_OF_CLIENT=$T/run/none.sock run_cv_as "$UA" file "$C" "${many[@]}" --class letter
check "more than 64 named files are refused by the client, not sent (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 2 ] && one_line && grep -q "at most 64 named files" <<<"$ERR"'
ln -s letter.txt "$T/a/link.txt" && chown -h "$UA" "$T/a/link.txt"
CWD=$T/a run_cv_as "$UA" file "$C" link.txt --class letter
ln -s letter.txt "$T/svc/d/link.txt"
CWD=$T/svc/d run_direct "$A" file "$C" link.txt --class letter
check "a symbolic link is refused with the direct mode's line (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "link.txt is a symbolic link" <<<"$ERR" && [ "$ERR" = "$DERR" ]'

# ---- 4. raw requests: a descriptor claimed but not passed, or passed but not listed
python3 - "$SOCK" "$C" "$T/a/letter.txt" >"$T/raw.out" 2>&1 <<'PY'
import json, os, socket, struct, sys
path, case, doc = sys.argv[1:4]
def ask(req, fds):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    body = json.dumps(req).encode()
    socket.send_fds(s, [struct.pack(">I", len(body)) + body], fds)
    s.shutdown(socket.SHUT_WR)
    r = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        r += b
    n = struct.unpack(">I", r[:4])[0] if len(r) >= 4 else -1
    return json.loads(r[4:4 + n]) if n > 0 else {"exit": None, "error": "no reply"}
fd = os.open(doc, os.O_RDONLY)
argv = ["file", case, "--class", "letter", "/etc/shadow"]
listed = {"v": 1, "argv": argv, "files": [{"arg": 4, "mode": "r", "name": "/etc/shadow"}]}
cases = [
    ("claimed-not-passed", listed, [0, 1, 2]),
    ("passed-not-listed", {"v": 1, "argv": ["ls", case]}, [0, 1, 2, fd]),
    ("path-without-descriptor", {"v": 1, "argv": argv}, [0, 1, 2]),
    ("read-claimed-as-write", dict(listed, files=[{"arg": 4, "mode": "w", "name": "/etc/shadow"}]), [0, 1, 2, fd]),
    ("name-not-in-word", dict(listed, files=[{"arg": 1, "mode": "r", "name": "/etc/shadow"}]), [0, 1, 2, fd]),
    ("too-many-files", dict(listed, files=[{"arg": 4, "mode": "r", "name": "w"}] * 65), [0, 1, 2]),
    ("o-path-descriptor", listed, [0, 1, 2, os.open(doc, os.O_PATH)]),
    ("passphrase-as-bytes", {"v": 1, "argv": ["ls", case], "passphrase": {"bytes": [97, 98]}}, [0, 1, 2]),
    ("open-many-over-64", {"v": 1, "argv": ["ls", case], "open_many": 65}, [0, 1, 2]),
]
for name, req, fds in cases:
    r = ask(req, fds)
    print(name, r.get("exit"), r.get("error"))
PY
cat "$T/raw.out"
for name in claimed-not-passed passed-not-listed read-claimed-as-write name-not-in-word too-many-files o-path-descriptor \
	passphrase-as-bytes open-many-over-64; do
	line=$(grep "^$name " "$T/raw.out")
	check "$name: refused by the daemon with exit 2 and a reason ($line)" \
		eval '[ "$(cut -d" " -f2 <<<"$line")" = 2 ] && [ "$(cut -d" " -f3- <<<"$line")" != None ]'
done
line=$(grep "^path-without-descriptor " "$T/raw.out")
check "a path with no descriptor is refused by the worker, which opens nothing ($line)" \
	eval '[ "$(cut -d" " -f2 <<<"$line")" = 2 ]'
run_cv_as "$UA" ls "$C"
check "...and the daemon goes on serving ($RC)" eval '[ "$RC" -eq 0 ] && grep -q "$RS" <<<"$OUT"'
check "nothing was filed from /etc/shadow" not grep -q shadow <<<"$OUT"

# ---- 5. request bundle -o and --passphrase-file: the client's new files, written through the descriptors
REQ=$(as_svc "$CV" --as "$A" --json request open "$C" --requester "Pat Parent" --relationship client \
	--received "$(date -u +%F)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
for r in $(as_svc "$CV" --as "$A" --json ls "$C" | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["records"]))'); do
	as_svc "$CV" --as "$A" request decide "$REQ" "$r" --release --reason "the parent's own correspondence" >/dev/null
done
CWD=$T/a run_cv_as "$UA" request bundle "$REQ" -o sar.zip --passphrase-file sar.pass
check "request bundle -o through the service writes the bundle into $UA's folder (exit $RC: $OUT $ERR)" \
	eval '[ "$RC" -eq 0 ] && [ -s "$T/a/sar.zip" ] && [ -s "$T/a/sar.pass" ]'
check "...both files $UA's own, mode 0600" \
	test "$(stat -c '%U %a' "$T/a/sar.zip" "$T/a/sar.pass" | sort -u)" = "$UA 600"
mkdir "$T/x" && (cd "$T/x" && 7z x -p"$(head -1 "$T/a/sar.pass")" "$T/a/sar.zip" >/dev/null 2>&1)
check "...7z opens it with the passphrase written to $UA's file" eval 'grep -rqs "Only Ada may read this file" "$T/x"'
CWD=$T/svc/d run_direct "$A" request bundle "$REQ" -o sar.zip --passphrase-file sar.pass
check "...the direct mode's report but for the hash ($OUT)" \
	eval '[ "$DRC" -eq 0 ] && [ "$(sed "s/SHA-256 [0-9a-f]*/SHA-256 H/" <<<"$OUT")" = "$(sed "s/SHA-256 [0-9a-f]*/SHA-256 H/" <<<"$DOUT")" ]'
CWD=$T/a run_cv_as "$UA" request bundle "$REQ" -o sar.zip --passphrase-file new.pass
CWD=$T/svc/d run_direct "$A" request bundle "$REQ" -o sar.zip --passphrase-file new.pass
check "a bundle over an existing file is refused with the direct mode's line, nothing made (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && [ "$ERR" = "$DERR" ] && [ ! -e "$T/a/new.pass" ]'
CWD=$T/a run_cv_as "$UA" request bundle Q-999999 -o none.zip --passphrase-file none.pass
check "a refused bundle leaves neither file (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && [ ! -e "$T/a/none.zip" ] && [ ! -e "$T/a/none.pass" ]'

# ---- request attach PATH and request bundle --recipient KEYFILE: read through passed descriptors
CWD=$T/a run_cv_as "$UA" request attach "$REQ" "$RS" letter.txt
check "attaching the original, unchanged, is refused as in direct mode (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && one_line && grep -q "letter.txt is $RS itself, unchanged" <<<"$ERR"'
printf 'Letter from the school about the annual review.\n[redacted]\n' >"$T/a/redacted.txt"
chown "$UA" "$T/a/redacted.txt" && chmod 600 "$T/a/redacted.txt"
CWD=$T/a run_cv_as "$UA" request attach "$REQ" "$RS" redacted.txt
check "request attach through the service files $UA's redacted copy (exit $RC: $OUT $ERR)" test "$RC" -eq 0
COPY=$(as_svc "$CV" --as "$A" --json ls "$C" | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["records"] if r["title"].startswith("Redacted copy of '"$RS"'")))')
run_cv_as "$UA" get "$COPY"
check "...the copy ($COPY) is the file $UA passed, byte for byte" eval '[ "$RC" -eq 0 ] && cmp -s "$T/out" "$T/a/redacted.txt"'
mkdir -p -m 700 "$T/r" && mkdir -m 700 "$T/r/rk"
GNUPGHOME=$T/r/rk gpg --batch --passphrase '' --quick-gen-key "Pat Parent <pat@example.org>" future-default default never 2>/dev/null
GNUPGHOME=$T/r/rk gpg --export -a >"$T/a/pat.asc" && chown "$UA" "$T/a/pat.asc" && chmod 600 "$T/a/pat.asc"
CWD=$T/a run_cv_as "$UA" request bundle "$REQ" -o sar.zip.gpg --recipient pat.asc
check "request bundle --recipient through the service reads $UA's key file (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 0 ] && [ "$(stat -c "%U %a" "$T/a/sar.zip.gpg")" = "$UA 600" ]'
GNUPGHOME=$T/r/rk gpg -q --batch -d "$T/a/sar.zip.gpg" >"$T/r/p.zip" 2>/dev/null
mkdir "$T/x2" && (cd "$T/x2" && 7z x "$T/r/p.zip" >/dev/null 2>&1)
check "...gpg and 7z open it: the redacted copy went out in the original's place" \
	eval 'grep -rqs "\[redacted\]" "$T/x2" && grep -rqs "Only Ada may read this file" "$T/x2"'
GNUPGHOME=$T/r/rk gpgconf --kill all 2>/dev/null


# ---- staff add --key and --new-passphrase-file: the manager's own files, passed
mkdir -p -m 700 "$T/r"
G=$T/r/g; mkdir -m 700 "$G"
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key "casevault imported" ed25519 sign,cert never 2>/dev/null
fpr=$(GNUPGHOME=$G gpg --list-keys --with-colons 2>/dev/null | awk -F: '$1=="fpr"{print $10; exit}')
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --quick-add-key "$fpr" cv25519 encr never 2>/dev/null
GNUPGHOME=$G gpg --batch --pinentry-mode loopback --passphrase '' --export-secret-keys "$fpr" >"$T/r/ivy.key" 2>/dev/null
GNUPGHOME=$G gpgconf --kill all 2>/dev/null
chmod 600 "$T/r/ivy.key"
check "the service account cannot read root's key file" not as_svc cat "$T/r/ivy.key" 2>/dev/null
run_cv_as root --passphrase-file "$T/pass" staff add "Ivy Imported" --role volunteer --key "$T/r/ivy.key"
IVY=$OUT
check "staff add --key through the service imports the key the client passed (exit $RC: $OUT $ERR)" \
	eval '[ "$RC" -eq 0 ] && as_svc env GNUPGHOME="$V/gnupg" gpg --list-secret-keys "$fpr" >/dev/null 2>&1'
printf 'nia own words\n' >"$T/r/nia.pass" && chmod 600 "$T/r/nia.pass"
run_cv_as root --passphrase-file "$T/pass" staff add "Nia New" --role caseworker --new-passphrase-file "$T/r/nia.pass"
NIA=$OUT
check "staff add --new-passphrase-file through the service (exit $RC: $OUT $ERR)" test "$RC" -eq 0 -a -n "$NIA"
as_svc "$CV" "${M[@]}" staff attest "$NIA" >/dev/null 2>&1
as_svc "$CV" "${M[@]}" case assign "$C" "$NIA" >/dev/null 2>&1  # her case (docs/security.md, Case assignment)
install -m 600 -o "$SVC" "$T/r/nia.pass" "$T/svc/nia.pass"
printf 'not hers\n' >"$T/svc/bad.pass" && chown "$SVC" "$T/svc/bad.pass"
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill gpg-agent
check "...the new key takes the passphrase from the passed file" \
	as_svc "$CV" --as "$NIA" --passphrase-file "$T/svc/nia.pass" get "$R" >/dev/null 2>&1
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill gpg-agent
check "...and no other" not as_svc "$CV" --as "$NIA" --passphrase-file "$T/svc/bad.pass" get "$R" >/dev/null 2>&1

sed 's/^/# daemon: /' "$T/daemon.log"
check "the daemon's log holds no sanitizer report" not grep -q "Sanitizer\|runtime error" "$T/daemon.log"
finish
