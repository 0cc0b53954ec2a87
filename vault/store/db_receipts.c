/* casevault - the receipts table (db_receipts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_receipts.h"
#include "store/index.h"

int cv_db_receipt_insert(cv_vault *v, const char *staff, const char *created, const char *body, long long *id)
{
	int r;

	if ((r = cv_index_run(v, "store the filing receipt", "INSERT INTO receipts(staff_id, created, body, sig) VALUES(?,?,?,'')",
			      "ttt", staff, created, body)) == 0)
		*id = sqlite3_last_insert_rowid(v->db);
	return r;
}

int cv_db_receipt_set_sig(cv_vault *v, long long id, const char *sig)
{
	return cv_index_run(v, "store the filing receipt", "UPDATE receipts SET sig = ? WHERE id = ?", "tI", sig, id);
}

int cv_db_receipt_get(cv_vault *v, long long id, char **body, size_t *body_len, char **sig, size_t *sig_len)
{
	sqlite3_stmt *st = NULL;
	int r;

	*body = *sig = NULL;
	if ((r = cv_index_one(v, &st, "SELECT body, sig FROM receipts WHERE id = ?", "I", id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no filing receipt %lld", id);
	*body = cv_col_dup(st, 0, body_len);
	*sig = cv_col_dup(st, 1, sig_len);
	sqlite3_finalize(st);
	if (*body && *sig)
		return 0;
	free(*body);
	free(*sig);
	*body = *sig = NULL;
	return cv_error(v, CV_ERROR, "out of memory");
}

int cv_db_receipt_signer_ok(cv_vault *v, long long id, const char *fpr)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st,
		"SELECT 1 FROM receipts rc JOIN staff s ON s.id = rc.staff_id"
		" WHERE rc.id = ? AND s.fpr = ? AND (s.revoked IS NULL OR s.revoked >= rc.created)", "It", id, fpr);

	sqlite3_finalize(st);
	return r;
}

/* Run sql and pass the integer of each row's first column to fn. */
static int each_id(cv_vault *v, const char *sql, int (*fn)(void *hook, long long id), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((r = fn(hook, sqlite3_column_int64(st, 0))) < 0)
			break;
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int cv_db_receipts_each(cv_vault *v, int (*fn)(void *hook, long long id), void *hook)
{
	return each_id(v, "SELECT id FROM receipts ORDER BY id", fn, hook);
}

int cv_db_receipts_without_archives(cv_vault *v, int (*fn)(void *hook, long long id), void *hook)
{
	return each_id(v, "SELECT id FROM receipts WHERE id NOT IN (SELECT receipt_id FROM archives) ORDER BY id", fn, hook);
}

int cv_db_receipts_unreadable(cv_vault *v, int (*fn)(void *hook, long long id), void *hook)
{
	return each_id(v, "SELECT id FROM receipts WHERE NOT json_valid(body)", fn, hook);
}

size_t cv_db_receipts_count(cv_vault *v)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;

	if (cv_index_one(v, &st, "SELECT count(*) FROM receipts", NULL) > 0)
		n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int cv_db_receipts_vanished(cv_vault *v, int (*fn)(void *hook, long long receipt, const char *file),
			    void *hook, int *stepped)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	*stepped = 0;
	if ((r = cv_index_prepare(v, &st,
		"SELECT r.id, json_extract(j.value, '$.file') FROM receipts r, json_each(r.body, '$.archives') j"
		" WHERE json_valid(r.body) AND json_extract(j.value, '$.file') NOT IN (SELECT file FROM archives)"
		" AND json_extract(j.value, '$.file') NOT IN"
		"  (SELECT json_extract(c.value, '$.file') FROM certificates, json_each(certificates.body, '$.archives') c"
		"   WHERE json_valid(certificates.body))"
		/* an archive a correction rewrote: named by the correction's own signed receipt (ops/record_fix.c) */
		" AND json_extract(j.value, '$.file') NOT IN"
		"  (SELECT x.value FROM receipts r2, json_each(r2.body, '$.replaces') x WHERE json_valid(r2.body))")) < 0)
		return r;
	*stepped = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(hook, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
	if (rc != SQLITE_DONE)
		r = cv_error(v, CV_ERROR, "%.200s", sqlite3_errmsg(v->db));
	sqlite3_finalize(st);
	return r;
}

int cv_db_receipt_signer(cv_vault *v, long long id, char staff_id[16], char fpr[48])
{
	sqlite3_stmt *st = NULL;
	int r;

	staff_id[0] = fpr[0] = '\0';
	if ((r = cv_index_prepare(v, &st,
		"SELECT s.id, s.fpr FROM receipts rc JOIN staff s ON s.id = rc.staff_id WHERE rc.id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(staff_id, 16, "%s", cv_col(st, 0));
		snprintf(fpr, 48, "%s", cv_col(st, 1));
	} else {
		r = CV_ENOTFOUND;
	}
	sqlite3_finalize(st);
	return r;
}
