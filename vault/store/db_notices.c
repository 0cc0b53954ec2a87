/* casevault - the case_notices and case_contact tables (db_notices.h). */
#include <stdlib.h>
#include <string.h>

#include "casevault/common.h"
#include "store/db_notices.h"
#include "store/index.h"

int cv_db_notice_insert(cv_vault *v, const char *case_id, const char *told, const char *how,
			const char *policy_version, const char *now, long *id)
{
	int r;

	if ((r = cv_index_run(v, "record the notice",
		"INSERT INTO case_notices(case_id, told, how, policy_version, recorded_by, recorded_at) VALUES(?,?,?,?,?,?)",
		"tttttt", case_id, told, how, policy_version, v->actor, now)) < 0)
		return r;
	*id = (long)sqlite3_last_insert_rowid(v->db);
	return 0;
}

static int fill_notice(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_case_notice *n = item;

	(void)v;
	(void)ctx;
	n->id = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, n->told, sizeof(n->told));
	cv_col_copy(st, 2, n->how, sizeof(n->how));
	cv_col_copy(st, 3, n->policy_version, sizeof(n->policy_version));
	cv_col_copy(st, 4, n->by, sizeof(n->by));
	cv_col_copy(st, 5, n->at, sizeof(n->at));
	return 0;
}

static void free_notices(void *list, size_t n)
{
	(void)n;
	free(list);
}

static const cv_index_list notice_list = { sizeof(cv_case_notice), fill_notice, free_notices };

int cv_db_notice_list(cv_vault *v, const char *case_id, cv_case_notice **out, size_t *n)
{
	return cv_index_collect(v, "list the notices", &notice_list, out, n, NULL,
		"SELECT id, told, how, policy_version, recorded_by, recorded_at FROM case_notices "
		"WHERE case_id = ? ORDER BY told, id", "t", case_id);
}

int cv_db_contact_set(cv_vault *v, const char *case_id, int message_ok, const char *how, const char *now)
{
	return cv_index_run(v, "record the contact preference",
		"INSERT INTO case_contact(case_id, message_ok, how, set_by, set_at) VALUES(?1,?2,?3,?4,?5) "
		"ON CONFLICT(case_id) DO UPDATE SET message_ok = ?2, how = ?3, set_by = ?4, set_at = ?5",
		"tintt", case_id, message_ok, how, v->actor, now);
}

int cv_db_contact_get(cv_vault *v, const char *case_id, cv_contact_pref *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st, "SELECT message_ok, how, set_by, set_at FROM case_contact WHERE case_id = ?",
			      "t", case_id)) <= 0)
		return r;
	out->set = 1;
	out->message_ok = sqlite3_column_int(st, 0);
	cv_col_copy(st, 1, out->how, sizeof(out->how));
	cv_col_copy(st, 2, out->by, sizeof(out->by));
	cv_col_copy(st, 3, out->at, sizeof(out->at));
	sqlite3_finalize(st);
	return 1;
}
