/*
 * casevault - the formats layer's entry points: which module reads which
 * MIME type (docs/architecture.md, Layers: formats; docs/legal-rules.md
 * §7-§10).  Built into the document formats module casevault-formats.so,
 * whose one exported symbol is the table at the end (module.h); programs
 * reach these functions through loader.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "formats/fmt.h"
#include "formats/module.h"

static int plain_text(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	if (!cv_fmt_utf8_ok(buf, n))
		return cv_fmt_fail(err, errlen, CV_EINVAL,
				   "the text is not valid UTF-8; save it as UTF-8 and file it again");
	return cv_fmt_copy(buf, n, (void **)text, len, err, errlen);
}

/*
 * What mail.c calls for an attachment: the entry points below, passed
 * down rather than called back by name, so that the modules of the layer
 * form no cycle (docs/architecture.md, Layers).
 */
static const struct cv_fmt_nested NESTED = { cv_fmt_text_depth, cv_fmt_clean, cv_fmt_metadata_check, cv_fmt_caps };

/* The checks every entry point makes before a library sees the bytes. */
static int admit(const char *mime, int want, const void *buf, size_t n, int *kind, char *err, size_t errlen)
{
	int caps;

	*kind = cv_fmt_kind(mime, &caps);
	if (!(caps & want))
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "casevault cannot %s a document of type %s",
				   want == CV_FMT_TEXT ? "read the text of" : want == CV_FMT_CLEAN ?
				   "remove the metadata of" : want == CV_FMT_OCR ? "read by OCR" : "redact",
				   mime ? mime : "(none)");
	if (!buf && n)
		return cv_fmt_fail(err, errlen, CV_EINVAL, "no document given");
	if (n > CV_FMT_MAX)
		return cv_fmt_fail(err, errlen, CV_EINVAL, "the document is larger than %zu MiB; split it",
				   CV_FMT_MAX >> 20);
	return 0;
}

int cv_fmt_text_depth(const char *mime, const void *buf, size_t n, int depth,
		      char **text, size_t *len, char *err, size_t errlen)
{
	int kind, rc;

	*text = NULL;
	*len = 0;
	if ((rc = admit(mime, CV_FMT_TEXT, buf, n, &kind, err, errlen)))
		return rc;
	if (depth > CV_FMT_MAX_DEPTH)
		return cv_fmt_fail(err, errlen, CV_EREFUSED,
				   "documents nested more than %d deep; send the attachments separately",
				   CV_FMT_MAX_DEPTH);
	switch (kind) {
	case K_PDF:
		return cv_pdf_text(buf, n, text, len, err, errlen);
	case K_ODT:
		return cv_office_text(CV_OFFICE_ODT, buf, n, text, len, err, errlen);
	case K_DOCX:
		return cv_office_text(CV_OFFICE_DOCX, buf, n, text, len, err, errlen);
	case K_MAIL:
		return cv_mail_text(&NESTED, buf, n, depth, text, len, err, errlen);
	case K_TEXT:
		return plain_text(buf, n, text, len, err, errlen);
	default:
		return cv_image_text(buf, n, text, len, err, errlen);
	}
}

int cv_fmt_text(const char *mime, const void *buf, size_t n, char **text, size_t *len,
		char *err, size_t errlen)
{
	return cv_fmt_text_depth(mime, buf, n, 0, text, len, err, errlen);
}

int cv_fmt_clean(const char *mime, const void *buf, size_t n, void **out, size_t *outlen,
		 char *err, size_t errlen)
{
	int kind, rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = admit(mime, CV_FMT_CLEAN, buf, n, &kind, err, errlen)))
		return rc;
	switch (kind) {
	case K_PDF:
		return cv_pdf_clean(buf, n, out, outlen, err, errlen);
	case K_ODT:
		return cv_office_clean(CV_OFFICE_ODT, buf, n, out, outlen, err, errlen);
	case K_DOCX:
		return cv_office_clean(CV_OFFICE_DOCX, buf, n, out, outlen, err, errlen);
	case K_MAIL:
		return cv_mail_clean(&NESTED, buf, n, out, outlen, err, errlen);
	case K_IMAGE:
		return cv_image_clean(buf, n, out, outlen, err, errlen);
	default:
		/* plain text carries nothing but its words */
		if (!cv_fmt_utf8_ok(buf, n))
			return cv_fmt_fail(err, errlen, CV_EINVAL, "the text is not valid UTF-8; save it as UTF-8");
		return cv_fmt_copy(buf, n, out, outlen, err, errlen);
	}
}

int cv_fmt_metadata_check(const char *mime, const void *buf, size_t n, char *err, size_t errlen)
{
	int kind, rc;

	if ((rc = admit(mime, CV_FMT_CLEAN, buf, n, &kind, err, errlen)))
		return rc;
	switch (kind) {
	case K_PDF:
		return cv_pdf_check(buf, n, err, errlen);
	case K_ODT:
		return cv_office_check(CV_OFFICE_ODT, buf, n, err, errlen);
	case K_DOCX:
		return cv_office_check(CV_OFFICE_DOCX, buf, n, err, errlen);
	case K_MAIL:
		return cv_mail_check(&NESTED, buf, n, err, errlen);
	case K_IMAGE:
		return cv_image_check(buf, n, err, errlen);
	default:
		return cv_fmt_utf8_ok(buf, n) ? 0 :
			cv_fmt_fail(err, errlen, CV_EINVAL, "the text is not valid UTF-8; save it as UTF-8");
	}
}

int cv_fmt_redact(const char *mime, const void *buf, size_t n, const char *const *terms, size_t nterms,
		  void **out, size_t *outlen, size_t *hits, char *err, size_t errlen)
{
	int kind, rc;
	size_t i;

	*out = NULL;
	*outlen = 0;
	*hits = 0;
	if ((rc = admit(mime, CV_FMT_REDACT, buf, n, &kind, err, errlen)))
		return rc;
	for (i = 0; i < nterms; i++)
		if (!terms[i] || !terms[i][strspn(terms[i], " \t\r\n")] || !cv_fmt_utf8_ok(terms[i], strlen(terms[i])))
			return cv_fmt_fail(err, errlen, CV_EINVAL,
					   "redaction term %zu is empty or not UTF-8; give the words to remove", i + 1);
	return cv_pdf_redact(buf, n, terms, nterms, out, outlen, hits, err, errlen);
}

int cv_fmt_structure(const char *mime, const void *buf, size_t n, char *err, size_t errlen)
{
	int caps, kind = cv_fmt_kind(mime, &caps);

	if (n > CV_FMT_MAX)
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "the document is larger than %zu MiB; split it",
				   CV_FMT_MAX >> 20);
	switch (kind) {
	case K_PDF:
		return cv_pdf_structure(buf, n, err, errlen);
	case K_ODT:
		return cv_office_structure(CV_OFFICE_ODT, buf, n, err, errlen);
	case K_DOCX:
		return cv_office_structure(CV_OFFICE_DOCX, buf, n, err, errlen);
	case K_IMAGE:
		return cv_image_structure(!strcmp(mime, "image/png") ? CV_IMAGE_PNG : !strcmp(mime, "image/jpeg") ?
					  CV_IMAGE_JPEG : CV_IMAGE_TIFF, buf, n, err, errlen);
	default:
		return 0;  /* text and e-mail: read as text when a bundle needs them */
	}
}

int cv_fmt_ocr(const char *mime, const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	int kind, rc;

	*text = NULL;
	*len = 0;
	if ((rc = admit(mime, CV_FMT_OCR, buf, n, &kind, err, errlen)))
		return rc;
	return kind == K_PDF ? cv_ocr_pdf(buf, n, text, len, err, errlen) : cv_ocr_image(buf, n, text, len, err, errlen);
}

int cv_fmt_ocr_ready(char *err, size_t errlen)
{
	return cv_ocr_ready(err, errlen);
}

/* The module's one exported symbol (the version script in CMakeLists.txt hides every other). */
#define CV_FMT_ENTRY(ret, name, params, args, reset) .name = cv_fmt_##name,
__attribute__((visibility("default"))) const struct cv_fmt_table CV_FMT_TABLE_SYMBOL = {
	.abi = CV_FMT_ABI,
	.size = sizeof(struct cv_fmt_table),
	CV_FMT_FUNCTIONS(CV_FMT_ENTRY)
};
