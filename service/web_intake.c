/*
 * casevaultd - the intake tray page (docs/web.md, Intake tray; docs/intake.md):
 * the items waiting, and per item a form to file it into a case and one to
 * reject it, and its document to look at first: a preview drawn by the
 * vault (docs/web.md, Previews) where its type has one, and a download.  Each calls the library as
 * 'intake list', 'intake show', 'intake assign' and 'intake reject' do
 * (cv_intake_list, cv_intake_show, cv_intake_assign, cv_intake_reject),
 * so who may read the tray (caseworkers and above), who may file into a
 * case (an assigned caseworker), the filing's checks, the erasure and the
 * audit events are the library's; a refusal is shown on the tray in the
 * library's own one line, as the CLI prints it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "casevault/casevault.h"
#include "casevault/intake.h"
#include "web.h"

/* The size bucket (the exact size is sealed, docs/intake.md "An item"), in words. */
static void size_cell(web_buf *b, int64_t bucket)
{
	if (bucket >= 1024L * 1024)
		web_printf(b, "<td>up to %lld MiB</td>", (long long)(bucket / (1024L * 1024)));
	else if (bucket >= 1024)
		web_printf(b, "<td>up to %lld KiB</td>", (long long)(bucket / 1024));
	else
		web_printf(b, "<td>up to %lld bytes</td>", (long long)bucket);
}

static void items_table(web_buf *b, const cv_intake_item *list, size_t n)
{
	size_t i;

	web_puts(b, "<table><caption>Documents waiting to be filed, the oldest first</caption><thead><tr>"
		    "<th scope=\"col\">Item</th><th scope=\"col\">Arrived</th><th scope=\"col\">Type</th>"
		    "<th scope=\"col\">Size</th><th scope=\"col\">From</th><th scope=\"col\">Original name</th>"
		    "</tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		web_printf(b, "<tr><td>%s</td><td>%.10s%s</td><td>", list[i].id, list[i].arrived,
			   list[i].days >= CV_INTAKE_DUE_DAYS ? " <strong class=\"overdue\">(due: waiting 30 days or "
								"more)</strong>" : "");
		web_esc(b, list[i].mime);
		web_puts(b, "</td>");
		size_cell(b, list[i].size_bucket);
		web_printf(b, "<td>%s</td><td class=\"title\">", !strcmp(list[i].source, "drop") ? "drop folder" : "by hand");
		web_esc(b, list[i].name ? list[i].name : "");
		web_puts(b, "</td></tr>");
	}
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>The intake tray is empty.</p>");
}

/* The cases the person may file into, by id and child's name (a caseworker's assigned cases: cv_case_list). */
static void case_select(web_buf *b, const cv_case *cases, size_t n, const char *item)
{
	size_t i;

	if (!n)  /* a caseworker files only into her assigned cases (docs/security.md, Case assignment) */
		web_puts(b, "<p>You may file into no case yet: a manager assigns you to a case first.</p>");
	web_printf(b, "<label for=\"case-%s\">Case</label><select id=\"case-%s\" name=\"case\" required>", item, item);
	for (i = 0; i < n; i++) {
		web_printf(b, "<option value=\"%s\">%s: ", cases[i].id, cases[i].id);
		web_esc(b, cases[i].child);
		web_puts(b, "</option>");
	}
	web_puts(b, "</select>");
}

/* 'intake assign ITEM CASE --class C --title T --date D', and 'intake reject ITEM --reason R'. */
static void item_forms(const web_req *rq, cv_vault *v, web_buf *b, const cv_intake_item *it, const cv_case *cases,
		       size_t ncases)
{
	char cls[40];
	size_t i;

	web_printf(b, "<section aria-labelledby=\"h-%s\"><h2 id=\"h-%s\">%s</h2><p><a href=\"/intake/%s\" "
		      "download>Download %s to look at it</a> (recorded in the audit trail)</p>",
		   it->id, it->id, it->id, it->id, it->id);
	if (cv_preview_type(it->mime))  /* preview, then assign (docs/intake.md, The web tray) */
		web_printf(b, "<figure class=\"preview\"><img src=\"/intake/%s/preview\" alt=\"Preview of intake "
			      "item %s\" loading=\"lazy\"><figcaption>A picture of the document made by the vault: its "
			      "first page, the image itself, or its words; looking at it is recorded in the audit trail."
			      "</figcaption></figure>", it->id, it->id);
	web_printf(b, "<form method=\"post\" action=\"/intake/%s/assign\"><fieldset><legend>File %s into a case"
		      "</legend>", it->id, it->id);
	web_csrf_field(b, rq->csrf);
	case_select(b, cases, ncases, it->id);
	snprintf(cls, sizeof(cls), "class-%s", it->id);
	web_class_select(b, v, cls);
	web_printf(b, "<label for=\"title-%s\">Title (left empty: the original name)</label>"
		      "<input type=\"text\" id=\"title-%s\" name=\"title\"><label for=\"date-%s\">Date of the event it "
		      "records (left empty: today)</label><input type=\"date\" id=\"date-%s\" name=\"date\">"
		      "<button type=\"submit\">File %s</button></fieldset></form>", it->id, it->id, it->id, it->id, it->id);
	web_printf(b, "<form method=\"post\" action=\"/intake/%s/reject\"><fieldset><legend>Reject %s: it is erased"
		      "</legend>", it->id, it->id);
	web_csrf_field(b, rq->csrf);
	web_printf(b, "<label for=\"reason-%s\">Reason (kept in the audit trail)</label><select id=\"reason-%s\" "
		      "name=\"reason\" required>", it->id, it->id);
	for (i = 0; cv_intake_reasons[i]; i++)
		web_printf(b, "<option value=\"%s\">%s</option>", cv_intake_reasons[i], cv_intake_reasons[i]);
	web_printf(b, "</select><button type=\"submit\">Reject %s</button></fieldset></form></section>", it->id);
}

/*
 * The tray, with alert (the library's one line, or NULL) above it and the
 * page's status: 0, or the library's error when the tray itself cannot be
 * read (the caller then shows that error alone).
 */
static int tray_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *alert, int status)
{
	cv_intake_item *list = NULL;
	cv_case *cases = NULL;
	size_t n = 0, ncases = 0, i;
	int r;

	if ((r = cv_intake_list(v, &list, &n)) < 0)
		return r;
	if (n && (r = cv_case_list(v, &cases, &ncases, 1)) < 0) {
		cv_intake_list_free(list, n);
		return r;
	}
	h->status = status;
	web_page_begin(rq, b, "Intake tray");
	if (alert) {
		web_puts(b, "<p role=\"alert\" class=\"error\">");
		web_esc(b, alert);
		web_puts(b, "</p>");
	}
	items_table(b, list, n);
	for (i = 0; i < n; i++)
		item_forms(rq, v, b, &list[i], cases, ncases);
	web_page_end(b);
	cv_case_list_free(cases, ncases);
	cv_intake_list_free(list, n);
	return 0;
}

static const char *given(const char *s)
{
	return s && *s ? s : NULL;
}

/* An assignment or a rejection: back to the tray, or the tray with the library's refusal on it. */
static void act(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id, int assign)
{
	cv_intake_assign_opts o = { given(rq->case_id), CV_SECTION_CASE, given(rq->cls), given(rq->title),
				    given(rq->date) };
	char rec[16], why[400];
	int r = assign ? cv_intake_assign(v, id, &o, rec) : cv_intake_reject(v, id, given(rq->reason));

	if (r == 0)
		return web_redirect(h, "/intake", "");
	snprintf(why, sizeof(why), "%s", cv_vault_errmsg(v));
	web_free(b);
	if (tray_page(rq, v, h, b, why, web_status_of(r)) < 0) {
		web_free(b);
		web_error_page(rq, h, b, web_status_of(r), why);
	}
}

/*
 * The item's document as a download, as 'intake show' writes it (audited,
 * intake.show, before a byte is decrypted), into a memfd: never on disk,
 * never rendered as a page of this origin (docs/web.md, Every response).
 */
static void show(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id, int *doc_fd)
{
	cv_intake_item info;
	int fd = memfd_create("cv-intake", MFD_CLOEXEC), r;

	memset(&info, 0, sizeof(info));
	if (fd < 0)
		return web_error_page(rq, h, b, 500, "out of memory for the document");
	if ((r = cv_intake_show(v, id, fd, &info)) < 0) {
		close(fd);
		return web_lib_error(rq, h, b, v, r);
	}
	h->status = 200;
	h->kind = WEB_DOWNLOAD;
	web_safe_filename(info.name, h->filename, sizeof(h->filename));
	cv_intake_release(&info);
	*doc_fd = fd;
}

/* The item drawn as a PNG by the vault (cv_intake_preview: the same checks and audit as the download). */
static void preview(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *id)
{
	void *png = NULL;
	size_t len = 0;
	int r = cv_intake_preview(v, id, CV_PREVIEW_WIDTH, &png, &len);

	web_preview_send(rq, v, h, b, r, png, len);
}

int web_intake_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, int *doc_fd)
{
	int post = !strcmp(rq->method, "POST");
	const char *rest;
	char id[32];
	int r;

	if (!post && !strcmp(rq->url, "/intake")) {
		if ((r = tray_page(rq, v, h, b, NULL, 200)) < 0) {
			web_free(b);
			web_lib_error(rq, h, b, v, r);
		}
		return 1;
	}
	if (web_split_url(rq->url, "/intake/", id, sizeof(id), &rest) < 0)
		return 0;
	if (!post && !*rest)
		show(rq, v, h, b, id, doc_fd);
	else if (!post && !strcmp(rest, "preview"))
		preview(rq, v, h, b, id);
	else if (post && (!strcmp(rest, "assign") || !strcmp(rest, "reject")))
		act(rq, v, h, b, id, !strcmp(rest, "assign"));
	else
		return 0;
	return 1;
}
