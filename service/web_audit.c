/*
 * casevaultd - the auditor's page (docs/web.md, Auditor): the audit trail
 * with filters by dates, staff member, id (a case's, say) and event, as 'casevault audit show'
 * (cv_audit_list, which the library keeps for managers and auditors:
 * CV_ACT_AUDIT, refused and audited for anyone else), and whether the
 * chain holds (cv_audit_verify, as 'casevault audit verify').  The filters
 * are POSTed with the page's CSRF token, like every form here.
 */
#include <stdio.h>
#include <string.h>

#include "casevault/casevault.h"
#include "web.h"

#define AUDIT_SHOWN 500   /* the newest events shown; a narrower filter finds older ones */

static void filter_field(web_buf *b, const char *id, const char *label, const char *type, const char *value)
{
	web_printf(b, "<label for=\"%s\">%s</label><input type=\"%s\" id=\"%s\" name=\"%s\" value=\"", id, label, type,
		   id, id);
	web_esc(b, value);
	web_puts(b, "\">");
}

static void filter_form(const web_req *rq, web_buf *b)
{
	web_puts(b, "<form method=\"post\" action=\"/audit\"><fieldset><legend>Show only</legend>");
	web_csrf_field(b, rq->csrf);
	filter_field(b, "since", "Events since (date)", "date", rq->since);
	filter_field(b, "until", "Events until (date, that day included)", "date", rq->until);
	filter_field(b, "actor", "By staff member (staff id, such as S-0002)", "text", rq->actor);
	filter_field(b, "rid", "About an id (a record, case, staff or request id)", "text", rq->rid);
	filter_field(b, "event", "Event (such as record.export, or record for every record event)", "text", rq->event);
	web_puts(b, "<button type=\"submit\">Show</button></fieldset></form>");
}

static void chain_state(web_buf *b, cv_vault *v)
{
	cv_audit_report rep;
	int r;

	memset(&rep, 0, sizeof(rep));
	r = cv_audit_verify(v, &rep);
	web_printf(b, "<p role=\"status\" class=\"%s\">", r == 0 ? "" : "error");
	if (r == 0)
		web_printf(b, "The trail's chain holds: %ld events, the first %ld proven by signed checkpoint %ld.",
			   rep.events, rep.proven, rep.checkpoint);
	else {
		web_puts(b, "The trail's chain does NOT hold: ");
		web_esc(b, rep.problem[0] ? rep.problem : cv_vault_errmsg(v));
	}
	web_puts(b, "</p>");
}

/*
 * The filters the library's cv_audit_filter has no field for, applied to
 * what it listed: the last day, and the event (exactly, or a family such as
 * "record" for record.*).
 */
static int kept(const web_req *rq, const cv_audit_event *e)
{
	const char *ev = rq->event && *rq->event ? rq->event : NULL;
	size_t n = ev ? strlen(ev) : 0;

	if (rq->until && *rq->until && strncmp(e->time, rq->until, strlen(rq->until)) > 0)
		return 0;
	return !ev || !strcmp(e->action, ev) || (!strncmp(e->action, ev, n) && e->action[n] == '.');
}

static size_t keep(const web_req *rq, cv_audit_event *ev, size_t n)
{
	size_t i, k = 0;
	cv_audit_event t;

	for (i = 0; i < n; i++)
		if (kept(rq, &ev[i])) {  /* swapped, not dropped: cv_audit_list_free frees all n */
			t = ev[k];
			ev[k++] = ev[i];
			ev[i] = t;
		}
	return k;
}

static void events_table(web_buf *b, const cv_audit_event *ev, size_t n)
{
	size_t i, first = n > AUDIT_SHOWN ? n - AUDIT_SHOWN : 0;

	web_printf(b, "<table><caption>%zu event%s, the newest first%s</caption><thead><tr><th scope=\"col\">Event</th>"
		      "<th scope=\"col\">Time (UTC)</th><th scope=\"col\">Staff</th><th scope=\"col\">Action</th>"
		      "<th scope=\"col\">Ids</th><th scope=\"col\">Outcome</th></tr></thead><tbody>", n, n == 1 ? "" : "s",
		   first ? " (only the newest 500 are shown: narrow the filter for older ones)" : "");
	for (i = n; i-- > first;) {
		web_printf(b, "<tr><td>%ld</td><td>", ev[i].seq);
		web_esc(b, ev[i].time);
		web_puts(b, "</td><td>");
		web_esc(b, ev[i].actor);
		web_puts(b, "</td><td>");
		web_esc(b, ev[i].action);
		web_puts(b, "</td><td>");
		web_esc(b, ev[i].ids);
		web_printf(b, "</td><td class=\"%s\">", strcmp(ev[i].outcome, "ok") ? "error" : "");
		web_esc(b, ev[i].outcome);
		web_puts(b, "</td></tr>");
	}
	web_puts(b, "</tbody></table>");
}

static void audit_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	cv_audit_filter f = { rq->since && *rq->since ? rq->since : NULL, rq->actor && *rq->actor ? rq->actor : NULL,
			      rq->rid && *rq->rid ? rq->rid : NULL };
	cv_audit_event *ev = NULL;
	size_t n = 0;
	int r;

	if ((r = cv_audit_list(v, &f, &ev, &n)) < 0)
		return web_lib_error(rq, h, b, v, r);
	web_page_begin(rq, b, "Audit trail");
	chain_state(b, v);
	filter_form(rq, b);
	events_table(b, ev, keep(rq, ev, n));
	if ((r = web_certificates_section(b, v)) < 0) {
		web_free(b);
		web_lib_error(rq, h, b, v, r);
	}
	else
		web_page_end(b);
	cv_audit_list_free(ev, n);
}

int web_audit_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	if (strcmp(rq->url, "/audit"))
		return 0;
	audit_page(rq, v, h, b);
	return 1;
}
