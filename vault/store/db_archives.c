/* casevault - the archives table (db_archives.h). */
#include "store/db_archives.h"
#include "store/index.h"

int cv_db_archive_insert(cv_vault *v, const cv_db_archive_new *a, long long *id)
{
	int r;

	if ((r = cv_index_run(v, "record an archive",
		"INSERT INTO archives(file, case_id, section, key_gen, wrapped_key, compression, size, sha256, receipt_id, created)"
		" VALUES(?,?,?,?,?,?,?,?,?,?)", "tttittItIt",
		a->file, a->case_id, cv_section_name(a->section), a->key_gen, "",  /* the key: in the key store */
		a->compressed ? "zstd" : "none", (sqlite3_int64)a->size, a->sha256,
		(sqlite3_int64)a->receipt_id, a->created)) == 0)
		*id = sqlite3_last_insert_rowid(v->db);
	return r;
}
