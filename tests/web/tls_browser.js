// casevaultd's web interface over TLS in headless Chromium (docs/web.md, TLS),
// driven by tests/web/t_web_tls.sh: the self-signed certificate is pinned by
// its public key (--ignore-certificate-errors-spki-list trusts that key only),
// the configured name resolves to the loopback, and a caseworker signs in and
// reads her case with Secure cookies.  Without the pin Chromium refuses the
// page.  Prints "ok - ..." / "FAIL - ..." lines; exits 1 on any failure.
'use strict';
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');
const E = process.env;
const puppeteer = require(path.join(E.CV_WEB_MODULES, 'puppeteer-core'));
let fails = 0;

function check(what, cond, detail) {
  if (!cond) fails++;
  console.log((cond ? 'ok - ' : 'FAIL - ') + what + (!cond && detail ? ': ' + detail : ''));
}

const cert = new crypto.X509Certificate(fs.readFileSync(E.WEB_CERT));
const spki = crypto.createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
const fpr = cert.fingerprint256;
const BASE = `https://${E.WEB_NAME}:${E.WEB_PORT}`;
const launch = (pin) => puppeteer.launch({ executablePath: E.WEB_CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    `--host-resolver-rules=MAP ${E.WEB_NAME} 127.0.0.1`].concat(pin ? [`--ignore-certificate-errors-spki-list=${spki}`] : []) });

(async () => {
  check('the certificate file is the one --make-cert fingerprinted', fpr === E.WEB_FPR, fpr);
  let browser = await launch(false);
  try {
    const page = await browser.newPage();
    let err = '';
    try { await page.goto(BASE + '/signin'); } catch (e) { err = String(e.message); }
    check('without the pin Chromium refuses the self-signed certificate', /ERR_CERT/.test(err), err);
  } finally { await browser.close(); }
  browser = await launch(true);
  try {
    const page = await browser.newPage();
    const r = await page.goto(BASE + '/signin');
    check('with the key pinned, the sign-in page comes over https', r.status() === 200 && r.url().startsWith('https:'), r.status());
    check('  ... with Strict-Transport-Security', /max-age=/.test(r.headers()['strict-transport-security'] || ''));
    await page.evaluate(() => document.getElementById('passphrase').removeAttribute('required'));
    await page.type('#staff', E.WEB_ADA);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    check('a caseworker signs in under the configured name', page.url() === BASE + '/cases', page.url());
    const ck = (await page.cookies()).find((c) => c.name === 'cv_session');
    check('the session cookie is Secure, HttpOnly, SameSite=Strict', ck && ck.secure && ck.httpOnly && ck.sameSite === 'Strict',
      JSON.stringify(ck));
    await page.goto(BASE + '/case/' + E.WEB_CASE);
    check('she reads her case over TLS', (await page.content()).includes('Kim Child'));
    await Promise.all([page.waitForNavigation(), page.click('header form button')]);
    check('she signs out over TLS (the form\'s https Origin is accepted)', page.url() === BASE + '/signin', page.url());
  } catch (e) {
    check('the TLS browser scenario ran to its end', false, e.stack);
  } finally { await browser.close(); }
  process.exit(fails ? 1 : 0);
})();
