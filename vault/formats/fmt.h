/*
 * casevault - the formats layer's private parts: one module per library
 * (docs/architecture.md, Layers: formats).  formats.c picks the module
 * for a MIME type; each module reads its format with the library made for
 * it, never by hand.
 */
#ifndef CV_FORMATS_FMT_H
#define CV_FORMATS_FMT_H

#include <stddef.h>

/* Nesting allowed for documents inside e-mails (docs/legal-rules.md §7-§8: every attachment is read). */
#define CV_FMT_MAX_DEPTH 4

/* types.c: what formats.c reads (K_*), and its CV_FMT_* caps in *caps */
enum { K_NONE, K_PDF, K_ODT, K_DOCX, K_MAIL, K_TEXT, K_IMAGE };
int cv_fmt_kind(const char *mime, int *caps);

/* Set err to a one-line reason and return rc. */
int cv_fmt_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A NUL-terminated malloc'd copy of buf[0..n) in *out (caller frees). */
int cv_fmt_copy(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen);
/* 1 when buf[0..n) is valid UTF-8 without NUL bytes. */
int cv_fmt_utf8_ok(const char *buf, size_t n);
/* The text of a document nested depth levels deep (e-mail attachments). */
int cv_fmt_text_depth(const char *mime, const void *buf, size_t n, int depth,
		      char **text, size_t *len, char *err, size_t errlen);

/* pdf.c: MuPDF */
int cv_pdf_text(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);
int cv_pdf_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen);
int cv_pdf_check(const void *buf, size_t n, char *err, size_t errlen);
int cv_pdf_structure(const void *buf, size_t n, char *err, size_t errlen);
int cv_pdf_redact(const void *buf, size_t n, const char *const *terms, size_t nterms,
		  void **out, size_t *outlen, size_t *hits, char *err, size_t errlen);

/*
 * Each page of a PDF that has no text layer (a scanned page), the first max
 * of them, rendered at CV_SCAN_DPI in 8-bit grey and given to fn (0 to go
 * on, or a code that stops and is returned); *pages counts them.
 */
#define CV_SCAN_DPI 300
typedef int (*cv_scan_fn)(void *user, const unsigned char *grey, int w, int h, int stride);
int cv_pdf_scan_pages(const void *buf, size_t n, int max, cv_scan_fn fn, void *user, int *pages,
		      char *err, size_t errlen);

/* ocr.c: Tesseract (English) and Leptonica */
int cv_ocr_image(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);
int cv_ocr_pdf(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);
int cv_ocr_ready(char *err, size_t errlen);

/* zip.c: the zip container of ODT and DOCX (libarchive, in memory) */
struct cv_zip_member {
	const char *name;
	int is_dir;
	const char *data;    /* the whole member, inflated */
	size_t len;
};
/* 0 to go on, or an error code that stops the walk (and is returned) */
typedef int (*cv_zip_fn)(void *user, const struct cv_zip_member *m, char *err, size_t errlen);
/* fn for every member want() accepts (want NULL: every member), in the container's order */
int cv_zip_each(const void *buf, size_t n, int (*want)(const char *name), cv_zip_fn fn, void *user,
		char *err, size_t errlen);
typedef struct cv_zip_writer cv_zip_writer;
int cv_zip_writer_new(cv_zip_writer **w, char *err, size_t errlen);
int cv_zip_writer_add(cv_zip_writer *w, const struct cv_zip_member *m, int stored, char *err, size_t errlen);
/* The container (caller frees *out with g_free); frees w either way. */
int cv_zip_writer_finish(cv_zip_writer *w, void **out, size_t *outlen, char *err, size_t errlen);
void cv_zip_writer_free(cv_zip_writer *w);
/* 1 when the container ends with its end-of-central-directory record (and its comment): nothing appended */
int cv_zip_ends_clean(const void *buf, size_t n);

/* office.c: ODT and DOCX, libarchive (the zip) and libxml2 (the parts) */
enum { CV_OFFICE_ODT = 1, CV_OFFICE_DOCX = 2 };
int cv_office_text(int kind, const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);
int cv_office_clean(int kind, const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen);
int cv_office_check(int kind, const void *buf, size_t n, char *err, size_t errlen);
int cv_office_structure(int kind, const void *buf, size_t n, char *err, size_t errlen);

/* markup.c: libxml2 */
struct _xmlDoc;
struct _GString;
/* An XML part (part names it in err); refused with a DTD: no entities, no network. */
int cv_xml_parse(const char *buf, size_t n, const char *part, struct _xmlDoc **out, char *err, size_t errlen);
/* Append the words of an ODF (word 0) or WordprocessingML (word 1) part, a line per paragraph. */
void cv_xml_text(const struct _xmlDoc *doc, int word, struct _GString *out);
/* Empty (what NULL) or name the first of: attributes attrs in namespace ns, elements in elem_ns. */
size_t cv_xml_strip(struct _xmlDoc *doc, const char *ns, const char *const *attrs, const char *elem_ns,
		    char *what, size_t wlen);
/* The words of an HTML body (UTF-8), a line per block; caller g_free()s *text. */
int cv_html_text(const char *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);

/* mail.c: GMime; an attachment goes back to the entry points through nest */
struct cv_fmt_nested {
	int (*text)(const char *mime, const void *buf, size_t n, int depth, char **text, size_t *len,
		    char *err, size_t errlen);
	int (*clean)(const char *mime, const void *buf, size_t n, void **out, size_t *outlen,
		     char *err, size_t errlen);
	int (*check)(const char *mime, const void *buf, size_t n, char *err, size_t errlen);
	int (*caps)(const char *mime);
};
int cv_mail_text(const struct cv_fmt_nested *nest, const void *buf, size_t n, int depth, char **text,
		 size_t *len, char *err, size_t errlen);
int cv_mail_clean(const struct cv_fmt_nested *nest, const void *buf, size_t n, void **out, size_t *outlen,
		  char *err, size_t errlen);
int cv_mail_check(const struct cv_fmt_nested *nest, const void *buf, size_t n, char *err, size_t errlen);
/* What a preview shows of an e-mail: cv_fmt_mail_parts' part 0 (its header lines and body), then
 * "Attachment: NAME" a line per attachment; caller frees *text. */
int cv_mail_preview_text(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);

/* preview_text.c: a picture of a document's words (MuPDF; docs/web.md, Previews) */
/* The text drawn is cut at this many bytes before layout: the first page needs far less. */
#define CV_PREVIEW_TEXT_MAX ((size_t)64 << 10)
struct fz_context;
struct fz_pixmap;
/* text[0..len) drawn on a white page max_width wide (Courier when mono, else Helvetica); throws. */
struct fz_pixmap *cv_preview_text_draw(struct fz_context *ctx, const char *text, size_t len, int mono,
				       int max_width);

/* image.c: gexiv2 */
/* "" for a readable image (its words are pixels); CV_EINVAL otherwise */
int cv_image_text(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);
int cv_image_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen);
int cv_image_check(const void *buf, size_t n, char *err, size_t errlen);
enum { CV_IMAGE_JPEG = 1, CV_IMAGE_PNG = 2, CV_IMAGE_TIFF = 3 };
int cv_image_structure(int kind, const void *buf, size_t n, char *err, size_t errlen);

#endif
