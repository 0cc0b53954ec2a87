#!/bin/bash
# Property 1: byte-identical round trip for real documents of every allowed
# type, for a note, and for a 200 MB document; hash and signature checked.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"

new_vault
C=$(new_case "Round Trip Parent" "Round Trip Child" 2013-07-08)
make_docs "$T/docs"

# Every allowed type, made here (the suite must pass without ../shared/corpus).
docs=("$T/docs/letter.pdf" "$T/docs/scan.png" "$T/docs/scan.jpg" "$T/docs/scan.tif"
      "$T/docs/note.txt" "$T/docs/report.odt" "$T/docs/report.docx" "$T/docs/mail.eml")
want_mime=(application/pdf image/png image/jpeg image/tiff text/plain
	   application/vnd.oasis.opendocument.text
	   application/vnd.openxmlformats-officedocument.wordprocessingml.document message/rfc822)
run_cv file "$C" "${docs[@]}" --class letter --date 2026-11-02 --json
check "file every allowed type in one call" test "$RC" -eq 0
for i in "${!docs[@]}"; do
	id=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][$i]['record'])")
	mime=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][$i]['mime'])")
	check "type of $(basename "${docs[$i]}") is ${want_mime[$i]} (from content)" test "$mime" = "${want_mime[$i]}"
	"$CV" get "$id" --purpose test-copy -o "$T/out-$i" 2>/dev/null
	check "round trip $(basename "${docs[$i]}") via -o" cmp -s "${docs[$i]}" "$T/out-$i"
	check "retrieved file is mode 0600" test "$(stat -c %a "$T/out-$i")" = 600
	"$CV" get "$id" >"$T/stdout-$i" 2>/dev/null
	check "round trip $(basename "${docs[$i]}") via stdout" cmp -s "${docs[$i]}" "$T/stdout-$i"
done

# To a terminal: text is shown once checked, anything else is refused with a hint
# and not one byte of it reaches the screen.
if command -v script >/dev/null; then
	png_id=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][1]['record'])")
	txt_id=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][4]['record'])")
	script -qec "'$CV' get $png_id; echo rc=\$?" /dev/null >"$T/tty-png" 2>&1
	check "get of a PNG to a terminal: exit 2" grep -q 'rc=2' "$T/tty-png"
	check "  one line saying to use -o" test "$(grep -c 'is image/png, not text; write it to a file with -o PATH' "$T/tty-png")" -eq 1 -a "$(grep -vc '^rc=' "$T/tty-png")" -eq 1
	check "  no byte of the PNG on the terminal" bash -c "! grep -aq PNG '$T/tty-png'"
	script -qec "'$CV' get $txt_id; echo rc=\$?" /dev/null >"$T/tty-txt" 2>&1
	check "get of a text note to a terminal shows it (exit 0)" grep -q 'rc=0' "$T/tty-txt"
	check "  the note's text is on the terminal" grep -q 'Meeting with the SENCO about the EHCP.' "$T/tty-txt"
fi

# Several documents of the same type in one call come back as themselves.
printf 'First note.\n' >"$T/a.txt"; printf 'Second note, longer.\n' >"$T/b.txt"; printf 'Third.\n' >"$T/c.txt"
run_cv file "$C" "$T/a.txt" "$T/b.txt" "$T/c.txt" --class case-note --json
for i in 0 1 2; do
	f=$(printf 'a b c' | cut -d' ' -f$((i + 1)))
	id=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][$i]['record'])")
	"$CV" get "$id" >"$T/same-$i" 2>/dev/null
	check "same-type batch: $f.txt comes back as itself" cmp -s "$T/$f.txt" "$T/same-$i"
done

# Encryption helpers that hand the archive key to gpg through gpg-agent (their
# fallback when they cannot make a GnuPG home of their own) file the same bytes.
# file_pair LABEL: file scan.png and note.txt in one call, and check that both come back as themselves.
file_pair() {
	local i f id
	run_cv file "$C" "$T/docs/scan.png" "$T/docs/note.txt" --class letter --json --allow-duplicate
	check "filing $1 succeeds" test "$RC" -eq 0
	for i in 0 1; do
		f=$(printf 'scan.png note.txt' | cut -d' ' -f$((i + 1)))
		id=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][$i]['record'])")
		"$CV" get "$id" >"$T/pair-$i" 2>/dev/null
		check "$1: $f comes back as itself" cmp -s "$T/docs/$f" "$T/pair-$i"
	done
}
CASEVAULT_HELPER_HOME=0 file_pair "through the helpers' agent fallback"

# Without the casevault-helper program (a casevault copied away from it, or an
# install that lacks it) the forked helpers serve in-process: the same bytes.
mkdir -p "$T/lone"
cp "$CV" "$T/lone/casevault"
[ ! -x "$(dirname "$CV")/casevault-direct" ] || cp "$(dirname "$CV")/casevault-direct" "$T/lone/"
if [ ! -x "$(dirname "$CV")/casevault-helper" ]; then
	echo "# no casevault-helper beside $CV: every filing above already ran without it"
elif [ -e /usr/local/libexec/casevault/casevault-helper ] || [ -e /usr/libexec/casevault/casevault-helper ]; then
	echo "# an installed casevault-helper would be found: the in-process case is not run here"
else
	CVBAK=$CV
	CV=$T/lone/casevault
	file_pair "without the helper program"
	check "no helper GnuPG home is left behind" sh -c "! ls -d '$CASEVAULT_DIR'/gnupg/sym-* 2>/dev/null"
	CV=$CVBAK
fi

# The shared corpus, when present.
if [ -d "$CORPUS" ]; then
	n=0
	for f in "$CORPUS"/*.pdf "$CORPUS"/*.jpg "$CORPUS"/*.tiff "$CORPUS"/*.png "$CORPUS"/*.odt; do
		[ -f "$f" ] || continue
		run_cv file "$C" "$f" --class report --json --allow-duplicate
		id=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][0]['record'])" 2>/dev/null)
		"$CV" get "$id" --purpose test-copy -o "$T/corpus-$n" 2>/dev/null
		check "corpus round trip $(basename "$f")" cmp -s "$f" "$T/corpus-$n"
		n=$((n + 1))
	done
else
	echo "# ../shared/corpus is absent: corpus documents skipped (generated documents above cover every type)"
fi

# A note from standard input.
printf 'Phone call with the parent.\nThe school will call back on Tuesday.\n' >"$T/note-in"
run_cv note "$C" --class phone-call --json <"$T/note-in"
nid=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][0]['record'])")
"$CV" get "$nid" >"$T/note-out" 2>/dev/null
check "note round trip" cmp -s "$T/note-in" "$T/note-out"

# A 200 MB document (incompressible, PDF by its magic bytes).
big_pdf "$T/big.pdf" 200M
run_cv file "$C" "$T/big.pdf" --class report --json
check "file a 200 MB document" test "$RC" -eq 0
bid=$(printf '%s' "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['filed'][0]['record'])")
"$CV" get "$bid" --purpose test-copy -o "$T/big.out" 2>/dev/null
check "200 MB round trip" cmp -s "$T/big.pdf" "$T/big.out"
rm -f "$T/big.pdf" "$T/big.out"

run_cv verify
check "verify passes after the round trips" test "$RC" -eq 0
finish
