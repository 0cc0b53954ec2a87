/* casevault - the exports table (casevault/export.h): the purpose sealed under the record's section key. */
#ifndef CV_STORE_DB_EXPORTS_H
#define CV_STORE_DB_EXPORTS_H

#include "base/handle.h"

int cv_db_export_insert(cv_vault *v, const char *record_id, cv_section sec, const char *purpose, const char *dest,
			const char *now, long *id);
/* The section export id's purpose is sealed under: 1, 0 when there is no such export, <0. */
int cv_db_export_section(cv_vault *v, long id, cv_section *sec);
/* Its purpose, opened under sec: *purpose malloc'd, NULL once erased. */
int cv_db_export_purpose(cv_vault *v, long id, cv_section sec, char **purpose);

#endif
