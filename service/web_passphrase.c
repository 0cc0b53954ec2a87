/*
 * casevaultd - "Change your passphrase" (docs/web.md, Your passphrase): the
 * form of 'casevault staff passphrase' for whoever is signed in, whatever
 * their role.  The library's call is the CLI's (cv_staff_change_passphrase):
 * the current passphrase is asked even though the web session is open, a
 * wrong one is audited and counts towards the lock-out, and the person's
 * session ends, so the page signs them out to sign in with the new one.
 */
#include <stdio.h>
#include <string.h>

#include "casevault/casevault.h"
#include "cli.h"
#include "web.h"

static int form_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	(void)v, (void)id;
	web_page_begin(rq, b, "Change your passphrase");
	web_alert(b, alert);
	web_puts(b, "<form method=\"post\" action=\"/passphrase\"><fieldset><legend>Your passphrase</legend>");
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<p id=\"p-help\">Type your current passphrase, then the new one twice: at least %d "
		      "characters, e.g. four or more unrelated words. You are signed out afterwards; sign in again "
		      "with the new one. Nobody can reset a forgotten passphrase.</p>"
		      "<label for=\"p-old\">Current passphrase</label><input type=\"password\" id=\"p-old\" "
		      "name=\"old_pass\" autocomplete=\"current-password\">"
		      "<label for=\"p-new\">New passphrase</label><input type=\"password\" id=\"p-new\" name=\"new_pass\" "
		      "autocomplete=\"new-password\" aria-describedby=\"p-help\" required>"
		      "<label for=\"p-new2\">New passphrase again</label><input type=\"password\" id=\"p-new2\" "
		      "name=\"new_pass2\" autocomplete=\"new-password\" required><button type=\"submit\">Change it"
		      "</button></fieldset></form>", CLI_PASS_MIN);
	web_page_end(b);
	return 0;
}

/* The form again with a refusal of its own (nothing was changed), status 400. */
static void refuse(const web_req *rq, web_head *h, web_buf *b, const char *why)
{
	h->status = 400;
	form_page(rq, NULL, b, NULL, why);
}

static void change(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	const char *pass = web_given(rq->new_pass);
	char why[256], line[400];
	int r;

	if (!pass || !rq->new_pass2 || strcmp(pass, rq->new_pass2))
		return refuse(rq, h, b, "the two new passphrases differ: type the same one twice; nothing was changed");
	if (cli_pass_weak(pass, why, sizeof(why)))
		return snprintf(line, sizeof(line), "the new passphrase is too weak (%s): use at least %d characters, "
				"e.g. four or more unrelated words; nothing was changed", why, CLI_PASS_MIN),
		       refuse(rq, h, b, line);
	cv_vault_set_passphrase_cb(v, web_typed_passphrase, (void *)rq->old_pass);  /* "" for a key made without one */
	/* a wrong current passphrase is the form's to say (403), not a session that ended under the page */
	if ((r = cv_staff_change_passphrase(v, web_typed_passphrase, (void *)pass)) < 0)
		return web_after(rq, v, h, b, r == CV_EBADPASS ? CV_EREFUSED : r, form_page, NULL, "/passphrase");
	h->kind = WEB_ENDED;  /* the library ended the session: sign in with the new passphrase */
	snprintf(h->location, sizeof(h->location), "/signin?changed=1");
}

int web_passphrase_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	if (strcmp(rq->url, "/passphrase"))
		return 0;
	if (!strcmp(rq->method, "POST"))
		change(rq, v, h, b);
	else
		web_show(rq, v, h, b, form_page, NULL);
	return 1;
}
