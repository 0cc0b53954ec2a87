# casevault CLI test helpers: source this from tests/cli/t*.sh.
#
# Every test gets a fresh short-path work directory (gpg-agent sockets live
# in the vault's gnupg/ and must stay under ~100 characters), a real gpg,
# real SQLite files and the real binary ($CASEVAULT_BIN, set by CTest).
# On exit the vault's gpg-agent is killed and the directory removed.

set -u
CV_SOURCE_DIR=${CV_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CV=${CASEVAULT_BIN:-$CV_SOURCE_DIR/build/casevault}
CORPUS=$CV_SOURCE_DIR/../shared/corpus
export CASEVAULT_POLICY_DIR=$CV_SOURCE_DIR/policies
unset CASEVAULT_DIR CASEVAULT_PASSPHRASE_FILE CASEVAULT_TODAY CASEVAULT_SOCKET

T=$(mktemp -d /tmp/cvt.XXXXXX)

# Debian's python3 (scripts/deps.sh installs it) rather than whatever shim a
# version manager puts first on PATH: a pyenv shim costs a third of a second
# a call, and the suite calls python3 hundreds of times.  A link on PATH, not
# a shell function: "python3 ... &" must give $! of python itself.
if [ -x /usr/bin/python3 ]; then
	mkdir -p "$T/bin" && ln -sf /usr/bin/python3 "$T/bin/python3" && PATH=$T/bin:$PATH
fi
V=$T/v
FAILS=0
PASSES=0

cleanup() {
	local d
	for d in "$T"/*/gnupg "$T"/gnupg "$T"/*/purge-key; do
		[ -d "$d" ] && GNUPGHOME=$d gpgconf --kill all 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

# CASEVAULT_TEST_VIA=service: the same test, unchanged, through casevaultd
# (docs/service.md, "The CLI suite through the daemon").  Its vaults are
# service vaults of an OS account made for it, each served by a daemon of
# its own, and its commands run as that account, the vaults' first manager,
# as the test's root is in direct mode (tests/cli/via_service.sh).  The
# account reads the test's files and writes its outputs: the work
# directory is open to it (umask 0), as a person's own files are to them.
if [ "${CASEVAULT_TEST_VIA:-}" = service ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "# SKIP through the daemon the test makes an OS account (useradd): it needs root (CI runs as root)"
		exit 0
	fi
	export CASEVAULT_VIA_ACCOUNT=cv$$v CASEVAULT_VIA_RUN=$T/run CASEVAULT_REAL_BIN=$CV
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$CASEVAULT_VIA_ACCOUNT" || exit 1
	umask 000 && chmod 777 "$T" && mkdir "$T/run"
	# the daemon's idle worker keeps the index open and tidies it when it
	# changes: the test's own sqlite3 waits for that, as casevault does
	mkdir -p "$T/bin" && printf '#!/bin/sh\nexec /usr/bin/sqlite3 -cmd ".timeout 10000" "$@"\n' >"$T/bin/sqlite3" &&
		chmod 755 "$T/bin/sqlite3" && PATH=$T/bin:$PATH
	CV=$CV_SOURCE_DIR/tests/cli/via_service.sh
	via_cleanup() {
		local p u
		for p in "$CASEVAULT_VIA_RUN"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
		sleep 0.2
		for u in "$CASEVAULT_VIA_ACCOUNT" $(cat "$CASEVAULT_VIA_RUN/accounts" 2>/dev/null); do
			pkill -9 -u "$u" 2>/dev/null
			for _ in 1 2 3 4 5; do userdel "$u" 2>/dev/null && break; sleep 0.2; done
		done
		[ -f "$CASEVAULT_VIA_RUN/calls" ] &&
			echo "# through casevaultd: $(grep -c '^service ' "$CASEVAULT_VIA_RUN/calls") commands; directly (a vault not made by the test): $(grep -c '^direct ' "$CASEVAULT_VIA_RUN/calls")"
		cleanup
	}
	trap via_cleanup EXIT
fi

ok()   { PASSES=$((PASSES + 1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...: passes when the command succeeds
	local d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
finish() {
	echo "# $PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
	exit $?
}

# run_cv ARGS...: run the CLI, capturing stdout in $OUT, stderr in $ERR, status in $RC.
# ($(<file) is $(cat file) read by bash itself: no process.)
run_cv() {
	"$CV" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(<"$T/out")
	ERR=$(<"$T/err")
}

# expect_fail DESCRIPTION ARGS...: the command must exit non-zero with exactly
# one line on stderr.
expect_fail() {
	local d=$1; shift
	run_cv "$@"
	local lines
	lines=$(printf '%s' "$ERR" | grep -c '')
	if [ "$RC" -ne 0 ] && [ "$lines" -eq 1 ]; then
		ok "$d (exit $RC: $ERR)"
	else
		fail "$d: exit $RC, $lines stderr lines: $ERR"
	fi
}

# not COMMAND...: succeeds when the command fails (for check).
not() { ! "$@"; }

# db SQL: a query on the vault's index, opened read-only; it waits for a lock,
# as casevault does (a daemon's idle worker takes one when it reopens, docs/service.md)
db() { sqlite3 -readonly -cmd '.timeout 10000' "$V/vault.db" "$1"; }
# flip_byte FILE OFFSET: the byte there inverted, so it always changes (writing
# a fixed byte leaves one file in 256 as it was)
flip_byte() {
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

# at DAY: pretend today is DAY (CASEVAULT_TODAY, for a vault made with
# new_test_vault) and renew the manager's yearly attestation.
at() { export CASEVAULT_TODAY=$1; "$CV" staff attest S-0001 >/dev/null 2>&1; }

# rec_ids CASE [--cp]: the ids of the case's records, as ls lists them.
# A record's exact retention date ("none" while not known), read through the
# CLI: the index seals it under the schedule key (docs/architecture.md, Sealed
# columns).  Optionally the vault's directory as $2.
retain_of() {
	CASEVAULT_DIR=${2:-${CASEVAULT_DIR:-$V}} "$CV" --json retention due --as-of 9999-12-31 |
		python3 -c 'import json,sys; d=[r.get("retain_until") for r in json.load(sys.stdin)["records"] if r["id"] == sys.argv[1]]; print(d[0] if d and d[0] else "none")' "$1"
}
rec_ids() { "$CV" --json ls "$1" ${2:-} | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["records"]))'; }

# snapshot / restore: keep a copy of the vault at $T/snap, put it back (after
# stopping the vault's gpg-agent) to undo what a scenario did to the vault.
# Through casevaultd (CASEVAULT_TEST_VIA=service) the vault's daemon is stopped
# first, its idle worker with it: the next command starts it again
# (tests/cli/via_service.sh), on the vault as snapshot or restore left it.
via_stop() {
	[ "${CASEVAULT_TEST_VIA:-}" = service ] || return 0
	local key pid
	source "$CV_SOURCE_DIR/tests/cli/via_key.sh"
	key=$(via_key "$(realpath -m "$V")")
	pid=$(cat "$CASEVAULT_VIA_RUN/$key.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || via_busy || break
		sleep 0.05
	done
}
# via_busy: a process of the daemon's still runs (one name at a time: pgrep
# matches the 15 characters of a process's name, and warns of a longer pattern)
via_busy() {
	local name
	for name in casevaultd-idle casevaultd-conn casevaultd-work; do
		pgrep -u "$CASEVAULT_VIA_ACCOUNT" -x "$name" >/dev/null && return 0
	done
	return 1
}
snapshot() { via_stop; rm -rf "$T/snap"; cp -a "$V" "$T/snap"; }
restore() { via_stop; GNUPGHOME=$V/gnupg gpgconf --kill all 2>/dev/null; rm -rf "$V"; cp -a "$T/snap" "$V"; }

# light ITEM...: the items an enumerating test tries (crash points, kill
# delays, race kinds), one a line.  All of them, except in the sanitizer
# pass, which sets CV_TEST_LIGHT=N (tests/CMakeLists.txt): every Nth from the
# first, and the last.  ASan and UBSan are there to find memory errors on
# each code path, which the subset still runs; the normal build tries every
# item (tests/README.md, "The sanitizer pass").  A test orders its list so
# that the subset holds every kind at least once.
light() {
	local n=${CV_TEST_LIGHT:-1} i=0 a
	for a in "$@"; do
		if [ "$n" -le 1 ] || [ $((i % n)) -eq 0 ] || [ $((i + 1)) -eq $# ]; then printf '%s\n' "$a"; fi
		i=$((i + 1))
	done
}

# new_vault [DIR]: a vault with an unprotected manager key (fast); sets CASEVAULT_DIR.
new_vault() {
	local dir=${1:-$V}
	"$CV" init "$dir" --no-passphrase --name "Test Manager" $NEW_VAULT_OPTS >/dev/null || { echo "init failed"; exit 1; }
	export CASEVAULT_DIR=$dir
}
# new_test_vault [DIR]: the same, made with --test-clock, for tests that move
# today with CASEVAULT_TODAY (a real vault refuses to open while it is set).
new_test_vault() {
	NEW_VAULT_OPTS=--test-clock new_vault "$@"
}
NEW_VAULT_OPTS=

# fixture_vault NAME DIR PASSFILE: DIR becomes a copy of the passphrase-
# protected vault NAME (see tests/cli/fixtures.sh), made once per CTest run
# in $CV_FIXTURE_DIR (or, when a script is run by hand, now, in $T).
# PASSFILE must hold the passphrase the vault was made with.  The copy has
# no gpg-agent: its first command starts one for DIR/gnupg (cleanup stops it).
fixture_vault() {
	local name=$1 dir=$2 pass=$3 fx=${CV_FIXTURE_DIR:-}
	if [ -z "$fx" ] || [ ! -d "$fx/$name" ]; then
		fx=$T/fixtures
		[ -d "$fx/$name" ] || bash "$CV_SOURCE_DIR/tests/cli/fixtures.sh" "$fx" "$name" >&2 || return 1
	fi
	cmp -s "$fx/$name.pass" "$pass" || { echo "fixture $name: $pass is not the passphrase it was made with" >&2; return 1; }
	cp -a "$fx/$name" "$dir"
}

# big_pdf FILE SIZE: a sound one-page PDF carrying SIZE (head -c units: 4M,
# 30000000) random bytes in an unused stream, with its xref and %%EOF, so
# that filing's structure check (docs/policy-filetypes.md) admits it.
big_pdf() {
	python3 - "$1" "$(numfmt --from=iec "$2")" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]
with open(path, "wb") as f, open("/dev/urandom", "rb") as r:
    f.write(b"%PDF-1.4\n")
    offs = []
    for k, o in enumerate(objs, 1):
        offs.append(f.tell())
        f.write(b"%d 0 obj\n%s\nendobj\n" % (k, o))
    offs.append(f.tell())
    f.write(b"4 0 obj\n<< /Length %d >>\nstream\n" % n)
    left = n
    while left:
        b = r.read(min(left, 1 << 20))
        f.write(b)
        left -= len(b)
    f.write(b"\nendstream\nendobj\n")
    x = f.tell()
    f.write(b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs))
    f.write(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x)
PY
}

# new_case: opens a case, prints its id.
new_case() {
	"$CV" case open --parent "${1:-Parent Name}" --child "${2:-Child Name}" \
		--child-dob "${3:-2014-05-06}" --pr-confirmed
}

# tree_hash DIR: one hash over every file's path, mode and content (for "changes nothing").
tree_hash() {
	# through the daemon, a command's commit stays in SQLite's log until the
	# idle worker sees the change and reopens (within a second): wait for that
	if [ "${CASEVAULT_TEST_VIA:-}" = service ]; then
		for _ in $(seq 50); do
			find "$1" -maxdepth 1 -name '*-wal' -size +0 | grep -q . || break
			sleep 0.1
		done
	fi
	# an empty WAL holds nothing: a read-only sqlite3 leaves one, the next open removes it
	(cd "$1" && find . -type f ! -name 'S.*' ! -name '.lock' ! -name 'random_seed' ! -name '*-shm' \
		! \( -name '*-wal' -empty \) -print0 | sort -z |
		xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

# contact_log_policy DIR: the stock policies in DIR, with a test class
# contact-log kept one year after the last contact with the family.
contact_log_policy() {
	cp -r "$CV_SOURCE_DIR/policies" "$1"
	cat >>"$1/retention.ini" <<'INI'

; test class: kept one year after the last contact with the family
[contact-log]
label   = Contact log
section = case
rule    = last-contact + 1y
action  = destroy
INI
}

# make_docs DIR: small real documents of every allowed type, made here so the
# suite does not depend on ../shared/corpus.
make_docs() {
	local d=$1
	mkdir -p "$d"
	printf 'Meeting with the SENCO about the EHCP.\nAgreed actions follow.\n' >"$d/note.txt"
	printf 'From: school@example.org\nTo: office@example.org\nSubject: Annual review\nDate: Mon, 2 Nov 2026 10:00:00 +0000\nMessage-ID: <1@example.org>\n\nThe annual review is on Friday.\n' >"$d/mail.eml"
	if command -v convert >/dev/null; then
		convert -size 64x48 xc:white -fill black -draw 'rectangle 5,5 40,30' "$d/scan.png" 2>/dev/null
		convert -size 64x48 gradient:white-black "$d/scan.jpg" 2>/dev/null
		convert -size 64x48 xc:gray -compress none "$d/scan.tif" 2>/dev/null
	fi
	if command -v gs >/dev/null; then
		gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -o "$d/letter.pdf" \
			-c '/Helvetica findfont 12 scalefont setfont 72 720 moveto (Letter from the school) show showpage' 2>/dev/null
	fi
	# ODT and DOCX are zip containers; make them with python's zipfile (stdlib).
	python3 - "$d" <<'PY'
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/report.odt", "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
    z.writestr("content.xml", "<?xml version='1.0'?><office:document-content xmlns:office='urn:oasis:names:tc:opendocument:xmlns:office:1.0'><office:body><office:text>Report</office:text></office:body></office:document-content>")
    z.writestr("META-INF/manifest.xml", "<?xml version='1.0'?><manifest:manifest xmlns:manifest='urn:oasis:names:tc:opendocument:xmlns:manifest:1.0'/>")
with zipfile.ZipFile(d + "/report.docx", "w") as z:
    z.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'><Override PartName='/word/document.xml' ContentType='application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'/></Types>")
    z.writestr("_rels/.rels", "<?xml version='1.0'?><Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'/>")
    z.writestr("word/document.xml", "<?xml version='1.0'?><w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'><w:body><w:p><w:r><w:t>Report</w:t></w:r></w:p></w:body></w:document>")
PY
}

# shellcheck source=unwrap.sh
source "$CV_SOURCE_DIR/tests/cli/unwrap.sh"

# birth_patterns "N..." DOB...: each date of birth and DOB + N years for each N, one date a
# line in nine usual formats (29 February: the 28th and the 1st of March too), for grep -F -f.
birth_patterns() {
	python3 - "$@" <<'EOF'
import calendar, datetime, sys
def plus(d, n):
    try:
        return d.replace(year=d.year + n)
    except ValueError:          # 29 February: the 28th, and the 1st of March too
        return d.replace(year=d.year + n, day=28)
def forms(d):
    m = calendar.month_name[d.month]
    return [d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"), d.strftime("%m/%d/%Y"), d.strftime("%Y%m%d"),
            d.strftime("%d-%m-%Y"), d.strftime("%Y/%m/%d"), "%d %s %d" % (d.day, m, d.year),
            "%s %d, %d" % (m, d.day, d.year), d.strftime("%d.%m.%Y")]
for s in sys.argv[2:]:
    d = datetime.date.fromisoformat(s)
    for n in map(int, sys.argv[1].split()):
        for x in [plus(d, n)] + ([plus(d, n) + datetime.timedelta(days=1)] if d.month == 2 and d.day == 29 else []):
            print("\n".join(forms(x)))
EOF
}

# opens_archive GNUPGHOME KEY FILE: 0 when KEY decrypts the archive FILE.
opens_archive() {
	GNUPGHOME=$1 gpg --batch --quiet --pinentry-mode loopback --passphrase-fd 3 --decrypt "$3" \
		3< <(printf '%s' "$2") >/dev/null 2>&1
}

# in_clear WORD DIR: WORD is in some file under DIR. A four-letter word matched
# in any case turns up by chance in a few megabytes of ciphertext (about one
# vault in a hundred), so a word shorter than five letters is looked for only as
# written; give its lower-case form too where the index would keep that.
in_clear() {
	grep -rqa -- "$1" "$2" && return 0
	[ ${#1} -ge 5 ] && grep -rqai -- "$1" "$2"
}
