# The browser-less web scenarios' helpers (docs/web.md, Tests and figures):
# source after tests/cli/lib.sh and tests/cli/svc_lib.sh, from
# tests/web/t_web_intake.sh, t_web_records.sh, t_web_preview.sh and the rest.
#
# web_start starts casevaultd with --web on a free loopback port (PORT), as
# the service account, with the environment the caller exported (e.g.
# CASEVAULT_TODAY); web JAR VERB ARGS... runs tests/web/webclient.py for the
# person whose session JAR holds, sets WST (the HTTP status and a redirect's
# Location) and leaves the page in JAR.body.

WEB_CLIENT=$CV_SOURCE_DIR/tests/web/webclient.py

# web_root_only: these scenarios make OS accounts and run as them; skip (77) unless root
web_root_only() {
	[ "$(id -u)" -eq 0 ] && return 0
	echo "SKIP: the web test makes OS accounts (useradd) and runs as them: it needs root (CI runs as root)"
	exit 77
}

# web_lead: a cp-lead, Cleo ($L), with an OS account of her own ($UL), removed
# on exit with the rest (svc_cleanup).
web_lead() {
	UL=cv$$l
	trap 'userdel "$UL" 2>/dev/null; svc_cleanup' EXIT
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$UL" || { echo "useradd $UL failed"; exit 1; }
	L=$(as_svc "$CV" staff add "Cleo Lead" --role cp-lead --no-passphrase --os-user "$UL")
	as_svc "$CV" staff attest "$L" >/dev/null
}

# web_lead_case: web_lead, and a case $C that Ada ($A) and Cleo work on (Ben on none).
web_lead_case() {
	web_lead
	C=$(as_svc "$CV" case open --parent "Pat Parent" --child "Kim Child" --child-dob 2014-05-06 --pr-confirmed)
	as_svc "$CV" case assign "$C" "$A" >/dev/null
	as_svc "$CV" case assign "$C" "$L" >/dev/null
}

# web_start_three: web_start, then Ada, Ben and Cleo (web_lead) sign in (jars ada, ben, lead).
web_start_three() {
	web_start
	check "casevaultd serves the web interface on 127.0.0.1:$PORT" test -n "$DPID"
	web ada signin "$A"
	web ben signin "$B"
	web lead signin "$L"
	check "the three sign in" test -n "$(nav_of ada)" -a -n "$(nav_of ben)" -a -n "$(nav_of lead)"
}

web_start() {
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	rm -f "$SOCK"
	setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups env HOME="$T/svc" \
		"$CVD" --vault "$V" --socket "$SOCK" --web "$PORT" 2>>"$T/daemon.log" >/dev/null </dev/null &
	DPID=$!
	local i
	for i in $(seq 200); do grep -q "web interface at" "$T/daemon.log" 2>/dev/null && [ -S "$SOCK" ] && return 0; sleep 0.05; done
	echo "# casevaultd --web did not start: $(tail -n 3 "$T/daemon.log")"
	return 1
}

web() {
	WST=$(python3 "$WEB_CLIENT" "$PORT" "$T/jar.$1" "${@:2}")
}

# page_has JAR TEXT: the last page JAR got holds TEXT (as HTML: escaped)
page_has() { grep -qF -- "$2" "$T/jar.$1.body"; }

# alert_of JAR: the page's alert, the one line of a refusal, unescaped
alert_of() {
	python3 -c 'import html,re,sys
m = re.search(r"<p role=\"alert\" class=\"error\">(.*?)</p>", open(sys.argv[1]).read(), re.S)
print(html.unescape(m.group(1)) if m else "")' "$T/jar.$1.body"
}

# nav_of JAR: the top bar's links of the last page, space-separated
nav_of() {
	python3 -c 'import re,sys
m = re.search(r"<nav aria-label=\"Main\">(.*?)</nav>", open(sys.argv[1]).read(), re.S)
print(" ".join(re.findall(r"<a href=\"([^\"]+)\"", m.group(1))) if m else "")' "$T/jar.$1.body"
}

# png_size JAR: "WIDTHxHEIGHT" of the PNG JAR got, or "" when it is no PNG
png_size() { python3 -c 'import struct,sys
b = open(sys.argv[1], "rb").read()
print("%dx%d" % struct.unpack(">II", b[16:24]) if b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR" else "")' "$T/jar.$1.body"; }
# headers_exact JAR: the preview's headers, as decided (docs/web.md, Previews)
headers_exact() {
	grep -qx "Content-Type: image/png" "$T/jar.$1.headers" &&
	grep -qx "Content-Security-Policy: sandbox; default-src 'none'" "$T/jar.$1.headers" &&
	test "$(grep -ci '^content-security-policy:' "$T/jar.$1.headers")" = 1 &&
	grep -qx "X-Content-Type-Options: nosniff" "$T/jar.$1.headers" &&
	grep -qx "Content-Disposition: inline" "$T/jar.$1.headers" &&
	grep -qx "Cache-Control: no-store" "$T/jar.$1.headers"
}
