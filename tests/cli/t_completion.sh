#!/bin/bash
# The bash completion the build generates from the command table
# (packaging/gen-completion.py, docs/install.md "Shell completion"), sourced
# into this bash and asked as bash asks it at a prompt (COMP_WORDS,
# COMP_CWORD): every command of 'casevault help --commands' is reached word
# by word, each offers exactly its options and the global ones after "-",
# file names are offered where the table's words name a file, and nothing
# where a value is the office's own.  Needs no vault, no gpg.
source "${CV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

# load PROGRAM: source the completion the build generated for it, which must
# register _PROGRAM; comp then asks that function
load() {
	local prog=$1 f=$CV_BUILD_DIR/packaging/completion/$1
	if [ ! -f "$f" ]; then
		fail "no completion script $f (the build's 'completion' target makes it)"
		finish
	fi
	# shellcheck source=/dev/null
	source "$f"
	check "sourcing it registers _$1 for $1 ($(complete -p "$1" 2>&1))" \
		eval '[[ "$(complete -p "$prog" 2>/dev/null)" == *"-F _$prog"* ]]'
	FN=_$1
}
load casevault

# comp WORD...: the completions of the last word, one per line, sorted
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	"$FN"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
# is WORDS EXPECTED...: the completion of WORDS (one string, split) is exactly EXPECTED
is() {
	local words=$1 got want
	shift
	local -a w
	read -r -a w <<<"$words"
	[[ $words != *" " ]] || w+=("")   # a space last: the word being completed is empty
	got=$(comp "${w[@]}" | tr '\n' ' ' | sed 's/ $//')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then ok "'${words}_' completes to: ${want:-nothing}"
	else fail "'${words}_' completes to '$got', not '$want'"; fi
}

is "casevault c" case certificates classes consent
is "casevault ca" case
is "casevault case per" person
is "casevault case person " add list
is "casevault -C /srv/v --json case op" open
is "casevault --as S-0002 review a" approve
is "casevault file C-2026-0001 --c" --class --cp
is "casevault file C-2026-0001 --class " ""
is "casevault --" --vault --json --as --passphrase-file --help --version
is "casevault case open --parent - --ch" --child --child-dob

# file names where the table's words name a file, nothing where they do not
mkdir "$T/docs" && touch "$T/docs/manifest.csv" "$T/docs/letter.pdf"
is "casevault import $T/docs/m" "$T/docs/manifest.csv"
is "casevault file C-2026-0001 $T/docs/l" "$T/docs/letter.pdf"
is "casevault --passphrase-file $T/docs/man" "$T/docs/manifest.csv"
is "casevault get R-000001 --output $T/docs/le" "$T/docs/letter.pdf"
is "casevault ls $T/docs/l" ""

# every command of the table: its words one by one, then its options
"$CV" help --commands >"$T/table.json" || fail "casevault help --commands exits 0"
python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
g = " ".join(o["name"] for o in t["global_options"])
for c in t["commands"]:
    print(c["name"] + "\t" + " ".join(o["name"] for o in c["options"]) + " " + g)
' "$T/table.json" >"$T/commands"
bad=
n=0
while IFS=$'\t' read -r name opts; do
	n=$((n + 1))
	read -r -a w <<<"$name"
	for ((i = 0; i < ${#w[@]}; i++)); do
		comp casevault "${w[@]:0:i}" "${w[i]:0:2}" | grep -qx -- "${w[i]}" || bad="$bad '$name' (word ${w[i]})"
	done
	got=$(comp casevault "${w[@]}" -- | tr '\n' ' ')
	want=$(printf '%s\n' $opts | sort -u | tr '\n' ' ')
	[ "$got" = "$want" ] || bad="$bad '$name' (options: '$got', not '$want')"
done <"$T/commands"
check "all $n commands of the table are completed word by word, with their options${bad:+:$bad}" \
	test -z "$bad" -a "$n" -ge 10

# ---- casevaultd's, from its option table ('casevaultd --options')
load casevaultd
all=$("$CV_BUILD_DIR/casevaultd" --options | python3 -c '
import json, sys
print(" ".join(w for o in json.load(sys.stdin)["options"] for w in (o["name"], o["short"]) if w))')
got=$(comp casevaultd - | tr '\n' ' ' | sed 's/ $//')
check "'casevaultd -_' offers every option of its table ($got)" \
	test "$got" = "$(printf '%s\n' $all | sort | tr '\n' ' ' | sed 's/ $//')" -a -n "$all"
is "casevaultd --web-" --web-idle --web-listen --web-name
is "casevaultd --tl" --tls-cert --tls-key
is "casevaultd --vault $T/do" "$T/docs"
is "casevaultd --intake $T/do" "$T/docs"
is "casevaultd --tls-key $T/docs/le" "$T/docs/letter.pdf"
is "casevaultd --web " ""
is "casevaultd --web-name " ""
finish
