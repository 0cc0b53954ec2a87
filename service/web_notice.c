/*
 * casevaultd - a case's confidentiality notice and contact preference
 * (docs/web.md, Confidentiality and contact; docs/commands/case-notice.md,
 * case-contact.md): the office's confidentiality policy has the parent told
 * on first contact that the service is confidential, and no detailed
 * message left without their permission.  The case page says both (web_
 * case_notice_summary); /case/ID/notice records them as 'case notice' and
 * 'case contact' do (cv_notice_add, cv_contact_set), a refusal in the
 * library's own line.
 */
#include <stdio.h>
#include <string.h>

#include "casevault/casevault.h"
#include "casevault/notice.h"
#include "web.h"

/* The last notice and the contact preference, said plainly: what a caseworker checks before calling. */
void web_case_notice_summary(cv_vault *v, web_buf *b, const char *id)
{
	cv_case_notice *list = NULL;
	cv_contact_pref cp;
	size_t n = 0;

	web_puts(b, "<dl><dt>Told the service is confidential</dt><dd>");
	if (cv_notice_list(v, id, &list, &n) == 0 && n)
		web_printf(b, "on %s (%s), policy version ", list[n - 1].told, list[n - 1].how);
	if (n)
		web_esc(b, list[n - 1].policy_version);
	else
		web_puts(b, "<strong>not yet recorded</strong>: tell the parent on first contact");
	cv_notice_list_free(list, n);
	memset(&cp, 0, sizeof(cp));
	web_puts(b, "</dd><dt>Messages</dt><dd>");
	if (cv_contact_get(v, id, &cp) < 0 || !cp.set)
		web_puts(b, "no preference recorded: <strong>leave no detailed message</strong>");
	else if (cp.message_ok)
		web_printf(b, "a detailed message may be left%s%s", cp.how[0] ? ", by " : "", cp.how);
	else
		web_printf(b, "<strong>leave no detailed message</strong>%s%s", cp.how[0] ? "; contact by " : "",
			   cp.how);
	web_printf(b, " (<a href=\"/case/%s/notice\">record or change</a>)</dd></dl>", id);
}

/* A labelled choice of ways, the first "" when empty is allowed. */
static void ways(web_buf *b, const char *field, const char *label, const char *const *way)
{
	web_printf(b, "<label for=\"%s\">%s</label><select id=\"%s\" name=\"how\">", field, label, field);
	for (; *way; way++)
		web_printf(b, "<option value=\"%s\">%s</option>", *way, **way ? *way : "no preference");
	web_puts(b, "</select>");
}

static void notice_forms(const web_req *rq, web_buf *b, const char *id)
{
	static const char *const told[] = { "oral", "phone", "written", "letter", "email", "leaflet", NULL };
	static const char *const contact[] = { "", "phone", "email", "letter", "text", NULL };

	web_printf(b, "<form method=\"post\" action=\"/case/%s/notice\"><fieldset><legend>The parent was told the "
		      "service is confidential</legend>", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<label for=\"n-told\">On (empty: today)</label><input type=\"date\" id=\"n-told\" name=\"date\">");
	ways(b, "n-how", "How", told);
	web_puts(b, "<label for=\"n-version\">Version of the confidentiality policy they were told of</label>"
		    "<input type=\"text\" id=\"n-version\" name=\"version\" required>"
		    "<button type=\"submit\">Record the notice</button></fieldset></form>");
	web_printf(b, "<form method=\"post\" action=\"/case/%s/contact\"><fieldset><legend>May a detailed message "
		      "be left?</legend>", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<label for=\"c-ok\">Detailed message</label><select id=\"c-ok\" name=\"confirm\">"
		    "<option value=\"no\">no: leave no details</option><option value=\"yes\">yes, the parent agreed"
		    "</option></select>");
	ways(b, "c-how", "How to contact them", contact);
	web_puts(b, "<button type=\"submit\">Record the preference</button></fieldset></form>");
}

static int notice_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	char title[64];
	cv_case c;
	int r;

	memset(&c, 0, sizeof(c));
	r = cv_case_get(v, &c, id, 0);  /* the case exists and the person may see it */
	cv_case_release(&c);
	if (r < 0)
		return r;
	snprintf(title, sizeof(title), "Confidentiality and contact: %s", id);
	web_page_begin(rq, b, title);
	web_alert(b, alert);
	web_printf(b, "<p><a href=\"/case/%s\">Back to the case</a></p>", id);
	web_case_notice_summary(v, b, id);
	notice_forms(rq, b, id);
	web_page_end(b);
	return 0;
}

int web_notice_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	int post = !strcmp(rq->method, "POST"), r;
	const char *rest;
	char id[32], back[64];

	if (web_split_url(rq->url, "/case/", id, sizeof(id), &rest) != 0 ||
	    (strcmp(rest, "notice") && strcmp(rest, "contact")) || (!post && strcmp(rest, "notice")))
		return 0;
	if (!post) {
		web_show(rq, v, h, b, notice_page, id);
		return 1;
	}
	if (!strcmp(rest, "notice"))
		r = cv_notice_add(v, id, web_given(rq->date), web_given(rq->how), web_given(rq->version), NULL);
	else
		r = cv_contact_set(v, id, rq->confirm && !strcmp(rq->confirm, "yes"), web_given(rq->how));
	snprintf(back, sizeof(back), "/case/%s", id);
	web_after(rq, v, h, b, r, notice_page, id, back);
	return 1;
}
