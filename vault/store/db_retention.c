/* casevault - retention dates, the records due and review decisions (db_retention.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "casevault/common.h"
#include "rules/due.h"
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

/* ---- sealed dates ---- */

/*
 * A retention date of st's row: the sealed column (the schedule key,
 * docs/architecture.md, Sealed columns) or, in a vault not yet moved to
 * sealed dates, the clear one; "" when there is none.
 */
static int row_date(cv_vault *v, sqlite3_stmt *st, int sealed_col, int clear_col, const char *table,
		    const char *column, const char *id, char out[11])
{
	char *p = NULL;
	int r;

	out[0] = '\0';
	if (sqlite3_column_type(st, sealed_col) == SQLITE_NULL) {
		cv_col_copy(st, clear_col, out, 11);
		/*
		 * A vault with a schedule key has sealed every clear date in the
		 * transaction that made it (core/schedule.c): a clear one now was
		 * written behind casevault's back, and could make a record fall due.
		 */
		if (out[0] && v->skey)
			return cv_error(v, CV_ECORRUPT, "%s %s has a retention date in clear though this vault's dates are sealed "
					"(the index was altered?): nothing was changed; run 'casevault verify'", table, id);
		return 0;
	}
	if ((r = cv_sealed_get(v, st, sealed_col, CV_SEAL_SCHEDULE, table, column, id, &p)) < 0)
		return r;
	snprintf(out, 11, "%s", p ? p : "");
	free(p);
	return 0;
}

/* A sealed date of records or reviews bound as parameter idx (NULL or "" binds NULL). */
static int bind_date(cv_vault *v, sqlite3_stmt *st, int idx, const char *table, const char *column,
		     const char *id, const char *date)
{
	return cv_sealed_bind(v, st, idx, CV_SEAL_SCHEDULE, table, column, id, date && date[0] ? date : NULL);
}

/* The schedule key from the index when the case key is held (store/sealed.c); legacy vaults have none. */
static int schedule_ready(cv_vault *v)
{
	int r = cv_sealed_schedule_load(v);

	return r < 0 ? r : 0;
}

/* ---- the records due ---- */

#define DUE_COLS "SELECT r.id, r.case_id, r.section, r.class, r.filed_at, r.retain_until, r.policy_hash," \
	" r.archive_id, a.file, r.retain_clear FROM records r"
#define DUE_JOIN " JOIN archives a ON a.id = r.archive_id"
#define DUE_DATED "(r.retain_until IS NOT NULL OR r.retain_clear IS NOT NULL)"

static int row_to_due(cv_vault *v, sqlite3_stmt *st, cv_due *d)
{
	memset(d, 0, sizeof(*d));
	cv_col_copy(st, 0, d->id, sizeof(d->id));
	cv_col_copy(st, 1, d->case_id, sizeof(d->case_id));
	cv_section_parse(&d->section, cv_col(st, 2));
	cv_col_copy(st, 3, d->class_name, sizeof(d->class_name));
	cv_col_copy(st, 4, d->filed_at, sizeof(d->filed_at));
	cv_col_copy(st, 6, d->policy_hash, sizeof(d->policy_hash));
	d->archive_id = sqlite3_column_int64(st, 7);
	cv_col_copy(st, 8, d->archive, sizeof(d->archive));
	return row_date(v, st, 5, 9, "records", "retain_until", d->id, d->retain_until);
}

/*
 * Step st (DUE_COLS, bound) and keep the records whose exact date is on or
 * before as_of (cv_due_reached): the dates are sealed, so the index cannot
 * choose them; each is opened and compared here.
 */
static int collect_due(cv_vault *v, sqlite3_stmt *st, const char *as_of, cv_due **out, size_t *n)
{
	cv_due *list = NULL, d;
	size_t nl = 0, cap = 0;
	int r = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = row_to_due(v, st, &d)) < 0)
			break;
		if (!cv_due_reached(d.retain_until, as_of))
			continue;
		if (CV_ARRAY_GROW(&list, &cap, nl) < 0) {
			r = cv_error(v, CV_ERROR, "out of memory");
			break;
		}
		list[nl++] = d;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = cv_index_dberr(v, "list the records due");
	sqlite3_finalize(st);
	if (r < 0) {
		free(list);
		list = NULL;
		nl = 0;
	}
	*out = list;
	*n = nl;
	return r;
}

int cv_db_due_list(cv_vault *v, const char *as_of, cv_due **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = schedule_ready(v)) < 0 ||
	    (r = cv_index_query(v, &st, DUE_COLS DUE_JOIN " WHERE " DUE_DATED " ORDER BY r.archive_id, r.seq", NULL)) < 0)
		return r;
	return collect_due(v, st, as_of, out, n);
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
	char date[11];
	int r, found = 0;

	out[0] = '\0';
	if ((r = schedule_ready(v)) < 0 ||
	    (r = cv_index_query(v, &st, "SELECT decided_by, id, retain_until, retain_clear FROM reviews"
				" WHERE record_id = ? AND decision = 'approve' ORDER BY id DESC", "t", record_id)) < 0)
		return r;
	/* the approval is tied to the date it approved (docs/legal-rules.md §14); the dates are sealed */
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		if ((r = row_date(v, st, 2, 3, "reviews", "retain_until", cv_col(st, 1), date)) < 0)
			break;
		if (!strcmp(date, retain_until)) {
			cv_col_copy(st, 0, out, 24);
			found = 1;
		}
	}
	sqlite3_finalize(st);
	return r < 0 ? r : found;
}

int cv_db_review_record(cv_vault *v, const char *record_id, char cls[64], cv_section *sec, char retain[11],
			char case_id[24])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = schedule_ready(v)) < 0 ||
	    (r = row_by_key(v, &st, "SELECT class, section, retain_until, retain_clear, case_id FROM records WHERE id = ?",
			    record_id)) <= 0)
		return r;
	cv_col_copy(st, 0, cls, 64);
	cv_section_parse(sec, cv_col(st, 1));
	cv_col_copy(st, 4, case_id, 24);
	r = row_date(v, st, 2, 3, "records", "retain_until", record_id, retain);
	sqlite3_finalize(st);
	return r < 0 ? r : 1;
}

/* Record_id's retention date, sealed; the clear one of an older vault goes (docs/architecture.md, Sealed columns). */
static int set_retain_until(cv_vault *v, const char *record_id, const char *until, const char *hash)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = schedule_ready(v)) < 0)
		return r;
	if (hash)
		r = cv_index_query(v, &st, "UPDATE records SET retain_until = ?, retain_clear = NULL, policy_hash = ?"
				   " WHERE id = ?", "-tt", hash, record_id);
	else
		r = cv_index_query(v, &st, "UPDATE records SET retain_until = ?, retain_clear = NULL WHERE id = ?",
				   "-t", record_id);
	if (r < 0)
		return r;
	if ((r = bind_date(v, st, 1, "records", "retain_until", record_id, until)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "update a retention date");
}

int cv_db_review_insert(cv_vault *v, const char *record_id, cv_section sec, const char *decision,
			const char *retain, const char *until, const char *reason, const char *now)
{
	long id;
	int r;

	/* retain_clear is '' and until_clear NULL: both dates are sealed under the schedule key */
	if ((r = cv_index_run(v, "record the review decision",
		"INSERT INTO reviews(record_id, decision, retain_clear, section, decided_by, decided_at)"
		" VALUES(?,?,'',?,?,?)", "ttttt", record_id, decision, cv_section_name(sec), v->actor, now)) < 0)
		return r;
	id = (long)sqlite3_last_insert_rowid(v->db);
	if ((r = schedule_ready(v)) < 0 ||
	    (retain && retain[0] &&
	     (r = cv_seal_update(v, CV_SEAL_SCHEDULE, "reviews", "retain_until", id, retain, "record the review decision")) < 0) ||
	    (until && (r = cv_seal_update(v, CV_SEAL_SCHEDULE, "reviews", "until", id, until, "record the review decision")) < 0))
		return r;
	if (reason && (r = cv_seal_update(v, sec, "reviews", "reason", id, reason, "record the review decision")) < 0)
		return r;
	return until ? set_retain_until(v, record_id, until, NULL) : 0;
}

int cv_db_defer_floor(cv_vault *v, const char *record_id, char out[11])
{
	sqlite3_stmt *st = NULL;
	char date[11];
	int r;

	out[0] = '\0';
	if ((r = schedule_ready(v)) < 0 ||
	    (r = cv_index_query(v, &st, "SELECT id, until, until_clear FROM reviews WHERE record_id = ? AND decision = 'defer'",
				"t", record_id)) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((r = row_date(v, st, 1, 2, "reviews", "until", cv_col(st, 0), date)) < 0)
			break;
		if (strcmp(date, out) > 0)
			memcpy(out, date, 11);
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- retention dates ---- */

/*
 * last-contact: the latest day anything was filed into the case (a call, a
 * meeting, a letter).  It only moves forward, so a date computed from it is
 * never early; filing into a case recomputes the dates that use it.
 */
#define REC_SQL "SELECT r.id, r.class, r.section, r.filed_at, r.retain_until, r.policy_hash," \
	" r.case_id, c.closed," \
	" (SELECT substr(max(r2.filed_at), 1, 10) FROM records r2 WHERE r2.case_id = r.case_id)," \
	" r.retain_clear" \
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
	char date[11];
	int r, rc;

	if ((r = schedule_ready(v)) < 0 ||
	    (r = cv_index_query(v, &st, sql[case_id != NULL][ordered != 0], case_id ? "t" : NULL, case_id)) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cv_db_dated d;

		d.id = cv_col(st, 0);
		d.class_name = cv_col(st, 1);
		d.section = CV_SECTION_CASE;
		cv_section_parse(&d.section, cv_col(st, 2));
		d.filed_at = cv_col(st, 3);
		if ((r = row_date(v, st, 4, 9, "records", "retain_until", d.id, date)) < 0)
			break;
		d.retain_until = date;
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
	return set_retain_until(v, record_id, retain_until, hash);
}

/* ---- the records due, in chunks ---- */

/*
 * The purge walks the records due in chunks of whole archives
 * (docs/retention.md, "The purge at scale"): first the archives that hold
 * records due, then each chunk's rows by the archive index (only its
 * archives' rows).  The dates are sealed: every dated record's date is
 * opened and compared with as_of here, one small row at a time.
 */
int cv_db_due_archives(cv_vault *v, const char *as_of, cv_db_due_archive **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_db_due_archive *a = NULL;
	size_t na = 0, cap = 0;
	char date[11];
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = schedule_ready(v)) < 0 ||
	    (r = cv_index_query(v, &st, "SELECT r.archive_id, r.id, r.retain_until, r.retain_clear FROM records r"
				" WHERE " DUE_DATED " ORDER BY r.archive_id", NULL)) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if ((r = row_date(v, st, 2, 3, "records", "retain_until", cv_col(st, 1), date)) < 0)
			break;
		if (!cv_due_reached(date, as_of))
			continue;
		if (na && a[na - 1].id == id) {
			a[na - 1].due++;
			continue;
		}
		if (CV_ARRAY_GROW(&a, &cap, na) < 0) {
			r = cv_error(v, CV_ERROR, "out of memory");
			break;
		}
		a[na].id = id;
		a[na++].due = 1;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = cv_index_dberr(v, "list the archives of the records due");
	sqlite3_finalize(st);
	if (r < 0) {
		free(a);
		return r;
	}
	*out = a;
	*n = na;
	return 0;
}

int cv_db_due_range(cv_vault *v, const char *as_of, int64_t first, int64_t last, cv_due **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = schedule_ready(v)) < 0 ||
	    (r = cv_index_query(v, &st, DUE_COLS " INDEXED BY records_archive" DUE_JOIN " WHERE r.archive_id BETWEEN ? AND ? AND "
				DUE_DATED " ORDER BY r.archive_id, r.seq", "II", (sqlite3_int64)first, (sqlite3_int64)last)) < 0)
		return r;
	return collect_due(v, st, as_of, out, n);
}
