/*
 * casevaultd - who works on a case (docs/web.md, Caseworkers of a case;
 * docs/security.md, Case assignment): every case page lists its
 * caseworkers; a manager also sees its linked cases and assigns or takes
 * off a caseworker there, as 'case assign' and 'case unassign' do
 * (cv_case_assign, cv_case_unassign), so the rule that two linked cases
 * never share a caseworker is the library's, and a refusal its one line.
 * A manager links the case to the other parent's case here too, as 'case
 * link' does (cv_case_link).
 */
#include <stdio.h>
#include <string.h>

#include "casevault/casevault.h"
#include "casevault/assign.h"
#include "casevault/people.h"
#include "web.h"

static void unassign_button(const web_req *rq, web_buf *b, const char *id, const char *staff)
{
	web_printf(b, " <form class=\"inline\" method=\"post\" action=\"/case/%s/unassign\">", id);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<input type=\"hidden\" name=\"member\" value=\"%s\"><button type=\"submit\">Take %s off"
		      "</button></form>", staff, staff);
}

/* The team and, for a manager, the linked cases and the forms that change the team. */
void web_case_team(const web_req *rq, cv_vault *v, web_buf *b, const char *id)
{
	int admin = cv_role_allows((cv_role)rq->role, CV_ACT_STAFF_ADMIN);
	cv_case_team t;
	size_t i;

	memset(&t, 0, sizeof(t));
	if (cv_case_team_get(v, id, &t) < 0)
		return;
	web_puts(b, "<dl><dt>Caseworkers</dt><dd>");
	for (i = 0; i < t.nstaff; i++) {
		web_printf(b, "%s%s", i ? ", " : "", t.staff[i]);
		if (admin)
			unassign_button(rq, b, id, t.staff[i]);
	}
	if (!t.nstaff)
		web_puts(b, "none assigned");
	web_puts(b, "</dd>");
	/* only a manager is shown the link (docs/security.md, Case assignment) */
	for (i = 0; admin && i < t.nlinked; i++)
		web_printf(b, "%s<a href=\"/case/%s\">%s</a>", i ? ", " : "<dt>Linked case</dt><dd>", t.linked[i],
			   t.linked[i]);
	web_puts(b, admin && t.nlinked ? "</dd></dl>" : "</dl>");
	cv_case_team_free(&t);
	if (!admin)
		return;
	web_printf(b, "<form method=\"post\" action=\"/case/%s/assign\"><label for=\"a-member\">Assign a caseworker "
		      "(staff id, such as S-0002)</label>", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<input type=\"text\" id=\"a-member\" name=\"member\" required><button type=\"submit\">Assign"
		    "</button></form>");
	web_printf(b, "<form method=\"post\" action=\"/case/%s/link\"><label for=\"l-case\">Link to the other "
		      "parent's case (a separated family: never the same caseworker)</label>", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<input type=\"text\" id=\"l-case\" name=\"case\" required><button type=\"submit\">Link"
		    "</button></form>");
}

/* POST /case/ID/assign|unassign|link: the library's act, back to the case page, or its one line. */
static int team_act(const web_req *rq, cv_vault *v, const char *id, const char *act)
{
	if (!strcmp(act, "assign"))
		return cv_case_assign(v, id, web_given(rq->member));
	if (!strcmp(act, "unassign"))
		return cv_case_unassign(v, id, web_given(rq->member));
	return cv_case_link(v, id, web_given(rq->case_id));
}

int web_team_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	const char *rest;
	char id[32];
	int r;

	if (strcmp(rq->method, "POST") || web_split_url(rq->url, "/case/", id, sizeof(id), &rest) != 0 ||
	    (strcmp(rest, "assign") && strcmp(rest, "unassign") && strcmp(rest, "link")))
		return 0;
	if ((r = team_act(rq, v, id, rest)) < 0)
		web_lib_error(rq, h, b, v, r);
	else
		web_redirect(h, "/case/", id);
	return 1;
}
