/*
 * casevault - the document formats module's table (docs/architecture.md,
 * Layers: formats, "The document formats module").  The functions that
 * need MuPDF, libxml2, GMime or gexiv2 live in casevault-formats.so, which
 * exports one symbol: a table of pointers to them.  loader.c loads the
 * module on the first call and calls through the table, so a command that
 * reads no document never maps those libraries (about two thirds of a
 * program's start-up in the dynamic linker).
 *
 * CV_FMT_FUNCTIONS is the one list of the table, the module's initializer
 * and the loader's entry points.  A function added to formats.h is added
 * to the module with one X(...) line here, at the END (the table only
 * grows; an older module whose table is shorter is refused by size):
 *   X(return type, name without cv_fmt_, (parameters), (arguments),
 *     (what its outputs are set to when the module cannot be loaded))
 * Every function has err and errlen parameters for the loader's message.
 * A change of a listed function's parameters raises CV_FMT_ABI instead.
 */
#ifndef CV_FORMATS_MODULE_H
#define CV_FORMATS_MODULE_H

#include <stddef.h>

/* Included after formats/formats.h, whose types the table names (cv_fmt_part). */

#define CV_FMT_FUNCTIONS(X) \
	X(int, text, (const char *mime, const void *buf, size_t n, char **text, size_t *len, \
		      char *err, size_t errlen), (mime, buf, n, text, len, err, errlen), \
	  (*text = NULL, *len = 0)) \
	X(int, clean, (const char *mime, const void *buf, size_t n, void **out, size_t *outlen, \
		       char *err, size_t errlen), (mime, buf, n, out, outlen, err, errlen), \
	  (*out = NULL, *outlen = 0)) \
	X(int, metadata_check, (const char *mime, const void *buf, size_t n, char *err, size_t errlen), \
	  (mime, buf, n, err, errlen), (void)0) \
	X(int, redact, (const char *mime, const void *buf, size_t n, const char *const *terms, size_t nterms, \
			void **out, size_t *outlen, size_t *hits, char *err, size_t errlen), \
	  (mime, buf, n, terms, nterms, out, outlen, hits, err, errlen), (*out = NULL, *outlen = 0, *hits = 0)) \
	X(int, structure, (const char *mime, const void *buf, size_t n, char *err, size_t errlen), \
	  (mime, buf, n, err, errlen), (void)0) \
	X(int, mail_parts, (const char *mime, const void *buf, size_t n, cv_fmt_part **parts, size_t *nparts, \
			    char *err, size_t errlen), (mime, buf, n, parts, nparts, err, errlen), \
	  (*parts = NULL, *nparts = 0)) \
	X(int, ocr, (const char *mime, const void *buf, size_t n, char **text, size_t *len, \
		     char *err, size_t errlen), (mime, buf, n, text, len, err, errlen), \
	  (*text = NULL, *len = 0)) \
	X(int, preview, (const char *mime, const void *buf, size_t n, int max_width, void **png, size_t *pnglen, \
			 char *err, size_t errlen), (mime, buf, n, max_width, png, pnglen, err, errlen), \
	  (*png = NULL, *pnglen = 0)) \
	X(int, ocr_ready, (char *err, size_t errlen), (err, errlen), (void)0)

/* Raised when a listed function changes; appending one does not (the size tells). */
#define CV_FMT_ABI 1

#define CV_FMT_MEMBER(ret, name, params, args, reset) ret (*name) params;
struct cv_fmt_table {
	unsigned abi;          /* CV_FMT_ABI of the module */
	size_t size;           /* sizeof the module's table: at least the loader's */
	CV_FMT_FUNCTIONS(CV_FMT_MEMBER)
};

/* The module's one exported symbol, versioned by name too. */
#define CV_FMT_TABLE_SYMBOL cv_fmt_module_v1
#define CV_FMT_TABLE_NAME "cv_fmt_module_v1"

#endif
