/*
 * casevault - the index side of the schedule key: its row in vault_keys
 * (sealed under the case key) and the move of an older vault's clear
 * retention dates into sealed columns (docs/architecture.md, Sealed columns).
 */
#ifndef CV_STORE_DB_SCHEDULE_H
#define CV_STORE_DB_SCHEDULE_H

#include <stddef.h>
#include "base/handle.h"

/* 1 when the index holds a schedule key, 0 when not (an older vault, or one not yet unlocked). */
int cv_db_schedule_exists(cv_vault *v);
/* Store key_hex (64 hex digits) sealed under the case key; the caller holds the transaction. */
int cv_db_schedule_insert(cv_vault *v, const char *key_hex, const char *now);
/*
 * Seal every clear retention date (records.retain_clear, reviews'
 * retain_clear and until_clear) under the schedule key and empty the clear
 * column, in the caller's transaction; *moved counts the values moved.
 * After the commit the write-ahead log is checkpointed and truncated so
 * that the clear values leave it too (secure_delete zeroes the old cells).
 */
int cv_db_schedule_seal_clear(cv_vault *v, size_t *moved);

/*
 * Seal the exact size of every record of section s still in clear (an older
 * vault's) and leave its bucket in clear (cv_size_bucket), in the caller's
 * transaction; *moved counts them.
 */
int cv_db_sizes_seal(cv_vault *v, cv_section s, size_t *moved);

#endif
