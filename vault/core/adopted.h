/*
 * casevault - the adopted policy and the policies of the past, by hash.
 */
#ifndef CV_CORE_ADOPTED_H
#define CV_CORE_ADOPTED_H

#include "base/handle.h"

/* After the policy files loaded: keep their text by hash (the last good policy). */
int cv_retention_remember_policy(cv_vault *v);
int cv_retention_check_adopted(cv_vault *v);  /* files changed and not adopted: run on the adopted policy */
/* When they fail to load: fall back to the last good policy; 0 when it did (a notice says so). */
int cv_retention_policy_fallback(cv_vault *v, const char *why);

/* Policies by hash, loaded from policy_versions on demand (per call). */
typedef struct {
	char hash[65];
	cv_policy *p;          /* NULL when that version is not stored */
} cv_polcache_entry;

typedef struct {
	cv_polcache_entry *e;
	size_t n, cap;
} cv_polcache;

#define CV_POLCACHE_INIT { NULL, 0, 0 }

/* The policy with this hash: the vault's own when it matches, else a stored version, else NULL. */
const cv_policy *cv_polcache_get(cv_vault *v, cv_polcache *c, const char *hash);
void cv_polcache_release(cv_polcache *c);

#endif
