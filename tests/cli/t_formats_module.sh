#!/bin/bash
# The document formats module (docs/architecture.md, "The document formats
# module"): a command that reads no document does not load it; the first
# document read loads it, checked by identity; a module that is missing,
# writable by others, a link, or not casevault's is refused in one line, and
# a document that needs it is then refused, never filed unchecked.
# CASEVAULT_FORMATS_MODULE names another module in a test build only.
. "$(dirname "$0")/lib.sh"

F=$CV_SOURCE_DIR/tests/fixtures/formats
MOD=$CV_BUILD_DIR/casevault-formats.so
new_vault
C=$(new_case)

# ---- loaded on first use only
CASEVAULT_DEBUG=formats "$CV_BUILD_DIR/casevault-direct" --version >"$T/out" 2>"$T/err"
check "casevault-direct --version does not load the module" not grep -q "formats module" "$T/err"
CASEVAULT_DEBUG=formats run_cv ls "$C"
check "ls does not load the module (exit $RC)" not grep -q "formats module" "$T/err"
printf 'A note, filed as text.\n' >"$T/note.txt"
CASEVAULT_DEBUG=formats run_cv file "$C" "$T/note.txt" --class correspondence
check "filing text files it without the module (exit $RC: $ERR)" test "$RC" -eq 0
check "  and does not load it" not grep -q "formats module" "$T/err"
CASEVAULT_DEBUG=formats run_cv file "$C" "$F/letter.pdf" --class correspondence
check "filing a PDF loads the module from the build tree (exit $RC)" \
	grep -qx "casevault: debug: document formats module: $MOD" "$T/err"

# ---- refused: the document is refused in one line, nothing is filed
# refused DESCRIPTION MODULE WORDS
refused() {
	local d=$1 before
	before=$(tree_hash "$V")
	CASEVAULT_FORMATS_MODULE=$2 expect_fail "$d" file "$C" "$F/notes.odt" --class correspondence
	check "  one line: cannot load the module $2, why, reinstall" \
		grep -qF "cannot load the document formats module $2: $3; reinstall casevault" "$T/err"
	check "  nothing filed" test "$before" = "$(tree_hash "$V")"
}
mkdir -m 0755 "$T/m"
cp "$MOD" "$T/m/casevault-formats.so"
chmod 0755 "$T/m/casevault-formats.so"
refused "a module that is not there" "$T/m/gone.so" "$T/m/gone.so: No such file or directory"
chmod g+w "$T/m/casevault-formats.so"
refused "a module the group may write" "$T/m/casevault-formats.so" \
	"$T/m/casevault-formats.so: writable by group or others"
chmod g-w "$T/m/casevault-formats.so"
chmod o+w "$T/m"
refused "a module in a directory others may write" "$T/m/casevault-formats.so" "$T/m: writable by group or others"
chmod o-w "$T/m"
ln -s casevault-formats.so "$T/m/link.so"
refused "a symbolic link to a sound module" "$T/m/link.so" "$T/m/link.so: a symbolic link"
for i in $(seq 100); do echo 'not a module, a text file'; done >"$T/m/text.so"
refused "a file that is not a shared object" "$T/m/text.so" "invalid ELF header"
zlib=$(ldconfig -p | awk '/libz\.so\.1 .*x86-64/ { print $NF; exit }')
if [ -n "$zlib" ]; then
	cp "$zlib" "$T/m/other.so"
	refused "a shared object that is not casevault's module" "$T/m/other.so" "it has no cv_fmt_module_v1"
fi
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$T/m/casevault-formats.so"
	refused "a module owned by another user" "$T/m/casevault-formats.so" \
		"$T/m/casevault-formats.so: owned by another user"
	chown root "$T/m/casevault-formats.so"
fi

# ---- the layer's own calls fail closed too (formats_tool: the bundle's checks)
CASEVAULT_FORMATS_MODULE=$T/m/gone.so "$CV_BUILD_DIR/formats_tool" text application/pdf "$F/letter.pdf" \
	"$T/t.txt" 2>"$T/err"
check "cv_fmt_text fails without the module" test $? -ne 0
check "  saying why" grep -q "cannot load the document formats module" "$T/err"
check "  and writes nothing" test ! -s "$T/t.txt"
check "the sound module, named, reads the PDF" env CASEVAULT_FORMATS_MODULE="$T/m/casevault-formats.so" \
	"$CV_BUILD_DIR/formats_tool" text application/pdf "$F/letter.pdf" "$T/t2.txt"
check "  its text" grep -q "met the social worker" "$T/t2.txt"
finish
