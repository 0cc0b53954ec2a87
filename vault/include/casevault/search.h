/*
 * casevault - search (docs/commands/search.md): case names, record titles
 * and the text of documents, for what the acting staff member may read,
 * opened in memory only: the only index is each record's word set, sealed
 * under its section key (docs/security.md, Search).
 */
#ifndef CASEVAULT_SEARCH_H
#define CASEVAULT_SEARCH_H

#include <stddef.h>
#include "casevault/common.h"

typedef enum { CV_MATCH_NAME = 0, CV_MATCH_TITLE = 1, CV_MATCH_TEXT = 2 } cv_match;

typedef struct {
	char record_id[16];   /* "" for a case found by its names */
	char case_id[24];
	cv_section section;
	cv_match where;
	char *title;          /* the record's title, or "CHILD (PARENT)" for a case; unsealed */
} cv_search_hit;

/* How much a search read: for the caller to report, and for the benchmark. */
typedef struct {
	size_t cases, records, texts;   /* cases and records looked at, documents whose text was read */
	size_t unreadable;              /* documents whose text could not be read (counted, not fatal) */
	size_t indexed;                 /* sealed word sets opened (search) or written (reindex) */
} cv_search_stats;

/*
 * Every case and record matching all the words of text (case-insensitive,
 * whole words), in the case case_id or (NULL) in every case the acting
 * staff member may read: a caseworker's assigned cases and their case
 * files, never a child-protection file.  Restricted records (LR-18) are
 * matched by title only.  Audited as one 'search' event with the count
 * found, never the words (they are personal data).  Free with
 * cv_search_free.  stats may be NULL.
 */
int cv_search(cv_vault *v, const char *text, const char *case_id, cv_search_hit **hits, size_t *n,
	      cv_search_stats *stats);
void cv_search_free(cv_search_hit *hits, size_t n);

/*
 * A manager's rebuild of the missing sealed word sets (a vault filed
 * before them, deposits, a row removed): every readable record with text
 * and no row has its archive read in memory and its row written, all in
 * one transaction under the writer lock; restricted records (LR-18) are
 * left out.  Audited as 'search.reindex' with the counts.  stats
 * (may be NULL): records looked at, rows written (indexed), unreadable.
 */
int cv_search_reindex(cv_vault *v, cv_search_stats *stats);
/*
 * How many records of a type with text have no sealed word set (search
 * reads their archives): verify's note, which --reindex clears.
 */
int cv_search_missing(cv_vault *v, size_t *n);

/* "name", "title" or "text". */
const char *cv_match_name(cv_match m);

#endif
