/*
 * casevault - the words of a scan, read by OCR at filing (docs/ocr.md;
 * docs/architecture.md, Layers: formats): Tesseract's C API with its
 * English data, Leptonica to read an image, MuPDF (pdf.c) to render the
 * pages of a PDF that have no text layer.
 *
 * One Tesseract instance per call, so that two threads (the filing's
 * writers) never share one.  Nothing is printed: Tesseract's messages go
 * to /dev/null and Leptonica's are silenced; the one-line reason goes back
 * in err.  The text is returned in memory only: the filing seals it in the
 * record's own archive (docs/security.md, "OCR text").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <omp.h>
#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "casevault/common.h"
#include "formats/fmt.h"

/* Debian 12's tesseract-ocr-eng; Tesseract's own TESSDATA_PREFIX names another. */
#define CV_TESSDATA "/usr/share/tesseract-ocr/5/tessdata"
/* A scanned PDF's pages read, at most: a longer bundle of scans is read in part (docs/ocr.md). */
#define CV_OCR_MAX_PAGES 20

/* Tesseract's data directory: TESSDATA_PREFIX, else Debian's; 0, or CV_ENOTFOUND when eng.traineddata is not there. */
static int data_dir(const char **dir, char *err, size_t errlen)
{
	char path[4096];

	*dir = getenv("TESSDATA_PREFIX");
	if (!*dir || !**dir)
		*dir = CV_TESSDATA;
	snprintf(path, sizeof(path), "%s/eng.traineddata", *dir);
	if (access(path, R_OK) != 0)
		return cv_fmt_fail(err, errlen, CV_ENOTFOUND,
				   "OCR's English data %s is not installed; install the tesseract-ocr-eng package", path);
	return 0;
}

int cv_ocr_ready(char *err, size_t errlen)
{
	const char *dir;

	return data_dir(&dir, err, errlen);
}

/* A Tesseract ready to read English, or NULL with the reason in err (CV_ENOTFOUND: no data). */
static TessBaseAPI *ocr_new(int *rc, char *err, size_t errlen)
{
	const char *dir;
	TessBaseAPI *api;

	if ((*rc = data_dir(&dir, err, errlen)) != 0)
		return NULL;
	setMsgSeverity(L_SEVERITY_NONE);
	/*
	 * Tesseract's OpenMP regions run on this thread alone: the filing's
	 * writers already keep both CPUs busy, and on a loaded machine its
	 * threads spin against each other (bench/bench_ocr.sh: a page took
	 * 4x longer).  Set per thread, so it reaches no other library.
	 */
	omp_set_max_active_levels(0);
	if (!(api = TessBaseAPICreate())) {
		*rc = cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
		return NULL;
	}
	TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	if (TessBaseAPIInit3(api, dir, "eng") != 0) {
		TessBaseAPIDelete(api);
		*rc = cv_fmt_fail(err, errlen, CV_ERROR, "OCR cannot load its English data from %s; reinstall tesseract-ocr-eng",
				  dir);
		return NULL;
	}
	TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	return api;
}

/* The words Tesseract recognised in the image it was given, appended to acc. */
static int ocr_append(TessBaseAPI *api, GString *acc, char *err, size_t errlen)
{
	char *t = TessBaseAPIGetUTF8Text(api);

	if (!t)
		return cv_fmt_fail(err, errlen, CV_EINVAL, "OCR could not read the image");
	g_string_append(acc, t);
	g_string_append_c(acc, '\n');
	explicit_bzero(t, strlen(t));
	TessDeleteText(t);
	return 0;
}

/* Only white space recognised: a blank page, a photograph. */
static int blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] > ' ')
			return 0;
	return 1;
}

/* acc as the caller's text (malloc'd, "" when nothing legible), wiped and freed. */
static int ocr_finish(GString *acc, char **text, size_t *len, char *err, size_t errlen)
{
	int rc = cv_fmt_copy(acc->str, blank(acc->str, acc->len) ? 0 : acc->len, (void **)text, len, err, errlen);

	explicit_bzero(acc->str, acc->allocated_len);
	g_string_free(acc, TRUE);
	return rc;
}

int cv_ocr_image(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	TessBaseAPI *api;
	GString *acc;
	PIX *pix;
	int rc = 0;

	if (!(api = ocr_new(&rc, err, errlen)))
		return rc;
	if (!(pix = pixReadMem(buf, n))) {
		TessBaseAPIDelete(api);
		return cv_fmt_fail(err, errlen, CV_EINVAL, "OCR cannot read the image (not a PNG, JPEG or TIFF it knows)");
	}
	/* a scan that does not say its resolution is taken as 300 dpi, as the PDF pages are rendered */
	if (pixGetXRes(pix) < 70)
		pixSetResolution(pix, CV_SCAN_DPI, CV_SCAN_DPI);
	acc = g_string_new(NULL);
	TessBaseAPISetImage2(api, pix);
	rc = ocr_append(api, acc, err, errlen);
	pixDestroy(&pix);
	TessBaseAPIEnd(api);
	TessBaseAPIDelete(api);
	if (rc) {
		g_string_free(acc, TRUE);
		return rc;
	}
	return ocr_finish(acc, text, len, err, errlen);
}

struct pdf_ocr {
	TessBaseAPI *api;
	GString *acc;
	char *err;
	size_t errlen;
};

static int ocr_page(void *user, const unsigned char *grey, int w, int h, int stride)
{
	struct pdf_ocr *o = user;

	TessBaseAPISetImage(o->api, grey, w, h, 1, stride);
	TessBaseAPISetSourceResolution(o->api, CV_SCAN_DPI);
	return ocr_append(o->api, o->acc, o->err, o->errlen);
}

int cv_ocr_pdf(const void *buf, size_t n, char **text, size_t *len, char *err, size_t errlen)
{
	struct pdf_ocr o = { NULL, NULL, err, errlen };
	int rc = 0, pages = 0;

	if (!(o.api = ocr_new(&rc, err, errlen)))
		return rc;
	o.acc = g_string_new(NULL);
	rc = cv_pdf_scan_pages(buf, n, CV_OCR_MAX_PAGES, ocr_page, &o, &pages, err, errlen);
	TessBaseAPIEnd(o.api);
	TessBaseAPIDelete(o.api);
	if (rc) {
		explicit_bzero(o.acc->str, o.acc->allocated_len);
		g_string_free(o.acc, TRUE);
		return rc;
	}
	return ocr_finish(o.acc, text, len, err, errlen);
}
