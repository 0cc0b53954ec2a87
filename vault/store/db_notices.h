/*
 * casevault - the case_notices and case_contact tables (casevault/notice.h):
 * dates, ways and versions, no personal data, in clear.
 */
#ifndef CV_STORE_DB_NOTICES_H
#define CV_STORE_DB_NOTICES_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/notice.h"

int cv_db_notice_insert(cv_vault *v, const char *case_id, const char *told, const char *how,
			const char *policy_version, const char *now, long *id);
int cv_db_notice_list(cv_vault *v, const char *case_id, cv_case_notice **out, size_t *n);
/* Insert or replace the case's contact preference. */
int cv_db_contact_set(cv_vault *v, const char *case_id, int message_ok, const char *how, const char *now);
/* 1 with *out filled, 0 when none is recorded. */
int cv_db_contact_get(cv_vault *v, const char *case_id, cv_contact_pref *out);

#endif
