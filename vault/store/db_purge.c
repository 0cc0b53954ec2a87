/* casevault - the index side of the purge (db_purge.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/util.h"
#include "casevault/common.h"
#include "store/db_purge.h"
#include "store/index.h"
#include "store/keystore.h"
#include "store/sealed.h"

/* Step a statement that returns no row, then finalize it; what names the action in an error. */
static int run_done(cv_vault *v, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), r = 0;

	if (rc != SQLITE_DONE)
		r = cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}

/* ---- archives, for a rewrite ---- */

int cv_db_archive_get(cv_vault *v, int64_t id, cv_db_archive *row)
{
	sqlite3_stmt *st = NULL;
	int r, found;

	memset(row, 0, sizeof(*row));
	if ((r = cv_index_prepare(v, &st,
		"SELECT file, section, key_gen, " CV_KS_WRAPPED("archives") ", compression, sha256 FROM archives WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		snprintf(row->file, sizeof(row->file), "%s", cv_col(st, 0));
		cv_section_parse(&row->section, cv_col(st, 1));
		row->key_gen = sqlite3_column_int(st, 2);
		row->wrapped = strdup(cv_col(st, 3));
		snprintf(row->compression, sizeof(row->compression), "%s", cv_col(st, 4));
		snprintf(row->sha256, sizeof(row->sha256), "%s", cv_col(st, 5));
	}
	sqlite3_finalize(st);
	if (found && !row->wrapped)
		return cv_error(v, CV_ERROR, "out of memory");
	return found;
}

int cv_db_archive_records(cv_vault *v, int64_t id,
			  int (*fn)(void *hook, const char *record_id, const char *member, int64_t size), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT id, member, size, size_sealed, section FROM records WHERE archive_id = ? ORDER BY seq")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		cv_section sec = CV_SECTION_CASE;

		cv_section_parse(&sec, cv_col(st, 4));
		r = fn(hook, cv_col(st, 0), cv_col(st, 1), cv_sealed_size(v, st, 2, 3, sec, cv_col(st, 0)));
	}
	sqlite3_finalize(st);
	return r;
}

int cv_db_record_sha256(cv_vault *v, const char *id, cv_section sec, char **sha)
{
	sqlite3_stmt *st = NULL;
	int r, ok = 0;

	*sha = NULL;
	if ((r = cv_index_prepare(v, &st, "SELECT sha256 FROM records WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = cv_sealed_get(v, st, 0, sec, "records", "sha256", id, sha) == 0 && *sha;
	sqlite3_finalize(st);
	return ok;
}

int cv_db_record_exists(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r, found;

	if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM records WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* ---- the run's commit ---- */

int cv_db_certificate_last(cv_vault *v, long *number, char prev[65])
{
	sqlite3_stmt *st = NULL;
	int r;

	*number = 0;
	prev[0] = '\0';
	if ((r = cv_index_prepare(v, &st, "SELECT number, sha256 FROM certificates ORDER BY number DESC LIMIT 1")) < 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*number = (long)sqlite3_column_int64(st, 0);
		snprintf(prev, 65, "%s", cv_col(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

int cv_db_certificate_insert(cv_vault *v, long number, const char *now, const char *run_by, long records,
			     const char *body, const char *sha256, const char *prev)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO certificates(number, created, run_by, records, body, sha256, prev_sha256) VALUES(?,?,?,?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, run_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, records);
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, sha256, -1, SQLITE_STATIC);
	if (prev && prev[0])
		sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	return run_done(v, st, "record the certificate");
}

int cv_db_record_destroy(cv_vault *v, const char *id, long number)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "DELETE FROM records WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((r = run_done(v, st, "delete a record")) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "INSERT INTO destroyed(record_id, certificate) VALUES(?, ?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, number);
	return run_done(v, st, "log a destruction");
}

int cv_db_archive_erase(cv_vault *v, int64_t id, const char *file, const char *now)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "DELETE FROM archives WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if ((r = run_done(v, st, "delete an archive key")) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "INSERT OR IGNORE INTO shred(file, created) VALUES(?, ?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	return run_done(v, st, "log an archive to remove");
}

int cv_db_archive_replace(cv_vault *v, const cv_db_rewritten *rw, const char *now)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 nid;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO archives(file, case_id, section, key_gen, wrapped_key, compression, size, sha256, receipt_id, created)"
		" SELECT ?, case_id, section, ?, ?, compression, ?, ?, ?, ? FROM archives WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, rw->file, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, rw->key_gen);
	sqlite3_bind_text(st, 3, "", -1, SQLITE_STATIC);  /* the key is in the key store (keystore.h) */
	sqlite3_bind_int64(st, 4, rw->size);
	sqlite3_bind_text(st, 5, rw->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, rw->receipt_id);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, rw->old_id);
	if ((r = run_done(v, st, "record a rewritten archive")) < 0)
		return r;
	nid = sqlite3_last_insert_rowid(v->db);
	if ((r = cv_index_prepare(v, &st, "UPDATE records SET archive_id = ? WHERE archive_id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, nid);
	sqlite3_bind_int64(st, 2, rw->old_id);
	if ((r = run_done(v, st, "move the kept records")) < 0)
		return r;
	return cv_db_archive_erase(v, rw->old_id, rw->old_file, now);
}

/* ---- certificates ---- */

int cv_db_certificate_list(cv_vault *v, cv_certificate **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_certificate *list = NULL;
	size_t cnt = 0, cap = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_index_prepare(v, &st, "SELECT number, created, run_by, records, sha256 FROM certificates ORDER BY number")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cv_certificate *c;

		if (CV_ARRAY_GROW(&list, &cap, cnt) < 0) {
			sqlite3_finalize(st);
			free(list);
			return cv_error(v, CV_ERROR, "out of memory");
		}
		c = &list[cnt++];
		memset(c, 0, sizeof(*c));
		c->number = (long)sqlite3_column_int64(st, 0);
		snprintf(c->created, sizeof(c->created), "%s", cv_col(st, 1));
		snprintf(c->run_by, sizeof(c->run_by), "%s", cv_col(st, 2));
		c->records = (long)sqlite3_column_int64(st, 3);
		snprintf(c->sha256, sizeof(c->sha256), "%s", cv_col(st, 4));
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	return 0;
}

int cv_db_certificate_body(cv_vault *v, long number, char **json)
{
	sqlite3_stmt *st = NULL;
	int r;

	*json = NULL;
	if ((r = cv_index_prepare(v, &st, "SELECT body FROM certificates WHERE number = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, number);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no certificate %ld in this vault; see 'casevault certificates list'", number);
	}
	*json = strdup(cv_col(st, 0));
	sqlite3_finalize(st);
	return *json ? 0 : cv_error(v, CV_ERROR, "out of memory");
}

int cv_db_certificate_each(cv_vault *v, void (*fn)(void *hook, const cv_db_certificate_row *c), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT number, body, sha256, prev_sha256 FROM certificates ORDER BY number")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cv_db_certificate_row c;

		c.number = (long)sqlite3_column_int64(st, 0);
		c.body = cv_col(st, 1);
		c.sha256 = cv_col(st, 2);
		c.prev_sha256 = cv_col(st, 3);
		fn(hook, &c);
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- the day of the last purge ---- */

int cv_db_purge_day_get(cv_vault *v, char out[11])
{
	sqlite3_stmt *st = NULL;
	int r;

	out[0] = '\0';
	if ((r = cv_index_prepare(v, &st, "SELECT value FROM meta WHERE key = 'purge_day'")) < 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, 11, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return 0;
}

void cv_db_purge_day_record(cv_vault *v, const char *day)
{
	sqlite3_stmt *st = NULL;

	if (cv_index_prepare(v, &st, "INSERT INTO meta(key, value) VALUES('purge_day', ?)"
			     " ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)") < 0)
		return;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		cv_notice(v, "could not record the day of this purge: %s", sqlite3_errmsg(v->db));
	sqlite3_finalize(st);
}

/*
 * PRAGMA wal_checkpoint(TRUNCATE) after the purge's commit, with the reason
 * it failed: a reader holding the WAL (the erase completes on the next
 * run) is not a full disk (space must be freed first).
 */
int cv_db_purge_checkpoint(cv_vault *v)
{
	int rc = sqlite3_wal_checkpoint_v2(v->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	int err = sqlite3_system_errno(v->db);

	if (rc == SQLITE_OK)
		return 0;
	if (rc == SQLITE_FULL || err == ENOSPC || err == EDQUOT)
		return cv_error(v, CV_ERROR, "cannot checkpoint the index: the disk holding the vault is full");
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return cv_error(v, CV_ELOCKED, "cannot checkpoint the index: another process is reading it");
	return cv_error(v, CV_ERROR, "cannot checkpoint the index: %s", sqlite3_errmsg(v->db));
}

/*
 * The purge's commit writes each destruction-log row as it walks the plan,
 * before the certificate part that lists it is stored (docs/retention.md,
 * "The purge at scale"): the foreign keys are checked at the commit, which
 * fails whole if any row dangles.  SQLite resets this at the transaction's end.
 */
int cv_db_purge_defer_checks(cv_vault *v)
{
	return cv_index_run(v, "defer the foreign key checks", "PRAGMA defer_foreign_keys = ON", "");
}
