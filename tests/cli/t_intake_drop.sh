#!/bin/bash
# The drop folder (docs/intake.md): casevaultd --intake DIR takes each
# complete file a scanner's account writes into DIR into the intake tray,
# encrypted, and removes it; within seconds no plaintext copy is left under
# the folder or the vault.  A file still open for writing is not taken until
# it is closed: growing (any account's file), or held open and idle (with
# CAP_LEASE, as docs/intake.md sets the service up).  A refused file goes to
# rejected/, which the scanner cannot read.  Real OS accounts, a real daemon.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the drop folder test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
svc_setup      # the service account owns the vault; UA and UB are caseworkers' accounts
SCAN=$UB       # the scanner's account: it may write into the drop folder, not list or read it

PDF=$CV_SOURCE_DIR/tests/fixtures/formats/scan.pdf JPG=$CV_SOURCE_DIR/tests/fixtures/formats/photo.jpg
for f in "$CORPUS"/*.pdf; do [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 2000000 ] && PDF=$f && break; done
for f in "$CORPUS"/*.jpg; do [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 2000000 ] && JPG=$f && break; done
cp "$PDF" "$T/in.pdf" && cp "$JPG" "$T/in.jpg" && big_pdf "$T/grow.pdf" 300K && big_pdf "$T/held.pdf" 100K
chmod 644 "$T"/in.* "$T"/*.pdf
DROP=$T/drop
mkdir "$DROP" && chown "$SVC:$(id -g "$SCAN")" "$DROP" && chmod 1730 "$DROP"

# holds FILE DIR...: 64 bytes of FILE's middle appear in a file under one of the DIRs
holds() {
	python3 - "$@" <<'PY'
import os, sys
data = open(sys.argv[1], "rb").read()
needle = data[len(data) // 2:len(data) // 2 + 64]
for top in sys.argv[2:]:
    for root, _, files in os.walk(top):
        for f in files:
            p = os.path.join(root, f)
            if os.path.isfile(p) and needle in open(p, "rb").read():
                sys.exit(0)
sys.exit(1)
PY
}
# gone FILE [SECONDS]: FILE disappears within SECONDS (default 15)
gone() {
	local i
	for i in $(seq $((${2:-15} * 10))); do [ -e "$1" ] || return 0; sleep 0.1; done
	return 1
}
quiet() { "$@" >/dev/null 2>&1; }
tray() { as_svc "$CV" --json intake list | python3 -c 'import json,sys; print(" ".join("%s:%s:%d" % (i["id"], i["name"], i["size"]) for i in json.load(sys.stdin)["intake"]))'; }

as_svc "$CV" intake list >/dev/null   # a key holder's command publishes the deposit key the tray uses
CVD_ARGS="--intake $DROP" svc_start || exit 1

# ---- a PDF written in place, a JPEG renamed into place
as_user "$SCAN" cp "$T/in.pdf" "$DROP/letter.pdf"
as_user "$SCAN" sh -c "cat '$T/in.jpg' >'$DROP/.scan.tmp' && mv '$DROP/.scan.tmp' '$DROP/scan.jpg'"
check "the PDF is taken within seconds" gone "$DROP/letter.pdf"
check "the JPEG renamed into place is taken" gone "$DROP/scan.jpg"
check "the tray lists both, with their names and sizes" test "$(tray)" = \
	"I-000001:letter.pdf:$(stat -c %s "$PDF") I-000002:scan.jpg:$(stat -c %s "$JPG")"
check "no plaintext copy of the PDF under the folder or the vault" not holds "$PDF" "$DROP" "$V"
check "no plaintext copy of the JPEG under the folder or the vault" not holds "$JPG" "$DROP" "$V"
as_svc "$CV" intake show I-000001 >"$T/shown.pdf"
check "the item opens byte-identical for a key holder" cmp -s "$T/shown.pdf" "$PDF"
check "the scanner cannot list the drop folder" not quiet as_user "$SCAN" ls "$DROP"

# ---- a file that grows is not taken until its writer closes it (another account's file: no lease)
as_user "$SCAN" python3 -c '
import sys, time
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    step = len(data) // 12 + 1
    for i in range(0, len(data), step):
        f.write(data[i:i + step]); f.flush(); time.sleep(0.5)' "$T/grow.pdf" "$DROP/grow.pdf" &
WPID=$!
sleep 4
check "a growing file is still in the folder after 4 s" test -e "$DROP/grow.pdf"
check "...and not in the tray" test "$(tray | wc -w)" = 2
wait "$WPID"
check "once complete it is taken" gone "$DROP/grow.pdf"
check "...whole" grep -q "I-000003:grow.pdf:$(stat -c %s "$T/grow.pdf")" <<<"$(tray)"

# ---- a refused file goes to rejected/ with its reason, out of the scanner's reach
as_user "$SCAN" cp "$CV_SOURCE_DIR/tests/fixtures/formats/bad.pdf" "$DROP/bad.pdf"
check "a refused file leaves the folder" gone "$DROP/bad.pdf"
check "it is in rejected/ with a reason" grep -qs "refused as PDF" "$DROP"/rejected/*-bad.pdf.reason
check "rejected/ is the service's alone" test "$(stat -c '%U %a' "$DROP/rejected")" = "$SVC 700"
check "the scanner cannot read it back" not quiet as_user "$SCAN" cat "$DROP"/rejected/*-bad.pdf
check "nothing was added for it" test "$(tray | wc -w)" = 3

# ---- held open and idle: with CAP_LEASE the watcher sees the writer (docs/intake.md, Set-up)
svc_stop
CVD_SETPRIV="--inh-caps +lease --ambient-caps +lease" CVD_ARGS="--intake $DROP" svc_start || exit 1
as_user "$SCAN" python3 -c '
import sys, time
with open(sys.argv[2], "wb") as f:
    f.write(open(sys.argv[1], "rb").read()); f.flush(); time.sleep(6)' "$T/held.pdf" "$DROP/held.pdf" &
WPID=$!
sleep 5
check "a file held open (idle 5 s) is not taken" test -e "$DROP/held.pdf"
wait "$WPID"
check "once closed it is taken" gone "$DROP/held.pdf"
check "...whole" grep -q "I-000004:held.pdf:$(stat -c %s "$T/held.pdf")" <<<"$(tray)"

# ---- through the daemon: a caseworker adds a file only she can read, and assigns it to her case
C=$(as_svc "$CV" case open --parent "Drop Parent" --child "Drop Child" --child-dob 2015-03-04 --pr-confirmed)
as_svc "$CV" case assign "$C" "$A" >/dev/null
install -m 600 -o "$UA" "$T/in.pdf" "$T/a/mine.pdf"
run_svc() { svc_cv "$UA" "$@" >"$T/out" 2>"$T/err"; RC=$?; OUT=$(<"$T/out"); ERR=$(<"$T/err"); }
run_svc intake add "$T/a/mine.pdf"
check "intake add through the daemon reads the client's own file ($ERR)" test "$RC" -eq 0 -a "$OUT" = I-000005
run_svc intake show I-000005 -o "$T/a/look.pdf"
check "intake show -o through the daemon writes the client's file" cmp -s "$T/a/look.pdf" "$PDF"
run_svc intake assign I-000001 "$C" --class correspondence --title "Scanned letter"
check "a caseworker assigns the dropped PDF through the daemon ($ERR)" test "$RC" -eq 0
run_svc get "$(awk '{print $1}' <<<"$OUT")" --purpose test-copy -o "$T/a/filed.pdf"
check "the record is the dropped PDF, byte-identical" cmp -s "$T/a/filed.pdf" "$PDF"
run_svc intake reject I-000002 --reason junk
check "a caseworker rejects the dropped JPEG through the daemon" test "$RC" -eq 0
check "the tray holds what is left" test "$(tray | wc -w)" = 3

check "verify passes" quiet as_svc "$CV" verify
check "audit verify passes" quiet as_svc "$CV" audit verify
check "the daemon logged each file" test "$(grep -c 'taken as I-' "$T/daemon.log")" = 4
# a scan's name may be the child's: the journal never has it (docs/intake.md)
check "the daemon's log names no dropped file" not grep -qE 'letter\.pdf|scan\.jpg|grow\.pdf|held\.pdf|bad\.pdf' "$T/daemon.log"
finish
