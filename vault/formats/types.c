/*
 * casevault - which MIME types the formats layer reads and what it can do
 * with each (docs/architecture.md, Layers: formats).  Compiled into both
 * the library and the document formats module: cv_fmt_caps needs no
 * format library, so asking it never loads the module (loader.c).
 */
#include <string.h>

#include "formats/formats.h"
#include "formats/fmt.h"

static const struct {
	const char *mime;
	int kind;
	int caps;
} TYPES[] = {
	{ "application/pdf", K_PDF, CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_REDACT | CV_FMT_STRUCTURE | CV_FMT_OCR | CV_FMT_PREVIEW },
	{ "application/vnd.oasis.opendocument.text", K_ODT, CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_STRUCTURE | CV_FMT_PREVIEW },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document", K_DOCX,
	  CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_STRUCTURE | CV_FMT_PREVIEW },
	{ "message/rfc822", K_MAIL, CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_PREVIEW },
	{ "text/plain", K_TEXT, CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_PREVIEW },
	{ "image/jpeg", K_IMAGE, CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_STRUCTURE | CV_FMT_OCR | CV_FMT_PREVIEW },
	{ "image/png", K_IMAGE, CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_STRUCTURE | CV_FMT_OCR | CV_FMT_PREVIEW },
	{ "image/tiff", K_IMAGE, CV_FMT_TEXT | CV_FMT_CLEAN | CV_FMT_STRUCTURE | CV_FMT_OCR | CV_FMT_PREVIEW },
};

int cv_fmt_kind(const char *mime, int *caps)
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

	cv_fmt_kind(mime, &caps);
	return caps;
}
