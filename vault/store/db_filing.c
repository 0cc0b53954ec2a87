/* casevault - the filing's intent log (db_filing.h). */
#include "store/db_filing.h"
#include "store/index.h"

int cv_db_pending_insert(cv_vault *v, const char *const *files, size_t n, const char *created)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r;

	if ((r = cv_index_prepare(v, &st, "INSERT INTO pending(file, created) VALUES(?, ?)")) < 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, files[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, created, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = cv_index_dberr(v, "start the filing");
	}
	sqlite3_finalize(st);
	return r;
}

int cv_db_pending_clear(cv_vault *v)
{
	return cv_index_exec(v, "DELETE FROM pending");
}
