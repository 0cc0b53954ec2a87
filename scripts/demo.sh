#!/bin/sh
# Quick start: install the packages, build, and run a real demonstration on
# a throwaway vault: init, open a case, file a PDF, an image and a note,
# list, retrieve and verify.
set -eu
cd "$(dirname "$0")/.."
[ "${CV_SKIP_DEPS:-0}" = 1 ] || sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
CV=$PWD/build/casevault
export CASEVAULT_POLICY_DIR=$PWD/policies
work=$(mktemp -d /tmp/cvdemo.XXXXXX)
trap 'GNUPGHOME=$work/vault/gnupg gpgconf --kill all 2>/dev/null; rm -rf "$work"' EXIT
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
$CV get R-000002 -o "$work/report-copy.png"
cmp "$work/report.png" "$work/report-copy.png"
$CV verify
set +x
echo "demo ok: the vault lived in $work and is removed now"
