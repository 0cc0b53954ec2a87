/*
 * casevault - the consent register (docs/legal-rules.md §15): who consented
 * to what being shared, how, when, until when, and its withdrawal.  share
 * relies on it (casevault/share.h).
 */
#ifndef CASEVAULT_CONSENT_H
#define CASEVAULT_CONSENT_H

#include <stddef.h>
#include "date.h"
#include "vault.h"

typedef struct {
	long id;
	char case_id[24];
	char given_by[16];      /* "parent" or "young-person" */
	char how[8];            /* "oral" or "written" */
	char form_record[16];   /* the written form, filed as a record; "" when oral */
	char scope_kind[12];    /* "recipient" or "purpose" */
	char *scope;            /* unsealed, or NULL */
	char given[11];
	char review_due[11];    /* 12 months after given: valid up to and including this day */
	char withdrawn[11];     /* "" while not withdrawn */
	char withdrawn_by[32];
	char recorded_by[32];
	char recorded_at[32];
} cv_consent;

typedef struct {
	const char *case_id;
	const char *recipient;    /* exactly one of recipient and purpose */
	const char *purpose;
	const char *written;      /* the written form's record id, or NULL for oral consent */
	const char *given;        /* YYYY-MM-DD, NULL: today */
	const char *by;           /* "parent", "young-person" or NULL: worked out from the child's age */
} cv_consent_opts;

/* Record a consent (unlocks: the scope is sealed); *id_out gets its number. */
int cv_consent_add(cv_vault *v, const cv_consent_opts *o, long *id_out);
/* The consents of case_id, oldest first (freed with cv_consent_list_free). */
int cv_consent_list(cv_vault *v, const char *case_id, cv_consent **out, size_t *n);
/* The consents not withdrawn whose review is due within days of today (or past), of the cases the actor sees. */
int cv_consent_due(cv_vault *v, int days, cv_consent **out, size_t *n);
/* Withdraw consent id on date (NULL: today).  CV_ENOTFOUND, CV_EREFUSED when already withdrawn. */
int cv_consent_withdraw(cv_vault *v, long id, const char *date);
void cv_consent_list_free(cv_consent *list, size_t n);
/* "valid", "expired" (today after review_due) or "withdrawn". */
const char *cv_consent_status(const cv_consent *c, const cv_date *today);

#endif
