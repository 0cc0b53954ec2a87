/* casevault - the consents table (db_consent.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/common.h"
#include "store/db_consent.h"
#include "store/index.h"
#include "store/sealed.h"

#define CONSENT_COLS "id, case_id, given_by, how, form_record, scope_kind, scope, given, review_due," \
	" withdrawn, withdrawn_by, recorded_by, recorded_at"

int cv_db_consent_insert(cv_vault *v, const cv_consent *c, long *id_out)
{
	long id;
	int r;

	if ((r = cv_index_run(v, "record the consent",
		"INSERT INTO consents(case_id, given_by, how, form_record, scope_kind, scope, given, review_due,"
		" recorded_by, recorded_at) VALUES(?, ?, ?, ?, ?, x'', ?, ?, ?, ?)", "tttnttttt",
		c->case_id, c->given_by, c->how, c->form_record, c->scope_kind, c->given, c->review_due,
		c->recorded_by, c->recorded_at)) < 0)
		return r;
	/* the sealed scope names the row it belongs to: sealed once its id exists */
	id = (long)sqlite3_last_insert_rowid(v->db);
	if ((r = cv_seal_update(v, CV_SECTION_CASE, "consents", "scope", id, c->scope, "record the consent")) < 0)
		return r;
	*id_out = id;
	return 0;
}

static int consent_row(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_consent *c = item;
	int unseal = ctx ? *(int *)ctx : 0;

	c->id = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, c->case_id, sizeof(c->case_id));
	cv_col_copy(st, 2, c->given_by, sizeof(c->given_by));
	cv_col_copy(st, 3, c->how, sizeof(c->how));
	cv_col_copy(st, 4, c->form_record, sizeof(c->form_record));
	cv_col_copy(st, 5, c->scope_kind, sizeof(c->scope_kind));
	cv_col_copy(st, 7, c->given, sizeof(c->given));
	cv_col_copy(st, 8, c->review_due, sizeof(c->review_due));
	cv_col_copy(st, 9, c->withdrawn, sizeof(c->withdrawn));
	cv_col_copy(st, 10, c->withdrawn_by, sizeof(c->withdrawn_by));
	cv_col_copy(st, 11, c->recorded_by, sizeof(c->recorded_by));
	cv_col_copy(st, 12, c->recorded_at, sizeof(c->recorded_at));
	if (!unseal)
		return 0;
	return cv_sealed_get_n(v, st, 6, CV_SECTION_CASE, "consents", "scope", c->id, &c->scope);
}

static void free_consents(void *list, size_t n)
{
	cv_consent *c = list;
	size_t i;

	for (i = 0; c && i < n; i++)
		free(c[i].scope);
	free(c);
}

static const cv_index_list consent_list = { sizeof(cv_consent), consent_row, free_consents };

int cv_db_consent_list(cv_vault *v, const char *case_id, const char *due, int unseal, cv_consent **out, size_t *n)
{
	return cv_index_collect(v, "list consents", &consent_list, out, n, &unseal,
		"SELECT " CONSENT_COLS " FROM consents WHERE (?1 IS NULL OR case_id = ?1)"
		" AND (?2 IS NULL OR (withdrawn IS NULL AND review_due <= ?2)) ORDER BY id", "tt", case_id, due);
}

int cv_db_consent_get(cv_vault *v, long id, cv_consent *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st, "SELECT " CONSENT_COLS " FROM consents WHERE id = ?", "l", id)) > 0) {
		consent_row(v, st, out, NULL);
		sqlite3_finalize(st);
	}
	return r;
}

int cv_db_consent_withdraw(cv_vault *v, long id, const char *date, const char *by)
{
	return cv_index_run(v, "withdraw the consent",
			    "UPDATE consents SET withdrawn = ?, withdrawn_by = ? WHERE id = ? AND withdrawn IS NULL",
			    "ttl", date, by, id);
}

int cv_db_consent_form_ok(cv_vault *v, const char *record_id, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM records WHERE id = ? AND case_id = ? AND section = 'case'",
			     "tt", record_id, case_id);

	sqlite3_finalize(st);
	return r;
}
