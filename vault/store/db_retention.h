/*
 * casevault - the index side of retention: records' retention dates and
 * the facts they are worked out from, the records due, review decisions
 * (docs/retention.md).  Dates of birth, event dates and review reasons are
 * sealed (docs/architecture.md, Sealed columns).
 */
#ifndef CV_STORE_DB_RETENTION_H
#define CV_STORE_DB_RETENTION_H

#include <stddef.h>
#include <stdint.h>
#include "base/handle.h"
#include "casevault/retention.h"

/* ---- the records due ---- */

/*
 * Records with a retain_until on or before as_of, by archive and position:
 * the index's fields of cv_due (status and whole are left 0).  free() the list.
 */
int cv_db_due_list(cv_vault *v, const char *as_of, cv_due **out, size_t *n);
/* An archive holding records due, and how many. */
typedef struct {
	int64_t id, due;
} cv_db_due_archive;
/* The archives holding records due on as_of, by id.  free() the list. */
int cv_db_due_archives(cv_vault *v, const char *as_of, cv_db_due_archive **out, size_t *n);
/* The records due of archives first to last (ids), as cv_db_due_list orders them.  free() the list. */
int cv_db_due_range(cv_vault *v, const char *as_of, int64_t first, int64_t last, cv_due **out, size_t *n);
/* How many records archive_id holds (-1 when it cannot be read). */
int cv_db_archive_count(cv_vault *v, int64_t archive_id, int64_t *total);

/* ---- review decisions ---- */

/* Who approved record_id's destruction for this retain_until: 1 (out filled), 0 none, <0. */
int cv_db_review_approver(cv_vault *v, const char *record_id, const char *retain_until, char out[24]);
/* Record_id's class, section, retain_until ("" none) and case: 1, or 0 when there is no such record. */
int cv_db_review_record(cv_vault *v, const char *record_id, char cls[64], cv_section *sec, char retain[11],
			char case_id[24]);
/*
 * A decision ("approve" or "defer") by the actor, the reason sealed under
 * sec; with until (a defer) the record's retain_until becomes until.  The
 * caller holds the transaction.
 */
int cv_db_review_insert(cv_vault *v, const char *record_id, cv_section sec, const char *decision,
			const char *retain, const char *until, const char *reason, const char *now);
/* The latest date a deferral keeps record_id to ("" none): a floor for a recomputed date. */
int cv_db_defer_floor(cv_vault *v, const char *record_id, char out[11]);

/* ---- retention dates ---- */

/* One record with the clear facts its date is worked out from (valid during the callback). */
typedef struct {
	const char *id, *class_name;
	cv_section section;
	const char *filed_at;
	const char *case_id;        /* NULL for none */
	const char *closed;         /* its case's closing day, NULL while open or without a case */
	const char *last_contact;   /* the latest day filed into its case, NULL without one */
	const char *retain_until;   /* "" while not known */
	const char *policy_hash;
} cv_db_dated;

/*
 * Every record of case_id (NULL = every record), by case when ordered;
 * fn's negative return stops and is returned.  what names the reading in a
 * step error (NULL: a step error ends the list silently).
 */
int cv_db_dated_each(cv_vault *v, const char *case_id, int ordered, const char *what,
		     int (*fn)(void *hook, const cv_db_dated *r), void *hook);
/* Case_id's date of birth (malloc'd text; the caller wipes it): 1, 0 when no such case. */
int cv_db_case_dob(cv_vault *v, const char *case_id, char **dob);
/* Record_id's event date under sec's key (malloc'd text). */
int cv_db_event_date(cv_vault *v, const char *record_id, cv_section sec, char **date);
/* Set record_id's retain_until ("" = not known) and the hash of the policy that worked it out. */
int cv_db_retention_set(cv_vault *v, const char *record_id, const char *retain_until, const char *hash);

#endif
