/*
 * casevault - the sealed word sets of search (table record_words,
 * docs/commands/search.md, docs/security.md "Search"): one row per record,
 * its document's words as one value sealed under the record's section key,
 * with the row's id in the sealing context (store/sealed.c).  The trigger
 * of the migration removes a row with its record; a rotation re-seals the
 * rows and verify opens them, as every sealed column (cv_sealed_cols).
 */
#ifndef CV_STORE_DB_SEARCH_H
#define CV_STORE_DB_SEARCH_H

#include <stddef.h>
#include "base/handle.h"

/* Store (or replace) record id's word set, sealed under section s. */
int cv_db_words_put(cv_vault *v, const char *id, cv_section s, const char *words);
/*
 * Record id's word set, opened under s, into *words (malloc'd, the caller
 * wipes it): 1, or 0 when the record has no row, or one that does not open
 * under s (damaged or stale: verify names it; the caller reads the archive).
 */
int cv_db_words_get(cv_vault *v, const char *id, cv_section s, char **words);
/* The number of rows, for verify and the benchmark's report. */
int cv_db_words_count(cv_vault *v, long long *n);
/* Each record with no row (its id and type), to fn; fn's < 0 stops. */
int cv_db_words_missing_each(cv_vault *v, int (*fn)(void *hook, const char *id, const char *mime), void *hook);

#endif
