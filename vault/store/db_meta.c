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
	int r, found = 0;

	out[0] = '\0';
	if ((r = cv_index_prepare(v, &st, "SELECT value FROM meta WHERE key = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, outlen, "%s", cv_col(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

int cv_db_meta_set(cv_vault *v, const char *key, const char *value, int replace, const char *what)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, replace ? "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)" :
				  "INSERT INTO meta(key, value) VALUES(?, ?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}

int cv_db_meta_counter_peek(cv_vault *v, const char *name, long *next)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT value + 1 FROM counters WHERE name = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	*next = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 1;
	sqlite3_finalize(st);
	return 0;
}

int cv_db_meta_counter_set(cv_vault *v, const char *name, long value)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "UPDATE counters SET value = ? WHERE name = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, value);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, "update the index");
	sqlite3_finalize(st);
	return r;
}

int cv_db_meta_policy_known(cv_vault *v, const char *hash)
{
	sqlite3_stmt *st = NULL;
	int r, known;

	if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM policy_versions WHERE hash = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return known;
}

int cv_db_meta_policy_insert(cv_vault *v, const char *hash, const char *retention, size_t rlen,
			     const char *filetypes, size_t flen, const char *first_used)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"INSERT OR IGNORE INTO policy_versions(hash, retention, filetypes, first_used) VALUES(?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, retention, (int)rlen, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, filetypes, (int)flen, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, first_used, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, "keep the policy version");
	sqlite3_finalize(st);
	return r;
}

/* A copy of text column i with its length; NULL when out of memory. */
static char *column_copy(sqlite3_stmt *st, int i, size_t *len)
{
	const char *t = cv_col(st, i);
	char *c;

	*len = (size_t)sqlite3_column_bytes(st, i);
	if ((c = malloc(*len + 1))) {
		memcpy(c, t, *len);
		c[*len] = '\0';
	}
	return c;
}

int cv_db_meta_policy_get(cv_vault *v, const char *hash, cv_db_meta_policy *p)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = cv_index_prepare(v, &st, "SELECT retention, filetypes, first_used FROM policy_versions WHERE hash = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	r = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->retention = column_copy(st, 0, &p->retention_len);
		p->filetypes = column_copy(st, 1, &p->filetypes_len);
		snprintf(p->first_used, sizeof(p->first_used), "%s", cv_col(st, 2));
		r = p->retention && p->filetypes ? 1 : cv_error(v, CV_ERROR, "out of memory");
	}
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
 */
int cv_db_meta_probe(const char *dbpath, int *version, char *why, size_t whylen)
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
	rc = sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
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
	sqlite3_close(db);
	return r;
}
