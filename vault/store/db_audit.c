/* casevault - the audit table and the receipts' trail heads (db_audit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/handle.h"
#include "store/db_audit.h"
#include "store/index.h"

int cv_db_audit_last(cv_vault *v, long *seq, char hash[65])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", NULL)) <= 0)
		return r;
	*seq = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, hash, 65);
	sqlite3_finalize(st);
	return 1;
}

int cv_db_audit_insert(cv_vault *v, const cv_db_audit_row *row)
{
	return cv_index_run(v, "append to the audit trail",
		"INSERT INTO audit(seq, time, actor, action, ids, outcome, prev, hash) VALUES(?,?,?,?,?,?,?,?)",
		"lttttttt", row->seq, row->time, row->actor, row->action, row->ids, row->outcome, row->prev, row->hash);
}

int cv_db_audit_has(cv_vault *v, long seq, const char *hash, int prefix_ok)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = cv_index_one(v, &st, prefix_ok ?
		"SELECT 1 FROM audit WHERE seq = ?1 AND"
		" (hash = ?2 OR (length(?2) >= 16 AND substr(hash, 1, length(?2)) = ?2))" :
		"SELECT 1 FROM audit WHERE seq = ? AND hash = ?", "lt", seq, hash);
	sqlite3_finalize(st);
	return r;
}

int cv_db_audit_each(cv_vault *v, int (*fn)(void *hook, const cv_db_audit_row *r), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_audit_row row;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT seq, time, actor, action, ids, outcome, prev, hash FROM audit ORDER BY rowid")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		row.seq = (long)sqlite3_column_int64(st, 0);
		row.time = (const char *)sqlite3_column_text(st, 1);
		row.actor = (const char *)sqlite3_column_text(st, 2);
		row.action = (const char *)sqlite3_column_text(st, 3);
		row.ids = (const char *)sqlite3_column_text(st, 4);
		row.outcome = (const char *)sqlite3_column_text(st, 5);
		row.prev = (const char *)sqlite3_column_text(st, 6);
		row.hash = (const char *)sqlite3_column_text(st, 7);
		if ((r = fn(hook, &row)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

/* One row of the filtered listing into item (a cv_audit_event). */
static int audit_event_from(cv_vault *v, sqlite3_stmt *st, void *item, void *unused)
{
	cv_audit_event *e = item;

	(void)unused;
	e->seq = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, e->time, sizeof(e->time));
	cv_col_copy(st, 2, e->actor, sizeof(e->actor));
	cv_col_copy(st, 3, e->action, sizeof(e->action));
	e->ids = strdup(cv_col(st, 4));
	cv_col_copy(st, 5, e->outcome, sizeof(e->outcome));
	cv_col_copy(st, 6, e->hash, sizeof(e->hash));
	return e->ids ? 0 : cv_error(v, CV_ERROR, "out of memory");
}

void cv_db_audit_list_free(cv_audit_event *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i].ids);
	free(list);
}

static void free_events(void *list, size_t n)
{
	cv_db_audit_list_free(list, n);
}

static const cv_index_list audit_list = { sizeof(cv_audit_event), audit_event_from, free_events };

/*
 * --record names one id: an event matches when that id is one of the words
 * of its ids, exactly (docs/commands/audit-show.md).  instr, not LIKE: a
 * '%' or '_' in the id given is a character, never a wildcard that would
 * list the whole trail.
 */
int cv_db_audit_list(cv_vault *v, const cv_audit_filter *f, cv_audit_event **out, size_t *n)
{
	return cv_index_collect(v, NULL, &audit_list, out, n, NULL,
		"SELECT seq, time, actor, action, ids, outcome, hash FROM audit"
		" WHERE (?1 IS NULL OR time >= ?1) AND (?2 IS NULL OR actor = ?2)"
		" AND (?3 IS NULL OR instr(' ' || ids || ' ', ' ' || ?3 || ' ') > 0)"
		" ORDER BY seq", "ttt", f ? f->since : NULL, f ? f->actor : NULL, f ? f->id : NULL);
}

int cv_db_audit_receipt_anchors(cv_vault *v, int (*fn)(void *hook, const cv_db_audit_anchor *a), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_audit_anchor a;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"SELECT id, json_extract(body, '$.audit_seq'), json_extract(body, '$.audit_hash') FROM receipts"
		" WHERE json_extract(body, '$.audit_seq') IS NOT NULL ORDER BY id")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		a.receipt = (long long)sqlite3_column_int64(st, 0);
		a.seq = (long)sqlite3_column_int64(st, 1);
		a.hash = (const char *)sqlite3_column_text(st, 2);
		if ((r = fn(hook, &a)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int cv_db_audit_find(cv_vault *v, const char *action, const char *word, char *ids, size_t idslen)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT ids FROM audit WHERE action = ? AND outcome = 'ok'"
			      " AND instr(' ' || ids || ' ', ' ' || ? || ' ') > 0 ORDER BY seq DESC LIMIT 1",
			      "tt", action, word)) <= 0)
		return r;
	cv_col_copy(st, 0, ids, idslen);
	sqlite3_finalize(st);
	return 1;
}
