/*
 * casevault - sealed index columns: the registry of every BLOB column that
 * holds personal data under a section key, and writing one.
 */
#ifndef CV_STORE_SEALED_H
#define CV_STORE_SEALED_H

#include <sqlite3.h>
#include "base/handle.h"

int cv_seal_update(cv_vault *v, cv_section s, const char *table, const char *column,
		   sqlite3_int64 id, const char *text, const char *what);

#endif
