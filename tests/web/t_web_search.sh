#!/bin/bash
# The search page of casevaultd's web interface (docs/web.md, Search;
# docs/commands/search.md), driven over HTTP without a browser
# (tests/web/webclient.py): a caseworker finds a case by the child's name and
# a note by a word of its text, never the child-protection note that holds the
# same word nor a case she is not assigned to; the manager finds both cases'
# notes; the words are POSTed (in no URL, no daemon log line, no audit event:
# the audit says how many were found); an empty search is refused with the
# CLI's line; a POST without its CSRF token changes and finds nothing; the
# top bar offers the page to the roles that may search.  Real OS accounts
# (root only: exit 77), the real daemon, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
C=$(as_svc "$CV" case open --parent "Pat Parent" --child "Kimberley Child" --child-dob 2014-05-06 --pr-confirmed)
C2=$(as_svc "$CV" case open --parent "Lou Other" --child "Max Other" --child-dob 2013-02-03 --pr-confirmed)
as_svc "$CV" case assign "$C" "$A" >/dev/null
WORD=tribunalxq$$   # one word, found nowhere else
mkdir -m 755 "$T/docs"
printf 'Letter about the %s hearing date.\n' "$WORD" >"$T/docs/letter.txt"
printf 'Concern: the %s worried the child.\n' "$WORD" >"$T/docs/cp.txt"
printf 'The other family'"'"'s %s papers.\n' "$WORD" >"$T/docs/other.txt"
chmod 644 "$T/docs"/*
R1=$(as_svc "$CV" file "$C" "$T/docs/letter.txt" --class letter --title "Hearing letter" | cut -f1 -d' ')
RCP=$(as_svc "$CV" file "$C" "$T/docs/cp.txt" --class cp-note --cp | cut -f1 -d' ')
R2=$(as_svc "$CV" file "$C2" "$T/docs/other.txt" --class case-note --title "Papers" | cut -f1 -d' ')
check "setup: $R1 and CP note $RCP in $C (Ada's), $R2 in $C2" test -n "$R1" -a -n "$RCP" -a -n "$R2"
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"

# ids_of JAR: the record ids and case ids the last results page lists, "case:record" each
ids_of() {
	python3 -c 'import re,sys
print(" ".join(sorted("%s:%s" % m for m in re.findall(r"<tr><td><a href=\"/case/([^\"]+)\">[^<]*</a></td><td>(?:<a href=\"/record/([^\"/]+)/fix\">)?", open(sys.argv[1]).read()))))' "$T/jar.$1.body"
}

web ada signin "$A"
check "the caseworker's top bar offers search ($(nav_of ada))" bash -c 'grep -qw /search <<<"$1"' _ "$(nav_of ada)"
web ada get /search
check "  ... the page is a form that POSTs the words (200)" \
	bash -c '[ "$1" = 200 ] && grep -qF "<form method=\"post\" action=\"/search\" role=\"search\">" "$2"' _ "${WST%% *}" "$T/jar.ada.body"
web ada post /search "query=$WORD"
check "she searches for a word of three notes (200)" test "${WST%% *}" = 200
check "  ... she finds her case's letter, by its text, and nothing else ($(ids_of ada))" test "$(ids_of ada)" = "$C:$R1"
check "  ... never the child-protection note holding the word" not page_has ada "$RCP"
check "  ... nor the case she is not assigned to" not page_has ada "$C2"
web ada post /search "query=kimberley"
check "she finds her case by the child's name, in any case ($(ids_of ada))" \
	bash -c '[ "$1" = "$2:" ] && grep -qF "Kimberley Child" "$3"' _ "$(ids_of ada)" "$C" "$T/jar.ada.body"
web ada post /search "query="
check "an empty search is refused (${WST%% *}) with the CLI's line ($(alert_of ada))" \
	bash -c '[ "${1%% *}" != 200 ] && [ "$2" = "$3" ]' _ "$WST" "$(alert_of ada)" \
	"$(svc_cv "$UA" search "" 2>&1 >/dev/null | sed 's/^casevault: //')"
web ada post /search --no-csrf "query=$WORD"
check "a search without its CSRF token is refused (403) and lists nothing" \
	bash -c '[ "${1%% *}" = 403 ] && ! grep -qF "$2" "$3"' _ "$WST" "$R1" "$T/jar.ada.body"

web mgr signin S-0001
web mgr post /search "query=$WORD"
check "the manager finds both cases' notes ($(ids_of mgr))" \
	bash -c 'grep -qF "$2:$3" <<<"$1" && grep -qF "$4:$5" <<<"$1"' _ "$(ids_of mgr)" "$C" "$R1" "$C2" "$R2"

AUDIT=$(as_svc "$CV" --json audit show)
check "each search is audited as its person's, with the count found" test "$(python3 -c '
import json, sys
print(" ".join("%s:%s" % (e["acted_by"], e["outcome"]) for e in json.load(sys.stdin)["events"] if e["action"] == "search"))' <<<"$AUDIT" | wc -w)" -ge 3
check "the searched words are in no audit event" not grep -qi "$WORD\|kimberley" <<<"$AUDIT"
check "nor in the daemon's log" not grep -qi "$WORD\|kimberley" "$T/daemon.log"
check "nor anywhere in the vault's files" not grep -rqi "$WORD" "$V"
check "verify passes" as_svc "$CV" verify
finish
