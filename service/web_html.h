/*
 * casevaultd - the web interface's text (docs/web.md): a growing buffer and
 * the one escaping function every value a page shows goes through.
 */
#ifndef CVD_WEB_HTML_H
#define CVD_WEB_HTML_H

#include <stddef.h>

typedef struct {
	char *s;
	size_t len, cap;
	int failed;      /* out of memory: the page is not sent */
} web_buf;

void web_add(web_buf *b, const char *s, size_t n);
void web_puts(web_buf *b, const char *s);
void web_printf(web_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as HTML text or a double-quoted attribute value: & < > " ' escaped (NULL shows nothing). */
void web_esc(web_buf *b, const char *s);
void web_free(web_buf *b);

/* The top bar's links beyond Cases and Requests, for the roles that may use their pages (web_nav). */
enum { WEB_NAV_INTAKE = 1, WEB_NAV_RECORDS = 2, WEB_NAV_AUDIT = 4 };
/* The second bar's links, rights and sharing (docs/web.md, Rights and sharing). */
enum { WEB_NAV_CONSENT = 8, WEB_NAV_ENQUIRY = 16, WEB_NAV_REFER = 32, WEB_NAV_SEARCH = 64 };
/* No Cases nor Requests: an auditor's session reaches the audit trail only (docs/web.md, Who acts). */
enum { WEB_NAV_NO_CASES = 128 };
/* A volunteer's note form (docs/web.md, Deposits by volunteers). */
enum { WEB_NAV_DEPOSIT = 256 };

/* The page's head and top bar (title escaped); staff NULL when nobody is signed in. */
void web_page_start(web_buf *b, const char *title, const char *staff, const char *csrf);
/* The same, with the links of nav (WEB_NAV_*) in the top bar. */
void web_page_start_nav(web_buf *b, const char *title, const char *staff, const char *csrf, unsigned nav);
void web_page_end(web_buf *b);
/* A hidden CSRF field for a form. */
void web_csrf_field(web_buf *b, const char *csrf);
/* The library's one-line refusal above a page: the alert paragraph, escaped. */
void web_alert(web_buf *b, const char *why);
/* An optional form field: NULL when missing or empty, as an option not given on the command line. */
const char *web_given(const char *s);

#endif
