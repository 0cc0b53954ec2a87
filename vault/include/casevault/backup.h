/*
 * casevault - backup and restore (docs/commands/backup.md, restore.md,
 * docs/recovery.md).  A backup is two files, each an OpenPGP message
 * encrypted with the office's backup passphrase and holding a tar archive:
 * the data backup (vault.db, archives, staff keys, certificates, policies),
 * which holds no usable archive key, and the key-store backup (keys.db),
 * kept only for the policy's keystore_backup_days (docs/architecture.md,
 * Keys).
 */
#ifndef CASEVAULT_BACKUP_H
#define CASEVAULT_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include "vault.h"

typedef struct {
	const char *dest;        /* the data backup file to write (must not exist) */
	const char *keys_dest;   /* the key-store backup file, or NULL for none */
	const char *secret;      /* the backup passphrase */
} cv_backup_opts;

typedef struct {
	size_t archives;         /* archive files in the data backup */
	size_t files;            /* members of the data backup in all */
	int64_t bytes;           /* size of the data backup file */
	int64_t key_bytes;       /* size of the key-store backup file (0: none) */
	char sha256[65];         /* of the data backup file */
	char keys_sha256[65];
} cv_backup_result;

/*
 * Back up the open vault (managers only): the index and the key store are
 * copied with SQLite's backup API, and the archives linked, under the
 * writer lock (a filing waits, readers do not); then each file is written
 * encrypted to a temporary name, synced, renamed, and read back and checked.
 */
int cv_backup(cv_vault *v, const cv_backup_opts *o, cv_backup_result *res);

/*
 * Restore a data backup and a key-store backup into dir, which must not
 * exist or be empty (never over a vault), then check it: the index's and
 * key store's integrity, every archive's hash, every archive's key.  On
 * failure nothing is left in dir; err gets one line.
 */
int cv_restore(const char *backup, const char *keys, const char *dir, const char *secret,
	       cv_backup_result *res, char *err, size_t errlen);

#endif
