/* casevault - the case_staff table (db_assign.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "casevault/common.h"
#include "store/db_assign.h"
#include "store/index.h"

int cv_db_assign_insert(cv_vault *v, const char *case_id, const char *staff_id, const char *by, const char *at)
{
	return cv_index_run(v, "assign the case",
			    "INSERT INTO case_staff(case_id, staff_id, assigned_by, assigned_at) VALUES(?, ?, ?, ?)",
			    "tttt", case_id, staff_id, by, at);
}

int cv_db_assign_delete(cv_vault *v, const char *case_id, const char *staff_id)
{
	int r = cv_index_run(v, "unassign the case", "DELETE FROM case_staff WHERE case_id = ? AND staff_id = ?",
			     "tt", case_id, staff_id);

	return r < 0 ? r : sqlite3_changes(v->db) > 0;
}

int cv_db_assign_has(cv_vault *v, const char *case_id, const char *staff_id)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM case_staff WHERE case_id = ? AND staff_id = ?", "tt",
			     case_id, staff_id);

	sqlite3_finalize(st);
	return r;
}

int cv_db_assign_list(cv_vault *v, const char *case_id, char (**out)[16], size_t *n)
{
	return cv_index_ids(v, "SELECT staff_id FROM case_staff WHERE case_id = ? ORDER BY staff_id", case_id, 16, out, n);
}

/* Run a one-column look-up and copy its first row's value into buf. */
static int one_value(cv_vault *v, const char *sql, const char *a, const char *b, char *buf, size_t size)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, sql, "tt", a, b);

	if (r > 0)
		cv_col_copy(st, 0, buf, size);
	sqlite3_finalize(st);
	return r;
}

int cv_db_assign_on_linked(cv_vault *v, const char *case_id, const char *staff_id, char other[24])
{
	return one_value(v, "SELECT s.case_id FROM case_links l JOIN case_staff s"
			 " ON s.case_id = CASE WHEN l.a = ?1 THEN l.b ELSE l.a END"
			 " WHERE (l.a = ?1 OR l.b = ?1) AND s.staff_id = ?2 ORDER BY 1 LIMIT 1",
			 case_id, staff_id, other, 24);
}

int cv_db_assign_shared(cv_vault *v, const char *a, const char *b, char staff_id[16])
{
	return one_value(v, "SELECT x.staff_id FROM case_staff x JOIN case_staff y ON y.staff_id = x.staff_id"
			 " WHERE x.case_id = ?1 AND y.case_id = ?2 ORDER BY 1 LIMIT 1", a, b, staff_id, 16);
}

int cv_db_assign_case_of(cv_vault *v, const char *id, char case_id[24])
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT id FROM cases WHERE id = ?1 UNION ALL"
			     " SELECT case_id FROM records WHERE id = ?1 AND case_id IS NOT NULL UNION ALL"
			     " SELECT case_id FROM requests WHERE id = ?1 LIMIT 1", "t", id);

	if (r > 0)
		cv_col_copy(st, 0, case_id, 24);
	sqlite3_finalize(st);
	return r;
}
