#!/bin/bash
# The ZIP form leaks nothing without its passphrase (docs/legal-rules.md §11;
# docs/security.md, Subject access bundles):
#   - every member, short or long, stored or deflated, is WinZip AE-2: no
#     CRC in any local header, data descriptor or central header, the 0x9901
#     vendor version 2, method 99 (parsed with python3's struct, not casevault);
#   - 7-Zip lists and tests it with the passphrase, and refuses a wrong one;
#   - the passphrase is shown on the terminal only: not on stdout, not in
#     --json; with no terminal and no flag the bundle is refused before
#     anything is built; --passphrase-file writes a new 0600 file, never an
#     existing one.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

export CASEVAULT_TODAY=2026-11-20
new_test_vault
C=$(new_case "Alex Example" "Sam Example" 2015-02-01)
make_docs "$T/d"
"$CV" note "$C" --class phone-call --date 2026-03-02 --text "Short." >/dev/null
"$CV" note "$C" --class meeting-note --date 2026-03-03 --text "Meeting with the SENCO about the annual review of Sam's plan; agreed actions follow in the letter." >/dev/null
"$CV" file "$C" "$T/d/scan.png" --class report --date 2026-04-01 --title "Report" >/dev/null
R=$("$CV" --json request open "$C" --requester "Alex Example" --relationship client --received 2026-11-02 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
# every record released (whatever needs a decision), so that members of every size go out
for rid in $("$CV" --json request show "$R" | python3 -c 'import json,sys; print(" ".join(r["record"] for r in json.load(sys.stdin)["request"]["records"]))'); do
	"$CV" request decide "$R" "$rid" --release --reason "the client's own records" >/dev/null 2>&1
done

# ---- no terminal, no flag: refused before anything is built ----
n_log=$("$CV" request log "$R" 2>/dev/null | grep -c '^bundle ')
setsid -w "$CV" request bundle "$R" -o "$T/notty.zip" </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "no terminal and no flag: refused (exit $rc: $(cat "$T/err"))" test "$rc" -ne 0 -a "$(grep -c '' "$T/err")" -eq 1
check "  the message names the flag to use" grep -q -- "--passphrase-file" "$T/err"
check "  nothing was written or logged" sh -c "test ! -e '$T/notty.zip' && test \$('$CV' request log '$R' 2>/dev/null | grep -c '^bundle ') -eq $n_log"
expect_fail "--show-passphrase with --recipient is a usage error" request bundle "$R" -o "$T/r.gpg" --recipient "$T/none.asc" --show-passphrase
check "  nothing was written" test ! -e "$T/r.gpg"

# ---- --passphrase-file: a new 0600 file, never an existing one ----
echo "keep me" >"$T/exists.pass"
expect_fail "--passphrase-file refuses an existing file" request bundle "$R" -o "$T/x.zip" --passphrase-file "$T/exists.pass"
check "  the existing file is untouched and no bundle written" sh -c "test \"\$(cat '$T/exists.pass')\" = 'keep me' && test ! -e '$T/x.zip'"
ln -s "$T/elsewhere" "$T/link.pass"
expect_fail "--passphrase-file refuses a symbolic link" request bundle "$R" -o "$T/x.zip" --passphrase-file "$T/link.pass"
check "  nothing created through it" test ! -e "$T/elsewhere"
run_cv --json request bundle "$R" -o "$T/b.zip" --passphrase-file "$T/b.pass"
check "bundle with --passphrase-file (exit $RC: $ERR)" test "$RC" -eq 0
PASS=$(cat "$T/b.pass")
check "  the file is mode 0600" test "$(stat -c %a "$T/b.pass")" = 600
check "  it holds 25 characters of 5 bits (125 bits) in groups of 5" sh -c "printf '%s' '$PASS' | grep -Eqx '([a-km-np-z2-9]{5}-){4}[a-km-np-z2-9]{5}'"
check "  the passphrase is not on stdout" not grep -qF "$PASS" "$T/out"
check "  --json has no passphrase field" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit("passphrase" in d or not d["ok"])' "$T/out"
check "  the passphrase is stored nowhere in the vault" not grep -rqaF "$PASS" "$V"
# a refused bundle leaves no passphrase file behind
expect_fail "a bundle to an existing -o is refused" request bundle "$R" -o "$T/b.zip" --passphrase-file "$T/c.pass"
check "  and its passphrase file is gone" test ! -e "$T/c.pass"

# ---- the headers, read with python3's struct ----
cat >"$T/zipcheck.py" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
problems = []
eocd = data.rfind(b"PK\x05\x06")
count, cd_size, cd_off = struct.unpack_from("<HII", data, eocd + 10)
if cd_off == 0xffffffff:  # Zip64
    loc = data.rfind(b"PK\x06\x07", 0, eocd)
    (z64,) = struct.unpack_from("<Q", data, loc + 8)
    count, cd_size, cd_off = struct.unpack_from("<QQQ", data, z64 + 32)
def extras(buf):
    out, p = {}, 0
    while p + 4 <= len(buf):
        i, n = struct.unpack_from("<HH", buf, p)
        out[i] = buf[p + 4:p + 4 + n]
        p += 4 + n
    return out
def aes(ex, where):
    a = ex.get(0x9901)
    if a is None or len(a) != 7 or a[2:4] != b"AE":
        problems.append(where + ": no AES extra field")
        return
    ver, strength = struct.unpack_from("<H", a, 0)[0], a[4]
    if ver != 2:
        problems.append("%s: AE-%d" % (where, ver))
    if strength != 3:
        problems.append("%s: not AES-256" % where)
p, names = cd_off, []
for i in range(count):
    sig, flags, method, crc, csize, usize, nlen, xlen, clen = struct.unpack_from("<I4xHH4xIIIHHH", data, p)
    (loff,) = struct.unpack_from("<I", data, p + 42)
    name = data[p + 46:p + 46 + nlen].decode()
    names.append(name)
    ex = extras(data[p + 46 + nlen:p + 46 + nlen + xlen])
    if sig != 0x02014b50: problems.append(name + ": bad central signature")
    if method != 99: problems.append("%s: central method %d" % (name, method))
    if crc != 0: problems.append("%s: central CRC %08x" % (name, crc))
    aes(ex, name + " (central)")
    z = ex.get(0x0001, b"")
    k = 0
    if usize == 0xffffffff: k += 8
    if csize == 0xffffffff: (csize,) = struct.unpack_from("<Q", z, k); k += 8
    if loff == 0xffffffff: (loff,) = struct.unpack_from("<Q", z, k)
    lsig, lflags, lmethod, lcrc, lnlen, lxlen = struct.unpack_from("<I2xHH4xI8xHH", data, loff)
    if lsig != 0x04034b50: problems.append(name + ": bad local signature")
    if lmethod != 99: problems.append("%s: local method %d" % (name, lmethod))
    if lcrc != 0: problems.append("%s: local CRC %08x" % (name, lcrc))
    aes(extras(data[loff + 30 + lnlen:loff + 30 + lnlen + lxlen]), name + " (local)")
    if lflags & 8:
        d = loff + 30 + lnlen + lxlen + csize
        dsig, dcrc = struct.unpack_from("<II", data, d)
        if dsig != 0x08074b50: problems.append(name + ": no data descriptor where expected")
        elif dcrc != 0: problems.append("%s: data descriptor CRC %08x" % (name, dcrc))
    p += 46 + nlen + xlen + clen
print(" ".join(sorted(names)))
for x in problems:
    print("PROBLEM", x)
sys.exit(1 if problems or not names else 0)
PY
python3 "$T/zipcheck.py" "$T/b.zip" >"$T/zc" 2>&1
check "every local, descriptor and central header: method 99, CRC 0, AE-2, AES-256 ($(tr '\n' ' ' <"$T/zc"))" test $? -eq 0
check "  over every member: the letter, both indexes and 001-003" test "$(head -1 "$T/zc")" = "001.txt 002.txt 003.png index.html index.json letter.txt"
check "the logged SHA-256 is the file's as it went out" sh -c "'$CV' request log '$R' | grep -q \$(sha256sum '$T/b.zip' | cut -d' ' -f1)"

# ---- 7-Zip, a reader casevault did not write ----
check "7z tests the bundle with the passphrase" sh -c "7z t -p'$PASS' '$T/b.zip' 2>&1 | grep -q 'Everything is Ok'"
check "7z refuses a wrong passphrase" not sh -c "7z t -pwrong-passphrase '$T/b.zip' >/dev/null 2>&1"
7z l -slt -p"$PASS" "$T/b.zip" >"$T/slt" 2>&1
check "7z lists six members, each AES-256" test "$(grep -c '^Method = .*AES-256' "$T/slt")" -eq 6
check "  and shows no CRC for any" not grep -Eq '^CRC = [0-9A-F]+' "$T/slt"
mkdir "$T/x" && (cd "$T/x" && 7z x -p"$PASS" "$T/b.zip" >/dev/null 2>&1)
check "  the short note comes out whole" grep -qx "Short." "$T/x/001.txt"

# ---- the terminal: shown there, not on stdout ----
if script -qec true /dev/null >/dev/null 2>&1; then
	script -qec "'$CV' request bundle '$R' -o '$T/t.zip' >'$T/tout' 2>'$T/terr'" "$T/typescript" >/dev/null 2>&1
	TPASS=$(sed -n 's/^passphrase for .*: \([a-z2-9-]*\).*/\1/p' "$T/typescript" | head -1)
	check "with a terminal: the passphrase is written to it ($(cat "$T/terr"))" test -n "$TPASS"
	check "  not to stdout" not grep -qF "$TPASS" "$T/tout"
	check "  stdout says where it went" grep -q "shown on the terminal" "$T/tout"
	check "  and it opens the bundle" sh -c "7z t -p'$TPASS' '$T/t.zip' 2>&1 | grep -q 'Everything is Ok'"
else
	ok "no 'script' to make a terminal: the terminal case is skipped"
fi
# ---- Unicode direction controls (docs/commands/request-bundle.md) ----
# U+202E in a title would make "Invoice<RLO>fdp.exe" read as "Invoiceexe.pdf":
# the index shows U+FFFD in its place.  In a released text it would run the
# text backwards: the check refuses the bundle, naming the record.
RLO=$(printf '\342\200\256') LRI=$(printf '\342\201\246')
"$CV" note "$C" --class meeting-note --date 2026-05-01 --title "Invoice${RLO}fdp.exe" --text "Plan agreed." >/dev/null
BIDI=$("$CV" note "$C" --class meeting-note --date 2026-05-02 --title "Hidden" --text "Payment agreed: ${LRI}${RLO}0001 GBP" | awk '{print $1; exit}')
for rid in $("$CV" --json request show "$R" | python3 -c 'import json,sys; print(" ".join(r["record"] for r in json.load(sys.stdin)["request"]["records"] if r["decision"] == "needs-decision"))'); do
	"$CV" request decide "$R" "$rid" --release --reason "the client's own records" >/dev/null 2>&1
done
expect_fail "a released text holding a direction override is refused" request bundle "$R" -o "$T/bidi.zip" --show-passphrase
check "  naming the record and the character: $ERR" sh -c "grep -q 'record $BIDI (member .*) holds a Unicode direction control (U+2066)' '$T/err'"
check "  and the bundle is deleted" test ! -e "$T/bidi.zip"
"$CV" request decide "$R" "$BIDI" --withhold sch2-para16 --reason "to be re-typed" >/dev/null
run_cv request bundle "$R" -o "$T/bidi.zip" --show-passphrase
check "withheld, the bundle is made (exit $RC: $ERR)" test "$RC" -eq 0
BPASS=$(sed -n 's/^passphrase.*: //p' "$T/out")
mkdir "$T/bx" && (cd "$T/bx" && 7z x -p"$BPASS" "$T/bidi.zip" >/dev/null 2>&1)
check "  the index shows the title with U+FFFD for the override" python3 -c '
import json,sys; t = [d["title"] for d in json.load(open(sys.argv[1], encoding="utf-8"))["documents"]]
assert "Invoice\ufffdfdp.exe" in t, t' "$T/bx/index.json"
check "  no member holds a direction control" not env LC_ALL=C grep -rqaP '\xe2(\x80[\xaa-\xae]|\x81[\xa6-\xa9])' "$T/bx"

finish
