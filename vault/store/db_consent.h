/* casevault - the consents table (docs/legal-rules.md §15; ops/consent.c). */
#ifndef CV_STORE_DB_CONSENT_H
#define CV_STORE_DB_CONSENT_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/consent.h"

/* Insert c (its scope sealed under the case key); *id_out gets the new id. */
int cv_db_consent_insert(cv_vault *v, const cv_consent *c, long *id_out);
/*
 * Consents, oldest first: of case_id (NULL: every case), and when due is
 * given only those not withdrawn with review_due on or before it.  Scopes
 * are opened when unseal.
 */
int cv_db_consent_list(cv_vault *v, const char *case_id, const char *due, int unseal, cv_consent **out, size_t *n);
/* Consent id: 1 with *out filled (scope not opened), 0 when there is none. */
int cv_db_consent_get(cv_vault *v, long id, cv_consent *out);
int cv_db_consent_withdraw(cv_vault *v, long id, const char *date, const char *by);
/* 1 when record_id is a record of case_id's case file, else 0. */
int cv_db_consent_form_ok(cv_vault *v, const char *record_id, const char *case_id);

#endif
