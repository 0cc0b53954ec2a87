/*
 * casevault - cases.  Personal fields are sealed in the index; reading them
 * unlocks the vault (one secret-key operation per command).
 */
#ifndef CASEVAULT_CASE_H
#define CASEVAULT_CASE_H

#include "vault.h"

typedef struct cv_case {
	char id[24];           /* "C-2026-0007" */
	char *parent;          /* NULL in listings made without unlocking */
	char *child;
	char child_dob[11];    /* "" when not unsealed */
	char opened[11];
	char closed[11];       /* "" while open */
	char pr_confirmed_by[24];
	char pr_confirmed_at[32];
	long records_case;     /* number of records in each section */
	long records_cp;
	char erased[11];       /* the day its personal data was erased (storage limitation); "" when not */
	long erase_certificate;
} cv_case;

/*
 * Open a case.  pr_confirmed must be non-zero: the service works only with
 * people who hold parental responsibility (CV_EREFUSED otherwise).
 * opened may be NULL (today).  On success the new id is copied to id_out.
 */
int cv_case_open(cv_vault *v, const char *parent, const char *child, const char *child_dob,
		 int pr_confirmed, const char *opened, char id_out[24]);

/* Fill *out (caller releases with cv_case_release).  CV_ENOTFOUND. */
int cv_case_get(cv_vault *v, cv_case *out, const char *id, int unseal);
void cv_case_release(cv_case *c);

/* List cases; *out is an array of *n cases freed with cv_case_list_free. */
int cv_case_list(cv_vault *v, cv_case **out, size_t *n, int unseal);
void cv_case_list_free(cv_case *list, size_t n);

/*
 * Close a case on date (NULL = today).  CV_EREFUSED if already closed.
 * The retention dates of the case's records are worked out again in the
 * same transaction; that unlocks the vault when a class of its records
 * runs from the child's date of birth or the event date (sealed).
 */
int cv_case_close(cv_vault *v, const char *id, const char *date);

/* Reopen a closed case: dates that run from its closure become unknown again (kept). */
int cv_case_reopen(cv_vault *v, const char *id, size_t *changed);

/* Correct the child's date of birth (unlocks) and work the dates out again. */
int cv_case_set_dob(cv_vault *v, const char *id, const char *child_dob, size_t *changed);

#endif
