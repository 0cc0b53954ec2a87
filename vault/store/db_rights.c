/* casevault - the index side of the other rights (db_rights.h). */
#include <stdio.h>
#include <sqlite3.h>

#include "store/db_rights.h"
#include "store/index.h"

int cv_db_rights_set(cv_vault *v, const char *id, const char *kind, const char *records)
{
	return cv_index_run(v, "record the request's kind", "UPDATE requests SET kind = ?, records = ? WHERE id = ?",
			    "tnt", kind, records, id);
}

int cv_db_restriction_insert(cv_vault *v, const char *id, const char *record_id, const char *by, const char *at)
{
	return cv_index_run(v, "restrict the record",
			    "INSERT INTO restrictions(request_id, record_id, placed_by, placed_at) VALUES(?,?,?,?)",
			    "tttt", id, record_id, by, at);
}

int cv_db_restriction_lift(cv_vault *v, const char *id, const char *by, const char *at, size_t *n)
{
	int r = cv_index_run(v, "lift the restriction",
			     "UPDATE restrictions SET lifted_by = ?, lifted_at = ? WHERE request_id = ? AND lifted_at IS NULL",
			     "ttt", by, at, id);

	*n = r == 0 ? (size_t)sqlite3_changes(v->db) : 0;
	return r;
}

int cv_db_restriction_find(cv_vault *v, const char *record_id, char req[24])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT request_id FROM restrictions WHERE record_id = ? AND lifted_at IS NULL"
			      " ORDER BY id LIMIT 1", "t", record_id)) <= 0)
		return r;
	if (req)
		cv_col_copy(st, 0, req, 24);
	sqlite3_finalize(st);
	return 1;
}

int cv_db_rights_kind(cv_vault *v, const char *id, char kind[16])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT kind FROM requests WHERE id = ?", "t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, kind, 16);
	sqlite3_finalize(st);
	return 1;
}
