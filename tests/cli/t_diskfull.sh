#!/bin/bash
# A full disk: every command that cannot write fails with one line that says
# the disk is full and what to do, changes nothing, and leaves a vault that
# verify passes once space is freed; nothing half-filed, nothing lost.
# The vault lives on a small tmpfs mounted in a private mount namespace (root
# only: CI runs as root); elsewhere the test says SKIP and checks nothing.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	echo "# SKIP a full disk needs a private mount namespace (root)"
	finish
fi

# Everything below runs inside the namespace; results come back as lines.
inner() {
	set -u
	local M=$T/m
	mkdir -p "$M"
	mount -t tmpfs -o size=24m tmpfs "$M" || { echo "mount-failed"; return; }
	export CASEVAULT_DIR=$M/v
	"$CV" init "$M/v" --no-passphrase --name "Full Disk" >/dev/null || { echo "init-failed"; return; }
	C=$("$CV" case open --parent "Pat Fuller" --child "Kim Fuller" --child-dob 2015-01-01 --pr-confirmed)
	printf 'A small letter.\n' >"$T/small.txt"
	"$CV" file "$C" "$T/small.txt" --class letter >/dev/null
	echo "small=$?"
	# a document bigger than the space left: gpg's output cannot be written
	big_pdf "$T/big.pdf" 30000000
	local before
	(cd "$M/v" && find . -type f ! -name 'vault.db*' ! -name 'S.*' -print0 | sort -z | xargs -0 sha256sum) >"$T/l1"
	# record ids are reserved when a filing starts (file.md: gaps are normal), so
	# the counters row may move; every other row must stay as it was
	sqlite3 -readonly "$M/v/vault.db" .dump | grep -v "^INSERT INTO counters " >"$T/dump1"
	"$CV" file "$C" "$T/big.pdf" --class letter >"$T/o1" 2>"$T/e1"
	echo "big=$? lines=$(grep -c '' "$T/e1")"
	sqlite3 -readonly "$M/v/vault.db" .dump | grep -v "^INSERT INTO counters " >"$T/dump2"
	diff "$T/dump1" "$T/dump2" | sed 's/^/DIFF /'
	echo "bigmsg=$(cat "$T/e1")"
	# the intent log was written and cleared, so vault.db's bytes moved: compare contents
	(cd "$M/v" && find . -type f ! -name 'vault.db*' ! -name 'S.*' -print0 | sort -z | xargs -0 sha256sum) >"$T/l2"
	cmp -s "$T/dump1" "$T/dump2" && cmp -s "$T/l1" "$T/l2" && echo "big-unchanged=1" || echo "big-unchanged=0"
	echo "archives=$(ls "$M/v/archives" | wc -l)"
	# the disk full to the last few KB: the index cannot grow either
	dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null
	before=$(tree_hash "$M/v")
	printf 'case,path,class,section,title,date\n%s,%s,letter,case,Full,2026-01-05\n' "$C" "$T/small2.txt" >"$T/m.csv"
	printf 'Another small letter.\n' >"$T/small2.txt"
	"$CV" file "$C" "$T/small2.txt" --class letter >"$T/o2" 2>"$T/e2"
	echo "full=$? lines=$(grep -c '' "$T/e2")"
	echo "fullmsg=$(cat "$T/e2")"
	"$CV" note "$C" --class case-note --text "Rang Pat Fuller" >/dev/null 2>"$T/e3"
	echo "note=$? lines=$(grep -c '' "$T/e3")"
	"$CV" import "$T/m.csv" >/dev/null 2>"$T/e4"
	echo "import=$?"
	[ "$before" = "$(tree_hash "$M/v")" ] && echo "full-unchanged=1" || echo "full-unchanged=0"
	rm -f "$M/fill"
	"$CV" verify >/dev/null 2>&1
	echo "verify=$?"
	echo "records=$("$CV" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')"
	"$CV" file "$C" "$T/small2.txt" --class letter >/dev/null 2>&1
	echo "after=$?"
	"$CV" verify >/dev/null 2>&1
	echo "verify2=$?"
	gpgconf --homedir "$M/v/gnupg" --kill all 2>/dev/null
	# a purge on a full disk: it destroys nothing, or all it reports (with a certificate)
	export CASEVAULT_DIR=$M/p CASEVAULT_TODAY=2015-01-10
	"$CV" init "$M/p" --no-passphrase --test-clock --name "Full Purge" >/dev/null || { echo "init2-failed"; return; }
	P=$("$CV" case open --parent "Pat Fuller" --child "Kim Fuller" --child-dob 2005-01-01 --pr-confirmed)
	"$CV" file "$P" "$T/small.txt" --class letter >/dev/null
	"$CV" note "$P" --class case-note --text "Rang Pat Fuller" >/dev/null
	export CASEVAULT_TODAY=2015-02-01
	"$CV" case close "$P" >/dev/null
	export CASEVAULT_TODAY=2022-03-01
	"$CV" staff attest S-0001 >/dev/null
	dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null
	"$CV" purge >"$T/o5" 2>"$T/e5"
	local prc=$?
	echo "purge=$prc lines=$(grep -c '' "$T/e5")"
	echo "purgemsg=$(cat "$T/e5")"
	rm -f "$M/fill"
	echo "purge-left=$(sqlite3 -readonly "$M/p/vault.db" "SELECT count(*) FROM records") certs=$(ls "$M/p/certificates" | wc -l)"
	"$CV" verify >/dev/null 2>"$T/e6"
	echo "pverify=$? $(cat "$T/e6")"
	"$CV" purge >/dev/null 2>&1
	echo "purge2=$? left=$(sqlite3 -readonly "$M/p/vault.db" "SELECT count(*) FROM records")"
	"$CV" verify >/dev/null 2>&1
	echo "pverify2=$?"
	gpgconf --homedir "$M/p/gnupg" --kill all 2>/dev/null
	umount "$M"
}
export -f inner tree_hash big_pdf
export CV T
res=$(unshare -m bash -c inner)
echo "$res" | sed 's/^/# /'
get() { sed -n "s/^$1=//p" <<<"$res"; }
check "setup: a small filing on the small disk works" test "$(get small)" = 0
check "a document bigger than the free space is refused in one line ($(get big))" test "$(get big)" = "1 lines=1"
check "  the message says the disk is full and what to do" grep -q "disk holding the vault is full: free some space" <<<"$(get bigmsg)"
check "  nothing changed (no partial archive; the index holds the same rows)" test "$(get big-unchanged)" = 1
check "  only the first archive is there" test "$(get archives)" = 1
check "with the disk full, a small filing is refused in one line ($(get full))" test "$(get full)" = "1 lines=1"
check "  and says so" grep -q "disk holding the vault is full" <<<"$(get fullmsg)"
check "  a note too" test "$(get note)" = "1 lines=1"
check "  an import reports failure" test "$(get import)" -ne 0
check "  and nothing changed" test "$(get full-unchanged)" = 1
check "once space is freed, verify passes" test "$(get verify)" = 0
check "  the first record is still there, and only it" test "$(get records)" = 1
check "  and filing works again" test "$(get after)" = 0
check "  verify passes again" test "$(get verify2)" = 0
check "a purge on a full disk: one line when it fails ($(get purge))" \
	bash -c '[ "${1%% *}" = 0 ] || [ "$1" = "1 lines=1" ]' _ "$(get purge)"
check "  it destroyed all or nothing ($(get purge-left))" grep -qE "^(2 certs=0|0 certs=1)$" <<<"$(get purge-left)"
check "  once space is freed, verify passes ($(get pverify))" test "$(get pverify)" = "0 "
check "  and a purge by hand finishes the job ($(get purge2))" test "$(get purge2)" = "0 left=0"
check "  verify passes at the end" test "$(get pverify2)" = 0
finish
