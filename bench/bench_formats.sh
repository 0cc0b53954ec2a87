#!/bin/bash
# Times the formats layer (vault/formats/) on a 50-page born-digital PDF:
# text extraction, metadata removal, the metadata check and redaction of a
# name, beside stock tools doing the nearest thing (pdftotext, mutool clean);
# the web preview of its first page, and of its words as a text and a DOCX.
#   cmake -S . -B build && cmake --build build -j2
#   bench/bench_formats.sh [--runs N] [--pages N]
# Needs python3, mutool, pdftotext, gcc, pkg-config.  Report on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CV_BUILD_DIR:-$root/build}
runs=5 pages=50
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--pages) pages=$2; shift 2 ;;
	*) echo "usage: $0 [--runs N] [--pages N]" >&2; exit 2 ;;
	esac
done
tmp=$(mktemp -d /tmp/cvf.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "building the driver" >&2
# shellcheck disable=SC2046
gcc -O2 -I "$root/vault" -I "$root/vault/include" "$root/bench/bench_formats.c" -o "$tmp/bench" \
	"$build/libcasevault.a" $(pkg-config --libs libxml-2.0 gmime-3.0 gexiv2 libarchive) \
	-lmupdf -lmupdf-third -lmujs -lgumbo -lopenjp2 -ljbig2dec -ljpeg -lz -lm -lfreetype -lharfbuzz -lmagic

echo "making a $pages-page PDF" >&2
python3 - "$tmp/raw.pdf" "$pages" <<'PY'
import sys
pages = int(sys.argv[2])
words = "the visit went well and the family asked about the school report again".split()
objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: b"<< /Title (Case notes) /Author (A. Caseworker) >>"}
kids, n = [], 5
for p in range(pages):
    lines = []
    for l in range(45):
        w = [words[(p * 7 + l * 3 + k) % len(words)] for k in range(12)]
        if l % 9 == 0:
            w[4:6] = ["Jane", "Doe"]
        lines.append(" ".join(w))
    body = b"BT /F1 11 Tf 50 760 Td 15 TL\n" + b"".join(b"(" + x.encode() + b") '\n" for x in lines) + b"ET"
    objs[n + 1] = b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"
    objs[n] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (n + 1)
    kids.append(n)
    n += 2
objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
out = b"%PDF-1.7\n" + b"".join(b"%d 0 obj\n" % k + objs[k] + b"\nendobj\n" for k in sorted(objs))
out += b"trailer\n<< /Root 1 0 R /Info 4 0 R /Size %d >>\n%%%%EOF\n" % n
open(sys.argv[1], "wb").write(out)
PY
mutool clean -z "$tmp/raw.pdf" "$tmp/doc.pdf" 2>/dev/null
size=$(stat -c %s "$tmp/doc.pdf")

# best and median wall time (ms) of a shell command over $runs runs
stock() {
	local i s e t=()
	for ((i = 0; i < runs; i++)); do
		s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
		t+=($(((e - s) / 100000)))
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f %.1f\n", a[1]/10, a[int(NR/2)+1]/10}'
}

echo "# formats layer, $pages-page PDF ($size bytes), $runs runs; best and median ms"
printf '%-34s %8s %8s\n' "operation" best median
for op in text clean check; do
	read -r best med _ < <("$tmp/bench" "$op" application/pdf "$tmp/doc.pdf" "$runs")
	printf '%-34s %8s %8s\n' "cv_fmt_$op" "$best" "$med"
done
read -r best med _ < <("$tmp/bench" redact application/pdf "$tmp/doc.pdf" "$runs" "Jane Doe")
printf '%-34s %8s %8s\n' "cv_fmt_redact (1 term, $((pages * 5)) hits)" "$best" "$med"
read -r best med < <(stock pdftotext "$tmp/doc.pdf" -)
printf '%-34s %8s %8s\n' "pdftotext (poppler)" "$best" "$med"
read -r best med < <(stock mutool clean -gg "$tmp/doc.pdf" "$tmp/out.pdf")
printf '%-34s %8s %8s\n' "mutool clean -gg" "$best" "$med"
# the web's preview (docs/web.md, Previews): the first page as a PNG 1200 px wide, beside mutool draw
# doing the same (its process start included, as every stock line here)
read -r pbest pmed pbytes < <("$tmp/bench" preview application/pdf "$tmp/doc.pdf" "$runs")
printf '%-34s %8s %8s\n' "cv_fmt_preview (page 1, $pbytes B)" "$pbest" "$pmed"
read -r best med < <(stock mutool draw -q -w 1200 -F png -o "$tmp/out.png" "$tmp/doc.pdf" 1)
printf '%-34s %8s %8s\n' "mutool draw -w 1200 -F png (page 1)" "$best" "$med"
awk -v a="$pmed" -v b="$med" 'BEGIN { if (b > 0) printf "preview / mutool draw (medians): %.2f\n", a / b }'
# a text's preview (docs/web.md, Previews): the PDF's words as a text file, drawn as a page of words
# (at most 64 KB of it read, 60 lines drawn), and the same words as a DOCX (its text read whole first)
pdftotext -layout "$tmp/doc.pdf" "$tmp/doc.txt"
python3 - "$tmp/doc.txt" "$tmp/doc.docx" <<'PY'
import sys, zipfile
from xml.sax.saxutils import escape
paras = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % escape(l) for l in open(sys.argv[1]).read().splitlines())
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>")
    z.writestr("word/document.xml", "<?xml version='1.0'?><w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'><w:body>%s</w:body></w:document>" % paras)
PY
read -r best med bytes < <("$tmp/bench" preview text/plain "$tmp/doc.txt" "$runs")
printf '%-34s %8s %8s\n' "cv_fmt_preview (text, $(stat -c %s "$tmp/doc.txt") B: $bytes B)" "$best" "$med"
read -r best med bytes < <("$tmp/bench" preview \
	application/vnd.openxmlformats-officedocument.wordprocessingml.document "$tmp/doc.docx" "$runs")
printf '%-34s %8s %8s\n' "cv_fmt_preview (DOCX, $(stat -c %s "$tmp/doc.docx") B: $bytes B)" "$best" "$med"
