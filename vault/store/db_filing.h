/*
 * casevault - the filing's intent log (table pending): the archive files
 * a writer is about to create, so that what a crash leaves can be removed
 * (docs/architecture.md, "Filing: the data flow").
 */
#ifndef CV_STORE_DB_FILING_H
#define CV_STORE_DB_FILING_H

#include <stddef.h>
#include "base/handle.h"

/* Name files[0..n) in the intent log (inside the caller's transaction). */
int cv_db_pending_insert(cv_vault *v, const char *const *files, size_t n, const char *created);
/* Empty the intent log. */
int cv_db_pending_clear(cv_vault *v);

#endif
