#!/bin/bash
# Stock-tool recovery: with a staff key and its
# passphrase, every record comes back with gpg, sqlite3 and tar alone,
# following docs/recovery.md.
#
# The commands are not copied here: they are read out of docs/recovery.md
# (each ```sh block is preceded by <!-- test: NAME --> or, for the lines a
# reader edits, <!-- settings: NAME -->) and run verbatim, so the document
# and the test cannot drift apart.  The test sets the settings variables
# itself, checks every test block was run, and never runs the casevault
# binary for the recovery (only to build the vault, and for the documented
# "casevault verify" after a restore).
#
# Variables such as LIVE, STAFF, REC, SECTION are read by the documented
# blocks run through eval; WORK, OUT, DB, FILE, MEMBER... are set by them.
# shellcheck disable=SC2034,SC2153
: "${CV_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=lib.sh
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

DOC=$CV_SOURCE_DIR/docs/recovery.md
WORK=
HOLDER=

t_cleanup() {
	local d
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	for d in "${WORK:-/nonexistent}/vault/gnupg" "${WORK:-/nonexistent}/gnupg"; do
		[ -d "$d" ] && GNUPGHOME=$d gpgconf --kill all 2>/dev/null
	done
	cleanup
}
trap t_cleanup EXIT

# ---- reading and running docs/recovery.md ----

# doc_block KIND NAME: the ```sh block right after <!-- KIND: NAME -->.
doc_block() {
	awk -v want="<!-- $1: $2 -->" '
		$0 == want && !done { armed = 1; next }
		armed == 1 && $0 == "```sh" { armed = 2; next }
		armed == 2 && $0 == "```" { done = 1; armed = 0; next }
		armed == 2 { print; next }
		{ armed = 0 }' "$DOC"
}

declare -A RAN=()
BOUT='' BERR='' BRC=0
# run_block NAME [STDIN]: run a test block verbatim in this shell (its
# variables persist, as in the reader's terminal).
run_block() {
	local name=$1 in=${2:-/dev/null} code
	code=$(doc_block test "$name")
	if [ -z "$code" ]; then
		fail "docs/recovery.md has no test block '$name'"
		BOUT='' BERR='' BRC=99
		return 1
	fi
	RAN[$name]=1
	eval "$code" <"$in" >"$T/block.out" 2>"$T/block.err"
	BRC=$?
	BOUT=$(cat "$T/block.out")
	BERR=$(cat "$T/block.err")
	return 0
}
show_block() { printf '  | %s\n' "--- stdout:" "$BOUT" "--- stderr:" "$BERR"; }
# expect_out DESCRIPTION PATTERN: the last block's stdout has a line matching PATTERN (ERE).
expect_out() {
	if grep -Eq -- "$2" <<<"$BOUT"; then ok "$1"; else fail "$1 (no line matching /$2/)"; show_block; fi
}

# "casevault" in the documented verify command is the binary under test.
casevault() { "$CV" "$@"; }

# ---- the document's own shape ----

check "docs/recovery.md exists" test -s "$DOC"
bad_fences=$(awk '/^```/ && $0 != "```" && $0 != "```sh" { print NR ": " $0 }
	$0 == "```sh" && prev !~ /^<!-- (test|settings): [a-z-]+ -->$/ { print NR ": unmarked sh block" }
	{ if ($0 != "") prev = $0 }' "$DOC")
if [ -z "$bad_fences" ]; then ok "every command block in the doc is marked as test or settings"; else fail "unmarked or non-sh blocks: $bad_fences"; fi
dups=$(grep -o '^<!-- test: [a-z-]* -->$' "$DOC" | sort | uniq -d)
if [ -z "$dups" ]; then ok "test block names are unique"; else fail "duplicate test blocks: $dups"; fi
settings_vars=$(grep '^<!-- settings: ' "$DOC" | sed 's/^<!-- settings: \(.*\) -->$/\1/' | sort -u |
	while read -r s; do doc_block settings "$s"; done | sort -u)
bad_settings=$(grep -Ev "^(LIVE|STAFF|REC|KEYFILE|SECTION|BACKUP|KEYBACKUP|FILE|WORD)=([^ ;|&\$\`']*|'[^']*')\$" <<<"$settings_vars")
if [ -z "$bad_settings" ]; then ok "settings blocks only assign the variables this test sets"; else fail "settings lines the test does not know: $bad_settings"; fi

for tool in gpg sqlite3 tar zstd sha256sum shred; do
	command -v "$tool" >/dev/null || { echo "# $tool is missing"; exit 1; }
done

# ---- a real vault with a passphrase-protected manager key ----

PASSPHRASE='tidy lantern 42 orbit'
printf '%s\n' "$PASSPHRASE" >"$T/pass"
printf 'not the passphrase\n' >"$T/wrongpass"
chmod 600 "$T/pass" "$T/wrongpass"
fixture_vault recovery "$V" "$T/pass" || { echo "no vault"; exit 1; }
export CASEVAULT_DIR=$V CASEVAULT_PASSPHRASE_FILE=$T/pass
CASE=$(new_case) || { echo "case open failed"; exit 1; }

# A pinentry that "types" the passphrase, for the documented interactive
# commands (gpg --decrypt, --export-secret-keys) that ask through gpg-agent.
cat >"$T/pinentry" <<EOF
#!/bin/sh
echo "OK fake pinentry"
while IFS= read -r line; do
	case \$line in
	GETPIN*) printf 'D %s\nOK\n' "\$(head -n 1 '$T/pass')" ;;
	BYE*) echo OK; exit 0 ;;
	*) echo OK ;;
	esac
done
EOF
chmod 700 "$T/pinentry"
echo "pinentry-program $T/pinentry" >>"$V/gnupg/gpg-agent.conf"
GNUPGHOME=$V/gnupg gpgconf --reload gpg-agent 2>/dev/null

D=$T/docs
make_docs "$D"
mkdir -p "$T/expect"
declare -A ORIG=() TITLE=() SECT=()
# file_batch TITLE-SOURCE ARGS...: run casevault, map record ids (one output
# line per document, in argument order) to the original files.
file_batch() {
	local out rid i=0
	local -a paths=()
	local a
	for a in "$@"; do [ -f "$a" ] && paths+=("$a"); done
	out=$("$CV" file "$CASE" "$@") || { fail "casevault file $*"; return 1; }
	while read -r rid _; do
		ORIG[$rid]=${paths[$i]}
		TITLE[$rid]=$(basename "${paths[$i]}")
		SECT[$rid]=case
		i=$((i + 1))
	done <<<"$out"
}
# file_note SECTION TEXT ARGS...: sets RID.
file_note() {
	local sec=$1 text=$2
	shift 2
	RID=$("$CV" note "$CASE" --text "$text" "$@" | awk '{ print $1 }')
	[ -n "$RID" ] || { fail "casevault note $*"; return 1; }
	printf '%s' "$text" >"$T/expect/$RID.txt"
	ORIG[$RID]=$T/expect/$RID.txt
	TITLE[$RID]=${text%%$'\n'*}
	SECT[$RID]=$sec
}
# rid_of PATH: the record filed from PATH.
rid_of() {
	local r
	for r in "${!ORIG[@]}"; do [ "${ORIG[$r]}" = "$1" ] && echo "$r"; done
}

# Compressible batch (text + e-mail: zstd), incompressible batch (images,
# PDF, ODT, DOCX: none), a compressible TIFF alone (zstd).
file_batch "$D/note.txt" "$D/mail.eml" --class letter
incompressible=("$D/report.odt" "$D/report.docx")
for f in scan.png scan.jpg letter.pdf; do [ -f "$D/$f" ] && incompressible+=("$D/$f"); done
file_batch "${incompressible[@]}" --class letter
[ -f "$D/scan.tif" ] && file_batch "$D/scan.tif" --class letter
R_PDFISH=$(rid_of "$D/report.odt")

# Padded archives (docs/architecture.md, Sizes): documents of 1,000 and
# 1,900 bytes, each alone in its archive, compressed (text) and not (PNG),
# give archives of one length; the steps below recover them like the rest.
head -c 1500 /dev/urandom | base64 -w 76 | head -c 1000 >"$D/pad1000.txt"
head -c 1500 /dev/urandom | base64 -w 76 | head -c 1900 >"$D/pad1900.txt"
python3 - "$D" <<'PY'
import os, struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
for size in (1000, 1900):  # an 8x8 PNG of random pixels, a text chunk making up the size
    raw = b''.join(b'\0' + os.urandom(24) for _ in range(8))
    head = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 8, 8, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 0))
    end = chunk(b'IEND', b'')
    fill = size - len(head) - len(end) - 12 - 5
    data = head + chunk(b'tEXt', b'Note\0' + os.urandom(fill).hex().encode()[:fill]) + end
    assert len(data) == size
    open('%s/pad%d.png' % (sys.argv[1], size), 'wb').write(data)
PY
PADDED=()
for f in pad1000.txt pad1900.txt pad1000.png pad1900.png; do
	file_batch "$D/$f" --class letter
	PADDED+=("$(rid_of "$D/$f")")
done
pad_sizes=$(for rid in "${PADDED[@]}"; do
	sqlite3 -readonly "$V/vault.db" "SELECT a.compression, a.size, a.file FROM archives a JOIN records r ON r.archive_id = a.id WHERE r.id = '$rid'"
done)
check "padded: the four documents are in zstd and uncompressed archives" \
	test "$(cut -d'|' -f1 <<<"$pad_sizes" | sort | uniq -c | awk '{ print $1 $2 }' | tr '\n' ' ')" = "2none 2zstd "
check "padded: 1,000 and 1,900 bytes, either compression: one archive size ($(cut -d'|' -f2 <<<"$pad_sizes" | sort -u | tr '\n' ' '))" \
	test "$(cut -d'|' -f2 <<<"$pad_sizes" | sort -u | wc -l)" = 1
check "padded: the files are as long as the index says" \
	test "$(while IFS='|' read -r _ _ f; do stat -c %s "$V/archives/$f"; done <<<"$pad_sizes" | sort -u)" = "$(cut -d'|' -f2 <<<"$pad_sizes" | sort -u)"
for rid in "${PADDED[@]}"; do
	check "padded: casevault get (libarchive) reads $rid back" cmp -s <("$CV" get "$rid") "${ORIG[$rid]}"
done

# ---- before you need it: export the staff key, take a backup ----

LIVE=$V STAFF=S-0001 KEYFILE=$T/staff-key.asc BACKUP=$T/backup KEYBACKUP=$T/keybackup
run_block export-key
expect_out "export-key: the staff key is exported" '^-----BEGIN PGP PRIVATE KEY BLOCK-----$'
run_block backup
expect_out "backup: the index snapshot passes integrity_check" '^ok$'
check "backup: archives copied" test "$(find "$BACKUP/archives" -type f | wc -l)" -eq "$(find "$V/archives" -type f | wc -l)"
# two rotations: the data backup holds no usable key, the key-store backup holds them all
check "backup: the data backup's vault.db holds no wrapped key" \
	test "$(sqlite3 -readonly "$BACKUP/vault.db" "SELECT count(*) FROM archives WHERE wrapped_key != ''")" = 0
check "backup: the key-store backup holds every archive's key" \
	test "$(sqlite3 -readonly "$KEYBACKUP/keys.db" "SELECT count(*) FROM archive_keys")" = "$(sqlite3 -readonly "$V/vault.db" "SELECT count(*) FROM archives")"
check "backup: no keys.db in the data backup" test ! -e "$BACKUP/keys.db"

# ---- filed after the backup, while another connection holds the index ----
# The open reader keeps the last filings in vault.db-wal, so the copy only
# has them if the documented copy takes the WAL along.

mkfifo "$T/holdfifo"
sqlite3 "$V/vault.db" <"$T/holdfifo" >"$T/hold.out" 2>&1 &
HOLDER=$!
exec 8>"$T/holdfifo"
echo "SELECT 'ready', count(*) FROM records;" >&8
for _ in $(seq 50); do grep -q ready "$T/hold.out" && break; sleep 0.1; done

file_note case "Phoned the school about the annual review" --class phone-call
R_CALL=$RID
file_note cp "Concern raised by the class teacher" --class cp-note --cp
R_CP=$RID
printf 'First case note of the day.\n' >"$D/day1.txt"
printf 'Second case note, filed together with the first.\n' >"$D/day2.txt"
file_batch "$D/day1.txt" "$D/day2.txt" --class letter
R_DAY1=$(rid_of "$D/day1.txt")
R_DAY2=$(rid_of "$D/day2.txt")
NREC=${#ORIG[@]}
echo "# $NREC records filed in case $CASE; CP record $R_CP; same-type pair $R_DAY1 $R_DAY2"

# ---- step 2: private work area and copy ----

mkdir -m 700 "$T/home"
HOME=$T/home run_block copy
check "copy: made a private work area" test -d "$WORK/out"
check "copy: the vault is copied" test -f "$WORK/vault/vault.db"
check "copy: gnupg points at the copy" test "$GNUPGHOME" = "$WORK/vault/gnupg"
check "copy: work area is private (0700)" test "$(stat -c %a "$WORK")" = 700
exec 8>&-
wait "$HOLDER" 2>/dev/null
HOLDER=
if [ -s "$WORK/vault/vault.db-wal" ]; then ok "copy: vault.db-wal (recent changes) came along"; else fail "copy: no vault.db-wal in the copy; the WAL case was not exercised"; fi
mkdir "$T/dbonly"
cp "$WORK/vault/vault.db" "$T/dbonly/"
n_alone=$(sqlite3 -readonly "$T/dbonly/vault.db" "SELECT count(*) FROM records")
n_copy=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM records")
check "copy: the copy with its WAL has all $NREC records" test "$n_copy" = "$NREC"
check "copy: vault.db alone lacks the latest ($n_alone < $n_copy), as the doc warns" test "$n_alone" -lt "$n_copy"
check "the vault has both zstd and uncompressed archives" \
	test "$(sqlite3 -readonly "$DB" "SELECT group_concat(c) FROM (SELECT DISTINCT compression AS c FROM archives ORDER BY c)")" = "none,zstd"

# ---- step 3 ----

run_block identify
expect_out "identify: the staff key is listed" 'casevault staff S-0001 <S-0001@casevault.invalid>'
expect_out "identify: the keyslip covers both sections" '^S-0001 +1 +case,cp'

# ---- a wrong passphrase fails at the keyslip (first, before gpg-agent caches the right one) ----

REC=$R_CP
run_block find-record
run_block get-slip
run_block unlock-passfile "$T/wrongpass"
if [ -z "$SECTION_KEY" ] && grep -q 'Bad passphrase' <<<"$BERR"; then
	ok "wrong passphrase: the keyslip does not open (gpg: Bad passphrase)"
else
	fail "wrong passphrase: section key has ${#SECTION_KEY} characters"; show_block
fi
expect_out "wrong passphrase: the doc's check shows 0 characters" '^section key: 0 characters$'
check "wrong passphrase: the passphrase file is shredded" test ! -e "$WORK/passphrase"

# ---- steps 4 to 8 for every record ----

# recover REC UNLOCK-BLOCK: steps 4-8; sets GOT to the recovered file.
recover() {
	REC=$1
	GOT=
	run_block find-record
	if [ "$SECTION" != "${SECT[$REC]}" ] || [ -z "$FILE" ] || [ -z "$MEMBER" ]; then
		fail "$REC: find-record gave section '$SECTION', file '$FILE', member '$MEMBER'"; show_block; return 1
	fi
	run_block get-slip
	[ "$BOUT" = "-----BEGIN PGP MESSAGE-----" ] || { fail "$REC: get-slip"; show_block; return 1; }
	run_block "$2" "$T/pass"
	grep -qx 'section key: 64 characters' <<<"$BOUT" || { fail "$REC: $2"; show_block; return 1; }
	run_block unwrap-tools
	run_block unwrap
	[ "$BOUT" = "archive key: 64 characters" ] || { fail "$REC: unwrap"; show_block; return 1; }
	run_block extract
	grep -qx 'exit status: 0' <<<"$BOUT" || { fail "$REC: extract"; show_block; return 1; }
	GOT=$OUT/$MEMBER
	run_block check
	if [ "$BRC" -ne 0 ] || [ "$BOUT" != "$OUT/$MEMBER: OK" ]; then
		fail "$REC: check (sha256 from the manifest)"; show_block; return 1
	fi
	return 0
}

# The padding, seen with stock tools: the stream gpg gives back is one
# bucket long, and after the zstd frame or the tar's end come only zstd
# skippable frames or zero blocks, of zeros (step 7 above extracted through
# them with zstd and tar).  Two of the four are recovered so, one of each
# compression; the other two are only read back by casevault get.
# padded_stream REC: after recover REC.
padded_stream() {
	local rid=$1
	printf '%s\n' "$ARCHIVE_KEY" | gpg --batch --quiet --pinentry-mode loopback --passphrase-fd 0 \
		--decrypt "$WORK/vault/archives/$FILE" >"$T/plain.bin" 2>/dev/null
	check "padded: $rid ($COMPRESSION): the stream is padded to 8 KiB" test "$(stat -c %s "$T/plain.bin")" = 8192
	check "padded: $rid ($COMPRESSION): the padding follows the archive's end, as documented" python3 - "$T/plain.bin" "$COMPRESSION" <<'PY'
import io, struct, sys, tarfile
b = open(sys.argv[1], 'rb').read()
if sys.argv[2] == 'none':
    t = tarfile.open(fileobj=io.BytesIO(b), mode='r:')
    t.getmembers()
    end = t.offset                      # where the end-of-archive marker starts
    assert end % 512 == 0 and end < len(b) - 1024 and b[end:] == bytes(len(b) - end), end
    sys.exit(0)
# one zstd frame (RFC 8878, 3.1.1), then skippable frames of zeros only
assert struct.unpack_from('<I', b, 0)[0] == 0xFD2FB528
fhd = b[4]
single = fhd >> 5 & 1
pos = 5 + (0 if single else 1) + (0, 1, 2, 4)[fhd & 3] + ((1 if single else 0), 2, 4, 8)[fhd >> 6]
while True:
    h = int.from_bytes(b[pos:pos + 3], 'little')
    pos += 3 + (1 if (h >> 1 & 3) == 1 else h >> 3)
    if h & 1:
        break
pos += 4 if fhd & 4 else 0
frames = 0
while pos < len(b):
    magic, n = struct.unpack_from('<II', b, pos)
    assert magic & 0xFFFFFFF0 == 0x184D2A50 and b[pos + 8:pos + 8 + n] == bytes(n), (pos, hex(magic))
    pos += 8 + n
    frames += 1
assert pos == len(b) and frames >= 1, (pos, frames)
PY
}

first=1
for rid in $(printf '%s\n' "${!ORIG[@]}" | sort); do
	[ "$rid" = "$R_DAY1" ] || [ "$rid" = "$R_DAY2" ] && continue
	[ "$rid" = "${PADDED[0]}" ] || [ "$rid" = "${PADDED[3]}" ] && continue
	if [ $first = 1 ]; then unlock='unlock-pinentry'; first=0; else unlock='unlock-passfile'; fi
	if recover "$rid" "$unlock"; then
		check "$rid (${SECT[$rid]}, $COMPRESSION, via $unlock): byte-identical to ${ORIG[$rid]##*/}" cmp -s "$GOT" "${ORIG[$rid]}"
		[ "$rid" = "${PADDED[1]}" ] || [ "$rid" = "${PADDED[2]}" ] && padded_stream "$rid"
	fi
	[ "$rid" = "$R_CP" ] && check "$R_CP: the CP record came from a cp archive" test "$SECTION" = cp
done

# The documented HKDF (bash and sha256sum) is OpenSSL's HKDF, and the wrap's
# check holds with stock tools: one flipped bit, or another archive's row,
# gives no key at all.
case $WRAPPED in cvkw2:*) ok "the vault's wrapped keys are cvkw2" ;; *) fail "wrapped key is not cvkw2: $WRAPPED" ;; esac
info="casevault archive-key wrap v2|$SECTION|$KEYGEN|$FILE"
want=$(openssl kdf -binary -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:"$SECTION_KEY" -kdfopt info:"$info" HKDF | od -An -v -tx1 | tr -d ' \n')
got=$(hmac_sha256 "$(hmac_sha256 "$(printf '%064d' 0)" "$SECTION_KEY")" "$(printf '%s' "$info" | od -An -v -tx1 | tr -d ' \n')01")
check "the documented HKDF equals openssl kdf HKDF" test -n "$want" -a "$got" = "$want"
last=${WRAPPED: -1}; [ "$last" = 0 ] && last=1 || last=0
check "a wrapped key with one flipped bit unwraps to nothing" test -z "$(archive_key "${WRAPPED%?}$last" "$SECTION" "$KEYGEN" "$FILE" 2>/dev/null)"
check "a wrapped key moved to another archive's row unwraps to nothing" \
	test -z "$(archive_key "$WRAPPED" "$SECTION" "$KEYGEN" "x$FILE" 2>/dev/null)"

run_block show-manifest-entry
expect_out "show-manifest-entry: id, class, date and title of the CP record" "^$R_CP\|cp-note\|[0-9]{4}-[0-9]{2}-[0-9]{2}\|Concern raised by the class teacher$"

# ---- browsing by title, both sections ----

for SECTION in case cp; do
	run_block get-slip
	run_block unlock-passfile "$T/pass"
	run_block browse
	if [ -n "$BERR" ]; then fail "browse $SECTION: errors"; show_block; fi
	n_sec=0
	for rid in "${!ORIG[@]}"; do [ "${SECT[$rid]}" = "$SECTION" ] && n_sec=$((n_sec + 1)); done
	check "browse $SECTION: counts $n_sec records" test "$BOUT" = "$n_sec"
	BOUT=$(cat "$OUT/records.txt")
	if [ "$SECTION" = case ]; then
		WORD='annual REVIEW'
		run_block search
		if [ -n "$BOUT" ] && [ "$BOUT" = "$(grep "^$R_CALL|" "$OUT/records.txt")" ]; then
			ok "search: finds $R_CALL by words of its title"
		else
			fail "search"; show_block
		fi
		BOUT=$(cat "$OUT/records.txt")
	fi
	for rid in "${!ORIG[@]}"; do
		[ "${SECT[$rid]}" = "$SECTION" ] || continue
		if awk -F'|' -v id="$rid" -v c="$CASE" -v t="${TITLE[$rid]}" \
			'$1 == id && $2 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/ && $3 == c && $4 == t { f = 1 } END { exit !f }' <<<"$BOUT"; then
			ok "browse $SECTION: $rid listed with its title '${TITLE[$rid]}'"
		else
			fail "browse $SECTION: $rid / '${TITLE[$rid]}' not listed"; show_block
		fi
	done
done


# ---- listing an archive ----

recover "$R_PDFISH" unlock-passfile >/dev/null
run_block list
expect_out "list: tar -t shows the record's member" " ${MEMBER//./[.]}\$"
expect_out "list: tar -t shows the manifest" ' manifest[.]json$'

# ---- salvaging a damaged index with .dump ----

run_block salvage
check "salvage: the salvaged index has all $NREC records" test "$(tail -n 1 <<<"$BOUT")" = "$NREC"
if recover "$R_CP" unlock-passfile; then
	check "salvage: $R_CP recovered through the salvaged index" cmp -s "$GOT" "${ORIG[$R_CP]}"
fi
DB=$WORK/vault/vault.db

# ---- two documents of the same type filed in one command ----
# Their archive members must be distinct (R-000123.txt): the straight
# procedure has to give back each of them.

for rid in "$R_DAY1" "$R_DAY2"; do
	if recover "$rid" unlock-passfile; then
		check "$rid (filed with another .txt in one command): byte-identical" cmp -s "$GOT" "${ORIG[$rid]}"
	fi
	run_block list
	if grep -Eq " ${rid}[.]txt\$" <<<"$BOUT"; then
		ok "$rid: its archive member is named after the record"
	else
		fail "$rid: archive members are not named after their records (filing bug): $(awk '{ print $NF }' <<<"$BOUT" | tr '\n' ' ')"
	fi
	# The documented workaround for such archives must still get the bytes back.
	run_block duplicates
	expect_out "duplicates: $rid extracted with exit status 0" '^exit status: 0$'
	check "duplicates: $rid by --occurrence is byte-identical" cmp -s "$OUT/$REC$MEMBER" "${ORIG[$rid]}"
done

# ---- an archive as builds before 8c2dc46 wrote them: members named ".txt" ----
# Made here with stock tools in the copy's index (test scaffolding, not
# a documented command), to check the doc's workaround on real duplicates.

L=$T/legacy
mkdir -p "$L"
printf 'Legacy note one.\n' >"$L/one.txt"
printf 'Legacy note two, a little longer.\n' >"$L/two.txt"
head -c 3000000 /dev/urandom >"$L/scan.pdf"  # bulk after the notes: tar stops early, gpg must still finish
seq=$(sqlite3 -readonly "$DB" "SELECT max(seq) FROM records")
R_L1=$(printf 'R-%06d' $((seq + 1)))
R_L2=$(printf 'R-%06d' $((seq + 2)))
ORIG[$R_L1]=$L/one.txt
ORIG[$R_L2]=$L/two.txt
{
	printf '{"format": "casevault-archive/1", "case": "%s", "section": "case", "records": [\n' "$CASE"
	printf ' {"id": "%s", "member": ".txt", "class": "letter", "event_date": "2025-01-02", "mime": "text/plain", "size": %s, "sha256": "%s", "title": "one.txt"},\n' \
		"$R_L1" "$(stat -c %s "$L/one.txt")" "$(sha256sum <"$L/one.txt" | cut -d' ' -f1)"
	printf ' {"id": "%s", "member": ".txt", "class": "letter", "event_date": "2025-01-02", "mime": "text/plain", "size": %s, "sha256": "%s", "title": "two.txt"}\n]}\n' \
		"$R_L2" "$(stat -c %s "$L/two.txt")" "$(sha256sum <"$L/two.txt" | cut -d' ' -f1)"
} >"$L/manifest.json"
tar --format=pax --zstd -C "$L" --transform='s/^[a-z]*[.]txt$/.txt/' -cf "$L/legacy.tar" one.txt two.txt scan.pdf manifest.json
LFILE=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n').pgp
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$L/key"
gpg --batch --quiet --pinentry-mode loopback --passphrase-file "$L/key" --symmetric --cipher-algo AES256 \
	-o "$WORK/vault/archives/$LFILE" "$L/legacy.tar"
# the wrap format of docs/recovery.md step 6, made with stock tools
LNONCE=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
LMASK=$(printf "SELECT lower(hex(sha3('%s' || '%s', 256)));" "$SECTION_KEY" "$LNONCE" | sqlite3 :memory:)
LK=$(cat "$L/key"); LC=
for i in 0 16 32 48; do LC=$LC$(printf '%016x' $(( 0x${LMASK:$i:16} ^ 0x${LK:$i:16} ))); done
LWRAP=cvkw1:$LNONCE:$LC
sqlite3 "$DB" "INSERT INTO archives(file, case_id, section, key_gen, wrapped_key, compression, size, sha256, receipt_id, created)
	VALUES('$LFILE', '$CASE', 'case', 1, '$LWRAP', 'zstd', $(stat -c %s "$WORK/vault/archives/$LFILE"),
	       '$(sha256sum <"$WORK/vault/archives/$LFILE" | cut -d' ' -f1)', 1, '2025-01-02T00:00:00Z');
	INSERT INTO records(id, seq, case_id, section, class, archive_id, member, mime, size, title, sha256, event_date, filed_at, filed_by, policy_hash)
	SELECT '$R_L1', $((seq + 1)), '$CASE', 'case', 'letter', id, '.txt', 'text/plain', 0, x'00', x'00', x'00', created, 'S-0001', 'legacy'
	FROM archives WHERE file = '$LFILE';
	INSERT INTO records(id, seq, case_id, section, class, archive_id, member, mime, size, title, sha256, event_date, filed_at, filed_by, policy_hash)
	SELECT '$R_L2', $((seq + 2)), '$CASE', 'case', 'letter', id, '.txt', 'text/plain', 0, x'00', x'00', x'00', created, 'S-0001', 'legacy'
	FROM archives WHERE file = '$LFILE';" || fail "could not add the legacy archive to the copy"
for rid in "$R_L1" "$R_L2"; do
	REC=$rid
	run_block find-record
	run_block unwrap
	run_block extract
	run_block check
	if [ "$rid" = "$R_L1" ]; then
		if [ "$BRC" -ne 0 ] && grep -q 'FAILED' <<<"$BOUT"; then
			ok "legacy $rid: step 8 notices that step 7 kept the other '.txt'"
		else
			fail "legacy $rid: step 8 did not notice the duplicate"; show_block
		fi
	fi
	run_block list
	check "legacy $rid: the archive lists two '.txt' members" test "$(grep -c ' [.]txt$' <<<"$BOUT")" -eq 2
	run_block duplicates
	expect_out "legacy $rid: duplicates block exits 0" '^exit status: 0$'
	expect_out "legacy $rid: duplicates block checks the hash" "^$OUT/${rid}[.]txt: OK\$"
	check "legacy $rid: recovered by --occurrence is byte-identical" cmp -s "$OUT/$REC$MEMBER" "${ORIG[$rid]}"
done

# ---- checking archive files against the index; a damaged archive ----

run_block check-archives
if [ "$BOUT" = "exit status: 0" ]; then ok "check-archives: all archive files intact"; else fail "check-archives on an intact copy"; show_block; fi
REC=${R_PDFISH}
run_block find-record
TAMPERED=$FILE
flip_byte "$WORK/vault/archives/$TAMPERED" 1500
run_block check-archives
expect_out "check-archives: the altered archive is reported" "$TAMPERED: FAILED"
expect_out "check-archives: and the status is not 0" '^exit status: [1-9]'
run_block get-slip
run_block unlock-passfile "$T/pass"
run_block unwrap
run_block extract
expect_out "extract from an altered archive: exit status is not 0 (pipefail + gpg integrity check)" '^exit status: [1-9]'

# ---- an exported key instead of the vault's gnupg ----

GNUPGHOME=$WORK/vault/gnupg gpgconf --kill gpg-agent
run_block import-key
check "import-key: a separate key store" test "$GNUPGHOME" = "$WORK/gnupg"
if grep -q 'secret keys imported: 1' <<<"$BERR"; then ok "import-key: the exported key is imported"; else fail "import-key"; show_block; fi
REC=$R_CP
run_block find-record
run_block get-slip
run_block unlock-passfile "$T/wrongpass"
check "exported key: a wrong passphrase fails" test -z "$SECTION_KEY"
if recover "$R_CP" unlock-passfile; then
	check "exported key: $R_CP (CP) byte-identical" cmp -s "$GOT" "${ORIG[$R_CP]}"
fi

# ---- step 9 ----

HOME=$T/home run_block cleanup
check "cleanup: the work area is gone" test ! -e "$WORK"
check "cleanup: keys are forgotten" test -z "${SECTION_KEY:-}${ARCHIVE_KEY:-}"
for _ in $(seq 30); do pgrep -f -- "--homedir $WORK/" >/dev/null || break; sleep 0.1; done
check "cleanup: no gpg-agent left for the work area" test -z "$(pgrep -f -- "--homedir $WORK/")"
WORK=

# ---- restoring a whole vault, then one archive file ----

dd if=/dev/zero of="$V/vault.db" bs=4096 count=2 conv=notrunc status=none
run_cv verify
check "a damaged index fails casevault verify" test "$RC" -ne 0
run_block restore
check "restore: the damaged vault is kept aside" test "$(find "$T" -maxdepth 1 -name "${V##*/}.damaged-*" | wc -l)" -eq 1
run_block verify
if [ "$BRC" -eq 0 ] && grep -q '^ok: ' <<<"$BOUT"; then ok "restore: casevault verify passes"; else fail "restore: verify"; show_block; fi
check "restore: records filed after the backup are not in the restored index" \
	test "$(sqlite3 -readonly "$V/vault.db" "SELECT count(*) FROM records WHERE id = '$R_CP'")" = 0

FILE=$(sqlite3 -readonly "$V/vault.db" "SELECT a.file FROM archives a JOIN records r ON r.archive_id = a.id WHERE r.id = '$R_PDFISH'")
flip_byte "$V/archives/$FILE" 1500
run_cv verify
if [ "$RC" -ne 0 ] && grep -q "$FILE" <<<"$OUT"; then ok "an altered archive fails casevault verify"; else fail "verify missed an altered archive: $OUT"; fi
run_block restore-archive
if [ "$(sed -n 1p <<<"$BOUT" | cut -d' ' -f1)" = "$(sed -n 2p <<<"$BOUT")" ]; then ok "restore-archive: backup copy matches the index hash"; else fail "restore-archive: hashes"; show_block; fi
if [ "$BRC" -eq 0 ] && grep -q '^ok: ' <<<"$BOUT"; then ok "restore-archive: casevault verify passes"; else fail "restore-archive: verify"; show_block; fi

# ---- no key reaches a command line ----
# HKDF runs in bash, the AES unwrap in libcrypto through python3 reading its
# standard input (docs/recovery.md step 6): no openssl command takes a key.
for f in "$DOC" "$CV_SOURCE_DIR/tests/cli/unwrap.sh"; do
	check "$(basename "$f"): no openssl kdf takes a key (hexkey:)" not grep -q 'hexkey:' "$f"
	check "$(basename "$f"): no openssl command takes a raw key (-K)" not grep -qE 'openssl [^|]*-K ' "$f"
done

# ---- every documented command was run ----

for name in $(sed -n 's/^<!-- test: \([a-z-]*\) -->$/\1/p' "$DOC"); do
	[ -n "${RAN[$name]:-}" ] || fail "the doc's block '$name' is never run by this test"
done
ok "ran ${#RAN[@]} documented blocks"
finish
