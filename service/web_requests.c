/*
 * casevaultd - the subject access pages (docs/web.md, Subject access): the
 * register with due dates and overdue marked, a request's decision table,
 * and the bundle.  Each calls the library's own function, as the CLI's
 * 'request list', 'request show', 'request decide' and 'request bundle' do,
 * so the rules of docs/legal-rules.md (scope, who may release a
 * child-protection record, the checks before a bundle is kept) are the
 * library's and no page decides them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "casevault/casevault.h"
#include "web.h"

/* A request's time left, paused or overdue, as one table cell (also the rights requests' page). */
void web_due_cell(web_buf *b, const cv_request *q)
{
	if (q->paused_since[0])
		web_printf(b, "<td>paused since %s</td>", q->paused_since);
	else if (q->days_left < 0)
		web_printf(b, "<td class=\"overdue\"><strong>Overdue by %ld day%s</strong></td>", -q->days_left,
			   q->days_left == -1 ? "" : "s");
	else
		web_printf(b, "<td>%ld day%s left</td>", q->days_left, q->days_left == 1 ? "" : "s");
}

/* The register, by due date (as 'request list --names'). */
static void register_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	cv_request *list = NULL;
	size_t n = 0, i;
	int r;

	if ((r = cv_request_list(v, 0, 1, &list, &n)) < 0)
		return web_lib_error(rq, h, b, v, r);
	web_page_begin(rq, b, "Subject access requests");
	web_puts(b, "<p><a href=\"/rights\">Rights requests: rectification, erasure, restriction, objection</a></p>");
	web_puts(b, "<table><caption>Open requests, the soonest due first</caption><thead><tr>"
		    "<th scope=\"col\">Request</th><th scope=\"col\">Case</th><th scope=\"col\">Requester</th>"
		    "<th scope=\"col\">Received</th><th scope=\"col\">Due</th><th scope=\"col\">Time left</th>"
		    "</tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		web_printf(b, "<tr><td><a href=\"/request/%s\">%s</a></td><td>", list[i].id, list[i].id);
		web_esc(b, list[i].case_id);
		web_puts(b, "</td><td>");
		web_esc(b, list[i].requester);
		web_printf(b, " (%s)</td><td>%s</td><td>%s%s</td>", cv_relationship_name(list[i].relationship),
			   list[i].received, list[i].due, list[i].extended_due[0] ? " (extended)" : "");
		web_due_cell(b, &list[i]);
		web_puts(b, "</tr>");
	}
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>There are no open requests.</p>");
	web_page_end(b);
	cv_request_list_free(list, n);
}

static void decision_cell(web_buf *b, const cv_scope_item *s)
{
	web_puts(b, "<td>");
	if (s->decision == CV_DEC_NEEDED)
		web_puts(b, "<strong>Needs a decision</strong>");
	else
		web_esc(b, cv_decision_name(s->decision));
	if (s->decision == CV_DEC_WITHHOLD && s->ground) {
		web_puts(b, " (");
		web_esc(b, s->ground);
		web_puts(b, ")");
	}
	if (s->is_default)
		web_puts(b, " <em>by default</em>");
	if (s->why) {
		web_puts(b, "<br>");
		web_esc(b, s->why);
	}
	web_puts(b, "</td>");
}

static void scope_row(web_buf *b, const cv_scope_item *s)
{
	web_printf(b, "<tr><td><input type=\"checkbox\" name=\"rec\" value=\"%s\" id=\"rec-%s\">"
		      "<label class=\"visually-hidden\" for=\"rec-%s\">Choose %s</label></td><td>%s</td><td>%s</td>"
		      "<td class=\"title\">", s->record_id, s->record_id, s->record_id, s->record_id, s->record_id,
		   s->section == CV_SECTION_CP ? "child-protection" : "case file");
	web_esc(b, s->title ? s->title : "(child-protection file)");
	web_puts(b, "</td><td>");
	web_esc(b, s->class_name);
	web_puts(b, "</td><td>");
	web_esc(b, s->event_date[0] ? s->event_date : "-");
	web_puts(b, "</td>");
	decision_cell(b, s);
	web_puts(b, "</tr>");
}

/* One decision for every record ticked: 'request decide REQ RECORD... --release|--redact|--withhold'. */
static void decide_form(const web_req *rq, web_buf *b)
{
	web_puts(b, "<fieldset><legend>Decide the records ticked above</legend>"
		    "<p>The same decision is recorded for every record ticked, all of them or none: a "
		    "child-protection record is released only by the child-protection lead or a manager, and "
		    "redaction is for text records only.</p>"
		    "<div><input type=\"radio\" name=\"decision\" value=\"release\" id=\"d-release\" required>"
		    "<label class=\"inline\" for=\"d-release\">Release as it is</label></div>"
		    "<div><input type=\"radio\" name=\"decision\" value=\"redact\" id=\"d-redact\">"
		    "<label class=\"inline\" for=\"d-redact\">Release with redaction</label></div>"
		    "<div><input type=\"radio\" name=\"decision\" value=\"withhold\" id=\"d-withhold\">"
		    "<label class=\"inline\" for=\"d-withhold\">Withhold</label></div>"
		    "<label for=\"ground\">Ground, when withholding (a name from the redaction policy's "
		    "grounds, such as sch2-para16)</label><input type=\"text\" id=\"ground\" name=\"ground\">"
		    "<label for=\"reason\">Reason (kept in the sealed log)</label>"
		    "<textarea id=\"reason\" name=\"reason\" rows=\"3\" required></textarea>"
		    "<button type=\"submit\">Record the decision</button></fieldset></form>");
	(void)rq;
}

static void bundle_form(const web_req *rq, web_buf *b, const char *id, size_t need)
{
	web_puts(b, "<section aria-labelledby=\"bh\"><h2 id=\"bh\">The bundle</h2>");
	if (need) {
		web_printf(b, "<p>%zu record%s still need%s a decision before the bundle can be made.</p></section>",
			   need, need == 1 ? "" : "s", need == 1 ? "s" : "");
		return;
	}
	web_printf(b, "<form method=\"post\" action=\"/request/%s/bundle\">", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<p>The bundle is an encrypted ZIP checked for every redaction and withheld record before "
		    "it is kept. Its passphrase is shown once, on the next page.</p>"
		    "<button type=\"submit\">Make the bundle</button></form></section>");
}

/* The decision table: every record in scope, as 'request show'. */
static void request_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id)
{
	cv_request q;
	cv_scope_item *items = NULL;
	size_t n = 0, i, need = 0;
	int r;

	memset(&q, 0, sizeof(q));
	if ((r = cv_request_get(v, &q, id, 1)) < 0 || (r = cv_request_scope(v, id, &items, &n)) < 0) {
		cv_request_release(&q);
		return web_lib_error(rq, h, b, v, r);
	}
	web_page_begin(rq, b, q.id);
	web_puts(b, "<dl><dt>Requester</dt><dd>");
	web_esc(b, q.requester);
	web_printf(b, " (%s)</dd><dt>Case</dt><dd><a href=\"/case/%s\">%s</a></dd><dt>Received</dt><dd>%s</dd>"
		      "<dt>Due</dt><dd>%s%s</dd></dl>", cv_relationship_name(q.relationship), q.case_id, q.case_id,
		   q.received, q.due, q.days_left < 0 && !q.paused_since[0] ? " <strong class=\"overdue\">overdue</strong>" : "");
	web_printf(b, "<form method=\"post\" action=\"/request/%s/decide\">", q.id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<table><caption>Every record in the request's scope</caption><thead><tr>"
		    "<th scope=\"col\">Choose</th><th scope=\"col\">Record</th><th scope=\"col\">File</th>"
		    "<th scope=\"col\">Title</th><th scope=\"col\">Class</th><th scope=\"col\">Date</th>"
		    "<th scope=\"col\">Decision</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		scope_row(b, &items[i]);
		need += items[i].decision == CV_DEC_NEEDED;
	}
	web_puts(b, "</tbody></table>");
	decide_form(rq, b);
	bundle_form(rq, b, q.id, need);
	web_page_end(b);
	cv_scope_free(items, n);
	cv_request_release(&q);
}

/* The ticked records ("R-1,R-2") as a list; the ids stay in recs, which is cut at the commas. */
static size_t split_recs(char *recs, const char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(recs, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
		out[n++] = t;
	return t ? max + 1 : n;
}

static void decide(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id)
{
	const char *d = rq->decision ? rq->decision : "", *list[64];
	cv_decision dec = !strcmp(d, "release") ? CV_DEC_RELEASE : !strcmp(d, "redact") ? CV_DEC_REDACT
			: !strcmp(d, "withhold") ? CV_DEC_WITHHOLD : CV_DEC_NEEDED;
	char *recs = strdup(rq->recs ? rq->recs : "");
	size_t n = recs ? split_recs(recs, list, 64) : 0;
	int r;

	if (dec == CV_DEC_NEEDED || !n || n > 64 || !rq->reason || !*rq->reason) {
		free(recs);
		return web_error_page(rq, h, b, 400, "tick at least one record (at most 64), choose release, "
				      "redact or withhold, and give the reason; nothing was recorded");
	}
	r = cv_request_decide_many(v, id, list, n, dec, dec == CV_DEC_WITHHOLD ? rq->ground : NULL, rq->reason);
	free(recs);
	if (r < 0)
		return web_lib_error(rq, h, b, v, r);
	web_redirect(h, "/request/", id);
}

/*
 * 'request bundle' into memory (a memfd, never a file of the web process's
 * folder): the page shows its passphrase once, and the bundle, which is
 * encrypted, follows the page to the web process, which keeps it for one
 * download by this session (docs/web.md, Subject access).
 */
static void bundle(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id, int *doc_fd)
{
	cv_bundle_opts o;
	cv_bundle_result res;
	char name[64];
	int fd = memfd_create("cv-bundle", MFD_CLOEXEC), r;

	memset(&o, 0, sizeof(o));
	snprintf(name, sizeof(name), "%s-bundle.zip", id);
	o.out_path = name;
	o.out_fd = fd;
	o.has_out_fd = 1;
	if (fd < 0)
		return web_error_page(rq, h, b, 500, "out of memory for the bundle");
	if ((r = cv_request_bundle(v, id, &o, &res)) < 0) {
		close(fd);
		return web_lib_error(rq, h, b, v, r);
	}
	h->kind = WEB_BUNDLE;
	h->attach = (long)res.size;
	snprintf(h->filename, sizeof(h->filename), "%s", name);
	web_page_begin(rq, b, "The bundle is made");
	web_printf(b, "<p>%zu document%s, SHA-256 <code>%s</code>.</p><p>The passphrase, shown this once and "
		      "never kept: send it to the requester by another channel, such as the phone.</p>"
		      "<p class=\"marked\" id=\"passphrase\">", res.members, res.members == 1 ? "" : "s", res.sha256);
	web_esc(b, res.passphrase);
	web_printf(b, "</p><p><a href=\"/bundle\" download>Download the bundle (%s)</a>; it can be downloaded "
		      "once.</p><p><a href=\"/request/%s\">Back to the request</a></p>", name, id);
	web_page_end(b);
	explicit_bzero(res.passphrase, sizeof(res.passphrase));
	*doc_fd = fd;
}

int web_requests_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, int *doc_fd)
{
	int post = !strcmp(rq->method, "POST");
	const char *rest;
	char id[32];

	if (!post && !strcmp(rq->url, "/requests")) {
		register_page(rq, v, h, b);
		return 1;
	}
	if (web_split_url(rq->url, "/request/", id, sizeof(id), &rest) < 0)
		return 0;
	if (!post && !*rest)
		request_page(rq, v, h, b, id);
	else if (post && !strcmp(rest, "decide"))
		decide(rq, v, h, b, id);
	else if (post && !strcmp(rest, "bundle"))
		bundle(rq, v, h, b, id, doc_fd);
	else
		return 0;
	return 1;
}
