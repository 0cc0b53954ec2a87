#!/usr/bin/env bash
# casevault OCR benchmark (docs/ocr.md; bench/README.md, "OCR").  A scan's
# words are read by Tesseract when it is filed; this measures what that
# costs.
#
# 1. OCR pages per second: build/formats_tool ocr (cv_fmt_ocr, the code the
#    filing runs) on a scanned PDF of --pages pages (each an A4 page of
#    text rendered to pixels at 300 dpi, no text layer) and on one PNG page,
#    --runs times each; the baseline is formats_tool text on the same PDF
#    (opening it and finding no text layer).
# 2. Filing a scan with and without OCR: --runs one-page scanned PDFs, each
#    different, filed one 'casevault file' each into a fresh vault, once with
#    OCR and once with OCR unable to run (TESSDATA_PREFIX naming an empty
#    directory: the filing goes on without it, docs/ocr.md); the ratio is the
#    median filing time with OCR over the median without, in the same script.
# No figure is asserted.
#
# Usage: bench/bench_ocr.sh [--pages N] [--runs N]
# Environment: CASEVAULT_BIN (default build/casevault), FORMATS_TOOL (default
# build/formats_tool, a -DBUILD_TESTS=ON build), CASEVAULT_POLICY_DIR.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PAGES=5 RUNS=5
while [ $# -gt 0 ]; do
	case $1 in
	--pages) PAGES=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench_ocr.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
case "$PAGES$RUNS" in *[!0-9]*|'') echo "bench_ocr.sh: --pages and --runs take whole numbers" >&2; exit 2 ;; esac
[ "$PAGES" -ge 1 ] && [ "$RUNS" -ge 1 ] || { echo "bench_ocr.sh: --pages and --runs must be at least 1" >&2; exit 2; }
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
TOOL=${FORMATS_TOOL:-$REPO/build/formats_tool}
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
[ -x "$CV" ] || { echo "bench_ocr.sh: no casevault binary at $CV; build it first" >&2; exit 2; }
[ -x "$TOOL" ] || { echo "bench_ocr.sh: no formats_tool at $TOOL; build with -DBUILD_TESTS=ON" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_ocr.sh: needs /usr/bin/time (scripts/deps.sh installs time)" >&2; exit 2; }
command -v gs >/dev/null || { echo "bench_ocr.sh: needs gs (scripts/deps.sh installs ghostscript)" >&2; exit 2; }
source "$REPO/bench/lib.sh"

# med FILE COL: the median of column COL (1 wall, 2 CPU seconds) of FILE
med() { awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }
# div A B: A / B
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
# timed OUT COMMAND...: append the wall and CPU (user + system) seconds of COMMAND to OUT
timed() {
	local out=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$W/time" "$@" >/dev/null 2>&1
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$W/time" >>"$out"
}
# scan OUT TAG NPAGES: a scanned PDF, NPAGES pages of letter text marked TAG, pixels only
scan() {
	local out=$1 tag=$2 n=$3 p y
	for p in $(seq "$n"); do
		echo "/Helvetica findfont 12 scalefont setfont"
		for y in $(seq 740 -18 80); do
			echo "60 $y moveto (Letter $tag page $p: the visit on Monday was agreed with the school and the family.) show"
		done
		echo showpage
	done >"$W/src.ps"
	gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -o "$W/src.pdf" "$W/src.ps" 2>/dev/null
	gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfimage8 -r300 -o "$out" "$W/src.pdf" 2>/dev/null
}

echo "# OCR benchmark: $PAGES-page scanned PDF, $RUNS runs; $(nproc) CPUs; load $(cut -d' ' -f1 /proc/loadavg)"
scan "$W/multi.pdf" m "$PAGES"
gs -q -dNOPAUSE -dBATCH -sDEVICE=pnggray -r300 -o "$W/page.png" "$W/src.pdf" -dFirstPage=1 -dLastPage=1 2>/dev/null
"$TOOL" ocr application/pdf "$W/multi.pdf" "$W/words.txt" >/dev/null
echo "# check: OCR read $(wc -w <"$W/words.txt") words from $PAGES pages"
for i in $(seq "$RUNS"); do
	timed "$W/t_ocr" "$TOOL" ocr application/pdf "$W/multi.pdf" "$W/o.txt"
	timed "$W/t_png" "$TOOL" ocr image/png "$W/page.png" "$W/o.txt"
	timed "$W/t_text" "$TOOL" text application/pdf "$W/multi.pdf" "$W/o.txt"
done
T_OCR=$(med "$W/t_ocr" 1) T_PNG=$(med "$W/t_png" 1) T_TEXT=$(med "$W/t_text" 1)
C_OCR=$(med "$W/t_ocr" 2) C_PNG=$(med "$W/t_png" 2)
printf 'ocr_pdf   %s pages: %s s wall, %s s CPU (median): %.2f pages/s wall, %.2f pages per CPU-second\n' \
	"$PAGES" "$T_OCR" "$C_OCR" "$(div $PAGES $T_OCR)" "$(div $PAGES $C_OCR)"
printf 'ocr_png   1 page: %s s wall, %s s CPU (median): %.2f pages/s wall\n' "$T_PNG" "$C_PNG" "$(div 1 $T_PNG)"
printf 'text_pdf  %s s wall median (no text layer found: the baseline); OCR costs %.1fx that\n' "$T_TEXT" \
	"$(div $T_OCR $T_TEXT)"

# ---- filing one scan, with and without OCR ----
"$CV" init "$W/v" --no-passphrase --name "Bench Manager" >/dev/null
export CASEVAULT_DIR=$W/v
C=$("$CV" case open --parent "Alex Example" --child "Sam Example" --child-dob 2015-02-01 --pr-confirmed)
mkdir -p "$W/nodata"
for i in $(seq "$RUNS"); do
	scan "$W/a$i.pdf" "a$i" 1
	scan "$W/b$i.pdf" "b$i" 1
	timed "$W/f_ocr" "$CV" file "$C" "$W/a$i.pdf" --class report --date 2026-03-01 --title "Scan a$i"
	timed "$W/f_none" env TESSDATA_PREFIX="$W/nodata" "$CV" file "$C" "$W/b$i.pdf" --class report --date 2026-03-01 --title "Scan b$i"
done
F_OCR=$(med "$W/f_ocr" 1) F_NONE=$(med "$W/f_none" 1)
echo "# check: search finds $("$CV" search a1 | grep -c '^R-') scan by an OCR'd word; verify: $("$CV" verify | head -1)"
printf 'file_scan with OCR %s s, without %s s (median of %s): ratio %.2f\n' "$F_OCR" "$F_NONE" "$RUNS" \
	"$(div $F_OCR $F_NONE)"
