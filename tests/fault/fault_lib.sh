# Fault injection in every mutating command (docs/recovery.md, "Fault
# injection"): sourced by tests/cli/t_fault.sh (a bounded CTest run) and
# bench/fault_sweep.sh (every point), after tests/cli/lib.sh.
#
# One template vault holds what every mutating command needs; each command
# runs on a fresh copy of it, first cleanly under tests/fault/faultshim.so
# to count its disk calls (and to see the state after it), then once per
# chosen call N with the fault (SIGKILL, EIO or ENOSPC at call N).  After
# each fault: verify and audit verify pass, the record set is the state
# before or after the command (after whenever it said it succeeded), the
# next writing command works, and no temporary file, no helper process and
# no plaintext of the documents is left under the vault.

SHIM=${CV_FAULT_SHIM:-${CV_BUILD_DIR:-$CV_SOURCE_DIR/build}/tests/faultshim.so}
# a sanitizer build's runtime must come first; the shim is preloaded after it
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
MARK=FAULTPLAIN$$Q7   # in every document: grep finds any plaintext left in the vault

# j ARGS...: casevault --json ARGS, the output in $T/j.json; val EXPR reads it.
j() { "$CV" --json "$@" >"$T/j.json" 2>"$T/j.err" </dev/null || { echo "# template: $* failed: $(cat "$T/j.err")" >&2; exit 1; }; }
val() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/j.json" "$1"; }
filed() { j "$@"; val 'd["filed"][0]["record"]'; }

# fault_template: the vault every command starts from, kept in $T/tmpl.
fault_template() {
	local d=$T/docs
	mkdir -p "$d" "$T/o"
	for n in a1 a2 a3 b1 x1 x2 x3 red; do printf 'Document %s %s\n' "$n" "$MARK" >"$d/$n.txt"; done
	new_test_vault
	j staff add "Cara Worker" --role caseworker --no-passphrase; CW=$(val 'd["staff"]')
	j staff add "Lee Leaver" --role caseworker --no-passphrase; LV=$(val 'd["staff"]')
	j case open --parent "A Parent" --child "A Child" --child-dob 2015-03-04 --pr-confirmed; A=$(val 'd["case"]')
	j case open --parent "B Parent" --child "B Child" --child-dob 2014-02-03 --pr-confirmed; B=$(val 'd["case"]')
	RA1=$(filed file "$A" "$d/a1.txt" --class letter --date 2026-01-10)
	RA2=$(filed file "$A" "$d/a2.txt" --class letter --date 2026-01-11)
	RA3=$(filed note "$A" --class phone-call --title "Call" --text "A call $MARK")
	RB1=$(filed file "$B" "$d/b1.txt" --class letter --date 2026-01-12)
	j case assign "$A" "$CW"
	j hold add "$RA2" --reason "Complaint"; H=$(val 'd["hold"]')
	j request open "$A" --requester "A Parent" --relationship client --received 2026-01-05 --pr-confirmed
	Q=$(val 'd["request"]')
	j request decide "$Q" "$RA1" "$RA2" "$RA3" --release --reason "ordinary letter"
	j request verify-id "$Q" --date 2026-01-05
	j request open "$B" --requester "B Parent" --relationship client --received 2026-01-05 --pr-confirmed
	QP=$(val 'd["request"]')
	j request pause "$QP" --reason "clarification asked"
	j request open "$B" --requester "B Parent" --relationship client --received 2026-01-05 --pr-confirmed
	QV=$(val 'd["request"]')
	j case open --parent "E Parent" --child "E Child" --child-dob 2013-01-02 --pr-confirmed; E=$(val 'd["case"]')
	RE1=$(filed file "$E" "$d/a3.txt" --class letter --date 2026-01-10)
	j case open --parent "F Parent" --child "F Child" --child-dob 2013-01-02 --pr-confirmed; F=$(val 'd["case"]')
	RF1=$(filed note "$F" --class phone-call --title "Call" --text "F call $MARK")
	j request open "$F" --requester "F Parent" --relationship client --received 2026-01-05 --id-verified 2026-01-05 \
		--pr-confirmed --kind restriction --records "$RF1"
	QL=$(val 'd["request"]')
	j consent add "$A" --to "School" --oral --given 2026-01-03 --by parent; K=$(val 'd["consent"]')
	j case open --parent "Old Parent" --child "Old Child" --child-dob 1985-01-01 --pr-confirmed --opened 2001-01-01
	O=$(val 'd["case"]')
	RV=$(filed note "$O" --class sen-ehcp --title "EHCP review" --text "Plan reviewed $MARK" --date 2001-02-01)
	RD=$(filed note "$O" --class sen-ehcp --title "EHCP plan" --text "Plan $MARK" --date 2001-03-01)
	j case close "$O" --date 2002-01-01
	j case open --parent "P Parent" --child "P Child" --child-dob 2000-01-01 --pr-confirmed --opened 2010-01-01
	P=$(val 'd["case"]')
	RP=$(filed note "$P" --class sen-ehcp --title "EHCP" --text "Plan $MARK" --date 2011-02-01)
	j case close "$P" --date 2019-01-01   # due for review in 2025, kept at most until 2031
	j review approve "$RD"   # due for the purge
	j intake add "$d/x1.txt"; I1=$(val 'd["intake"]')
	j intake add "$d/x2.txt"; I2=$(val 'd["intake"]')
	head -c 32 /dev/urandom | base64 >"$T/secret"
	: >"$T/empty" && printf 'a new passphrase of five words\n' >"$T/newpass"
	printf 'case,path,class,section,title,date\n%s,%s,letter,case,Imported,2026-01-13\n' "$B" "$d/x3.txt" >"$T/m.csv"
	"$CV" verify >/dev/null || { echo "# template does not verify" >&2; exit 1; }
	GNUPGHOME=$V/gnupg gpgconf --kill all
	mkdir -p "$T/tmpl"
	(cd "$V" && tar cf - --exclude='S.*' .) | (cd "$T/tmpl" && tar xf -)
}

# The mutating commands, one scenario each: NAME|ARGS|PROBES|SETUP.  ARGS
# are word-split; PROBES are the read commands (";" between) whose --json
# output is the state the command changes; SETUP, commands run (";"
# between, unfaulted) on the fresh copy first.
fault_scenarios() {
	cat <<EOS
case open|case open --parent N-Parent --child N-Child --child-dob 2016-01-01 --pr-confirmed|case list
case close|case close $B|case show $B
case reopen|case reopen $O|case show $O
case set-dob|case set-dob $B 2014-02-04|case show $B
case assign|case assign $B $CW|case show $B
case unassign|case unassign $A $CW|case show $A
case person add|case person add $A Gran --kind third-party --phone 01234567890|case person list $A
case link|case link $A $B|case show $A
case notice|case notice $A --told 2026-01-02 --how phone --policy-version 2026-1|case show $A
case contact|case contact $A --message-ok no --how phone|case show $A
file|file $B $T/docs/x1.txt --class letter --date 2026-01-14|ls $B
note|note $B --class phone-call --title Call --text Called-$MARK|ls $B
import|import $T/m.csv|ls $B
staff add|staff add Wes --role caseworker --no-passphrase|staff list
staff attest|staff attest $CW|staff list
staff revoke|staff revoke $LV|staff list|intake reject $I1 --reason junk;intake reject $I2 --reason junk
staff passphrase|staff passphrase --as $CW --passphrase-file $T/empty --new-passphrase-file $T/newpass|staff list
policy adopt|policy adopt|doctor
hold add|hold add $RB1 --reason Complaint|hold list
hold release|hold release $H|hold list
retention recompute|retention recompute|retention due --as-of 2099-01-01
review approve|review approve $RV|review
review defer|review defer $RP --until 2030-01-01 --reason still-needed|review
purge|purge --yes|ls $O;certificates list
request open|request open $B --requester B-Parent --relationship client --received 2026-01-06 --pr-confirmed|request list
request decide|request decide $QP $RB1 --release --reason ordinary|request show $QP
request attach|request attach $Q $RA1 $T/docs/red.txt|request show $Q
request extend|request extend $Q --reason many --notified 2026-01-06 --complex|request show $Q
request bundle|request bundle $Q -o $T/o/bundle.zip --show-passphrase|request show $Q
request close|request close $Q|request show $Q
request pause|request pause $Q --reason clarification|request show $Q
request resume|request resume $QP|request show $QP
request verify-id|request verify-id $QV --date 2026-01-06|request show $QV
request lift|request lift $QL|request show $QL
record set|record set $RE1 --title Renamed --reason typo|ls $E
record move|record move $RE1 $A --reason other-family|ls $E;ls $A
record erase|record erase $RE1 --reason erasure-upheld|ls $E
refer|refer $A --to LA-officer --reason Concern --basis s47 --records $RA1|refer list $A
enquiry add|enquiry add --text Asked-about-assessments|enquiry list
consent add|consent add $B --to School --oral --given 2026-01-03 --by parent|consent list $B
consent withdraw|consent withdraw $K|consent list $A
share|share $A --to School --purpose support -o $T/o/share.zip --records $RA1 --show-passphrase|audit show --record $RA1
intake add|intake add $T/docs/x3.txt|intake list
intake assign|intake assign $I1 $B --class letter --title Letter --date 2026-01-09|intake list;ls $B
intake reject|intake reject $I2 --reason wrong-office|intake list
backup|backup $T/o/data.pgp --keys $T/o/keys.pgp --secret-file $T/secret|doctor
EOS
}

# Commands that change nothing in the vault, or are not run on a live vault
# (init makes one, restore writes a new one, lock ends a session, purge-key
# init is the one-off key ceremony): a command in neither list fails the run.
FAULT_READONLY="case list|case show|ls|get|verify|doctor|policy check|classes|lock|staff list|audit show|audit verify|hold list|retention due|review|certificates list|certificates show|case person list|request list|request show|request log|refer list|enquiry list|consent list|consent due|intake list|intake show|search|init|restore|purge-key init"

# fault_coverage: every command of 'casevault help --commands' is a scenario or read-only.
fault_coverage() {
	local missing
	missing=$("$CV" help --commands | python3 -c '
import json, sys
known = set(sys.argv[1].split("|")) | set(sys.argv[2].split("|"))
print(" ".join(repr(c["name"]) for c in json.load(sys.stdin)["commands"] if c["name"] not in known))' \
		"$FAULT_READONLY" "$(fault_scenarios | cut -d'|' -f1 | paste -sd'|')")
	if [ -z "$missing" ]; then ok "every mutating command has a fault scenario"
	else fail "commands with no fault scenario and not read-only: $missing"; fi
}

# fault_state PROBES: the probes' --json output, ids numbered by first sight
# (a rolled-back filing leaves a gap in the numbering), times and hashes dropped.
fault_state() {
	local probe
	IFS=';' read -ra probes <<<"$1"
	for probe in "${probes[@]}"; do
		# shellcheck disable=SC2086
		"$CV" --json $probe 2>&1
	done | python3 -c '
import re, sys
seen = {}
def num(m):
    return seen.setdefault(m.group(0), "%s#%d" % (m.group(1), len(seen)))
t = sys.stdin.read()
t = re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:?\d\d)?", "", t)
t = re.sub(r".*(GiB free|audit head).*", "", t)   # doctor: the disk, and a head that verify moves
t = re.sub(r"\b[0-9a-f]{16,}\b", "", t)   # hashes: of an audit chain over times, of a bundle under a random passphrase
print(re.sub(r"\b(R|I|REQ|S)-[0-9-]+\b", num, t))' | sha256sum | cut -c1-16
}

# fault_setup SETUP: the scenario's unfaulted commands, on the fresh copy.
fault_setup() {
	local step
	IFS=';' read -ra steps <<<"$1"
	for step in "${steps[@]}"; do
		# shellcheck disable=SC2086
		[ -z "$step" ] || "$CV" $step >/dev/null 2>&1 </dev/null || echo "# setup '$step' failed"
	done
}

fault_fresh() {
	GNUPGHOME=$V/gnupg gpgconf --kill all 2>/dev/null
	rm -rf "$V" "$T/o" && mkdir -p "$V" "$T/o" && chmod 700 "$V"
	(cd "$T/tmpl" && tar cf - .) | (cd "$V" && tar xf -)
}

# fault_leftovers: what no command may leave once the next writer ran.
fault_leftovers() {
	local p c comm e args env
	find "$V" \( -name '*.tmp' -o -name '.tmp-*' -o -name '*-journal' -o -name 'sym-*' -o -name 'cvr-*' \) -print
	grep -rlaF "$MARK" "$V" 2>/dev/null | sed 's/^/plaintext: /'
	for p in /proc/[0-9]*; do
		# read by bash itself: a process per entry made this scan 3 to 5 s of each
		# point among the other engineers' hundred gpg processes
		comm=
		read -r comm 2>/dev/null <"$p/comm"
		case $comm in casevault* | gpg* | keyboxd) ;; *) continue ;; esac
		args=() env=()
		mapfile -d '' -t args 2>/dev/null <"$p/cmdline"
		c="${args[*]}"
		case $c in
		*"$V/gnupg/sym-"* | *"$V/gnupg/cvr-"*) echo "process: $c" ;;
		gpg-agent*"$V/gnupg"*) ;;   # the vault's own agent: lib.sh's cleanup stops it
		*"$V"*) echo "process: $c" ;;
		*)
			mapfile -d '' -t env 2>/dev/null <"$p/environ"
			for e in "${env[@]}"; do [ "$e" != "CASEVAULT_DIR=$V" ] || { echo "process: $c"; break; }; done ;;
		esac
	done
}

# fault_point N KIND [WHERE]: one fault run of the current scenario
# ($F_NAME, $F_ARGS, $F_PROBES, $F_SETUP) and its checks; sets FP_OK.
# N is a call's number or its site and turn (site:HEX/K).
# WHERE (the call's function and site) goes into the line of a failed point.
fault_point() {
	local n=$1 kind=$2 where=${3:+ (${3})} rc st bad= left
	fault_fresh
	fault_setup "$F_SETUP"
	# shellcheck disable=SC2086
	{ CV_FAULT=$n:$kind LD_PRELOAD=$SHIM "$CV" $F_ARGS >/dev/null 2>"$T/ferr" </dev/null; rc=$?; } 2>/dev/null
	"$CV" verify >/dev/null 2>&1 || bad+=" verify"
	"$CV" audit verify >/dev/null 2>&1 || bad+=" audit-verify"
	st=$(fault_state "$F_PROBES")
	if [ "$rc" -eq 0 ]; then [ "$st" = "$AFTER" ] || bad+=" succeeded-but-not-after"
	elif [ "$st" != "$BEFORE" ] && [ "$st" != "$AFTER" ]; then bad+=" half-done"; fi
	"$CV" note "$A" --class phone-call --text "next" >/dev/null 2>&1 || bad+=" next-command"
	left=$(fault_leftovers)
	[ -z "$left" ] || bad+=" leftovers($(echo $left))"
	if [ -z "$bad" ]; then FP_OK=1
	else FP_OK=0; echo "# $F_NAME: $kind at call $n$where (exit $rc: $(head -c 200 "$T/ferr")):$bad"; fi
}

# fault_site_points SITES-FILE: per distinct site (faultshim.c: one line
# "N function site" per call of the clean run), its first call and, when
# the site recurs, its last: the calls of a loop share a code path, and the
# end of a loop is where a commit or a rename follows (docs/recovery.md,
# "Fault injection").  One line per point, "N site:HEX/K": its number in
# the clean run and the shim's aim by site and turn (CV_FAULT=site:HEX/K),
# which stays on that call when threads interleave their calls differently
# in another run (the receipt's signer writes to gpg while the filing writes
# the index).
fault_site_points() {
	awk '{ n[$3]++; if (n[$3] == 1) first[$3] = $1; last[$3] = $1 }
		END { for (k in first) { print first[k], "site:" k "/1"; if (n[k] > 1) print last[k], "site:" k "/" n[k] } }' "$1" | sort -n
}

# fault_recount SPEC TOTAL: after a sweep's fault runs, the count of a
# second clean run, when it differs from the first.  A routine checkpoint
# falls due 10 minutes after the template's (docs/architecture.md, the
# signed trail), adding calls: fault runs after that point hit calls
# numbered from the first count, but not the same sites.
fault_recount() {
	[ "$1" != one ] || return 0
	fault_fresh
	fault_setup "$F_SETUP"
	rm -f "$T/count"
	# shellcheck disable=SC2086
	CV_FAULT_COUNT=$T/count LD_PRELOAD=$SHIM "$CV" $F_ARGS >/dev/null 2>&1 </dev/null
	[ "$(cat "$T/count" 2>/dev/null)" = "$2" ] || echo " (calls now $(cat "$T/count" 2>/dev/null))"
}

# fault_where POINT SITES-FILE: the function and site of a point, a call's
# number or site:HEX/K.
fault_where() {
	case $1 in
	site:*) awk -v s="${1#site:}" 'BEGIN { split(s, a, "/") } $3 == a[1] && ++k == a[2] { print $2 ", site " $3 ", turn " k; exit }' "$2" ;;
	*) awk -v n="$1" '$1 == n { print $2 ", site " $3 }' "$2" ;;
	esac
}

# fault_command IDX SPEC: the current scenario's clean run (its calls
# counted and their sites recorded, the state before and after it), then its
# fault runs.  SPEC: "one" (one call and kind, chosen by the scenario's place
# IDX in the list), "all" (every $FAULT_STRIDE-th call) or "sites" (the
# first and last call of each site), the last two with every kind in
# $FAULT_KINDS.
FAULT_REPORT=
FAULT_TOTALS=(0 0 0 0)   # calls, sites, tried, survived
declare -A FAULT_BEFORE=()
fault_command() {
	local idx=$1 spec=$2 total sites n kind tried=0 survived=0 pts kinds
	# the state before: one probe of the template per probe list and setup
	# (then a fresh copy: a probe may be audited itself, as audit show is)
	BEFORE=${FAULT_BEFORE["$F_PROBES|$F_SETUP"]:-}
	if [ -z "$BEFORE" ]; then
		fault_fresh
		fault_setup "$F_SETUP"
		BEFORE=$(fault_state "$F_PROBES")
		FAULT_BEFORE["$F_PROBES|$F_SETUP"]=$BEFORE
	fi
	fault_fresh
	fault_setup "$F_SETUP"
	rm -f "$T/count" "$T/sites"
	# shellcheck disable=SC2086
	if ! CV_FAULT_COUNT=$T/count CV_FAULT_SITES=$T/sites LD_PRELOAD=$SHIM "$CV" $F_ARGS >/dev/null 2>"$T/ferr" </dev/null; then
		fail "$F_NAME: the clean run failed: $(head -c 300 "$T/ferr")"; return
	fi
	total=$(cat "$T/count" 2>/dev/null || echo 0)
	AFTER=$(fault_state "$F_PROBES")
	[ "$total" -gt 0 ] || { fail "$F_NAME: the shim counted no call"; return; }
	[ "$(grep -c '' "$T/sites")" -eq "$total" ] || { fail "$F_NAME: $total calls but $(grep -c '' "$T/sites") sites recorded"; return; }
	sites=$(cut -d' ' -f3 "$T/sites" | sort -u | grep -c '')
	kinds=${FAULT_KINDS:-kill eio enospc}
	if [ "$spec" = all ]; then pts=$(seq 1 "${FAULT_STRIDE:-1}" "$total")
	elif [ "$spec" = sites ]; then pts=$(fault_site_points "$T/sites" | cut -d' ' -f2)
	else
		set -- kill eio enospc; shift $((idx % 3)); kinds=$1
		pts=$(( (total * (1 + idx % 7)) / 8 + 1 ))
	fi
	if [ -n "${FAULT_PLAN:-}" ]; then   # bench/fault_sweep.sh --plan: the clean runs only
		printf '# plan: %-20s calls %4d  sites %4d  calls tried %4d  points %5d\n' "$F_NAME" "$total" "$sites" \
			"$(wc -w <<<"$pts")" $(($(wc -w <<<"$pts") * $(wc -w <<<"$kinds")))
		return
	fi
	for n in $pts; do
		for kind in $kinds; do
			fault_point "$n" "$kind" "$(fault_where "$n" "$T/sites")"
			tried=$((tried + 1)); survived=$((survived + FP_OK))
		done
	done
	FAULT_REPORT+=$(printf '%-20s %6d %6d %6d %9d %7d %s%s' "$F_NAME" "$total" "$sites" "$tried" "$survived" \
		$((tried - survived)) "$([ "$AFTER" = "$BEFORE" ] && echo '(probes unchanged)')" "$(fault_recount "$spec" "$total")")$'\n'
	FAULT_TOTALS=($((FAULT_TOTALS[0] + total)) $((FAULT_TOTALS[1] + sites)) $((FAULT_TOTALS[2] + tried))
		$((FAULT_TOTALS[3] + survived)))
	if [ "$survived" -eq "$tried" ]; then ok "$F_NAME: $survived of $tried fault points survived ($total calls, $sites sites)"
	else fail "$F_NAME: $((tried - survived)) of $tried fault points failed ($total calls, $sites sites)"; fi
}

# fault_all SPEC [NAME-REGEX]: every scenario (or those matching), then the
# table and its totals.
# CV_FAULT_SHARD=K/N (tests/CMakeLists.txt): only every Nth of the scenarios
# chosen, from the Kth, so that N CTest tests share the commands and run side
# by side.
fault_all() {
	local spec=$1 re=${2:-.} idx=0 chosen=0 shard=${CV_FAULT_SHARD:-0/1}
	[ -f "$SHIM" ] || { echo "# no fault shim at $SHIM (build with -DBUILD_TESTS=ON)"; exit 1; }
	while IFS='|' read -r F_NAME F_ARGS F_PROBES F_SETUP; do
		idx=$((idx + 1))
		grep -qE -- "$re" <<<"$F_NAME" || continue
		# the sanitizer pass (CV_TEST_LIGHT=N, tests/README.md): every Nth command
		[ "$spec" != one ] || [ $(((idx - 1) % ${CV_TEST_LIGHT:-1})) -eq 0 ] || continue
		chosen=$((chosen + 1))
		[ $(((chosen - 1) % ${shard#*/})) -eq "${shard%/*}" ] || continue
		fault_command "$idx" "$spec"
	done < <(fault_scenarios)
	{
		printf 'command               calls  sites  tried  survived  failed\n%s' "$FAULT_REPORT"
		printf '%-20s %6d %6d %6d %9d %7d\n' total "${FAULT_TOTALS[@]}" $((FAULT_TOTALS[2] - FAULT_TOTALS[3]))
	} | sed 's/^/# /'
}
