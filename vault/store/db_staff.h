/*
 * casevault - the staff and attestations tables: who may act, with which
 * key and role, and when they last agreed to the confidentiality policy
 * (docs/legal-rules.md).  Names are sealed (store/sealed.h).
 */
#ifndef CV_STORE_DB_STAFF_H
#define CV_STORE_DB_STAFF_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/staff.h"

typedef struct {
	char id[16];
	char fpr[48];
	char role[16];
	int revoked;           /* 1 when revoked */
} cv_db_staff_actor;

/*
 * The staff member id, or (id NULL) the active ones registered for OS user
 * uid, in order: at most max rows into rows, *n the count found (up to max).
 */
int cv_db_staff_actors(cv_vault *v, const char *id, long uid, cv_db_staff_actor *rows, size_t max, size_t *n);

typedef struct {
	const char *id, *role, *fpr;
	long seq;
	long os_uid;           /* -1: none */
	const char *name;      /* sealed under the case section; NULL: none */
	const char *created;
} cv_db_staff_new;

/* Insert a staff row; what names the action in an error. */
int cv_db_staff_insert(cv_vault *v, const cv_db_staff_new *s, const char *what);
/* Seal and store id's name (the case section key is unlocked). */
int cv_db_staff_set_name(cv_vault *v, const char *id, const char *name);
/* Every staff member, in order, with their latest attestation; names unsealed when unseal. */
int cv_db_staff_list(cv_vault *v, int unseal, cv_staff **out, size_t *n);
void cv_db_staff_list_free(cv_staff *list, size_t n);
/* 0: no such staff member, 1: revoked, 2: active; <0 on error. */
int cv_db_staff_state(cv_vault *v, const char *id);

typedef struct {
	char fpr[48];
	char role[16];
	int active;            /* not revoked */
	int managers;          /* active managers, id included */
} cv_db_staff_facts;

/* What revoking id depends on: 1 with *f set, 0 when there is no such staff member. */
int cv_db_staff_facts_get(cv_vault *v, const char *id, cv_db_staff_facts *f);
int cv_db_staff_mark_revoked(cv_vault *v, const char *id, const char *when);
/* The active staff members but skip, in no set order; fn returns <0 to stop. */
int cv_db_staff_each_active(cv_vault *v, const char *skip,
			    int (*fn)(void *hook, const char *id, const char *role, const char *fpr), void *hook);

/* id's latest attestation: date ("" without one) and version (may be NULL). */
int cv_db_staff_latest_attestation(cv_vault *v, const char *id, char date[11], char version[32]);
/* Record an attestation; what names the action in an error. */
int cv_db_staff_attest_insert(cv_vault *v, const char *id, const char *date, const char *version,
			      const char *by, const char *at, const char *what);

#endif
