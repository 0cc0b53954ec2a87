/* casevault - the rows behind a disclosure (db_disclose.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "casevault/common.h"
#include "store/db_disclose.h"
#include "store/index.h"
#include "store/keystore.h"
#include "store/sealed.h"

/* Open a sealed column when the actor holds the section's key; NULL otherwise (db_disclose.h). */
static int get_if_key(cv_vault *v, sqlite3_stmt *st, int col, cv_section s, const char *table,
		      const char *column, const char *id, char **out)
{
	*out = NULL;
	if (!v->mkey[s])
		return 0;
	return cv_sealed_get(v, st, col, s, table, column, id, out);
}

static int get_if_key_n(cv_vault *v, sqlite3_stmt *st, int col, cv_section s, const char *table,
			const char *column, long long id, char **out)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", id);
	return get_if_key(v, st, col, s, table, column, n, out);
}

static cv_section section_of(sqlite3_stmt *st, int col)
{
	cv_section s = CV_SECTION_CASE;

	cv_section_parse(&s, cv_col(st, col));
	return s;
}

static void wipe(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

int cv_db_scope_each(cv_vault *v, const char *case_id,
		     int (*fn)(void *hook, const cv_db_scope_row *r), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_scope_row row;
	int r = 0, rc;

	if ((r = cv_index_query(v, &st,
		"SELECT r.id, r.section, r.class, r.title, r.event_date, r.mime, r.seq, r.size, r.archive_id, r.member, r.size_sealed"
		" FROM records r WHERE r.case_id = ?"
		" AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.copy_record = r.id)"
		" ORDER BY r.seq", "t", case_id)) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		cv_col_copy(st, 0, row.record_id, sizeof(row.record_id));
		row.section = section_of(st, 1);
		cv_col_copy(st, 2, row.class_name, sizeof(row.class_name));
		cv_col_copy(st, 5, row.mime, sizeof(row.mime));
		row.seq = (long)sqlite3_column_int64(st, 6);
		row.size = cv_sealed_size(v, st, 7, 10, row.section, row.record_id);
		row.archive = sqlite3_column_int64(st, 8);
		cv_col_copy(st, 9, row.member, sizeof(row.member));
		if ((r = get_if_key(v, st, 3, row.section, "records", "title", row.record_id, &row.title)) < 0 ||
		    (r = get_if_key(v, st, 4, row.section, "records", "event_date", row.record_id, &row.event_date)) < 0) {
			wipe(&row.title);
			goto out;
		}
		if ((r = fn(hook, &row)) < 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : cv_index_dberr(v, "list the request's records");
out:
	sqlite3_finalize(st);
	return r;
}

int cv_db_disclose_source(cv_vault *v, const char *id, cv_db_source *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st, "SELECT id, mime, size, archive_id, member, section, size_sealed FROM records WHERE id = ?",
			      "t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, out->id, sizeof(out->id));
	cv_col_copy(st, 1, out->mime, sizeof(out->mime));
	out->archive = sqlite3_column_int64(st, 3);
	cv_col_copy(st, 4, out->member, sizeof(out->member));
	out->section = section_of(st, 5);
	out->size = cv_sealed_size(v, st, 2, 6, out->section, out->id);
	sqlite3_finalize(st);
	return 1;
}

int cv_db_disclose_record(cv_vault *v, const char *id, char case_id[24], cv_section *sec,
			  char mime[96], char cls[64])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT case_id, section, mime, class FROM records WHERE id = ?", "t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, case_id, 24);
	cv_section_parse(sec, cv_col(st, 1));
	cv_col_copy(st, 2, mime, 96);
	cv_col_copy(st, 3, cls, 64);
	sqlite3_finalize(st);
	return 1;
}

int cv_db_disclose_copy_of(cv_vault *v, const char *id, char orig[16])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT record_id FROM decisions WHERE copy_record = ? LIMIT 1", "t", id)) > 0)
		cv_col_copy(st, 0, orig, 16);
	sqlite3_finalize(st);
	return r;
}

int cv_db_disclose_sealed(cv_vault *v, const char *id, cv_section sec, const char *column, char **out)
{
	sqlite3_stmt *st = NULL;
	const char *sql;
	int r = 0;

	*out = NULL;
	if (!strcmp(column, "sha256"))
		sql = "SELECT sha256 FROM records WHERE id = ?";
	else if (!strcmp(column, "event_date"))
		sql = "SELECT event_date FROM records WHERE id = ?";
	else if (!strcmp(column, "title"))
		sql = "SELECT title FROM records WHERE id = ?";
	else
		return cv_error(v, CV_ERROR, "records.%s is not a sealed column", column);
	if ((r = cv_index_one(v, &st, sql, "t", id)) <= 0)
		return r;
	r = get_if_key(v, st, 0, sec, "records", column, id, out);
	sqlite3_finalize(st);
	return r;
}

int cv_db_disclose_hash(cv_vault *v, const char *id, cv_section sec, char **sha, int64_t *size)
{
	sqlite3_stmt *st = NULL;
	int r;

	*sha = NULL;
	*size = -1;
	if ((r = cv_index_one(v, &st, "SELECT sha256, size, size_sealed FROM records WHERE id = ?", "t", id)) <= 0)
		return r;
	r = cv_sealed_get(v, st, 0, sec, "records", "sha256", id, sha);
	*size = cv_sealed_size(v, st, 1, 2, sec, id);
	sqlite3_finalize(st);
	return r;
}

int cv_db_disclose_archive(cv_vault *v, long long aid, cv_db_archive *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st, "SELECT file, sha256, " CV_KS_WRAPPED("archives") ", key_gen, receipt_id, section FROM archives WHERE id = ?",
			      "I", (sqlite3_int64)aid)) <= 0)
		return r;
	cv_col_copy(st, 0, out->file, sizeof(out->file));
	cv_col_copy(st, 1, out->sha256, sizeof(out->sha256));
	out->wrapped_key = strdup(cv_col(st, 2));
	out->key_gen = sqlite3_column_int(st, 3);
	out->receipt = sqlite3_column_int64(st, 4);
	out->section = section_of(st, 5);
	if (!out->wrapped_key)
		r = cv_error(v, CV_ERROR, "out of memory");
	sqlite3_finalize(st);
	return r;
}

int cv_db_decision_latest(cv_vault *v, const char *req_id, const char *record_id, cv_db_decision *out)
{
	sqlite3_stmt *st = NULL;
	long long id;
	cv_section sec;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st,
		"SELECT id, decision, ground, reason, copy_record, section, decided_by, decider_role, decided_at"
		" FROM decisions WHERE request_id = ? AND record_id = ? ORDER BY id DESC LIMIT 1", "tt", req_id, record_id)) <= 0)
		return r;
	id = sqlite3_column_int64(st, 0);
	sec = section_of(st, 5);
	cv_col_copy(st, 1, out->decision, sizeof(out->decision));
	if ((r = get_if_key_n(v, st, 2, sec, "decisions", "ground", id, &out->ground)) < 0 ||
	    (r = get_if_key_n(v, st, 3, sec, "decisions", "reason", id, &out->reason)) < 0) {
		wipe(&out->ground);
		goto out;
	}
	cv_col_copy(st, 4, out->copy_record, sizeof(out->copy_record));
	cv_col_copy(st, 6, out->decided_by, sizeof(out->decided_by));
	cv_col_copy(st, 7, out->decider_role, sizeof(out->decider_role));
	cv_col_copy(st, 8, out->decided_at, sizeof(out->decided_at));
	r = 1;
out:
	sqlite3_finalize(st);
	return r;
}

int cv_db_decision_insert(cv_vault *v, const cv_db_decision_new *d)
{
	sqlite3_int64 id;
	int r;

	if ((r = cv_index_run(v, "record the decision",
		"INSERT INTO decisions(request_id, record_id, decision, copy_record, section, decided_by, decider_role, decided_at, policy_hash)"
		" VALUES(?,?,?,?,?,?,?,?,?)", "ttttttttt", d->request_id, d->record_id, d->decision, d->copy_record,
		cv_section_name(d->section), d->decided_by, d->decider_role, d->decided_at, d->policy_hash)) < 0)
		return r;
	/* sealed fields name their row: sealed once its id exists */
	id = sqlite3_last_insert_rowid(v->db);
	if (d->ground && (r = cv_seal_update(v, d->section, "decisions", "ground", id, d->ground, "record the decision")) < 0)
		return r;
	return cv_seal_update(v, d->section, "decisions", "reason", id, d->reason, "record the decision");
}

int cv_db_disclosure_insert(cv_vault *v, const cv_db_disclosure_new *d, long long *id_out)
{
	int r = cv_index_run(v, "log the disclosure",
		"INSERT INTO disclosures(request_id, form, sha256, size, members, built_by, built_at, policy_hash) VALUES(?,?,?,?,?,?,?,?)",
		"tttIIttt", d->request_id, d->form, d->sha256, (sqlite3_int64)d->size, (sqlite3_int64)d->members,
		d->built_by, d->built_at, d->policy_hash);

	if (r == 0)
		*id_out = sqlite3_last_insert_rowid(v->db);
	return r;
}

int cv_db_disclosure_item_insert(cv_vault *v, long long disclosure_id, const cv_db_disclosure_item_new *it)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st,
		"INSERT INTO disclosure_items(disclosure_id, record_id, source_record, outcome, number, decided_by, section,"
		" decided_at) VALUES(?,?,?,?,?,?,?,?)",
		"Ittt-ttt", (sqlite3_int64)disclosure_id, it->record_id, it->source_record, it->outcome, it->decided_by,
		cv_section_name(it->section), it->decided_at)) < 0)
		return r;
	if (it->number)
		sqlite3_bind_int(st, 5, it->number);
	r = cv_index_done(v, st, "log the disclosure");
	if (r < 0 || !it->ground)
		return r;
	return cv_seal_update(v, it->section, "disclosure_items", "ground", sqlite3_last_insert_rowid(v->db),
			      it->ground, "log the disclosure");
}

/* The items of one bundle into e->items. */
static int log_items(cv_vault *v, cv_log_entry *e, void (*need_key)(cv_vault *v, cv_section s))
{
	sqlite3_stmt *it = NULL;
	size_t cap = 0;
	int r = 0;

	if ((r = cv_index_query(v, &it,
		"SELECT id, record_id, source_record, outcome, number, ground, decided_by, section, decided_at"
		" FROM disclosure_items WHERE disclosure_id = ? ORDER BY id",
		"I", (sqlite3_int64)e->id)) < 0)
		return r;
	while (sqlite3_step(it) == SQLITE_ROW) {
		cv_log_item *li;
		cv_section sec;

		if (CV_ARRAY_GROW(&e->items, &cap, e->nitems) < 0) {
			r = cv_error(v, CV_ERROR, "out of memory");
			break;
		}
		li = &e->items[e->nitems++];
		memset(li, 0, sizeof(*li));
		cv_col_copy(it, 1, li->record_id, sizeof(li->record_id));
		cv_col_copy(it, 2, li->source_record, sizeof(li->source_record));
		cv_col_copy(it, 3, li->outcome, sizeof(li->outcome));
		li->number = sqlite3_column_int(it, 4);
		cv_col_copy(it, 6, li->decided_by, sizeof(li->decided_by));
		cv_col_copy(it, 8, li->decided_at, sizeof(li->decided_at));
		sec = section_of(it, 7);
		need_key(v, sec);
		if ((r = get_if_key_n(v, it, 5, sec, "disclosure_items", "ground", sqlite3_column_int64(it, 0), &li->ground)) < 0)
			break;
	}
	sqlite3_finalize(it);
	return r;
}

/* The items of one bundle, wiped and freed. */
static void entry_release(cv_log_entry *e)
{
	size_t j;

	for (j = 0; j < e->nitems; j++)
		wipe(&e->items[j].ground);
	free(e->items);
	e->items = NULL;
	e->nitems = 0;
}

typedef void (*need_key_fn)(cv_vault *v, cv_section s);

/* One row of the disclosure log and its items into item (a cv_log_entry); ctx: the need_key_fn. */
static int fill_entry(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_log_entry *e = item;
	int r;

	e->id = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, e->request_id, sizeof(e->request_id));
	cv_col_copy(st, 2, e->form, sizeof(e->form));
	cv_col_copy(st, 3, e->sha256, sizeof(e->sha256));
	e->size = sqlite3_column_int64(st, 4);
	e->members = (long)sqlite3_column_int64(st, 5);
	cv_col_copy(st, 6, e->built_by, sizeof(e->built_by));
	cv_col_copy(st, 7, e->built_at, sizeof(e->built_at));
	cv_col_copy(st, 8, e->policy_hash, sizeof(e->policy_hash));
	if ((r = log_items(v, e, *(need_key_fn *)ctx)) < 0)
		entry_release(e);
	return r;
}

static void free_entries(void *list, size_t n)
{
	cv_db_disclosure_list_free(list, n);
}

static const cv_index_list log_list = { sizeof(cv_log_entry), fill_entry, free_entries };

int cv_db_disclosure_list(cv_vault *v, const char *req_id, void (*need_key)(cv_vault *v, cv_section s),
			  cv_log_entry **out, size_t *n)
{
	return cv_index_collect(v, NULL, &log_list, out, n, &need_key,
		"SELECT id, request_id, form, sha256, size, members, built_by, built_at, policy_hash FROM disclosures WHERE request_id = ? ORDER BY id",
		"t", req_id);
}

void cv_db_disclosure_list_free(cv_log_entry *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		entry_release(&list[i]);
	free(list);
}
