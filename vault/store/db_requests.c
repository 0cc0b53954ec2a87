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
	if ((r = cv_index_prepare(v, &st,
		"SELECT id, case_id, relationship, closed_at IS NULL, received, coalesce(extended_due, due), seq FROM requests WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no request %s in this vault; see 'casevault request list'", id);
	}
	snprintf(out->id, sizeof(out->id), "%s", cv_col(st, 0));
	snprintf(out->case_id, sizeof(out->case_id), "%s", cv_col(st, 1));
	snprintf(out->relationship, sizeof(out->relationship), "%s", cv_col(st, 2));
	out->open = sqlite3_column_int(st, 3);
	snprintf(out->received, sizeof(out->received), "%s", cv_col(st, 4));
	snprintf(out->due, sizeof(out->due), "%s", cv_col(st, 5));
	out->seq = (long)sqlite3_column_int64(st, 6);
	sqlite3_finalize(st);
	return 0;
}

static void bind_opt(sqlite3_stmt *st, int idx, const char *s)
{
	if (s)
		sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, idx);
}

int cv_db_request_insert(cv_vault *v, const cv_db_request_new *q)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO requests(id, seq, case_id, relationship, requester, received, id_verified, clock_start, due,"
		" authority_by, authority_at, opened_by, opened_at, calendar_hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, q->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, q->seq);
	sqlite3_bind_text(st, 3, q->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, q->relationship, -1, SQLITE_STATIC);
	if ((r = cv_sealed_bind(v, st, 5, CV_SECTION_CASE, "requests", "requester", q->id, q->requester)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	sqlite3_bind_text(st, 6, q->received, -1, SQLITE_STATIC);
	bind_opt(st, 7, q->id_verified);
	sqlite3_bind_text(st, 8, q->clock_start, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, q->due, -1, SQLITE_STATIC);
	bind_opt(st, 10, q->authority_by);
	bind_opt(st, 11, q->authority_at);
	sqlite3_bind_text(st, 12, q->opened_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, q->opened_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, q->calendar_hash, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "register the request");
	sqlite3_finalize(st);
	return r;
}

#define REQ_COLS "id, case_id, relationship, requester, received, id_verified, clock_start, due, extended_due," \
	" ext_reason, ext_notified, ext_grounds, opened_by, opened_at, closed_by, closed_at"

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
	snprintf(q->id, sizeof(q->id), "%s", cv_col(st, 0));
	snprintf(q->case_id, sizeof(q->case_id), "%s", cv_col(st, 1));
	snprintf(out->relationship, sizeof(out->relationship), "%s", cv_col(st, 2));
	snprintf(q->received, sizeof(q->received), "%s", cv_col(st, 4));
	snprintf(q->id_verified, sizeof(q->id_verified), "%s", cv_col(st, 5));
	snprintf(q->clock_start, sizeof(q->clock_start), "%s", cv_col(st, 6));
	snprintf(q->original_due, sizeof(q->original_due), "%s", cv_col(st, 7));
	snprintf(q->extended_due, sizeof(q->extended_due), "%s", cv_col(st, 8));
	snprintf(q->due, sizeof(q->due), "%s", q->extended_due[0] ? q->extended_due : q->original_due);
	snprintf(q->ext_notified, sizeof(q->ext_notified), "%s", cv_col(st, 10));
	snprintf(q->ext_grounds, sizeof(q->ext_grounds), "%s", cv_col(st, 11));
	snprintf(q->opened_by, sizeof(q->opened_by), "%s", cv_col(st, 12));
	snprintf(q->opened_at, sizeof(q->opened_at), "%s", cv_col(st, 13));
	snprintf(q->closed_by, sizeof(q->closed_by), "%s", cv_col(st, 14));
	snprintf(q->closed_at, sizeof(q->closed_at), "%s", cv_col(st, 15));
	if (!unseal)
		return 0;
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
	if ((r = cv_index_prepare(v, &st, "SELECT " REQ_COLS " FROM requests WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = cv_error(v, CV_ENOTFOUND, "no request %s in this vault", id);
	else
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
	if ((r = cv_index_prepare(v, &st, "SELECT clock_start, coalesce(extended_due, '') FROM requests WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(clock, 11, "%s", cv_col(st, 0));
		snprintf(extended, 11, "%s", cv_col(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

int cv_db_request_extend(cv_vault *v, const char *id, const char *due, const char *reason,
			 const char *notified, const char *grounds)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"UPDATE requests SET extended_due = ?, ext_reason = ?, ext_notified = ?, ext_grounds = ?"
		" WHERE id = ? AND extended_due IS NULL AND closed_at IS NULL")) < 0)
		return r;
	sqlite3_bind_text(st, 1, due, -1, SQLITE_STATIC);
	if ((r = cv_sealed_bind(v, st, 2, CV_SECTION_CASE, "requests", "ext_reason", id, reason)) < 0)
		goto out;
	sqlite3_bind_text(st, 3, notified, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, grounds, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(v->db) != 1)
		r = sqlite3_changes(v->db) == 0 ? cv_error(v, CV_EREFUSED, "request %s changed meanwhile; try again", id)
						 : cv_index_dberr(v, "extend the request");
out:
	sqlite3_finalize(st);
	return r;
}

int cv_db_request_close(cv_vault *v, const char *id, const char *by, const char *at)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "UPDATE requests SET closed_by = ?, closed_at = ? WHERE id = ? AND closed_at IS NULL")) < 0)
		return r;
	sqlite3_bind_text(st, 1, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "close the request");
	sqlite3_finalize(st);
	return r;
}

int cv_db_request_hold_stands(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int found;

	if (cv_index_prepare(v, &st, "SELECT 1 FROM holds WHERE kind = 'request' AND ref = ? AND released_at IS NULL") < 0)
		return 0;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int cv_db_request_requester(cv_vault *v, const char *id, char **out)
{
	sqlite3_stmt *st = NULL;
	int r;

	*out = NULL;
	if ((r = cv_index_prepare(v, &st, "SELECT requester FROM requests WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = cv_error(v, CV_ENOTFOUND, "no request %s in this vault", id);
	else
		r = cv_sealed_get(v, st, 0, CV_SECTION_CASE, "requests", "requester", id, out);
	sqlite3_finalize(st);
	return r;
}
