#!/bin/bash
# The manual pages the build generates from docs/commands/*.md and
# docs/service.md (packaging/gen-man.py, docs/install.md "Manual pages"):
# every command of the command table ('casevault help --commands') has a page
# that man renders without a warning, whose NAME names it and whose OPTIONS
# name every option the command takes; casevault(1) lists every command and
# casevaultd(8) names the daemon's options.  Needs no vault, no gpg.
source "${CV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

M=$CV_BUILD_DIR/packaging/man
if [ ! -f "$M/casevault.1" ]; then
	fail "no manual pages in $M (go-md2man missing? scripts/deps.sh installs it; the build's 'man' target makes them)"
	finish
fi
# render PAGE: the page as text, wide and unhyphenated so that an option stays one word
# (--warnings: troff's own, as lintian asks for them: a line read as a request)
render() { MANWIDTH=250 man --warnings --nh --nj -l "$1" 2>"$T/man.err"; }
# section TEXT-FILE NAME: the lines of one section of a rendered page
section() { awk -v s="$2" '$0 == s { on = 1; next } on && /^[A-Z]/ { exit } on' "$1"; }

"$CV" help --commands >"$T/table.json" || fail "casevault help --commands exits 0"
python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["commands"]:
    print(c["name"].replace(" ", "-") + "\t" + " ".join(o["name"] for o in c["options"]))
' "$T/table.json" >"$T/commands"
n=$(grep -c '' "$T/commands")
check "the command table has $n commands (parse error if fewer than 10)" test "$n" -ge 10

while IFS=$'\t' read -r name opts; do
	page=$M/casevault-$name.1
	if [ ! -f "$page" ]; then
		fail "casevault ${name//-/ }: no manual page casevault-$name.1"
		continue
	fi
	render "$page" >"$T/page" || { fail "man -l casevault-$name.1 fails: $(head -c 300 "$T/man.err")"; continue; }
	missing=
	section "$T/page" OPTIONS >"$T/opts"
	for o in $opts; do grep -q -- "$o\b" "$T/opts" || missing="$missing $o"; done
	if [ -s "$T/man.err" ]; then fail "casevault-$name(1) renders with warnings: $(head -c 300 "$T/man.err")"
	elif ! section "$T/page" NAME | grep -q "casevault-$name - [a-z]"; then fail "casevault-$name(1) has no NAME line"
	elif [ -n "$missing" ]; then fail "casevault-$name(1)'s OPTIONS do not name:$missing"
	else ok "casevault-$name(1) renders, and names its options (${opts:-none})"; fi
done <"$T/commands"

render "$M/casevault.1" >"$T/page"
check "casevault(1) renders without a warning ($(head -c 200 "$T/man.err"))" test ! -s "$T/man.err"
missing=
while IFS=$'\t' read -r name _; do grep -q "casevault-$name(1)" "$T/page" || missing="$missing $name"; done <"$T/commands"
check "casevault(1) refers to every command's page (missing:${missing:- none})" test -z "$missing"
check "casevault(1) describes the global options" eval 'section "$T/page" "GLOBAL OPTIONS" | grep -q -- "--passphrase-file"'

render "$M/casevaultd.8" >"$T/page"
check "casevaultd(8) renders without a warning ($(head -c 200 "$T/man.err"))" test ! -s "$T/man.err"
missing=
for o in $("$CV_BUILD_DIR/casevaultd" --help 2>&1 | grep -o -- '--[a-z-]*' | sort -u); do
	grep -q -- "$o\b" "$T/page" || missing="$missing $o"
done
check "casevaultd(8) names every option of casevaultd --help (missing:${missing:- none})" test -z "$missing"
check "...whose links point at the installed documentation, not at Markdown source" \
	eval '! grep -q "\](" "$T/page" && grep -q "/usr/share/doc/casevault/web.md" "$T/page"'
render "$M/casevault-init.1" >"$T/page"
check "a command's page refers to the others as manual pages (init: casevault(1), casevaultd(8))" \
	eval '! grep -q "\](" "$T/page" && grep -q "casevault(1)" "$T/page" && grep -q "casevaultd(8)" "$T/page"'
check "the pages are installed compressed (casevault-file.1.gz)" eval 'zcat "$M/casevault-file.1.gz" | cmp -s - "$M/casevault-file.1"'
finish
