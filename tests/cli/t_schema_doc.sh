#!/bin/bash
# The "Schema" section of docs/architecture.md must describe the index that
# casevault really creates, so that the page cannot drift from index.c.
#
# A new vault is made with the real binary; its schema is read with sqlite3
# (sqlite_master, PRAGMA table_info, PRAGMA user_version) and compared with
# the page, both ways:
#   - every table of the vault has a "### table NAME" heading, and every such
#     heading names a table of the vault (once);
#   - the heading's "columns: a, b, c" line lists exactly the table's columns,
#     in their order; a "sealed:" line names only columns of the table;
#   - the version given as "`PRAGMA user_version` = N" is the vault's.
# Each disagreement fails with the table (and column) named.
source "${CV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/lib.sh"

DOC=$CV_SOURCE_DIR/docs/architecture.md
db() { sqlite3 -readonly "$V/vault.db" "$@"; }

new_test_vault

# ---- the page: one line per table, "TABLE<TAB>col1,col2,...<TAB>sealed1,..." ----
# Only the "## Schema" section counts; a heading without a columns: line right
# after it (blank lines aside) is reported as such.
awk '
	/^## / { on = ($0 == "## Schema"); next }
	!on { next }
	/^### table / {
		if (name != "") print name "\t" cols "\t" sealed
		name = $3; cols = "-"; sealed = ""; want = 1
		if (NF != 3) name = "BAD:" $0
		next
	}
	/^### / { if (name != "") print name "\t" cols "\t" sealed; name = ""; want = 0; next }
	name != "" && /^columns:/ { sub(/^columns:[ \t]*/, ""); gsub(/[ \t]/, ""); cols = $0; next }
	name != "" && /^sealed:/ { sub(/^sealed:[ \t]*/, ""); gsub(/[ \t]/, ""); sealed = $0; next }
	END { if (name != "") print name "\t" cols "\t" sealed }
' "$DOC" >"$T/doc"

ndoc=$(grep -c '' "$T/doc")
if [ "$ndoc" -ge 1 ]; then ok "docs/architecture.md describes $ndoc tables under '## Schema'"
else fail "docs/architecture.md has no '### table NAME' headings under '## Schema' (parse error?)"; fi
while IFS=$'\t' read -r t _; do
	case $t in BAD:*) fail "malformed heading in docs/architecture.md: '${t#BAD:}' (expected '### table NAME')" ;; esac
done <"$T/doc"
while read -r t; do
	fail "docs/architecture.md describes table $t more than once"
done < <(cut -f1 "$T/doc" | sort | uniq -d)

# ---- the vault: the same shape ----
db "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name" >"$T/tables"
nreal=$(grep -c '' "$T/tables")
if [ "$nreal" -ge 1 ]; then ok "the new vault has $nreal tables"
else fail "cannot read the tables of the new vault's index"; fi
: >"$T/real"
while read -r t; do
	cols=$(db "PRAGMA table_info(\"$t\")" | cut -d'|' -f2 | paste -sd, -)
	printf '%s\t%s\n' "$t" "$cols" >>"$T/real"
done <"$T/tables"

# ---- compare, both ways ----
while IFS=$'\t' read -r t rcols; do
	line=$(awk -F'\t' -v t="$t" '$1 == t { print; exit }' "$T/doc")
	if [ -z "$line" ]; then
		fail "table $t is in the vault but not in docs/architecture.md (add '### table $t' and 'columns: ${rcols//,/, }')"
		continue
	fi
	dcols=$(printf '%s' "$line" | cut -f2)
	sealed=$(printf '%s' "$line" | cut -f3)
	if [ "$dcols" = "-" ] || [ -z "$dcols" ]; then
		fail "table $t: docs/architecture.md has no 'columns:' line after its heading"
		continue
	fi
	bad=0
	for c in ${rcols//,/ }; do
		case ",$dcols," in *",$c,"*) ;; *) fail "table $t: column $c is in the vault but not in docs/architecture.md"; bad=1 ;; esac
	done
	for c in ${dcols//,/ }; do
		case ",$rcols," in *",$c,"*) ;; *) fail "table $t: docs/architecture.md lists column $c, which the vault does not have"; bad=1 ;; esac
	done
	if [ "$bad" -eq 0 ]; then
		if [ "$dcols" = "$rcols" ]; then ok "table $t: columns match (${rcols//,/, })"
		else fail "table $t: columns are listed out of order: docs say ${dcols//,/, }; the vault has ${rcols//,/, }"; fi
	fi
	for c in ${sealed//,/ }; do
		case ",$rcols," in *",$c,"*) ok "table $t: sealed column $c exists" ;;
		*) fail "table $t: docs/architecture.md says column $c is sealed, but the vault has no such column" ;; esac
	done
done <"$T/real"
while IFS=$'\t' read -r t _; do
	case $t in BAD:*) continue ;; esac
	if grep -qxF -- "$t" "$T/tables"; then :
	else fail "docs/architecture.md describes table $t, which the vault does not have"; fi
done <"$T/doc"

# ---- the schema version ----
real_ver=$(db "PRAGMA user_version")
# shellcheck disable=SC2016  # the backquotes are literal: they are in the page
doc_ver=$(awk '/^## / { on = ($0 == "## Schema"); next } on' "$DOC" |
	grep -oE '`PRAGMA user_version` = [0-9]+' | head -1 | grep -oE '[0-9]+$')
if [ -z "$doc_ver" ]; then fail "docs/architecture.md gives no schema version ('\`PRAGMA user_version\` = N') under '## Schema'"
elif [ "$doc_ver" = "$real_ver" ]; then ok "schema version $real_ver as documented"
else fail "docs/architecture.md says schema version $doc_ver; the vault's PRAGMA user_version is $real_ver"; fi

finish
