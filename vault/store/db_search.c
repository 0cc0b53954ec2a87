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

int cv_db_words_get(cv_vault *v, const char *id, cv_section s, char **words)
{
	sqlite3_stmt *st = NULL;
	int r;

	*words = NULL;
	if ((r = cv_index_one(v, &st, "SELECT words FROM record_words WHERE id = ? AND section = ?", "tt", id,
			      cv_section_name(s))) <= 0)
		return r;
	r = cv_sealed_get(v, st, 0, s, "record_words", "words", id, words);
	sqlite3_finalize(st);
	if (r == CV_ECORRUPT || (r == 0 && !*words))
		return 0;
	return r < 0 ? r : 1;
}

int cv_db_words_count(cv_vault *v, long long *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = cv_index_one(v, &st, "SELECT count(*) FROM record_words", NULL)) <= 0)
		return r;
	*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
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
