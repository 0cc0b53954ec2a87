/*
 * casevault - a record's preview: a PNG picture of its first page (a PDF)
 * or of its pixels (an image), drawn by the document formats module, for a
 * front end that must never hand a browser the document's own bytes
 * (docs/web.md, Previews; docs/security.md, The web interface).
 */
#ifndef CASEVAULT_PREVIEW_H
#define CASEVAULT_PREVIEW_H

#include <stddef.h>
#include "vault.h"

/* The widest preview drawn (pixels); a preview is at most twice as high. */
#define CV_PREVIEW_WIDTH 1200

/*
 * The record read as cv_record_get reads it (who may read its section, a
 * restriction, the hashes and the receipt's signature; audited as
 * record.get), then drawn at most max_width pixels wide.  *png (caller
 * frees) and *len, or CV_EREFUSED for a type with no preview (a message
 * saying to download it), CV_EINVAL for a document that cannot be drawn.
 */
int cv_record_preview(cv_vault *v, const char *record_id, int max_width, void **png, size_t *len);

/* 1 when a document of type mime (as a record's type names it) has a preview; no module is loaded. */
int cv_preview_type(const char *mime);

#endif
