/* casevault - the archives table (db_archives.h). */
#include "store/db_archives.h"
#include "store/index.h"

int cv_db_archive_insert(cv_vault *v, const cv_db_archive_new *a, long long *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO archives(file, case_id, section, key_gen, wrapped_key, compression, size, sha256, receipt_id, created)"
		" VALUES(?,?,?,?,?,?,?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, a->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cv_section_name(a->section), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, a->key_gen);
	sqlite3_bind_text(st, 5, a->wrapped_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->compressed ? "zstd" : "none", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, a->size);
	sqlite3_bind_text(st, 8, a->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, a->receipt_id);
	sqlite3_bind_text(st, 10, a->created, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, "record an archive");
	else
		*id = sqlite3_last_insert_rowid(v->db);
	sqlite3_finalize(st);
	return r;
}
