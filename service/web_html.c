/*
 * casevaultd - the web interface's text (web_html.h; docs/web.md, Every
 * response): pages are built here and nowhere else, and no page carries
 * inline script or style, which the Content-Security-Policy forbids.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_html.h"

void web_add(web_buf *b, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		/* not realloc: the old block, which may hold a document or a passphrase, is wiped first */
		if (!(p = malloc(cap))) {
			b->failed = 1;
			return;
		}
		if (b->s) {
			memcpy(p, b->s, b->len + 1);
			explicit_bzero(b->s, b->cap);
			free(b->s);
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void web_puts(web_buf *b, const char *s)
{
	web_add(b, s, strlen(s));
}

void web_printf(web_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	web_add(b, s, (size_t)n);
	free(s);
}

/*
 * The one escaping of the web interface (docs/web.md, Every response): a
 * value is safe as HTML text and inside a double-quoted attribute.  Pages
 * never put a value in a URL, a script or a style, so no other context is
 * needed; a title such as "javascript:..." shows as text, never a link.
 */
void web_esc(web_buf *b, const char *s)
{
	const char *run = s;

	for (; s && *s; s++) {
		const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
				: *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;

		if (!rep)
			continue;
		web_add(b, run, (size_t)(s - run));
		web_puts(b, rep);
		run = s + 1;
	}
	if (run)
		web_add(b, run, strlen(run));
}

void web_free(web_buf *b)
{
	if (b->s)
		explicit_bzero(b->s, b->cap);
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void web_csrf_field(web_buf *b, const char *csrf)
{
	web_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_esc(b, csrf);
	web_puts(b, "\">");
}

void web_page_start(web_buf *b, const char *title, const char *staff, const char *csrf)
{
	web_page_start_nav(b, title, staff, csrf, 0);
}

/*
 * Rights and sharing, a bar of its own inside the top bar: consent renewals
 * and enquiries for those who may read the case file, referrals for the
 * cp-lead and the manager (docs/web.md, Rights and sharing).
 */
static void rights_nav(web_buf *b, unsigned nav)
{
	if (!(nav & (WEB_NAV_CONSENT | WEB_NAV_ENQUIRY | WEB_NAV_REFER)))
		return;
	web_puts(b, "</nav><nav aria-label=\"Rights and sharing\">");
	if (nav & WEB_NAV_CONSENT)
		web_puts(b, " <a href=\"/consents\">Consent due</a>");
	if (nav & WEB_NAV_ENQUIRY)
		web_puts(b, " <a href=\"/enquiries\">Enquiries</a>");
	if (nav & WEB_NAV_REFER)
		web_puts(b, " <a href=\"/referrals\">Referrals</a>");
}

void web_page_start_nav(web_buf *b, const char *title, const char *staff, const char *csrf, unsigned nav)
{
	web_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	web_esc(b, title);
	web_puts(b, " - casevault</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
		    "<script src=\"/static/app.js\" defer></script></head><body>"
		    "<header><nav aria-label=\"Main\">");
	if (!(nav & WEB_NAV_NO_CASES))
		web_puts(b, "<a href=\"/cases\">Cases</a>");
	if (staff) {
		if (!(nav & WEB_NAV_NO_CASES))
			web_puts(b, " <a href=\"/requests\">Requests</a>");
		if (nav & WEB_NAV_SEARCH)
			web_puts(b, " <a href=\"/search\">Search</a>");
		if (nav & WEB_NAV_INTAKE)
			web_puts(b, " <a href=\"/intake\">Intake tray</a>");
		if (nav & WEB_NAV_RECORDS)
			web_puts(b, " <a href=\"/records\">Records management</a>");
		if (nav & WEB_NAV_AUDIT)
			web_puts(b, " <a href=\"/audit\">Audit trail</a>");
		if (nav & WEB_NAV_DEPOSIT)
			web_puts(b, " <a href=\"/deposit\">File a note</a>");
		/* the person's own: a landmark of its own (docs/web.md, Your passphrase) */
		web_puts(b, "</nav><nav aria-label=\"Your account\"><span class=\"who\">Signed in as ");
		web_esc(b, staff);
		web_puts(b, "</span> <a href=\"/passphrase\">Your passphrase</a>"
			    "<form method=\"post\" action=\"/signout\" class=\"inline\">");
		web_csrf_field(b, csrf);
		web_puts(b, "<button type=\"submit\">Sign out</button></form>");
		rights_nav(b, nav);
	}
	web_puts(b, "</nav></header><main><h1>");
	web_esc(b, title);
	web_puts(b, "</h1>");
}

void web_alert(web_buf *b, const char *why)
{
	if (!why)
		return;
	web_puts(b, "<p role=\"alert\" class=\"error\">");
	web_esc(b, why);
	web_puts(b, "</p>");
}

const char *web_given(const char *s)
{
	return s && *s ? s : NULL;
}

void web_page_end(web_buf *b)
{
	web_puts(b, "</main></body></html>\n");
}
