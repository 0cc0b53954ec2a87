/*
 * casevault - the formats layer's entry points: which module reads which
 * MIME type (docs/architecture.md, Layers: formats; docs/legal-rules.md
 * §7-§10).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "formats/fmt.h"

enum { K_NONE, K_PDF, K_ODT, K_DOCX, K_MAIL, K_TEXT, K_IMAGE };

static const struct {
	const char *mime;
	int kind;
	int caps;
} TYPES[] = {
	{ "application/pdf", K_PDF, CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_REDACT },
	{ "application/vnd.oasis.opendocument.text", K_ODT, CV_FMT_TEXT | CV_FMT_CLEAN },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document", K_DOCX,
	  CV_FMT_TEXT | CV_FMT_CLEAN },
	{ "message/rfc822", K_MAIL, CV_FMT_TEXT | CV_FMT_CLEAN },
	{ "text/plain", K_TEXT, CV_FMT_TEXT | CV_FMT_CLEAN },
	{ "image/jpeg", K_IMAGE, CV_FMT_TEXT | CV_FMT_CLEAN },
	{ "image/png", K_IMAGE, CV_FMT_TEXT | CV_FMT_CLEAN },
	{ "image/tiff", K_IMAGE, CV_FMT_TEXT | CV_FMT_CLEAN },
};

int cv_fmt_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int kind_of(const char *mime, int *caps)
{
	size_t i;

	*caps = 0;
	if (!mime)
		return K_NONE;
	for (i = 0; i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
		if (strcmp(TYPES[i].mime, mime) == 0) {
			*caps = TYPES[i].caps;
			return TYPES[i].kind;
		}
	return K_NONE;
}

int cv_fmt_caps(const char *mime)
{
	int caps;

	kind_of(mime, &caps);
	return caps;
}

/* The checks every entry point makes before a library sees the bytes. */
static int admit(const char *mime, int want, const void *buf, size_t n, int *kind, char *err, size_t errlen)
{
	int caps;

	*kind = kind_of(mime, &caps);
	if (!(caps & want))
		return cv_fmt_fail(err, errlen, CV_EREFUSED, "casevault cannot %s a document of type %s",
				   want == CV_FMT_TEXT ? "read the text of" : want == CV_FMT_CLEAN ?
				   "remove the metadata of" : "redact", mime ? mime : "(none)");
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
	return cv_fmt_fail(err, errlen, CV_EREFUSED, "not implemented yet");
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
	return cv_fmt_fail(err, errlen, CV_EREFUSED, "not implemented yet");
}

int cv_fmt_metadata_check(const char *mime, const void *buf, size_t n, char *err, size_t errlen)
{
	int kind, rc;

	if ((rc = admit(mime, CV_FMT_CLEAN, buf, n, &kind, err, errlen)))
		return rc;
	return cv_fmt_fail(err, errlen, CV_EREFUSED, "not implemented yet");
}

int cv_fmt_redact(const char *mime, const void *buf, size_t n, const char *const *terms, size_t nterms,
		  void **out, size_t *outlen, size_t *hits, char *err, size_t errlen)
{
	int kind, rc;

	*out = NULL;
	*outlen = 0;
	*hits = 0;
	if ((rc = admit(mime, CV_FMT_REDACT, buf, n, &kind, err, errlen)))
		return rc;
	return cv_fmt_fail(err, errlen, CV_EREFUSED, "not implemented yet");
}
