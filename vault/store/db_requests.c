/* casevault - the requests table (db_requests.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/common.h"
#include "store/db_requests.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_request_state_get(cv_vault *v, const char *id, cv_db_request_state *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st,
		"SELECT id, case_id, relationship, closed_at IS NULL, received, coalesce(extended_due, due), seq FROM requests WHERE id = ?",
		"t", id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no request %s in this vault; see 'casevault request list'", id);
	cv_col_copy(st, 0, out->id, sizeof(out->id));
	cv_col_copy(st, 1, out->case_id, sizeof(out->case_id));
	cv_col_copy(st, 2, out->relationship, sizeof(out->relationship));
	out->open = sqlite3_column_int(st, 3);
	cv_col_copy(st, 4, out->received, sizeof(out->received));
	cv_col_copy(st, 5, out->due, sizeof(out->due));
	out->seq = (long)sqlite3_column_int64(st, 6);
	sqlite3_finalize(st);
	return 0;
}

int cv_db_request_insert(cv_vault *v, const cv_db_request_new *q)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st,
		"INSERT INTO requests(id, seq, case_id, relationship, requester, received, id_verified, clock_start, due,"
		" authority_by, authority_at, opened_by, opened_at, calendar_hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		"tltt-ttttttttt", q->id, (long)q->seq, q->case_id, q->relationship, q->received, q->id_verified,
		q->clock_start, q->due, q->authority_by, q->authority_at, q->opened_by, q->opened_at, q->calendar_hash)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 5, CV_SECTION_CASE, "requests", "requester", q->id, q->requester)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "register the request");
}

#define REQ_COLS "id, case_id, relationship, requester, received, id_verified, clock_start, due, extended_due," \
	" ext_reason, ext_notified, ext_grounds, opened_by, opened_at, closed_by, closed_at, paused_since, pause_reason, kind"

static void wipe(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static int row_to_request(cv_vault *v, sqlite3_stmt *st, int unseal, cv_db_request *out)
{
	cv_request *q = &out->q;
	int r;

	memset(out, 0, sizeof(*out));
	cv_col_copy(st, 0, q->id, sizeof(q->id));
	cv_col_copy(st, 1, q->case_id, sizeof(q->case_id));
	cv_col_copy(st, 2, out->relationship, sizeof(out->relationship));
	cv_col_copy(st, 4, q->received, sizeof(q->received));
	cv_col_copy(st, 5, q->id_verified, sizeof(q->id_verified));
	cv_col_copy(st, 6, q->clock_start, sizeof(q->clock_start));
	cv_col_copy(st, 7, q->original_due, sizeof(q->original_due));
	cv_col_copy(st, 8, q->extended_due, sizeof(q->extended_due));
	snprintf(q->due, sizeof(q->due), "%s", q->extended_due[0] ? q->extended_due : q->original_due);
	cv_col_copy(st, 10, q->ext_notified, sizeof(q->ext_notified));
	cv_col_copy(st, 11, q->ext_grounds, sizeof(q->ext_grounds));
	cv_col_copy(st, 12, q->opened_by, sizeof(q->opened_by));
	cv_col_copy(st, 13, q->opened_at, sizeof(q->opened_at));
	cv_col_copy(st, 14, q->closed_by, sizeof(q->closed_by));
	cv_col_copy(st, 15, q->closed_at, sizeof(q->closed_at));
	cv_col_copy(st, 16, q->paused_since, sizeof(q->paused_since));
	cv_col_copy(st, 18, q->kind, sizeof(q->kind));
	if (!unseal)
		return 0;
	if ((r = cv_sealed_get(v, st, 17, CV_SECTION_CASE, "requests", "pause_reason", q->id, &q->pause_reason)) < 0)
		return r;
	if ((r = cv_sealed_get(v, st, 3, CV_SECTION_CASE, "requests", "requester", q->id, &q->requester)) < 0)
		return r;
	if ((r = cv_sealed_get(v, st, 9, CV_SECTION_CASE, "requests", "ext_reason", q->id, &q->ext_reason)) < 0) {
		wipe(&q->requester);
		return r;
	}
	return 0;
}

int cv_db_request_get(cv_vault *v, const char *id, int unseal, cv_db_request *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st, "SELECT " REQ_COLS " FROM requests WHERE id = ?", "t", id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no request %s in this vault", id);
	r = row_to_request(v, st, unseal, out);
	sqlite3_finalize(st);
	return r;
}

int cv_db_request_each(cv_vault *v, int all, int unseal,
		       int (*fn)(void *hook, cv_db_request *r), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_request row;
	int r, rc;

	if ((r = cv_index_prepare(v, &st, all ?
		"SELECT " REQ_COLS " FROM requests ORDER BY closed_at IS NOT NULL, coalesce(extended_due, due), seq" :
		"SELECT " REQ_COLS " FROM requests WHERE closed_at IS NULL ORDER BY coalesce(extended_due, due), seq")) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = row_to_request(v, st, unseal, &row)) < 0 || (r = fn(hook, &row)) < 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : cv_index_dberr(v, "list requests");
out:
	sqlite3_finalize(st);
	return r;
}

int cv_db_request_clock(cv_vault *v, const char *id, char clock[11], char extended[11])
{
	sqlite3_stmt *st = NULL;
	int r;

	clock[0] = extended[0] = '\0';
	if ((r = cv_index_one(v, &st, "SELECT clock_start, coalesce(extended_due, '') FROM requests WHERE id = ?",
			      "t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, clock, 11);
	cv_col_copy(st, 1, extended, 11);
	sqlite3_finalize(st);
	return 0;
}

int cv_db_request_extend(cv_vault *v, const char *id, const char *due, const char *reason,
			 const char *notified, const char *grounds)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st,
		"UPDATE requests SET extended_due = ?, ext_reason = ?, ext_notified = ?, ext_grounds = ?"
		" WHERE id = ? AND extended_due IS NULL AND closed_at IS NULL", "t-ttt", due, notified, grounds, id)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 2, CV_SECTION_CASE, "requests", "ext_reason", id, reason)) < 0)
		goto out;
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(v->db) != 1)
		r = sqlite3_changes(v->db) == 0 ? cv_error(v, CV_EREFUSED, "request %s changed meanwhile; try again", id)
						 : cv_index_dberr(v, "extend the request");
out:
	sqlite3_finalize(st);
	return r;
}

int cv_db_request_close(cv_vault *v, const char *id, const char *by, const char *at)
{
	return cv_index_run(v, "close the request", "UPDATE requests SET closed_by = ?, closed_at = ? WHERE id = ? AND closed_at IS NULL",
			    "ttt", by, at, id);
}

int cv_db_request_hold_stands(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int found = cv_index_one(v, &st, "SELECT 1 FROM holds WHERE kind = 'request' AND ref = ? AND released_at IS NULL",
				 "t", id);

	sqlite3_finalize(st);
	return found > 0;
}

int cv_db_request_requester(cv_vault *v, const char *id, char **out)
{
	sqlite3_stmt *st = NULL;
	int r;

	*out = NULL;
	if ((r = cv_index_one(v, &st, "SELECT requester FROM requests WHERE id = ?", "t", id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no request %s in this vault", id);
	r = cv_sealed_get(v, st, 0, CV_SECTION_CASE, "requests", "requester", id, out);
	sqlite3_finalize(st);
	return r;
}

/* Step an UPDATE that must change exactly the row of request id; the statement is finalized. */
static int update_one(cv_vault *v, sqlite3_stmt *st, const char *id, const char *what)
{
	int r = 0;

	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(v->db) != 1)
		r = sqlite3_changes(v->db) == 0 ? cv_error(v, CV_EREFUSED, "request %s changed meanwhile; try again", id)
						 : cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}

int cv_db_request_pause(cv_vault *v, const char *id, const char *since, const char *reason)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st,
		"UPDATE requests SET paused_since = ?, pause_reason = ? WHERE id = ? AND paused_since IS NULL AND closed_at IS NULL",
		"t-t", since, id)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 2, CV_SECTION_CASE, "requests", "pause_reason", id, reason)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return update_one(v, st, id, "pause the request");
}

int cv_db_request_clock_set(cv_vault *v, const char *id, const char *clock_start, const char *due,
			    const char *id_verified)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* a new clock start ends any pause; id_verified NULL keeps the recorded one */
	if ((r = cv_index_query(v, &st,
		"UPDATE requests SET clock_start = ?, due = ?, id_verified = coalesce(?, id_verified),"
		" paused_since = NULL, pause_reason = NULL WHERE id = ? AND closed_at IS NULL AND extended_due IS NULL",
		"tttt", clock_start, due, id_verified, id)) < 0)
		return r;
	return update_one(v, st, id, "move the request's clock");
}

int cv_db_request_authority(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT authority_by IS NOT NULL FROM requests WHERE id = ?", "t", id);

	if (r <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no request %s in this vault", id);
	r = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return r;
}
