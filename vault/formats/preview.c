/*
 * casevault - a preview of a document as a PNG picture, drawn here by
 * MuPDF (docs/web.md, Previews; docs/security.md, The web interface).
 *
 * Why a picture made on the server: a filed document is the client's
 * bytes, and a crafted PDF, image or SVG shown by the browser itself would
 * run its parser (or its script) on the vault's origin.  The browser is
 * given only a PNG drawn here from the first page of a PDF, from the
 * decoded pixels of an image, or from the words of a text, an e-mail, an
 * ODT or a DOCX (preview_text.c), never the document's own bytes.  Every
 * MuPDF call runs inside fz_try, in a context of its own, silenced, as in
 * pdf.c.
 */
#include <stdlib.h>
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "casevault/common.h"
#include "formats/formats.h"
#include "formats/fmt.h"

/* An image larger than this (pixels) is refused before it is decoded: a few bytes can claim a huge picture. */
#define PREVIEW_MAX_PIXELS (64L << 20)
/* A page is drawn at most this much larger than its size in points (144 dpi). */
#define PREVIEW_MAX_ZOOM 2.0f

static void quiet(void *user, const char *message)
{
	(void)user;
	(void)message;
}

/* The scale that fits w x h into max_width x 2*max_width, never above limit. */
static float fit(float w, float h, int max_width, float limit)
{
	float z = (float)max_width / w, zh = 2.0f * (float)max_width / h;

	z = zh < z ? zh : z;
	return z < limit ? z : limit;
}

/* The first page of a PDF, drawn on white. */
static fz_pixmap *draw_pdf(fz_context *ctx, const void *buf, size_t n, int max_width)
{
	fz_stream *stm = NULL;
	fz_document *doc = NULL;
	fz_page *page = NULL;
	fz_pixmap *pix = NULL;
	fz_rect r;
	float z;

	fz_var(stm);
	fz_var(doc);
	fz_var(page);
	fz_var(pix);
	fz_try(ctx) {
		stm = fz_open_memory(ctx, buf, n);
		doc = (fz_document *)pdf_open_document_with_stream(ctx, stm);
		if (fz_needs_password(ctx, doc))
			fz_throw(ctx, FZ_ERROR_GENERIC, "it is protected by a password");
		page = fz_load_page(ctx, doc, 0);
		r = fz_bound_page(ctx, page);
		if (r.x1 - r.x0 < 1 || r.y1 - r.y0 < 1)
			fz_throw(ctx, FZ_ERROR_GENERIC, "its first page is empty");
		z = fit(r.x1 - r.x0, r.y1 - r.y0, max_width, PREVIEW_MAX_ZOOM);
		pix = fz_new_pixmap_from_page(ctx, page, fz_scale(z, z), fz_device_rgb(ctx), 0);
	}
	fz_always(ctx) {
		fz_drop_page(ctx, page);
		fz_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
	return pix;
}

/* An image's pixels, decoded and drawn again at most max_width wide (never larger than it is). */
static fz_pixmap *draw_image(fz_context *ctx, const void *buf, size_t n, int max_width)
{
	fz_buffer *b = NULL;
	fz_image *img = NULL;
	fz_pixmap *pix = NULL;
	fz_device *dev = NULL;
	float z;
	int w, h;

	fz_var(b);
	fz_var(img);
	fz_var(pix);
	fz_var(dev);
	fz_try(ctx) {
		b = fz_new_buffer_from_copied_data(ctx, buf, n);
		img = fz_new_image_from_buffer(ctx, b);
		if (img->w < 1 || img->h < 1 || (long)img->w * img->h > PREVIEW_MAX_PIXELS)
			fz_throw(ctx, FZ_ERROR_GENERIC, "the picture is %d by %d pixels", img->w, img->h);
		z = fit((float)img->w, (float)img->h, max_width, 1.0f);
		w = (int)((float)img->w * z + 0.5f);
		h = (int)((float)img->h * z + 0.5f);
		pix = fz_new_pixmap(ctx, fz_device_rgb(ctx), w > 0 ? w : 1, h > 0 ? h : 1, NULL, 0);
		fz_clear_pixmap_with_value(ctx, pix, 255);
		dev = fz_new_draw_device(ctx, fz_identity, pix);
		fz_fill_image(ctx, dev, img, fz_scale((float)pix->w, (float)pix->h), 1.0f, fz_default_color_params);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx) {
		fz_drop_device(ctx, dev);
		fz_drop_image(ctx, img);
		fz_drop_buffer(ctx, b);
	}
	fz_catch(ctx) {
		fz_drop_pixmap(ctx, pix);
		fz_rethrow(ctx);
	}
	return pix;
}

/*
 * The words a text, an e-mail, an ODT or a DOCX is drawn as (*words NULL
 * for a PDF or an image); *own is what the caller frees.  A text is drawn
 * from its own first bytes, one more than is drawn ("..." then says it
 * goes on); what in them is not UTF-8 is drawn as '?'.
 */
static int words_of(int kind, const void *buf, size_t n, const char **words, size_t *len, char **own,
		    char *err, size_t errlen)
{
	char why[200] = "";
	int rc;

	*words = NULL;
	*own = NULL;
	*len = 0;
	if (kind == K_TEXT) {
		*words = buf;
		*len = n > CV_PREVIEW_TEXT_MAX ? CV_PREVIEW_TEXT_MAX + 1 : n;
		return 0;
	}
	if (kind == K_MAIL)
		rc = cv_mail_preview_text(buf, n, own, len, why, sizeof(why));
	else if (kind == K_ODT || kind == K_DOCX)
		rc = cv_office_text(kind == K_ODT ? CV_OFFICE_ODT : CV_OFFICE_DOCX, buf, n, own, len, why, sizeof(why));
	else
		return 0;
	if (rc < 0)
		return cv_fmt_fail(err, errlen, rc, "cannot read the words of the document to preview (%s); "
				   "download it to read it", why);
	*words = *own;
	return 0;
}

static fz_pixmap *draw(fz_context *ctx, int kind, const void *buf, size_t n, const char *words, size_t wlen,
		       int max_width)
{
	if (words)
		return cv_preview_text_draw(ctx, words, wlen, kind == K_TEXT || kind == K_MAIL, max_width);
	return kind == K_PDF ? draw_pdf(ctx, buf, n, max_width) : draw_image(ctx, buf, n, max_width);
}

int cv_fmt_preview(const char *mime, const void *buf, size_t n, int max_width, void **png, size_t *pnglen,
		   char *err, size_t errlen)
{
	int caps, kind = cv_fmt_kind(mime, &caps), rc = 0;
	fz_context *ctx;
	fz_pixmap *pix = NULL;
	fz_buffer *out = NULL;
	unsigned char *data = NULL;
	const char *words;
	char *own;
	size_t len, wlen;

	*png = NULL;
	*pnglen = 0;
	if (!(caps & CV_FMT_PREVIEW))
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "casevault shows no preview of a document of type %s; "
				   "download it to read it", mime ? mime : "(none)");
	if (!buf || !n || n > CV_FMT_MAX || max_width < 16 || max_width > 4096)
		return cv_fmt_fail(err, errlen, CV_EINVAL, "no document, or one too large, to preview");
	if ((rc = words_of(kind, buf, n, &words, &wlen, &own, err, errlen)) < 0)
		return rc;
	if (!(ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT))) {
		free(own);
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	}
	fz_set_error_callback(ctx, quiet, NULL);
	fz_set_warning_callback(ctx, quiet, NULL);
	fz_var(pix);
	fz_var(out);
	fz_try(ctx) {
		pix = draw(ctx, kind, buf, n, words, wlen, max_width);
		out = fz_new_buffer_from_pixmap_as_png(ctx, pix, fz_default_color_params);
	}
	fz_catch(ctx)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "cannot draw a preview of the document (%s); download it "
				 "to read it", fz_caught_message(ctx));
	if (rc == 0) {
		len = fz_buffer_storage(ctx, out, &data);
		rc = cv_fmt_copy(data, len, png, pnglen, err, errlen);
	}
	if (own)
		explicit_bzero(own, wlen);
	free(own);
	fz_drop_buffer(ctx, out);
	fz_drop_pixmap(ctx, pix);
	fz_drop_context(ctx);
	return rc;
}
