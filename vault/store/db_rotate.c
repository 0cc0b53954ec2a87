/* casevault - what a key rotation rewrites (db_rotate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/handle.h"
#include "store/db_rotate.h"
#include "store/index.h"
#include "store/keystore.h"
#include "store/sealed.h"

void cv_db_rotate_fields_free(cv_db_sealed_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].plain) {
			explicit_bzero(f[i].plain, strlen(f[i].plain));
			free(f[i].plain);
		}
	free(f);
}

struct fields {
	cv_db_sealed_field *f;
	size_t n, cap;
	cv_vault *v;
};

/* Keep one opened field for the re-seal; one that does not open stops the rotation. */
static int keep_field(void *hook, const cv_sealed_col *c, const char *id, cv_section sec, char **plain, int err)
{
	struct fields *fs = hook;
	cv_db_sealed_field *e;

	if (err < 0)
		return err;
	if (CV_ARRAY_GROW(&fs->f, &fs->cap, fs->n) < 0)
		return cv_error(fs->v, CV_ERROR, "out of memory");
	e = &fs->f[fs->n++];
	memset(e, 0, sizeof(*e));
	e->table = c->table;
	e->column = c->column;
	e->sec = sec;
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->plain = *plain;
	*plain = NULL;
	return 0;
}

int cv_db_rotate_open_fields(cv_vault *v, int mask, cv_db_sealed_field **out, size_t *nout)
{
	struct fields fs = { NULL, 0, 0, v };
	int r;

	*out = NULL;
	*nout = 0;
	if ((r = cv_sealed_each(v, mask, keep_field, &fs)) < 0) {
		cv_db_rotate_fields_free(fs.f, fs.n);
		return r;
	}
	*out = fs.f;
	*nout = fs.n;
	return 0;
}

int cv_db_rotate_reseal(cv_vault *v, const cv_db_sealed_field *f, size_t n)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		sqlite3_stmt *st = NULL;
		char *sql = NULL;

		if (asprintf(&sql, "UPDATE %s SET %s = ? WHERE id = ?", f[i].table, f[i].column) < 0)
			return cv_error(v, CV_ERROR, "out of memory");
		r = cv_index_query(v, &st, sql, "-t", f[i].id);
		free(sql);
		if (r < 0)
			return r;
		if ((r = cv_sealed_bind(v, st, 1, f[i].sec, f[i].table, f[i].column, f[i].id, f[i].plain)) < 0) {
			sqlite3_finalize(st);
			return r;
		}
		if ((r = cv_index_done(v, st, "re-seal a field")) < 0)
			return r;
	}
	return 0;
}

int cv_db_rotate_archive_keys(cv_vault *v, int (*fn)(void *hook, const cv_db_archive_key *k), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_archive_key k;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT id, section, " CV_KS_WRAPPED("archives") ", key_gen, file FROM archives ORDER BY id")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		k.id = (long long)sqlite3_column_int64(st, 0);
		cv_section_parse(&k.sec, cv_col(st, 1));
		k.wrapped = (const char *)sqlite3_column_text(st, 2);
		k.gen = sqlite3_column_int(st, 3);
		k.file = cv_col(st, 4);
		if ((r = fn(hook, &k)) < 0)
			break;
	}
	sqlite3_finalize(st);
	return r;
}

int cv_db_rotate_set_gen(cv_vault *v, long long id, int gen)
{
	return cv_index_run(v, "re-wrap an archive key", "UPDATE archives SET key_gen = ? WHERE id = ?",
			    "iI", gen, (sqlite3_int64)id);
}

void cv_db_rotate_checkpoint(cv_vault *v)
{
	cv_index_exec(v, "PRAGMA wal_checkpoint(TRUNCATE)");
}
