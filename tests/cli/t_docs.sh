#!/bin/bash
# docs/commands/ and --help must not drift apart (STYLE: options as tables, a
# test compares them; git t0450-txt-doc-vs-help.sh).
#
# For every command `casevault --help` lists:
#   - docs/commands/<command, spaces as dashes>.md exists;
#   - it has a "## Options" section, and its lines "- `--name ARG`: ..." document
#     exactly the options `casevault <command> --help` lists under "options:"
#     (both directions, argument names included);
#   - it shows the usage line of --help ("casevault file CASE PATH...").
# Also: docs/commands/README.md documents exactly the global options, links every
# command page, and no page exists for a command that does not.
# Needs no vault, no gpg: only the binary and the docs.
source "${CV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

DOCS=$CV_SOURCE_DIR/docs/commands

# Option specs ("--name ARG" or "--name") from the option lines of a --help
# section on stdin: "  -o, --output PATH            write ..." -> "--output PATH".
help_opts() {
	sed -nE 's/^ +(-[A-Za-z0-9], )?(--[a-z0-9][a-z0-9-]*)( ([A-Z][A-Z0-9_.-]*))?( .*)?$/\2 \4/p' |
		sed -E 's/ +$//' | sort
}

# The lines of --help output ($1) from the header line $2 up to the next blank line.
help_section() {
	awk -v h="$2" '$0 == h { on = 1; next } on && /^$/ { exit } on { print }' "$1"
}

# Option specs documented in file $1 (only in its section "## $2" when given):
# every line that starts with "- `-" documents an option; its spec is the first
# backticked span that starts with "--" (or, failing that, its first span, so
# that a short-only entry cannot pass unnoticed).
doc_opts() {
	awk -v h="${2:+## $2}" 'h == "" || $0 == h { on = 1; if (h != "") next }
		h != "" && on && /^## / { exit }
		on { print }' "$1" |
		awk '/^- `-/ {
			n = split($0, p, "`"); spec = p[2]
			for (i = 2; i <= n; i += 2) if (p[i] ~ /^--/) { spec = p[i]; break }
			gsub(/[[:space:]]+/, " ", spec); sub(/ $/, "", spec); print spec
		}' | sort
}

# compare WHAT HELP-LIST DOC-LIST: every line of each must be in the other.
compare() {
	local what=$1 helpf=$2 docf=$3 o
	while IFS= read -r o; do
		[ -n "$o" ] || continue
		if grep -qxF -- "$o" "$docf"; then ok "$what: $o is documented"
		else fail "$what: '$o' is in --help but not documented"; fi
	done <"$helpf"
	while IFS= read -r o; do
		[ -n "$o" ] || continue
		if grep -qxF -- "$o" "$helpf"; then ok "$what: documented $o exists"
		else fail "$what: documents '$o', which --help does not list"; fi
	done <"$docf"
}

"$CV" --help >"$T/help" 2>&1 || fail "casevault --help exits 0"
awk '/Commands:/ { on = 1; next }
     on && /^$/ { if (n) exit; next }
     on && /^  [a-z]/ { sub(/^  /, ""); split($0, a, /  +/); print a[1]; n++ }' "$T/help" >"$T/commands"
ncmd=$(grep -c '' "$T/commands")
if [ "$ncmd" -ge 10 ]; then ok "casevault --help lists $ncmd commands"
else fail "casevault --help lists only $ncmd commands (parse error?)"; fi

first=
while IFS= read -r cmd; do
	page=$DOCS/${cmd// /-}.md
	# shellcheck disable=SC2086  # "case open" is two words on purpose
	"$CV" $cmd --help >"$T/h" 2>&1 || fail "$cmd --help exits 0"
	[ -n "$first" ] || { first=$cmd; cp "$T/h" "$T/h.first"; }
	if ! grep -qx 'options:' "$T/h" || ! grep -qx 'global options:' "$T/h"; then
		fail "$cmd --help has no 'options:' or 'global options:' section (parse error?)"
		continue
	fi
	if [ ! -f "$page" ]; then
		fail "$cmd: no page ${page#"$CV_SOURCE_DIR"/}"
		continue
	fi
	ok "$cmd: ${page#"$CV_SOURCE_DIR"/} exists"
	if grep -qx '## Options' "$page"; then ok "$cmd: page has an Options section"
	else fail "$cmd: page has no '## Options' section"; fi
	help_section "$T/h" 'options:' | help_opts >"$T/ho"
	doc_opts "$page" >"$T/do"
	compare "$cmd" "$T/ho" "$T/do"
	usage=$(sed -nE '1s/^usage: (.*) \[options\]$/\1/p' "$T/h")
	if [ -n "$usage" ] && grep -qF -- "$usage" "$page"; then ok "$cmd: page shows '$usage'"
	else fail "$cmd: page does not show the usage line '$usage'"; fi
	if grep -qF '(README.md#global-options)' "$page"; then ok "$cmd: page refers to the global options"
	else fail "$cmd: page does not refer to README.md#global-options"; fi
	if grep -qF "(${cmd// /-}.md)" "$DOCS/README.md"; then ok "$cmd: listed in docs/commands/README.md"
	else fail "$cmd: not listed in docs/commands/README.md"; fi
done <"$T/commands"

# Global options: README.md against the "global options:" section of --help.
if [ -n "$first" ] && [ -f "$DOCS/README.md" ]; then
	help_section "$T/h.first" 'global options:' | help_opts >"$T/hg"
	doc_opts "$DOCS/README.md" 'Global options' >"$T/dg"
	if [ -s "$T/hg" ]; then ok "--help lists global options"; else fail "--help lists no global options (parse error?)"; fi
	compare "global options" "$T/hg" "$T/dg"
else
	fail "docs/commands/README.md is missing"
fi

# No page for a command that does not exist.
tr ' ' '-' <"$T/commands" >"$T/pages"
for page in "$DOCS"/*.md; do
	name=$(basename "$page" .md)
	[ "$name" = README ] && continue
	if grep -qxF -- "$name" "$T/pages"; then ok "page $name.md belongs to a command"
	else fail "page docs/commands/$name.md documents no command in casevault --help"; fi
done

finish
