#!/bin/sh
# Quick start: install the packages, build, and run a real demonstration on
# a throwaway vault: init, open a case, file a PDF, an image and a note,
# list, retrieve and verify.  Then, run as root, the service path
# (docs/service.md): a service account owns a vault made with
# 'init --service', casevaultd serves it on a temporary socket, two people
# with OS accounts of their own file and read as themselves, and one is
# refused the other's child-protection record and the other's identity.
# Everything is undone at the end (daemon stopped, accounts deleted).
set -eu
cd "$(dirname "$0")/.."
[ "${CV_SKIP_DEPS:-0}" = 1 ] || sh scripts/deps.sh
# CV_SKIP_BUILD=1 with CASEVAULT_BIN and CASEVAULTD_BIN: the test suite runs
# this demonstration against the binaries it tests (tests/cli/t_demo.sh).
if [ "${CV_SKIP_BUILD:-0}" != 1 ]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j"$(nproc)" >/dev/null
fi
CV=${CASEVAULT_BIN:-$PWD/build/casevault}
CVD=${CASEVAULTD_BIN:-$(dirname "$CV")/casevaultd}
export CASEVAULT_POLICY_DIR=$PWD/policies
work=$(mktemp -d /tmp/cvdemo.XXXXXX)
svc= ada= ben= dpid=
demo_cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	for d in "$work"/vault/gnupg "$work"/vault/purge-key; do
		[ -d "$d" ] && GNUPGHOME=$d gpgconf --kill all 2>/dev/null
	done
	for d in "$work"/svc/v/gnupg "$work"/svc/v/purge-key; do
		[ -d "$d" ] && runuser -u "$svc" -- env GNUPGHOME="$d" gpgconf --kill all 2>/dev/null
	done
	for u in $ada $ben $svc; do userdel "$u" 2>/dev/null; done
	rm -rf "$work"
}
trap demo_cleanup EXIT
export CASEVAULT_DIR=$work/vault
set -x
$CV init "$CASEVAULT_DIR" --no-passphrase --name "Demo Manager"
# names as '-': read from standard input, so they are not in the process list
case=$(printf '%s\n' "Alex Example" "Sam Example" 2015-02-28 | $CV case open --parent - --child - --child-dob - --pr-confirmed)
gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -o "$work/letter.pdf" \
	-c '/Helvetica findfont 12 scalefont setfont 72 720 moveto (Letter from the school about the EHCP) show showpage'
convert -size 320x200 xc:white -fill black -draw 'text 20,100 "scanned report"' "$work/report.png"
$CV file "$case" "$work/letter.pdf" "$work/report.png" --class letter
echo "Phoned Alex: annual review moved to Friday." | $CV note "$case" --class phone-call
$CV ls "$case"
$CV get R-000002 -o "$work/report-copy.png" --purpose "demo: a copy for the case file"
cmp "$work/report.png" "$work/report-copy.png"
$CV verify
set +x
echo "demo ok: the vault lived in $work"

# ---- the service path: root only (it makes OS accounts and runs as them)
if [ "$(id -u)" -ne 0 ]; then
	echo "service part skipped: it makes OS accounts (useradd) and runs casevaultd as one of them, which needs root (sudo scripts/demo.sh)"
	exit 0
fi
unset CASEVAULT_DIR
svc=cvdemo$$s ada=cvdemo$$a ben=cvdemo$$b
for u in $svc $ada $ben; do useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$u"; done
chmod 711 "$work" && mkdir -m 755 "$work/run" "$work/svc" && chown "$svc" "$work/run"
V=$work/svc/v SOCK=$work/run/casevault.sock
set -x
$CV init "$V" --service --owner "$svc" --no-passphrase --name "Office Manager"
a=$(runuser -u "$svc" -- $CV -C "$V" staff add "Ada Lead" --role cp-lead --no-passphrase --os-user "$ada")
b=$(runuser -u "$svc" -- $CV -C "$V" staff add "Ben Worker" --role caseworker --no-passphrase --os-user "$ben")
runuser -u "$svc" -- $CV -C "$V" staff attest "$a"
runuser -u "$svc" -- $CV -C "$V" staff attest "$b"
case=$(printf '%s\n' "Alex Example" "Sam Example" 2015-02-28 | runuser -u "$svc" -- $CV -C "$V" case open --parent - --child - --child-dob - --pr-confirmed)
# Ben works on this case (docs/security.md, Case assignment)
runuser -u "$svc" -- $CV -C "$V" case assign "$case" "$b"
set +x
# setpriv execs the daemon: $! is casevaultd itself
setpriv --reuid "$svc" --regid "$(id -g "$svc")" --init-groups \
	"$CVD" --vault "$V" --socket "$SOCK" </dev/null >/dev/null 2>"$work/run/daemon.log" &
dpid=$!
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
export CASEVAULT_SOCKET=$SOCK
set -x
echo "Ada: strategy meeting notes." | runuser -u "$ada" -- $CV note "$case" --cp --class cp-note --title "Strategy meeting"
echo "Ben: phoned the school." | runuser -u "$ben" -- $CV note "$case" --class phone-call --title "School call"
runuser -u "$ada" -- $CV ls "$case" --cp
runuser -u "$ben" -- $CV ls "$case"
cp=$(runuser -u "$ada" -- $CV ls "$case" --cp | awk 'NR == 2 { print $1 }')  # line 1 is the header
runuser -u "$ada" -- $CV get "$cp"
# Ben, a caseworker, may not read the child-protection file, nor act as Ada
if runuser -u "$ben" -- $CV get "$cp"; then echo "demo FAILED: Ben read Ada's CP record"; exit 1; fi
if runuser -u "$ben" -- $CV --as "$a" ls "$case" --cp; then echo "demo FAILED: Ben acted as Ada"; exit 1; fi
runuser -u "$svc" -- $CV -C "$V" verify
set +x
echo "service demo ok: Ada and Ben each acted as themselves through casevaultd; Ben was refused Ada's CP record and her identity"
