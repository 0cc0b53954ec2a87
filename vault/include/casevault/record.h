/*
 * casevault - filing, listing and reading records.
 */
#ifndef CASEVAULT_RECORD_H
#define CASEVAULT_RECORD_H

#include <stdint.h>
#include "vault.h"

/* One document or note to file.  Inputs first, results after. */
typedef struct {
	const char *case_id;
	cv_section section;
	const char *class_name;
	const char *path;        /* the document; NULL for a note (with has_fd: only its name, as given) */
	const char *text;        /* a note's text when path is NULL */
	size_t text_len;
	const char *title;       /* NULL: the file's base name, or "Note" */
	const char *date;        /* date of the event, YYYY-MM-DD; NULL = today */
	int line;                /* caller's reference (e.g. CSV line), for reports */
	/*
	 * The document already open (fd, read from its start; the caller keeps
	 * it): casevaultd's worker files what the client opened and passed,
	 * and never opens the path a client named (docs/service.md, "Named files").
	 */
	int has_fd;
	int fd;
	/*
	 * Or opened on demand, each time the filing reads it (without has_fd):
	 * casevaultd's import asks the client for each document the manifest
	 * names, so that neither side holds thousands of descriptors
	 * (docs/protocol.md, "Documents of a manifest").  A new descriptor at
	 * its start, or -1 with errno as the client's open set it.
	 */
	int (*open_doc)(void *hook, const char *path);
	void *open_hook;
	/*
	 * 1-based index, in this call, of the item whose record this one is
	 * part of (an e-mail's attachment names its e-mail, docs/intake.md,
	 * "E-mail"); 0 for none.  The link commits with the records.
	 */
	size_t part_of;
	/* results */
	char record_id[16];
	char mime[96];
	int status;              /* in: 0, or <0 when the caller already refused it; out: 0 filed, or a CV_E* code */
	char error[512];         /* why this item was not filed */
	/*
	 * Import mode: status 0 and no record_id when the same document (same
	 * bytes) is already filed in this case and section, or comes earlier
	 * in this call; this names that record.
	 */
	char duplicate_of[16];
	int duplicate_line;      /* the earlier item (its line) it repeats in this call, or 0 */
} cv_file_item;

enum {
	/*
	 * Import mode: each case's items are all or nothing on their own; a case
	 * with a bad item is reported and skipped, the others are filed.
	 * Without it, one bad item anywhere files nothing at all.
	 */
	CV_FILE_PER_CASE = 1 << 0,
	/*
	 * File a document even when the same bytes are already filed in that
	 * case and section.  Without it such a document is refused (all or
	 * nothing), or in import mode skipped and reported in duplicate_of.
	 * Notes are never checked: the same words twice are two events.
	 */
	CV_FILE_ALLOW_DUPLICATES = 1 << 1,
	/*
	 * Check everything a filing checks (cases, classes, sections, dates,
	 * titles, files, types from content, duplicates) and file nothing: no
	 * archive, index row, receipt or intent log.  An item that would be
	 * filed keeps status 0 with an empty record_id.
	 */
	CV_FILE_CHECK_ONLY = 1 << 2
};

typedef void (*cv_progress_fn)(void *hook, size_t done, size_t total);

/*
 * File items: one archive per (case, section), one signed receipt and one
 * index transaction for the whole call.  Returns 0 when every item was
 * filed (or, in import mode, skipped as a duplicate); otherwise a CV_E*
 * code, with each item's status and error set.  *nfiled (may be NULL)
 * receives the number of items filed.
 */
int cv_file(cv_vault *v, cv_file_item *items, size_t n, int flags,
	    cv_progress_fn progress, void *hook, size_t *nfiled);

typedef struct {
	char id[16];
	char case_id[24];
	cv_section section;
	char class_name[64];
	char *title;             /* unsealed */
	char event_date[11];
	char filed_at[32];
	char filed_by[24];
	char mime[96];
	int64_t size;
	char retain_until[11];   /* "" when not yet known */
	char part_of[16];        /* the record (an e-mail) this one was attached to; "" for none */
} cv_record;

/* Records of one case and section, oldest first. */
int cv_record_list(cv_vault *v, const char *case_id, cv_section section,
		   cv_record **out, size_t *n);
void cv_record_list_free(cv_record *list, size_t n);

/*
 * Write a record's bytes to fd after checking the archive's signed receipt;
 * the SHA-256 is checked as the bytes stream (CV_ECORRUPT at the end when
 * it differs: callers writing to a file delete it).  *info (may be NULL) is
 * filled and released with cv_record_release.
 */
int cv_record_get(cv_vault *v, const char *record_id, int fd, cv_record *info);

enum {
	/*
	 * Read a record whose filing receipt's signature does not hold but
	 * whose body still lists the archive with the hash in the index: every
	 * hash is checked as always (archive, receipt, the document against
	 * the hash sealed at filing); only who filed it is unproven.  Audited
	 * as record.get.damaged-receipt, and noted (cv_vault_notice).  Without
	 * it such a record is refused (docs/security.md, Filing receipts).
	 */
	CV_GET_DAMAGED_RECEIPT = 1 << 0
};
/* cv_record_get with CV_GET_* flags. */
int cv_record_get_flags(cv_vault *v, const char *record_id, int fd, int flags, cv_record *info);

/* A record's type (kept in clear), for a caller who may read it; no unlock. */
int cv_record_mime(cv_vault *v, const char *record_id, char mime[96]);
void cv_record_release(cv_record *r);

/* One problem found by cv_verify. */
typedef struct {
	char what[48];           /* record id, archive file or "index" */
	char msg[224];
} cv_verify_problem;

typedef struct {
	size_t archives, records, receipts;
	size_t sealed_only;      /* archives checked without decrypting (no key for their section) */
	size_t not_ocred;        /* scans filed when OCR could not run (docs/ocr.md) */
	size_t nproblems;
	cv_verify_problem *problems;
} cv_verify_report;

/*
 * Check every archive decrypts and is covered by a valid receipt signed by
 * a known staff key, every record's hash, and that no file or row is an
 * orphan.  Returns 0 when clean, CV_ECORRUPT when problems were found.
 */
int cv_verify(cv_vault *v, cv_verify_report *rep);
void cv_verify_report_release(cv_verify_report *rep);

#endif
