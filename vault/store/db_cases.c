/* casevault - the cases table (db_cases.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "casevault/common.h"
#include "store/db_cases.h"
#include "store/index.h"
#include "store/sealed.h"

#define CASE_COLS "c.id, c.parent, c.child, c.child_dob, c.opened, c.closed, c.pr_confirmed_by, c.pr_confirmed_at," \
	" (SELECT count(*) FROM records r WHERE r.case_id = c.id AND r.section = 'case')," \
	" (SELECT count(*) FROM records r WHERE r.case_id = c.id AND r.section = 'cp')"

#define NO_CASE "no case %s in this vault; see 'casevault case list'"

int cv_db_case_exists(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT 1 FROM cases WHERE id = ?", "t", id)) < 0)
		return r;
	sqlite3_finalize(st);
	return r ? 0 : cv_error(v, CV_ENOTFOUND, NO_CASE, id);
}

static int unseal_col(cv_vault *v, sqlite3_stmt *st, int col, const char *what, const char *id, char **out)
{
	return cv_sealed_get(v, st, col, CV_SECTION_CASE, "cases", what, id, out);
}

/* A cv_index_list fill: the row into item (a cv_case); ctx points to unseal. */
static int row_to_case(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_case *c = item;
	int unseal = *(int *)ctx;
	char *dob = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	cv_col_copy(st, 0, c->id, sizeof(c->id));
	cv_col_copy(st, 4, c->opened, sizeof(c->opened));
	cv_col_copy(st, 5, c->closed, sizeof(c->closed));
	cv_col_copy(st, 6, c->pr_confirmed_by, sizeof(c->pr_confirmed_by));
	cv_col_copy(st, 7, c->pr_confirmed_at, sizeof(c->pr_confirmed_at));
	c->records_case = (long)sqlite3_column_int64(st, 8);
	c->records_cp = (long)sqlite3_column_int64(st, 9);
	if (!unseal)
		return 0;
	if ((r = unseal_col(v, st, 1, "parent", c->id, &c->parent)) < 0 ||
	    (r = unseal_col(v, st, 2, "child", c->id, &c->child)) < 0 ||
	    (r = unseal_col(v, st, 3, "child_dob", c->id, &dob)) < 0) {
		cv_case_release(c);
		return r;
	}
	snprintf(c->child_dob, sizeof(c->child_dob), "%s", dob ? dob : "");
	free(dob);
	return 0;
}

int cv_db_case_get(cv_vault *v, const char *id, int unseal, cv_case *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st, "SELECT " CASE_COLS " FROM cases c WHERE c.id = ?", "t", id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, NO_CASE, id);
	r = row_to_case(v, st, out, &unseal);
	sqlite3_finalize(st);
	return r;
}

static void free_cases(void *list, size_t n)
{
	cv_case_list_free(list, n);
}

static const cv_index_list case_list = { sizeof(cv_case), row_to_case, free_cases };

int cv_db_case_list(cv_vault *v, int unseal, cv_case **out, size_t *n)
{
	return cv_index_collect(v, "list cases", &case_list, out, n, &unseal,
				"SELECT " CASE_COLS " FROM cases c ORDER BY c.id", NULL);
}

int cv_db_case_insert(cv_vault *v, const cv_db_case_new *c)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st,
		"INSERT INTO cases(id, parent, child, child_dob, pr_confirmed_by, pr_confirmed_at, opened, opened_by)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5)", "t---ttt", c->id, c->confirmed_by, c->confirmed_at, c->opened)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 2, CV_SECTION_CASE, "cases", "parent", c->id, c->parent)) < 0 ||
	    (r = cv_sealed_bind(v, st, 3, CV_SECTION_CASE, "cases", "child", c->id, c->child)) < 0 ||
	    (r = cv_sealed_bind(v, st, 4, CV_SECTION_CASE, "cases", "child_dob", c->id, c->child_dob)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "open the case");
}

int cv_db_case_close(cv_vault *v, const char *id, const char *date)
{
	return cv_index_run(v, "close the case", "UPDATE cases SET closed = ? WHERE id = ? AND closed IS NULL",
			    "tt", date, id);
}

int cv_db_case_reopen(cv_vault *v, const char *id, const char *unused)
{
	int r;

	(void)unused;
	if ((r = cv_index_run(v, "reopen the case", "UPDATE cases SET closed = NULL WHERE id = ?", "t", id)) < 0)
		return r;
	/* one row, or the case is not there */
	return sqlite3_changes(v->db) == 1 ? 0 : cv_index_dberr(v, "reopen the case");
}

int cv_db_case_set_dob(cv_vault *v, const char *id, const char *child_dob)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, "UPDATE cases SET child_dob = ? WHERE id = ?", "-t", id)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 1, CV_SECTION_CASE, "cases", "child_dob", id, child_dob)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "correct the date of birth");
}

/* The public release functions live with the rows they free (the store fills them). */
void cv_case_release(cv_case *c)
{
	if (!c)
		return;
	if (c->parent) {
		explicit_bzero(c->parent, strlen(c->parent));
		free(c->parent);
	}
	if (c->child) {
		explicit_bzero(c->child, strlen(c->child));
		free(c->child);
	}
	explicit_bzero(c->child_dob, sizeof(c->child_dob));
	c->parent = c->child = NULL;
}

void cv_case_list_free(cv_case *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cv_case_release(&list[i]);
	free(list);
}
