/*
 * The sealed-column registry against the schema (docs/architecture.md,
 * Sealed columns): every BLOB column of the index holds personal data sealed
 * under a section key, so every one must be in cv_sealed_cols (or key
 * rotation would leave it sealed under a retired key), and every registry
 * entry must name a real BLOB column and a real section column.  Also the
 * one seal/unseal API: a value opens only in the row and column it was
 * sealed for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <gcrypt.h>

#include "crypto/seal.h"
#include "store/index.h"
#include "store/sealed.h"

typedef struct {
	cv_vault v;
	char dir[64];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/cvsealXXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_true(asprintf(&f->v.dbpath, "%s/vault.db", f->dir) > 0);
	f->v.lockfd = -1;
	assert_int_equal(cv_global_init(), 0);
	assert_int_equal(cv_index_open(&f->v, 1), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char *p = NULL;

	sqlite3_close(f->v.db);
	assert_true(asprintf(&p, "rm -rf %s", f->dir) > 0);
	assert_int_equal(system(p), 0);
	free(p);
	free(f->v.dbpath);
	free(f);
	return 0;
}

static const cv_sealed_col *registered(const char *table, const char *column)
{
	size_t i;

	for (i = 0; i < cv_nsealed_cols; i++)
		if (!strcmp(cv_sealed_cols[i].table, table) && !strcmp(cv_sealed_cols[i].column, column))
			return &cv_sealed_cols[i];
	return NULL;
}

/* The declared type of table.column, "" when there is no such column. */
static void column_type(sqlite3 *db, const char *table, const char *column, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT type FROM pragma_table_info(?1) WHERE name = ?2", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void every_blob_column_is_registered(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;
	int blobs = 0;

	assert_int_equal(sqlite3_prepare_v2(f->v.db,
		"SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p"
		" WHERE m.type = 'table' AND upper(p.type) = 'BLOB'"
		/* sealed per filing under the deposit key, not a section key: a rotation adopts deposits first */
		" AND NOT (m.name = 'deposits' AND p.name = 'records')"
		/* sealed under each intake item's own key, erased with it (docs/intake.md) */
		" AND NOT (m.name = 'intake' AND p.name = 'sealed') ORDER BY 1, 2", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0), *c = (const char *)sqlite3_column_text(st, 1);

		if (!registered(t, c))
			fail_msg("%s.%s is a BLOB column but not in cv_sealed_cols (store/sealed.c)", t, c);
		blobs++;
	}
	sqlite3_finalize(st);
	assert_int_equal((size_t)blobs, cv_nsealed_cols);
}

static void every_registered_column_exists(void **state)
{
	fixture *f = *state;
	char type[32];
	size_t i;

	for (i = 0; i < cv_nsealed_cols; i++) {
		const cv_sealed_col *c = &cv_sealed_cols[i];

		column_type(f->v.db, c->table, c->column, type, sizeof(type));
		if (strcasecmp(type, "BLOB"))
			fail_msg("cv_sealed_cols names %s.%s, which is not a BLOB column (type '%s')", c->table, c->column, type);
		if (!c->section_col)
			continue;
		column_type(f->v.db, c->table, c->section_col, type, sizeof(type));
		if (!type[0])
			fail_msg("%s has no section column %s", c->table, c->section_col);
	}
}

/* A value sealed for one row opens there and nowhere else. */
static void sealed_value_is_bound_to_its_row(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	f->v.mkey[CV_SECTION_CASE] = gcry_malloc_secure(CV_KEY_LEN);
	assert_non_null(f->v.mkey[CV_SECTION_CASE]);
	gcry_randomize(f->v.mkey[CV_SECTION_CASE], CV_KEY_LEN, GCRY_STRONG_RANDOM);
	f->v.seal = cv_seal_cache_new();
	assert_int_equal(sqlite3_prepare_v2(f->v.db, "SELECT ?1, ?2", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(cv_sealed_bind(&f->v, st, 1, CV_SECTION_CASE, "cases", "child", "C-0001", "Sam Example"), 0);
	assert_int_equal(cv_sealed_bind(&f->v, st, 2, CV_SECTION_CASE, "cases", "child", "C-0002", NULL), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(cv_sealed_get(&f->v, st, 0, CV_SECTION_CASE, "cases", "child", "C-0001", &out), 0);
	assert_string_equal(out, "Sam Example");
	free(out);
	out = NULL;
	/* another row, another column: refused as damaged, nothing returned */
	assert_int_equal(cv_sealed_get(&f->v, st, 0, CV_SECTION_CASE, "cases", "child", "C-0002", &out), CV_ECORRUPT);
	assert_null(out);
	assert_int_equal(cv_sealed_get(&f->v, st, 0, CV_SECTION_CASE, "cases", "parent", "C-0001", &out), CV_ECORRUPT);
	assert_null(out);
	/* NULL stays NULL */
	assert_int_equal(cv_sealed_get(&f->v, st, 1, CV_SECTION_CASE, "cases", "child", "C-0002", &out), 0);
	assert_null(out);
	sqlite3_finalize(st);
	cv_seal_cache_free(f->v.seal);
	gcry_free(f->v.mkey[CV_SECTION_CASE]);
}

/*
 * The erasure marker (docs/architecture.md, Storage limitation) opens as
 * "(erased)" only in the columns an erasure writes it to; anywhere else it
 * is damage, as any value that does not open.
 */
static void erasure_marker_opens_only_where_erasure_puts_it(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	f->v.mkey[CV_SECTION_CASE] = gcry_malloc_secure(CV_KEY_LEN);
	assert_non_null(f->v.mkey[CV_SECTION_CASE]);
	gcry_randomize(f->v.mkey[CV_SECTION_CASE], CV_KEY_LEN, GCRY_STRONG_RANDOM);
	f->v.seal = cv_seal_cache_new();
	assert_int_equal(sqlite3_prepare_v2(f->v.db, "SELECT ?1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(cv_sealed_erased_bind(st, 1), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(cv_sealed_is_erased(st, 0), 1);
	assert_int_equal(cv_sealed_get(&f->v, st, 0, CV_SECTION_CASE, "cases", "child_dob", "C-0001", &out), 0);
	assert_string_equal(out, CV_SEALED_ERASED_TEXT);
	free(out);
	out = NULL;
	assert_int_equal(cv_sealed_get(&f->v, st, 0, CV_SECTION_CASE, "requests", "requester", "REQ-1", &out), 0);
	free(out);
	out = NULL;
	assert_int_equal(cv_sealed_get(&f->v, st, 0, CV_SECTION_CASE, "records", "title", "R-000001", &out), CV_ECORRUPT);
	assert_null(out);
	assert_int_equal(cv_sealed_get(&f->v, st, 0, CV_SECTION_CASE, "people", "name", "1", &out), CV_ECORRUPT);
	assert_null(out);
	sqlite3_finalize(st);
	/* a real sealed value is never taken for the marker */
	assert_int_equal(sqlite3_prepare_v2(f->v.db, "SELECT ?1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(cv_sealed_bind(&f->v, st, 1, CV_SECTION_CASE, "cases", "child", "C-0001", "casevault:erased/1"), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(cv_sealed_is_erased(st, 0), 0);
	sqlite3_finalize(st);
	cv_seal_cache_free(f->v.seal);
	gcry_free(f->v.mkey[CV_SECTION_CASE]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_blob_column_is_registered, setup, teardown),
		cmocka_unit_test_setup_teardown(every_registered_column_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(sealed_value_is_bound_to_its_row, setup, teardown),
		cmocka_unit_test_setup_teardown(erasure_marker_opens_only_where_erasure_puts_it, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
