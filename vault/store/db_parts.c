/*
 * casevault - record_parts rows (store/db_parts.h).  The trigger of
 * migration 22 removes a link when either record goes (erase, purge).
 */
#include "store/db_parts.h"
#include "store/index.h"

int cv_db_parts_add(cv_vault *v, const char *record_id, const char *part_of)
{
	return cv_index_run(v, "link an attachment to its e-mail",
			    "INSERT INTO record_parts(record_id, part_of) VALUES(?,?)", "tt", record_id, part_of);
}
