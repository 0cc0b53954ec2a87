#!/usr/bin/env bash
# casevault import benchmark: see bench/README.md.
#
# Makes a corpus (2,000 text notes of about 2 KB and 200 incompressible
# scanned PDFs and images, about 50 MB, over 100 cases) in a temporary
# directory under /tmp, files it with `casevault import`, and times the same
# files through restic, one tar|zstd|gpg --symmetric pipeline per case, one
# tar|zstd|gpg --encrypt pipeline over everything (the data floor) and one
# gpg --encrypt per note.  Then it measures peak memory when filing a 200 MB
# document and counts the gpg processes and secret-key operations of
# `casevault import`, `ls` and `get`.  Everything lives in the temporary
# directory; every gpg-agent it started is stopped and the directory removed
# on exit.
#
# Usage: bench/bench_import.sh [--runs N] [--cases N] [--big-mb N] [--old BIN]
#   --runs N    time every contender N times, interleaved; report the best
#               and the median (default 3)
#   --cases N   number of cases (default 100; 20 notes and 2 scans per case)
#   --big-mb N  size of the large document in the memory test (default 200)
#   --old BIN   also time an older casevault build, alternating old and new
#               import in every round (which goes first alternates too), and
#               report new/old of the medians and bests, wall and CPU (the
#               CPU seconds of each import's process tree and its vault's
#               gpg-agent, bench/treecpu.c: the fairer figure on a shared
#               machine).  BIN runs with the policies of its own tree
#               (BIN/../../policies unless CASEVAULT_OLD_POLICY_DIR is set).
# Environment: CASEVAULT_BIN (default build/casevault), CASEVAULT_POLICY_DIR
# (default policies/).
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CV=${CASEVAULT_BIN:-$REPO/build/casevault}
export CASEVAULT_POLICY_DIR=${CASEVAULT_POLICY_DIR:-$REPO/policies}
RUNS=3
CASES=100
NOTES_PER_CASE=20
SCANS_PER_CASE=2
BIG_MB=200
SMALL_MB=2
OLD=

usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; }
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--cases) CASES=$2; shift 2 ;;
	--big-mb) BIG_MB=$2; shift 2 ;;
	--old) OLD=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench_import.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
case "$RUNS$CASES$BIG_MB" in *[!0-9]*) echo "bench_import.sh: --runs, --cases and --big-mb take whole numbers" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] && [ "$CASES" -ge 1 ] && [ "$CASES" -le 999 ] || { echo "bench_import.sh: need --runs >= 1 and 1 <= --cases <= 999" >&2; exit 2; }

missing=
for t in gpg gpgconf restic zstd tar convert gs strace awk sha256sum; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/time ] || missing="$missing time"
if [ -n "$missing" ]; then
	echo "bench_import.sh: missing:$missing" >&2
	echo "  apt-get install -y restic zstd gnupg imagemagick ghostscript time strace" >&2
	exit 2
fi
if [ ! -x "$CV" ]; then
	echo "bench_import.sh: no casevault binary at $CV; build it first:" >&2
	echo "  cmake -S $REPO -B $REPO/build && cmake --build $REPO/build -j2" >&2
	exit 2
fi
if [ -n "$OLD" ]; then
	[ -x "$OLD" ] || { echo "bench_import.sh: --old $OLD is not an executable casevault build" >&2; exit 2; }
	OLD_POL=${CASEVAULT_OLD_POLICY_DIR:-$(cd "$(dirname "$OLD")/../policies" 2>/dev/null && pwd || true)}
	[ -d "$OLD_POL" ] || { echo "bench_import.sh: no policies for $OLD; set CASEVAULT_OLD_POLICY_DIR" >&2; exit 2; }
fi
VIEWJPEG=$(ls /usr/share/ghostscript/*/lib/viewjpeg.ps 2>/dev/null | head -n 1 || true)
[ -n "$VIEWJPEG" ] || { echo "bench_import.sh: ghostscript's viewjpeg.ps not found" >&2; exit 2; }

NOTES=$((CASES * NOTES_PER_CASE))
SCANS=$((CASES * SCANS_PER_CASE))

# ---------------------------------------------------------------------------
# Work directory (short path: gpg-agent sockets live under each GNUPGHOME)
# and the cleanup that leaves nothing behind.

W=$(mktemp -d /tmp/cvb.XXXXXX)
chmod 700 "$W"
cc -O2 -o "$W/treecpu" "$REPO/bench/treecpu.c"

# pids of live processes whose command line mentions the work directory
mine() {
	local f p cmd
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
		case $cmd in *"$W/"*) echo "$p" ;; esac
	done
}

cleanup() {
	local rc=$? h i left
	set +e
	trap - EXIT INT TERM
	for h in "$W"/*/gnupg "$W"/g; do
		[ -d "$h" ] && gpgconf --homedir "$h" --kill all >/dev/null 2>&1
	done
	for i in $(seq 30); do
		left=$(mine)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		echo "bench_import.sh: stopping leftover processes $left" >&2
		kill $left 2>/dev/null
		sleep 0.2
	fi
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
step() { printf '... %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------
# Machine.

CPU=$(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo)
say "casevault import benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: nproc $(nproc), CPU ${CPU:-unknown}, $(awk '/MemTotal/{printf "%.1f GB RAM", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "casevault repository at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- vault cli 2>/dev/null || echo ' (uncommitted changes in vault/ or cli/)'); binary $CV"
say "$(gpg --version | head -n 1), $(restic version | cut -d' ' -f1-2), zstd $(zstd -V | sed 's/.* v\([0-9.]*\),.*/\1/'), $(tar --version | head -n 1)"
say "runs per contender: $RUNS, interleaved (best and median reported)"
[ -z "$OLD" ] || say "old build: $OLD (policies $OLD_POL), alternating with the new one in every round"
say

# ---------------------------------------------------------------------------
# Corpus: $W/d/cNNN/nKK.txt (notes) and $W/d/cNNN/sK.{pdf,jpg,png,tif}.

step "making the corpus ($NOTES notes, $SCANS scans, $CASES cases)"
mkdir -p "$W/d" "$W/o"
for c in $(seq "$CASES"); do mkdir "$W/d/$(printf 'c%03d' "$c")"; done

# Notes: English-like case-note text, each one different, 1.8-2.3 KB.
awk -v cases="$CASES" -v per="$NOTES_PER_CASE" -v dir="$W/d" -f "$REPO/bench/gen_notes.awk"

# Scans: incompressible noise ("photos" are plasma plus Gaussian noise) in
# four formats, 60-400 KB each (about 230 KB on average), each one unique.
# PDFs are a noise JPEG wrapped by ghostscript (JPEG passed through, the way
# scanners write them); ImageMagick's PDF writer is disabled by Debian's
# security policy.
gen_scan() {
	local out=$1 type=$2 bytes=$3 seed=$4 bpp w h
	case $type in
	jpg) bpp=0.27 ;;
	pdf) bpp=0.63 ;;
	*) bpp=1.0 ;;
	esac
	read -r w h < <(awk -v b="$bytes" -v p="$bpp" 'BEGIN { px = b / p; w = int(sqrt(px * 0.75)); print w, int(px / w) }')
	case $type in
	jpg) convert -seed "$seed" -size "${w}x$h" plasma: -attenuate 0.6 +noise Gaussian -quality 85 "$out" ;;
	png) convert -seed "$seed" -size "${w}x$h" xc:gray50 -attenuate 1 +noise Random -colorspace Gray -depth 8 "$out" ;;
	tif) convert -seed "$seed" -size "${w}x$h" xc:gray50 -attenuate 1 +noise Random -colorspace Gray -depth 8 -compress none "$out" ;;
	pdf)
		convert -seed "$seed" -size "${w}x$h" xc:gray50 -attenuate 1 +noise Random -colorspace Gray -depth 8 -quality 85 "$out.jpg"
		gs -q -dNOPAUSE -dBATCH -dSAFER --permit-file-read="$(dirname "$out")/" -sDEVICE=pdfwrite -o "$out" "$VIEWJPEG" \
			-c "($out.jpg) << /PageSize [$w $h] >> setpagedevice viewJPEG showpage"
		rm -f "$out.jpg"
		;;
	esac
}
export -f gen_scan
export VIEWJPEG
awk -v cases="$CASES" -v per="$SCANS_PER_CASE" -v dir="$W/d" 'BEGIN {
	srand(4242)
	split("pdf jpg png tif", t, " ")
	i = 0
	for (c = 1; c <= cases; c++)
		for (k = 1; k <= per; k++) {
			ty = t[1 + i % 4]
			printf "%s/c%03d/s%d.%s %s %d %d\n", dir, c, k, ty, ty, 60000 + int(rand() * 340000), 1000 + i
			i++
		}
}' | xargs -P "$(nproc)" -n 4 bash -c 'gen_scan "$@"' _

DOCS=$((NOTES + SCANS))
BYTES=$(find "$W/d" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
NOTE_BYTES=$(find "$W/d" -type f -name 'n*.txt' -printf '%s\n' | awk '{ s += $1 } END { print s }')
nfiles=$(find "$W/d" -type f | wc -l)
[ "$nfiles" -eq "$DOCS" ] || { echo "bench_import.sh: made $nfiles files, expected $DOCS" >&2; exit 1; }
dups=$(find "$W/d" -type f -exec sha256sum {} + | awk '{ print $1 }' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || { echo "bench_import.sh: the corpus has $dups duplicate files (restic would deduplicate them)" >&2; exit 1; }
zbytes=$(tar -cf - -C "$W" d | zstd -1 -q -c | wc -c)
say "corpus: $DOCS documents ($NOTES notes, $SCANS scans: $(find "$W/d" -name '*.pdf' | wc -l) PDF, $(find "$W/d" -name '*.jpg' | wc -l) JPEG, $(find "$W/d" -name '*.png' | wc -l) PNG, $(find "$W/d" -name '*.tif' | wc -l) TIFF) in $CASES cases"
say "        $(awk -v b="$BYTES" -v n="$NOTE_BYTES" -v z="$zbytes" 'BEGIN { printf "%.1f MB (notes %.1f MB, scans %.1f MB); tar | zstd -1 gives %.1f MB (%.0f%%)", b / 1e6, n / 1e6, (b - n) / 1e6, z / 1e6, 100 * z / b }'); all files unique"
say

# ---------------------------------------------------------------------------
# Vaults.  make_vault NAME KIND writes $W/NAME (a fresh vault with $CASES
# cases) and $W/NAME.csv, whose rows are all documents (KIND=all) or only the
# notes (KIND=notes).  Case ids come from `casevault case open`.

make_vault() { # NAME KIND [BIN]: BIN (default $CV) makes the vault
	local name=$1 kind=$2 v=$W/$1 c id k m bin=${3:-$CV}
	local classes_n=(case-note phone-call meeting-note) classes_s=(letter report school-report correspondence)
	"$bin" init "$v" --no-passphrase --name "Bench Manager" >/dev/null
	{
		echo "case,path,class,section,title,date"
		for c in $(seq "$CASES"); do
			id=$(CASEVAULT_DIR=$v "$bin" case open --parent "Parent $c" --child "Child $c" --child-dob 2014-01-02 --pr-confirmed)
			for k in $(seq "$NOTES_PER_CASE"); do
				m=$(( (c + k) % 12 + 1 ))
				printf '%s,d/c%03d/n%02d.txt,%s,case,Note %d,2025-%02d-%02d\n' "$id" "$c" "$k" "${classes_n[k % 3]}" "$k" "$m" $(( (c * k) % 28 + 1 ))
			done
			[ "$kind" = notes ] && continue
			for f in "$W/d/$(printf 'c%03d' "$c")"/s*; do
				k=${f##*/s}
				k=${k%%.*}
				printf '%s,d/c%03d/%s,%s,case,Scan %d,2025-%02d-%02d\n' "$id" "$c" "${f##*/}" "${classes_s[(c + k) % 4]}" "$k" $(( c % 12 + 1 )) $(( k + 1 ))
			done
		done
	} >"$W/$name.csv"
}

# ---------------------------------------------------------------------------
# Timing: wall clock, plus machine-wide busy CPU from /proc/stat (it counts
# gpg, gpg-agent and restic's threads, and anything else running).

busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
T=0 C=0
timed() {
	local t0 t1 b0 b1
	b0=$(busy)
	t0=$EPOCHREALTIME
	"$@"
	t1=$EPOCHREALTIME
	b1=$(busy)
	T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	C=$(awk -v a="$b0" -v b="$b1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }')
}

# --- casevault import, into a fresh vault each time ---
# cv_import VAULT BIN: T and C as timed sets them, but C is the CPU of the
# import's own process tree (treecpu) plus its vault's gpg-agent, which other
# work on the machine does not inflate.
cv_import() {
	local v=$W/$1 p a0 a1 cpu wall
	p=$(pgrep -f "^gpg-agent --homedir $v/gnupg " | head -n 1 || true)
	a0=$([ -n "$p" ] && awk '{ print $14 + $15 }' "/proc/$p/stat" || echo 0)
	CASEVAULT_DIR=$v "$W/treecpu" "$2" import "$v.csv" >"$v.out" 2>&1 || { cat "$v.out" >&2; return 1; }
	a1=$([ -n "$p" ] && awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo "$a0")
	read -r _ cpu wall < <(grep '^treecpu ' "$v.out")
	T=$(awk -v w="$wall" 'BEGIN { printf "%.3f", w }')
	C=$(awk -v c="$cpu" -v a="$((a1 - a0))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", c + a / hz }')
}

# --- baselines, with a throwaway GNUPGHOME and an unprotected key ---
G=$W/g
mkdir -m 700 "$G"
PASS=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
gpg --homedir "$G" --batch --quiet --passphrase '' --quick-gen-key 'Bench <bench@casevault.invalid>' future-default default never 2>/dev/null
FPR=$(gpg --homedir "$G" --batch --quiet --with-colons --list-keys bench@casevault.invalid 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')
# symmetric like the vault's archives: salted (not iterated) S2K over a
# random 256-bit key, AES-256, no compression, nothing cached in gpg-agent
GPG_SYM=(gpg --homedir "$G" --batch --yes --quiet -z 0 --symmetric --cipher-algo AES256 --s2k-mode 1
	--s2k-digest-algo SHA256 --s2k-cipher-algo AES256 --no-symkey-cache --pinentry-mode loopback --passphrase "$PASS")
GPG_ENC=(gpg --homedir "$G" --batch --yes --quiet --encrypt --recipient "$FPR")
NEW_POL=$CASEVAULT_POLICY_DIR
export RESTIC_PASSWORD=$PASS RESTIC_CACHE_DIR=$W/rc GNUPGHOME=$G

run_restic() {
	restic -r "$W/rr" backup -q --host bench "$W/d" >/dev/null
}
run_percase() {
	local d
	for d in "$W"/d/c*; do
		tar -cf - -C "$W/d" "${d##*/}" | zstd -1 -q -c | "${GPG_SYM[@]}" -o "$W/o/${d##*/}.tar.zst.gpg"
	done
}
run_single() {
	tar -cf - -C "$W" d | zstd -1 -q -c | "${GPG_ENC[@]}" -z 0 -o "$W/o/all.tar.zst.gpg"
}
run_pernote() {
	local f n
	for f in "$W"/d/c*/n*.txt; do
		n=${f#"$W"/d/}
		"${GPG_ENC[@]}" -o "$W/o/${n%%/*}-${n##*/}.gpg" "$f"
	done
}

# one_run KEY ROUND: one timed run of a contender (setup untimed); appends
# "wall:cpu" to RES[KEY].
KEYS=(cv restic percase single pernote cvnotes)
declare -A RES NDOCS NBYTES NGPG BEST MED CPUS CMED
NDOCS=([cv]=$DOCS [restic]=$DOCS [percase]=$DOCS [single]=$DOCS [pernote]=$NOTES [cvnotes]=$NOTES [old]=$DOCS [oldnotes]=$NOTES)
NBYTES=([cv]=$BYTES [restic]=$BYTES [percase]=$BYTES [single]=$BYTES [pernote]=$NOTE_BYTES [cvnotes]=$NOTE_BYTES [old]=$BYTES [oldnotes]=$NOTE_BYTES)
NGPG=([cv]=- [restic]=0 [percase]=$CASES [single]=1 [pernote]=$NOTES [cvnotes]=- [old]=- [oldnotes]=-)
one_run() {
	local key=$1 r=$2 v
	rm -rf "$W/o" "$W/rr" "$W/rc"
	mkdir "$W/o"
	case $key in
	cv|cvnotes|old|oldnotes)
		v=v$key$r
		bin=$CV
		case $key in old*) bin=$OLD; export CASEVAULT_POLICY_DIR=$OLD_POL ;; esac
		step "round $r, $key: setting up a vault with $CASES cases"
		make_vault "$v" "$(case $key in *notes) echo notes ;; *) echo all ;; esac)" "$bin"
		step "round $r, $key: casevault import"
		cv_import "$v" "$bin"
		export CASEVAULT_POLICY_DIR=$NEW_POL
		grep -q "imported ${NDOCS[$key]} of ${NDOCS[$key]} documents" "$W/$v.out" \
			|| { echo "bench_import.sh: the import did not file every document:" >&2; tail -n 5 "$W/$v.out" >&2; exit 1; }
		gpgconf --homedir "$W/$v/gnupg" --kill all >/dev/null 2>&1 || true
		rm -rf "${W:?}/$v"
		;;
	restic)
		restic init -q -r "$W/rr" >/dev/null
		step "round $r, $key"
		timed run_restic
		;;
	*)
		step "round $r, $key"
		timed "run_$key"
		;;
	esac
	RES[$key]="${RES[$key]:-} $T:$C"
}

# Rounds interleave the contenders, so that load from other processes on
# the machine spreads over all of them; the best (least disturbed) run is
# the headline figure, the median is shown beside it.
# With --old, each casevault import is paired with the old build's right
# after or before it (the order alternates by round).
round_keys() { # ROUND
	local k
	for k in "${KEYS[@]}"; do
		case $k in
		cv|cvnotes)
			if [ -z "$OLD" ]; then echo "$k"
			elif [ $(($1 % 2)) -eq 1 ]; then echo "$k" "old${k#cv}"
			else echo "old${k#cv}" "$k"
			fi ;;
		*) echo "$k" ;;
		esac
	done
}
ALLKEYS=($(round_keys 1))
for r in $(seq "$RUNS"); do
	line=
	for k in $(round_keys "$r"); do
		one_run "$k" "$r"
		line="$line $k $T s,"
	done
	say "round $r:${line%,}"
done
rm -rf "$W/o" "$W/rr" "$W/rc"
med() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for k in "${ALLKEYS[@]}"; do
	read -r BEST[$k] CPUS[$k] MED[$k] < <(printf '%s\n' ${RES[$k]} | sort -t: -k1,1g | awk -F: '
		{ w[NR] = $1; c[NR] = $2 }
		END { printf "%s %s %s\n", w[1], c[1], NR % 2 ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2 }')
	CMED[$k]=$(printf '%s\n' ${RES[$k]} | cut -d: -f2 | med)
done
say

# ---------------------------------------------------------------------------
# gpg processes and secret-key operations (strace -ff: one log per process,
# so no line is split), on a fresh vault with the same corpus.
#
# gpg processes: successful execve of gpg, by gpg command (GPGME runs one
# process per operation, and `gpg --version` whenever a context's engine is
# set).  Secret-key operations: PKSIGN and PKDECRYPT requests that gpg sends
# to gpg-agent; each needs the staff key unlocked (with a passphrase on the
# key, gpg-agent asks once and caches it).  GET_PASSPHRASE: symmetric keys
# (archive and wrapping keys) passed through loopback pinentry; no secret
# key is involved.

step "counting gpg processes (strace)"
make_vault vs all
VS=$W/vs
CASE1=$(awk -F, 'NR == 2 { print $1 }' "$W/vs.csv")
straced() { # label command...
	local label=$1 t
	shift
	rm -rf "$W/st"
	mkdir "$W/st"
	CASEVAULT_DIR=$VS strace -ff -qq -s 64 -e trace=execve,write,sendmsg,sendto -e signal=none -o "$W/st/p" "$@" >"$W/strace.out" 2>&1 \
		|| { echo "bench_import.sh: $label failed under strace:" >&2; tail -n 5 "$W/strace.out" >&2; exit 1; }
	awk -v label="$label" -v gpgfile="$W/lastgpg" '
		/^execve\(/ && / = 0$/ {
			match($0, /^execve\("[^"]*"/)
			p = substr($0, 9, RLENGTH - 9)
			sub(/.*\//, "", p)
			exe[p]++
			if (p == "gpg") {
				op = "other"
				n = split($0, a, "\"")
				for (i = 2; i <= n; i += 2)
					if (a[i] ~ /^--(version|symmetric|encrypt|decrypt|sign|detach-sign|clear-sign|verify|list-keys|list-secret-keys|import|export|quick-gen-key|quick-add-key|gen-key|list-config|gpgconf-list)$/) { op = substr(a[i], 3); break }
				ops[op]++
			}
		}
		/^(write|send[a-z]*)\([0-9]+, *(\{[^"]*)?"PKSIGN/ { pksign++ }
		/^(write|send[a-z]*)\([0-9]+, *(\{[^"]*)?"PKDECRYPT/ { pkdec++ }
		/^(write|send[a-z]*)\([0-9]+, *(\{[^"]*)?"GET_PASSPHRASE/ { getpass++ }
		END {
			for (p in exe) if (p != "gpg" && p != "casevault" && p != "casevault-helper") { helpers += exe[p]; hl = hl (hl == "" ? "" : ", ") p " " exe[p] }
			for (o in ops) gl = gl (gl == "" ? "" : ", ") ops[o] " " o
			printf "  %-36s %5d %7d %6d %9d %9d\n", label, exe["gpg"], helpers, pksign, pkdec, getpass
			printf "  %-36s       gpg: %s; other GnuPG programs: %s; casevault-helper: %d\n", "", gl, hl == "" ? "none" : hl, exe["casevault-helper"]
			print exe["gpg"] + 0 > gpgfile
		}' "$W"/st/p.* >>"$W/counts.txt"
	rm -rf "$W/st"
}
: >"$W/counts.txt"
straced "import ($DOCS docs, $CASES cases)" "$CV" import "$W/vs.csv"
NGPG[cv]=$(cat "$W/lastgpg")
straced "ls $CASE1 ($((NOTES_PER_CASE + SCANS_PER_CASE)) records)" "$CV" ls "$CASE1"
REC1=$(awk '/^R-/ { print $1; exit }' "$W/strace.out")
straced "get $REC1 (a 2 KB note)" "$CV" get "$REC1"
head -n $((NOTES_PER_CASE + 1)) "$W/vs.csv" >"$W/vs1.csv"
# --allow-duplicates: these notes are filed already, and a plain import would skip them all
straced "import ($NOTES_PER_CASE notes, 1 case)" "$CV" import --allow-duplicates "$W/vs1.csv"
# untraced wall times of the read commands
timed env CASEVAULT_DIR="$VS" "$CV" ls "$CASE1" >/dev/null
T_LS=$T
timed env CASEVAULT_DIR="$VS" "$CV" get "$REC1" >/dev/null
T_GET=$T
gpgconf --homedir "$VS/gnupg" --kill all >/dev/null 2>&1 || true
rm -rf "$VS" "$W/vs.csv" "$W/vs1.csv"

# ---------------------------------------------------------------------------
# Memory: file incompressible documents of 2, 20 and $BIG_MB MB into a fresh
# vault, and read the largest back.  /usr/bin/time -v gives the casevault
# process's peak RSS (GPGME double-forks gpg, so gpg is not a waited-for
# child and is not included); gpg's own peak (VmHWM) is sampled from /proc
# every 20 ms, so a gpg that lives shorter than that is missed (n/a).

# mkpdf OUT BYTES: a one-page PDF holding an uncompressed 8-bit grey image of
# random pixels (an unfiltered scan), about BYTES long.
mkpdf() {
	local out=$1 bytes=$2 w=4096 h n o1 o2 o3 o4 o5 s1 s2 s3 s4 s4e s5 content hdr off
	h=$(( (bytes + w - 1) / w ))
	n=$((w * h))
	content="q 595 0 0 842 0 0 cm /Im0 Do Q"
	hdr="%PDF-1.4"$'\n'
	off=${#hdr}
	o1=$off; s1="1 0 obj"$'\n'"<< /Type /Catalog /Pages 2 0 R >>"$'\n'"endobj"$'\n'; off=$((off + ${#s1}))
	o2=$off; s2="2 0 obj"$'\n'"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"$'\n'"endobj"$'\n'; off=$((off + ${#s2}))
	o3=$off; s3="3 0 obj"$'\n'"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"$'\n'"endobj"$'\n'; off=$((off + ${#s3}))
	o4=$off; s4="4 0 obj"$'\n'"<< /Type /XObject /Subtype /Image /Width $w /Height $h /ColorSpace /DeviceGray /BitsPerComponent 8 /Length $n >>"$'\n'"stream"$'\n'
	s4e=$'\n'"endstream"$'\n'"endobj"$'\n'; off=$((off + ${#s4} + n + ${#s4e}))
	o5=$off; s5="5 0 obj"$'\n'"<< /Length ${#content} >>"$'\n'"stream"$'\n'"$content"$'\n'"endstream"$'\n'"endobj"$'\n'; off=$((off + ${#s5}))
	{
		printf '%s%s%s%s%s' "$hdr" "$s1" "$s2" "$s3" "$s4"
		head -c "$n" /dev/urandom
		printf '%s%s' "$s4e" "$s5"
		printf 'xref\n0 6\n0000000000 65535 f \n'
		printf '%010d 00000 n \n' "$o1" "$o2" "$o3" "$o4" "$o5"
		printf 'trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' "$off"
	} >"$out"
}

RSS_KB=0
rss_run() { # label command...
	local label=$1 pid gmax=0 p h kb el
	shift
	CASEVAULT_DIR=$W/vm /usr/bin/time -v -o "$W/tv" "$@" >"$W/rss.out" 2>"$W/rss.err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for p in $(pgrep -f -- "^gpg .*--homedir $W/vm/gnupg" || true); do
			h=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
			[ -n "$h" ] && [ "$h" -gt "$gmax" ] && gmax=$h
		done
		sleep 0.02
	done
	wait "$pid" || { echo "bench_import.sh: $label failed:" >&2; tail -n 5 "$W/rss.err" >&2; exit 1; }
	kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$W/tv")
	el=$(awk -F': ' '/Elapsed/ { print $2 }' "$W/tv")
	awk -v l="$label" -v k="$kb" -v g="$gmax" -v e="$el" \
		'BEGIN { printf "  %-44s %8.1f MB %12s %9s\n", l, k / 1024, g ? sprintf("%.1f MB", g / 1024) : "n/a", e }'
	RSS_KB=$kb
}

"$CV" init "$W/vm" --no-passphrase --name "Bench Manager" >/dev/null
MCASE=$(CASEVAULT_DIR=$W/vm "$CV" case open --parent "Parent M" --child "Child M" --child-dob 2014-01-02 --pr-confirmed)
declare -A RSS
{
	printf '%-46s %11s %12s %9s\n' "memory (peak resident set size)" "casevault" "gpg" "elapsed"
	i=0
	for mb in 2 20 "$BIG_MB"; do
		i=$((i + 1))
		step "memory: filing $mb MB"
		mkpdf "$W/m$i.pdf" $((mb * 1000000))
		rss_run "file one $mb MB incompressible PDF" "$CV" file "$MCASE" "$W/m$i.pdf" --class report --date 2025-06-0$i
		RSS[$mb]=$RSS_KB
		rm -f "$W/m$i.pdf"
	done
	BIGREC=$(awk '/^R-/ { print $1; exit }' "$W/rss.out")
	step "memory: reading $BIG_MB MB back"
	rss_run "get the $BIG_MB MB PDF (to /dev/null)" "$CV" get "$BIGREC"
	RSS[get]=$RSS_KB
} >"$W/mem.txt"
RSS_SMALL=${RSS[2]} RSS_BIG=${RSS[$BIG_MB]} RSS_GET=${RSS[get]}

# ---------------------------------------------------------------------------
# Report.

row() { # key label
	local k=$1
	awk -v l="$2" -v t="${BEST[$k]}" -v m="${MED[$k]}" -v c="${CPUS[$k]}" -v n="${NDOCS[$k]}" -v b="${NBYTES[$k]}" -v g="${NGPG[$k]}" -v ref="${BEST[cv]}" \
		'BEGIN { printf "%-42s %7.2f %7.2f %6.2f %5d %5.1f %7.0f %6.1f %5s %7.2fx\n", l, t, m, c, n, b / 1e6, n / t, b / 1e6 / t, g, t / ref }'
}
say "import speed: wall seconds, best and median of $RUNS interleaved run(s); docs/s and MB/s from the best run;"
say "CPU = busy CPU seconds during the best run: machine-wide (all processes) for the stock tools, the import's own"
say "process tree and its gpg-agent for casevault (bench/treecpu.c); MB = 10^6 bytes; gpg = gpg processes;"
say "vs cv = this row's best wall time / casevault import's (above 1: casevault is faster)"
say
printf '%-42s %7s %7s %6s %5s %5s %7s %6s %5s %8s\n' "contender" "best s" "median" "CPU s" "docs" "MB" "docs/s" "MB/s" "gpg" "vs cv"
row cv "casevault import"
row restic "restic backup"
row percase "tar|zstd -1|gpg --symmetric, per case"
row single "tar|zstd -1|gpg --encrypt, one archive"
row pernote "gpg --encrypt per note (notes only)"
row cvnotes "casevault import (notes only)"
if [ -n "$OLD" ]; then
	row old "old build: import"
	row oldnotes "old build: import (notes only)"
	say
	say "new build / old build, $RUNS interleaved round(s) (below 1: the new build is faster)"
	for k in cv cvnotes; do
		o=old${k#cv}
		awk -v l="$([ "$k" = cv ] && echo "import" || echo "import (notes only)")" \
			-v nb="${BEST[$k]}" -v ob="${BEST[$o]}" -v nm="${MED[$k]}" -v om="${MED[$o]}" \
			-v nc="${CMED[$k]}" -v oc="${CMED[$o]}" 'BEGIN {
			printf "  %-22s wall median %.2f s vs %.2f s = x%.3f; best %.2f s vs %.2f s = x%.3f\n", l, nm, om, nm / om, nb, ob, nb / ob
			printf "  %-22s CPU median  %.2f s vs %.2f s = x%.3f\n", "", nc, oc, nc / oc }'
	done
fi
say
say "targets"
awk -v cv="${BEST[cv]}" -v re="${BEST[restic]}" -v pc="${BEST[percase]}" -v fl="${BEST[single]}" -v pn="${BEST[pernote]}" \
	-v cvn="${BEST[cvnotes]}" -v nd="${NDOCS[cv]}" -v nn="${NDOCS[pernote]}" \
	-v big="$RSS_BIG" -v small="$RSS_SMALL" -v get="$RSS_GET" -v bigmb="$BIG_MB" -v smallmb="$SMALL_MB" '
	function res(ok) { return ok ? "PASS" : "MISS" }
	BEGIN {
		printf "  %s  faster than restic:                    %.2f s vs %.2f s (casevault %.2fx %s)\n", res(cv < re), cv, re, re / cv, cv < re ? "faster" : "slower"
		printf "  %s  faster than the per-case pipelines:    %.2f s vs %.2f s (casevault %.2fx %s)\n", res(cv < pc), cv, pc, pc / cv, cv < pc ? "faster" : "slower"
		printf "  %s  >= 20x faster than one gpg per note:   same %d notes: %.2f s vs %.2f s = %.1fx; docs/s, full import vs per note: %.1fx\n", res(pn / cvn >= 20), nn, cvn, pn, pn / cvn, (nd / cv) / (nn / pn)
		printf "  %s  within 3x of the data floor:           %.2f s vs %.2f s = %.2fx the floor\n", res(cv <= 3 * fl), cv, fl, cv / fl
		printf "  %s  filing %d MB stays under 64 MB RSS:    %.1f MB (%d MB document: %.1f MB; get %d MB: %.1f MB)\n", res(big < 65536), bigmb, big / 1024, smallmb, small / 1024, bigmb, get / 1024
	}'
say
cat "$W/mem.txt"
say
say "gpg processes and secret-key operations per casevault command (strace -ff)"
printf '  %-36s %5s %7s %6s %9s %9s\n' "command" "gpg" "others" "PKSIGN" "PKDECRYPT" "GET_PASS"
cat "$W/counts.txt"
say "  others: other GnuPG programs GPGME runs (gpgconf, gpgsm --version, gpg-agent); casevault's own encryption helpers (forks of casevault that execute casevault-helper) are not among them."
say "  PKSIGN, PKDECRYPT: secret-key operations in gpg-agent, each needing the staff key unlocked."
say "  GET_PASS: symmetric keys handed over through loopback pinentry (gpg-agent); a filing hands its archive keys to gpg through its encryption helpers' FIFOs instead."
say "  untraced wall time: ls $T_LS s, get $T_GET s"
say "  baselines by construction: restic 0 gpg, per-case $CASES, one archive 1, per note $NOTES; none uses a secret key."
say
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows up as CPU s above the wall time)"
