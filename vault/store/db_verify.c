/* casevault - what verify reads from the index (db_verify.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "store/db_verify.h"
#include "store/index.h"
#include "store/keystore.h"
#include "store/sealed.h"

/* Run sql and pass column 0 (and column col_b, when >= 0) of each row to fn. */
static int each_text(cv_vault *v, const char *sql, int col_b, cv_db_text_fn fn, void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(hook, (const char *)sqlite3_column_text(st, 0),
		   col_b >= 0 ? (const char *)sqlite3_column_text(st, col_b) : NULL);
	sqlite3_finalize(st);
	return 0;
}

int cv_db_verify_integrity(cv_vault *v, cv_db_text_fn fn, void *hook)
{
	return each_text(v, "PRAGMA integrity_check", -1, fn, hook);
}

int cv_db_verify_foreign_keys(cv_vault *v, cv_db_text_fn fn, void *hook)
{
	return each_text(v, "PRAGMA foreign_key_check", 2, fn, hook);
}

int cv_db_verify_orphan_records(cv_vault *v, cv_db_text_fn fn, void *hook)
{
	return each_text(v, "SELECT id FROM records WHERE archive_id NOT IN (SELECT id FROM archives)", -1, fn, hook);
}

int cv_db_verify_orphan_archives(cv_vault *v, cv_db_text_fn fn, void *hook)
{
	return each_text(v, "SELECT file FROM archives WHERE id NOT IN (SELECT archive_id FROM records)", -1, fn, hook);
}

int cv_db_verify_archives(cv_vault *v, int (*fn)(void *hook, const cv_db_verify_archive *a), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_verify_archive a;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"SELECT id, file, section, " CV_KS_WRAPPED("archives") ", key_gen, sha256, receipt_id FROM archives ORDER BY receipt_id, id")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		a.id = sqlite3_column_int64(st, 0);
		a.file = cv_col(st, 1);
		cv_section_parse(&a.section, cv_col(st, 2));
		a.wrapped_key = (const char *)sqlite3_column_text(st, 3);
		a.key_gen = sqlite3_column_int(st, 4);
		a.sha256 = cv_col(st, 5);
		a.receipt_id = sqlite3_column_int64(st, 6);
		if ((r = fn(hook, &a)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

void cv_db_verify_record_ids(cv_vault *v, long long aid, int (*fn)(void *hook, const char *id), void *hook)
{
	sqlite3_stmt *st = NULL;

	if (cv_index_prepare(v, &st, "SELECT id FROM records WHERE archive_id = ? ORDER BY seq") < 0)
		return;
	sqlite3_bind_int64(st, 1, aid);
	while (sqlite3_step(st) == SQLITE_ROW && !fn(hook, (const char *)sqlite3_column_text(st, 0)))
		;
	sqlite3_finalize(st);
}

int cv_db_verify_records(cv_vault *v, long long aid, cv_section s,
			 void (*fn)(void *hook, const cv_db_verify_record *rec), void *hook)
{
	sqlite3_stmt *st = NULL;
	cv_db_verify_record rec;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"SELECT id, member, sha256, size, case_id, section, class, mime, size_sealed FROM records WHERE archive_id = ? ORDER BY seq")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, aid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		rec.id = (const char *)sqlite3_column_text(st, 0);
		rec.member = (const char *)sqlite3_column_text(st, 1);
		if (cv_sealed_get(v, st, 2, s, "records", "sha256", rec.id, &rec.sha) < 0)
			rec.sha = NULL;
		rec.size = cv_sealed_size(v, st, 3, 8, s, rec.id);
		rec.case_id = (const char *)sqlite3_column_text(st, 4);
		rec.section = (const char *)sqlite3_column_text(st, 5);
		rec.class_name = (const char *)sqlite3_column_text(st, 6);
		rec.mime = (const char *)sqlite3_column_text(st, 7);
		fn(hook, &rec);
		free(rec.sha);
	}
	sqlite3_finalize(st);
	return 0;
}

int cv_db_verify_record_in_archive(cv_vault *v, const char *id, long long aid)
{
	sqlite3_stmt *st = NULL;
	int known = 0;

	if (cv_index_prepare(v, &st, "SELECT 1 FROM records WHERE id = ? AND archive_id = ?") == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, aid);
		known = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return known;
}

int cv_db_verify_file_known(cv_vault *v, const char *name)
{
	sqlite3_stmt *st = NULL;
	int known = 0;

	if (cv_index_prepare(v, &st, "SELECT 1 FROM archives WHERE file = ?1 UNION ALL SELECT 1 FROM deposits WHERE file = ?1 UNION ALL"
			     " SELECT 1 FROM pending WHERE file = ?1 OR '.tmp-' || file = ?1") == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		known = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return known;
}

int cv_db_verify_keyslips(cv_vault *v, const char *only,
			  int (*fn)(void *hook, const char *staff_id, int gen, int outdated, int revoked), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* a keyslip is current when its generation is at least that of every section key it holds */
	if ((r = cv_index_prepare(v, &st,
		"SELECT k.staff_id, k.generation, k.generation < coalesce((SELECT max(sk.generation) FROM section_keys sk"
		"  WHERE instr(',' || k.sections || ',', ',' || sk.section || ',') > 0), 0),"
		" s.revoked IS NOT NULL FROM keyslips k LEFT JOIN staff s ON s.id = k.staff_id"
		" WHERE ?1 IS NULL OR k.staff_id = ?1 ORDER BY k.staff_id, k.generation")) < 0)
		return r;
	if (only)
		sqlite3_bind_text(st, 1, only, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((r = fn(hook, cv_col(st, 0), sqlite3_column_int(st, 1), sqlite3_column_int(st, 2),
			    sqlite3_column_int(st, 3))) < 0)
			break;
	sqlite3_finalize(st);
	return r;
}

struct sealed_check {
	void (*fn)(void *hook, const char *table, const char *column, const char *id);
	void *hook;
	size_t *checked;
};

/* Count one sealed value; report it when it does not open, and go on. */
static int check_field(void *hook, const cv_sealed_col *c, const char *id, cv_section sec, char **plain, int err)
{
	struct sealed_check *sc = hook;

	(void)sec;
	(void)plain;
	(*sc->checked)++;
	if (err < 0)
		sc->fn(sc->hook, c->table, c->column, id);
	return 0;
}

int cv_db_verify_sealed(cv_vault *v, int mask,
			void (*fn)(void *hook, const char *table, const char *column, const char *id),
			void *hook, size_t *checked)
{
	struct sealed_check sc = { fn, hook, checked };

	*checked = 0;
	return cv_sealed_each(v, mask, check_field, &sc);
}

struct sealed_text {
	void (*fn)(void *hook, const char *table, const char *column, const char *id);
	void *hook;
};

/* One opened value: reported when it is not UTF-8 (stored before text was checked). */
static int text_field(void *hook, const cv_sealed_col *c, const char *id, cv_section sec, char **plain, int err)
{
	struct sealed_text *st = hook;

	(void)sec;
	if (err == 0 && *plain && cv_text_check_str(*plain, CV_TEXT_ANY, NULL) != CV_TEXT_OK)
		st->fn(st->hook, c->table, c->column, id);
	return 0;
}

int cv_db_verify_sealed_text(cv_vault *v, int mask,
			     void (*fn)(void *hook, const char *table, const char *column, const char *id), void *hook)
{
	struct sealed_text st = { fn, hook };

	return cv_sealed_each(v, mask, text_field, &st);
}
