#!/bin/bash
# A volunteer files a note from the web interface (docs/web.md, Deposits by
# volunteers), over HTTP without a browser (tests/web/webclient.py): they
# sign in to a deposit-only session whose one page is the note form; a note
# POSTed with the session's CSRF token is filed by cv_file as 'casevault
# note' files it for a volunteer, a deposit wrapped to the case's deposit
# key that nobody lists until a caseworker's next command adopts it; then it
# reads back byte for byte, and the audit trail has the filing as the
# volunteer's.  Bad input is refused with the CLI's very line and files
# nothing; every other page is refused (403) and audited; a form without its
# token, or after sign-out, is refused.  A caseworker has no use of the form.
# Real OS accounts (root only: exit 77), the real daemon, real gpg, one vault.
source "$CV_SOURCE_DIR/tests/cli/lib.sh"
source "$CV_SOURCE_DIR/tests/cli/svc_lib.sh"
source "$CV_SOURCE_DIR/tests/web/web_lib.sh"

web_root_only
svc_setup
printf 'vol-web-pass-%s\n' "$$" >"$T/svc/vol.pass"
chown "$SVC" "$T/svc/vol.pass"
VO=$(as_svc "$CV" staff add "Vic Volunteer" --role volunteer --new-passphrase-file "$T/svc/vol.pass")
as_svc "$CV" staff attest "$VO" >/dev/null
C=$(as_svc "$CV" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
as_svc "$CV" case assign "$C" "$A" >/dev/null
# the manager's note: a key holder's unlock publishes the case's deposit key (docs/architecture.md, Keys: deposits)
R1=$(printf 'A letter.\n' | as_svc "$CV" note "$C" --class case-note --title "Letter one" | cut -f1 -d' ')
check "setup: volunteer $VO with no OS user, caseworker $A on $C, $R1 in it, a deposit key" \
	test -n "$VO" -a -n "$R1" -a -n "$(db "SELECT value FROM meta WHERE key = 'deposit.case'")"
TODAY=$(date -u +%F) TOMORROW=$(date -u -d tomorrow +%F)
deposits() { db "SELECT count(*) FROM deposits"; }
web_start
check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"

# The CLI's lines for the bad notes, from the caseworker's 'casevault note' (the
# library's checks are the same for a volunteer: tests/cli/t_deposit.sh), before
# anything is deposited, since a key holder's command adopts what waits.
printf 'bad\0text' >"$T/nul.txt"
printf 'bad \033[31m text' >"$T/esc.txt"
printf 'ok' >"$T/ok.txt"
cli_line() { # cli_line TEXTFILE NOTE-ARGS...: the one line 'note' refuses with, without "casevault: "
	local f=$1
	shift
	svc_cv "$UA" note "$@" <"$f" 2>&1 >/dev/null | sed -n 's/^casevault: //p' | head -n 1
}
L_NUL=$(cli_line "$T/nul.txt" "$C" --class phone-call)
L_ESC=$(cli_line "$T/esc.txt" "$C" --class phone-call)
L_DATE=$(cli_line "$T/ok.txt" "$C" --class phone-call --date 2026-02-30)
L_FUTURE=$(cli_line "$T/ok.txt" "$C" --class phone-call --date "$TOMORROW")
L_CASE=$(cli_line "$T/ok.txt" C-2099-9999 --class phone-call)
L_CLASS=$(cli_line "$T/ok.txt" "$C" --class no-such-class)
L_CP=$(cli_line "$T/ok.txt" "$C" --class cp-note)
check "setup: the CLI's lines ($L_NUL | $L_DATE | $L_CASE | $L_CLASS | $L_CP)" \
	test -n "$L_NUL" -a -n "$L_ESC" -a -n "$L_DATE" -a -n "$L_FUTURE" -a -n "$L_CASE" -a -n "$L_CLASS" -a -n "$L_CP"
check "setup: nothing was filed by them" test "$(svc_cv "$UA" --json ls "$C" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["records"]))')" = 1

# ---- the volunteer signs in to the note form
web vol signin "$VO" "$(cat "$T/svc/vol.pass")"
check "the volunteer signs in by a signature and lands on the note form ($WST)" test "$WST" = "303 /deposit"
check "  ... a form posting to /deposit with its CSRF token" \
	bash -c 'grep -qF "<form method=\"post\" action=\"/deposit\">" "$1" && grep -qF "name=\"csrf\"" "$1"' _ "$T/jar.vol.body"
check "  ... its fields: the case, the class, the text, a title and a date" \
	bash -c 'for n in case class text title date; do grep -qF "name=\"$n\"" "$1" || exit 1; done' _ "$T/jar.vol.body"
check "  ... the case file's classes (phone-call), none of the child-protection file (cp-note)" \
	bash -c 'grep -qF "value=\"phone-call\"" "$1" && ! grep -qF "value=\"cp-note\"" "$1"' _ "$T/jar.vol.body"
check "  ... a top bar of the note form only ($(nav_of vol))" test "$(nav_of vol)" = /deposit
check "  ... and nothing of any case" not grep -q -e "$C" -e "Kim Child" -e "Pat Parent" -e "Letter one" "$T/jar.vol.body"

# ---- bad notes: the CLI's line, the form again with what was typed, nothing filed
bad() { # bad WHAT STATUS LINE FIELDS...
	local what=$1 status=$2 line=$3
	shift 3
	web vol post /deposit "$@"
	check "$what is refused (${WST%% *}): $(alert_of vol)" \
		test "${WST%% *}" = "$status" -a "$(alert_of vol)" = "$line" -a "$(deposits)" = 0
}
bad "a note with a NUL" 400 "$L_NUL" "case=$C" class=phone-call "text<$T/nul.txt"
bad "a note with an escape character" 400 "$L_ESC" "case=$C" class=phone-call "text<$T/esc.txt"
check "  ... and the form comes back with the case and class typed" \
	bash -c 'grep -qF "value=\"$2\"" "$1" && grep -qF "value=\"phone-call\" selected" "$1"' _ "$T/jar.vol.body" "$C"
bad "a date that is no date" 400 "$L_DATE" "case=$C" class=phone-call date=2026-02-30 "text=ok"
bad "a date in the future" 400 "$L_FUTURE" "case=$C" class=phone-call "date=$TOMORROW" "text=ok"
bad "an unknown case" 404 "$L_CASE" case=C-2099-9999 class=phone-call "text=ok"
bad "an unknown class" 404 "$L_CLASS" "case=$C" class=no-such-class "text=ok"
bad "a class of the child-protection file" 403 "$L_CP" "case=$C" class=cp-note "text=ok"
web vol post /deposit "case=$C" class=phone-call "title<$T/nul.txt" text=ok
check "a title with a NUL, which no field takes, is refused by the web process (${WST%% *}): $(alert_of vol)" \
	bash -c '[ "${1%% *}" = 400 ] && grep -q "NUL character" <<<"$2" && [ "$3" = 0 ]' _ "$WST" "$(alert_of vol)" "$(deposits)"
check "  ... none of the refusals shows anything of the case" \
	not grep -q -e "Kim Child" -e "Pat Parent" -e "Letter one" "$T/jar.vol.body"
web vol post /deposit --no-csrf "case=$C" class=phone-call "text=no token"
check "a note without the CSRF token is refused (${WST%% *}), nothing filed" \
	test "${WST%% *}" = 403 -a "$(deposits)" = 0
web vol post /deposit --no-origin "case=$C" class=phone-call "text=no origin"
check "  ... and one without an Origin (${WST%% *})" test "${WST%% *}" = 403 -a "$(deposits)" = 0

# ---- a note filed: a deposit, out of every listing until a caseworker's command
MARK="deposit-marker-$$"
printf 'Rang the family at 10:05.\r\nMother says: «ça va» — %s\n\tAsked for a call back.\n' "$MARK" >"$T/note.txt"
web vol post /deposit "case=$C" class=phone-call "title=Phone call" "date=$TODAY" "text<$T/note.txt"
RID=${WST#303 /deposit/filed/}
check "the volunteer files a note ($WST)" grep -qE '^R-[0-9]{6}$' <<<"$RID"
check "  ... it waits as a deposit, wrapped to the deposit key, in no records row" \
	test "$(deposits)" = 1 -a "$(db "SELECT count(*) FROM records WHERE id = '$RID'")" = 0 -a \
	"$(db "SELECT substr(wrapped_key, 1, 6) FROM deposits")" = "cvdp1:"
web vol get "/deposit/filed/$RID"
check "  ... the page says it was filed, with its reference (${WST%% *})" \
	bash -c '[ "${1%% *}" = 200 ] && grep -qF "$3" "$2" && grep -qF "when a caseworker next opens the vault" "$2"' \
	_ "$WST" "$T/jar.vol.body" "$RID"
check "  ... and nothing of the case nor of the note" \
	not grep -q -e "$C" -e "Kim Child" -e "Letter one" -e "$MARK" -e "Phone call" "$T/jar.vol.body"
web vol get /deposit/filed/nonsense
check "  ... a reference that is none is no page (${WST%% *})" test "${WST%% *}" = 404

# ---- every other page is refused, before any page is made, and audited
n=0
for url in /cases "/case/$C" "/case/$C/cp" "/record/$R1" "/record/$R1/fix" "/record/$R1/preview" /records /audit \
	/staff /requests /intake /search /consents "/certificate/1"; do
	web vol get "$url"
	n=$((n + 1))
	check "the volunteer is refused GET $url (${WST%% *})" \
		bash -c '[ "${1%% *}" = 403 ] && ! grep -qF -e "Letter one" -e "Kim Child" "$2"' _ "$WST" "$T/jar.vol.body"
done
web vol post "/case/$C/note" class=case-note title=Forged "text=forged by the volunteer"
n=$((n + 1))
check "the volunteer's replayed note form on the case page is refused (${WST%% *})" test "${WST%% *}" = 403
web vol post /find query=kim
n=$((n + 1))
check "  ... and finding a case by name (${WST%% *})" \
	bash -c '[ "${1%% *}" = 403 ] && ! grep -qF "Kim Child" "$2"' _ "$WST" "$T/jar.vol.body"
web vol post /audit "actor=$VO"
n=$((n + 1))
check "  ... and the audit trail's filter (${WST%% *})" test "${WST%% *}" = 403
check "  ... the refusal says why in one line" \
	bash -c 'grep -q "reaches the note form only" <<<"$1"' _ "$(alert_of vol)"
check "  ... and none of them adopted or filed anything" test "$(deposits)" = 1

# ---- a caseworker's command adopts it: listed, byte for byte, audited
LS=$(svc_cv "$UA" --json ls "$C")
check "the caseworker's 'ls' lists the note as $RID" python3 -c '
import json, sys
r = [r for r in json.loads(sys.argv[1])["records"] if r["id"] == sys.argv[2]]
sys.exit(not (len(r) == 1 and r[0]["title"] == "Phone call" and r[0]["class"] == "phone-call" and
              r[0]["date"] == sys.argv[3]))' "$LS" "$RID" "$TODAY"
check "  ... no forged note was filed" not grep -q Forged <<<"$LS"
check "  ... the deposit is adopted" test "$(deposits)" = 0
svc_cv "$UA" get "$RID" >"$T/back.txt"
check "  ... and 'get' gives the text byte for byte" cmp "$T/note.txt" "$T/back.txt"
AUDIT=$(as_svc "$CV" --json audit show)
events() { # events ACTOR ACTION [OUTCOME [ID]]: how many
	python3 -c '
import json, sys
a = sys.argv[2:]
print(sum(1 for e in json.loads(sys.argv[1])["events"] if e["acted_by"] == a[0] and e["action"] == a[1]
          and (len(a) < 3 or e["outcome"] == a[2]) and (len(a) < 4 or a[3] in (e.get("ids") or []))))' "$AUDIT" "$@"
}
check "the audit trail has the filing of $RID as the volunteer's" test "$(events "$VO" file ok "$RID")" = 1
check "  ... its adoption as the caseworker's" test "$(events "$A" deposit.adopt ok "$RID")" = 1
check "  ... and each of the $n pages refused to the volunteer as a refused access" \
	test "$(events "$VO" access refused)" = "$n"
check "  ... and the refused notes filed nothing: one filing of the volunteer's" test "$(events "$VO" file)" = 1

# ---- a caseworker files on the case page, not through the volunteers' form
web ada signin "$A" ""
check "the caseworker signs in to the cases ($WST)" test "$WST" = "303 /cases"
web ada get /deposit
check "  ... /deposit is not hers (${WST%% *}): $(alert_of ada)" \
	bash -c '[ "${1%% *}" = 404 ] && grep -q "for volunteers" <<<"$2"' _ "$WST" "$(alert_of ada)"
web ada post /deposit "case=$C" class=phone-call "text=through the wrong form"
check "  ... nor its POST, which files nothing (${WST%% *})" \
	bash -c '[ "${1%% *}" = 404 ] && ! grep -q "wrong form" <<<"$2"' _ "$WST" "$(svc_cv "$UA" --json ls "$C")"

# ---- when gpg-agent forgets (the vault's idle lock), the form sends the volunteer to sign in again
as_svc "$CV" lock >/dev/null
web vol get /deposit
check "after gpg-agent forgets, the note form ends the volunteer's session ($WST)" test "$WST" = "303 /signin"
web vol signin "$VO" "$(cat "$T/svc/vol.pass")"
check "  ... they sign in again ($WST)" test "$WST" = "303 /deposit"
as_svc "$CV" lock >/dev/null
web vol post /deposit "case=$C" class=phone-call "text=posted after the idle lock"
AUDIT=$(as_svc "$CV" --json audit show)
check "  ... and a note posted after it forgets ends the session too ($WST), nothing filed" \
	test "$WST" = "303 /signin" -a "$(deposits)" = 0 -a "$(events "$VO" file)" = 1
web vol signin "$VO" "$(cat "$T/svc/vol.pass")"

# ---- signing out ends it
web vol post /signout
check "the volunteer signs out ($WST)" test "$WST" = "303 /signin"
web vol get /deposit
check "  ... and the form is gone ($WST)" test "$WST" = "303 /signin"
web vol post /deposit "case=$C" class=phone-call "text=after sign-out"
check "  ... a note posted after it is refused (${WST%% *}), nothing filed" test "${WST%% *}" = 403 -a "$(deposits)" = 0

# ---- wrong passphrases count towards the lock-out, a volunteer's too
for i in 1 2 3 4 5; do web vol signin "$VO" "wrong-$i"; done
web vol signin "$VO" "$(cat "$T/svc/vol.pass")"
check "after 5 wrong passphrases the volunteer is refused even with the right one (${WST%% *}): $(alert_of vol)" \
	bash -c '[ "${1%% *}" = 403 ] && grep -q "locked out" <<<"$2"' _ "$WST" "$(alert_of vol)"
check "audit verify passes" as_svc "$CV" audit verify
check "no passphrase and no word of the note in the daemon's log" not grep -q -e "vol-web-pass-$$" -e "$MARK" "$T/daemon.log"
check "  ... nor in the audit trail" not grep -q -e "$MARK" <<<"$AUDIT"
check "no sanitizer report in the daemon's log (an ASan build's workers)" \
	not grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$T/daemon.log"
finish
