/*
 * casevault - consistent copies of the index and the key store for a backup
 * (ops/backup.c), with SQLite's online backup API, and the checks a backup
 * and a restore make on such copies (docs/recovery.md, Backups).
 */
#ifndef CV_STORE_DB_BACKUP_H
#define CV_STORE_DB_BACKUP_H

#include "base/handle.h"

/*
 * Copy schema ("main": vault.db, "ks": keys.db) of v's open connection into
 * the new file dest (0600; must not exist) in one step, so the copy is one
 * committed state; readers of the vault are not held up (WAL).
 */
int cv_db_snapshot(cv_vault *v, const char *schema, const char *dest);

/* Called for each archive the index copy names: its file and SHA-256. */
typedef int (*cv_db_archive_fn)(void *hook, const char *file, const char *sha256);

/*
 * Check a copy of the index at index_path: SQLite's integrity check, then
 * fn for each archive row.  With keys_path (a copy of the key store), also
 * its integrity check and that it holds the key of every archive the index
 * names whose key is not in the index itself (vaults from before the key
 * store).  CV_ECORRUPT with a one-line message on v when a check fails.
 */
int cv_db_backup_check(cv_vault *v, const char *index_path, const char *keys_path, cv_db_archive_fn fn, void *hook);

#endif
