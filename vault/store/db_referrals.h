/*
 * casevault - the referrals table (casevault/refer.h): the agency, reason
 * and legal basis sealed under the child-protection key (docs/architecture.md,
 * Sealed columns), the record ids in clear.
 */
#ifndef CV_STORE_DB_REFERRALS_H
#define CV_STORE_DB_REFERRALS_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/refer.h"

/* A new referral row; ref's text fields are sealed, records is the id list; *id gets its number. */
int cv_db_referral_insert(cv_vault *v, const cv_referral_new *ref, const char *records, const char *date,
			  const char *now, long *id);
/* Referrals of case_id (NULL: all), newest first, sealed fields opened. */
int cv_db_referral_list(cv_vault *v, const char *case_id, cv_referral **out, size_t *n);
void cv_db_referral_list_free(cv_referral *list, size_t n);

#endif
