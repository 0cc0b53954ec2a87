/*
 * casevault - private declarations shared by retention.c and purge.c.
 */
#ifndef CV_RETENTION_PRIV_H
#define CV_RETENTION_PRIV_H

#include "internal.h"
#include "casevault/date.h"
#include "casevault/retention.h"

/* Policies by hash, loaded from policy_versions on demand (per call). */
typedef struct {
	char hash[65];
	cv_policy *p;          /* NULL when that version is not stored */
} cv_polcache_entry;

typedef struct {
	cv_polcache_entry *e;
	size_t n;
} cv_polcache;

#define CV_POLCACHE_INIT { NULL, 0 }

/* The policy with this hash: the vault's own when it matches, else a stored version, else NULL. */
const cv_policy *cv_polcache_get(cv_vault *v, cv_polcache *c, const char *hash);
void cv_polcache_release(cv_polcache *c);

/* "case-closed+6y; event-date+6y" */
void cv_rules_text(const cv_class *cls, char *out, size_t len);

/*
 * The plan: every record due on as_of ("YYYY-MM-DD") with its status, and
 * for each whether its whole archive goes.  No unlock, no write.
 */
int cv_retention_plan(cv_vault *v, const char *as_of, cv_polcache *pc, cv_due **out, size_t *n);

/* Today, or as_of checked ("YYYY-MM-DD" out). */
int cv_retention_as_of(cv_vault *v, const char *as_of, int allow_future, char out[11]);

#endif
