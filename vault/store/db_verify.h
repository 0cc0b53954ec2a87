/*
 * casevault - what verify reads from the index: SQLite's own checks, rows
 * that lost their partner, and each archive with its records.
 */
#ifndef CV_STORE_DB_VERIFY_H
#define CV_STORE_DB_VERIFY_H

#include <stdint.h>
#include "base/handle.h"

/* One or two text columns of a row (b NULL when there is one). */
typedef void (*cv_db_text_fn)(void *hook, const char *a, const char *b);

/* Each line of SQLite's integrity check ("ok" when sound). */
int cv_db_verify_integrity(cv_vault *v, cv_db_text_fn fn, void *hook);
/* Each row pointing at a missing row: a is its table, b the table it refers to. */
int cv_db_verify_foreign_keys(cv_vault *v, cv_db_text_fn fn, void *hook);
/* Each record whose archive row is gone (a: the record id). */
int cv_db_verify_orphan_records(cv_vault *v, cv_db_text_fn fn, void *hook);
/* Each archive row with no record (a: its file). */
int cv_db_verify_orphan_archives(cv_vault *v, cv_db_text_fn fn, void *hook);

typedef struct {
	long long id;
	const char *file, *wrapped_key, *sha256;
	cv_section section;
	int key_gen;
	long long receipt_id;
} cv_db_verify_archive;

/* Each archive row in id order; fn returns nonzero to stop (an error is returned). */
int cv_db_verify_archives(cv_vault *v, int (*fn)(void *hook, const cv_db_verify_archive *a), void *hook);

/* The ids of archive aid's records in filing order; fn returns nonzero to stop. */
void cv_db_verify_record_ids(cv_vault *v, long long aid, int (*fn)(void *hook, const char *id), void *hook);

typedef struct {
	const char *id, *member;
	char *sha;                      /* opened under the archive's section; NULL when it does not open */
	int64_t size;
	const char *case_id, *section, *class_name, *mime;   /* in the clear, as the index holds them */
} cv_db_verify_record;

/* Each record of archive aid in filing order, its hash opened under section s. */
int cv_db_verify_records(cv_vault *v, long long aid, cv_section s,
			 void (*fn)(void *hook, const cv_db_verify_record *rec), void *hook);
/* Whether record id is in the index as a member of archive aid. */
int cv_db_verify_record_in_archive(cv_vault *v, const char *id, long long aid);
/*
 * Whether name in the archives directory is an archive or a file a writer
 * still running announced in its intent log (one statement: a filing that
 * commits meanwhile moves its file from pending to archives).
 */
int cv_db_verify_file_known(cv_vault *v, const char *name);

/*
 * Every keyslip (only's, when not NULL): outdated when its generation is
 * older than a section key it holds; revoked when its owner is.
 */
int cv_db_verify_keyslips(cv_vault *v, const char *only,
			  int (*fn)(void *hook, const char *staff_id, int gen, int outdated, int revoked), void *hook);
/* Open every sealed column (cv_sealed_cols) of the rows of the sections in mask; fn for each that fails. */
int cv_db_verify_sealed(cv_vault *v, int mask,
			void (*fn)(void *hook, const char *table, const char *column, const char *id),
			void *hook, size_t *checked);

/*
 * Every sealed value of the sections in mask that opens but is not UTF-8
 * (stored before text was checked, docs/commands/README.md "Text and JSON"),
 * to fn with its table, column and row id.
 */
int cv_db_verify_sealed_text(cv_vault *v, int mask,
			     void (*fn)(void *hook, const char *table, const char *column, const char *id), void *hook);

#endif
