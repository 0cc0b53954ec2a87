/*
 * casevault - the audit table and the trail heads that signed filing
 * receipts carry (docs/architecture.md, Properties, 7).  The hash chain
 * itself is computed in core/audit.c; these functions only read and write
 * rows, inside whatever transaction the caller has open.
 */
#ifndef CV_STORE_DB_AUDIT_H
#define CV_STORE_DB_AUDIT_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/audit.h"

/* One event as stored.  Pointers are valid during a callback only; prev and
 * hash are NULL when the column is (an edited index). */
typedef struct {
	long seq;
	const char *time, *actor, *action, *ids, *outcome, *prev, *hash;
} cv_db_audit_row;

/* The last event: 1 with *seq and hash set, 0 for an empty trail, <0 on error. */
int cv_db_audit_last(cv_vault *v, long *seq, char hash[65]);
/* Append an event (row->prev and row->hash must be set). */
int cv_db_audit_insert(cv_vault *v, const cv_db_audit_row *row);
/*
 * 1 when event seq has this hash; with prefix_ok, also when hash is the
 * first 16 or more hex digits of it (a head a person wrote down).  0 when
 * not, <0 when the index cannot be read.
 */
int cv_db_audit_has(cv_vault *v, long seq, const char *hash, int prefix_ok);
/* Every event in insertion order; fn returns non-zero to stop. */
int cv_db_audit_each(cv_vault *v, int (*fn)(void *hook, const cv_db_audit_row *r), void *hook);
/* Events matching f (may be NULL), oldest first; free with cv_audit_list_free. */
int cv_db_audit_list(cv_vault *v, const cv_audit_filter *f, cv_audit_event **out, size_t *n);
void cv_db_audit_list_free(cv_audit_event *list, size_t n);

/* The trail head a signed filing receipt names; hash NULL when the receipt has none. */
typedef struct {
	long long receipt;
	long seq;
	const char *hash;
} cv_db_audit_anchor;

/*
 * The ids of the newest event of action whose ids name word (one of its
 * space-separated ids) into ids: 1 found, 0 not, <0 on error.
 */
int cv_db_audit_find(cv_vault *v, const char *action, const char *word, char *ids, size_t idslen);

/* Every receipt naming a trail head, in receipt order; fn returns non-zero to stop. */
int cv_db_audit_receipt_anchors(cv_vault *v, int (*fn)(void *hook, const cv_db_audit_anchor *a), void *hook);

#endif
