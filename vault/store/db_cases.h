/*
 * casevault - the cases table: its rows for the case operations, and a
 * case's facts for the operations that need them without the case module
 * (retention, holds, filing).
 */
#ifndef CV_STORE_DB_CASES_H
#define CV_STORE_DB_CASES_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/case.h"

/* 0 when the case exists; CV_ENOTFOUND with a message naming it otherwise. */
int cv_db_case_exists(cv_vault *v, const char *id);

/*
 * The case's row and its record counts; unseal also opens the names and the
 * date of birth (the caller has unlocked the case section).  CV_ENOTFOUND
 * with a message when there is no such case.
 */
int cv_db_case_get(cv_vault *v, const char *id, int unseal, cv_case *out);
/* Every case in id order (an array the caller frees with cv_case_list_free). */
int cv_db_case_list(cv_vault *v, int unseal, cv_case **out, size_t *n);

/* A new case; parent, child and child_dob are sealed under the case section. */
typedef struct {
	const char *id, *parent, *child, *child_dob;
	const char *confirmed_by, *confirmed_at, *opened;
} cv_db_case_new;
int cv_db_case_insert(cv_vault *v, const cv_db_case_new *c);

/* Set the closing date of an open case. */
int cv_db_case_close(cv_vault *v, const char *id, const char *date);
/* Clear the closing date of a closed case; an error unless exactly one row changed. */
int cv_db_case_reopen(cv_vault *v, const char *id, const char *unused);
/* Replace the (sealed) date of birth. */
int cv_db_case_set_dob(cv_vault *v, const char *id, const char *child_dob);

/*
 * Storage limitation (docs/architecture.md, Storage limitation).  The
 * closed cases not erased yet with no record and no deposit left, one of
 * whose records a certificate names (an array of ids the caller frees).
 */
int cv_db_case_erase_candidates(cv_vault *v, char (**ids)[24], size_t *n);
/* 1 with why (a phrase) when case id must keep its personal data: a hold, an open request on it or a linked case. */
int cv_db_case_erase_blocker(cv_vault *v, const char *id, char *why, size_t len);
/*
 * Erase case id's personal data in the caller's transaction: its names and
 * date of birth, its requesters' names and its consents' scopes become the
 * erasure marker, its people and contact preference are deleted, the
 * reasons that may name people are set NULL; it is marked erased on day
 * under the certificate.  The records destroyed from it are found in the
 * table cv_db_case_erase_candidates made, so that call comes first.
 */
int cv_db_case_erase(cv_vault *v, const char *id, const char *day, long certificate);
/* verify: fn(id, why) for each erasure marker where no erasure put it, and each erased case that is not. */
int cv_db_case_erased_check(cv_vault *v, void (*fn)(void *hook, const char *id, const char *why), void *hook);

#endif
