/* casevault - the index side of corrections (db_corrections.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_corrections.h"
#include "store/db_purge.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_fix_where(cv_vault *v, const char *id, char case_id[24], cv_section *sec, long long *archive_id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT case_id, section, archive_id FROM records WHERE id = ?", "t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, case_id, 24);
	cv_section_parse(sec, cv_col(st, 1));
	*archive_id = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	return 1;
}

int cv_db_fix_move(cv_vault *v, const char *id, cv_section sec, const char *case_id, long long archive_id)
{
	char *sha = NULL, blind[65];
	int r;

	if ((r = cv_db_record_sha256(v, id, sec, &sha)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ECORRUPT, "the hash of record %s does not open; nothing was moved (run 'casevault verify')", id);
	r = cv_sealed_blind(v, sec, case_id, sha, blind);
	free(sha);
	if (r < 0)
		return r;
	return cv_index_run(v, "move the record", "UPDATE records SET case_id = ?, archive_id = ?, blind = ? WHERE id = ?",
			    "tItt", case_id, (sqlite3_int64)archive_id, blind, id);
}

/* One sealed column of record id set to text. */
static int set_sealed(cv_vault *v, const char *id, cv_section sec, const char *column, const char *text)
{
	sqlite3_stmt *st = NULL;
	char sql[96];
	int r;

	/* column is one of the two names below, never input */
	snprintf(sql, sizeof(sql), "UPDATE records SET %s = ? WHERE id = ?", column);
	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 1, sec, "records", column, id, text)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
	return cv_index_done(v, st, "correct the record");
}

int cv_db_fix_set(cv_vault *v, const char *id, cv_section sec, const char *class_name, const char *title,
		  const char *event_date)
{
	int r;

	if (class_name && (r = cv_index_run(v, "correct the record's class", "UPDATE records SET class = ? WHERE id = ?",
					    "tt", class_name, id)) < 0)
		return r;
	if (title && (r = set_sealed(v, id, sec, "title", title)) < 0)
		return r;
	if (event_date && (r = set_sealed(v, id, sec, "event_date", event_date)) < 0)
		return r;
	return 0;
}

int cv_db_fix_meta(cv_vault *v, const char *id, cv_section sec, char class_name[64], char event_date[11])
{
	sqlite3_stmt *st = NULL;
	char *ev = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT class, event_date FROM records WHERE id = ?", "t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, class_name, 64);
	r = cv_sealed_get(v, st, 1, sec, "records", "event_date", id, &ev);
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	snprintf(event_date, 11, "%s", ev ? ev : "");
	free(ev);
	return 1;
}

int cv_db_fix_log(cv_vault *v, const cv_db_fix_entry *e, long *id)
{
	sqlite3_int64 rid;
	int r;

	if ((r = cv_index_run(v, "record the correction",
		"INSERT INTO corrections(kind, record_id, from_case, to_case, changed, request_id, certificate, section,"
		" done_by, done_at) VALUES(?,?,?,?,?,?,?,?,?,?)", "ttnnnnltt" "t",
		e->kind, e->record_id, e->from_case, e->to_case, e->changed, e->request_id,
		e->certificate, cv_section_name(e->section), e->done_by, e->done_at)) < 0)
		return r;
	rid = sqlite3_last_insert_rowid(v->db);
	*id = (long)rid;
	if (!e->reason)
		return 0;
	/* the reason may name people: sealed under the record's section, its context naming this row */
	return cv_seal_update(v, e->section, "corrections", "reason", rid, e->reason, "record the correction's reason");
}

int cv_db_fix_due(cv_vault *v, const char *id, cv_due *d)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT r.case_id, r.section, r.class, r.filed_at, r.policy_hash, r.archive_id, a.file"
			      " FROM records r JOIN archives a ON a.id = r.archive_id WHERE r.id = ?", "t", id)) <= 0)
		return r;
	snprintf(d->id, sizeof(d->id), "%s", id);
	cv_col_copy(st, 0, d->case_id, sizeof(d->case_id));
	cv_section_parse(&d->section, cv_col(st, 1));
	cv_col_copy(st, 2, d->class_name, sizeof(d->class_name));
	cv_col_copy(st, 3, d->filed_at, sizeof(d->filed_at));
	cv_col_copy(st, 4, d->policy_hash, sizeof(d->policy_hash));
	d->archive_id = sqlite3_column_int64(st, 5);
	cv_col_copy(st, 6, d->archive, sizeof(d->archive));
	sqlite3_finalize(st);
	return 1;
}
