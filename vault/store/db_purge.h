/*
 * casevault - the index side of the purge (docs/retention.md): archives and
 * their records as a rewrite needs them, the run's single commit (receipt,
 * certificate, records and archive keys deleted, destruction and shred
 * logs), the certificates, and the day of the last purge.  The rewrites'
 * pending intents and the receipt are core's (core/intent.c, core/receipt.c).
 */
#ifndef CV_STORE_DB_PURGE_H
#define CV_STORE_DB_PURGE_H

#include <stddef.h>
#include <stdint.h>
#include "base/handle.h"
#include "casevault/purge.h"
#include "casevault/retention.h"

/* ---- archives, for a rewrite ---- */

typedef struct {
	char file[64];
	cv_section section;
	int key_gen;
	char *wrapped;           /* malloc'd */
	char compression[8];
	char sha256[65];
} cv_db_archive;

/* Archive id: 1 (row filled; free row->wrapped), 0 when there is none. */
int cv_db_archive_get(cv_vault *v, int64_t id, cv_db_archive *row);
/* Each record of archive id in order: fn(hook, record id, member name, size); fn's negative return stops. */
int cv_db_archive_records(cv_vault *v, int64_t id,
			  int (*fn)(void *hook, const char *record_id, const char *member, int64_t size), void *hook);
/* Record id's content hash under sec's key: 1 (*sha malloc'd), 0 when missing or not opening, <0. */
int cv_db_record_sha256(cv_vault *v, const char *id, cv_section sec, char **sha);
/* 1 when record id is still in the index, 0 when not, <0 on error. */
int cv_db_record_exists(cv_vault *v, const char *id);

/* ---- the run's commit (the caller holds the transaction) ---- */

/* The last certificate's number (0 without one) and hash ("" without one). */
int cv_db_certificate_last(cv_vault *v, long *number, char prev[65]);
int cv_db_certificate_insert(cv_vault *v, long number, const char *now, const char *run_by, long records,
			     const char *body, const char *sha256, const char *prev);
/* Delete record id and log it destroyed under certificate number. */
int cv_db_record_destroy(cv_vault *v, const char *id, long number);
/* Delete archive id's row (its wrapped key) and log its file to shred. */
int cv_db_archive_erase(cv_vault *v, int64_t id, const char *file, const char *now);

/* A rewritten archive: the new file's facts, replacing archive old_id. */
typedef struct {
	int64_t old_id;
	const char *old_file, *file, *wrapped, *sha256;
	int key_gen;
	int64_t size, receipt_id;
} cv_db_rewritten;

/* Record the new archive, move the kept records into it, then erase the old one. */
int cv_db_archive_replace(cv_vault *v, const cv_db_rewritten *rw, const char *now);

/* ---- certificates ---- */

int cv_db_certificate_list(cv_vault *v, cv_certificate **out, size_t *n);   /* free() */
/* Certificate number's text (malloc'd).  CV_ENOTFOUND. */
int cv_db_certificate_body(cv_vault *v, long number, char **json);

typedef struct {
	long number;
	const char *body, *sha256, *prev_sha256;   /* "" for none */
} cv_db_certificate_row;

/* Every certificate by number (valid during the callback). */
int cv_db_certificate_each(cv_vault *v, void (*fn)(void *hook, const cv_db_certificate_row *c), void *hook);

/* ---- the day of the last purge (meta purge_day) ---- */

/* out gets the day ("" when none). */
int cv_db_purge_day_get(cv_vault *v, char out[11]);
/* Record day, never moving it back; a failure is a notice only. */
void cv_db_purge_day_record(cv_vault *v, const char *day);

/* The checkpoint after the purge's commit; the message tells a full disk from a busy reader. */
int cv_db_purge_checkpoint(cv_vault *v);

/* In the purge's transaction: foreign keys checked at its commit, not at each statement. */
int cv_db_purge_defer_checks(cv_vault *v);

#endif
