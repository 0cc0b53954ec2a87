/*
 * casevault - drawing a preview of a document already read (docs/web.md,
 * Previews): shared by a record's preview (preview.c) and an intake item's
 * (intake.c), so that both refuse the same types with the same line and
 * draw with the same module call.  Private to vault/ops.
 */
#ifndef CV_OPS_PREVIEW_DOC_H
#define CV_OPS_PREVIEW_DOC_H

#include <stddef.h>

#include "base/handle.h"

/* 0 when a document of type mime has a preview; else CV_EREFUSED saying to download what ("record R-000001"). */
int cv_preview_refuse_type(cv_vault *v, const char *what, const char *mime);
/* The len bytes at doc drawn as a PNG at most max_width wide (*png, caller frees); the module's reason as the error. */
int cv_preview_doc(cv_vault *v, const char *what, const char *mime, const void *doc, size_t len, int max_width,
		   void **png, size_t *png_len);

#endif
