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

#endif
