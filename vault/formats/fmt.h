/*
 * casevault - the formats layer's private parts: one module per library
 * (docs/architecture.md, Layers: formats).  formats.c picks the module
 * for a MIME type; each module reads its format with the library made for
 * it, never by hand.
 */
#ifndef CV_FORMATS_FMT_H
#define CV_FORMATS_FMT_H

#include <stddef.h>

/* Nesting allowed for documents inside e-mails (legal-rules §8: every attachment is read). */
#define CV_FMT_MAX_DEPTH 4

/* Set err to a one-line reason and return rc. */
int cv_fmt_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 1 when buf[0..n) is valid UTF-8 without NUL bytes. */
int cv_fmt_utf8_ok(const char *buf, size_t n);
/* The text of a document nested depth levels deep (e-mail attachments). */
int cv_fmt_text_depth(const char *mime, const void *buf, size_t n, int depth,
		      char **text, size_t *len, char *err, size_t errlen);

/* pdf.c: MuPDF */
int cv_pdf_text(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);
int cv_pdf_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen);
int cv_pdf_check(const void *buf, size_t n, char *err, size_t errlen);
int cv_pdf_redact(const void *buf, size_t n, const char *const *terms, size_t nterms,
		  void **out, size_t *outlen, size_t *hits, char *err, size_t errlen);

/* office.c: ODT and DOCX, libarchive (the zip) and libxml2 (the parts) */
enum { CV_OFFICE_ODT = 1, CV_OFFICE_DOCX = 2 };
int cv_office_text(int kind, const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);
int cv_office_clean(int kind, const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen);
int cv_office_check(int kind, const void *buf, size_t n, char *err, size_t errlen);

/* markup.c: libxml2 (HTML to text) */
int cv_html_text(const char *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);

/* mail.c: GMime */
int cv_mail_text(const void *buf, size_t n, int depth, char **text, size_t *len, char *err, size_t errlen);
int cv_mail_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen);
int cv_mail_check(const void *buf, size_t n, char *err, size_t errlen);

/* image.c: gexiv2 */
int cv_image_clean(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen);
int cv_image_check(const void *buf, size_t n, char *err, size_t errlen);

#endif
