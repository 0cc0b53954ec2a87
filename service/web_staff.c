/*
 * casevaultd - the manager's page of staff and grants (docs/web.md, Staff
 * and grants): the staff with their attestations, and the forms of 'staff
 * add', 'staff attest' and 'staff revoke'.  Each is the library's call the
 * CLI makes (cv_staff_add, cv_staff_attest, cv_staff_revoke), so who may
 * (CV_ACT_STAFF_ADMIN: a manager), the signed grant and the audit trail are
 * the library's: a caseworker asking by URL or replaying a form is refused
 * by it, audited.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/casevault.h"
#include "cli.h"
#include "web.h"

/*
 * When the yearly attestation falls due (docs/security.md: a person not
 * attested in 12 months is refused): "overdue", "due within a month", or "".
 */
static const char *attestation_due(const char *attested)
{
	cv_date d, until, today, soon;

	if (!attested[0] || cv_date_parse(&d, attested) < 0 || cv_date_today(&today) < 0)
		return "overdue";
	cv_date_add_months_later(&until, &d, 12);
	cv_date_add_months_clamp(&soon, &today, 1);
	return cv_date_cmp(&today, &until) >= 0 ? "overdue" : cv_date_cmp(&soon, &until) >= 0 ? "due within a month" : "";
}

static void attested_cell(web_buf *b, const cv_staff *st)
{
	const char *due = st->revoked[0] ? "" : attestation_due(st->attested);

	web_puts(b, "</td><td>");
	web_esc(b, st->attested[0] ? st->attested : "never");
	if (*due)
		web_printf(b, " <strong class=\"overdue\">(%s)</strong>", due);
	web_printf(b, "</td><td>%s", st->os_uid >= 0 ? "yes" : "no");
}

/* A button POSTing to /staff/ID/what, named for the person (the id only: no name in a label). */
static void staff_button(const web_req *rq, web_buf *b, const char *id, const char *what, const char *label)
{
	web_printf(b, "<form method=\"post\" action=\"/staff/%s/%s\">", id, what);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<button type=\"submit\">%s<span class=\"visually-hidden\"> of %s</span></button></form>", label,
		   id);
}

static void staff_row(const web_req *rq, web_buf *b, const cv_staff *st)
{
	web_puts(b, "<tr><td>");
	web_esc(b, st->id);
	web_puts(b, "</td><td>");
	web_esc(b, st->name);
	web_puts(b, "</td><td>");
	web_esc(b, cv_role_name(st->role));
	attested_cell(b, st);
	web_puts(b, "</td><td>");
	if (st->revoked[0]) {
		web_puts(b, "revoked ");
		web_esc(b, st->revoked);
		web_puts(b, "</td><td></td></tr>");
		return;
	}
	staff_button(rq, b, st->id, "attest", "Record today's attestation");
	web_puts(b, "</td><td>");
	staff_button(rq, b, st->id, "revoke", "Revoke the grant");
	web_puts(b, "</td></tr>");
}

/* 'staff add': the new person types their own passphrase, twice, as pinentry asks them on the command line. */
static void add_form(const web_req *rq, web_buf *b)
{
	int i;

	web_puts(b, "<form method=\"post\" action=\"/staff/add\"><fieldset><legend>Add a member of staff</legend>");
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<label for=\"a-name\">Name</label><input type=\"text\" id=\"a-name\" name=\"name\" "
		    "autocomplete=\"off\" required><label for=\"a-role\">Role</label><select id=\"a-role\" name=\"role\" "
		    "required>");
	for (i = CV_ROLE_VOLUNTEER; i <= CV_ROLE_AUDITOR; i++)
		web_printf(b, "<option value=\"%s\">%s</option>", cv_role_name((cv_role)i), cv_role_name((cv_role)i));
	web_printf(b, "</select><label for=\"a-os\">OS user (optional; needed to sign in here)</label><input "
		      "type=\"text\" id=\"a-os\" name=\"os_user\" autocomplete=\"off\"><p id=\"a-pass-help\">The new "
		      "person types their own passphrase here, twice, at least %d characters; nobody else needs to "
		      "know it.</p><label for=\"a-pass\">Their passphrase</label><input type=\"password\" id=\"a-pass\" "
		      "name=\"new_pass\" autocomplete=\"new-password\" aria-describedby=\"a-pass-help\" required>"
		      "<label for=\"a-pass2\">Their passphrase again</label><input type=\"password\" id=\"a-pass2\" "
		      "name=\"new_pass2\" autocomplete=\"new-password\" required><button type=\"submit\">Add them"
		      "</button></fieldset></form>", CLI_PASS_MIN);
}

/* The manager's list of staff: the library refuses anyone else (CV_ACT_STAFF_ADMIN). */
static int staff_page(const web_req *rq, cv_vault *v, web_buf *b, const char *id, const char *alert)
{
	cv_staff *list = NULL;
	size_t n = 0, i;
	int r;

	(void)id;
	if ((r = cv_staff_list(v, &list, &n, 1)) < 0)
		return r;
	web_page_begin(rq, b, "Staff");
	web_alert(b, alert);
	web_puts(b, "<table><caption>Staff, their grants and their yearly confidentiality attestation</caption>"
		    "<thead><tr><th scope=\"col\">Staff id</th><th scope=\"col\">Name</th><th scope=\"col\">Role</th>"
		    "<th scope=\"col\">Attested</th><th scope=\"col\">Signs in with an OS user</th>"
		    "<th scope=\"col\">Attest</th><th scope=\"col\">Grant</th></tr></thead><tbody>");
	for (i = 0; i < n; i++)
		staff_row(rq, b, &list[i]);
	web_puts(b, "</tbody></table>");
	add_form(rq, b);
	web_page_end(b);
	cv_staff_list_free(list, n);
	return 0;
}

/* The page again with a refusal of the form's own (nothing was changed), status 400. */
static void refuse_form(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *why)
{
	h->status = 400;
	if (staff_page(rq, v, b, NULL, why) < 0) {
		web_free(b);
		web_error_page(rq, h, b, 400, why);
	}
}

/* An OS user by name or uid, as 'staff add --os-user' takes it; -1 for none, -2 for no such user. */
static long os_uid_of(const char *u)
{
	struct passwd *pw;
	char *end;
	long uid;

	if (!u || !*u)
		return -1;
	if ((pw = getpwnam(u)))
		return (long)pw->pw_uid;
	uid = strtol(u, &end, 10);
	return !*end && uid >= 0 ? uid : -2;
}

/* POST /staff/add: 'casevault staff add NAME --role R [--os-user U] --new-passphrase-file F'. */
static void add(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	const char *pass = web_given(rq->new_pass);
	cv_staff_opts o;
	char id[16], why[256], line[520];

	memset(&o, 0, sizeof(o));
	o.name = rq->name;
	o.os_uid = os_uid_of(rq->os_user);
	if (!rq->role_name || cv_role_parse(&o.role, rq->role_name) < 0)
		return refuse_form(rq, v, h, b, "choose a role: manager, caseworker, cp-lead, volunteer or auditor; "
				   "nothing was changed");
	if (o.os_uid == -2)
		return snprintf(line, sizeof(line), "no OS user '%.64s' on this machine",
				rq->os_user), refuse_form(rq, v, h, b, line);
	if (!pass || !rq->new_pass2 || strcmp(pass, rq->new_pass2))
		return refuse_form(rq, v, h, b, "the two passphrases differ: type the same passphrase twice; nothing "
				   "was changed");
	if (cli_pass_weak(pass, why, sizeof(why)))
		return snprintf(line, sizeof(line), "the passphrase is too weak (%s): use at least %d characters, e.g. "
				"four or more unrelated words, not based on a dictionary word; nothing was changed",
				why, CLI_PASS_MIN), refuse_form(rq, v, h, b, line);
	o.new_pass_cb = web_typed_passphrase;
	o.new_pass_hook = (void *)pass;
	web_after(rq, v, h, b, cv_staff_add(v, &o, id), staff_page, NULL, "/staff");
}

/* POST /staff/ID/revoke: a page to confirm; with confirm=yes, 'casevault staff revoke ID'. */
static void revoke(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id)
{
	int r;

	if (rq->confirm && !strcmp(rq->confirm, "yes"))
		return web_after(rq, v, h, b, cv_staff_revoke(v, id, NULL), staff_page, NULL, "/staff");
	if ((r = cv_authorize(v, CV_ACT_STAFF_ADMIN, id)) < 0)  /* no confirm page for who may not revoke */
		return web_lib_error(rq, h, b, v, r);
	web_page_begin(rq, b, "Revoke a grant");
	web_printf(b, "<p>Revoking %s removes their keyslips and rotates the section keys they held: they open "
		      "nothing from then on. It cannot be undone; a new grant is a new member of staff.</p>"
		      "<form method=\"post\" action=\"/staff/%s/revoke\">", id, id);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<input type=\"hidden\" name=\"confirm\" value=\"yes\"><button type=\"submit\">Revoke %s"
		      "</button></form><p><a href=\"/staff\">Back to the staff, revoking nothing</a></p>", id);
	web_page_end(b);
}

int web_staff_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	int post = !strcmp(rq->method, "POST");
	const char *rest;
	char id[32];
	int r;

	if (!post && !strcmp(rq->url, "/staff"))
		return web_show(rq, v, h, b, staff_page, NULL), 1;
	if (post && !strcmp(rq->url, "/staff/add"))
		return add(rq, v, h, b), 1;
	if (!post || web_split_url(rq->url, "/staff/", id, sizeof(id), &rest) < 0)
		return 0;
	if (!strcmp(rest, "attest")) {  /* 'casevault staff attest ID' for today */
		r = cv_staff_attest(v, id, NULL, NULL);
		return web_after(rq, v, h, b, r, staff_page, NULL, "/staff"), 1;
	}
	if (!strcmp(rest, "revoke"))
		return revoke(rq, v, h, b, id), 1;
	return 0;
}

int web_staff_needs_gpgconf(const web_req *rq)
{
	const char *rest;
	char id[32];

	/* 'staff revoke' and 'staff passphrase' talk to gpg-agent (cli: NEEDS_GPGCONF), as sign-out does */
	if (!strcmp(rq->method, "POST") && !strcmp(rq->url, "/passphrase"))
		return 1;
	return !strcmp(rq->method, "POST") && web_split_url(rq->url, "/staff/", id, sizeof(id), &rest) == 0 &&
	       !strcmp(rest, "revoke");
}
