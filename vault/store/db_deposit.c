/* casevault - the deposits table (db_deposit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_deposit.h"
#include "store/index.h"

#define DEP_COLS "file, case_id, section, key_gen, wrapped_key, compression, size, sha256, receipt_id," \
	" policy_hash, filed_by, created, records"

int cv_db_deposit_insert(cv_vault *v, const cv_db_deposit *d)
{
	return cv_index_run(v, "record a deposit",
		"INSERT INTO deposits(" DEP_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", "tttittItItttb",
		d->file, d->case_id, cv_section_name(d->section), d->key_gen, d->wrapped_key,
		d->compressed ? "zstd" : "none", (sqlite3_int64)d->size, d->sha256,
		(sqlite3_int64)d->receipt_id, d->policy_hash, d->filed_by, d->created,
		d->records, d->records_len);
}

int cv_db_deposit_any(cv_vault *v)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM deposits LIMIT 1", "");

	sqlite3_finalize(st);
	return r;
}

static int fill(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_db_deposit *d = item;
	int n = sqlite3_column_bytes(st, 12);

	(void)ctx;
	cv_col_copy(st, 0, d->file, sizeof(d->file));
	cv_col_copy(st, 1, d->case_id, sizeof(d->case_id));
	cv_section_parse(&d->section, cv_col(st, 2));
	d->key_gen = sqlite3_column_int(st, 3);
	cv_col_copy(st, 4, d->wrapped_key, sizeof(d->wrapped_key));
	d->compressed = !strcmp(cv_col(st, 5), "zstd");
	d->size = sqlite3_column_int64(st, 6);
	cv_col_copy(st, 7, d->sha256, sizeof(d->sha256));
	d->receipt_id = sqlite3_column_int64(st, 8);
	cv_col_copy(st, 9, d->policy_hash, sizeof(d->policy_hash));
	cv_col_copy(st, 10, d->filed_by, sizeof(d->filed_by));
	cv_col_copy(st, 11, d->created, sizeof(d->created));
	if (n <= 0)
		return cv_error(v, CV_ECORRUPT, "deposit %s holds no records", d->file);
	if (!(d->records = malloc((size_t)n)))
		return cv_error(v, CV_ERROR, "out of memory");
	memcpy(d->records, sqlite3_column_blob(st, 12), (size_t)n);
	d->records_len = (size_t)n;
	return 0;
}

void cv_db_deposit_list_free(cv_db_deposit *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		free(list[i].records);
	free(list);
}

static void release(void *items, size_t n)
{
	cv_db_deposit_list_free(items, n);
}

static const cv_index_list deposit_list = { sizeof(cv_db_deposit), fill, release };

int cv_db_deposit_list(cv_vault *v, cv_db_deposit **out, size_t *n)
{
	return cv_index_collect(v, "list the deposits", &deposit_list, out, n, NULL,
				"SELECT " DEP_COLS " FROM deposits ORDER BY created, file", "");
}

int cv_db_deposit_delete(cv_vault *v, const char *file)
{
	return cv_index_run(v, "remove an adopted deposit", "DELETE FROM deposits WHERE file = ?", "t", file);
}

int cv_db_deposit_legacy_case_key(cv_vault *v, int case_gen)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM meta WHERE key = 'deposit.legacy-case-gen' AND value = ?",
			     "i", case_gen);

	sqlite3_finalize(st);
	return r;
}

int cv_db_deposit_key_gen(cv_vault *v, cv_section s, int *gen)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT generation FROM section_keys WHERE section = ?", "t", cv_section_name(s));

	if (r <= 0)
		return r < 0 ? r : cv_error(v, CV_ECORRUPT, "the index holds no %s section key", cv_section_name(s));
	*gen = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}
