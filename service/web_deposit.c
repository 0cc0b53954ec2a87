/*
 * casevaultd - a volunteer's note form (docs/web.md, Deposits by
 * volunteers).  A volunteer files notes and reads nothing: their web
 * session reaches this form only, and the note goes through cv_file, the
 * call 'casevault note' makes, which for a role holding no section key
 * wraps it to the section's signed deposit key (docs/architecture.md, Keys:
 * deposits).  Nothing of the case is shown: not its name, not its records,
 * not even the note once filed, only its reference.
 */
#include <stdio.h>
#include <string.h>

#include "casevault/casevault.h"
#include "web.h"

#define FILED "/deposit/filed/"

int web_deposit_page(const char *url)
{
	return !strcmp(url, "/deposit") || !strncmp(url, FILED, strlen(FILED));
}

/* A text field, its value kept when the form comes back with a refusal. */
static void field(web_buf *b, const char *id, const char *name, const char *type, const char *label,
		  const char *value, const char *extra)
{
	web_printf(b, "<label for=\"%s\">%s</label><input type=\"%s\" id=\"%s\" name=\"%s\" value=\"", id, label, type,
		   id, name);
	web_esc(b, value);
	web_printf(b, "\"%s>", extra);
}

/*
 * The form: the case's reference as the volunteer was given it (nothing
 * lists cases for them), the class from the schedule's case-file classes
 * (what 'note --class' takes without --cp), the text, a title and a date.
 * rq's values fill it again after a refusal (alert), so nothing typed is lost.
 */
static void deposit_form(const web_req *rq, cv_vault *v, web_buf *b, const char *alert)
{
	const web_req *kept = alert ? rq : NULL;

	web_page_begin(rq, b, "File a note");
	web_alert(b, alert);
	web_puts(b, "<p>Your note is encrypted so that only the office's caseworkers and managers can read it: once "
		    "filed, you cannot read it back or see the case. It appears in the case when a caseworker next opens the vault.</p>"
		    "<form method=\"post\" action=\"/deposit\">");
	web_csrf_field(b, rq->csrf);
	field(b, "dcase", "case", "text", "Case reference (C-YEAR-NUMBER, as you were given it)", kept ? kept->case_id : NULL,
	      " required autocomplete=\"off\" spellcheck=\"false\"");
	web_class_select_chosen(b, v, "dclass", kept ? kept->cls : NULL);
	web_puts(b, "<label for=\"dtext\">Note</label><p id=\"dtext-hint\">Plain text, at most 64 KiB.</p>"
		    "<textarea id=\"dtext\" name=\"text\" rows=\"10\" cols=\"60\" required aria-describedby=\"dtext-hint\">");
	web_esc(b, kept ? kept->text : NULL);
	web_puts(b, "</textarea>");
	field(b, "dtitle", "title", "text", "Title (empty: the note's first line)", kept ? kept->title : NULL,
	      " autocomplete=\"off\"");
	field(b, "ddate", "date", "date", "Date of the call or meeting (empty: today)", kept ? kept->date : NULL, "");
	web_puts(b, "<button type=\"submit\">File the note</button></form>");
	web_page_end(b);
}

/*
 * GET /deposit: the person proves their key as each of an auditor's pages
 * does (a signature from gpg-agent's cache), so that a session the vault's
 * idle lock ended is sent to sign in before a note is typed, not after.
 */
static void form_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	int r;

	if ((r = cv_vault_prove(v)) < 0)
		return web_lib_error(rq, h, b, v, r);
	deposit_form(rq, v, b, NULL);
}

/*
 * POST /deposit: 'casevault note CASE --class CLASS [--title T] [--date D]'
 * with the text as its standard input: one cv_file item, checked and
 * refused by the library in the CLI's words (an unknown case, a class of
 * the child-protection file, a date in the future or not a date, a NUL or
 * a control character), all or nothing.  The text's length is the form's,
 * so a NUL in it reaches the library's check rather than cutting it short.
 */
static void deposit(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	cv_file_item it;
	int r;

	memset(&it, 0, sizeof(it));
	it.case_id = rq->case_id ? rq->case_id : "";
	it.section = CV_SECTION_CASE;
	it.class_name = rq->cls ? rq->cls : "";
	it.text = rq->text ? rq->text : "";
	it.text_len = rq->text ? rq->text_len : 0;
	it.title = web_given(rq->title);
	it.date = web_given(rq->date);
	it.line = 1;
	if ((r = cv_file(v, &it, 1, 0, NULL, NULL, NULL)) == 0)
		return web_redirect(h, FILED, it.record_id);  /* 303: a reload files nothing twice */
	h->status = web_status_of(r);
	if (h->status >= 500)  /* no page of the form: web_make may end the session (the agent forgot) */
		return web_lib_error(rq, h, b, v, r);
	deposit_form(rq, v, b, cv_vault_errmsg(v));  /* the line 'casevault note' prints */
}

/* GET /deposit/filed/R-000123: the reference 'casevault note' prints, and what happens next; nothing is read. */
static void filed_page(const web_req *rq, web_head *h, web_buf *b, const char *id)
{
	if (strlen(id) < 3 || strlen(id) > 15 || strncmp(id, "R-", 2) || strspn(id + 2, "0123456789") != strlen(id + 2))
		return web_error_page(rq, h, b, 404, "there is no such page; file a note from the note form");
	web_page_begin(rq, b, "Note filed");
	web_printf(b, "<p role=\"status\">Your note was filed as <strong>%s</strong>. It will appear in the case when a "
		      "caseworker next opens the vault; until then it waits encrypted, and nobody can read it "
		      "before a caseworker does, you included.</p>"
		      "<p><a href=\"/deposit\">File another note</a></p>", id);
	web_page_end(b);
}

int web_deposit_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	int post = !strcmp(rq->method, "POST");

	if (!web_deposit_page(rq->url))
		return 0;
	/* a key holder files on the case's page, where the note is listed at once (docs/web.md) */
	if (!web_deposits_only(rq->role))
		web_error_page(rq, h, b, 404, "the note form at /deposit is for volunteers; add a note on the case's "
			       "page, from the list of cases");
	else if (!strncmp(rq->url, FILED, strlen(FILED)) && !post)
		filed_page(rq, h, b, rq->url + strlen(FILED));
	else if (!strcmp(rq->url, "/deposit"))
		(post ? deposit : form_page)(rq, v, h, b);
	else
		web_error_page(rq, h, b, 404, "there is no such page; file a note from the note form");
	return 1;
}
