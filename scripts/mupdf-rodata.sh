#!/bin/sh
# Copy MuPDF's static library with its built-in fonts made read-only.
# Debian builds libmupdf.a with each font embedded by "ld -r -b binary",
# which puts the font bytes in a writable .data section: 40 MB of writable
# data in every casevault process, which LeakSanitizer scans at every exit
# (docs/architecture.md, "Module map", formats/pdf.c). MuPDF only reads
# them (its noto.c declares them const), so they belong in .rodata.
# Usage: mupdf-rodata.sh OBJCOPY AR NM SOURCE.a DEST.a
set -eu
objcopy=$1 ar=$2 nm=$3 src=$4
dest=$(cd "$(dirname "$5")" && pwd)/$(basename "$5")
work=$dest.d
rm -rf "$work" && mkdir -p "$work"
cp "$src" "$work/lib.a"
# The font members are those that define a _binary_*_start symbol.
members=$("$nm" -A --defined-only "$work/lib.a" 2>/dev/null |
	sed -n 's/^[^:]*:\([^:]*\):.* _binary_.*_start$/\1/p' | sort -u)
[ -n "$members" ] || { echo "mupdf-rodata: no embedded fonts in $src" >&2; exit 1; }
cd "$work"
# shellcheck disable=SC2086
"$ar" x lib.a $members
for m in $members; do
	"$objcopy" --rename-section .data=.rodata,alloc,load,readonly,data,contents "$m"
done
# shellcheck disable=SC2086
"$ar" r lib.a $members
"$ar" s lib.a
mv lib.a "$dest"
cd / && rm -rf "$work"
