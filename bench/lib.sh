# casevault benchmarks: shared set-up, sourced by bench_purge.sh, bench_service*.sh,
# bench_scale.sh, bench_sealed.sh and bench_speed.sh (REPO: the source tree).  Sets W to a new temporary directory under /tmp, removed
# on exit with every gpg-agent started for a vault in it, and clears the
# environment a vault command would otherwise follow.
W=$(mktemp -d /tmp/cvb.XXXXXX)
bench_cleanup() {
	local d
	for d in "$W"/*/gnupg "$W"/*/purge-key; do [ -d "$d" ] && GNUPGHOME=$d gpgconf --kill all 2>/dev/null; done
	rm -rf "$W"
}
trap bench_cleanup EXIT
unset CASEVAULT_DIR CASEVAULT_PASSPHRASE_FILE

# ---- benchmarks of casevaultd (bench_service*.sh) ----

# bench_account PREFIX: casevaultd never runs as root, so as root a throwaway
# OS account (PREFIX and the PID) owns $W and runs the vault and the daemon;
# as_acct runs a command as it (as anyone else, as oneself).  On exit the
# daemon ($DPID) is stopped, every agent of a vault in $W too, and the
# account removed once its processes are gone (userdel refuses before).
ACCT= DPID=
bench_account() {
	trap bench_account_cleanup EXIT
	if [ "$(id -u)" -eq 0 ]; then
		ACCT=$1$$
		useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$ACCT"
		chmod 711 "$W" && chown "$ACCT" "$W"
		ACMD=(setpriv --reuid "$ACCT" --regid "$(id -g "$ACCT")" --init-groups env HOME="$W")
	else
		ACMD=(env)
	fi
}
as_acct() { "${ACMD[@]}" "$@"; }
bench_stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null || true
	DPID=
}
bench_account_cleanup() {
	local d
	bench_stop_daemon
	for d in "$W"/*/gnupg; do [ -d "$d" ] && as_acct env GNUPGHOME="$d" gpgconf --kill all 2>/dev/null; done
	if [ -n "$ACCT" ]; then
		for _ in $(seq 50); do pgrep -u "$ACCT" >/dev/null || break; sleep 0.1; done
		userdel "$ACCT" 2>/dev/null || echo "bench: could not remove the account $ACCT (userdel $ACCT)" >&2
	fi
	bench_cleanup
}

# bench_service_vault RECORDS: as the bench account, a vault $V = $W/v with a
# passphrase ($W/pass) and one case $C of RECORDS notes filed by one import;
# R is the record in the middle (bench_service_callgrind.sh, bench_service_ab.sh).
bench_service_vault() {
	local k
	V=$W/v
	printf 'bench passphrase for the session keeper\n' >"$W/pass" && chmod 600 "$W/pass"
	[ -n "$ACCT" ] && chown "$ACCT" "$W/pass"
	as_acct "$CV" init "$V" --passphrase-file "$W/pass" --name "Bench Manager" >/dev/null
	export CASEVAULT_DIR=$V
	C=$(as_acct "$CV" --passphrase-file "$W/pass" case open --parent "Pat Parent" --child "Kim Child" \
		--child-dob 2014-01-02 --pr-confirmed)
	mkdir -p "$W/d/c001"
	awk -v cases=1 -v per="$1" -v dir="$W/d" -v path="%s/c%03d/n%05d.txt" -f "$REPO/bench/gen_notes.awk"
	{
		echo "case,path,class,section,title,date"
		for k in $(seq "$1"); do printf '%s,%s/d/c001/n%05d.txt,case-note,case,Note %d,2025-01-02\n' "$C" "$W" "$k" "$k"; done
	} >"$W/notes.csv"
	[ -n "$ACCT" ] && chown -R "$ACCT" "$W/d" "$W/notes.csv"
	as_acct "$CV" --passphrase-file "$W/pass" import "$W/notes.csv" >/dev/null 2>&1
	R=R-$(printf '%06d' $(( $1 / 2 )))
}

# ---- comparing two builds (bench_speed.sh, bench_sealed.sh) ----

# bench_notes CASES PER: PER notes of gen_notes.awk in each of CASES
# directories $W/d/cNNN/.
bench_notes() {
	local c
	for c in $(seq "$1"); do mkdir -p "$W/d/$(printf 'c%03d' "$c")"; done
	awk -v cases="$1" -v per="$2" -v dir="$W/d" -f "$REPO/bench/gen_notes.awk"
}

# bench_vault BIN NAME CASES PER: a fresh --no-passphrase vault $W/NAME with
# CASES cases (init and case open untimed) and $W/NAME.csv filing PER notes of
# bench_notes into each.  BIN runs with the policies in $POL.
bench_vault() {
	local bin=$1 v=$W/$2 c id k
	CASEVAULT_POLICY_DIR=$POL "$bin" init "$v" --no-passphrase --name "Bench Manager" >/dev/null
	{
		echo "case,path,class,section,title,date"
		for c in $(seq "$3"); do
			id=$(CASEVAULT_POLICY_DIR=$POL CASEVAULT_DIR=$v "$bin" case open --parent "Parent $c" --child "Child $c" \
				--child-dob 2014-01-02 --pr-confirmed)
			for k in $(seq "$4"); do
				printf '%s,%s/d/c%03d/n%02d.txt,case-note,case,Note %d,2025-01-%02d\n' "$id" "$W" "$c" "$k" "$k" "$(( (k - 1) % 28 + 1 ))"
			done
		done
	} >"$v.csv"
}

# bench_treecpu: build bench/treecpu.c into $W/treecpu (the CPU seconds of a
# command's whole process tree, gpg included).
bench_treecpu() {
	cc -O2 -o "$W/treecpu" "$REPO/bench/treecpu.c"
}

# bench_time VAULT OUT COMMAND...: run COMMAND (stdout discarded) and append
# "WALL CPU" to OUT: wall seconds, and CPU seconds of its process tree plus
# the vault's gpg-agent (which makes every secret-key operation).
bench_time() {
	local v=$1 out=$2 a0 a1 p cpu wall
	shift 2
	p=$(pgrep -f "^gpg-agent --homedir $v/gnupg " | head -n 1 || true)
	a0=$([ -n "$p" ] && awk '{ print $14 + $15 }' "/proc/$p/stat" || echo 0)
	"$W/treecpu" "$@" 2>"$W/tc.err" >/dev/null || { echo "bench: failed: $* ($(tail -n 2 "$W/tc.err"))" >&2; exit 1; }
	a1=$([ -n "$p" ] && awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo "$a0")
	read -r _ cpu wall < <(grep '^treecpu ' "$W/tc.err")
	awk -v w="$wall" -v c="$cpu" -v a="$((a1 - a0))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.4f %.4f\n", w, c + a / hz }' >>"$out"
}

# bench_stats FILE COLUMN: "best B median M" of a column of numbers.
bench_stats() {
	awk -v k="$2" '{ print $k }' "$1" | sort -g | awk '{ v[NR] = $1 } END {
		printf "best %.3f median %.3f", v[1], NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_ratio OLDFILE NEWFILE COLUMN: new/old of the bests and of the medians.
bench_ratio() {
	local o n
	o=$(bench_stats "$1" "$3") n=$(bench_stats "$2" "$3")
	awk -v o="$o" -v n="$n" 'BEGIN { split(o, a, " "); split(n, b, " "); printf "best x%.3f median x%.3f", b[2] / a[2], b[4] / a[4] }'
}
