/*
 * casevault - the records table: a document's row, read for listing and
 * reading it, written by the filing, checked by verify.
 */
#ifndef CV_STORE_DB_RECORDS_H
#define CV_STORE_DB_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include "base/handle.h"
#include "casevault/record.h"

/* Every record of one case's section in filing order, title and date opened (the caller unlocked s). */
int cv_db_records_list(cv_vault *v, const char *case_id, cv_section s, cv_record **out, size_t *n);

/* A record's section and type, in the clear; CV_ENOTFOUND with a message. */
int cv_db_record_mime(cv_vault *v, const char *id, cv_section *s, char mime[96]);

/* Where a record is: its row, its archive and the receipt that signed it. */
typedef struct {
	cv_record rec;          /* rec.id is set once allow has passed */
	char *sha;              /* the record's own hash, unsealed */
	char member[64], file[64], archive_sha[65];
	char *wrapped;          /* the archive's wrapped key */
	int key_gen;
	long long receipt_id;
} cv_db_record_where;

/*
 * Read record id and its archive.  allow(hook, section) runs before any
 * sealed field is opened (authorisation, unlocking) and its error stops
 * the read.  Release *out with cv_db_record_where_release, also on error.
 */
int cv_db_record_locate(cv_vault *v, const char *id, int (*allow)(void *hook, cv_section s), void *hook,
			cv_db_record_where *out);
void cv_db_record_where_release(cv_db_record_where *w);

/*
 * What the duplicate check compares: a record's id, the bucket of its size
 * (the clear column) and its blind value (store/sealed.h).
 */
typedef struct {
	char id[16];
	int64_t bucket;
	char blind[65];         /* set only for rows want accepted */
} cv_db_record_blind;

/*
 * The records of one case and section the caller wants: want sees each
 * row's id and bucket (blind empty) and returns 1 to keep the row with its
 * blind value, 0 to skip it, or an error, which stops.  No exact size and
 * no hash is opened, except the hash of a row that has no blind value yet.
 * The kept rows are a malloc'd array.
 */
int cv_db_record_blinds(cv_vault *v, const char *case_id, cv_section s,
			int (*want)(void *hook, const cv_db_record_blind *row), void *hook,
			cv_db_record_blind **out, size_t *n);

/* A row the filing adds; title, sha256 and event_date are sealed under section. */
typedef struct {
	const char *id, *case_id, *class_name, *member, *mime;
	cv_section section;
	long long archive_id;
	int64_t size;
	const char *title, *sha256, *event_date;
	const char *filed_at, *filed_by;
	const char *retain_until;   /* NULL or "" when no rule gives a date yet */
	const char *policy_hash;
} cv_db_record_new;

/* Insert n rows (one statement, reused). */
int cv_db_records_insert(cv_vault *v, const cv_db_record_new *rows, size_t n);

#endif
