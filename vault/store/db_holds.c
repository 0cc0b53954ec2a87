/* casevault - the holds table (db_holds.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "casevault/common.h"
#include "store/db_holds.h"
#include "store/index.h"
#include "store/sealed.h"

#define HOLD_COLS "id, kind, case_id, record_id, ref, placed_by, placed_at, released_by, released_at"

static void row_to_hold(sqlite3_stmt *st, cv_hold *h)
{
	const char *kind = cv_col(st, 1);

	/* columns: HOLD_COLS */
	memset(h, 0, sizeof(*h));
	h->id = (long)sqlite3_column_int64(st, 0);
	if (!strcmp(kind, "moratorium"))
		h->kind = CV_HOLD_MORATORIUM;
	else if (!strcmp(kind, "request"))
		h->kind = CV_HOLD_REQUEST;
	cv_col_copy(st, 2, h->case_id, sizeof(h->case_id));
	cv_col_copy(st, 3, h->record_id, sizeof(h->record_id));
	cv_col_copy(st, 4, h->ref, sizeof(h->ref));
	cv_col_copy(st, 5, h->placed_by, sizeof(h->placed_by));
	cv_col_copy(st, 6, h->placed_at, sizeof(h->placed_at));
	cv_col_copy(st, 7, h->released_by, sizeof(h->released_by));
	cv_col_copy(st, 8, h->released_at, sizeof(h->released_at));
}

int cv_db_hold_target(cv_vault *v, const char *record_id, char case_id[24], cv_section *sec)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT case_id, section FROM records WHERE id = ?", "t", record_id)) <= 0)
		return r;
	cv_col_copy(st, 0, case_id, 24);
	cv_section_parse(sec, cv_col(st, 1));
	sqlite3_finalize(st);
	return 1;
}

int cv_db_hold_insert(cv_vault *v, const char *kind, const char *case_id, const char *record_id,
		      const char *ref, cv_section sec, const char *reason, const char *now, long *id)
{
	int r;

	if ((r = cv_index_run(v, "place the hold",
		"INSERT INTO holds(kind, case_id, record_id, ref, section, placed_by, placed_at) VALUES(?,?,?,?,?,?,?)",
		"tnnnttt", kind, case_id, record_id, ref, cv_section_name(sec), v->actor, now)) < 0)
		return r;
	*id = (long)sqlite3_last_insert_rowid(v->db);
	if (reason && *reason)
		return cv_seal_update(v, sec, "holds", "reason", *id, reason, "place the hold");
	return 0;
}

int cv_db_hold_get(cv_vault *v, long id, int *released, char kind[16], char ref[48])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT released_at, kind, ref FROM holds WHERE id = ?", "l", id)) <= 0)
		return r;
	*released = sqlite3_column_type(st, 0) != SQLITE_NULL;
	cv_col_copy(st, 1, kind, 16);
	cv_col_copy(st, 2, ref, 48);
	sqlite3_finalize(st);
	return 1;
}

int cv_db_request_open(cv_vault *v, const char *ref)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM requests WHERE id = ? AND closed_at IS NULL", "t", ref);

	sqlite3_finalize(st);
	return r;
}

/* the last review a release follows: see cv_db_held_since_approval */
#define RELEASED_AFTER "released_after_review = (SELECT coalesce(max(id), 0) FROM reviews)"

int cv_db_hold_release(cv_vault *v, long id, const char *kind, const char *ref, const char *now, size_t *n)
{
	int r;

	if (kind)
		r = cv_index_run(v, "release the hold",
			"UPDATE holds SET released_by = ?1, released_at = ?2, " RELEASED_AFTER " WHERE kind = ?3 AND ref = ?4 AND released_at IS NULL",
			"tttt", v->actor, now, kind, ref);
	else
		r = cv_index_run(v, "release the hold",
			"UPDATE holds SET released_by = ?1, released_at = ?2, " RELEASED_AFTER " WHERE id = ?3 AND released_at IS NULL",
			"ttl", v->actor, now, id);
	if (r == 0 && n)
		*n = (size_t)sqlite3_changes(v->db);
	return r;
}

void cv_db_hold_list_free(cv_hold *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		if (list[i].reason) {
			explicit_bzero(list[i].reason, strlen(list[i].reason));
			free(list[i].reason);
		}
	free(list);
}

/* A reason opens only under its section's key; without it, it stays NULL. */
static int hold_reason(cv_vault *v, sqlite3_stmt *st, cv_hold *h)
{
	cv_section sec = CV_SECTION_CASE;

	if (sqlite3_column_type(st, 9) != SQLITE_BLOB)
		return 0;
	cv_section_parse(&sec, cv_col(st, 10));
	if (!v->mkey[sec])
		return 0;
	if (cv_sealed_get_n(v, st, 9, sec, "holds", "reason", h->id, &h->reason) < 0)
		return cv_error(v, CV_ECORRUPT, "the reason of hold %ld is damaged or altered", h->id);
	return 0;
}

static int fill_hold(cv_vault *v, sqlite3_stmt *st, void *item, void *unseal)
{
	row_to_hold(st, item);
	return *(int *)unseal ? hold_reason(v, st, item) : 0;
}

static void free_holds(void *list, size_t n)
{
	cv_db_hold_list_free(list, n);
}

static const cv_index_list hold_list = { sizeof(cv_hold), fill_hold, free_holds };

int cv_db_hold_list(cv_vault *v, int all, int unseal, cv_hold **out, size_t *n)
{
	return cv_index_collect(v, "list holds", &hold_list, out, n, &unseal, all ?
		"SELECT " HOLD_COLS ", reason, section FROM holds ORDER BY id DESC" :
		"SELECT " HOLD_COLS ", reason, section FROM holds WHERE released_at IS NULL ORDER BY id DESC", NULL);
}

int cv_db_hold_find(cv_vault *v, const char *record_id, const char *case_id, cv_hold *by)
{
	sqlite3_stmt *st = NULL;
	int held;

	if ((held = cv_index_one(v, &st,
		"SELECT " HOLD_COLS " FROM holds WHERE released_at IS NULL AND record_id = ?1"
		" UNION ALL SELECT " HOLD_COLS " FROM holds WHERE released_at IS NULL AND record_id IS NULL AND case_id = ?2"
		" LIMIT 1", "tn", record_id, case_id)) <= 0)
		return held;
	if (by)
		row_to_hold(st, by);
	sqlite3_finalize(st);
	return held;
}
