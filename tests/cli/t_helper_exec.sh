#!/bin/bash
# The encryption helper program is trusted by identity, not by name
# (docs/security.md, "The encryption helper program"): every archive key and
# every document filed passes through it.  A symbolic link, a file or a
# directory that someone else can write is refused and the filing serves
# in-process instead, never running what was refused; a script is never run.
# Run by hand, the program changes nothing it did not make.
# CASEVAULT_DEBUG=helper says which way each helper serves.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

HP=$(dirname "$CV")/casevault-helper
if [ ! -x "$HP" ]; then
	echo "# no casevault-helper beside $CV: nothing to test"
	finish
fi
new_vault
C=$(new_case)
printf 'A letter about the helper.\n' >"$T/doc.txt"

# A private copy of the programs, in a directory only this user writes ($T is 0700).
X=$T/x
mkdir -p "$X" "$T/real"
cp "$CV" "$X/casevault"
# the thin client hands the filing to casevault-direct beside it, which finds the helper (docs/service.md, Speed)
[ ! -x "$(dirname "$CV")/casevault-direct" ] || cp "$(dirname "$CV")/casevault-direct" "$X/"
cp "$HP" "$T/real/casevault-helper"
chmod 755 "$T/real/casevault-helper"
n=0
# file_with DESCRIPTION: file the document with $X/casevault; the debug lines in $T/dbg
file_with() {
	n=$((n + 1))
	CASEVAULT_DEBUG=helper CASEVAULT_WORKERS=1 "$X/casevault" file "$C" "$T/doc.txt" --class letter \
		--allow-duplicate >"$T/out" 2>"$T/dbg"
	RC=$?
	local id
	id=$(cut -f1 -d' ' "$T/out")
	"$CV" get "$id" >"$T/got" 2>/dev/null
	check "$1: the filing succeeds and the document comes back (exit $RC)" \
		bash -c "test $RC -eq 0 && cmp -s '$T/doc.txt' '$T/got'"
	check "  no helper home is left behind" sh -c "! ls -d '$V'/gnupg/sym-* 2>/dev/null"
}
# served WORDS: the debug line says so
served() { grep -q "casevault: debug: encryption helper: $1" "$T/dbg"; }
# refused_because DESCRIPTION WHAT REASON: filed in-process, WHAT refused for REASON
refused_because() {
	file_with "$1"
	check "  it is refused: $3 ($(cat "$T/dbg"))" served "serves in-process ($2: $3)"
}

# A fake helper: it leaves a marker, then hands over to the real one (as a
# malicious wrapper reading every key would).
cat >"$T/fake" <<EOF
#!/bin/sh
echo ran >>"$T/marker"
exec "$T/real/casevault-helper" "\$@"
EOF
chmod 755 "$T/fake"

cp "$HP" "$X/casevault-helper"
file_with "a real helper beside casevault"
check "  it runs the program ($(cat "$T/dbg"))" served "runs $X/casevault-helper"

rm "$X/casevault-helper"
ln -s "$T/fake" "$X/casevault-helper"
refused_because "a helper that is a symbolic link (to a script)" "$X/casevault-helper" "a symbolic link"
check "  and what it points to never ran" test ! -e "$T/marker"
ln -sf "$T/real/casevault-helper" "$X/casevault-helper"
refused_because "a helper that is a symbolic link to a real copy" "$X/casevault-helper" "a symbolic link"

rm "$X/casevault-helper"
cp "$T/fake" "$X/casevault-helper"
file_with "a helper that is a script (a regular file)"
check "  the script never runs (fexecve of a script through its descriptor fails)" test ! -e "$T/marker"

cp -f "$HP" "$X/casevault-helper"
chmod 775 "$X/casevault-helper"
refused_because "a group-writable helper" "$X/casevault-helper" "writable by group or others"
chmod 757 "$X/casevault-helper"
refused_because "a helper others can write" "$X/casevault-helper" "writable by group or others"
chmod 755 "$X/casevault-helper"
chmod 770 "$X"
refused_because "a helper in a group-writable directory" "$X" "writable by group or others"
chmod 1777 "$X"
file_with "a helper in a sticky directory (as /tmp is)"
check "  it runs ($(cat "$T/dbg"))" served "runs $X/casevault-helper"
chmod 700 "$X"
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$X/casevault-helper"
	refused_because "a helper owned by another user" "$X/casevault-helper" "owned by another user"
	chown root "$X/casevault-helper"
fi

# Run by hand.  A GnuPG home like a vault's, holding a fake helper home full of files.
G=$T/g
mkdir -p -m 700 "$G/sym-42"
cp "$V/gnupg/gpg.conf" "$G/"
mkfifo "$G/sym-42/key"
for f in gpg.conf pubring.kbx notes.txt; do echo "keep me" >"$G/sym-42/$f"; done
# fake_state: names, types, modes, sizes, times and contents of the fake home and the GnuPG home's gpg.conf
fake_state() { (cd "$G" && find sym-42 gpg.conf -printf '%p %y %m %s %T@\n' | sort && cat sym-42/[gnp]* gpg.conf) | sha256sum; }
before=$(fake_state)
python3 - "$HP" "$G" >"$T/hand" 2>&1 <<'EOF'
import os, socket, sys, time
hp, g = sys.argv[1], sys.argv[2]
def hand(home, make=None):
    """Run the helper by hand on a socket pair whose other end is closed at once
    (as its parent would at the end of a filing); its pid, exit status, stderr."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 2)
        h = home if home else "%s/sym-%d" % (g, os.getpid())
        if make:
            make(h)
        os.set_inheritable(b.fileno(), True)
        os.execv(hp, [hp, str(b.fileno()), h])
    os.close(w)
    a.close()
    b.close()
    for _ in range(400):  # a helper that serves a home it did not make would wait here
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        st = 9
    err = os.read(r, 4096).decode()
    return pid, os.waitstatus_to_exitcode(st), err
def full(h):
    os.mkdir(h, 0o700)
    for f in ("gpg.conf", "notes.txt"):
        open(h + "/" + f, "w").write("keep me\n")
    os.mkfifo(h + "/key")
for home in (g + "/sym-42", g):
    pid, rc, err = hand(home)
    print("fake: exit %d, %d lines: %s" % (rc, len(err.splitlines()), err.strip()))
# A home named for the helper's own pid, made before it starts: not its own either.
pid, rc, err = hand(None, full)
print("ownpid: exit %d, left %s" % (rc, ",".join(sorted(os.listdir("%s/sym-%d" % (g, pid))))))
# Its own new home: made, served, removed when the socket closes.
pid, rc, err = hand(None)
print("fresh: exit %d, still there %s" % (rc, os.path.exists("%s/sym-%d" % (g, pid))))
EOF
cat "$T/hand" | sed 's/^/# /'
check "run by hand with a fake sym-42 home: refused in one line, exit non-zero" \
	grep -q "^fake: exit [1-9][0-9]*, 1 lines: casevault-helper: $G/sym-42 is not this helper's GnuPG home" "$T/hand"
check "run by hand naming the GnuPG home itself: refused" grep -q "^fake: exit [1-9][0-9]*, 1 lines: casevault-helper: $G is not" "$T/hand"
check "  every file of the fake home is still there, unchanged" \
	test "$before" = "$(fake_state)"
check "  (its files are readable as before)" grep -qx "keep me" "$G/sym-42/notes.txt"
check "run by hand with an existing home named for its own pid: exit non-zero, nothing removed" \
	grep -qx "ownpid: exit [1-9][0-9]*, left gpg.conf,key,notes.txt" "$T/hand"
check "run by hand with a home it makes itself: it serves, then removes just that" \
	grep -qx "fresh: exit 0, still there False" "$T/hand"
# A dead helper's home where a gpg still waits to open the key FIFO (as a
# "gpg --version" started with that GNUPGHOME would, once its helper was
# killed): the next filing's sweep lets that open return and the reader end.
dead=4194000
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 1)); done
mkdir -m 700 "$V/gnupg/sym-$dead"
mkfifo -m 600 "$V/gnupg/sym-$dead/key"
cat "$V/gnupg/sym-$dead/key" >/dev/null &
reader=$!
sleep 0.3
check "a reader waits on the dead helper's key FIFO" kill -0 "$reader"
run_cv file "$C" "$T/doc.txt" --class letter --allow-duplicate
check "a filing succeeds beside the dead helper's home (exit $RC)" test "$RC" -eq 0
for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$reader" 2>/dev/null || break; sleep 0.2; done
check "the sweep released the waiting reader" sh -c "! kill -0 $reader 2>/dev/null"
check "and removed the dead helper's home" test ! -e "$V/gnupg/sym-$dead"
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
finish
