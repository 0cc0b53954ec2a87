/*
 * casevault - filing, the index side: the intent log before the archives
 * are written, and the one transaction that records them after.  Private
 * to the filing.
 */
#ifndef CV_OPS_FILING_COMMIT_H
#define CV_OPS_FILING_COMMIT_H

#include "ops/filing_docs.h"

/*
 * Name each group's archive file and each item's record id, and commit the
 * intent log (table pending) naming the files about to be written.
 */
int cv_filing_begin_pending(cv_vault *v, cv_filing_group *gs, size_t ng, cv_file_item *items, const char *now);
/* Empty the intent log (nothing of this call was committed). */
void cv_filing_clear_pending(cv_vault *v);
/*
 * Sign one receipt over every archive written and commit every row of the
 * call with it, clearing the intent log, in one transaction.
 */
int cv_filing_commit(cv_vault *v, cv_filing_group *gs, size_t ng, cv_file_item *items, const char *now,
		     const cv_date *today);

#endif
