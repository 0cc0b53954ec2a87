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
