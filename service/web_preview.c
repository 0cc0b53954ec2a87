/*
 * casevaultd - a record's preview (docs/web.md, Previews).  GET
 * /record/R/preview is cv_record_preview: the record read as 'casevault
 * get' reads it (who may read its section, a restriction, the receipt's
 * signature; audited as record.get), drawn as a PNG by the document formats
 * module.  The browser never gets the document's own bytes to render: the
 * web process sends the picture with a sandboxing policy of its own
 * (web.c, WEB_PREVIEW), so even a picture opened as a page runs nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "casevault/casevault.h"
#include "web.h"

void web_preview_send(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, int r, void *png, size_t len)
{
	if (r < 0) {
		free(png);
		return web_lib_error(rq, h, b, v, r);
	}
	h->status = 200;
	h->kind = WEB_PREVIEW;
	web_add(b, png, len);
	explicit_bzero(png, len);
	free(png);
}

void web_preview_figure(cv_vault *v, web_buf *b, const char *id)
{
	char mime[96], req[24];

	/* no picture where the read would be refused: a restricted record, a type without a preview */
	if (cv_record_mime(v, id, mime) < 0 || !cv_preview_type(mime) || cv_record_restricted(v, id, req) != 0)
		return;
	web_printf(b, "<figure class=\"preview\"><img src=\"/record/%s/preview\" alt=\"Preview of record %s, drawn "
		      "by the vault (its first page)\"><figcaption>A picture of the document made by the vault: its "
		      "first page, the image itself, or its words; reading it is recorded as a view.</figcaption>"
		      "</figure>", id, id);
}

int web_preview_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	const char *rest;
	char id[32];
	void *png = NULL;
	size_t len = 0;
	int r;

	if (strcmp(rq->method, "GET") || web_split_url(rq->url, "/record/", id, sizeof(id), &rest) < 0 ||
	    strcmp(rest, "preview"))
		return 0;
	r = cv_record_preview(v, id, CV_PREVIEW_WIDTH, &png, &len);
	web_preview_send(rq, v, h, b, r, png, len);
	return 1;
}
