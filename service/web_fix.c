/*
 * casevaultd - the rights requests beside subject access and the
 * corrections of records in the browser (docs/web.md, Rights and sharing;
 * docs/legal-rules.md LR-18).  The requests are opened, closed and lifted
 * as 'request open --kind', 'request close' and 'request lift' do
 * (cv_request_open, cv_request_close, cv_request_lift), on the same clock
 * as subject access; a record is moved, corrected or erased as 'record
 * move|set|erase' do (cv_record_move, cv_record_set, cv_record_erase), so
 * who may (an erasure is a manager's), the holds and restrictions that
 * stop them and the audit events are the library's.  A refusal is shown
 * above the page in the library's own line and changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/casevault.h"
#include "web.h"

/* ---- rights requests (docs/legal-rules.md LR-18) */

/* Close it (the right answered or refused), and a restriction's lift. */
static void request_actions(const web_req *rq, web_buf *b, const cv_request *q)
{
	web_printf(b, "<td><form method=\"post\" action=\"/rights/%s/close\">", q->id);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<button type=\"submit\">Close %s</button></form>", q->id);
	if (!strcmp(q->kind, "restriction")) {
		web_printf(b, "<form method=\"post\" action=\"/rights/%s/lift\">", q->id);
		web_csrf_field(b, rq->csrf);
		web_printf(b, "<button type=\"submit\">Lift the restriction of %s</button></form>", q->id);
	}
	web_puts(b, "</td>");
}

static void request_rows(const web_req *rq, web_buf *b, const cv_request *list, size_t n)
{
	size_t i, shown = 0;

	web_puts(b, "<table><caption>Open rights requests, the soonest due first</caption><thead><tr>"
		    "<th scope=\"col\">Request</th><th scope=\"col\">Right</th><th scope=\"col\">Case</th>"
		    "<th scope=\"col\">Requester</th><th scope=\"col\">Received</th><th scope=\"col\">Due</th>"
		    "<th scope=\"col\">Time left</th><th scope=\"col\">Decide</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		if (!strcmp(list[i].kind, "access"))
			continue;  /* subject access has its own register and decision table */
		shown++;
		web_printf(b, "<tr><td>%s</td><td>%s</td><td><a href=\"/case/%s/fix\">%s</a></td><td>", list[i].id,
			   list[i].kind, list[i].case_id, list[i].case_id);
		web_esc(b, list[i].requester);
		web_printf(b, " (%s)</td><td>%s</td><td>%s%s</td>", cv_relationship_name(list[i].relationship),
			   list[i].received, list[i].due, list[i].extended_due[0] ? " (extended)" : "");
		web_due_cell(b, &list[i]);
		request_actions(rq, b, &list[i]);
		web_puts(b, "</tr>");
	}
	web_puts(b, "</tbody></table>");
	if (!shown)
		web_puts(b, "<p>There are no open rights requests.</p>");
}

/* 'request open CASE --kind K --requester N --relationship R --received D [--records IDS] [--pr-confirmed]'. */
static void open_form(const web_req *rq, web_buf *b)
{
	static const char *const kinds[] = { "rectification", "erasure", "restriction", "objection" };
	static const char *const rels[] = { "client", "other-parent", "child", "representative" };
	size_t i;

	web_puts(b, "<section aria-labelledby=\"oh\"><h2 id=\"oh\">Open a rights request</h2>"
		    "<form method=\"post\" action=\"/rights\">");
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<label for=\"okind\">Right</label><select id=\"okind\" name=\"kind\" required>");
	for (i = 0; i < 4; i++)
		web_printf(b, "<option value=\"%s\">%s</option>", kinds[i], kinds[i]);
	web_puts(b, "</select><label for=\"ocase\">Case</label><input type=\"text\" id=\"ocase\" name=\"case\" required>"
		    "<label for=\"oreq\">Requester's name</label><input type=\"text\" id=\"oreq\" name=\"requester\" "
		    "required><label for=\"orel\">Relationship</label><select id=\"orel\" name=\"relationship\">");
	for (i = 0; i < 4; i++)
		web_printf(b, "<option value=\"%s\">%s</option>", rels[i], rels[i]);
	web_puts(b, "</select><div><input type=\"checkbox\" id=\"oconf\" name=\"confirm\" value=\"yes\"><label "
		    "class=\"inline\" for=\"oconf\">Checked: the other parent holds parental responsibility, or the "
		    "representative's written authority</label></div><label for=\"orecv\">Received</label>"
		    "<input type=\"date\" id=\"orecv\" name=\"date\" required><label for=\"orecs\">Records it names "
		    "(ids separated by commas; required for a restriction, which restricts them at once)</label>"
		    "<input type=\"text\" id=\"orecs\" name=\"rec\"><button type=\"submit\">Open the request</button>"
		    "</form></section>");
}

static int rights_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	cv_request *list = NULL;
	size_t n = 0;
	int r;

	(void)id;
	if ((r = cv_request_list(v, 0, 1, &list, &n)) < 0)
		return r;
	web_page_begin(rq, b, "Rights requests");
	web_alert(b, alert);
	web_puts(b, "<p>Rectification, erasure, restriction and objection, on the same clock as subject access "
		    "(<a href=\"/requests\">the subject access register</a>). A restriction stops the records it "
		    "names from being read, filed into, shared or moved until it is lifted.</p>");
	request_rows(rq, b, list, n);
	open_form(rq, b);
	web_page_end(b);
	cv_request_list_free(list, n);
	return 0;
}

static void request_open(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	cv_request_opts o;
	char id[24];

	memset(&o, 0, sizeof(o));
	if (!web_given(rq->requester) || !web_given(rq->relationship) || !web_given(rq->date))
		return web_error_page(rq, h, b, 400, "request open needs --requester NAME, --relationship REL and "
				      "--received DATE");
	if (cv_relationship_parse(&o.relationship, rq->relationship) < 0)
		return web_error_page(rq, h, b, 400, "--relationship must be client, other-parent, child or representative");
	o.case_id = web_given(rq->case_id);
	o.requester = rq->requester;
	o.received = rq->date;
	o.authority_confirmed = (o.relationship == CV_REL_OTHER_PARENT || o.relationship == CV_REL_REPRESENTATIVE) &&
				web_given(rq->confirm);
	o.kind = web_given(rq->kind);
	o.records = web_given(rq->recs);
	web_after(rq, v, h, b, cv_request_open(v, &o, id), rights_page, NULL, "/rights");
}

static void request_act(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id, int lift)
{
	int r = lift ? cv_request_lift(v, id, NULL) : cv_request_close(v, id);

	web_after(rq, v, h, b, r, rights_page, NULL, "/rights");
}

/* ---- corrections (docs/legal-rules.md LR-18) */

/* The case's records, each with its standing restriction and a link to correct it. */
static int case_fix_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	cv_record *recs = NULL;
	size_t n = 0, i;
	char title[64], req[24];
	int r;

	if ((r = cv_record_list(v, id, CV_SECTION_CASE, &recs, &n)) < 0)
		return r;
	snprintf(title, sizeof(title), "Corrections: %s", id);
	web_page_begin(rq, b, title);
	web_alert(b, alert);
	web_printf(b, "<p><a href=\"/case/%s\">Back to the case</a></p><table><caption>Records of the case file, with "
		      "the restrictions standing on them</caption><thead><tr><th scope=\"col\">Record</th><th scope="
		      "\"col\">Title</th><th scope=\"col\">Class</th><th scope=\"col\">Date</th><th scope=\"col\">"
		      "Restricted</th><th scope=\"col\">Correct</th></tr></thead><tbody>", id);
	for (i = 0; i < n; i++) {
		web_printf(b, "<tr><td>%s</td><td class=\"title\">", recs[i].id);
		web_esc(b, recs[i].title);
		web_puts(b, "</td><td>");
		web_esc(b, recs[i].class_name);
		web_printf(b, "</td><td>%s</td><td>", recs[i].event_date);
		if ((r = cv_record_restricted(v, recs[i].id, req)) > 0)
			web_printf(b, "<strong class=\"overdue\">restricted by %s</strong>", req);
		web_printf(b, "%s</td><td><a href=\"/record/%s/fix\">Correct %s</a></td></tr>", r == 0 ? "no" : "",
			   recs[i].id, recs[i].id);
	}
	web_puts(b, "</tbody></table>");
	web_page_end(b);
	cv_record_list_free(recs, n);
	return 0;
}

/* The reason and the request answered, which every correction may carry. */
static void fix_fields(web_buf *b, const char *form, int reason_required)
{
	web_printf(b, "<label for=\"%s-reason\">Reason%s</label><input type=\"text\" id=\"%s-reason\" name=\"reason\"%s>"
		      "<label for=\"%s-req\">The rights request it answers (optional, REQ-...)</label><input "
		      "type=\"text\" id=\"%s-req\" name=\"request\">", form, reason_required ? "" : " (optional)", form,
		   reason_required ? " required" : "", form, form);
}

static int record_fix_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	char title[64];

	snprintf(title, sizeof(title), "Record %s: download or correct", id);
	web_page_begin(rq, b, title);
	web_alert(b, alert);
	web_preview_figure(v, b, id);  /* docs/web.md, Previews */
	/* 'get R -o FILE --purpose P': a download says why the record leaves the vault (docs/legal-rules.md §17) */
	web_printf(b, "<form method=\"post\" action=\"/record/%s/export\"><fieldset><legend>Download it, saying why"
		      "</legend>", id);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<label for=\"x-purpose\">Purpose: why the record leaves the vault (kept with the audit trail)"
		      "</label><input type=\"text\" id=\"x-purpose\" name=\"purpose\" required><button type=\"submit\">"
		      "Download %s</button></fieldset></form>", id);
	web_printf(b, "<form method=\"post\" action=\"/record/%s/move\"><fieldset><legend>Move it to the right case"
		      "</legend>", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<label for=\"m-case\">Case</label><input type=\"text\" id=\"m-case\" name=\"case\" required>");
	fix_fields(b, "m", 0);
	web_printf(b, "<button type=\"submit\">Move %s</button></fieldset></form><form method=\"post\" "
		      "action=\"/record/%s/set\"><fieldset><legend>Correct its class, title or date</legend>", id, id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<label for=\"s-class\">Class (empty: unchanged)</label><input type=\"text\" id=\"s-class\" "
		    "name=\"class\"><label for=\"s-title\">Title (empty: unchanged)</label><input type=\"text\" "
		    "id=\"s-title\" name=\"title\"><label for=\"s-date\">Date of the event (empty: unchanged)</label>"
		    "<input type=\"date\" id=\"s-date\" name=\"date\">");
	fix_fields(b, "s", 0);
	web_printf(b, "<button type=\"submit\">Correct %s</button></fieldset></form><form method=\"post\" "
		      "action=\"/record/%s/erase\"><fieldset><legend>Erase it (a manager): destroyed with a "
		      "certificate</legend>", id, id);
	web_csrf_field(b, rq->csrf);
	fix_fields(b, "e", 1);
	web_printf(b, "<button type=\"submit\">Erase %s</button></fieldset></form>", id);
	web_page_end(b);
	return 0;
}

static void record_fix(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id, const char *what)
{
	cv_fix_opts o = { web_given(rq->reason), web_given(rq->request) };
	int set = !strcmp(what, "set");
	cv_fix_report rep;
	char back[64];
	int r;

	/* what the CLI refuses before calling the library, in its words */
	if (!strcmp(what, "erase") && !o.reason)
		return web_error_page(rq, h, b, 400, "record erase needs --reason TEXT; see 'casevault record erase --help'");
	if (set && !web_given(rq->cls) && !web_given(rq->title) && !web_given(rq->date))
		return web_error_page(rq, h, b, 400, "record set needs --class C, --title T or --date YYYY-MM-DD; see "
				      "'casevault record set --help'");
	memset(&rep, 0, sizeof(rep));
	if (!strcmp(what, "move"))
		r = cv_record_move(v, id, web_given(rq->case_id), &o, &rep);
	else if (set)
		r = cv_record_set(v, id, web_given(rq->cls), web_given(rq->title), web_given(rq->date), &o, &rep);
	else
		r = cv_record_erase(v, id, &o, &rep);
	snprintf(back, sizeof(back), "/case/%s/fix", rep.to_case[0] ? rep.to_case : rep.from_case);
	web_after(rq, v, h, b, r, record_fix_page, id, back);
}

int web_rights_fix_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	int post = !strcmp(rq->method, "POST");
	const char *rest;
	char id[32];

	if (!strcmp(rq->url, "/rights"))
		post ? request_open(rq, v, h, b) : web_show(rq, v, h, b, rights_page, NULL);
	else if (post && web_split_url(rq->url, "/rights/", id, sizeof(id), &rest) == 0 &&
		 (!strcmp(rest, "close") || !strcmp(rest, "lift")))
		request_act(rq, v, h, b, id, !strcmp(rest, "lift"));
	else if (!post && web_split_url(rq->url, "/case/", id, sizeof(id), &rest) == 0 && !strcmp(rest, "fix"))
		web_show(rq, v, h, b, case_fix_page, id);
	else if (web_split_url(rq->url, "/record/", id, sizeof(id), &rest) == 0 && !strcmp(rest, "fix") && !post)
		web_show(rq, v, h, b, record_fix_page, id);
	else if (post && web_split_url(rq->url, "/record/", id, sizeof(id), &rest) == 0 &&
		 (!strcmp(rest, "move") || !strcmp(rest, "set") || !strcmp(rest, "erase")))
		record_fix(rq, v, h, b, id, rest);
	else
		return 0;
	return 1;
}
