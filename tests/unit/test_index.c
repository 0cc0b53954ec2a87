/*
 * The store's statement API (store/index.h; docs/architecture.md, The
 * statement API): every type letter binds what it says, 'n' turns "" into
 * NULL, a statement that does not prepare, bind or step leaves a one-line
 * message and a negative code, a single-row lookup tells found from
 * not found, and a list of rows is released when a row does not fill.
 * An index in memory, no GnuPG: the binder needs none.
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

#include "store/index.h"

typedef struct {
	cv_vault v;
} fixture;

/* An index in memory: the schema and the connection settings of a real one, nothing on disk. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->v.dbpath = strdup(":memory:");
	f->v.lockfd = -1;
	assert_int_equal(cv_index_open(&f->v, 0), 0);
	assert_int_equal(cv_index_exec(&f->v, "CREATE TABLE t(k TEXT PRIMARY KEY, a, b, c, d, e, f)"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	assert_int_equal(sqlite3_close(f->v.db), SQLITE_OK);
	free(f->v.dbpath);
	free(f);
	return 0;
}

/* typeof() of every column of row k, joined by ','. */
static void types_of(fixture *f, const char *k, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(cv_index_one(&f->v, &st,
		"SELECT typeof(a) || ',' || typeof(b) || ',' || typeof(c) || ',' || typeof(d) || ','"
		" || typeof(e) || ',' || typeof(f) FROM t WHERE k = ?", "t", k), 1);
	cv_col_copy(st, 0, out, len);
	sqlite3_finalize(st);
}

static void every_type_binds_what_it_says(void **state)
{
	fixture *f = *state;
	static const unsigned char blob[4] = { 0, 1, 2, 0xff };
	sqlite3_stmt *st = NULL;
	char types[96];

	assert_int_equal(cv_index_run(&f->v, "store a row", "INSERT INTO t VALUES(?,?,?,?,?,?,?)", "tTbilI-",
		"row1", "abcdef", (size_t)3, blob, sizeof(blob), 7, -42L, (sqlite3_int64)1 << 40), 0);
	types_of(f, "row1", types, sizeof(types));
	assert_string_equal(types, "text,blob,integer,integer,integer,null");
	assert_int_equal(cv_index_one(&f->v, &st, "SELECT a, b, c, d, e FROM t WHERE k = ?", "t", "row1"), 1);
	assert_string_equal(cv_col(st, 0), "abc");
	assert_int_equal(sqlite3_column_bytes(st, 1), 4);
	assert_memory_equal(sqlite3_column_blob(st, 1), blob, 4);
	assert_int_equal(sqlite3_column_int(st, 2), 7);
	assert_int_equal(sqlite3_column_int64(st, 3), -42);
	assert_true(sqlite3_column_int64(st, 4) == (sqlite3_int64)1 << 40);
	sqlite3_finalize(st);
}

/* 'n' binds NULL for "" and for NULL; 't' keeps "" as text and binds NULL only for NULL. */
static void n_is_null_when_empty(void **state)
{
	fixture *f = *state;
	char types[96];

	assert_int_equal(cv_index_run(&f->v, "store a row", "INSERT INTO t(k, a, b, c, d) VALUES(?,?,?,?,?)", "tnnnt",
		"row2", "", (const char *)NULL, "x", ""), 0);
	types_of(f, "row2", types, sizeof(types));
	assert_string_equal(types, "null,null,text,text,null,null");
	assert_int_equal(cv_index_run(&f->v, "store a row", "INSERT INTO t(k, a) VALUES(?,?)", "tt",
		"row3", (const char *)NULL), 0);
	types_of(f, "row3", types, sizeof(types));
	assert_string_equal(types, "null,null,null,null,null,null");
}

static void errors_say_what_failed(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;

	/* does not prepare */
	assert_true(cv_index_run(&f->v, "store a row", "INSERT INTO nosuch VALUES(?)", "t", "x") < 0);
	assert_non_null(strstr(f->v.errmsg, "cannot read the index: no such table: nosuch"));
	assert_true(cv_index_query(&f->v, &st, "SELEC 1", NULL) < 0);
	assert_null(st);
	/* more parameters than the statement has */
	assert_true(cv_index_run(&f->v, "store a row", "INSERT INTO t(k) VALUES(?)", "tt", "x", "y") < 0);
	assert_non_null(strstr(f->v.errmsg, "cannot store a row: parameter 2 ('t') does not bind"));
	/* a letter that is not a type */
	assert_true(cv_index_query(&f->v, &st, "SELECT ?", "q", "x") < 0);
	assert_null(st);
	assert_non_null(strstr(f->v.errmsg, "parameter 1 ('q') does not bind"));
	/* the step fails: the message names the action */
	assert_int_equal(cv_index_run(&f->v, "store a row", "INSERT INTO t(k) VALUES(?)", "t", "dup"), 0);
	assert_true(cv_index_run(&f->v, "store a row", "INSERT INTO t(k) VALUES(?)", "t", "dup") < 0);
	assert_non_null(strstr(f->v.errmsg, "cannot store a row: UNIQUE constraint failed: t.k"));
	assert_null(strchr(f->v.errmsg, '\n'));
}

static void one_tells_found_from_not_found(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;
	char buf[4];
	size_t len = 0;
	char *dup;

	assert_int_equal(cv_index_run(&f->v, "store a row", "INSERT INTO t(k, a, b) VALUES(?,?,?)", "tti",
		"here", "longer than buf", 5), 0);
	assert_int_equal(cv_index_one(&f->v, &st, "SELECT a, b, c FROM t WHERE k = ?", "t", "here"), 1);
	assert_non_null(st);
	cv_col_copy(st, 0, buf, sizeof(buf));
	assert_string_equal(buf, "lon");
	cv_col_copy(st, 2, buf, sizeof(buf));
	assert_string_equal(buf, "");
	dup = cv_col_dup(st, 0, &len);
	assert_non_null(dup);
	assert_int_equal(len, strlen("longer than buf"));
	assert_string_equal(dup, "longer than buf");
	free(dup);
	assert_int_equal(sqlite3_column_int(st, 1), 5);
	sqlite3_finalize(st);
	st = (sqlite3_stmt *)1;
	assert_int_equal(cv_index_one(&f->v, &st, "SELECT a FROM t WHERE k = ?", "t", "absent"), 0);
	assert_null(st);
	assert_true(cv_index_one(&f->v, &st, "SELECT a FROM nosuch WHERE k = ?", "t", "here") < 0);
	assert_null(st);
}

/* query leaves stepping to the caller; done steps to the end and finalizes. */
static void query_then_done(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;
	int n = 0;

	assert_int_equal(cv_index_query(&f->v, &st, "INSERT INTO t(k, a) VALUES(?, ?)", "t-", "later"), 0);
	assert_int_equal(sqlite3_bind_text(st, 2, "bound by the caller", -1, SQLITE_STATIC), SQLITE_OK);
	assert_int_equal(cv_index_done(&f->v, st, "store a row"), 0);
	assert_int_equal(cv_index_query(&f->v, &st, "SELECT a FROM t WHERE k >= ? ORDER BY k", "t", "l"), 0);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (!strcmp(cv_col(st, 0), "bound by the caller"))
			n++;
	sqlite3_finalize(st);
	assert_int_equal(n, 1);
}

typedef struct {
	char k[8];
	long b;
} item;

static int released;

/* Fills each row; fails at the row whose k is ctx (when ctx is given). */
static int fill_item(cv_vault *v, sqlite3_stmt *st, void *out, void *ctx)
{
	item *it = out;

	if (ctx && !strcmp(cv_col(st, 0), ctx))
		return cv_error(v, CV_ERROR, "cannot read row %s", (const char *)ctx);
	cv_col_copy(st, 0, it->k, sizeof(it->k));
	it->b = (long)sqlite3_column_int64(st, 1);
	return 0;
}

static void release_items(void *list, size_t n)
{
	released = (int)n;
	free(list);
}

static const cv_index_list items = { sizeof(item), fill_item, release_items };

/* Every row into a list; a row that does not fill releases what was filled. */
static void collect_lists_rows(void **state)
{
	fixture *f = *state;
	item *list = NULL;
	size_t n = 99, i;
	char k[8];

	for (i = 0; i < 40; i++) {
		snprintf(k, sizeof(k), "r%02zu", i);
		assert_int_equal(cv_index_run(&f->v, "store a row", "INSERT INTO t(k, b) VALUES(?, ?)", "tl", k, (long)i * 3), 0);
	}
	assert_int_equal(cv_index_collect(&f->v, "list rows", &items, &list, &n, NULL,
					  "SELECT k, b FROM t WHERE b >= ? ORDER BY k", "i", 30), 0);
	assert_int_equal(n, 30);
	assert_string_equal(list[0].k, "r10");
	assert_int_equal(list[29].b, 39 * 3);
	free(list);
	released = -1;
	assert_true(cv_index_collect(&f->v, "list rows", &items, &list, &n, "r12",
				     "SELECT k, b FROM t ORDER BY k", NULL) < 0);
	assert_string_equal(f->v.errmsg, "cannot read row r12");
	assert_int_equal(released, 12);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_int_equal(cv_index_collect(&f->v, "list rows", &items, &list, &n, NULL,
					  "SELECT k, b FROM t WHERE k = ?", "t", "none"), 0);
	assert_int_equal(n, 0);
	assert_true(cv_index_collect(&f->v, "list rows", &items, &list, &n, NULL, "SELECT k FROM nosuch", NULL) < 0);
	assert_null(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_type_binds_what_it_says, setup, teardown),
		cmocka_unit_test_setup_teardown(n_is_null_when_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_say_what_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(one_tells_found_from_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(query_then_done, setup, teardown),
		cmocka_unit_test_setup_teardown(collect_lists_rows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
