/*
 * casevaultd - sharing a case's records under the family's consent in the
 * browser (docs/web.md, Rights and sharing; docs/legal-rules.md LR-15,
 * LR-17): 'casevault share' into memory.  cv_share decides everything (a
 * valid consent covering the recipient or purpose, the records of the case
 * file only, the bundle's fail-closed checks) and audits the share with the
 * consent relied on; a refusal names what is missing in the library's own
 * line and nothing is made.  The bundle, encrypted, is downloaded once, as
 * a subject access bundle is (docs/web.md, Subject access).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "casevault/casevault.h"
#include "web.h"

/* 'share CASE --to R | --purpose P [--records R,...]'. */
void web_rights_share_form(const web_req *rq, web_buf *b, const char *case_id)
{
	web_printf(b, "<section aria-labelledby=\"sh\"><h2 id=\"sh\">Share records under a consent</h2>"
		      "<form method=\"post\" action=\"/case/%s/share\">", case_id);
	web_csrf_field(b, rq->csrf);
	web_puts(b, "<p>The bundle is made only under a consent that is valid today and covers the recipient or "
		    "the purpose; child-protection records never go this way. It is an encrypted ZIP whose "
		    "passphrase is shown once, on the next page.</p>"
		    "<label for=\"sto\">Recipient, as the consent names them</label><input type=\"text\" id=\"sto\" "
		    "name=\"to\"><label for=\"spurpose\">Purpose, as the consent names it</label><input type=\"text\" "
		    "id=\"spurpose\" name=\"purpose\"><label for=\"srecs\">Records (ids separated by commas; empty: "
		    "the whole case file)</label><input type=\"text\" id=\"srecs\" name=\"rec\">"
		    "<button type=\"submit\">Make the bundle to share</button></form></section>");
}

static void shared_page(const web_req *rq, web_buf *b, const char *case_id, const cv_bundle_result *res, long consent,
			const char *name)
{
	web_page_begin(rq, b, "The bundle to share is made");
	web_printf(b, "<p>%zu document%s of %s under consent %ld, SHA-256 <code>%s</code>.</p><p>The passphrase, "
		      "shown this once and never kept: send it to the recipient by another channel, such as the "
		      "phone.</p><p class=\"marked\" id=\"passphrase\">", res->members, res->members == 1 ? "" : "s",
		   case_id, consent, res->sha256);
	web_esc(b, res->passphrase);
	web_printf(b, "</p><p><a href=\"/bundle\" download>Download the bundle (%s)</a>; it can be downloaded "
		      "once.</p><p><a href=\"/case/%s/consent\">Back to the case's consents</a></p>", name, case_id);
	web_page_end(b);
}

/*
 * The share into a memfd, never a file of the web process's folder; the
 * page shows its passphrase once and the bundle follows the page to the
 * web process for one download (WEB_BUNDLE).
 */
static void share(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, const char *case_id, int *doc_fd)
{
	cv_share_opts o;
	cv_bundle_result res;
	char name[64];
	long consent = 0;
	int fd, r;

	if (!web_given(rq->to) && !web_given(rq->purpose))  /* as the CLI refuses before the library */
		return web_error_page(rq, h, b, 400, "share needs --to RECIPIENT or --purpose P: what the family's "
				      "consent covers");
	if ((fd = memfd_create("cv-share", MFD_CLOEXEC)) < 0)
		return web_error_page(rq, h, b, 500, "out of memory for the bundle");
	memset(&o, 0, sizeof(o));
	snprintf(name, sizeof(name), "%s-share.zip", case_id);
	o.case_id = case_id;
	o.recipient = web_given(rq->to);
	o.purpose = web_given(rq->purpose);
	o.records = web_given(rq->recs);
	o.out.out_path = name;
	o.out.out_fd = fd;
	o.out.has_out_fd = 1;
	if ((r = cv_share(v, &o, &res, &consent)) < 0) {
		close(fd);
		return web_lib_error(rq, h, b, v, r);
	}
	h->kind = WEB_BUNDLE;
	h->attach = (long)res.size;
	snprintf(h->filename, sizeof(h->filename), "%s", name);
	shared_page(rq, b, case_id, &res, consent, name);
	explicit_bzero(res.passphrase, sizeof(res.passphrase));
	*doc_fd = fd;
}

int web_rights_share_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, int *doc_fd)
{
	const char *rest;
	char id[32];

	if (strcmp(rq->method, "POST") || web_split_url(rq->url, "/case/", id, sizeof(id), &rest) < 0 ||
	    strcmp(rest, "share"))
		return web_rights_fix_route(rq, v, h, b);
	share(rq, v, h, b, id, doc_fd);
	return 1;
}
