/*
 * casevaultd - the web interface's pages, made in a worker process forked
 * for each request (docs/web.md, Processes).  The worker opens the vault as
 * the signed-in staff member, with their session from the keeper, and calls
 * the library's public API as the CLI's commands do: authorization and the
 * audit trail are the library's (cv_authorize), never decided here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "casevault/casevault.h"
#include "session.h"
#include "web.h"

/* A page's worker never asks for a passphrase: without a session it stops (docs/web.md, Web sessions). */
static int no_passphrase(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize)
{
	(void)hook, (void)staff_id, (void)prev_was_bad, (void)buf, (void)bufsize;
	return -1;
}

int web_status_of(int r)
{
	return r == CV_EREFUSED ? 403 : r == CV_ENOTFOUND ? 404 : r == CV_EINVAL || r == CV_EPOLICY ? 400 : 500;
}

/* The roles that read the case file hold a keyslip; a volunteer and an auditor hold none (docs/architecture.md, Keys). */
int web_holds_slip(int role)
{
	return cv_role_allows((cv_role)role, CV_ACT_READ_CASE);
}

/* Files notes without holding a key: a volunteer (docs/architecture.md, Keys: deposits). */
int web_deposits_only(int role)
{
	return !web_holds_slip(role) && cv_role_allows((cv_role)role, CV_ACT_FILE_NOTE);
}

const char *web_home(int role)
{
	return web_holds_slip(role) ? "/cases" : web_deposits_only(role) ? "/deposit" : "/audit";
}

const char *web_home_name(int role)
{
	return web_holds_slip(role) ? "the cases" : web_deposits_only(role) ? "the note form" : "the audit trail";
}

unsigned web_nav(int role)
{
	return (cv_role_allows((cv_role)role, CV_ACT_READ_CASE) ? WEB_NAV_INTAKE : 0) |
	       (cv_role_allows((cv_role)role, CV_ACT_APPROVE) ? WEB_NAV_RECORDS : 0) |
	       (cv_role_allows((cv_role)role, CV_ACT_AUDIT) ? WEB_NAV_AUDIT : 0) |
	       /* 'consent due', 'enquiry add|list' read the case file; 'refer' is CV_ACT_REFER's */
	       (cv_role_allows((cv_role)role, CV_ACT_READ_CASE) ? WEB_NAV_CONSENT | WEB_NAV_ENQUIRY : 0) |
	       (cv_role_allows((cv_role)role, CV_ACT_REFER) ? WEB_NAV_REFER : 0) |
	       /* 'search' reads the case file */
	       (cv_role_allows((cv_role)role, CV_ACT_READ_CASE) ? WEB_NAV_SEARCH : 0) |
	       (web_holds_slip(role) ? 0 : WEB_NAV_NO_CASES) | (web_deposits_only(role) ? WEB_NAV_DEPOSIT : 0);
}

void web_page_begin(const web_req *rq, web_buf *b, const char *title)
{
	web_page_start_nav(b, title, rq->staff, rq->csrf, web_nav(rq->role));
}

/* A page saying what went wrong, in the library's one line (no secret, no personal data). */
void web_error_page(const web_req *rq, web_head *h, web_buf *b, int status, const char *why)
{
	h->status = status;
	h->kind = WEB_HTML;
	web_page_begin(rq, b, status == 403 ? "Not allowed" : "That did not work");
	web_puts(b, "<p role=\"alert\" class=\"error\">");
	web_esc(b, why);
	web_printf(b, "</p><p><a href=\"%s\">Back to %s</a></p>", web_home(rq->role), web_home_name(rq->role));
	web_page_end(b);
}

void web_lib_error(const web_req *rq, web_head *h, web_buf *b, cv_vault *v, int r)
{
	web_error_page(rq, h, b, web_status_of(r), v ? cv_vault_errmsg(v) : "the vault cannot be opened");
}

/* After a change: prefix and id (303, so that a reload does not do it twice). */
void web_redirect(web_head *h, const char *prefix, const char *id)
{
	h->status = 303;
	h->kind = WEB_REDIRECT;
	snprintf(h->location, sizeof(h->location), "%s%s", prefix, id);
}

/*
 * The vault, as the signed-in person (docs/web.md, Who acts): the OS user
 * their grant names (-1: none), their session from the keeper, no
 * passphrase; the web session vouches for them, so gpg-agent's cache of
 * their key, filled by the sign-in's fresh proof, serves their signatures.
 */
static int open_as(const web_req *rq, cv_vault **v, unsigned init)
{
	int r;

	if (cv_global_init_ex(init) < 0 || cv_vault_open(v, rq->vault_dir) < 0)
		return CV_ERROR;
	cv_vault_set_os_uid(*v, rq->uid);
	cv_vault_vouch(*v, rq->staff);
	cv_vault_set_passphrase_cb(*v, no_passphrase, NULL);
	if ((r = cv_vault_set_actor(*v, rq->staff)) < 0)
		return r;
	cv_vault_set_slip_cache(*v, &cvd_session_ops, cvd_session_ctx(rq->keeper_fd, rq->uid));
	return cv_vault_check_lockout(*v);
}

/* A case matches a name when the parent's or child's name, or its id, holds it (any case of letters). */
static int matches(const cv_case *c, const char *q)
{
	return !q || (c->parent && strcasestr(c->parent, q)) || (c->child && strcasestr(c->child, q)) ||
	       strcasestr(c->id, q);
}

/*
 * Find a case by name, or search (web_search.c): POSTed, so the words are
 * never in a URL, a history or a log; the names are decrypted by the
 * library in this worker's memory only (docs/web.md, Find a case).
 */
void web_query_form(const web_req *rq, web_buf *b, const char *action, const char *label, const char *button)
{
	web_printf(b, "<form method=\"post\" action=\"%s\" role=\"search\">", action);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<label for=\"query\">%s</label><input type=\"search\" id=\"query\" name=\"query\" "
		      "autocomplete=\"off\" required><button type=\"submit\">%s</button></form>", label, button);
}

/* Opening a case, the fields of 'case open' (docs/web.md, Opening a case). */
static void open_form(const web_req *rq, web_buf *b)
{
	web_puts(b, "<form method=\"post\" action=\"/cases/open\"><fieldset><legend>Open a case</legend>");
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<label for=\"o-parent\">Parent or carer's name</label>"
		    "<input type=\"text\" id=\"o-parent\" name=\"parent\" autocomplete=\"off\" required>"
		    "<label for=\"o-child\">Child's name</label>"
		    "<input type=\"text\" id=\"o-child\" name=\"child\" autocomplete=\"off\" required>"
		    "<label for=\"o-dob\">Child's date of birth</label>"
		    "<input type=\"date\" id=\"o-dob\" name=\"dob\" required>"
		    "<label for=\"o-date\">Opened on (empty: today)</label>"
		    "<input type=\"date\" id=\"o-date\" name=\"date\">"
		    "<p><input type=\"checkbox\" id=\"o-pr\" name=\"confirm\" value=\"yes\" required>"
		    "<label for=\"o-pr\">I have checked that this parent or carer holds parental responsibility"
		    "</label></p><button type=\"submit\">Open the case</button></fieldset></form>");
}

static void cases_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	const char *q = rq->query && *rq->query ? rq->query : NULL;
	cv_case *list = NULL;
	size_t n = 0, i, shown = 0;
	int r;

	if ((r = cv_case_list(v, &list, &n, 1)) < 0)
		return web_lib_error(rq, h, b, v, r);
	web_page_begin(rq, b, q ? "Cases found" : "Cases");
	web_query_form(rq, b, "/find", "Find a case by a parent's or child's name", "Find");
	web_puts(b, "<table><caption>");
	web_puts(b, q ? "The cases whose names hold what you searched for" : "Every case you may see");
	web_puts(b, "</caption><thead><tr><th scope=\"col\">Case</th>"
		    "<th scope=\"col\">Parent</th><th scope=\"col\">Child</th><th scope=\"col\">Opened</th>"
		    "<th scope=\"col\">Records</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		if (!matches(&list[i], q))
			continue;
		shown++;
		web_printf(b, "<tr><td><a href=\"/case/%s\">", list[i].id);
		web_esc(b, list[i].id);
		web_puts(b, "</a></td><td>");
		web_esc(b, list[i].parent);
		web_puts(b, "</td><td>");
		web_esc(b, list[i].child);
		web_puts(b, "</td><td>");
		web_esc(b, list[i].opened);
		web_printf(b, "</td><td>%ld</td></tr>", list[i].records_case);
	}
	web_puts(b, "</tbody></table>");
	if (!shown)
		web_puts(b, q ? "<p>No case has that name.</p>" : "<p>There are no cases yet.</p>");
	if (!q && cv_role_allows((cv_role)rq->role, CV_ACT_CASE_ADMIN))
		open_form(rq, b);
	web_page_end(b);
	cv_case_list_free(list, n);
}

/*
 * POST /cases/open: 'casevault case open' (cv_case_open), which refuses
 * without parental responsibility confirmed, a name with control
 * characters or a date of birth in the future, in its own one line; the
 * person who opens a case is assigned to it (docs/legal-rules.md).
 */
static void open_case(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	char id[24];
	int r = cv_case_open(v, rq->parent, rq->child, rq->dob, rq->confirm && !strcmp(rq->confirm, "yes"),
			     rq->date && *rq->date ? rq->date : NULL, id);

	if (r < 0)
		return web_lib_error(rq, h, b, v, r);
	web_redirect(h, "/case/", id);
}

static void records_table(web_buf *b, const cv_record *recs, size_t n, const char *caption)
{
	size_t i;

	web_puts(b, "<table><caption>");
	web_esc(b, caption);
	web_puts(b, "</caption><thead><tr><th scope=\"col\">Title</th><th scope=\"col\">Class</th>"
		    "<th scope=\"col\">Date</th><th scope=\"col\">Record</th><th scope=\"col\">Document</th>"
		    "</tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		web_puts(b, "<tr><td class=\"title\">");
		web_esc(b, recs[i].title);
		web_puts(b, "</td><td>");
		web_esc(b, recs[i].class_name);
		web_puts(b, "</td><td>");
		web_esc(b, recs[i].event_date);
		web_puts(b, "</td><td>");
		web_esc(b, recs[i].id);
		web_printf(b, "</td><td><a href=\"/record/%s/fix\">%s", recs[i].id,
			   cv_preview_type(recs[i].mime) ? "Preview, download or correct" : "Download or correct");
		web_puts(b, "<span class=\"visually-hidden\"> ");
		web_esc(b, recs[i].title);
		web_puts(b, "</span></a></td></tr>");
	}
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>No records yet.</p>");
}

/* The classes of the case file from the schedule, as a labelled choice. */
void web_class_select(web_buf *b, cv_vault *v, const char *id)
{
	web_class_select_chosen(b, v, id, NULL);
}

void web_class_select_chosen(web_buf *b, cv_vault *v, const char *id, const char *chosen)
{
	const cv_policy *p = cv_vault_policy(v);
	size_t i, n = p ? cv_policy_class_count(p) : 0;

	web_printf(b, "<label for=\"%s\">Class</label><select id=\"%s\" name=\"class\" required>", id, id);
	for (i = 0; i < n; i++) {
		const cv_class *c = cv_policy_class_at(p, i);

		if (c->section != CV_SECTION_CASE)
			continue;
		web_puts(b, "<option value=\"");
		web_esc(b, c->name);
		web_puts(b, chosen && !strcmp(chosen, c->name) ? "\" selected>" : "\">");
		web_esc(b, c->label[0] ? c->label : c->name);
		web_puts(b, "</option>");
	}
	web_puts(b, "</select>");
}

static void case_forms(const web_req *rq, cv_vault *v, web_buf *b, const char *id)
{
	web_printf(b, "<section aria-labelledby=\"fh\"><h2 id=\"fh\">File documents</h2>"
		      "<form method=\"post\" action=\"/case/%s/file\" enctype=\"multipart/form-data\" data-upload>", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<p>All the documents are filed together, or none of them is.</p>"
		    "<label for=\"doc\">Documents</label><input type=\"file\" id=\"doc\" name=\"doc\" multiple required>"
		    "<p id=\"chosen\" aria-live=\"polite\"></p>");
	web_class_select(b, v, "fclass");
	web_puts(b, "<button type=\"submit\">File documents</button></form></section>");
	web_printf(b, "<section aria-labelledby=\"nh\"><h2 id=\"nh\">Add a note</h2>"
		      "<form method=\"post\" action=\"/case/%s/note\">", id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<label for=\"ntitle\">Title</label><input type=\"text\" id=\"ntitle\" name=\"title\" required>");
	web_class_select(b, v, "nclass");
	web_puts(b, "<label for=\"ntext\">Note</label><textarea id=\"ntext\" name=\"text\" rows=\"6\" required>"
		    "</textarea><button type=\"submit\">Add the note</button></form></section>");
}

static void case_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id)
{
	cv_case c;
	cv_record *recs = NULL;
	size_t n = 0;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = cv_case_get(v, &c, id, 1)) < 0 || (r = cv_record_list(v, id, CV_SECTION_CASE, &recs, &n)) < 0) {
		cv_case_release(&c);
		return web_lib_error(rq, h, b, v, r);
	}
	web_page_begin(rq, b, c.id);
	web_puts(b, "<dl><dt>Parent</dt><dd>");
	web_esc(b, c.parent);
	web_puts(b, "</dd><dt>Child</dt><dd>");
	web_esc(b, c.child);
	web_puts(b, "</dd><dt>Opened</dt><dd>");
	web_esc(b, c.opened);
	web_puts(b, "</dd></dl>");
	/* only a cp-lead is shown the child-protection file exists (docs/legal-rules.md) */
	if (rq->role == CV_ROLE_CP_LEAD)
		web_printf(b, "<p><a href=\"/case/%s/cp\">Child-protection file</a></p>", c.id);
	web_printf(b, "<p><a href=\"/case/%s/consent\">Consent and sharing</a> <a href=\"/case/%s/fix\">Corrections "
		      "and restrictions</a></p>", c.id, c.id);
	web_case_notice_summary(v, b, c.id);
	web_case_team(rq, v, b, c.id);
	records_table(b, recs, n, "Records in the case file");
	case_forms(rq, v, b, c.id);
	web_page_end(b);
	cv_record_list_free(recs, n);
	cv_case_release(&c);
}

static void cp_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id)
{
	cv_record *recs = NULL;
	size_t n = 0;
	int r;

	if ((r = cv_record_list(v, id, CV_SECTION_CP, &recs, &n)) < 0)
		return web_lib_error(rq, h, b, v, r);
	web_page_begin(rq, b, "Child-protection file");
	web_puts(b, "<p class=\"marked\" role=\"note\">Child-protection file of case ");
	web_esc(b, id);
	web_puts(b, ": separate from the case file, for the child-protection lead only.</p>");
	records_table(b, recs, n, "Records in the child-protection file");
	web_page_end(b);
	cv_record_list_free(recs, n);
}

/* A title as a download's file name: printable ASCII without quotes or separators. */
void web_safe_filename(const char *title, char *out, size_t size)
{
	size_t i;

	for (i = 0; title && title[i] && i + 1 < size; i++)
		out[i] = title[i] >= 0x20 && title[i] < 0x7f && !strchr("\"\\;/", title[i]) ? title[i] : '_';
	out[i] = '\0';
	if (!i)
		snprintf(out, size, "document");
}

/*
 * The document, checked as 'casevault get' checks it, into a memfd: plaintext
 * never on disk.  A download writes the record out of the vault, so it is
 * 'get -o FILE --purpose P' (POST /record/ID/export): the export is recorded
 * with its purpose before a byte is read (docs/legal-rules.md §17), and an
 * empty purpose is refused by it.
 */
static void download(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id, const char *purpose,
		     int *doc_fd)
{
	cv_record info;
	int fd, r;

	memset(&info, 0, sizeof(info));
	if ((r = cv_export_record(v, id, purpose, "file", NULL)) < 0)
		return web_lib_error(rq, h, b, v, r);
	if ((fd = memfd_create("cv-doc", MFD_CLOEXEC)) < 0)
		return web_error_page(rq, h, b, 500, "out of memory for the document");
	if ((r = cv_record_get(v, id, fd, &info)) < 0) {
		close(fd);
		cv_record_release(&info);
		return web_lib_error(rq, h, b, v, r);
	}
	h->status = 200;
	h->kind = WEB_DOWNLOAD;
	web_safe_filename(info.title, h->filename, sizeof(h->filename));
	cv_record_release(&info);
	*doc_fd = fd;
}

/*
 * GET /record/ID (an old link, a bookmark): no download without a purpose.
 * The caller's access is checked without unlocking (a child-protection
 * record is refused to a caseworker here, 403), then the record's page asks
 * why it leaves the vault.
 */
static void record_link(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id)
{
	char mime[96], where[64];
	int r;

	if ((r = cv_record_mime(v, id, mime)) < 0)
		return web_lib_error(rq, h, b, v, r);
	snprintf(where, sizeof(where), "%s/fix", id);
	web_redirect(h, "/record/", where);
}

/*
 * Every refused document's line, named, as 'casevault file' prints one per
 * document: the one at fault and those refused with it (all or nothing).
 * *status: the fault's code rather than the others' refusal.  0 when none.
 */
static int refused_lines(const cv_file_item *items, size_t n, const char *const *names, char *out, size_t size,
			 int *status)
{
	size_t i, len = 0;

	out[0] = '\0';
	*status = CV_EREFUSED;
	for (i = 0; i < n && len < size; i++) {
		if (items[i].status >= 0 || !items[i].error[0])
			continue;
		if (items[i].status != CV_EREFUSED)
			*status = items[i].status;
		len += (size_t)snprintf(out + len, size - len, "%s%s%s%s", len ? "; " : "", names ? names[i] : "",
					names ? ": " : "", items[i].error);
	}
	return out[0] != '\0';
}

/* Documents and notes go through cv_file, all or nothing as 'casevault file' (docs/web.md, Pages). */
static void file_items(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id, int note)
{
	cv_file_item items[WEB_MAX_FILES];
	size_t n = note ? 1 : (size_t)rq->nfiles, i, filed = 0;
	char why[2048];
	int r, status;

	if (!n || !rq->cls || !*rq->cls)
		return web_error_page(rq, h, b, 400, note ? "give the note a title, a class and its text"
							: "choose at least one document and its class");
	memset(items, 0, sizeof(items));
	for (i = 0; i < n; i++) {
		items[i].case_id = id;
		items[i].line = (int)i + 1;  /* "the same batch ... (line 2)": the document's place in the form */
		items[i].section = CV_SECTION_CASE;
		items[i].class_name = rq->cls;
		if (note) {
			items[i].text = rq->text ? rq->text : "";
			items[i].text_len = rq->text ? rq->text_len : 0;
			items[i].title = rq->title;
			continue;
		}
		items[i].path = rq->names[i];
		items[i].has_fd = 1;
		items[i].fd = rq->fds[i];
		lseek(rq->fds[i], 0, SEEK_SET);
	}
	if ((r = cv_file(v, items, n, 0, NULL, NULL, &filed)) == 0)
		return web_redirect(h, "/case/", id);
	if (refused_lines(items, n, note ? NULL : rq->names, why, sizeof(why), &status))
		return web_error_page(rq, h, b, web_status_of(status), why);
	web_lib_error(rq, h, b, v, r);
}

int web_split_url(const char *url, const char *prefix, char *id, size_t idsize, const char **rest)
{
	size_t pl = strlen(prefix), n;

	if (strncmp(url, prefix, pl))
		return -1;
	url += pl;
	n = strcspn(url, "/");
	if (!n || n >= idsize || strspn(url, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") < n)
		return -1;
	memcpy(id, url, n);
	id[n] = '\0';
	*rest = url[n] == '/' ? url + n + 1 : "";
	return 0;
}

static void route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, int *doc_fd)
{
	int post = !strcmp(rq->method, "POST");
	const char *rest;
	char id[32];

	if ((!post && !strcmp(rq->url, "/cases")) || (post && !strcmp(rq->url, "/find")))
		return cases_page(rq, v, h, b);
	if (post && !strcmp(rq->url, "/cases/open"))
		return open_case(rq, v, h, b);
	if (web_deposit_route(rq, v, h, b))
		return;
	if (web_requests_route(rq, v, h, b, doc_fd) || web_records_route(rq, v, h, b) ||
	    web_audit_route(rq, v, h, b) || web_intake_route(rq, v, h, b, doc_fd) ||
	    web_rights_route(rq, v, h, b, doc_fd) || web_search_route(rq, v, h, b) || web_notice_route(rq, v, h, b) ||
	    web_team_route(rq, v, h, b) || web_staff_route(rq, v, h, b) || web_preview_route(rq, v, h, b) ||
	    web_passphrase_route(rq, v, h, b))
		return;
	if (!post && web_split_url(rq->url, "/record/", id, sizeof(id), &rest) == 0 && !*rest)
		return record_link(rq, v, h, b, id);
	if (post && web_split_url(rq->url, "/record/", id, sizeof(id), &rest) == 0 && !strcmp(rest, "export"))
		return download(rq, v, h, b, id, rq->purpose ? rq->purpose : "", doc_fd);
	if (web_split_url(rq->url, "/case/", id, sizeof(id), &rest) == 0) {
		if (!post && !*rest)
			return case_page(rq, v, h, b, id);
		if (!post && !strcmp(rest, "cp"))
			return cp_page(rq, v, h, b, id);
		if (post && (!strcmp(rest, "file") || !strcmp(rest, "note")))
			return file_items(rq, v, h, b, id, !strcmp(rest, "note"));
	}
	web_error_page(rq, h, b, 404, "there is no such page; start from the list of cases");
}

/* Sign-in's proof: never the keeper's session nor gpg-agent's cache (docs/web.md, Who acts). */
static size_t never_cached(void *ctx, const char *staff_id, const char *slip_id, char *buf, size_t bufsize)
{
	(void)ctx, (void)staff_id, (void)slip_id, (void)buf, (void)bufsize;
	return 0;
}

int web_typed_passphrase(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize)
{
	(void)staff_id;
	if (prev_was_bad || !hook)
		return -1;
	snprintf(buf, bufsize, "%s", (const char *)hook);
	return 0;
}

/* Who signed in: their role and the OS user their grant names. */
static int who(cv_vault *v, const char *staff, web_head *h)
{
	cv_staff *list = NULL;
	size_t n = 0, i;
	int r = cv_staff_list(v, &list, &n, 0);

	for (i = 0; r == 0 && i < n; i++)
		if (!strcmp(list[i].id, staff)) {
			snprintf(h->staff, sizeof(h->staff), "%s", staff);
			h->uid = list[i].os_uid;
			h->role = (int)list[i].role;
		}
	if (list)
		cv_staff_list_free(list, n);
	return r < 0 ? r : h->staff[0] ? 0 : CV_ENOTFOUND;
}

/*
 * The proof (docs/web.md, Who acts): a keyslip's unlock, or for a person
 * who holds none (an auditor) a signature with their key, checked against
 * their grant's fingerprint; wrong passphrases count towards the lock-out.
 */
static void sign_in(const web_req *rq, web_head *h, web_buf *b)
{
	cv_slip_cache proof = cvd_session_ops;
	cv_vault *v = NULL;
	int r;

	(void)b;
	proof.get = never_cached;
	if (cv_global_init_ex(CV_INIT_GPGCONF) < 0 || cv_vault_open(&v, rq->vault_dir) < 0) {
		snprintf(h->message, sizeof(h->message), "the vault cannot be opened; ask the service's administrator");
		return;
	}
	cv_vault_set_os_uid(v, -2);  /* no OS user vouches: gpg-agent forgets the key's passphrase first */
	cv_vault_set_passphrase_cb(v, web_typed_passphrase, (void *)rq->passphrase);
	if ((r = cv_vault_set_actor(v, rq->staff)) == 0 && (r = who(v, rq->staff, h)) == 0) {
		cv_vault_set_slip_cache(v, &proof, cvd_session_ctx(rq->keeper_fd, h->uid));
		if ((r = cv_vault_check_lockout(v)) == 0 && (r = cv_vault_prove(v)) == 0)
			h->kind = WEB_SIGNED_IN;  /* a volunteer too, to a deposit-only session (docs/web.md, Who acts) */
	}
	if (r == CV_EBADPASS || r == CV_ENOTFOUND)
		snprintf(h->message, sizeof(h->message), "the staff id or the passphrase is wrong; try again");
	else if (r < 0 && !h->message[0])
		snprintf(h->message, sizeof(h->message), "%s", cv_vault_errmsg(v));
	cv_vault_close(v);
}

/*
 * A web session without a keyslip signs out and reaches: an auditor's, the
 * audit trail and the certificates (docs/web.md, Auditor); a volunteer's,
 * the note form, filed as a deposit (docs/web.md, Deposits by volunteers).
 */
static int slipless_page(const web_req *rq)
{
	if (!strcmp(rq->url, "/signout") || !strcmp(rq->url, "/passphrase"))
		return 1;
	if (web_deposits_only(rq->role))
		return web_deposit_page(rq->url);
	return !strcmp(rq->url, "/audit") || (!strcmp(rq->method, "GET") && !strncmp(rq->url, "/certificate/", 13));
}

/*
 * Anything else they ask for is refused before any page is made, and
 * audited as the library refuses a role (cv_authorize: 'access', refused),
 * so that the trail shows what they tried (docs/web.md, Who acts).
 */
static void slipless_refused(const web_req *rq, web_head *h, web_buf *b)
{
	cv_vault *v = NULL;

	if (open_as(rq, &v, 0) == 0)
		cv_authorize(v, CV_ACT_READ_CASE, NULL);
	cv_vault_close(v);
	web_error_page(rq, h, b, 403, web_deposits_only(rq->role) ?
		       "a volunteer's web session reaches the note form only: a volunteer files notes and reads "
		       "nothing; nothing else was read or changed" :
		       "an auditor's web session reaches the audit trail and the certificates of destruction only; "
		       "nothing else was read or changed");
}

cv_vault *web_make(const web_req *rq, web_head *h, web_buf *b, int *doc_fd)
{
	int signout = !strcmp(rq->url, "/signout") && !strcmp(rq->method, "POST"), r;  /* never by a GET */
	cv_vault *v = NULL;

	if (!strcmp(rq->url, "/signin")) {
		sign_in(rq, h, b);
		return NULL;
	}
	/* a keyslip's holder: the keeper still holds it; without one, each page proves by a signature */
	if (web_holds_slip(rq->role) && !cvd_session_alive_for(cvd_session_ctx(rq->keeper_fd, rq->uid), rq->staff)) {
		h->kind = WEB_ENDED;
		return NULL;
	}
	if (!web_holds_slip(rq->role) && !slipless_page(rq)) {
		slipless_refused(rq, h, b);
		return NULL;
	}
	/* sign-out is 'casevault lock' for one person: gpg-agent is reached through gpgconf */
	if ((r = open_as(rq, &v, signout || web_staff_needs_gpgconf(rq) ? CV_INIT_GPGCONF : 0)) < 0)
		web_lib_error(rq, h, b, v, r);
	else if (signout) {
		cv_vault_end_session(v);
		h->kind = WEB_ENDED;
	}
	else
		route(rq, v, h, b, doc_fd);
	if (h->kind == WEB_HTML && h->status >= 500 && v) {
		/* one line for the journal: the library's messages hold no secret and no personal data */
		fprintf(stderr, "casevaultd: web page failed: %s\n", cv_vault_errmsg(v));
		if (strstr(cv_vault_errmsg(v), "passphrase"))
			h->kind = WEB_ENDED;  /* the session ended while the page was made */
	}
	return v;
}
