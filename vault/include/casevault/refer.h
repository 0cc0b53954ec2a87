/*
 * casevault - child-protection referrals (docs/legal-rules.md §16): the
 * override that lets the office pass a concern to the local authority's
 * child protection officer without consent, logged with who, to whom, why,
 * under which legal basis and exactly which records.  A register, kept
 * apart from subject access requests; see docs/commands/refer.md.
 */
#ifndef CASEVAULT_REFER_H
#define CASEVAULT_REFER_H

#include <stddef.h>
#include "vault.h"

typedef struct {
	long id;
	char case_id[24];
	char date[11];        /* the day of the referral */
	char by[24];          /* the cp-lead or manager who made it */
	char at[32];          /* when it was recorded (UTC) */
	char *records;        /* the record ids referred, space-separated */
	char *agency;         /* sealed under the cp key: NULL when not opened */
	char *reason;
	char *basis;
} cv_referral;

typedef struct {
	const char *case_id, *agency, *reason, *basis;
	const char *const *records;  /* record ids of the case, at least one */
	size_t nrecords;
	const char *date;            /* NULL: today */
} cv_referral_new;

/* Record a referral (cp-lead or manager); *id gets its number.  Audited with the record ids. */
int cv_refer(cv_vault *v, const cv_referral_new *ref, long *id);
/* Referrals, of one case (case_id) or all (NULL), newest first, with their sealed fields opened. */
int cv_refer_list(cv_vault *v, const char *case_id, cv_referral **out, size_t *n);
void cv_refer_list_free(cv_referral *list, size_t n);

#endif
