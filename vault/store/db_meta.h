/*
 * casevault - the vault's own facts in the index: the meta table (the
 * adopted policy, the test clock, the day of the last purge), the id
 * counters, and the text of every policy the vault has used
 * (policy_versions, docs/legal-rules.md §14); and closing the index.
 */
#ifndef CV_STORE_DB_META_H
#define CV_STORE_DB_META_H

#include <stddef.h>
#include "base/handle.h"

/* The value of key into out: 1 when there is one, 0 when not ("" in out), <0 on error. */
int cv_db_meta_get(cv_vault *v, const char *key, char *out, size_t outlen);
/* Store key = value (replacing any value when replace is set); what names the action in an error. */
int cv_db_meta_set(cv_vault *v, const char *key, const char *value, int replace, const char *what);

/* The id counter name would give next, without taking it (1 without a row). */
int cv_db_meta_counter_peek(cv_vault *v, const char *name, long *next);
int cv_db_meta_counter_set(cv_vault *v, const char *name, long value);

/* A policy kept by hash; texts malloc'd, free with cv_db_meta_policy_release. */
typedef struct {
	char *retention, *filetypes;
	size_t retention_len, filetypes_len;
	char first_used[32];
} cv_db_meta_policy;

/* 1 when the policy with this hash is kept, 0 when not, <0 on error. */
int cv_db_meta_policy_known(cv_vault *v, const char *hash);
/* Keep a policy's text (nothing when the hash is kept already). */
int cv_db_meta_policy_insert(cv_vault *v, const char *hash, const char *retention, size_t rlen,
			     const char *filetypes, size_t flen, const char *first_used);
/* The policy with this hash: 1 with *p filled, 0 when not kept, <0 on error. */
int cv_db_meta_policy_get(cv_vault *v, const char *hash, cv_db_meta_policy *p);
void cv_db_meta_policy_release(cv_db_meta_policy *p);

/* Close the index connection (the handle is being closed). */
void cv_db_meta_close(cv_vault *v);

/*
 * Read the index file at dbpath without using it (and without creating
 * it): 1 when it holds a vault's schema (its version in *version), 0 when
 * it holds none (an empty file), CV_ECORRUPT when SQLite cannot read it
 * (truncated or damaged), CV_ELOCKED or CV_ERROR otherwise; why gets
 * SQLite's reason.  With keep, a vault's connection is kept as keep->db
 * for cv_index_open.
 */
int cv_db_meta_probe(const char *dbpath, int *version, char *why, size_t whylen, cv_vault *keep);

#endif
