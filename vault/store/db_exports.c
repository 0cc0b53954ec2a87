/* casevault - the exports table (db_exports.h). */
#include "casevault/common.h"
#include "store/db_exports.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_export_insert(cv_vault *v, const char *record_id, cv_section sec, const char *purpose, const char *dest,
			const char *now, long *id)
{
	int r;

	if ((r = cv_index_run(v, "record the export",
		"INSERT INTO exports(record_id, section, dest, exported_by, exported_at) VALUES(?,?,?,?,?)",
		"ttttt", record_id, cv_section_name(sec), dest, v->actor, now)) < 0)
		return r;
	*id = (long)sqlite3_last_insert_rowid(v->db);
	return cv_seal_update(v, sec, "exports", "purpose", *id, purpose, "record the export");
}

int cv_db_export_section(cv_vault *v, long id, cv_section *sec)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT section FROM exports WHERE id = ?", "l", id)) <= 0)
		return r;
	r = cv_section_parse(sec, (const char *)sqlite3_column_text(st, 0)) < 0
		? cv_error(v, CV_ECORRUPT, "export %ld names no section; run 'casevault verify'", id) : 1;
	sqlite3_finalize(st);
	return r;
}

int cv_db_export_purpose(cv_vault *v, long id, cv_section sec, char **purpose)
{
	sqlite3_stmt *st = NULL;
	int r;

	*purpose = NULL;
	if ((r = cv_index_one(v, &st, "SELECT purpose FROM exports WHERE id = ?", "l", id)) <= 0)
		return r;
	r = cv_sealed_get_n(v, st, 0, sec, "exports", "purpose", id, purpose);
	sqlite3_finalize(st);
	return r;
}
