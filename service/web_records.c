/*
 * casevaultd - the records manager's page (docs/web.md, Records manager):
 * what falls due this month and next, as a chart and a list, the holds, the
 * review queue with approve and defer, and the purge runs' certificates,
 * printable.  Each calls the library as 'retention due', 'hold list',
 * 'review approve|defer' and 'certificates list|show' do; the page is the
 * manager's, which the library decides (cv_authorize, CV_ACT_APPROVE:
 * refused and audited for anyone else, docs/retention.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/casevault.h"
#include "web.h"

/* The last day of the month after today's: how far the page looks ahead.  0 or -1. */
static int horizon(char out[11], char this_month[8], char next_month[8])
{
	cv_date d, next;

	if (cv_date_today(&d) < 0)
		return -1;
	snprintf(this_month, 8, "%04d-%02d", d.y, d.m);
	d.d = 1;
	cv_date_add_months_clamp(&next, &d, 1);
	snprintf(next_month, 8, "%04d-%02d", next.y, next.m);
	snprintf(out, 11, "%04d-%02d-%02d", next.y, next.m, cv_date_days_in_month(next.y, next.m));
	return 0;
}

/* A bar per month, drawn with CSS classes (no inline style: docs/web.md, Every response). */
static void chart(web_buf *b, const char *const months[2], const size_t counts[3])
{
	static const char *const names[3] = { "Overdue or due before this month", "Due this month", "Due next month" };
	size_t max = counts[0], i;

	max = counts[1] > max ? counts[1] : max;
	max = counts[2] > max ? counts[2] : max;
	web_printf(b, "<figure><figcaption>Records falling due (this month %s, next month %s)</figcaption>"
		      "<ul class=\"chart\">", months[0], months[1]);
	for (i = 0; i < 3; i++)
		web_printf(b, "<li><span class=\"bar-label\">%s: %zu record%s</span><span class=\"bar w%zu\" "
			      "aria-hidden=\"true\"></span></li>", names[i], counts[i], counts[i] == 1 ? "" : "s",
			   max ? (counts[i] * 20 + max - 1) / max : 0);
	web_puts(b, "</ul></figure>");
}

static void due_rows(web_buf *b, const cv_due *list, size_t n)
{
	size_t i;

	web_puts(b, "<table><caption>Due this month and next</caption><thead><tr><th scope=\"col\">Record</th>"
		    "<th scope=\"col\">Case</th><th scope=\"col\">Class</th><th scope=\"col\">Due</th>"
		    "<th scope=\"col\">What the purge does</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		web_printf(b, "<tr><td>%s</td><td>%s</td><td>", list[i].id, list[i].case_id[0] ? list[i].case_id : "-");
		web_esc(b, list[i].class_name);
		web_printf(b, "</td><td>%s</td><td>%s</td></tr>", list[i].retain_until, cv_due_status_name(list[i].status));
	}
	web_puts(b, "</tbody></table>");
}

static int due_section(web_buf *b, cv_vault *v)
{
	char until[11], m0[8] = "", m1[8] = "";
	const char *months[2] = { m0, m1 };
	size_t counts[3] = { 0, 0, 0 }, n = 0, i;
	cv_due *list = NULL;
	int r;

	/* NULL: the library reports what is wrong with CASEVAULT_TODAY */
	if ((r = cv_retention_due(v, horizon(until, m0, m1) == 0 ? until : NULL, &list, &n)) < 0)
		return r;
	for (i = 0; i < n; i++)
		counts[strncmp(list[i].retain_until, m0, 7) < 0 ? 0 : !strncmp(list[i].retain_until, m0, 7) ? 1 : 2]++;
	web_puts(b, "<section aria-labelledby=\"dh\"><h2 id=\"dh\">Falling due</h2>");
	chart(b, months, counts);
	due_rows(b, list, n);
	web_puts(b, "</section>");
	cv_due_list_free(list, n);
	return 0;
}

static int holds_section(web_buf *b, cv_vault *v)
{
	cv_hold *list = NULL;
	size_t n = 0, i;
	int r;

	if ((r = cv_hold_list(v, 0, 1, &list, &n)) < 0)
		return r;
	web_puts(b, "<section aria-labelledby=\"hh\"><h2 id=\"hh\">Holds</h2><table><caption>Standing holds: "
		    "what they hold is never destroyed</caption><thead><tr><th scope=\"col\">Hold</th>"
		    "<th scope=\"col\">Kind</th><th scope=\"col\">Holds</th><th scope=\"col\">Reason</th>"
		    "<th scope=\"col\">Placed</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		web_printf(b, "<tr><td>%ld</td><td>%s</td><td>%s</td><td>", list[i].id, cv_hold_kind_name(list[i].kind),
			   list[i].record_id[0] ? list[i].record_id : list[i].case_id);
		web_esc(b, list[i].reason ? list[i].reason : list[i].ref);
		web_printf(b, "</td><td>%.10s by %s</td></tr>", list[i].placed_at, list[i].placed_by);
	}
	web_puts(b, "</tbody></table></section>");
	cv_hold_list_free(list, n);
	return 0;
}

/* Approve, or defer: the date kept until travels in the form's "title" field (web.c's fields). */
static void review_forms(const web_req *rq, web_buf *b, const char *id)
{
	web_printf(b, "<td><form method=\"post\" action=\"/review/%s/approve\">", id);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<button type=\"submit\">Approve destruction<span class=\"visually-hidden\"> of %s</span>"
		      "</button></form></td><td><form method=\"post\" action=\"/review/%s/defer\">", id, id);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<label for=\"until-%s\">Keep until</label><input type=\"date\" id=\"until-%s\" name=\"title\" "
		      "required><label for=\"why-%s\">Reason</label><input type=\"text\" id=\"why-%s\" name=\"reason\" "
		      "required><button type=\"submit\">Defer<span class=\"visually-hidden\"> %s</span></button>"
		      "</form></td>", id, id, id, id, id);
}

static int review_section(const web_req *rq, web_buf *b, cv_vault *v)
{
	cv_due *list = NULL;
	size_t n = 0, i;
	int r;

	if ((r = cv_review_list(v, NULL, &list, &n)) < 0)
		return r;
	web_puts(b, "<section aria-labelledby=\"rh\"><h2 id=\"rh\">Review queue</h2><table><caption>Records of a "
		    "review class that are due: a manager approves their destruction or keeps them longer</caption>"
		    "<thead><tr><th scope=\"col\">Record</th><th scope=\"col\">Class</th><th scope=\"col\">Due</th>"
		    "<th scope=\"col\">Status</th><th scope=\"col\">Approve</th><th scope=\"col\">Defer</th>"
		    "</tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		web_printf(b, "<tr><td>%s</td><td>", list[i].id);
		web_esc(b, list[i].class_name);
		web_printf(b, "</td><td>%s</td><td>%s</td>", list[i].retain_until, cv_due_status_name(list[i].status));
		review_forms(rq, b, list[i].id);
		web_puts(b, "</tr>");
	}
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>Nothing awaits review.</p>");
	web_puts(b, "</section>");
	cv_due_list_free(list, n);
	return 0;
}

int web_certificates_section(web_buf *b, cv_vault *v)
{
	cv_certificate *list = NULL;
	size_t n = 0, i;
	int r;

	if ((r = cv_certificate_list(v, &list, &n)) < 0)
		return r;
	web_puts(b, "<section aria-labelledby=\"ch\"><h2 id=\"ch\">Purge runs and their certificates</h2><table>"
		    "<caption>Every purge run, with its signed certificate of destruction</caption><thead><tr>"
		    "<th scope=\"col\">Certificate</th><th scope=\"col\">Run</th><th scope=\"col\">By</th>"
		    "<th scope=\"col\">Records destroyed</th></tr></thead><tbody>");
	for (i = 0; i < n; i++)
		web_printf(b, "<tr><td><a href=\"/certificate/%ld\">Certificate %ld</a></td><td>%s</td><td>%s</td>"
			      "<td>%ld</td></tr>", list[i].number, list[i].number, list[i].created, list[i].run_by,
			   list[i].records);
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>No purge has run yet.</p>");
	web_puts(b, "</section>");
	free(list);
	return 0;
}

static void records_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	int r;

	if ((r = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0)
		return web_lib_error(rq, h, b, v, r);
	web_page_begin(rq, b, "Records management");
	if ((r = due_section(b, v)) < 0 || (r = holds_section(b, v)) < 0 || (r = review_section(rq, b, v)) < 0 ||
	    (r = web_certificates_section(b, v)) < 0) {
		web_free(b);
		return web_lib_error(rq, h, b, v, r);
	}
	web_page_end(b);
}

/* A certificate as 'certificates show' prints it, for printing (the print style drops the page's bars). */
static void certificate_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *num)
{
	char *json = NULL, title[48];
	long n = strtol(num, NULL, 10);
	int r;

	/* cv_certificate_get is CV_ACT_AUDIT's: managers and auditors (docs/web.md, Auditor) */
	if ((r = cv_certificate_get(v, n, &json)) < 0)
		return web_lib_error(rq, h, b, v, r);
	snprintf(title, sizeof(title), "Certificate of destruction %ld", n);
	web_page_begin(rq, b, title);
	web_puts(b, "<pre class=\"certificate\">");
	web_esc(b, json);
	web_puts(b, "</pre>");
	web_page_end(b);
	free(json);
}

static void review_action(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id, int approve)
{
	int r = approve ? cv_review_approve(v, id) : cv_review_defer(v, id, rq->title, rq->reason);

	if (r < 0)
		return web_lib_error(rq, h, b, v, r);
	web_redirect(h, "/records", "");
}

int web_records_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	int post = !strcmp(rq->method, "POST");
	const char *rest;
	char id[32];

	if (!post && !strcmp(rq->url, "/records"))
		records_page(rq, v, h, b);
	else if (!post && web_split_url(rq->url, "/certificate/", id, sizeof(id), &rest) == 0 && !*rest &&
		 strspn(id, "0123456789") == strlen(id))
		certificate_page(rq, v, h, b, id);
	else if (post && web_split_url(rq->url, "/review/", id, sizeof(id), &rest) == 0 &&
		 (!strcmp(rest, "approve") || !strcmp(rest, "defer")))
		review_action(rq, v, h, b, id, !strcmp(rest, "approve"));
	else
		return 0;
	return 1;
}
