/*
 * casevault - what a document says and what it carries besides: the text
 * of every admitted format, its metadata removed, names removed from a
 * born-digital PDF (docs/legal-rules.md §7-§10; docs/architecture.md,
 * Layers: formats sits on base only, and is the one layer that links the
 * format libraries: MuPDF, libxml2, GMime, gexiv2).
 *
 * Every function works on a whole document in memory (the bundle reads a
 * member into memory before it decides what to do with it) and returns 0
 * or a negative CV_E* code, with a one-line reason in err (no document
 * text in it: a reason may reach a log).
 */
#ifndef CV_FORMATS_H
#define CV_FORMATS_H

#include <stddef.h>
#include "casevault/common.h"

/* The largest document the functions below accept (bytes). */
#define CV_FMT_MAX ((size_t)256 << 20)

/* What casevault can do with a type (by MIME type, as libmagic names it). */
enum {
	CV_FMT_TEXT = 1,     /* its words can be extracted (cv_fmt_text) */
	CV_FMT_CLEAN = 2,    /* its metadata can be removed (cv_fmt_clean) */
	CV_FMT_REDACT = 4,   /* named text can be removed from it (cv_fmt_redact) */
	CV_FMT_STRUCTURE = 8, /* its structure is checked before it is filed (cv_fmt_structure) */
	CV_FMT_OCR = 16,     /* it may be a scan whose words OCR reads (cv_fmt_ocr) */
	CV_FMT_PREVIEW = 32  /* a picture of it can be drawn (cv_fmt_preview) */
};
int cv_fmt_caps(const char *mime);

/*
 * The words of a document as UTF-8 text (NUL-terminated; *len without the
 * NUL): a PDF's text layer, an ODT's or DOCX's body, notes and headers, an
 * e-mail's bodies and the text of its attachments, a text/plain file as it
 * is (refused unless valid UTF-8).  A document with no text to extract (a
 * scan: a PDF of images, a JPEG) gives 0 with *len 0.  CV_EINVAL for a
 * document its library cannot read; CV_EREFUSED for a type without
 * CV_FMT_TEXT.  Caller frees *text.
 */
int cv_fmt_text(const char *mime, const void *buf, size_t n, char **text, size_t *len,
		char *err, size_t errlen);

/*
 * A copy of the document without metadata: PDF Info and XMP; ODT meta.xml
 * and DOCX docProps; EXIF, XMP, IPTC and comments of images; for an
 * e-mail, every header but From, To, Cc, Date and Subject.  Caller frees
 * *out.  CV_EREFUSED for a type without CV_FMT_CLEAN.
 */
int cv_fmt_clean(const char *mime, const void *buf, size_t n, void **out, size_t *outlen,
		 char *err, size_t errlen);

/*
 * 0 when the document carries no metadata cv_fmt_clean removes; CV_EREFUSED
 * with what is left named in err ("PDF Info /Author") otherwise - the
 * bundle's final check, which fails closed.
 */
int cv_fmt_metadata_check(const char *mime, const void *buf, size_t n, char *err, size_t errlen);

/*
 * A born-digital PDF with every occurrence of the terms (matched without
 * regard to case) removed: the text itself under a redaction, not a box
 * over it; the rest of the page's text stays.  *hits counts what was
 * removed.  Caller frees *out.  CV_EREFUSED for a type without
 * CV_FMT_REDACT.
 */
int cv_fmt_redact(const char *mime, const void *buf, size_t n, const char *const *terms, size_t nterms,
		  void **out, size_t *outlen, size_t *hits, char *err, size_t errlen);

/*
 * Whether a document about to be filed is what libmagic named it, judged by
 * its structure and not by its first bytes (docs/policy-filetypes.md,
 * "Checked by structure"): a PDF opens with MuPDF and has a page, an image
 * opens with gexiv2, an ODT or DOCX is a sound zip whose main part is XML;
 * and nothing follows the format's end (%%EOF, IEND, JPEG's EOI, the zip's
 * end record), where a program could ride along unseen.  0, or CV_EREFUSED
 * with the reason in err.  Text and e-mail have no structure to check: 0.
 */
int cv_fmt_structure(const char *mime, const void *buf, size_t n, char *err, size_t errlen);

/*
 * An e-mail split for filing as linked records (docs/intake.md, "E-mail"):
 * part 0 is the message itself, its From, To, Cc, Date and Subject lines
 * and its body as UTF-8 text (the text/plain body, or the HTML body as
 * text when there is none), with name the subject; every other part is an
 * attachment, name its file name and data its decoded bytes (an attached
 * e-mail as a whole message/rfc822).  Names are valid UTF-8, "" when the
 * message gives none; mime is what the message declares (the filing judges
 * the bytes themselves).  CV_EINVAL for a message GMime cannot read;
 * CV_EREFUSED for a type other than message/rfc822.  The caller frees each
 * part's name, mime and data, then *parts (free()).
 */
typedef struct {
	char *name;
	char *mime;
	void *data;
	size_t len;
} cv_fmt_part;
int cv_fmt_mail_parts(const char *mime, const void *buf, size_t n, cv_fmt_part **parts, size_t *nparts,
		      char *err, size_t errlen);

/*
 * The words of a scan read by OCR (Tesseract with its English data;
 * docs/ocr.md): an image's pixels, or each page of a PDF that has no text
 * layer (the first 20 such pages), rendered at 300 dpi.  0 with the text
 * as UTF-8 (*len 0 when nothing legible was found, or a PDF has no scanned
 * page); CV_ENOTFOUND when the English data is not installed; CV_EINVAL
 * for an image it cannot read; CV_EREFUSED for a type without CV_FMT_OCR.
 * Caller frees *text.
 */
int cv_fmt_ocr(const char *mime, const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen);
/* 0 when OCR can run (its English data is installed); CV_ENOTFOUND with the one line cv_fmt_ocr would give. */
int cv_fmt_ocr_ready(char *err, size_t errlen);

/*
 * A preview of a document as a PNG picture (docs/web.md, Previews): the
 * first page of a PDF, or an image's pixels decoded and drawn again, at
 * most max_width pixels wide and twice that high, on white, with nothing
 * of the document's own bytes but its pixels.  An image claiming more than
 * 64 megapixels is refused before it is decoded.  A text, an e-mail (its
 * header lines and body as cv_fmt_mail_parts gives them, then its
 * attachments' names), an ODT or a DOCX (the words cv_fmt_text reads) is
 * drawn as its words on an A4 page max_width wide: at most 64 KB of text,
 * the first 60 lines, wrapped, "..." when it goes on; never its markup
 * interpreted.  Caller frees *png.
 * CV_EREFUSED for a type without CV_FMT_PREVIEW; CV_EINVAL for a document
 * that cannot be drawn.
 */
int cv_fmt_preview(const char *mime, const void *buf, size_t n, int max_width, void **png, size_t *pnglen,
		   char *err, size_t errlen);

#endif
