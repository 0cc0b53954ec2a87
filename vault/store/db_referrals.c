/* casevault - the referrals table (db_referrals.h). */
#include <stdlib.h>
#include <string.h>

#include "casevault/common.h"
#include "store/db_referrals.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_referral_insert(cv_vault *v, const cv_referral_new *ref, const char *records, const char *date,
			  const char *now, long *id)
{
	int r;

	if ((r = cv_index_run(v, "record the referral",
		"INSERT INTO referrals(case_id, section, records, referral_date, referred_by, referred_at) "
		"VALUES(?,'cp',?,?,?,?)", "ttttt", ref->case_id, records, date, v->actor, now)) < 0)
		return r;
	*id = (long)sqlite3_last_insert_rowid(v->db);
	if ((r = cv_seal_update(v, CV_SECTION_CP, "referrals", "agency", *id, ref->agency, "record the referral")) < 0 ||
	    (r = cv_seal_update(v, CV_SECTION_CP, "referrals", "reason", *id, ref->reason, "record the referral")) < 0)
		return r;
	return cv_seal_update(v, CV_SECTION_CP, "referrals", "basis", *id, ref->basis, "record the referral");
}

static void wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void referral_fields_free(cv_referral *f)
{
	free(f->records);
	wipe(f->agency);
	wipe(f->reason);
	wipe(f->basis);
	memset(f, 0, sizeof(*f));
}

void cv_db_referral_list_free(cv_referral *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		referral_fields_free(&list[i]);
	free(list);
}

/* columns: id, case_id, referral_date, referred_by, referred_at, records, agency, reason, basis */
static int fill_referral(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	static const char *const sealed[] = { "agency", "reason", "basis" };
	cv_referral *f = item;
	char **out[] = { &f->agency, &f->reason, &f->basis };
	size_t len;
	int i;

	(void)ctx;
	f->id = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, f->case_id, sizeof(f->case_id));
	cv_col_copy(st, 2, f->date, sizeof(f->date));
	cv_col_copy(st, 3, f->by, sizeof(f->by));
	cv_col_copy(st, 4, f->at, sizeof(f->at));
	if (!(f->records = cv_col_dup(st, 5, &len)))
		return cv_error(v, CV_ERROR, "out of memory");
	for (i = 0; i < 3; i++)
		if (sqlite3_column_type(st, 6 + i) == SQLITE_BLOB &&
		    cv_sealed_get_n(v, st, 6 + i, CV_SECTION_CP, "referrals", sealed[i], f->id, out[i]) < 0) {
			referral_fields_free(f);  /* a failed item leaves nothing to free */
			return cv_error(v, CV_ECORRUPT, "the %s of referral %ld is damaged or altered", sealed[i], f->id);
		}
	return 0;
}

static void free_referrals(void *list, size_t n)
{
	cv_db_referral_list_free(list, n);
}

static const cv_index_list referral_list = { sizeof(cv_referral), fill_referral, free_referrals };

int cv_db_referral_list(cv_vault *v, const char *case_id, cv_referral **out, size_t *n)
{
	return cv_index_collect(v, "list referrals", &referral_list, out, n, NULL,
		"SELECT id, case_id, referral_date, referred_by, referred_at, records, agency, reason, basis "
		"FROM referrals WHERE ?1 IS NULL OR case_id = ?1 ORDER BY id DESC", "n", case_id);
}
