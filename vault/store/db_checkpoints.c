/* casevault - audit checkpoints and certificate signatures (db_checkpoints.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "store/db_checkpoints.h"
#include "store/index.h"

#define CHECKPOINT_COLS "number, seq, hash, staff_id, fpr, created, prev_sha256, sig"

static void checkpoint_from(sqlite3_stmt *st, cv_db_checkpoint *c)
{
	c->number = (long)sqlite3_column_int64(st, 0);
	c->seq = (long)sqlite3_column_int64(st, 1);
	cv_col_copy(st, 2, c->hash, sizeof(c->hash));
	cv_col_copy(st, 3, c->staff_id, sizeof(c->staff_id));
	cv_col_copy(st, 4, c->fpr, sizeof(c->fpr));
	cv_col_copy(st, 5, c->created, sizeof(c->created));
	cv_col_copy(st, 6, c->prev, sizeof(c->prev));
	c->sig = cv_col(st, 7);
}

int cv_db_checkpoint_last(cv_vault *v, cv_db_checkpoint *c)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = cv_index_one(v, &st, "SELECT " CHECKPOINT_COLS " FROM checkpoints ORDER BY number DESC LIMIT 1", NULL)) <= 0)
		return r;
	checkpoint_from(st, c);
	c->sig = NULL;
	sqlite3_finalize(st);
	return 1;
}

int cv_db_checkpoint_insert(cv_vault *v, const cv_db_checkpoint *c)
{
	return cv_index_run(v, "record an audit checkpoint",
		"INSERT INTO checkpoints(" CHECKPOINT_COLS ") VALUES(?,?,?,?,?,?,?,?)", "llttttt" "t",
		c->number, c->seq, c->hash, c->staff_id, c->fpr, c->created, c->prev, c->sig);
}

int cv_db_checkpoint_each(cv_vault *v, int (*fn)(void *hook, const cv_db_checkpoint *c), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_checkpoint c;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT " CHECKPOINT_COLS " FROM checkpoints ORDER BY number")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		checkpoint_from(st, &c);
		if ((r = fn(hook, &c)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int cv_db_certsig_insert(cv_vault *v, const cv_db_certsig *s)
{
	return cv_index_run(v, "record a certificate's signature",
		"INSERT INTO certificate_sigs(number, kind, signer, fpr, created, sig) VALUES(?,?,?,?,?,?)", "lttttt",
		s->number, s->kind, s->signer, s->fpr, s->created, s->sig);
}

int cv_db_certsig_get(cv_vault *v, long number, const char *kind, cv_db_certsig *s)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = cv_index_one(v, &st, "SELECT signer, fpr, created, sig FROM certificate_sigs WHERE number = ? AND kind = ?",
			      "lt", number, kind)) <= 0)
		return r;
	s->number = number;
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	cv_col_copy(st, 0, s->signer, sizeof(s->signer));
	cv_col_copy(st, 1, s->fpr, sizeof(s->fpr));
	cv_col_copy(st, 2, s->created, sizeof(s->created));
	s->sig = strdup(cv_col(st, 3));
	sqlite3_finalize(st);
	return s->sig ? 1 : cv_error(v, CV_ERROR, "out of memory");
}

void cv_db_certsig_release(cv_db_certsig *s)
{
	if (s) {
		free(s->sig);
		s->sig = NULL;
	}
}

int cv_db_certsig_awaiting(cv_vault *v, long *numbers, size_t max, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = cv_index_query(v, &st, "SELECT c.number FROM certificates c WHERE c.run_by = 'schedule'"
				" AND NOT EXISTS (SELECT 1 FROM certificate_sigs s WHERE s.number = c.number AND s.kind = 'countersigned')"
				" ORDER BY c.number LIMIT ?", "l", (long)max)) < 0)
		return r;
	while (*n < max && sqlite3_step(st) == SQLITE_ROW)
		numbers[(*n)++] = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}
