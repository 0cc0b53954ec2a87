/*
 * casevault - filing, duplicates: a document whose bytes are already filed
 * in the same case and section, or given twice.  Private to the filing.
 */
#ifndef CV_OPS_FILING_DUPS_H
#define CV_OPS_FILING_DUPS_H

#include "ops/filing_docs.h"

/* first[i] when item i repeats no earlier item of the call. */
#define CV_FILING_NO_DUP ((size_t)-1)

/*
 * Look for duplicates (*first: a malloc'd array, see filing_dups.c).  All
 * or nothing: the first one is refused with its message.  Import mode
 * (per_case): each is taken out of its group and named in duplicate_of.
 */
int cv_filing_duplicates(cv_vault *v, cv_file_item *items, size_t n, cv_filing_group *gs, size_t ng,
			 int per_case, size_t **first);
/* After the filing (or check): a repeat names the record its first copy became. */
void cv_filing_settle_duplicates(cv_file_item *items, size_t n, const size_t *first, int check_only);

#endif
