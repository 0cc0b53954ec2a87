#!/bin/bash
# The Debian package (docs/install.md): built by CPack, installed into this
# machine with dpkg -i, used as an office would (the installed casevault, its
# helper and policies, the account the package made, a service vault made
# with init --service --owner), and purged: afterwards nothing of it is left,
# not even on failure (the purge runs on exit).  lintian's findings are
# printed (# lintian: ...); an error fails.  Root only, and only on a machine
# where the package and its account are not already there.
# The package is the tested build's own when that build is configured for
# /usr (scripts/test.sh does so: paths are compiled in); cpack then installs
# copies and leaves the tree's binaries as they are.  Any other build tree
# gets a build of its own for /usr (CV_DEB_BUILD_DIR, default BUILD/deb: one
# more compilation of the whole tree).  Tests that look for an installed
# helper share a lock with this one (tests/CMakeLists.txt).  The sanitizer
# pass (CV_TEST_LIGHT > 1) skips it: the package is a normal build's.
source "${CV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

skip() { echo "# SKIP $*"; finish; }
[ "${CV_TEST_LIGHT:-1}" -le 1 ] || skip "the sanitizer pass: the package is built and tried in the normal pass"
[ "$(id -u)" -eq 0 ] || skip "dpkg -i installs into this machine: root only (CI runs as root)"
for tool in dpkg-deb dpkg cpack adduser; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
dpkg -s casevault >/dev/null 2>&1 && skip "a casevault package is installed here: not replaced by a test"
getent passwd casevault >/dev/null && skip "an account 'casevault' exists here: the package's purge would remove it"
[ -e /srv/casevault ] && skip "/srv/casevault exists here: an office's vault, not the test's"

# ---- build: the tested tree when it is for /usr, else a tree of its own
before=$(sha256sum "$CV" "$CV_BUILD_DIR/casevaultd" "$CV_BUILD_DIR/casevault-direct")
start=$SECONDS
if [ -z "${CV_DEB_BUILD_DIR:-}" ] && grep -qx 'CMAKE_INSTALL_PREFIX:PATH=/usr' "$CV_BUILD_DIR/CMakeCache.txt"; then
	PKG=$T/cpack how="the tested build's"
	mkdir -p "$PKG"
	packed() { (cd "$CV_BUILD_DIR" && cpack -G DEB -B "$PKG" >>"$T/build.log" 2>&1); }
else
	PKG=${CV_DEB_BUILD_DIR:-$CV_BUILD_DIR/deb} how="a build of its own"
	packed() {
		cmake -S "$CV_SOURCE_DIR" -B "$PKG" -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTS=OFF >"$T/build.log" 2>&1 &&
			nice -n 5 cmake --build "$PKG" -j2 >>"$T/build.log" 2>&1 &&
			(cd "$PKG" && rm -f casevault_*.deb && cpack -G DEB >>"$T/build.log" 2>&1)
	}
fi
if ! packed; then
	fail "the package builds: $(tail -n 5 "$T/build.log")"
	finish
fi
DEB=$(ls "$PKG"/casevault_*.deb)
ok "cpack builds $(basename "$DEB") from $how ($((SECONDS - start)) s)"
check "the build tree's own binaries are untouched" \
	test "$(sha256sum "$CV" "$CV_BUILD_DIR/casevaultd" "$CV_BUILD_DIR/casevault-direct")" = "$before"
dpkg-deb -c "$DEB" | awk '{ print $6 }' >"$T/contents"
for f in ./usr/bin/casevault ./usr/sbin/casevaultd ./usr/libexec/casevault/casevault-helper \
	./usr/libexec/casevault/casevault-formats.so \
	./usr/share/casevault/policies/retention.ini ./usr/share/man/man1/casevault-file.1.gz \
	./usr/share/man/man8/casevaultd.8.gz ./usr/share/bash-completion/completions/casevault \
	./usr/share/bash-completion/completions/casevaultd \
	./etc/casevault/purge.env ./usr/share/doc/casevault/copyright; do
	grep -qx -- "$f" "$T/contents" || fail "the package holds no $f"
done
ok "the package holds $(grep -c '' "$T/contents") paths (binaries, helper, formats module, policies, manual pages, completion, /etc)"

if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$DEB" >"$T/lintian" 2>&1
	sed 's/^/# lintian: /' "$T/lintian"
	check "lintian finds no error ($(grep -c '^E:' "$T/lintian") errors, $(grep -c '^W:' "$T/lintian") warnings)" \
		not grep -q '^E:' "$T/lintian"
fi

# ---- install; whatever happens next, the purge runs
VP=$(mktemp -d /tmp/cvp.XXXXXX) && chmod 755 "$VP"
VD=$VP/vault
purge_all() {
	if [ -d "$VD" ]; then
		for g in "$VD/gnupg" "$VD/purge-key"; do
			[ -d "$g" ] && runuser -u casevault -- env GNUPGHOME="$g" gpgconf --kill all 2>/dev/null
		done
	fi
	rm -rf "$VP"
	dpkg --purge casevault >"$T/purge.log" 2>&1
}
trap 'purge_all; cleanup' EXIT
dpkg -i "$DEB" >"$T/install.log" 2>&1
check "dpkg -i installs it ($(tail -n 3 "$T/install.log"))" test $? -eq 0

# ---- as an office uses it: the installed program, helper and policies
unset CASEVAULT_POLICY_DIR
run() { env -u CASEVAULT_POLICY_DIR PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
check "casevault --version: the installed program ($(run casevault --version 2>&1))" \
	eval '[ "$(run casevault --version)" = "casevault $(sed -n "s/^project(casevault VERSION \([0-9.]*\).*/\1/p" "$CV_SOURCE_DIR/CMakeLists.txt")" ]'
check "man -w casevault finds the installed page ($(man -w casevault 2>&1))" \
	eval '[ "$(man -w casevault)" = /usr/share/man/man1/casevault.1.gz ]'
check "man -w casevault-file and casevaultd too" eval 'man -w casevault-file >/dev/null && man -w 8 casevaultd >/dev/null'
check "the account casevault exists, with no login shell ($(getent passwd casevault))" \
	eval 'getent passwd casevault | grep -q ":/usr/sbin/nologin$" && getent group casevault >/dev/null'
units=$(dpkg -L casevault | grep -E '/systemd/system/casevault(d|-purge)\.(service|socket|timer)$')
check "the four units are installed ($(echo $units))" test "$(grep -c '' <<<"$units")" -eq 4
check "...run as the system account (User=casevault) from /usr" \
	eval 'grep -qx "User=casevault" $(grep "d.service$" <<<"$units") &&
		grep -qx "ExecStart=/usr/sbin/casevaultd --vault /srv/casevault" $(grep "d.service$" <<<"$units") &&
		grep -q "^ExecStart=/usr/bin/casevault purge --scheduled" $(grep "purge.service$" <<<"$units")'
check "...the socket and the timer enabled" \
	eval 'test -L /etc/systemd/system/sockets.target.wants/casevaultd.socket &&
		test -L /etc/systemd/system/timers.target.wants/casevault-purge.timer'
docs=$(sed -n 's|^Documentation=file://||p' $units | sort -u)
missing=
for d in $docs; do [ -f "$d" ] || missing="$missing $d"; done
check "every unit's Documentation= is an installed file ($(echo $docs); missing:${missing:- none})" \
	test -n "$docs" -a -z "$missing"
check "/etc/casevault/purge.env is a conffile" \
	eval 'dpkg-query -W -f="\${Conffiles}" casevault | grep -q "/etc/casevault/purge.env"'
check "both completions are installed where bash-completion looks" \
	eval 'grep -q "complete -F _casevault casevault" /usr/share/bash-completion/completions/casevault &&
		grep -q "complete -F _casevaultd casevaultd" /usr/share/bash-completion/completions/casevaultd'

run casevault init "$VD" --service --owner casevault --no-passphrase >"$T/out" 2>&1
check "casevault init --service --owner casevault makes a vault for the package's account ($(cat "$T/out"))" \
	eval 'grep -q "initialised service vault" "$T/out" && [ "$(stat -c "%U %a" "$VD")" = "casevault 700" ]'
run runuser -u casevault -- casevault -C "$VD" classes >"$T/out" 2>&1
check "the account lists the classes of the installed policies" grep -q "^letter" "$T/out"
P=$(run runuser -u casevault -- casevault -C "$VD" case open --parent "Pat Package" --child "Kim Package" \
	--child-dob 2015-02-28 --pr-confirmed 2>"$T/err")
printf 'A call, filed through the installed helper.\n' |
	run runuser -u casevault -- casevault -C "$VD" note "$P" --class phone-call >"$T/out" 2>>"$T/err"
check "the account opens a case and files a note ($P $(cat "$T/out" "$T/err"))" grep -q "^R-000001" "$T/out"
# the document formats module (docs/architecture.md): installed beside the helper, root's,
# and loaded by the installed program when it reads a document, not before
M=/usr/libexec/casevault/casevault-formats.so
check "the formats module is installed ($(stat -c '%U %a' "$M" 2>&1))" \
	eval '[ "$(stat -c "%U" "$M")" = root ] && ! [ "$(( 0$(stat -c "%a" "$M") & 022 ))" -ne 0 ]'
check "the installed casevault-direct does not need the format libraries" \
	not eval 'readelf -d /usr/libexec/casevault/casevault-direct | grep -Eq "lib(gmime|gexiv2|xml2|glib)"'
cp "$CV_SOURCE_DIR/tests/fixtures/formats/letter.pdf" "$VP/letter.pdf" && chmod 644 "$VP/letter.pdf"
run runuser -u casevault -- env CASEVAULT_DEBUG=formats casevault -C "$VD" file "$P" "$VP/letter.pdf" \
	--class correspondence >"$T/out" 2>"$T/err"
check "the account files a PDF, read through the installed module ($(cat "$T/out" "$T/err"))" \
	eval 'grep -q "^R-000002" "$T/out" && grep -qx "casevault: debug: document formats module: $M" "$T/err"'
run runuser -u casevault -- casevault -C "$VD" verify >"$T/out" 2>&1
check "casevault verify passes ($(tail -n 1 "$T/out"))" test $? -eq 0
run runuser -u casevault -- env CASEVAULT_DIR="$VD" casevault purge --scheduled >"$T/out" 2>&1
check "the purge unit's command runs as the account (nothing due: $(tail -n 1 "$T/out"))" test $? -eq 0

# ---- purge: nothing left
purge_all
check "dpkg --purge removes it ($(tail -n 2 "$T/purge.log"))" eval '! dpkg -s casevault >/dev/null 2>&1'
left=
for p in /usr/bin/casevault /usr/sbin/casevaultd /usr/libexec/casevault/casevault-formats.so \
	/usr/libexec/casevault /usr/share/casevault \
	/usr/share/doc/casevault /etc/casevault /usr/share/man/man1/casevault.1.gz \
	/usr/share/bash-completion/completions/casevault /usr/share/bash-completion/completions/casevaultd $units \
	/etc/systemd/system/sockets.target.wants/casevaultd.socket \
	/etc/systemd/system/timers.target.wants/casevault-purge.timer; do
	[ -e "$p" ] || [ -L "$p" ] && left="$left $p"
done
ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null | grep -q casevault && left="$left deb-systemd-helper-state"
getent passwd casevault >/dev/null && left="$left account"
getent group casevault >/dev/null && left="$left group"
check "nothing of it is left (left:${left:- nothing})" test -z "$left"
check "the build tree's binaries are still untouched" \
	test "$(sha256sum "$CV" "$CV_BUILD_DIR/casevaultd" "$CV_BUILD_DIR/casevault-direct")" = "$before"
echo "# t_package: $SECONDS s in all"
finish
