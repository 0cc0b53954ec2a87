/* casevault - the schedule key's row and the move to sealed dates (db_schedule.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "store/db_schedule.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_schedule_exists(cv_vault *v)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM vault_keys WHERE id = 'schedule'", NULL);

	sqlite3_finalize(st);
	return r;
}

int cv_db_schedule_insert(cv_vault *v, const char *key_hex, const char *now)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, "INSERT INTO vault_keys(id, section, key, created) VALUES('schedule', 'case', ?, ?)",
				"-t", now)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 1, CV_SECTION_CASE, "vault_keys", "key", "schedule", key_hex)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "store the schedule key");
}

static int checkpoint(cv_vault *v)
{
	cv_index_exec(v, "PRAGMA wal_checkpoint(TRUNCATE)");
	return 0;
}

/* One clear value of table.column (id col 0, the value col 1) sealed into column, the clear one set to empty. */
struct move {
	const char *what, *select, *update, *table, *column;
};

static const struct move moves[] = {
	{ "seal the retention dates", "SELECT id, retain_clear FROM records WHERE retain_clear IS NOT NULL",
	  "UPDATE records SET retain_until = ?, retain_clear = NULL WHERE id = ?", "records", "retain_until" },
	{ "seal the review dates", "SELECT id, retain_clear FROM reviews WHERE retain_clear <> ''",
	  "UPDATE reviews SET retain_until = ?, retain_clear = '' WHERE id = ?", "reviews", "retain_until" },
	{ "seal the review dates", "SELECT id, until_clear FROM reviews WHERE until_clear IS NOT NULL",
	  "UPDATE reviews SET until = ?, until_clear = NULL WHERE id = ?", "reviews", "until" },
};

static int move_one(cv_vault *v, const struct move *m, const char *id, const char *date)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, m->update, "-t", id)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 1, CV_SEAL_SCHEDULE, m->table, m->column, id, date)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, m->what);
}

/* A row's id and one clear value, read before any update (none runs under the scan of its own table). */
typedef struct {
	char id[32], val[24];
} clear_row;

/* Step st (prepared and bound) into *rows, then finalize it; free(*rows) after wiping it. */
static int read_clear(cv_vault *v, sqlite3_stmt *st, clear_row **rows, size_t *n)
{
	size_t cap = 0;
	int r = 0;

	*rows = NULL;
	*n = 0;
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		if (CV_ARRAY_GROW(rows, &cap, *n) < 0) {
			r = cv_error(v, CV_ERROR, "out of memory");
			break;
		}
		cv_col_copy(st, 0, (*rows)[*n].id, sizeof((*rows)[*n].id));
		cv_col_copy(st, 1, (*rows)[*n].val, sizeof((*rows)[*n].val));
		(*n)++;
	}
	sqlite3_finalize(st);
	return r;
}

static void free_clear(clear_row *rows, size_t n)
{
	if (rows)
		explicit_bzero(rows, n * sizeof(*rows));
	free(rows);
}

static int move_column(cv_vault *v, const struct move *m, size_t *moved)
{
	sqlite3_stmt *st = NULL;
	clear_row *rows;
	size_t n, i;
	int r;

	if ((r = cv_index_prepare(v, &st, m->select)) < 0)
		return r;
	r = read_clear(v, st, &rows, &n);
	for (i = 0; r == 0 && i < n; i++)
		if ((r = move_one(v, m, rows[i].id, rows[i].val)) == 0)
			(*moved)++;
	free_clear(rows, n);
	return r;
}

static int seal_size(cv_vault *v, cv_section s, const char *id, const char *exact)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, "UPDATE records SET size_sealed = ?, size = ? WHERE id = ?", "-It",
				(sqlite3_int64)cv_size_bucket(strtoll(exact, NULL, 10)), id)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 1, s, "records", "size_sealed", id, exact)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "seal the record sizes");
}

int cv_db_sizes_seal(cv_vault *v, cv_section s, size_t *moved)
{
	sqlite3_stmt *st = NULL;
	clear_row *rows;
	size_t n, i;
	int r;

	*moved = 0;
	if ((r = cv_index_query(v, &st, "SELECT id, size FROM records INDEXED BY records_size_clear"
				" WHERE section = ? AND size_sealed IS NULL", "t", cv_section_name(s))) < 0)
		return r;
	r = read_clear(v, st, &rows, &n);
	for (i = 0; r == 0 && i < n; i++)
		r = seal_size(v, s, rows[i].id, rows[i].val);
	free_clear(rows, n);
	*moved = r == 0 ? n : 0;
	return n && r == 0 ? cv_index_on_commit(v, checkpoint) : r;
}

int cv_db_schedule_seal_clear(cv_vault *v, size_t *moved)
{
	size_t i;
	int r;

	*moved = 0;
	for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		if ((r = move_column(v, &moves[i], moved)) < 0)
			return r;
	return *moved ? cv_index_on_commit(v, checkpoint) : 0;
}
