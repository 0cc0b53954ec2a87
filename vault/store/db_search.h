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
 * The rows of the records of case case_id in section s, in order of
 * record id, each opened under s, to fn: words NULL for a row that does not
 * open (verify names it; search reads its archive).  fn owns words (wipe
 * and free it) and returns < 0 to stop.
 */
int cv_db_words_of_case(cv_vault *v, const char *case_id, cv_section s,
			int (*fn)(void *hook, const char *id, char *words), void *hook);
/* Each record with no row (its id and type), to fn; fn's < 0 stops. */
int cv_db_words_missing_each(cv_vault *v, int (*fn)(void *hook, const char *id, const char *mime), void *hook);

#endif
