#!/usr/bin/env python3
"""A browser-less client of casevaultd's web interface (docs/web.md), for the
shell scenarios tests/web/t_web_intake.sh and t_web_records.sh.

    webclient.py PORT JAR signin STAFF [PASSPHRASE]
    webclient.py PORT JAR get URL
    webclient.py PORT JAR post URL [--no-csrf] [--no-origin] [NAME=VALUE ...] [NAME@PATH ...] [NAME<PATH ...]

JAR is a JSON file holding the session cookie and the CSRF token of the last
page (as a browser's form carries it).  Each call prints the HTTP status (and
the Location of a redirect) on standard output and writes the body to
JAR.body (the bytes as sent) and its headers to JAR.headers, so that the
scenario checks what the page says.  A POST carries
the session's CSRF token and an Origin naming this server, as the pages'
own forms do, unless told not to.  NAME@PATH uploads the file at PATH as
field NAME (multipart/form-data, as the filing form without its script);
NAME<PATH sends the bytes of the file at PATH, whatever they are, as the
value of field NAME (a note's text with a NUL in it, say).
"""
import http.client
import json
import os
import re
import sys
import urllib.parse


def request(port, method, url, headers=None, body=None):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
    h = {'Host': '127.0.0.1:%d' % port}
    h.update(headers or {})
    conn.request(method, url, body=body, headers=h)
    r = conn.getresponse()
    return r.status, r.getheaders(), r.read()


def header(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def load(jar):
    if os.path.exists(jar):
        with open(jar) as f:
            return json.load(f)
    return {'cookie': '', 'csrf': ''}


def save(jar, state, body, headers=()):
    m = re.search(rb'name="csrf" value="([0-9a-f]+)"', body)
    if m:
        state['csrf'] = m.group(1).decode()
    with open(jar, 'w') as f:
        json.dump(state, f)
    with open(jar + '.body', 'wb') as f:
        f.write(body)
    with open(jar + '.headers', 'w') as f:
        f.write(''.join('%s: %s\n' % (k, v) for k, v in headers))


def form_headers(port, state, origin=True):
    h = {'Content-Type': 'application/x-www-form-urlencoded'}
    if state.get('cookie'):
        h['Cookie'] = state['cookie']
    if origin:
        h['Origin'] = 'http://127.0.0.1:%d' % port
    return h


def signin(port, jar, staff, passphrase):
    st, hd, body = request(port, 'GET', '/signin')
    pre = header(hd, 'Set-Cookie')[0].split(';')[0]
    state = {'cookie': pre, 'csrf': ''}
    token = re.search(rb'name="csrf" value="([0-9a-f]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({'csrf': token, 'staff': staff, 'passphrase': passphrase})
    st, hd, body = request(port, 'POST', '/signin', form_headers(port, state), form)
    sess = [c.split(';')[0] for c in header(hd, 'Set-Cookie') if c.startswith('cv_session=')]
    state['cookie'] = sess[0] if sess else ''
    if sess:  # the first page (the cases, or an auditor's audit trail), for its CSRF token
        first = (header(hd, 'Location') or ['/cases'])[0]
        st2, _, page = request(port, 'GET', first, {'Cookie': state['cookie']})
        save(jar, state, page)
    else:
        save(jar, state, body)
    return st, hd


def multipart(fields, files):
    """A multipart/form-data body of fields and (name, path) files, and its Content-Type."""
    boundary = 'cv' + os.urandom(12).hex()
    out = b''
    for k, v in fields:
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v)).encode()
    for k, path in files:
        with open(path, 'rb') as f:
            data = f.read()
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                'Content-Type: application/octet-stream\r\n\r\n' % (boundary, k, os.path.basename(path))).encode()
        out += data + b'\r\n'
    return out + ('--%s--\r\n' % boundary).encode(), 'multipart/form-data; boundary=' + boundary


def main(argv):
    port, jar, verb = int(argv[1]), argv[2], argv[3]
    if verb == 'signin':
        st, hd = signin(port, jar, argv[4], argv[5] if len(argv) > 5 else '')
    else:
        state = load(jar)
        url, rest = argv[4], argv[5:]
        if verb == 'get':
            st, hd, body = request(port, 'GET', url, {'Cookie': state['cookie']} if state['cookie'] else {})
        else:
            from_file = [a for a in rest if re.match(r'^\w+<', a)]
            rest = [a for a in rest if a not in from_file]
            files = [tuple(a.split('@', 1)) for a in rest if not a.startswith('--') and '=' not in a]
            fields = [tuple(a.split('=', 1)) for a in rest if not a.startswith('--') and '=' in a]
            for a in from_file:
                name, path = a.split('<', 1)
                with open(path, 'rb') as f:
                    fields.append((name, f.read()))
            if '--no-csrf' not in rest:
                fields.insert(0, ('csrf', state['csrf']))
            h = form_headers(port, state, '--no-origin' not in rest)
            if files:
                form, h['Content-Type'] = multipart(fields, files)
            else:
                form = urllib.parse.urlencode(fields)
            st, hd, body = request(port, 'POST', url, h, form)
        save(jar, state, body, hd)
    loc = header(hd, 'Location')
    print(st, loc[0] if loc else '')


if __name__ == '__main__':
    main(sys.argv)
