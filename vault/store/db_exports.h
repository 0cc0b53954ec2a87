/* casevault - the exports table (casevault/export.h): the purpose sealed under the record's section key. */
#ifndef CV_STORE_DB_EXPORTS_H
#define CV_STORE_DB_EXPORTS_H

#include "base/handle.h"

int cv_db_export_insert(cv_vault *v, const char *record_id, cv_section sec, const char *purpose, const char *dest,
			const char *now, long *id);

#endif
