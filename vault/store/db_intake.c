/* casevault - the intake tray's rows and keys (db_intake.h). */
#include <stdlib.h>
#include <string.h>

#include "casevault/common.h"
#include "store/db_intake.h"
#include "store/index.h"

int cv_db_intake_keys_settle(cv_vault *v)
{
	int r;

	/* in keys.db, which has no migrations of its own: made on first use, like archive_keys */
	if ((r = cv_index_exec(v, "CREATE TABLE IF NOT EXISTS ks.intake_keys("
			       "  id TEXT PRIMARY KEY, wrapped_key TEXT NOT NULL);")) < 0 ||
	    (r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_index_run(v, "delete intake keys no item uses",
			      "DELETE FROM ks.intake_keys WHERE id NOT IN (SELECT id FROM main.intake)", "")) < 0 ||
	    (r = cv_index_commit(v)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return 0;
}

int cv_db_intake_key_put(cv_vault *v, const char *id, const char *wrapped)
{
	return cv_index_run(v, "store an intake key", "INSERT OR REPLACE INTO ks.intake_keys(id, wrapped_key) VALUES(?,?)",
			    "tt", id, wrapped);
}

int cv_db_intake_key_get(cv_vault *v, const char *id, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	int r;

	out[0] = '\0';
	if ((r = cv_index_exec(v, "CREATE TABLE IF NOT EXISTS ks.intake_keys("
			       "  id TEXT PRIMARY KEY, wrapped_key TEXT NOT NULL);")) < 0 ||
	    (r = cv_index_one(v, &st, "SELECT wrapped_key FROM ks.intake_keys WHERE id = ?", "t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, out, outlen);
	sqlite3_finalize(st);
	return 1;
}

int cv_db_intake_key_delete(cv_vault *v, const char *id)
{
	return cv_index_run(v, "delete an intake key", "DELETE FROM ks.intake_keys WHERE id = ?", "t", id);
}

int cv_db_intake_insert(cv_vault *v, const cv_db_intake *w)
{
	return cv_index_run(v, "add to the intake tray",
			    "INSERT INTO intake(id, arrived, size_bucket, mime, key_gen, sealed, source, added_by)"
			    " VALUES(?,?,?,?,?,?,?,?)", "ttItibtt", w->id, w->arrived, (int64_t)w->size_bucket, w->mime,
			    w->key_gen, w->sealed, w->sealed_len, w->source, w->added_by);
}

#define COLS "SELECT id, arrived, size_bucket, mime, key_gen, sealed, source, added_by FROM intake"

static int fill(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_db_intake *w = item;
	int len = sqlite3_column_bytes(st, 5);

	(void)ctx;
	cv_col_copy(st, 0, w->id, sizeof(w->id));
	cv_col_copy(st, 1, w->arrived, sizeof(w->arrived));
	w->size_bucket = sqlite3_column_int64(st, 2);
	cv_col_copy(st, 3, w->mime, sizeof(w->mime));
	w->key_gen = sqlite3_column_int(st, 4);
	cv_col_copy(st, 6, w->source, sizeof(w->source));
	cv_col_copy(st, 7, w->added_by, sizeof(w->added_by));
	if (!(w->sealed = malloc(len ? (size_t)len : 1)))
		return cv_error(v, CV_ERROR, "out of memory");
	if (len)
		memcpy(w->sealed, sqlite3_column_blob(st, 5), (size_t)len);
	w->sealed_len = (size_t)len;
	return 0;
}

void cv_db_intake_release(cv_db_intake *w)
{
	free(w->sealed);
	w->sealed = NULL;
}

int cv_db_intake_get(cv_vault *v, const char *id, cv_db_intake *row)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(row, 0, sizeof(*row));
	if ((r = cv_index_one(v, &st, COLS " WHERE id = ?", "t", id)) <= 0)
		return r;
	r = fill(v, st, row, NULL);
	sqlite3_finalize(st);
	return r < 0 ? r : 1;
}

void cv_db_intake_list_free(cv_db_intake *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++)
		cv_db_intake_release(&rows[i]);
	free(rows);
}

static void free_rows(void *list, size_t n)
{
	cv_db_intake_list_free(list, n);
}

static const cv_index_list intake_list = { sizeof(cv_db_intake), fill, free_rows };

int cv_db_intake_list(cv_vault *v, cv_db_intake **rows, size_t *n)
{
	return cv_index_collect(v, "list the intake tray", &intake_list, rows, n, NULL, COLS " ORDER BY id", NULL);
}

int cv_db_intake_count_before(cv_vault *v, const char *before, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = cv_index_one(v, &st, "SELECT count(*) FROM intake WHERE arrived < ?", "t", before)) <= 0)
		return r;
	*n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int cv_db_intake_delete(cv_vault *v, const char *id)
{
	int r = cv_index_run(v, "take the item off the intake tray", "DELETE FROM intake WHERE id = ?", "t", id);

	if (r == 0 && sqlite3_changes(v->db) != 1)
		r = cv_error(v, CV_ENOTFOUND, "%s is not in the intake tray (assigned or rejected meanwhile)", id);
	return r;
}

int cv_db_intake_any(cv_vault *v)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM intake LIMIT 1", "");

	sqlite3_finalize(st);
	return r;
}
