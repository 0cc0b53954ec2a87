/* casevault - the grants table (db_grants.h). */
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "store/db_grants.h"
#include "store/index.h"

#define GRANT_COLS "seq, staff_id, fpr, signer, statement, sig"

void cv_db_grant_release(cv_db_grant *g)
{
	free(g->statement);
	free(g->sig);
	memset(g, 0, sizeof(*g));
}

static int grant_from(cv_vault *v, sqlite3_stmt *st, cv_db_grant *g)
{
	memset(g, 0, sizeof(*g));
	g->seq = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, g->staff_id, sizeof(g->staff_id));
	cv_col_copy(st, 2, g->fpr, sizeof(g->fpr));
	cv_col_copy(st, 3, g->signer, sizeof(g->signer));
	g->statement = strdup(cv_col(st, 4));
	g->sig = strdup(cv_col(st, 5));
	if (!g->statement || !g->sig) {
		cv_db_grant_release(g);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	return 1;
}

/* The single row sql finds (its one parameter: key), as a grant. */
static int grant_one(cv_vault *v, const char *sql, const char *key, cv_db_grant *g)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(g, 0, sizeof(*g));
	if ((r = cv_index_one(v, &st, sql, "t", key)) <= 0)
		return r;
	r = grant_from(v, st, g);
	sqlite3_finalize(st);
	return r;
}

int cv_db_grants_latest(cv_vault *v, const char *staff_id, cv_db_grant *g)
{
	return grant_one(v, "SELECT " GRANT_COLS " FROM grants WHERE staff_id = ? ORDER BY seq DESC LIMIT 1", staff_id, g);
}

int cv_db_grants_latest_by_fpr(cv_vault *v, const char *fpr, cv_db_grant *g)
{
	return grant_one(v, "SELECT " GRANT_COLS " FROM grants WHERE fpr = ? ORDER BY seq DESC LIMIT 1", fpr, g);
}

int cv_db_grants_count(cv_vault *v, long *count, long *max_seq)
{
	sqlite3_stmt *st = NULL;
	int r;

	*count = *max_seq = 0;
	if ((r = cv_index_one(v, &st, "SELECT count(*), coalesce(max(seq), 0) FROM grants", "")) <= 0)
		return r;
	*count = (long)sqlite3_column_int64(st, 0);
	*max_seq = (long)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

int cv_db_grants_next_seq(cv_vault *v, long *seq)
{
	long n;
	int r = cv_db_grants_count(v, &n, seq);

	++*seq;
	return r;
}

int cv_db_grants_insert(cv_vault *v, const cv_db_grant *g, const char *created)
{
	return cv_index_run(v, "record the grant",
		"INSERT INTO grants(seq, staff_id, fpr, signer, statement, sig, created) VALUES(?,?,?,?,?,?,?)",
		"ltttttt", g->seq, g->staff_id, g->fpr, g->signer, g->statement, g->sig, created);
}

int cv_db_grants_each_current(cv_vault *v, int (*fn)(void *hook, const cv_db_grant *g), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_grant g;
	int r;

	if ((r = cv_index_query(v, &st, "SELECT " GRANT_COLS " FROM grants g WHERE seq ="
		" (SELECT max(seq) FROM grants h WHERE h.staff_id = g.staff_id) ORDER BY staff_id", "")) < 0)
		return r;
	while (r >= 0 && sqlite3_step(st) == SQLITE_ROW) {
		if ((r = grant_from(v, st, &g)) < 0)
			break;
		r = fn(hook, &g);
		cv_db_grant_release(&g);
	}
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int cv_db_grants_each_staff(cv_vault *v, int (*fn)(void *hook, const char *id, const char *role,
						     const char *fpr, long os_uid, int revoked), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r = 0;

	if ((r = cv_index_query(v, &st, "SELECT id, role, fpr, os_uid, revoked IS NOT NULL FROM staff ORDER BY seq", "")) < 0)
		return r;
	while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
		r = fn(hook, cv_col(st, 0), cv_col(st, 1), cv_col(st, 2),
		       sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, 3),
		       sqlite3_column_int(st, 4));
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}
