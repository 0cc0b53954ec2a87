/*
 * casevault - PDF with MuPDF: the text layer, metadata removed, names
 * redacted (docs/legal-rules.md §7-§10; docs/architecture.md, Layers:
 * formats).
 *
 * One fz_context per call, so that two threads never share one; every
 * MuPDF call runs inside fz_try, and MuPDF's own error and warning
 * printing is silenced: a library prints nothing (docs/architecture.md),
 * and the one-line reason goes back in err.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "casevault/common.h"
#include "formats/fmt.h"

/* Quads one search returns; a page with more hits is searched again after the first are removed. */
#define MAX_QUADS 512
/* Rounds of search-and-redact on one page before it is refused as unredactable. */
#define MAX_ROUNDS 16
/* Bookmark levels read; deeper ones are a malformed or hostile outline. */
#define CV_FMT_MAX_OUTLINE 32

static void quiet(void *user, const char *message)
{
	(void)user;
	(void)message;
}

static fz_context *new_ctx(void)
{
	fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);

	if (ctx) {
		fz_set_error_callback(ctx, quiet, NULL);
		fz_set_warning_callback(ctx, quiet, NULL);
	}
	return ctx;
}

/* Open a PDF held in memory (buf must outlive the document). */
static int open_pdf(fz_context *ctx, const void *buf, size_t n, pdf_document **out, char *err, size_t errlen)
{
	fz_stream *stm = NULL;
	pdf_document *doc = NULL;
	volatile int rc = 0;

	*out = NULL;
	fz_var(stm);
	fz_var(doc);
	fz_try(ctx) {
		stm = fz_open_memory(ctx, buf, n);
		doc = pdf_open_document_with_stream(ctx, stm);
		if (pdf_needs_password(ctx, doc))
			rc = cv_fmt_fail(err, errlen, CV_EINVAL,
					 "the PDF is protected by a password; ask for a copy without one");
		else
			pdf_count_pages(ctx, doc);
	}
	fz_always(ctx)
		fz_drop_stream(ctx, stm);
	fz_catch(ctx)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "not a readable PDF (%s); ask for the document again",
				 fz_caught_message(ctx));
	if (rc)
		pdf_drop_document(ctx, doc);
	else
		*out = doc;
	return rc;
}

/* A copy of a MuPDF buffer in memory the caller frees with free(), NUL-terminated. */
static int take_buffer(fz_context *ctx, fz_buffer *b, void **out, size_t *outlen, char *err, size_t errlen)
{
	unsigned char *data = NULL;
	size_t n = fz_buffer_storage(ctx, b, &data);

	return cv_fmt_copy(data, n, out, outlen, err, errlen);
}

static void page_text(fz_context *ctx, fz_document *doc, int i, fz_buffer *acc)
{
	fz_page *page = NULL;
	fz_stext_page *st = NULL;
	fz_buffer *b = NULL;

	fz_var(page);
	fz_var(st);
	fz_var(b);
	fz_try(ctx) {
		page = fz_load_page(ctx, doc, i);
		st = fz_new_stext_page_from_page(ctx, page, NULL);
		b = fz_new_buffer_from_stext_page(ctx, st);
		fz_append_buffer(ctx, acc, b);
		fz_append_byte(ctx, acc, '\n');
	}
	fz_always(ctx) {
		fz_drop_buffer(ctx, b);
		fz_drop_stext_page(ctx, st);
		fz_drop_page(ctx, page);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

static void outline_text(fz_context *ctx, const fz_outline *o, fz_buffer *acc, int depth)
{
	for (; o; o = o->next) {
		if (o->title) {
			fz_append_string(ctx, acc, o->title);
			fz_append_byte(ctx, acc, '\n');
		}
		if (depth < CV_FMT_MAX_OUTLINE)
			outline_text(ctx, o->down, acc, depth + 1);
	}
}

/*
 * What a reader shows besides the pages' text (docs/legal-rules.md §7-§8:
 * hidden text is checked too): the notes of every annotation and the
 * titles of the bookmarks.
 */
static void extra_text(fz_context *ctx, pdf_document *doc, fz_buffer *acc)
{
	fz_outline *outline = NULL;
	pdf_page *page = NULL;
	pdf_annot *a;
	const char *c;
	int i, np = pdf_count_pages(ctx, doc);

	fz_var(outline);
	fz_var(page);
	fz_try(ctx) {
		for (i = 0; i < np; i++) {
			page = pdf_load_page(ctx, doc, i);
			for (a = pdf_first_annot(ctx, page); a; a = pdf_next_annot(ctx, a))
				if ((c = pdf_annot_contents(ctx, a)) && *c) {
					fz_append_string(ctx, acc, c);
					fz_append_byte(ctx, acc, '\n');
				}
			fz_drop_page(ctx, &page->super);
			page = NULL;
		}
		outline = fz_load_outline(ctx, (fz_document *)doc);
		outline_text(ctx, outline, acc, 0);
	}
	fz_always(ctx) {
		fz_drop_outline(ctx, outline);
		fz_drop_page(ctx, (fz_page *)page);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* Only white space: a scan's pages with no text layer. */
static int blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int cv_pdf_text(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	fz_context *ctx = new_ctx();
	pdf_document *doc = NULL;
	fz_buffer *acc = NULL;
	void *out = NULL;
	int rc, i, np;

	if (!ctx)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	rc = open_pdf(ctx, buf, n, &doc, err, errlen);
	fz_var(acc);
	fz_try(ctx) {
		if (rc == 0) {
			acc = fz_new_buffer(ctx, 4096);
			np = pdf_count_pages(ctx, doc);
			for (i = 0; i < np; i++)
				page_text(ctx, (fz_document *)doc, i, acc);
			extra_text(ctx, doc, acc);
		}
	}
	fz_catch(ctx)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "cannot read the text of the PDF (%s)",
				 fz_caught_message(ctx));
	if (rc == 0)
		rc = take_buffer(ctx, acc, &out, len, err, errlen);
	if (rc == 0 && blank(out, *len)) {
		((char *)out)[0] = '\0';
		*len = 0;
	}
	if (rc == 0)
		*text = out;
	fz_drop_buffer(ctx, acc);
	pdf_drop_document(ctx, doc);
	fz_drop_context(ctx);
	return rc;
}

/* One page at CV_SCAN_DPI in grey, when it has no text layer (a scanned page); *scanned 0 otherwise. */
static void scan_page(fz_context *ctx, fz_document *doc, int i, cv_scan_fn fn, void *user, int *scanned, int *rc)
{
	fz_page *page = NULL;
	fz_stext_page *st = NULL;
	fz_buffer *b = NULL;
	fz_pixmap *pix = NULL;
	fz_matrix m = fz_scale(CV_SCAN_DPI / 72.0f, CV_SCAN_DPI / 72.0f);
	unsigned char *d = NULL;
	size_t dl;

	*scanned = 0;
	fz_var(page);
	fz_var(st);
	fz_var(b);
	fz_var(pix);
	fz_try(ctx) {
		page = fz_load_page(ctx, doc, i);
		st = fz_new_stext_page_from_page(ctx, page, NULL);
		b = fz_new_buffer_from_stext_page(ctx, st);
		dl = fz_buffer_storage(ctx, b, &d);
		if (blank((const char *)d, dl)) {
			pix = fz_new_pixmap_from_page(ctx, page, m, fz_device_gray(ctx), 0);
			*scanned = 1;
			*rc = fn(user, pix->samples, pix->w, pix->h, (int)pix->stride);
		}
	}
	fz_always(ctx) {
		fz_drop_pixmap(ctx, pix);
		fz_drop_buffer(ctx, b);
		fz_drop_stext_page(ctx, st);
		fz_drop_page(ctx, page);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

int cv_pdf_scan_pages(const void *buf, size_t n, int max, cv_scan_fn fn, void *user, int *pages,
		      char *err, size_t errlen)
{
	fz_context *ctx = new_ctx();
	pdf_document *doc = NULL;
	int rc, i, np, scanned = 0, cb = 0;

	*pages = 0;
	if (!ctx)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	rc = open_pdf(ctx, buf, n, &doc, err, errlen);
	fz_try(ctx) {
		np = rc ? 0 : pdf_count_pages(ctx, doc);
		for (i = 0; i < np && *pages < max && cb == 0; i++) {
			scan_page(ctx, (fz_document *)doc, i, fn, user, &scanned, &cb);
			*pages += scanned;
		}
	}
	fz_catch(ctx)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "cannot render the PDF's pages (%s)", fz_caught_message(ctx));
	pdf_drop_document(ctx, doc);
	fz_drop_context(ctx);
	return rc ? rc : cb;
}

/*
 * What a reader does not show but a released file would still carry:
 * application private data, embedded files (whose words casevault never
 * read) and scripts.  Removed from every dictionary, and the final check
 * fails on any left (docs/legal-rules.md §9-§10).  Actions run on opening
 * go too, but are not hidden content: the check does not look for them.
 */
static const char *const hidden_keys[] = { "PieceInfo", "EmbeddedFiles", "EF", "JavaScript", "JS" };

/* Metadata keys removed from every dictionary of the file: XMP streams and the hidden keys above. */
static void strip_keys(fz_context *ctx, pdf_document *doc)
{
	int i, n = pdf_xref_len(ctx, doc);
	pdf_obj *obj = NULL;

	fz_var(obj);
	for (i = 1; i < n; i++) {
		fz_try(ctx) {
			obj = pdf_load_object(ctx, doc, i);
			if (pdf_is_dict(ctx, obj)) {
				size_t k;

				pdf_dict_del(ctx, obj, PDF_NAME(Metadata));
				for (k = 0; k < sizeof(hidden_keys) / sizeof(hidden_keys[0]); k++)
					pdf_dict_dels(ctx, obj, hidden_keys[k]);
				pdf_dict_dels(ctx, obj, "OpenAction");
				pdf_dict_dels(ctx, obj, "AA");
			}
		}
		fz_always(ctx) {
			pdf_drop_obj(ctx, obj);
			obj = NULL;
		}
		fz_catch(ctx) {
			/* a free or broken object: the garbage collection on save drops it if nothing refers to it */
		}
	}
}

static void strip_metadata(fz_context *ctx, pdf_document *doc)
{
	pdf_dict_del(ctx, pdf_trailer(ctx, doc), PDF_NAME(Info));
	strip_keys(ctx, doc);
}

/*
 * Written whole, with garbage collection: an incremental save would keep
 * the old Info and XMP objects in the file (docs/legal-rules.md §9).
 */
static void save_pdf(fz_context *ctx, pdf_document *doc, fz_buffer *ob)
{
	pdf_write_options opts = pdf_default_write_options;
	fz_output *out = NULL;

	opts.do_garbage = 3;
	opts.do_incremental = 0;
	opts.do_compress = 1;
	fz_var(out);
	fz_try(ctx) {
		out = fz_new_output_with_buffer(ctx, ob);
		pdf_write_document(ctx, doc, out, &opts);
		fz_close_output(ctx, out);
	}
	fz_always(ctx)
		fz_drop_output(ctx, out);
	fz_catch(ctx)
		fz_rethrow(ctx);
}

int cv_pdf_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen)
{
	fz_context *ctx = new_ctx();
	pdf_document *doc = NULL;
	fz_buffer *ob = NULL;
	int rc;

	if (!ctx)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	rc = open_pdf(ctx, buf, n, &doc, err, errlen);
	fz_var(ob);
	fz_try(ctx) {
		if (rc == 0) {
			strip_metadata(ctx, doc);
			ob = fz_new_buffer(ctx, n + 1024);
			save_pdf(ctx, doc, ob);
		}
	}
	fz_catch(ctx)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "cannot rewrite the PDF without its metadata (%s)",
				 fz_caught_message(ctx));
	if (rc == 0)
		rc = take_buffer(ctx, ob, out, outlen, err, errlen);
	fz_drop_buffer(ctx, ob);
	pdf_drop_document(ctx, doc);
	fz_drop_context(ctx);
	return rc;
}

/* Which hidden key a dictionary still carries, in what[] */
static void hidden_key(fz_context *ctx, pdf_obj *obj, int i, char *what, size_t wlen)
{
	size_t k;

	for (k = 0; k < sizeof(hidden_keys) / sizeof(hidden_keys[0]); k++)
		if (pdf_dict_gets(ctx, obj, hidden_keys[k])) {
			snprintf(what, wlen, "PDF /%s (object %d)", hidden_keys[k], i);
			return;
		}
}

/* What metadata object i still carries, in what[], or "" */
static void object_metadata(fz_context *ctx, pdf_document *doc, int i, char *what, size_t wlen)
{
	pdf_obj *obj = NULL;

	fz_var(obj);
	fz_try(ctx) {
		obj = pdf_load_object(ctx, doc, i);
		if (pdf_is_dict(ctx, obj) && pdf_dict_get(ctx, obj, PDF_NAME(Metadata)))
			snprintf(what, wlen, "PDF XMP stream (/Metadata of object %d)", i);
		else if (pdf_is_dict(ctx, obj) && pdf_name_eq(ctx, pdf_dict_get(ctx, obj, PDF_NAME(Type)),
							      PDF_NAME(Metadata)))
			snprintf(what, wlen, "PDF XMP stream (object %d)", i);
		else if (pdf_is_dict(ctx, obj))
			hidden_key(ctx, obj, i, what, wlen);
	}
	fz_always(ctx)
		pdf_drop_obj(ctx, obj);
	fz_catch(ctx) {
		/* a free or unreadable object carries nothing a reader shows */
	}
}

static void find_metadata(fz_context *ctx, pdf_document *doc, char *what, size_t wlen)
{
	pdf_obj *info = pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Info));
	int i, n;

	if (pdf_is_dict(ctx, info) && pdf_dict_len(ctx, info) > 0) {
		snprintf(what, wlen, "PDF Info /%s", pdf_to_name(ctx, pdf_dict_get_key(ctx, info, 0)));
		return;
	}
	n = pdf_xref_len(ctx, doc);
	for (i = 1; i < n && !what[0]; i++)
		object_metadata(ctx, doc, i, what, wlen);
}

int cv_pdf_check(const void *buf, size_t n, char *err, size_t errlen)
{
	fz_context *ctx = new_ctx();
	pdf_document *doc = NULL;
	char what[128] = "";
	int rc;

	if (!ctx)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	rc = open_pdf(ctx, buf, n, &doc, err, errlen);
	fz_try(ctx) {
		if (rc == 0)
			find_metadata(ctx, doc, what, sizeof(what));
	}
	fz_catch(ctx)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "cannot read the PDF's metadata (%s)",
				 fz_caught_message(ctx));
	if (rc == 0 && what[0])
		rc = cv_fmt_fail(err, errlen, CV_EREFUSED, "metadata left in the document: %s", what);
	pdf_drop_document(ctx, doc);
	fz_drop_context(ctx);
	return rc;
}

/*
 * One redaction annotation per hit (a hit may span lines: several quads)
 * for every term on the page; the number of hits, and whether a search
 * filled its quads so that the page needs another round.
 */
static size_t mark_page(fz_context *ctx, pdf_page *page, const char *const *terms, size_t nterms,
			int *quads_full)
{
	fz_quad quads[MAX_QUADS];
	int marks[MAX_QUADS];
	pdf_annot *annot = NULL;
	size_t t;
	volatile size_t hits = 0;
	int k, nq;

	fz_var(annot);
	*quads_full = 0;
	fz_try(ctx) {
		for (t = 0; t < nterms; t++) {
			nq = fz_search_page(ctx, &page->super, terms[t], marks, quads, MAX_QUADS);
			if (nq == MAX_QUADS)
				*quads_full = 1;
			for (k = 0; k < nq; k++) {
				if (marks[k] || !annot) {
					pdf_drop_annot(ctx, annot);
					annot = NULL;
					annot = pdf_create_annot(ctx, page, PDF_ANNOT_REDACT);
					hits++;
				}
				pdf_add_annot_quad_point(ctx, annot, quads[k]);
			}
			pdf_drop_annot(ctx, annot);
			annot = NULL;
		}
	}
	fz_catch(ctx) {
		pdf_drop_annot(ctx, annot);
		fz_rethrow(ctx);
	}
	return hits;
}

/*
 * Every term out of page i: the text under each hit is removed (and image
 * pixels under it blanked), a black box is drawn where it stood.  Throws
 * when hits remain after MAX_ROUNDS.
 */
static size_t redact_page(fz_context *ctx, pdf_document *doc, int i, const char *const *terms, size_t nterms)
{
	pdf_redact_options opts = { 1, PDF_REDACT_IMAGE_PIXELS };
	pdf_page *page = NULL;
	volatile size_t hits = 0;
	size_t h;
	int round, full = 1;

	fz_var(page);
	fz_try(ctx) {
		for (round = 0; round < MAX_ROUNDS && full; round++) {
			page = pdf_load_page(ctx, doc, i);
			h = mark_page(ctx, page, terms, nterms, &full);
			if (h)
				pdf_redact_page(ctx, doc, page, &opts);
			hits += h;
			fz_drop_page(ctx, &page->super);
			page = NULL;
		}
		if (full)
			fz_throw(ctx, FZ_ERROR_GENERIC, "too many hits on page %d", i + 1);
	}
	fz_catch(ctx) {
		fz_drop_page(ctx, (fz_page *)page);
		fz_rethrow(ctx);
	}
	return hits;
}

/* 1 when one of the terms is in the annotations' notes or the bookmarks, compared case-folded. */
static int term_in_extra(fz_context *ctx, pdf_document *doc, const char *const *terms, size_t nterms)
{
	fz_buffer *acc = fz_new_buffer(ctx, 256);
	char *hay = NULL, *needle;
	size_t t;
	int found = 0;

	fz_try(ctx) {
		extra_text(ctx, doc, acc);
		hay = g_utf8_casefold(fz_string_from_buffer(ctx, acc), -1);
	}
	fz_always(ctx)
		fz_drop_buffer(ctx, acc);
	fz_catch(ctx)
		fz_rethrow(ctx);
	for (t = 0; t < nterms && !found; t++) {
		needle = g_utf8_casefold(terms[t], -1);
		found = strstr(hay, needle) != NULL;
		g_free(needle);
	}
	g_free(hay);
	return found;
}

/*
 * The page number (from 1) where a term is still found, -1 for the notes
 * or bookmarks, or 0 (docs/legal-rules.md §7, §10: fail closed).
 */
static int term_left(fz_context *ctx, pdf_document *doc, const char *const *terms, size_t nterms)
{
	fz_quad q[1];
	int mark[1];
	int i, np = pdf_count_pages(ctx, doc);
	size_t t;

	for (i = 0; i < np; i++)
		for (t = 0; t < nterms; t++)
			if (fz_search_page_number(ctx, (fz_document *)doc, i, terms[t], mark, q, 1) > 0)
				return i + 1;
	return term_in_extra(ctx, doc, terms, nterms) ? -1 : 0;
}

static int verify_redacted(fz_context *ctx, fz_buffer *ob, const char *const *terms, size_t nterms,
			   char *err, size_t errlen)
{
	unsigned char *data = NULL;
	size_t n = fz_buffer_storage(ctx, ob, &data);
	pdf_document *doc = NULL;
	int rc, page = 0;

	rc = open_pdf(ctx, data, n, &doc, err, errlen);
	fz_try(ctx) {
		if (rc == 0)
			page = term_left(ctx, doc, terms, nterms);
	}
	fz_catch(ctx)
		rc = cv_fmt_fail(err, errlen, CV_ERROR, "cannot re-read the redacted PDF (%s)",
				 fz_caught_message(ctx));
	if (rc == 0 && page > 0)
		rc = cv_fmt_fail(err, errlen, CV_EREFUSED,
				 "a redacted term is still in the text of page %d after redaction; "
				 "withhold the document or redact it by hand", page);
	else if (rc == 0 && page < 0)
		rc = cv_fmt_fail(err, errlen, CV_EREFUSED,
				 "a redacted term is in a note or bookmark of the PDF, which redaction does not "
				 "reach; withhold the document or redact it by hand");
	pdf_drop_document(ctx, doc);
	return rc;
}

int cv_pdf_redact(const void *buf, size_t n, const char *const *terms, size_t nterms,
		  void **out, size_t *outlen, size_t *hits, char *err, size_t errlen)
{
	fz_context *ctx = new_ctx();
	pdf_document *doc = NULL;
	fz_buffer *ob = NULL;
	size_t total = 0;
	int rc, i, np;

	if (!ctx)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	rc = open_pdf(ctx, buf, n, &doc, err, errlen);
	fz_var(ob);
	fz_var(total);
	fz_try(ctx) {
		if (rc == 0) {
			np = pdf_count_pages(ctx, doc);
			for (i = 0; i < np; i++)
				total += redact_page(ctx, doc, i, terms, nterms);
			/* a name in the Title or the XMP would survive the redaction of the pages */
			strip_metadata(ctx, doc);
			ob = fz_new_buffer(ctx, n + 1024);
			save_pdf(ctx, doc, ob);
		}
	}
	fz_catch(ctx)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "cannot redact the PDF (%s)", fz_caught_message(ctx));
	if (rc == 0)
		rc = verify_redacted(ctx, ob, terms, nterms, err, errlen);
	if (rc == 0)
		rc = take_buffer(ctx, ob, out, outlen, err, errlen);
	if (rc == 0)
		*hits = total;
	fz_drop_buffer(ctx, ob);
	pdf_drop_document(ctx, doc);
	fz_drop_context(ctx);
	return rc;
}

/*
 * Only white space after the last %%EOF.  Anything else is bytes no PDF
 * reader shows: an appended program, or a "PDF" that is a header in front
 * of something else.  An incremental update ends with its own %%EOF.
 */
static int ends_at_eof(const char *buf, size_t n)
{
	size_t i = n, j;

	while (i >= 5 && memcmp(buf + i - 5, "%%EOF", 5))
		i--;
	if (i < 5)
		return 0;
	for (j = i; j < n; j++)
		if (buf[j] != ' ' && buf[j] != '\t' && buf[j] != '\r' && buf[j] != '\n' && buf[j] != '\f' && buf[j] != '\0')
			return 0;
	return 1;
}

static int page_count(fz_context *ctx, pdf_document *doc)
{
	volatile int pages = -1;

	fz_try(ctx)
		pages = pdf_count_pages(ctx, doc);
	fz_catch(ctx)
		pages = -1;
	return pages;
}

int cv_pdf_structure(const void *buf, size_t n, char *err, size_t errlen)
{
	fz_context *ctx;
	pdf_document *doc = NULL;
	int rc, pages;

	if (!ends_at_eof(buf, n))
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "it is not a PDF throughout: bytes follow its last %%%%EOF "
				   "(an appended program?); ask for the document again, or print it to a new PDF");
	if (!(ctx = new_ctx()))
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	rc = open_pdf(ctx, buf, n, &doc, err, errlen);
	if (rc && strstr(err, "password"))
		rc = 0;  /* opened far enough to ask for one: its pages are counted when it is read */
	else if (rc == 0 && (pages = page_count(ctx, doc)) < 1)
		rc = cv_fmt_fail(err, errlen, CV_EREFUSED, "the PDF has no pages MuPDF can find; ask for the document again");
	else if (rc)
		rc = CV_EREFUSED;
	pdf_drop_document(ctx, doc);
	fz_drop_context(ctx);
	return rc;
}
