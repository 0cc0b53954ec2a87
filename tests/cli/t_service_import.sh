#!/bin/bash
# import MANIFEST.csv through casevaultd (docs/service.md, "Named files";
# docs/protocol.md, "Documents of a manifest"): the client reads the
# manifest with the direct mode's parser, passes it, and opens each document
# the worker asks for, as the person who runs the command, several to an ask.
# Real OS accounts (useradd), a real daemon, real gpg: documents only their
# owner may read are filed, byte for byte, with the direct mode's report; a
# missing document, a symbolic link, and a file of the vault itself (which
# the service account could read, the client cannot) each refuse their case
# only, with the direct mode's words; a malformed manifest is refused before
# the client connects; 150 documents pass with the client limited to 24
# descriptors, and 600, more than the worker keeps at once; the client
# passes only the documents its manifest names, several to an ask, and
# stops at the first it cannot (a fake daemon asks it for another file).
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the service import test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
svc_setup
C1=$(as_svc "$CV" case open --parent "Imp One" --child "Kid One" --child-dob 2014-05-06 --pr-confirmed)
C2=$(as_svc "$CV" case open --parent "Imp Two" --child "Kid Two" --child-dob 2015-05-06 --pr-confirmed)
C3=$(as_svc "$CV" case open --parent "Imp Three" --child "Kid Three" --child-dob 2016-05-06 --pr-confirmed)
# UA (Ada) works on all three (docs/security.md, Case assignment)
for k in "$C1" "$C2" "$C3"; do as_svc "$CV" case assign "$k" "$A" >/dev/null; done
check "setup: staff $A ($UA), cases $C1 $C2 $C3" test -n "$C3"
svc_start || exit 1

run_cv_as() { # run_cv_as USER ARGS...: through the daemon, in $CWD (default /)
	local u=$1; shift
	(cd "${CWD:-/}" && svc_cv "$u" "$@") >"$T/out" 2>"$T/err" </dev/null
	RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
}
count() { as_svc "$CV" --json ls "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))'; }

# ---- 1. documents only UA may read, named relative to the manifest
D=$T/a/docs
mkdir -p "$D/sub"
for k in 1 2 3; do printf 'Letter %d from the school about the review.\n' "$k" >"$D/l$k.txt"; done
printf 'Minutes of the annual review meeting.\n' >"$D/sub/m.txt"
cat >"$T/a/m1.csv" <<EOF
case,path,class,section,title,date
$C1,docs/l1.txt,letter,case,First letter,2025-01-02
$C1,docs/sub/m.txt,letter,case,,2025-01-03
$C2,docs/l2.txt,letter,case,Second letter,2025-01-04
EOF
chown -R "$UA" "$T/a" && chmod -R go-rwx "$T/a"
CWD=$T/a run_cv_as "$UA" import m1.csv
check "UA imports a manifest of documents only UA can read (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 0 ] && grep -q "imported 3 of 3 documents" <<<"$ERR"'
check "the report is the direct mode's: one line per record, its case and type" \
	test "$(grep -cE "^R-[0-9]{6}  C-2026-000[12]  text/plain$" "$T/out")" -eq 3
check "both cases hold what the manifest gave them" test "$(count "$C1")-$(count "$C2")" = "2-1"
r=$(as_svc "$CV" --json ls "$C1" | python3 -c 'import json,sys; print([x["id"] for x in json.load(sys.stdin)["records"] if x["title"] == "m.txt"][0])')
svc_cv "$UA" get "$r" >"$T/m.back" </dev/null
check "a document reads back byte for byte, titled by its base name ($r)" cmp -s "$T/m.back" "$D/sub/m.txt"
check "the filing is audited as UA's staff member $A" \
	eval 'as_svc "$CV" --json audit show | python3 -c "import json,sys; a=[e[\"acted_by\"] for e in json.load(sys.stdin)[\"events\"] if e[\"action\"] == \"file\"]; sys.exit(0 if a and set(a) == {\"$A\"} else 1)"'

# the same manifest again: every document is filed already, skipped as in direct mode
CWD=$T/a run_cv_as "$UA" --json import m1.csv
check "import --json again: all three skipped as already filed (exit $RC)" \
	eval '[ "$RC" -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"ok\"] and len(d[\"skipped\"]) == 3 and not d[\"filed\"] else 1)" "$T/out"'

# ---- 2. a case whose document is missing, a link, or the vault's own file: that case only
printf 'Letter four.\n' >"$D/l4.txt" && printf 'Letter five.\n' >"$D/l5.txt"
ln -s l4.txt "$D/link.txt"
chown -R "$UA" "$D" && chown -h "$UA" "$D/link.txt"
for bad in "docs/gone.txt|gone.txt: no such file" "docs/link.txt|link.txt is a symbolic link" \
	   "$V/vault.db|Permission denied"; do
	path=${bad%%|*} want=${bad#*|}
	cat >"$T/a/m2.csv" <<-EOF
	case,path,class,section,title,date
	$C2,docs/l4.txt,letter,case,Four,2025-02-01
	$C2,$path,letter,case,Bad,2025-02-02
	$C3,docs/l5.txt,letter,case,Five,2025-02-03
	EOF
	chown "$UA" "$T/a/m2.csv"
	before=$(count "$C2")
	CWD=$T/a run_cv_as "$UA" import m2.csv
	check "a row naming $path refuses its case with the direct mode's words (exit $RC: $(grep -m1 "$want" "$T/out" "$T/err"))" \
		eval '[ "$RC" -eq 1 ] && grep -q "$want" "$T/out" "$T/err"'
	check "... nothing of that case is filed, its other document neither" test "$(count "$C2")" -eq "$before"
done
check "the other case's document is filed once, the later runs skip it ($(count "$C3") records)" test "$(count "$C3")" -eq 1
check "no vault file was filed: the service never opened the path" \
	not eval 'as_svc "$CV" --json ls "$C2" | grep -q "\"Bad\""'

# ---- 3. a malformed manifest is refused by the client before it connects
printf 'case,path,class,section,title,date\n%s,"docs/l1.txt,letter,case,x,2025-01-01\n' "$C1" >"$T/a/bad.csv"
chown "$UA" "$T/a/bad.csv"
n0=$(grep -c "" "$T/daemon.log" || true)
CWD=$T/a run_cv_as "$UA" import bad.csv
check "a malformed manifest: one line, exit 1 (exit $RC: $ERR)" \
	eval '[ "$RC" -eq 1 ] && [ "$(grep -c "" <<<"$ERR")" -eq 1 ] && grep -q "malformed CSV" <<<"$ERR"'
check "... said by the client: the daemon's log has nothing new" test "$(grep -c "" "$T/daemon.log" || true)" -eq "$n0"

# ---- 4. more documents than a request carries, the client limited to 24 descriptors
mkdir -p "$D/many"
{
	echo "case,path,class,section,title,date"
	for k in $(seq 150); do
		printf 'Note %d of the backlog, kept for the record.\n' "$k" >"$D/many/n$k.txt"
		echo "$C3,docs/many/n$k.txt,letter,case,Backlog $k,2025-03-01"
	done
} >"$T/a/many.csv"
chown -R "$UA" "$T/a"
(cd "$T/a" && as_user "$UA" bash -c 'ulimit -n 24 && exec env CASEVAULT_SOCKET="$0" "$1" import many.csv' "$SOCK" "$CV") \
	>"$T/out" 2>"$T/err" </dev/null
RC=$?
check "150 documents through the daemon with the client at 24 descriptors (exit $RC: $(tail -n 1 "$T/err"))" \
	eval '[ "$RC" -eq 0 ] && grep -q "imported 150 of 150 documents" "$T/err"'
check "... all 150 are in the case ($(count "$C3") records)" test "$(count "$C3")" -eq 151

# ---- 4b. more documents than the worker keeps (cli/dockeep.c): asked again, in batches
mkdir -p "$D/more"
{
	echo "case,path,class,section,title,date"
	for k in $(seq 600); do
		printf 'Entry %d of the second backlog.\n' "$k" >"$D/more/e$k.txt"
		echo "$C1,docs/more/e$k.txt,letter,case,Entry $k,2025-04-01"
	done
} >"$T/a/more.csv"
chown -R "$UA" "$T/a"
before=$(count "$C1")
CWD=$T/a run_cv_as "$UA" import more.csv
check "600 documents through the daemon, more than the worker keeps at once (exit $RC: $(tail -n 1 "$T/err"))" \
	eval '[ "$RC" -eq 0 ] && grep -q "imported 600 of 600 documents" "$T/err"'
check "... all 600 are in the case ($(($(count "$C1") - before)) new records)" test "$(($(count "$C1") - before))" -eq 600
r=$(as_svc "$CV" --json ls "$C1" | python3 -c 'import json,sys; print([x["id"] for x in json.load(sys.stdin)["records"] if x["title"] == "Entry 599"][0])')
as_svc "$CV" get "$r" >"$T/e599" 2>/dev/null
check "... each record holds its own document (Entry 599: $(head -c 40 "$T/e599"))" cmp -s "$T/e599" "$D/more/e599.txt"

# ---- 4c. documents in two cases each (a school letter about two siblings):
# each filing reads a descriptor of its own, not one whose offset the other
# writer moves at the same time
{
	echo "case,path,class,section,title,date"
	for k in 1 2 3; do
		head -c 4500000 /dev/urandom | base64 >"$D/both$k.txt"
		echo "$C1,docs/both$k.txt,letter,case,Both $k,2025-05-0$k"
		echo "$C2,docs/both$k.txt,letter,case,Both $k,2025-05-0$k"
	done
} >"$T/a/both.csv"
chown -R "$UA" "$T/a"
CWD=$T/a run_cv_as "$UA" import both.csv
bad=
[ "$RC" -eq 0 ] || bad+=" exit $RC: $(head -c 300 "$T/err" | tr '\n' ' ');"
for k in 1 2 3; do
	for c in "$C1" "$C2"; do
		r=$(as_svc "$CV" --json ls "$c" | python3 -c 'import json,sys; print(" ".join(x["id"] for x in json.load(sys.stdin)["records"] if x["title"] == sys.argv[1]))' "Both $k")
		as_svc "$CV" get "$r" >"$T/both.back" 2>/dev/null
		cmp -s "$T/both.back" "$D/both$k.txt" || bad+=" $c's copy of both$k.txt (${r:-none}) differs;"
	done
done
check "three 6 MB documents, each in two cases, one import: all six filed, byte for byte${bad:+:$bad}" test -z "$bad"

# ---- 5. the client passes only what its manifest names: a daemon that asks for more gets EPERM
python3 - "$T/run/fake.sock" >"$T/fake.out" 2>&1 <<'PY' &
import array, json, os, socket, struct, sys
srv = socket.socket(socket.AF_UNIX); srv.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); srv.listen(1)
srv.settimeout(20)
c, _ = srv.accept()
def frame():
    msg, anc, _, _ = c.recvmsg(4, socket.CMSG_SPACE(64 * 4))
    n = struct.unpack(">I", msg)[0]; body = b""
    while len(body) < n:
        body += c.recv(n - len(body))
    fds = array.array("i")
    for lvl, typ, data in anc:
        fds.frombytes(data[:len(data) - len(data) % 4])
    return json.loads(body), list(fds)
def ask(path):
    b = json.dumps({"v": 1, "open": path}).encode()
    c.sendall(struct.pack(">I", len(b)) + b)
    return frame()
rq, fds = frame()
manifest = rq["files"][0]["name"]
base = os.path.dirname(manifest) or "."
for path in ("/etc/shadow", base + "/docs/l1.txt"):
    a, got = ask(path)
    print(path, a["errno"], len(got), os.read(got[0], 6).decode() if got else "")
print("open_many", rq.get("open_many"))
for paths in (["docs/l1.txt", "docs/sub/m.txt", "/etc/shadow", "docs/l2.txt"], ["docs/l2.txt", "docs/sub/m.txt"]):
    a, got = ask([base + "/" + p if p.startswith("docs") else p for p in paths])
    print("many", a["errno"], a["count"], len(got), " ".join(os.read(f, 6).decode() for f in got))
b = json.dumps({"v": 1, "exit": 0}).encode()
c.sendall(struct.pack(">I", len(b)) + b)
PY
fake=$!
for _ in $(seq 50); do [ -S "$T/run/fake.sock" ] && break; sleep 0.1; done
(cd "$T/a" && as_user "$UA" env CASEVAULT_SOCKET="$T/run/fake.sock" "$CV" import m1.csv) >/dev/null 2>&1 </dev/null
wait "$fake"
check "a path outside the manifest is refused EPERM, no descriptor ($(head -n 1 "$T/fake.out"))" \
	grep -qx "/etc/shadow 1 0 " "$T/fake.out"
check "a path the manifest names is opened by the client and passed ($(sed -n 2p "$T/fake.out"))" \
	grep -qx "./docs/l1.txt 0 1 Letter" "$T/fake.out"
# one ask for several documents (docs/protocol.md): the request says how many the client opens at once
check "the client offers to open $(sed -n 's/^open_many //p' "$T/fake.out") documents for one ask" grep -qx "open_many 64" "$T/fake.out"
check "an ask for four, the third outside the manifest: the first two passed, then EPERM ($(sed -n 4p "$T/fake.out"))" \
	grep -qx "many 1 2 2 Letter Minute" "$T/fake.out"
check "an ask for two of the manifest: both passed, in order ($(sed -n 5p "$T/fake.out"))" \
	grep -qx "many 0 2 2 Letter Minute" "$T/fake.out"

svc_stop
as_svc "$CV" verify >"$T/out" 2>&1
check "verify passes ($(tail -n 1 "$T/out"))" test $? -eq 0
as_svc "$CV" audit verify >"$T/out" 2>&1
check "audit verify passes ($(head -n 1 "$T/out"))" test $? -eq 0
check "the daemon's log holds no sanitizer report" not grep -q "Sanitizer\|runtime error" "$T/daemon.log"
finish
