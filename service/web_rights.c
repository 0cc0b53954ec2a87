/*
 * casevaultd - the consent register, anonymous enquiries and child-protection
 * referrals in the browser (docs/web.md, Rights and sharing).  Each page
 * calls the library as the CLI's 'consent add|list|withdraw|due', 'enquiry
 * add|list' and 'refer', 'refer list' do (cv_consent_*, cv_enquiry_*,
 * cv_refer*), so who may (docs/legal-rules.md LR-12, LR-15, LR-16), who
 * gives a consent (the young person over compulsory school age), what an
 * enquiry may hold and the audit events are the library's; a refusal is
 * shown above the page in the library's own line, as the CLI prints it,
 * and changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/casevault.h"
#include "web.h"

/*
 * After an action: the page again, to where a reload does nothing twice
 * (r == 0), or the page with the library's line on it and the refusal's
 * status; when even the page cannot be made, that line alone.
 */
void web_after(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, int r, web_page_fn page, const char *id,
	       const char *to)
{
	char why[400];

	if (r == 0)
		return web_redirect(h, to, "");
	snprintf(why, sizeof(why), "%s", cv_vault_errmsg(v));
	web_free(b);
	h->status = web_status_of(r);
	if (page(rq, v, b, id, why) < 0) {
		web_free(b);
		web_error_page(rq, h, b, web_status_of(r), why);
	}
}

void web_show(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, web_page_fn page, const char *id)
{
	int r = page(rq, v, b, id, NULL);

	if (r < 0) {
		web_free(b);
		web_lib_error(rq, h, b, v, r);
	}
}

/* ---- consent (docs/legal-rules.md LR-15) */

static void consent_row(const web_req *rq, web_buf *b, const cv_consent *k, const cv_date *today, int forms)
{
	web_printf(b, "<tr><td>%ld</td><td><a href=\"/case/%s/consent\">%s</a></td><td>%s</td><td>%s: ", k->id,
		   k->case_id, k->case_id, cv_consent_status(k, today), k->scope_kind);
	web_esc(b, k->scope);
	web_printf(b, "</td><td>%s</td><td>%s%s%s</td><td>%s</td><td>%s</td><td>%s</td>", k->given_by, k->how,
		   k->form_record[0] ? ", form " : "", k->form_record, k->given, k->review_due,
		   k->withdrawn[0] ? k->withdrawn : "-");
	if (forms && !k->withdrawn[0]) {
		web_printf(b, "<td><form method=\"post\" action=\"/consent/%ld/withdraw\">", k->id);
		web_csrf_field(b, rq->csrf);
		web_printf(b, "<input type=\"hidden\" name=\"case\" value=\"%s\"><label for=\"wd-%ld\">Day withdrawn "
			      "(empty: today)</label><input type=\"date\" id=\"wd-%ld\" name=\"date\"><button "
			      "type=\"submit\">Withdraw consent %ld</button></form></td>", k->case_id, k->id, k->id, k->id);
	} else if (forms)
		web_puts(b, "<td></td>");
	web_puts(b, "</tr>");
}

static void consent_table(const web_req *rq, web_buf *b, const cv_consent *list, size_t n, const char *caption,
			  int forms)
{
	cv_date today;
	size_t i;

	if (cv_date_today(&today) < 0)
		memset(&today, 0, sizeof(today));
	web_printf(b, "<table><caption>%s</caption><thead><tr><th scope=\"col\">Consent</th><th scope=\"col\">Case"
		      "</th><th scope=\"col\">Status</th><th scope=\"col\">Scope</th><th scope=\"col\">Given by</th>"
		      "<th scope=\"col\">How</th><th scope=\"col\">Given</th><th scope=\"col\">Review due</th>"
		      "<th scope=\"col\">Withdrawn</th>%s</tr></thead><tbody>", caption,
		   forms ? "<th scope=\"col\">Withdraw</th>" : "");
	for (i = 0; i < n; i++)
		consent_row(rq, b, &list[i], &today, forms);
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>No consent recorded.</p>");
}

/* 'consent add CASE --to R | --purpose P --oral | --written RECORD [--given D] [--by WHO]'. */
static void consent_form(const web_req *rq, web_buf *b, const char *id)
{
	web_printf(b, "<section aria-labelledby=\"ch\"><h2 id=\"ch\">Record a consent</h2><form method=\"post\" "
		      "action=\"/case/%s/consent\">", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<p>A consent covers one recipient or one purpose, and is reviewed 12 months after it was "
		    "given. A young person over compulsory school age gives their own consent: left to the vault, "
		    "who gave it is worked out from the child's date of birth.</p>"
		    "<label for=\"to\">Recipient (one of recipient and purpose)</label>"
		    "<input type=\"text\" id=\"to\" name=\"to\"><label for=\"purpose\">Purpose</label>"
		    "<input type=\"text\" id=\"purpose\" name=\"purpose\">"
		    "<label for=\"given\">Day it was given (empty: today)</label>"
		    "<input type=\"date\" id=\"given\" name=\"date\"><label for=\"by\">Given by</label>"
		    "<select id=\"by\" name=\"by\"><option value=\"\">worked out from the child's age</option>"
		    "<option value=\"parent\">the parent</option><option value=\"young-person\">the young person"
		    "</option></select><label for=\"form\">Written form, filed in the case as record (empty: consent "
		    "given orally)</label><input type=\"text\" id=\"form\" name=\"rec\">"
		    "<button type=\"submit\">Record the consent</button></form></section>");
}

static int consent_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	cv_consent *list = NULL;
	size_t n = 0;
	char title[64];
	int r;

	if ((r = cv_consent_list(v, id, &list, &n)) < 0)
		return r;
	snprintf(title, sizeof(title), "Consent: %s", id);
	web_page_begin(rq, b, title);
	web_alert(b, alert);
	web_printf(b, "<p><a href=\"/case/%s\">Back to the case</a></p>", id);
	consent_table(rq, b, list, n, "The case's consents to share, the oldest first", 1);
	consent_form(rq, b, id);
	web_rights_share_form(rq, b, id);
	web_page_end(b);
	cv_consent_list_free(list, n);
	return 0;
}

static void consent_add(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id)
{
	cv_consent_opts o = { id, web_given(rq->to), web_given(rq->purpose), web_given(rq->recs),
			      web_given(rq->date), web_given(rq->by) };
	char back[64];
	long made = 0;

	snprintf(back, sizeof(back), "/case/%s/consent", id);
	web_after(rq, v, h, b, cv_consent_add(v, &o, &made), consent_page, id, back);
}

/* 'consent due': renewals within 30 days and those past their review, of the cases the person sees. */
static int due_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	cv_consent *list = NULL;
	size_t n = 0;
	int r;

	(void)id;
	if ((r = cv_consent_due(v, 30, &list, &n)) < 0)
		return r;
	web_page_begin(rq, b, "Consent due for renewal");
	web_alert(b, alert);
	consent_table(rq, b, list, n, "Consents whose review falls within 30 days, or is past", 0);
	web_page_end(b);
	cv_consent_list_free(list, n);
	return 0;
}

/* A case id from a form, safe in a URL to go back to. */
static int case_id_ok(const char *c)
{
	return c && *c && strlen(c) < 24 && strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == strlen(c);
}

static void consent_withdraw(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *num)
{
	const char *c = case_id_ok(rq->case_id) ? rq->case_id : "";
	char *end, back[64];
	long id = strtol(num, &end, 10);

	if (*end || id <= 0)
		return web_error_page(rq, h, b, 400, "that is not a consent number; the case's consent page shows them");
	snprintf(back, sizeof(back), "%s%s%s", *c ? "/case/" : "/consents", c, *c ? "/consent" : "");
	web_after(rq, v, h, b, cv_consent_withdraw(v, id, web_given(rq->date)), *c ? consent_page : due_page, c, back);
}

/* ---- enquiries (docs/legal-rules.md §12) */

static void enquiry_form(const web_req *rq, web_buf *b)
{
	web_puts(b, "<section aria-labelledby=\"eh\"><h2 id=\"eh\">Log an enquiry</h2>"
		    "<form method=\"post\" action=\"/enquiries\">");
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<p>An anonymous enquiry has no case and no personal details: no name, phone number, e-mail "
		    "address or postcode. It is kept a year from the day of the enquiry.</p>"
		    "<label for=\"etext\">What was asked and answered</label><textarea id=\"etext\" name=\"text\" "
		    "rows=\"4\" required></textarea><label for=\"edate\">Day of the enquiry (empty: today)</label>"
		    "<input type=\"date\" id=\"edate\" name=\"date\"><button type=\"submit\">Log the enquiry</button>"
		    "</form></section>");
}

/* The check found what looks like personal details: the same text again, logged only when confirmed. */
static void confirm_form(const web_req *rq, web_buf *b)
{
	web_puts(b, "<form method=\"post\" action=\"/enquiries\"><fieldset><legend>Log it as it is</legend>");
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<input type=\"hidden\" name=\"text\" value=\"");
	web_esc(b, rq->text);
	web_puts(b, "\"><input type=\"hidden\" name=\"date\" value=\"");
	web_esc(b, rq->date);
	web_puts(b, "\"><input type=\"hidden\" name=\"confirm\" value=\"yes\"><p>Only when it is not personal data: "
		    "the enquiry is logged as confirmed.</p><button type=\"submit\">It is not personal data: log it"
		    "</button></fieldset></form>");
}

static int enquiries_page(const web_req *rq, cv_vault *v, web_buf *b, const char *confirm, const char *alert)
{
	cv_enquiry *list = NULL;
	size_t n = 0, i;
	int r;

	if ((r = cv_enquiry_list(v, &list, &n)) < 0)
		return r;
	web_page_begin(rq, b, "Anonymous enquiries");
	web_alert(b, alert);
	if (confirm)
		confirm_form(rq, b);
	enquiry_form(rq, b);
	web_puts(b, "<table><caption>Enquiries kept, the newest first</caption><thead><tr><th scope=\"col\">Enquiry"
		    "</th><th scope=\"col\">Day</th><th scope=\"col\">Kept until</th><th scope=\"col\">Logged by</th>"
		    "<th scope=\"col\">Text</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		web_printf(b, "<tr><td>%ld</td><td>%s</td><td>%s</td><td>%s%s</td><td>", list[i].id, list[i].date,
			   list[i].retain_until, list[i].by, list[i].confirmed ? " (confirmed)" : "");
		web_esc(b, list[i].text);
		web_puts(b, "</td></tr>");
	}
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>No enquiries.</p>");
	web_page_end(b);
	cv_enquiry_list_free(list, n);
	return 0;
}

/* 'enquiry add --text T [--date D] [--confirm]': refused unless confirmed when the check finds something. */
static void enquiry_add(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	cv_enquiry_kind found = CV_ENQ_CLEAN;
	int r;

	/* the text field alone comes by length (a note's); an enquiry's is a string, cut short by a NUL */
	if (rq->text && strlen(rq->text) != rq->text_len) {
		web_error_page(rq, h, b, 400, "the enquiry's text holds a NUL character, which it cannot take; "
			       "nothing was logged");
		return;
	}
	r = cv_enquiry_add(v, web_given(rq->text), web_given(rq->date), web_given(rq->confirm) != NULL, &found, NULL);

	web_after(rq, v, h, b, r, enquiries_page, r == CV_EREFUSED && found != CV_ENQ_CLEAN ? "confirm" : NULL,
	      "/enquiries");
}

/* ---- referrals (docs/legal-rules.md §16): the cp-lead's and the manager's */

static void referral_form(const web_req *rq, web_buf *b)
{
	web_puts(b, "<section aria-labelledby=\"rfh\"><h2 id=\"rfh\">Record a referral</h2>"
		    "<form method=\"post\" action=\"/referrals\">");
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<p>A concern passed to another agency without consent: who receives it, why, the legal basis "
		    "and exactly which records, all kept under the child-protection key.</p>"
		    "<label for=\"rcase\">Case</label><input type=\"text\" id=\"rcase\" name=\"case\" required>"
		    "<label for=\"rto\">To whom (the agency)</label><input type=\"text\" id=\"rto\" name=\"to\" required>"
		    "<label for=\"rwhy\">Why</label><textarea id=\"rwhy\" name=\"reason\" rows=\"3\" required></textarea>"
		    "<label for=\"rbasis\">Legal basis</label><input type=\"text\" id=\"rbasis\" name=\"basis\" required>"
		    "<label for=\"rrecs\">Records referred (ids, separated by commas)</label>"
		    "<input type=\"text\" id=\"rrecs\" name=\"rec\" required><label for=\"rdate\">Day of the referral "
		    "(empty: today)</label><input type=\"date\" id=\"rdate\" name=\"date\">"
		    "<button type=\"submit\">Record the referral</button></form></section>");
}

static void referral_row(web_buf *b, const cv_referral *f)
{
	web_printf(b, "<tr><td>%ld</td><td><a href=\"/case/%s\">%s</a></td><td>%s</td><td>%s</td><td>", f->id,
		   f->case_id, f->case_id, f->date, f->by);
	web_esc(b, f->agency);
	web_puts(b, "</td><td>");
	web_esc(b, f->reason);
	web_puts(b, "</td><td>");
	web_esc(b, f->basis);
	web_puts(b, "</td><td>");
	web_esc(b, f->records);
	web_puts(b, "</td></tr>");
}

static int referrals_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	cv_referral *list = NULL;
	size_t n = 0, i;
	int r;

	(void)id;
	if ((r = cv_refer_list(v, NULL, &list, &n)) < 0)
		return r;
	web_page_begin(rq, b, "Child-protection referrals");
	web_alert(b, alert);
	web_puts(b, "<p class=\"marked\" role=\"note\">Referrals are a register of their own, apart from subject "
		    "access requests, for the child-protection lead and managers only.</p>");
	referral_form(rq, b);
	web_puts(b, "<table><caption>Referrals, the newest first</caption><thead><tr><th scope=\"col\">Referral</th>"
		    "<th scope=\"col\">Case</th><th scope=\"col\">Day</th><th scope=\"col\">By</th><th scope=\"col\">"
		    "To</th><th scope=\"col\">Why</th><th scope=\"col\">Legal basis</th><th scope=\"col\">Records</th>"
		    "</tr></thead><tbody>");
	for (i = 0; i < n; i++)
		referral_row(b, &list[i]);
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>No referrals.</p>");
	web_page_end(b);
	cv_refer_list_free(list, n);
	return 0;
}

/* 'refer CASE --to A --reason T --basis B --records R,...': the records split on commas and spaces as the CLI does. */
static void refer(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	cv_referral_new ref = { web_given(rq->case_id), web_given(rq->to), web_given(rq->reason), web_given(rq->basis),
				NULL, 0, web_given(rq->date) };
	char *recs = strdup(rq->recs ? rq->recs : ""), *tok, *save = NULL;
	const char *ids[64];
	int r;

	if (!recs)
		return web_error_page(rq, h, b, 500, "out of memory");
	for (tok = strtok_r(recs, ", ", &save); tok && ref.nrecords < 64; tok = strtok_r(NULL, ", ", &save))
		ids[ref.nrecords++] = tok;
	if (tok) {  /* never a referral of fewer records than were named */
		free(recs);
		return web_error_page(rq, h, b, 400, "a referral from the page names at most 64 records; refer more "
				      "with 'casevault refer'; nothing was recorded");
	}
	ref.records = ids;
	r = cv_refer(v, &ref, NULL);
	web_after(rq, v, h, b, r, referrals_page, NULL, "/referrals");
	free(recs);
}

int web_rights_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, int *doc_fd)
{
	int post = !strcmp(rq->method, "POST");
	const char *rest;
	char id[32];

	if (!strcmp(rq->url, "/consents") && !post)
		web_show(rq, v, h, b, due_page, NULL);
	else if (!strcmp(rq->url, "/enquiries"))
		post ? enquiry_add(rq, v, h, b) : web_show(rq, v, h, b, enquiries_page, NULL);
	else if (!strcmp(rq->url, "/referrals"))
		post ? refer(rq, v, h, b) : web_show(rq, v, h, b, referrals_page, NULL);
	else if (post && web_split_url(rq->url, "/consent/", id, sizeof(id), &rest) == 0 && !strcmp(rest, "withdraw"))
		consent_withdraw(rq, v, h, b, id);
	else if (web_split_url(rq->url, "/case/", id, sizeof(id), &rest) == 0 && !strcmp(rest, "consent"))
		post ? consent_add(rq, v, h, b, id) : web_show(rq, v, h, b, consent_page, id);
	else
		return web_rights_share_route(rq, v, h, b, doc_fd);
	return 1;
}
