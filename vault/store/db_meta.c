/* casevault - meta, counters, policy_versions (db_meta.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "store/db_meta.h"
#include "store/index.h"

int cv_db_meta_get(cv_vault *v, const char *key, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	int found;

	out[0] = '\0';
	if ((found = cv_index_one(v, &st, "SELECT value FROM meta WHERE key = ?", "t", key)) > 0)
		cv_col_copy(st, 0, out, outlen);
	sqlite3_finalize(st);
	return found;
}

int cv_db_meta_set(cv_vault *v, const char *key, const char *value, int replace, const char *what)
{
	return cv_index_run(v, what, replace ? "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)" :
			    "INSERT INTO meta(key, value) VALUES(?, ?)", "tt", key, value);
}

int cv_db_meta_counter_peek(cv_vault *v, const char *name, long *next)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT value + 1 FROM counters WHERE name = ?", "t", name)) < 0)
		return r;
	*next = r ? (long)sqlite3_column_int64(st, 0) : 1;
	sqlite3_finalize(st);
	return 0;
}

int cv_db_meta_counter_set(cv_vault *v, const char *name, long value)
{
	return cv_index_run(v, "update the index", "UPDATE counters SET value = ? WHERE name = ?", "lt", value, name);
}

int cv_db_meta_policy_known(cv_vault *v, const char *hash)
{
	sqlite3_stmt *st = NULL;
	int known = cv_index_one(v, &st, "SELECT 1 FROM policy_versions WHERE hash = ?", "t", hash);

	sqlite3_finalize(st);
	return known;
}

int cv_db_meta_policy_insert(cv_vault *v, const char *hash, const char *retention, size_t rlen,
			     const char *filetypes, size_t flen, const char *first_used)
{
	return cv_index_run(v, "keep the policy version",
		"INSERT OR IGNORE INTO policy_versions(hash, retention, filetypes, first_used) VALUES(?,?,?,?)",
		"tTTt", hash, retention, rlen, filetypes, flen, first_used);
}

int cv_db_meta_policy_get(cv_vault *v, const char *hash, cv_db_meta_policy *p)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = cv_index_one(v, &st, "SELECT retention, filetypes, first_used FROM policy_versions WHERE hash = ?",
			      "t", hash)) <= 0)
		return r;
	p->retention = cv_col_dup(st, 0, &p->retention_len);
	p->filetypes = cv_col_dup(st, 1, &p->filetypes_len);
	cv_col_copy(st, 2, p->first_used, sizeof(p->first_used));
	r = p->retention && p->filetypes ? 1 : cv_error(v, CV_ERROR, "out of memory");
	sqlite3_finalize(st);
	if (r < 0)
		cv_db_meta_policy_release(p);
	return r;
}

void cv_db_meta_policy_release(cv_db_meta_policy *p)
{
	free(p->retention);
	free(p->filetypes);
	p->retention = p->filetypes = NULL;
}

void cv_db_meta_close(cv_vault *v)
{
	if (v->db)
		sqlite3_close(v->db);
	v->db = NULL;
}

/*
 * The index as found on disk, read on a connection of its own before
 * cv_index_open, which would lay a new schema into an empty file
 * (docs/recovery.md, A lost or damaged index).  No SQLITE_OPEN_CREATE: a
 * missing file stays missing.  The probe reads the schema version and the
 * five tables every vault has had since migration 1; it writes nothing.
 * When it finds a vault and keep is given, the connection becomes keep's
 * and cv_index_open goes on with it: SQLite reads the schema once per
 * command, not twice (docs/service.md, Speed).
 */
int cv_db_meta_probe(const char *dbpath, int *version, char *why, size_t whylen, cv_vault *keep)
{
	static const char sql[] =
		"SELECT (SELECT user_version FROM pragma_user_version),"
		" (SELECT count(*) FROM sqlite_master WHERE type = 'table'"
		"  AND name IN ('meta', 'staff', 'receipts', 'archives', 'records'))";
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc, r = CV_ECORRUPT;

	*version = 0;
	snprintf(why, whylen, "cannot be opened");
	rc = sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc == SQLITE_OK) {
		/* another command may be committing: wait as the vault's own connection does */
		sqlite3_busy_timeout(db, 10000);
		rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	}
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		r = *version > 0 && sqlite3_column_int(st, 1) == 5;
	} else if (db) {
		snprintf(why, whylen, "%s", sqlite3_errmsg(db));
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			r = CV_ELOCKED;
		else if (rc != SQLITE_CORRUPT && rc != SQLITE_NOTADB)
			r = CV_ERROR;
	}
	sqlite3_finalize(st);
	if (r == 1 && keep && !keep->db)
		keep->db = db;
	else
		sqlite3_close(db);
	return r;
}
