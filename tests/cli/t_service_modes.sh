#!/bin/bash
# The same CLI scenarios in both modes (docs/service.md, "The CLI suite
# through the daemon"): two copies of one vault, the same commands run on
# each by the same staff member (the manager, S-0001, whose OS user is the
# service account), one copy directly, the other through casevaultd; every
# command's standard output, standard error and exit status must be the
# same, after clock times, the audit chain's hashes (which cover the
# times) and the vault's path are masked.  Filing (note,
# file, import), reading (ls, get, --json), cases, staff, requests,
# retention, verify and audit, and refusals (a missing record, a missing
# document, an unknown class, a usage error).  Real OS accounts, a real
# daemon, real gpg.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/cli/command_tour.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the modes test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	finish
fi
svc_setup --test-clock
VD=$T/svc/vd
as_svc env GNUPGHOME="$V/gnupg" gpgconf --kill all 2>/dev/null
as_svc cp -a "$V" "$VD" && find "$VD" -name 'S.*' -delete
mkdir -p "$T/svc/docs"
printf 'Letter from the school about the annual review.\n' >"$T/svc/docs/letter.txt"
printf 'Minutes of the review meeting.\n' >"$T/svc/docs/minutes.txt"
printf 'Letter named on an old Windows share.\n' >"$T/svc/docs/caf"$'\xe9'".txt"
printf 'Phone call with the parent about transport.\n' >"$T/svc/note.txt"
printf 'case,path,class,section,title,date\nC-2026-0001,docs/minutes.txt,letter,case,Minutes,2025-01-03\n' >"$T/svc/m.csv"
chown -R "$SVC" "$T/svc/docs" "$T/svc/note.txt" "$T/svc/m.csv"
svc_start || exit 1
check "setup: one vault ($V) served by casevaultd, its copy ($VD) used directly" test -d "$VD/gnupg"

# the audit chain's hashes cover each event's time, so they differ with it
mask() { sed -E -e "s#$VD#VAULT#g; s#$V#VAULT#g" -e 's/[0-9a-f]{64}/HASH/g; s/[0-9]{2}:[0-9]{2}(:[0-9]{2})?(\.[0-9]+)?/TT/g' "$1"; }
# both STDIN ARGS...: ARGS in each mode, from $T/svc, with STDIN; the two results must be the same
both() {
	local in=$1 d s
	shift
	(cd "$T/svc" && as_svc env CASEVAULT_DIR="$VD" "$CV" "$@") <"$in" >"$T/d.out" 2>"$T/d.err"; d=$?
	(cd "$T/svc" && as_user "$SVC" env HOME="$T/svc" CASEVAULT_SOCKET="$SOCK" "$CV" "$@") <"$in" >"$T/s.out" 2>"$T/s.err"; s=$?
	if [ "$d" -eq "$s" ] && [ "$(mask "$T/d.out")" = "$(mask "$T/s.out")" ] && [ "$(mask "$T/d.err")" = "$(mask "$T/s.err")" ]; then
		ok "same in both modes: $* (exit $d, $(wc -l <"$T/d.out") lines out, $(head -c 80 "$T/d.err" | tr '\n' ' '))"
	else
		fail "differs: $* (exit $d/$s)"
		diff <(mask "$T/d.out"; echo "-- err"; mask "$T/d.err") <(mask "$T/s.out"; echo "-- err"; mask "$T/s.err") | head -n 12 | sed 's/^/# /'
	fi
}
N=/dev/null
both "$N" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed
both "$N" case list
both "$N" --json case show C-2026-0001
both "$T/svc/note.txt" note C-2026-0001 --class phone-call --title "Transport call"
both "$N" file C-2026-0001 docs/letter.txt --class letter
both "$N" import m.csv
both "$N" import m.csv
both "$N" --json import --check m.csv
both "$N" ls C-2026-0001
both "$N" --json ls C-2026-0001
both "$N" get R-000001
both "$N" get R-000002
both "$N" get R-000099
both "$N" file C-2026-0001 docs/missing.pdf --class letter
# a name that is not UTF-8 crosses as its bytes (docs/protocol.md): refused as a title, filed with one
both "$N" file C-2026-0001 "docs/caf"$'\xe9'".txt" --class letter
both "$N" file C-2026-0001 "docs/caf"$'\xe9'".txt" --class letter --title "Letter from the cafe"
both "$T/svc/note.txt" note C-2026-0001 --class no-such-class
both "$N" ls
both "$N" staff list
both "$N" --json staff list
both "$N" request open C-2026-0001 --requester "Pat Parent" --relationship client --received 2026-01-05
both "$N" request list
both "$N" retention due
both "$N" verify
both "$N" audit verify
both "$N" --json audit show
both "$N" --version

# ---- the command tour (tests/cli/command_tour.sh): every command, --json, in both modes ----
TD=$T/svc/td TS=$T/svc/ts
as_svc mkdir -m 700 "$TD" "$TS"
J=$T/svc/json
mkdir -p "$J" && chown "$SVC" "$J"
TOURN=0
tour_put() { local d; for d in "$TD" "$TS"; do as_svc sh -c 'umask 077 && printf "%b" "$2" >"$1"' sh "$d/$1" "$2"; done; }
# The commands that name a file the service would have to open itself (a
# policy to check, a backup or restore's files) run only in direct mode, as
# the vault's owner; through the daemon they are refused, by design.
mode_specific() {
	case $STEP in "policy check "* | "backup "* | "restore "*) ;; *) return 1 ;; esac
	[ "$(cat "$LAST.d.rc")" = 0 ] && [ "$(cat "$LAST.s.rc")" = 1 ] &&
		grep -q 'through casevaultd cannot take .*run the command in direct mode' "$LAST.s.json"
}
# same TAG: the two runs of the last step ($LAST.d and $LAST.s) must agree, paths and times masked
same() {
	local m="s#$TD#WORK#g; s#$TS#WORK#g"

	# random by design: archive names, a bundle's passphrase, the audit head's hash (it covers times)
	m="$m; s/[0-9a-f]{32}\.pgp/ARCHIVE.pgp/g; s/(\"passphrase\": \")[a-z0-9-]+/\1PASS/; s/[0-9]+:[0-9a-f]{16,64}/HEAD/g"
	if mode_specific; then
		ok "tour, mode-specific: $STEP: direct succeeds, the service refuses the file name (docs/service.md, Named files)"
	elif [ "$(cat "$LAST.d.rc")" = "$(cat "$LAST.s.rc")" ] &&
		[ "$(sed -E -e "$m" "$LAST.d.json" | mask /dev/stdin)" = "$(sed -E -e "$m" "$LAST.s.json" | mask /dev/stdin)" ] &&
		[ "$(sed -E -e "$m" "$LAST.d.err" | mask /dev/stdin)" = "$(sed -E -e "$m" "$LAST.s.err" | mask /dev/stdin)" ]; then
		ok "tour, same $1: $STEP (exit $(cat "$LAST.d.rc"))"
	else
		fail "tour, differs $1: $STEP (exit $(cat "$LAST.d.rc")/$(cat "$LAST.s.rc"))"
		diff <(sed -E -e "$m" "$LAST.d.json" "$LAST.d.err" | mask /dev/stdin) \
			<(sed -E -e "$m" "$LAST.s.json" "$LAST.s.err" | mask /dev/stdin) | head -n 8 | sed 's/^/# /'
	fi
	cp "$LAST.d.json" "$LAST.json"
}
# run SIDE DIR ENV... -- ARGS: casevault --json ARGS in DIR, kept as $LAST.SIDE.*
run_side() {
	local side=$1 dir=$2; shift 2
	(cd "$dir" && as_svc env "$@") </dev/null >"$LAST.$side.json" 2>"$LAST.$side.err"
	echo "$?" >"$LAST.$side.rc"
}
next_step() { TOURN=$((TOURN + 1)); LAST=$J/$TOURN; STEP="$*"; }
j() {
	next_step "$@"
	run_side d "$TD" CASEVAULT_DIR="$VD" "$CV" --json "$@"
	run_side s "$TS" CASEVAULT_SOCKET="$SOCK" "$CV" --json "$@"
	same "in both modes"
}
# the daemon keeps its own clock, not the client's CASEVAULT_TODAY: a step on
# another day runs directly on both copies (docs/service.md)
j_on() {
	local day=$1; shift
	next_step "$@"
	run_side d "$TD" CASEVAULT_DIR="$VD" CASEVAULT_TODAY="$day" "$CV" --json "$@"
	run_side s "$TS" CASEVAULT_DIR="$V" CASEVAULT_TODAY="$day" "$CV" --json "$@"
	same "directly on both copies"
}
val() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$LAST.json" "$1"; }
tour C-2026-0001
check "the tour ran every step ($TOURN of 84)" test "$TOURN" -eq 84

svc_stop
as_svc env GNUPGHOME="$VD/gnupg" gpgconf --kill all 2>/dev/null
finish
