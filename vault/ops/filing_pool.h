/*
 * casevault - filing, the archive writers: several groups written at a
 * time, each to its own archive.  Private to the filing.
 */
#ifndef CV_OPS_FILING_POOL_H
#define CV_OPS_FILING_POOL_H

#include "crypto/helper.h"
#include "ops/filing_docs.h"

#define CV_MAX_WORKERS 8

/* How many writers for ng groups. */
size_t cv_filing_pool_size(size_t ng);
/*
 * Write every group not failed, with up to cv_filing_pool_size writers and
 * the helpers started for them; in import mode (per_case) each case's
 * documents are opened and typed here and a case fails on its own.
 */
int cv_filing_run_pool(cv_vault *v, cv_filing_group *gs, size_t ng, cv_file_item *items, size_t n,
		       int per_case, cv_helper **helpers, size_t nhelpers,
		       cv_progress_fn progress, void *hook);
/* Remove a group's archive (and its temporary name). */
void cv_filing_unlink_group(cv_vault *v, cv_filing_group *g);

#endif
