/* casevault - the cases table (db_cases.h). */
#include "casevault/common.h"
#include "store/db_cases.h"
#include "store/index.h"

int cv_db_case_exists(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r, found;

	if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM cases WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found ? 0 : cv_error(v, CV_ENOTFOUND, "no case %s in this vault; see 'casevault case list'", id);
}
