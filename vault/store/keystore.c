/* casevault - the key store, VAULT/keys.db (keystore.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "store/index.h"
#include "store/keystore.h"

/* 1 when the index names archives whose keys must be in the key store. */
static int index_needs_keystore(cv_vault *v)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM main.archives WHERE wrapped_key = '' LIMIT 1")) < 0)
		return r;
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

int cv_keystore_attach(cv_vault *v)
{
	char *p;
	int fd, r;

	if (asprintf(&p, "%s/keys.db", v->path) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	/* never a new, empty key store under archives whose keys it held (like the index, vault.c) */
	if (access(p, F_OK) < 0 && (r = index_needs_keystore(v)) != 0) {
		if (r > 0)
			r = cv_error(v, CV_ECORRUPT, "the vault's key store %s is missing: restore keys.db from a "
				     "key-store backup (docs/recovery.md, Backups and restoring)", p);
		free(p);
		return r;
	}
	/* made by us so that it is 0600 from its first byte, like vault.db */
	fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = cv_error(v, CV_ERROR, "cannot open the key store %s: %s", p, strerror(errno));
		free(p);
		return r;
	}
	close(fd);
	r = cv_index_run(v, "attach the key store", "ATTACH DATABASE ? AS ks", "t", p);
	free(p);
	if (r < 0)
		return r;
	/* secure_delete: a destroyed key is overwritten, not left in a free page */
	return cv_index_exec(v,
		"PRAGMA ks.journal_mode = WAL;"
		"PRAGMA ks.secure_delete = ON;"
		"CREATE TABLE IF NOT EXISTS ks.archive_keys("
		"  file TEXT NOT NULL, key_gen INTEGER NOT NULL, wrapped_key TEXT NOT NULL,"
		"  PRIMARY KEY(file, key_gen));");
}

int cv_keystore_put(cv_vault *v, const char *file, int gen, const char *wrapped)
{
	return cv_index_run(v, "store an archive key",
			    "INSERT OR REPLACE INTO ks.archive_keys(file, key_gen, wrapped_key) VALUES(?,?,?)",
			    "tit", file, gen, wrapped);
}

/*
 * Copy the key store's committed log into keys.db now (PASSIVE: never waits
 * for a reader), while the caller waits for something else: otherwise
 * closing the connection does it, two fsyncs on the command's critical path.
 * Only moves what is durable already; a failure leaves it to the close.
 */
void cv_keystore_flush(cv_vault *v)
{
	sqlite3_wal_checkpoint_v2(v->db, "ks", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static int in_one_tx(cv_vault *v, const char *what, const char *sql)
{
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_index_run(v, what, sql, "")) < 0 || (r = cv_index_commit(v)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return 0;
}

int cv_keystore_sweep(cv_vault *v)
{
	int r;

	if ((r = in_one_tx(v, "delete keys no archive uses",
		"DELETE FROM ks.archive_keys WHERE NOT EXISTS (SELECT 1 FROM main.archives a"
		" WHERE a.file = archive_keys.file AND a.key_gen = archive_keys.key_gen)")) < 0)
		return r;
	return 0;
}

int cv_keystore_drop_shredded(cv_vault *v)
{
	return cv_index_run(v, "delete the keys of erased archives",
			    "DELETE FROM ks.archive_keys WHERE file IN (SELECT file FROM main.shred)", "");
}

/* Keys of a vault made before the key store: moved in two steps, each one commit. */
static int move_old_keys(cv_vault *v)
{
	sqlite3_stmt *st = NULL;
	int r, any;

	if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM main.archives WHERE wrapped_key != '' LIMIT 1")) < 0)
		return r;
	any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!any)
		return 0;
	if ((r = in_one_tx(v, "copy archive keys to the key store",
		"INSERT OR IGNORE INTO ks.archive_keys(file, key_gen, wrapped_key)"
		" SELECT file, key_gen, wrapped_key FROM main.archives WHERE wrapped_key != ''")) < 0)
		return r;
	cv_crashpoint("keystore-moved-copied");
	if ((r = in_one_tx(v, "remove archive keys from the index",
		"UPDATE main.archives SET wrapped_key = '' WHERE wrapped_key != ''")) < 0)
		return r;
	cv_crashpoint("keystore-moved-blanked");
	return 1;
}

int cv_keystore_settle(cv_vault *v)
{
	int moved, r;

	if ((moved = move_old_keys(v)) < 0)
		return moved;
	if ((r = cv_keystore_sweep(v)) < 0)
		return r;
	/*
	 * secure_delete zeroed the bytes of what was deleted or blanked; the
	 * checkpoint moves that into the files.  A reader can hold it off: the
	 * purge and rotation checkpoint again themselves.
	 */
	if (moved || sqlite3_changes(v->db))
		cv_index_checkpoint(v);
	return 0;
}
