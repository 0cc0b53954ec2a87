/* casevault - index and key-store copies for backups (db_backup.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "store/db_backup.h"
#include "store/index.h"

int cv_db_snapshot(cv_vault *v, const char *schema, const char *dest)
{
	sqlite3 *out = NULL;
	sqlite3_backup *b;
	int fd, rc;

	/* made by us so that it is 0600 from its first byte, like vault.db */
	fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cv_error(v, CV_ERROR, "cannot create %s: %s", dest, strerror(errno));
	close(fd);
	if (sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = cv_error(v, CV_ERROR, "cannot open %s: %s", dest, out ? sqlite3_errmsg(out) : "out of memory");
		sqlite3_close(out);
		return rc;
	}
	b = sqlite3_backup_init(out, "main", v->db, schema);
	if (!b) {
		rc = cv_error(v, CV_ERROR, "cannot copy the %s: %s", strcmp(schema, "ks") ? "index" : "key store",
			      sqlite3_errmsg(out));
		sqlite3_close(out);
		return rc;
	}
	rc = sqlite3_backup_step(b, -1);  /* every page at once: one consistent state */
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		rc = cv_error(v, CV_ERROR, "cannot copy the %s: %s", strcmp(schema, "ks") ? "index" : "key store",
			      sqlite3_errstr(rc));
		sqlite3_close(out);
		return rc;
	}
	/* a copy in rollback-journal mode: one file, nothing beside it */
	rc = sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close(out);
	return rc == SQLITE_OK ? 0 : cv_error(v, CV_ERROR, "cannot finish the copy %s", dest);
}

/* "ok" from PRAGMA integrity_check on db, else CV_ECORRUPT naming what. */
static int integrity(cv_vault *v, sqlite3 *db, const char *schema, const char *what)
{
	sqlite3_stmt *st = NULL;
	char sql[64];
	int ok;

	snprintf(sql, sizeof(sql), "PRAGMA %s.integrity_check", schema);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ECORRUPT, "%s is not an SQLite database: %s", what, sqlite3_errmsg(db));
	}
	ok = sqlite3_step(st) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0) ?
						       (const char *)sqlite3_column_text(st, 0) : "", "ok");
	sqlite3_finalize(st);
	return ok ? 0 : cv_error(v, CV_ECORRUPT, "%s fails SQLite's integrity check", what);
}

static int each_archive(cv_vault *v, sqlite3 *db, cv_db_archive_fn fn, void *hook)
{
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if (sqlite3_prepare_v2(db, "SELECT file, sha256 FROM main.archives ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ECORRUPT, "the index copy has no archives table: %s", sqlite3_errmsg(db));
	}
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(hook, cv_col(st, 0), cv_col(st, 1));
	sqlite3_finalize(st);
	return r;
}

/* The number of archives of the index whose key neither it nor the key store holds. */
static int keys_missing(cv_vault *v, sqlite3 *db, const char *keys_path)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(db, "ATTACH DATABASE ? AS ks", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, keys_path, -1, SQLITE_TRANSIENT) == SQLITE_OK)
		sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (integrity(v, db, "ks", "the key-store copy") < 0)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM main.archives a WHERE a.wrapped_key = '' AND NOT EXISTS"
			       " (SELECT 1 FROM ks.archive_keys k WHERE k.file = a.file AND k.key_gen = a.key_gen)",
			       -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (n < 0)
		return cv_error(v, CV_ECORRUPT, "the key-store copy has no archive keys table");
	return n ? cv_error(v, CV_ECORRUPT, "the key-store copy lacks the keys of %d archive%s the index names",
			    n, n == 1 ? "" : "s") : 0;
}

int cv_db_backup_check(cv_vault *v, const char *index_path, const char *keys_path, cv_db_archive_fn fn, void *hook)
{
	sqlite3 *db = NULL;
	int r;

	if (sqlite3_open_v2(index_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		r = cv_error(v, CV_ECORRUPT, "cannot open the index copy %s", index_path);
		sqlite3_close(db);
		return r;
	}
	r = integrity(v, db, "main", "the index copy");
	if (r == 0 && fn)
		r = each_archive(v, db, fn, hook);
	if (r == 0 && keys_path)
		r = keys_missing(v, db, keys_path);
	sqlite3_close(db);
	return r;
}
