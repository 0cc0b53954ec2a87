/* casevault - facts for the retention edge cases (db_limitation.h). */
#include "casevault/common.h"
#include "store/db_limitation.h"
#include "store/index.h"

int cv_db_held_since_approval(cv_vault *v, const char *record_id, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st,
		"WITH a AS (SELECT max(decided_at) AS at FROM reviews WHERE record_id = ?1 AND decision = 'approve')"
		" SELECT 1 FROM holds, a WHERE a.at IS NOT NULL"
		" AND (record_id = ?1 OR (record_id IS NULL AND case_id = ?2))"
		" AND (released_at IS NULL OR released_at >= a.at) LIMIT 1", "tn", record_id, case_id);

	sqlite3_finalize(st);
	return r;
}
