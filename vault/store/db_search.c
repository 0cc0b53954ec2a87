/* casevault - the sealed word sets of search (store/db_search.h). */
#include <stdlib.h>

#include "store/db_search.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_words_put(cv_vault *v, const char *id, cv_section s, const char *words)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, "INSERT OR REPLACE INTO record_words(id, section, words) VALUES(?, ?, ?)", "tt",
				id, cv_section_name(s))) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 3, s, "record_words", "words", id, words)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "store a record's search words");
}

int cv_db_words_of_case(cv_vault *v, const char *case_id, cv_section s,
			int (*fn)(void *hook, const char *id, char *words), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r, rc = SQLITE_DONE;

	if ((r = cv_index_query(v, &st, "SELECT w.id, w.words FROM record_words w JOIN records r ON r.id = w.id"
				" WHERE r.case_id = ? AND r.section = ? AND w.section = r.section ORDER BY w.id", "tt",
				case_id, cv_section_name(s))) < 0)
		return r;
	while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *words = NULL;

		r = cv_sealed_get(v, st, 1, s, "record_words", "words", cv_col(st, 0), &words);
		r = r == CV_ECORRUPT ? 0 : r;
		if (r == 0)
			r = fn(hook, cv_col(st, 0), words);
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = cv_index_dberr(v, "read the search word sets");
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int cv_db_words_missing_each(cv_vault *v, int (*fn)(void *hook, const char *id, const char *mime), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r, rc = SQLITE_DONE;

	if ((r = cv_index_query(v, &st, "SELECT r.id, r.mime FROM records r LEFT JOIN record_words w ON w.id = r.id"
				" WHERE w.id IS NULL", NULL)) < 0)
		return r;
	while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(hook, cv_col(st, 0), cv_col(st, 1));
	if (r >= 0 && rc != SQLITE_DONE)
		r = cv_index_dberr(v, "read the search word sets");
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}
