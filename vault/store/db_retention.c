/* casevault - retention dates, the records due and review decisions (db_retention.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "casevault/common.h"
#include "store/db_retention.h"
#include "store/index.h"
#include "store/sealed.h"

/*
 * Prepare sql, bind key as its one parameter and step: 1 with *st on the
 * row (the caller finalizes it), 0 when there is no row, <0 on error.
 */
static int row_by_key(cv_vault *v, sqlite3_stmt **st, const char *sql, const char *key)
{
	return cv_index_one(v, st, sql, "t", key);
}

/* ---- the records due ---- */

static int row_to_due(cv_vault *v, sqlite3_stmt *st, void *item, void *unused)
{
	cv_due *d = item;

	(void)v;
	(void)unused;
	memset(d, 0, sizeof(*d));
	cv_col_copy(st, 0, d->id, sizeof(d->id));
	cv_col_copy(st, 1, d->case_id, sizeof(d->case_id));
	cv_section_parse(&d->section, cv_col(st, 2));
	cv_col_copy(st, 3, d->class_name, sizeof(d->class_name));
	cv_col_copy(st, 4, d->filed_at, sizeof(d->filed_at));
	cv_col_copy(st, 5, d->retain_until, sizeof(d->retain_until));
	cv_col_copy(st, 6, d->policy_hash, sizeof(d->policy_hash));
	d->archive_id = sqlite3_column_int64(st, 7);
	cv_col_copy(st, 8, d->archive, sizeof(d->archive));
	return 0;
}

static void free_due(void *list, size_t n)
{
	(void)n;
	free(list);
}

static const cv_index_list due_list = { sizeof(cv_due), row_to_due, free_due };

int cv_db_due_list(cv_vault *v, const char *as_of, cv_due **out, size_t *n)
{
	return cv_index_collect(v, "list the records due", &due_list, out, n, NULL,
		"SELECT r.id, r.case_id, r.section, r.class, r.filed_at, r.retain_until, r.policy_hash,"
		" r.archive_id, a.file FROM records r JOIN archives a ON a.id = r.archive_id"
		" WHERE r.retain_until IS NOT NULL AND r.retain_until <= ? ORDER BY r.archive_id, r.seq", "t", as_of);
}

int cv_db_archive_count(cv_vault *v, int64_t archive_id, int64_t *total)
{
	sqlite3_stmt *st = NULL;
	int r;

	*total = -1;
	if ((r = cv_index_one(v, &st, "SELECT count(*) FROM records WHERE archive_id = ?", "I",
			      (sqlite3_int64)archive_id)) <= 0)
		return r;
	*total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* ---- review decisions ---- */

int cv_db_review_approver(cv_vault *v, const char *record_id, const char *retain_until, char out[24])
{
	sqlite3_stmt *st = NULL;
	int found;

	out[0] = '\0';
	if ((found = cv_index_one(v, &st,
		"SELECT decided_by FROM reviews WHERE record_id = ? AND decision = 'approve' AND retain_until = ?"
		" ORDER BY id DESC LIMIT 1", "tt", record_id, retain_until)) > 0)
		cv_col_copy(st, 0, out, 24);
	sqlite3_finalize(st);
	return found < 0 ? cv_index_dberr(v, "read review decisions") : found;
}

int cv_db_review_record(cv_vault *v, const char *record_id, char cls[64], cv_section *sec, char retain[11])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = row_by_key(v, &st, "SELECT class, section, retain_until FROM records WHERE id = ?", record_id)) <= 0)
		return r;
	cv_col_copy(st, 0, cls, 64);
	cv_section_parse(sec, cv_col(st, 1));
	cv_col_copy(st, 2, retain, 11);
	sqlite3_finalize(st);
	return 1;
}

static int set_retain_until(cv_vault *v, const char *record_id, const char *until)
{
	return cv_index_run(v, "set the new review date", "UPDATE records SET retain_until = ? WHERE id = ?",
			    "tt", until, record_id);
}

int cv_db_review_insert(cv_vault *v, const char *record_id, cv_section sec, const char *decision,
			const char *retain, const char *until, const char *reason, const char *now)
{
	long id;
	int r;

	if ((r = cv_index_run(v, "record the review decision",
		"INSERT INTO reviews(record_id, decision, retain_until, until, section, decided_by, decided_at)"
		" VALUES(?,?,?,?,?,?,?)", "ttttttt", record_id, decision, retain, until, cv_section_name(sec),
		v->actor, now)) < 0)
		return r;
	id = (long)sqlite3_last_insert_rowid(v->db);
	if (reason && (r = cv_seal_update(v, sec, "reviews", "reason", id, reason, "record the review decision")) < 0)
		return r;
	return until ? set_retain_until(v, record_id, until) : 0;
}

int cv_db_defer_floor(cv_vault *v, const char *record_id, char out[11])
{
	sqlite3_stmt *st = NULL;
	int r;

	out[0] = '\0';
	if ((r = cv_index_one(v, &st, "SELECT max(until) FROM reviews WHERE record_id = ? AND decision = 'defer'",
			      "t", record_id)) > 0)
		cv_col_copy(st, 0, out, 11);
	sqlite3_finalize(st);
	return r < 0 ? cv_index_dberr(v, "read review decisions") : 0;
}

/* ---- retention dates ---- */

/*
 * last-contact: the latest day anything was filed into the case (a call, a
 * meeting, a letter).  It only moves forward, so a date computed from it is
 * never early; filing into a case recomputes the dates that use it.
 */
#define REC_SQL "SELECT r.id, r.class, r.section, r.filed_at, r.retain_until, r.policy_hash," \
	" r.case_id, c.closed," \
	" (SELECT substr(max(r2.filed_at), 1, 10) FROM records r2 WHERE r2.case_id = r.case_id)" \
	" FROM records r LEFT JOIN cases c ON c.id = r.case_id"

static const char *col_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : cv_col(st, i);
}

int cv_db_dated_each(cv_vault *v, const char *case_id, int ordered, const char *what,
		     int (*fn)(void *hook, const cv_db_dated *r), void *hook)
{
	static const char *const sql[2][2] = {
		{ REC_SQL, REC_SQL " ORDER BY r.case_id" },
		{ REC_SQL " WHERE r.case_id = ?", REC_SQL " WHERE r.case_id = ? ORDER BY r.case_id" },
	};
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = cv_index_query(v, &st, sql[case_id != NULL][ordered != 0], case_id ? "t" : NULL, case_id)) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cv_db_dated d;

		d.id = cv_col(st, 0);
		d.class_name = cv_col(st, 1);
		d.section = CV_SECTION_CASE;
		cv_section_parse(&d.section, cv_col(st, 2));
		d.filed_at = cv_col(st, 3);
		d.retain_until = cv_col(st, 4);
		d.policy_hash = cv_col(st, 5);
		d.case_id = col_or_null(st, 6);
		d.closed = col_or_null(st, 7);
		d.last_contact = d.case_id ? col_or_null(st, 8) : NULL;
		if ((r = fn(hook, &d)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE && what)
		r = cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}

int cv_db_case_dob(cv_vault *v, const char *case_id, char **dob)
{
	sqlite3_stmt *st = NULL;
	int r;

	*dob = NULL;
	if ((r = row_by_key(v, &st, "SELECT child_dob FROM cases WHERE id = ?", case_id)) <= 0)
		return r;
	if (cv_sealed_get(v, st, 0, CV_SECTION_CASE, "cases", "child_dob", case_id, dob) < 0 || !*dob)
		r = cv_error(v, CV_ECORRUPT, "the date of birth of case %s is damaged or altered", case_id);
	sqlite3_finalize(st);
	return r;
}

int cv_db_event_date(cv_vault *v, const char *record_id, cv_section sec, char **date)
{
	sqlite3_stmt *st = NULL;
	int r;

	*date = NULL;
	if ((r = row_by_key(v, &st, "SELECT event_date FROM records WHERE id = ?", record_id)) < 0)
		return r;
	if (r == 0 || cv_sealed_get(v, st, 0, sec, "records", "event_date", record_id, date) < 0 || !*date)
		r = cv_error(v, CV_ECORRUPT, "the event date of record %s is damaged or altered", record_id);
	else
		r = 0;
	sqlite3_finalize(st);
	return r;
}

int cv_db_retention_set(cv_vault *v, const char *record_id, const char *retain_until, const char *hash)
{
	return cv_index_run(v, "update a retention date", "UPDATE records SET retain_until = ?, policy_hash = ? WHERE id = ?",
			    "ntt", retain_until, hash, record_id);
}

/* ---- the records due, in chunks ---- */

static int row_to_due_archive(cv_vault *v, sqlite3_stmt *st, void *item, void *unused)
{
	cv_db_due_archive *a = item;

	(void)v;
	(void)unused;
	a->id = sqlite3_column_int64(st, 0);
	a->due = sqlite3_column_int64(st, 1);
	return 0;
}

static const cv_index_list due_archive_list = { sizeof(cv_db_due_archive), row_to_due_archive, free_due };

/*
 * The purge walks the records due in chunks of whole archives
 * (docs/retention.md, "The purge at scale"): first the archives that hold
 * records due, by the retain_until index (only due rows are read), then
 * each chunk's rows by the archive index (only its archives' rows).
 */
int cv_db_due_archives(cv_vault *v, const char *as_of, cv_db_due_archive **out, size_t *n)
{
	return cv_index_collect(v, "list the archives of the records due", &due_archive_list, out, n, NULL,
		"SELECT archive_id, count(*) FROM records WHERE retain_until IS NOT NULL AND retain_until <= ?"
		" GROUP BY archive_id ORDER BY archive_id", "t", as_of);
}

int cv_db_due_range(cv_vault *v, const char *as_of, int64_t first, int64_t last, cv_due **out, size_t *n)
{
	return cv_index_collect(v, "list the records due", &due_list, out, n, NULL,
		"SELECT r.id, r.case_id, r.section, r.class, r.filed_at, r.retain_until, r.policy_hash,"
		" r.archive_id, a.file FROM records r INDEXED BY records_archive JOIN archives a ON a.id = r.archive_id"
		" WHERE r.archive_id BETWEEN ? AND ? AND r.retain_until IS NOT NULL AND r.retain_until <= ?"
		" ORDER BY r.archive_id, r.seq", "IIt", (sqlite3_int64)first, (sqlite3_int64)last, as_of);
}
