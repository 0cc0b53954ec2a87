/*
 * casevault - what a key rotation rewrites (docs/architecture.md, Keys):
 * every sealed field of the rotated sections, opened and sealed again, and
 * every archive key's wrap.  The caller unlocks the keys and holds the
 * writer lock; the rewrite runs in the caller's transaction.
 */
#ifndef CV_STORE_DB_ROTATE_H
#define CV_STORE_DB_ROTATE_H

#include <stddef.h>
#include "base/handle.h"

/* One sealed field, opened: plain is malloc'd text (wiped by cv_db_rotate_fields_free). */
typedef struct {
	const char *table, *column;   /* from the registry of sealed columns */
	char id[48];
	cv_section sec;
	char *plain;
} cv_db_sealed_field;

/* Open every sealed field of the sections in mask with the keys in hand. */
int cv_db_rotate_open_fields(cv_vault *v, int mask, cv_db_sealed_field **out, size_t *n);
/* Seal each field again with the keys now in hand and store it. */
int cv_db_rotate_reseal(cv_vault *v, const cv_db_sealed_field *f, size_t n);
void cv_db_rotate_fields_free(cv_db_sealed_field *f, size_t n);

typedef struct {
	long long id;
	cv_section sec;
	const char *wrapped;           /* valid during the callback only */
	const char *file;              /* the archive file, bound into its wrap; likewise */
	int gen;
} cv_db_archive_key;

/* Every archive's wrapped key, by archive id; fn returns <0 to stop (and that is returned). */
int cv_db_rotate_archive_keys(cv_vault *v, int (*fn)(void *hook, const cv_db_archive_key *k), void *hook);
/*
 * The archive's key is now wrapped under generation gen: its wrap must be in
 * the key store already (store/keystore.h, committed first).
 */
int cv_db_rotate_set_gen(cv_vault *v, long long id, int gen);
/* Empty the write-ahead log so that it holds no old key material either. */
void cv_db_rotate_checkpoint(cv_vault *v);

#endif
