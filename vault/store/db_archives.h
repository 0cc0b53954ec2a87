/*
 * casevault - the archives table: one row per archive file, with its
 * wrapped key and the receipt that signed it.
 */
#ifndef CV_STORE_DB_ARCHIVES_H
#define CV_STORE_DB_ARCHIVES_H

#include <stdint.h>
#include "base/handle.h"

typedef struct {
	const char *file, *case_id;
	cv_section section;
	int key_gen;
	const char *wrapped_key;
	int compressed;          /* zstd, or none */
	int64_t size;
	const char *sha256;
	long long receipt_id;
	const char *created;
} cv_db_archive_new;

/* Insert the row of an archive just written; *id is its row id. */
int cv_db_archive_insert(cv_vault *v, const cv_db_archive_new *a, long long *id);

#endif
