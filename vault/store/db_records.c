/* casevault - the records table (db_records.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "store/db_records.h"
#include "store/index.h"
#include "store/keystore.h"
#include "store/sealed.h"

#define REC_COLS "r.id, r.case_id, r.section, r.class, r.title, r.event_date, r.filed_at, r.filed_by, r.mime, r.size, r.retain_until, r.retain_clear, r.size_sealed, " \
	"(SELECT p.part_of FROM record_parts p WHERE p.record_id = r.id)"
#define NO_RECORD "no record %s in this vault; see 'casevault ls CASE'"

static int unseal_rec(cv_vault *v, sqlite3_stmt *st, int col, cv_section s, const char *what,
		      const char *id, char **out)
{
	return cv_sealed_get(v, st, col, s, "records", what, id, out);
}

/*
 * The record's retention date, sealed under the schedule key: shown only
 * to whoever holds it (the case key, or the purge's account), else left
 * "" (docs/architecture.md, Sealed columns).  A vault not yet moved to
 * sealed dates still has the clear one (column 11).
 */
static int retain_date(cv_vault *v, sqlite3_stmt *st, cv_record *rec)
{
	char *p = NULL;
	int r;

	if (sqlite3_column_type(st, 10) == SQLITE_NULL) {
		cv_col_copy(st, 11, rec->retain_until, sizeof(rec->retain_until));
		return 0;
	}
	if ((r = cv_sealed_schedule_load(v)) == 0)
		return 0;
	if (r < 0 || (r = cv_sealed_get(v, st, 10, CV_SEAL_SCHEDULE, "records", "retain_until", rec->id, &p)) < 0) {
		cv_record_release(rec);
		return r;
	}
	snprintf(rec->retain_until, sizeof(rec->retain_until), "%s", p ? p : "");
	free(p);
	return 0;
}

/*
 * A cv_index_list fill: the REC_COLS of st's row into item (a cv_record);
 * the id is set first, so a caller sees whose fields did not open.
 */
static int row_to_record(cv_vault *v, sqlite3_stmt *st, void *item, void *unused)
{
	cv_record *rec = item;
	char *ev = NULL;
	int r;

	(void)unused;
	memset(rec, 0, sizeof(*rec));
	cv_col_copy(st, 0, rec->id, sizeof(rec->id));
	cv_col_copy(st, 1, rec->case_id, sizeof(rec->case_id));
	cv_section_parse(&rec->section, cv_col(st, 2));
	cv_col_copy(st, 3, rec->class_name, sizeof(rec->class_name));
	if ((r = unseal_rec(v, st, 4, rec->section, "title", rec->id, &rec->title)) < 0)
		return r;
	if ((r = unseal_rec(v, st, 5, rec->section, "event_date", rec->id, &ev)) < 0) {
		cv_record_release(rec);
		return r;
	}
	snprintf(rec->event_date, sizeof(rec->event_date), "%s", ev ? ev : "");
	free(ev);
	cv_col_copy(st, 6, rec->filed_at, sizeof(rec->filed_at));
	cv_col_copy(st, 7, rec->filed_by, sizeof(rec->filed_by));
	cv_col_copy(st, 8, rec->mime, sizeof(rec->mime));
	rec->size = cv_sealed_size(v, st, 9, 12, rec->section, rec->id);
	cv_col_copy(st, 13, rec->part_of, sizeof(rec->part_of));
	return retain_date(v, st, rec);
}

/* The public release functions live with the rows they free (the store fills them). */
void cv_record_release(cv_record *rec)
{
	if (rec && rec->title) {
		explicit_bzero(rec->title, strlen(rec->title));
		free(rec->title);
		rec->title = NULL;
	}
}

void cv_record_list_free(cv_record *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cv_record_release(&list[i]);
	free(list);
}

static void free_records(void *list, size_t n)
{
	cv_record_list_free(list, n);
}

static const cv_index_list record_list = { sizeof(cv_record), row_to_record, free_records };

int cv_db_records_list(cv_vault *v, const char *case_id, cv_section s, cv_record **out, size_t *n)
{
	return cv_index_collect(v, "list records", &record_list, out, n, NULL,
		"SELECT " REC_COLS " FROM records r WHERE r.case_id = ? AND r.section = ? ORDER BY r.seq",
		"tt", case_id, cv_section_name(s));
}

int cv_db_record_mime(cv_vault *v, const char *id, cv_section *s, char mime[96])
{
	sqlite3_stmt *st = NULL;
	int r;

	mime[0] = '\0';
	if ((r = cv_index_one(v, &st, "SELECT section, mime FROM records WHERE id = ?", "t", id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, NO_RECORD, id);
	cv_section_parse(s, cv_col(st, 0));
	cv_col_copy(st, 1, mime, 96);
	sqlite3_finalize(st);
	return 0;
}

int cv_db_record_locate(cv_vault *v, const char *id, int (*allow)(void *hook, cv_section s), void *hook,
			cv_db_record_where *w)
{
	sqlite3_stmt *st = NULL;
	cv_section s;
	int r;

	memset(w, 0, sizeof(*w));
	if ((r = cv_index_one(v, &st,
		"SELECT " REC_COLS ", r.member, r.sha256, a.file, a.sha256, " CV_KS_WRAPPED("a") ", a.key_gen, a.receipt_id"
		" FROM records r JOIN archives a ON a.id = r.archive_id WHERE r.id = ?", "t", id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, NO_RECORD, id);
	cv_section_parse(&s, cv_col(st, 2));
	if ((r = allow(hook, s)) < 0)
		goto out;
	if ((r = row_to_record(v, st, &w->rec, NULL)) < 0 ||
	    (r = unseal_rec(v, st, 15, w->rec.section, "sha256", w->rec.id, &w->sha)) < 0)
		goto out;
	cv_col_copy(st, 14, w->member, sizeof(w->member));
	cv_col_copy(st, 16, w->file, sizeof(w->file));
	cv_col_copy(st, 17, w->archive_sha, sizeof(w->archive_sha));
	w->wrapped = strdup(cv_col(st, 18));
	w->key_gen = sqlite3_column_int(st, 19);
	w->receipt_id = sqlite3_column_int64(st, 20);
	if (!w->wrapped)
		r = cv_error(v, CV_ERROR, "out of memory");
out:
	sqlite3_finalize(st);
	return r;
}

void cv_db_record_where_release(cv_db_record_where *w)
{
	cv_record_release(&w->rec);
	free(w->sha);
	free(w->wrapped);
	w->sha = w->wrapped = NULL;
}

/*
 * A kept row's blind value: the stored one, or, in a vault whose rows have
 * none yet (the one-time fill waits for a writer, core/blindupgrade.c), the
 * one its sealed hash gives, computed in memory.
 */
static int row_blind(cv_vault *v, sqlite3_stmt *st, cv_section s, const char *case_id, cv_db_record_blind *row)
{
	char *sha = NULL;
	int r;

	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		cv_col_copy(st, 2, row->blind, sizeof(row->blind));
		return 0;
	}
	if ((r = unseal_rec(v, st, 3, s, "sha256", row->id, &sha)) < 0 || !sha)
		return r;
	r = cv_sealed_blind(v, s, case_id, sha, row->blind);
	explicit_bzero(sha, strlen(sha));
	free(sha);
	return r;
}

int cv_db_record_blinds(cv_vault *v, const char *case_id, cv_section s,
			int (*want)(void *hook, const cv_db_record_blind *row), void *hook,
			cv_db_record_blind **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_db_record_blind *k = NULL, row;
	size_t nk = 0, cap = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = cv_index_query(v, &st, "SELECT id, size, blind, sha256 FROM records WHERE case_id = ? AND section = ?",
				"tt", case_id, cv_section_name(s))) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		cv_col_copy(st, 0, row.id, sizeof(row.id));
		/* the clear column: a bucket, or an older row's exact size (its bucket is the same test) */
		row.bucket = cv_size_bucket(sqlite3_column_int64(st, 1));
		if ((r = want(hook, &row)) < 0)
			break;
		if (r == 0)
			continue;
		if ((r = row_blind(v, st, s, case_id, &row)) < 0)
			break;
		if (CV_ARRAY_GROW(&k, &cap, nk) < 0) {
			r = cv_error(v, CV_ERROR, "out of memory");
			break;
		}
		k[nk++] = row;
		r = 0;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = cv_index_dberr(v, "look for documents already filed");
	sqlite3_finalize(st);
	if (r < 0) {
		free(k);
		return r;
	}
	*out = k;
	*n = nk;
	return 0;
}

/* The exact size, sealed under the record's section (the clear column holds its bucket). */
static int bind_exact_size(cv_vault *v, sqlite3_stmt *st, int idx, const cv_db_record_new *w)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", (long long)w->size);
	return cv_sealed_bind(v, st, idx, w->section, "records", "size_sealed", w->id, n);
}

/* The duplicate index's value (NULL without the section key: the one-time fill sets it). */
static int bind_blind(cv_vault *v, sqlite3_stmt *st, int idx, const cv_db_record_new *w)
{
	char blind[65];
	int r;

	if (!v->mkey[w->section] || !w->sha256)
		return sqlite3_bind_null(st, idx) == SQLITE_OK ? 0 : cv_index_dberr(v, "record a document");
	if ((r = cv_sealed_blind(v, w->section, w->case_id, w->sha256, blind)) < 0)
		return r;
	if (sqlite3_bind_text(st, idx, blind, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		return cv_index_dberr(v, "record a document");
	return 0;
}

static int bind_record(cv_vault *v, sqlite3_stmt *st, const cv_db_record_new *w, int dated)
{
	int r;

	if ((r = cv_index_bind(v, st, "record a document", "tltttIttI---tt-t-", w->id, strtol(w->id + 2, NULL, 10),
			       w->case_id, cv_section_name(w->section), w->class_name, (sqlite3_int64)w->archive_id,
			       w->member, w->mime, (sqlite3_int64)cv_size_bucket(w->size), w->filed_at, w->filed_by,
			       w->policy_hash)) < 0 ||
	    (r = cv_sealed_bind(v, st, 10, w->section, "records", "title", w->id, w->title)) < 0 ||
	    (r = cv_sealed_bind(v, st, 11, w->section, "records", "sha256", w->id, w->sha256)) < 0 ||
	    (r = cv_sealed_bind(v, st, 12, w->section, "records", "event_date", w->id, w->event_date)) < 0 ||
	    (r = cv_sealed_bind(v, st, 15, CV_SEAL_SCHEDULE, "records", "retain_until", w->id,
				dated && w->retain_until && w->retain_until[0] ? w->retain_until : NULL)) < 0 ||
	    (r = bind_exact_size(v, st, 17, w)) < 0 || (r = bind_blind(v, st, 18, w)) < 0)
		return r;
	return 0;
}

int cv_db_records_insert(cv_vault *v, const cv_db_record_new *rows, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r = 0, dated = 0;

	/*
	 * Who files without the case section (so without the schedule key)
	 * leaves the date unset: the record is kept, never destroyed early,
	 * until 'retention recompute' by someone holding it sets the date.
	 */
	if (n && (dated = cv_sealed_schedule_load(v)) < 0)
		return dated;
	if (n && (r = cv_index_prepare(v, &st,
		"INSERT INTO records(id, seq, case_id, section, class, archive_id, member, mime, size,"
		" title, sha256, event_date, filed_at, filed_by, retain_until, policy_hash, size_sealed, blind)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) < 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (!dated && rows[i].retain_until && rows[i].retain_until[0])
			cv_notice(v, "record %s was filed without its retention date (the schedule key needs the case section): "
				  "it is kept until 'casevault retention recompute' by someone holding the case section", rows[i].id);
		if ((r = bind_record(v, st, &rows[i], dated)) == 0 && sqlite3_step(st) != SQLITE_DONE)
			r = cv_index_dberr(v, "record a document");
	}
	sqlite3_finalize(st);
	return r;
}
