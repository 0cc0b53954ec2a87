#!/bin/bash
# The web interface's case page (docs/web.md): server time of the page of a
# 1,000-record case with a session unlocked (p50/p99, one person), then eight
# signed-in people browsing it at once; the baseline, measured here too, is
# 'casevault ls' of the same case through casevaultd's socket (the same
# records listed, by the same account), so the ratio web / CLI is reported.
#
#     sudo bench/bench_web.sh [REQUESTS] [SECONDS]   (default 200 requests; 30 s with eight)
#     sudo BENCH_WEB_TLS=1 bench/bench_web.sh ...     (the same over TLS, a pair from --make-cert;
#                                                      a new connection, so a handshake, per page)
#
# Root only: it makes a service account and two staff OS accounts
# (useradd), as tests/cli/svc_lib.sh does, and deletes them at the end.
# The time is measured by the client on the loopback: from sending the
# request to the last byte of the page.  Progress on stderr, the report on
# stdout.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
export CV_SOURCE_DIR=$REPO
CASEVAULT_BIN=${CASEVAULT_BIN:-$REPO/build/casevault}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_web: needs root (it makes OS accounts with useradd and runs as them)" >&2
	exit 2
fi
REQUESTS=${1:-200}
DURATION=${2:-30}
source "$REPO/tests/cli/lib.sh"
source "$REPO/tests/cli/svc_lib.sh"

echo "setting up a service vault and a case of 1,000 notes..." >&2
svc_accounts
as_svc "$CV" init "$V" --service --no-passphrase --name "Bench Manager" >/dev/null || exit 1
printf 'bench-web-ada-4d1x\n' >"$T/svc/a.pass" && printf 'bench-web-ben-9e2y\n' >"$T/svc/b.pass" && chown "$SVC" "$T/svc/"*.pass
A=$(as_svc "$CV" staff add "Ada Worker" --role caseworker --new-passphrase-file "$T/svc/a.pass" --os-user "$UA")
B=$(as_svc "$CV" staff add "Ben Worker" --role caseworker --new-passphrase-file "$T/svc/b.pass" --os-user "$UB")
as_svc "$CV" staff attest "$A" >/dev/null && as_svc "$CV" staff attest "$B" >/dev/null
C=$(as_svc "$CV" case open --parent "Bench Parent" --child "Bench Child" --child-dob 2014-05-06 --pr-confirmed)
# a caseworker acts only on the cases she is assigned to (docs/security.md, Case assignment)
as_svc "$CV" case assign "$C" "$A" >/dev/null && as_svc "$CV" case assign "$C" "$B" >/dev/null || exit 1
mkdir -p "$T/svc/d/c001"
awk -v cases=1 -v per=1000 -v dir="$T/svc/d" -v path="%s/c%03d/n%04d.txt" -v lo=300 -v span=200 -f "$REPO/bench/gen_notes.awk"
{
	echo "case,path,class,section,title,date"
	for k in $(seq 1000); do
		printf '%s,%s/d/c001/n%04d.txt,case-note,case,Note %d,2025-01-%02d\n' "$C" "$T/svc" "$k" "$k" $(((k - 1) % 28 + 1))
	done
} >"$T/svc/m.csv"
chown -R "$SVC" "$T/svc/d" "$T/svc/m.csv"
as_svc "$CV" import "$T/svc/m.csv" >/dev/null || { echo "import failed" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TLS=()
if [ "${BENCH_WEB_TLS:-0}" = 1 ]; then
	mkdir -m 700 "$T/svc/tls" && chown "$SVC" "$T/svc/tls"
	as_svc "$CVD" --make-cert "$T/svc/tls" --web-name localhost >/dev/null || exit 1
	TLS=(--tls-cert "$T/svc/tls/web.crt" --tls-key "$T/svc/tls/web.key")
fi
setpriv --reuid "$SVC" --regid "$(id -g "$SVC")" --init-groups env HOME="$T/svc" \
	"$CVD" --vault "$V" --socket "$SOCK" --web "$PORT" --web-idle 3600 "${TLS[@]}" 2>>"$T/daemon.log" >/dev/null </dev/null &
DPID=$!
for _ in $(seq 100); do grep -q "web interface at" "$T/daemon.log" 2>/dev/null && break; sleep 0.05; done

# the baseline: 'casevault ls' of the case through the socket, with a session (proved once, untimed)
install -m 600 -o "$UA" "$T/svc/a.pass" "$T/a/pass"
svc_cv "$UA" --passphrase-file "$T/a/pass" ls "$C" </dev/null >/dev/null 2>&1 || { echo "the baseline's ls failed" >&2; exit 1; }
echo "baseline: $REQUESTS x casevault ls through the socket..." >&2
for i in $(seq "$REQUESTS"); do
	t0=$(date +%s%N)
	svc_cv "$UA" ls "$C" </dev/null >/dev/null 2>&1
	echo $((($(date +%s%N) - t0) / 1000))
done >"$T/cli.us"

echo "web: $REQUESTS x the case page, then eight people for $DURATION s..." >&2
python3 - "$PORT" "$C" "$A" "$B" "$REQUESTS" "$DURATION" "$T/cli.us" "${BENCH_WEB_TLS:-0}" <<'PY'
import http.client, re, ssl, statistics, sys, threading, time, urllib.parse
port, case, a, b, n, dur, cli = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
tls = sys.argv[8] == "1"
host = "127.0.0.1:%d" % port
ctx = ssl._create_unverified_context()  # the bench's own self-signed pair
def conn():
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx) if tls else http.client.HTTPConnection("127.0.0.1", port)
pw = {a: "bench-web-ada-4d1x", b: "bench-web-ben-9e2y"}

def sign_in(staff):
    c = conn()
    c.request("GET", "/signin")
    r = c.getresponse(); page = r.read().decode()
    pre = re.search(r"cv_pre=([0-9a-f]+)", r.getheader("Set-Cookie")).group(1)
    tok = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf": tok, "staff": staff, "passphrase": pw[staff]})
    c.request("POST", "/signin", body, {"Cookie": "cv_pre=" + pre, "Origin": ("https://" if tls else "http://") + host,
              "Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse(); r.read()
    m = re.search(r"cv_session=([0-9a-f]+)", r.getheader("Set-Cookie") or "")
    if not m: sys.exit("sign-in failed for " + staff)
    return m.group(1)

def page(cookie):
    c = conn()
    t0 = time.perf_counter()
    c.request("GET", "/case/" + case, headers={"Cookie": "cv_session=" + cookie})
    r = c.getresponse(); body = r.read()
    dt = time.perf_counter() - t0
    c.close()
    if r.status != 200 or body.count(b'class="title"') != 1000:
        raise SystemExit("the case page did not list 1,000 records (status %d)" % r.status)
    return dt * 1000

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

one = sign_in(a)
page(one)  # warm, untimed
single = [page(one) for _ in range(n)]
base = [int(l) / 1000 for l in open(cli)]
cookies = [sign_in(a if i % 2 == 0 else b) for i in range(8)]
lat, stop = [[] for _ in range(8)], time.time() + dur
def browse(i):
    while time.time() < stop: lat[i].append(page(cookies[i]))
ts = [threading.Thread(target=browse, args=(i,)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
every = [x for l in lat for x in l]
with open("/proc/loadavg") as f: load = " ".join(f.read().split()[:3])
print("# casevaultd web interface%s: the case page of a 1,000-record case, session unlocked (%d CPUs, load %s)" % (" over TLS" if tls else "", len(__import__("os").sched_getaffinity(0)), load))
print("one person, %d pages:        p50 %7.1f ms  p99 %7.1f ms" % (n, pct(single, 50), pct(single, 99)))
print("baseline, casevault ls (socket): p50 %7.1f ms  p99 %7.1f ms" % (pct(base, 50), pct(base, 99)))
print("ratio web page / CLI ls:     p50 %7.2f      p99 %7.2f" % (pct(single, 50) / pct(base, 50), pct(single, 99) / pct(base, 99)))
print("eight people, %d s, %d pages: p50 %7.1f ms  p99 %7.1f ms  %.1f pages/s" % (dur, len(every), pct(every, 50), pct(every, 99), len(every) / dur))
PY
svc_stop
