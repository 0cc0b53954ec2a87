/*
 * casevault - the intake tray's rows (casevault/intake.h): table intake in
 * vault.db (clear: id, arrival, size bucket, type, source; sealed under
 * the item's own deposit sealing key: its exact size and original name),
 * and each item's wrapped key in the key store, table ks.intake_keys, so
 * that a backup of vault.db holds no key that opens an item and deleting
 * the key erases it (docs/architecture.md, Keys; docs/intake.md).
 *
 * Like archive keys (store/keystore.h), a key is committed before the row
 * that needs it and deleted after the commit that stopped needing it; a key
 * with no row is an orphan, swept under the writer lock.
 */
#ifndef CV_STORE_DB_INTAKE_H
#define CV_STORE_DB_INTAKE_H

#include <stddef.h>
#include <stdint.h>
#include "base/handle.h"

typedef struct {
	char id[16];
	char arrived[32];
	int64_t size_bucket;
	char mime[96];
	int key_gen;
	unsigned char *sealed;   /* malloc'd */
	size_t sealed_len;
	char source[8];
	char added_by[24];
} cv_db_intake;

/* Under the writer lock, outside a transaction: make ks.intake_keys and sweep keys no item names. */
int cv_db_intake_keys_settle(cv_vault *v);
/* In a transaction that writes only the key store. */
int cv_db_intake_key_put(cv_vault *v, const char *id, const char *wrapped);
/* 1 with out filled, 0 when the item has no key (erased), < 0 on error. */
int cv_db_intake_key_get(cv_vault *v, const char *id, char *out, size_t outlen);
/* After the commit that deleted the row: the key, overwritten (the key store's secure_delete). */
int cv_db_intake_key_delete(cv_vault *v, const char *id);
int cv_db_intake_insert(cv_vault *v, const cv_db_intake *row);
/* 1 with row filled (release it), 0 when there is no such item. */
int cv_db_intake_get(cv_vault *v, const char *id, cv_db_intake *row);
void cv_db_intake_release(cv_db_intake *row);
int cv_db_intake_list(cv_vault *v, cv_db_intake **rows, size_t *n);
void cv_db_intake_list_free(cv_db_intake *rows, size_t n);
/* How many items arrived before the time given (ISO 8601). */
int cv_db_intake_count_before(cv_vault *v, const char *before, size_t *n);
int cv_db_intake_delete(cv_vault *v, const char *id);
/* 1 when any item waits (their keys follow the case key: a rotation must not strand them). */
int cv_db_intake_any(cv_vault *v);

#endif
