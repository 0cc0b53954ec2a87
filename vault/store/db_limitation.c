/* casevault - facts for the retention edge cases (db_limitation.h). */
#include "casevault/common.h"
#include "store/db_limitation.h"
#include "store/index.h"

/*
 * A hold stood since the latest approval when it still stands or was released
 * after that review row was written (released_after_review, migration 21).
 * A release from before that migration compares whole-second times, a tie
 * counting as held: the approval is void and a fresh review is asked for,
 * the safe side (docs/legal-rules.md §13).
 */
int cv_db_held_since_approval(cv_vault *v, const char *record_id, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st,
		"WITH a AS (SELECT max(id) AS id, max(decided_at) AS at FROM reviews"
		"  WHERE record_id = ?1 AND decision = 'approve')"
		" SELECT 1 FROM holds, a WHERE a.id IS NOT NULL"
		" AND (record_id = ?1 OR (record_id IS NULL AND case_id = ?2))"
		" AND (released_at IS NULL OR released_after_review >= a.id"
		"  OR (released_after_review IS NULL AND released_at >= a.at)) LIMIT 1", "tn", record_id, case_id);

	sqlite3_finalize(st);
	return r;
}
