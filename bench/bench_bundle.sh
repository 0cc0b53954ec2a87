#!/usr/bin/env bash
# casevault disclosure bundle benchmark (issue 5): bundling a case should cost
# little more than decrypting its archives and writing an AES ZIP of the same
# files, and peak memory should not grow with the size of a record.
#
# Builds a vault in a temporary directory under /tmp with one case of
# --records records (default 1,000: half scans of about 400 KB, real JPEGs
# of noise and PDFs wrapping one, half text notes of about 3 KB naming a
# third party, a volunteer and phone numbers), imported from one CSV, plus two
# child-protection notes (withheld: the check fingerprints them).  Every scan
# is given a --release decision (the case names people, so scans need one).
# Then, --runs times each (best and median wall clock):
#   bundle  casevault request bundle REQ -o FILE (AES-256 ZIP, redaction of
#           the notes, the fail-closed check reading the ZIP back)
#   floor   for every archive of the case: unwrap its key (sqlite3, as in
#           docs/recovery.md), gpg --decrypt | tar -x into /dev/shm; then
#           bsdtar (libarchive) writes an AES-256 ZIP of those files (stored,
#           as the bundle stores scans)
# and the ratio bundle / floor (target: at most 1.5).  Peak RSS of the bundle
# (/usr/bin/time -v) is measured on this vault and on a second one holding
# the same bytes in --big records of equal size (default 4: 50 MB each): the
# two must be about the same.  Everything is removed on exit and every
# gpg-agent it started is stopped.
#
# With --before BIN, every run also bundles with that binary (an older
# build, on the same vault, with the same policies), interleaved with the
# other two, and its figures are printed beside them: load changes during a
# run, so a before/after comparison is only fair within one script.
# The load average is printed at the start and the end.
#
# Usage: bench/bench_bundle.sh [--runs N] [--records N] [--scan-kb N] [--big N] [--before BIN]
# Environment: CASEVAULT_BIN (default build/casevault), CASEVAULT_POLICY_DIR.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tests/cli/unwrap.sh
source "$REPO/tests/cli/unwrap.sh"  # the archive key unwrap the floor uses
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
RUNS=3 RECORDS=1000 SCAN_KB=400 BIG=4 BEFORE=

while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--records) RECORDS=$2; shift 2 ;;
	--scan-kb) SCAN_KB=$2; shift 2 ;;
	--big) BIG=$2; shift 2 ;;
	--before) BEFORE=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "bench_bundle.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
for n in "$RUNS" "$RECORDS" "$SCAN_KB" "$BIG"; do
	case $n in ''|*[!0-9]*|0) echo "bench_bundle.sh: options take whole numbers > 0" >&2; exit 2 ;; esac
done
if [ -n "$BEFORE" ] && [ ! -x "$BEFORE" ]; then
	echo "bench_bundle.sh: --before $BEFORE is not an executable" >&2; exit 2
fi
for t in sqlite3 gpg bsdtar /usr/bin/time python3; do
	command -v "$t" >/dev/null || { echo "bench_bundle.sh: needs $t" >&2; exit 2; }
done

W=$(mktemp -d /tmp/cvb.XXXXXX)
SHM=$(mktemp -d /dev/shm/cvb.XXXXXX)
cleanup() {
	for g in "$W"/*/gnupg; do [ -d "$g" ] && gpgconf --homedir "$g" --kill gpg-agent 2>/dev/null; done
	rm -rf "$W" "$SHM"
}
trap cleanup EXIT
export CASEVAULT_TODAY=$(date +%Y-%m-%d)

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# make_vault DIR NSCANS SCANBYTES NNOTES: a vault with one case; prints the request id
make_vault() {
	local dir=$1 nscan=$2 bytes=$3 nnote=$4 i src=$W/src-$(basename "$1")
	mkdir -p "$src"
	"$CV" init "$dir" --no-passphrase --test-clock --name "Bench Manager" >/dev/null
	export CASEVAULT_DIR=$dir
	local c
	c=$("$CV" case open --parent "Alex Example" --child "Sam Example" --child-dob 2015-02-01 --pr-confirmed)
	"$CV" case person add "$c" "Patricia Jones" --kind third-party --phone "07700 900456" >/dev/null
	"$CV" case person add "$c" "Vera Quillfeather" --kind volunteer --email vera.q@example.org >/dev/null
	printf 'case,path,class,section,title,date\n' >"$src/m.csv"
	# real scans (every member is read and cleaned): one noise JPEG of about
	# $bytes, each copy made unique by a JPEG comment; the PDFs wrap it
	local side
	side=$(python3 -c "import math,sys; print(max(16, int(400 * math.sqrt(int(sys.argv[1]) / 114000))))" "$bytes")
	convert -size "${side}x$side" xc: +noise Random -quality 85 "$src/base.jpg"
	python3 - "$src" "$nscan" "$c" <<'PY'
import struct, sys
src, n, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = open(src + "/base.jpg", "rb").read()
def pdf(jpg, w, h):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>" % (w, h),
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % (w, h, len(jpg)) + jpg + b"\nendstream",
            None]
    content = b"q %d 0 0 %d 0 0 cm /Im0 Do Q" % (w, h)
    objs[4] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    out, offs = b"%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
# the image size from the SOF0 marker
i = 2
while base[i + 1] not in (0xc0, 0xc2):
    i += 2 + struct.unpack(">H", base[i + 2:i + 4])[0]
h, w = struct.unpack(">HH", base[i + 5:i + 9])
m = open(src + "/m.csv", "a")
for k in range(1, n + 1):
    tag = b"scan %d" % k
    jpg = base[:2] + b"\xff\xfe" + struct.pack(">H", len(tag) + 2) + tag + base[2:]
    day = "2025-%02d-%02d" % (k % 12 + 1, k % 28 + 1)
    if k % 2:
        open("%s/s%d.jpg" % (src, k), "wb").write(jpg)
        m.write("%s,s%d.jpg,letter,case,Scan %d,%s\n" % (case, k, k, day))
    else:
        open("%s/s%d.pdf" % (src, k), "wb").write(pdf(jpg, w, h))
        m.write("%s,s%d.pdf,report,case,Report %d,%s\n" % (case, k, k, day))
PY
	for ((i = 1; i <= nnote; i++)); do
		python3 - "$src/n$i.txt" "$i" <<'PY'
import sys
n = int(sys.argv[2])
lines = ["Phone call %d with Alex Example about Sam's review." % n,
         "Patricia Jones (neighbour) rang on 07700 900456; Vera from the volunteers will call back.",
         "The SENCO agreed to send the EP report by Friday. NHS 943 476 %04d." % (n % 10000)]
body = "\n".join(lines) + "\n"
filler = "Notes of the discussion continue with the plan for the next term and the support agreed. "
open(sys.argv[1], "w").write(body + filler * 32 + "\n")
PY
		printf '%s,n%d.txt,case-note,case,Note %d,2025-%02d-%02d\n' "$c" "$i" "$i" $((i % 12 + 1)) $((i % 28 + 1)) >>"$src/m.csv"
	done
	"$CV" import "$src/m.csv" >/dev/null
	rm -rf "$src"
	"$CV" note "$c" --class cp-note --cp --title "Referral" --text "Child protection concern recorded at length so that it is fingerprinted by the bundle check, number one." >/dev/null
	"$CV" note "$c" --class cp-note --cp --title "Strategy" --text "Strategy discussion held with the local authority designated officer and police, notes kept here." >/dev/null
	local r
	r=$("$CV" --json request open "$c" --requester "Alex Example" --relationship client --received "$CASEVAULT_TODAY" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])')
	"$CV" --json request show "$r" | python3 -c '
import json,sys
for x in json.load(sys.stdin)["request"]["records"]:
    # a PDF of a scan has no words: automatic redaction cannot see it, so it is decided too
    if x["decision"] == "needs-decision" or x["mime"] == "application/pdf": print(x["record"])' >"$W/needs"
	while read -r rec; do
		"$CV" request decide "$r" "$rec" --release --reason "scan checked: nothing about others" >/dev/null
	done <"$W/needs"
	echo "$r"
}

# floor DIR OUT: decrypt every archive of the vault into /dev/shm, then bsdtar an AES ZIP of the files
floor() {
	local dir=$1 out=$2 db=$1/vault.db slip key sk ck ak f comp
	rm -rf "${SHM:?}"/* "$out"
	slip=$(sqlite3 -readonly "$db" "SELECT slip FROM keyslips WHERE staff_id = 'S-0001' ORDER BY generation DESC LIMIT 1")
	key=$(printf '%s\n' "$slip" | GNUPGHOME=$dir/gnupg gpg --batch --quiet --decrypt 2>/dev/null)
	sk=$(printf '%s\n' "$key" | sed -n 's/^case //p')
	ck=$(printf '%s\n' "$key" | sed -n 's/^cp //p')
	while IFS='|' read -r f comp sec; do
		local s=$sk
		[ "$sec" = cp ] && s=$ck
		ak=$(unwrap_key "$s" "$db" "$f")
		printf '%s\n' "$ak" | GNUPGHOME=$dir/gnupg gpg --batch --quiet --pinentry-mode loopback --passphrase-fd 0 \
			--decrypt "$dir/archives/$f" | tar $([ "$comp" = zstd ] && echo --zstd) -x -C "$SHM" -f -
	done < <(sqlite3 -readonly "$db" "SELECT file, compression, section FROM archives")
	rm -f "$SHM/manifest.json"
	bsdtar --format zip --options zip:encryption=aes256,zip:compression=store --passphrase "bench-floor-passphrase" \
		-cf "$out" -C "$SHM" .
}

echo "building: $RECORDS records ($((RECORDS / 2)) scans of $SCAN_KB KB, $((RECORDS - RECORDS / 2)) notes) ..." >&2
t0=$(now)
REQ=$(make_vault "$W/v" $((RECORDS / 2)) $((SCAN_KB * 1024)) $((RECORDS - RECORDS / 2)))
t1=$(now)
BYTES=$(sqlite3 -readonly "$W/v/vault.db" "SELECT sum(size) FROM records")
echo "built in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s: $(sqlite3 -readonly "$W/v/vault.db" "SELECT count(*) FROM records") records, $((BYTES / 1048576)) MB, $(sqlite3 -readonly "$W/v/vault.db" "SELECT count(*) FROM archives") archives" >&2

wall() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$1"; }
cpu() { awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$1"; }
# bundle BIN OUT: one timed bundle of the small vault; its wall seconds (its CPU seconds, gpg's
# included, appended to $W/cpu-NAME of the binary)
bundle() {
	rm -f "$2"
	/usr/bin/time -v -o "$W/time" "$1" -C "$W/v" request bundle "$REQ" -o "$2" --show-passphrase >"$W/out"
	cpu "$W/time" >>"$W/cpu-$(basename "$2")"
	wall "$W/time"
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
bt=() ft=() ot=()
for ((run = 1; run <= RUNS; run++)); do
	if [ -n "$BEFORE" ]; then
		ot+=("$(bundle "$BEFORE" "$W/o.zip")")
		RSS_BEFORE=$(awk -F': ' '/Maximum resident/ {print $2}' "$W/time")
	fi
	bt+=("$(bundle "$CV" "$W/b.zip")")
	RSS_SMALL=$(awk -F': ' '/Maximum resident/ {print $2}' "$W/time")
	s=$(now); floor "$W/v" "$W/f.zip"; e=$(now)
	ft+=("$(echo "$e - $s" | bc)")
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
BSIZE=$(stat -c %s "$W/b.zip") FSIZE=$(stat -c %s "$W/f.zip")
bbest=$(printf '%s\n' "${bt[@]}" | sort -g | head -1); bmed=$(printf '%s\n' "${bt[@]}" | median)
fbest=$(printf '%s\n' "${ft[@]}" | sort -g | head -1); fmed=$(printf '%s\n' "${ft[@]}" | median)

echo "building: $BIG records of $((BYTES / BIG / 1048576)) MB for the memory comparison ..." >&2
REQ2=$(make_vault "$W/big" "$BIG" $((BYTES / BIG)) 0)
/usr/bin/time -v -o "$W/time2" "$CV" -C "$W/big" request bundle "$REQ2" -o "$W/b2.zip" --show-passphrase >/dev/null
RSS_BIG=$(awk -F': ' '/Maximum resident/ {print $2}' "$W/time2")
BIGT=$(wall "$W/time2")

printf '\ncasevault request bundle, %d records, %d MB (%d CPU cores), %d runs\n' "$RECORDS" $((BYTES / 1048576)) "$(nproc)" "$RUNS"
printf '  %-44s best %6.2f s   median %6.2f s   (%d MB written)\n' "bundle (AES ZIP + redaction + check)" "$bbest" "$bmed" $((BSIZE / 1048576))
printf '  %-44s best %6.2f s   median %6.2f s   (%d MB written)\n' "floor (gpg | tar to /dev/shm, bsdtar AES ZIP)" "$fbest" "$fmed" $((FSIZE / 1048576))
printf '  ratio bundle/floor: best %.2f, median %.2f (target <= 1.5)\n' "$(echo "$bbest / $fbest" | bc -l)" "$(echo "$bmed / $fmed" | bc -l)"
printf '  bundle CPU (user + system, gpg included): median %.2f s\n' "$(median <"$W/cpu-b.zip")"
if [ -n "$BEFORE" ]; then
	obest=$(printf '%s\n' "${ot[@]}" | sort -g | head -1); omed=$(printf '%s\n' "${ot[@]}" | median)
	printf '  %-44s best %6.2f s   median %6.2f s   ratio best %.2f, median %.2f; peak RSS %d MB; CPU median %.2f s\n' \
		"before ($BEFORE)" "$obest" "$omed" "$(echo "$obest / $fbest" | bc -l)" "$(echo "$omed / $fmed" | bc -l)" $((RSS_BEFORE / 1024)) \
		"$(median <"$W/cpu-o.zip")"
fi
printf '  load average (1, 5, 15 min): %s at the start of the runs, %s at the end\n' "$LOAD0" "$LOAD1"
printf '  peak RSS: %d records of ~%d KB: %d MB;  %d records of %d MB: %d MB (bundle %.2f s)\n' \
	"$RECORDS" $((BYTES / RECORDS / 1024)) $((RSS_SMALL / 1024)) "$BIG" $((BYTES / BIG / 1048576)) $((RSS_BIG / 1024)) "$BIGT"
