#!/bin/bash
# Property 5: bad input gets a one-line error and a non-zero exit, and changes
# nothing in the vault.  Runs the full passphrase path (loopback pinentry).
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

printf 'correct horse battery staple\n' >"$T/pass"
printf 'wrong passphrase\n' >"$T/bad"
fixture_vault pass "$V" "$T/pass" || { echo "no vault"; exit 1; }
export CASEVAULT_DIR=$V CASEVAULT_PASSPHRASE_FILE=$T/pass
C=$("$CV" case open --parent "Parent B" --child "Child B" --child-dob 2012-01-02 --pr-confirmed)
make_docs "$T/docs"
"$CV" file "$C" "$T/docs/letter.pdf" --class letter >/dev/null || fail "set-up filing"

# refused DESCRIPTION ARGS...: must fail with one line and leave the vault unchanged.
refused() {
	local d=$1; shift
	local before after
	before=$(tree_hash "$V")
	expect_fail "$d" "$@"
	after=$(tree_hash "$V")
	if [ "$before" = "$after" ]; then ok "$d: vault unchanged"; else fail "$d: vault changed"; fi
}

# Inputs of every bad kind.
: >"$T/empty.pdf"
mkdir "$T/adir"
ln -s "$T/docs/letter.pdf" "$T/link.pdf"
mkfifo "$T/fifo.pdf"
printf '#!/bin/sh\nrm -rf /\n' >"$T/script.pdf"
printf '<html><body>hello</body></html>\n' >"$T/page.html"
printf '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n' >"$T/image.svg"
cp /bin/true "$T/program.pdf"
(cd "$T/docs" && tar -cf "$T/bundle.tar" note.txt)
gzip -c "$T/docs/note.txt" >"$T/note.txt.gz"

refused "no vault" -C "$T/nowhere" ls "$C"
CASEVAULT_DIR= refused "no vault given" ls "$C"
# The agent caches an unlock (the idle lock); lock first so the passphrase is asked.
"$CV" lock >/dev/null
CASEVAULT_PASSPHRASE_FILE=$T/bad refused "wrong passphrase" ls "$C"
"$CV" lock >/dev/null
CASEVAULT_PASSPHRASE_FILE=$T/bad refused "wrong passphrase when filing" file "$C" "$T/docs/scan.png" --class letter
printf 'case,path,class,section,title,date\n%s,%s,letter,case,A,2025-01-01\n%s,%s,letter,case,B,2025-01-02\n' \
	"$C" "$T/docs/scan.png" "$C" "$T/docs/note.txt" >"$T/two.csv"
"$CV" lock >/dev/null
CASEVAULT_PASSPHRASE_FILE=$T/bad refused "wrong passphrase when importing: one line, not one per row" import "$T/two.csv"
refused "unknown case" file C-1999-9999 "$T/docs/scan.png" --class letter
refused "unknown case for ls" ls C-1999-9999
refused "unknown record" get R-999999
refused "unknown class" file "$C" "$T/docs/scan.png" --class no-such-class
refused "cp class without --cp" file "$C" "$T/docs/note.txt" --class cp-note
refused "main class into the cp file" file "$C" "$T/docs/note.txt" --class letter --cp
refused "missing file" file "$C" "$T/missing.pdf" --class letter
refused "empty file" file "$C" "$T/empty.pdf" --class letter
refused "a directory" file "$C" "$T/adir" --class letter
refused "a symlink" file "$C" "$T/link.pdf" --class letter
refused "a FIFO" file "$C" "$T/fifo.pdf" --class letter
refused "a script renamed to .pdf" file "$C" "$T/script.pdf" --class letter
refused "HTML" file "$C" "$T/page.html" --class letter
refused "SVG" file "$C" "$T/image.svg" --class letter
refused "an executable renamed to .pdf" file "$C" "$T/program.pdf" --class letter
refused "a tar archive" file "$C" "$T/bundle.tar" --class letter
refused "a gzip file" file "$C" "$T/note.txt.gz" --class letter
refused "a good batch with one bad file files nothing" file "$C" "$T/docs/scan.png" "$T/docs/scan.jpg" "$T/script.pdf" --class letter
refused "bad date" file "$C" "$T/docs/scan.png" --class letter --date 2026-02-30
refused "future date" file "$C" "$T/docs/scan.png" --class letter --date 2999-01-01
refused "empty note" note "$C" --class phone-call --text ""
refused "binary note on stdin" note "$C" --class phone-call <"$T/program.pdf"
refused "case open without PR confirmation" case open --parent P --child C --child-dob 2015-01-01
refused "case open with a bad date of birth" case open --parent P --child C --child-dob 15/01/2015 --pr-confirmed
refused "case open with a future date of birth" case open --parent P --child C --child-dob 2999-01-01 --pr-confirmed
refused "unknown option" file "$C" "$T/docs/scan.png" --class letter --colour blue
refused "unknown command" frobnicate
refused "get over an existing file" get R-000001 --purpose test-copy -o "$T/docs/scan.png"
refused "init over an existing vault" init "$V" --no-passphrase
# init with a broken policy names the file the user gave, and makes no vault
mkdir "$T/badpol" && cp -r "$CASEVAULT_POLICY_DIR"/. "$T/badpol/" && printf 'garbage line\n' >>"$T/badpol/retention.ini"
CASEVAULT_POLICY_DIR=$T/badpol expect_fail "init with a broken policy" init "$T/newvault" --no-passphrase
check "the error names the user's policy file and line" grep -q "$T/badpol/retention.ini:[0-9]*:" "$T/err"
check "no vault was left behind" test ! -e "$T/newvault"
CASEVAULT_POLICY_DIR=$T/nopol expect_fail "init without a policy directory" init "$T/newvault" --no-passphrase
check "the error says which policy file cannot be read" grep -q "cannot read policy file $T/nopol/" "$T/err"
check "no vault was left behind (no policies)" test ! -e "$T/newvault"
refused "unknown staff member" --as S-9999 ls "$C"
refused "import of a missing manifest" import "$T/none.csv"

run_cv file "$C" "$T/script.pdf" --class letter
check "the error names the file and its type" grep -q "script.pdf is text/x-shellscript" <<<"$ERR"
run_cv -C "$T/nowhere" ls "$C"
check "usage errors exit 2, failures exit 1" test "$RC" -eq 1
run_cv frobnicate
check "an unknown command exits 2" test "$RC" -eq 2
run_cv --json file "$C" "$T/empty.pdf" --class letter
check "--json errors are JSON on stdout" python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d['ok'] is False and 'empty' in d['error']" "$OUT"

# Unreadable file: root reads anything, so run that case as an unprivileged user.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	nb=$T/nb
	mkdir "$nb"
	chown 65534:65534 "$nb"
	chmod 711 "$T"
	asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env -u CASEVAULT_DIR -u CASEVAULT_PASSPHRASE_FILE HOME="$nb" "$@"; }
	asnobody "$CV" init "$nb/v" --no-passphrase >/dev/null
	C2=$(asnobody "$CV" -C "$nb/v" case open --parent P --child C --child-dob 2015-01-01 --pr-confirmed)
	printf 'secret\n' >"$nb/unreadable.txt"
	chmod 000 "$nb/unreadable.txt"
	before=$(tree_hash "$nb/v")
	asnobody "$CV" -C "$nb/v" file "$C2" "$nb/unreadable.txt" --class letter >"$T/out" 2>"$T/err"
	RC=$?
	check "an unreadable file is refused (exit $RC: $(cat "$T/err"))" test "$RC" -ne 0 -a "$(grep -c '' "$T/err")" -eq 1
	check "an unreadable file changes nothing" test "$before" = "$(tree_hash "$nb/v")"
	GNUPGHOME=$nb/v/gnupg asnobody gpgconf --kill all 2>/dev/null
elif [ "$(id -u)" -ne 0 ]; then
	printf 'secret\n' >"$T/unreadable.txt"
	chmod 000 "$T/unreadable.txt"
	refused "an unreadable file" file "$C" "$T/unreadable.txt" --class letter
else
	echo "# setpriv is missing: the unreadable-file case cannot be run as root"
fi

# The encryption helper program is started by casevault only (vault/helper.c).
HP=$(dirname "$CV")/casevault-helper
if [ -x "$HP" ]; then
	"$HP" >"$T/out" 2>"$T/err"
	rc=$?
	check "casevault-helper run by hand is refused in one line (exit $rc)" test "$rc" -eq 2 -a "$(grep -c '' "$T/err")" -eq 1
	"$HP" 1 "$V/gnupg" >"$T/out" 2>"$T/err"
	rc=$?
	check "casevault-helper given a descriptor that is not a socket is refused (exit $rc)" test "$rc" -eq 2
	check "  and it removed nothing" test -f "$V/gnupg/gpg.conf"
	python3 -c '
import socket, subprocess, sys
a, b = socket.socketpair()
sys.exit(subprocess.call([sys.argv[1], str(b.fileno()), sys.argv[2]], pass_fds=[b.fileno()], stderr=subprocess.DEVNULL))' "$HP" "$V/gnupg" 
	rc=$?
	check "casevault-helper pointed at the vault's own GnuPG home refuses it (exit $rc)" test "$rc" -eq 2
	check "  and the vault's gpg.conf is still there" test -f "$V/gnupg/gpg.conf"
fi

run_cv verify
check "verify passes after all the refusals" test "$RC" -eq 0
check "exactly one record was filed" test "$("$CV" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 1
finish
