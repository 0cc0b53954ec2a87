/*
 * casevault - the grants table: signed statements of who holds which role,
 * sections and key (core/grants.c; docs/architecture.md, Keys).  The store
 * only keeps the rows; what makes a grant valid is its signature, checked
 * in core/.  A grant is never edited: a change is a new row.
 */
#ifndef CV_STORE_DB_GRANTS_H
#define CV_STORE_DB_GRANTS_H

#include <stddef.h>
#include "base/handle.h"

typedef struct {
	long seq;
	char staff_id[16];
	char fpr[48];
	char signer[48];
	char *statement;       /* canonical JSON, malloc'd */
	char *sig;             /* armored detached signature, malloc'd */
} cv_db_grant;

void cv_db_grant_release(cv_db_grant *g);
/* The newest grant of staff_id: 1 with *g filled (release it), 0 without one, <0 on error. */
int cv_db_grants_latest(cv_vault *v, const char *staff_id, cv_db_grant *g);
/* The newest grant naming key fpr (whoever holds it): 1, 0 or <0 as above. */
int cv_db_grants_latest_by_fpr(cv_vault *v, const char *fpr, cv_db_grant *g);
/* The sequence number the next grant takes (1 for the first). */
int cv_db_grants_next_seq(cv_vault *v, long *seq);
/* The number of grants and the highest sequence number (0 and 0 when none). */
int cv_db_grants_count(cv_vault *v, long *count, long *max_seq);
int cv_db_grants_insert(cv_vault *v, const cv_db_grant *g, const char *created);
/* Every staff member's newest grant, staff in order; fn returns <0 to stop. */
int cv_db_grants_each_current(cv_vault *v, int (*fn)(void *hook, const cv_db_grant *g), void *hook);
/* Every staff row: id, role, fpr, os_uid (-1: none), revoked (1/0); fn returns <0 to stop. */
int cv_db_grants_each_staff(cv_vault *v, int (*fn)(void *hook, const char *id, const char *role,
						     const char *fpr, long os_uid, int revoked), void *hook);

#endif
