/*
 * casevault - the intake tray (docs/intake.md): documents that arrive
 * before anyone has said which case they belong to (a scanner's drop
 * folder, an attachment saved by hand) are encrypted at once to the case
 * section's deposit key, which only holders of the case key (caseworkers
 * and above) can open, and wait as intake items until a person assigns
 * them to a case (filed through the ordinary filing path) or rejects them
 * (crypto-erased).  Volunteers may add to the tray, never read it.
 */
#ifndef CASEVAULT_INTAKE_H
#define CASEVAULT_INTAKE_H

#include <stddef.h>
#include <stdint.h>
#include "vault.h"

/* An item unassigned this many days is due: listed by 'intake list --due' and 'retention due'. */
#define CV_INTAKE_DUE_DAYS 30

typedef struct {
	char id[16];             /* I-000001 */
	char arrived[32];        /* ISO 8601 UTC */
	int64_t size_bucket;     /* the size rounded up to a power of two (the exact size is sealed) */
	int64_t size;            /* the exact size, once opened; else the bucket */
	char mime[96];
	char source[8];          /* "drop" (casevaultd's folder) or "cli" */
	char added_by[24];       /* the staff id, or "-" for the drop folder */
	char *name;              /* the original file name, opened; NULL when not */
	int days;                /* whole days since it arrived */
} cv_intake_item;

/*
 * Take one document into the tray: fd is read from its start, type-checked
 * as 'file' checks a document, encrypted to the intake key and written
 * durably (fsynced) before this returns; name is its original file name
 * (sealed).  source is "drop" or "cli".  *doc_refused (may be NULL) is set
 * when the document itself was refused (type, size, structure: say so to
 * whoever sent it); otherwise a failure is the vault's (no intake key yet,
 * a lock, a disk error) and the same document may be tried again.
 * Used by casevaultd's drop folder watcher, which acts as no staff member.
 */
int cv_intake_take(cv_vault *v, int fd, const char *name, const char *source, char id[16], int *doc_refused);
/* 'intake add': cv_intake_take by the acting staff member (anyone who may file a note). */
int cv_intake_add(cv_vault *v, int fd, const char *name, char id[16]);
/* Every item waiting, oldest first, names opened (caseworkers and above; volunteers are refused). */
int cv_intake_list(cv_vault *v, cv_intake_item **out, size_t *n);
void cv_intake_list_free(cv_intake_item *list, size_t n);
/* How many items have waited CV_INTAKE_DUE_DAYS or more (no key needed). */
int cv_intake_due_count(cv_vault *v, size_t *n);
/* Write item id's document to fd, audited (intake.show) before anything is decrypted; *info may be NULL. */
int cv_intake_show(cv_vault *v, const char *id, int fd, cv_intake_item *info);
/*
 * Item id's document drawn as a PNG at most max_width wide (*png, caller
 * frees; casevault/preview.h), opened and audited (intake.show) as
 * cv_intake_show opens it.  A type with no preview (text, e-mail) is
 * refused (CV_EREFUSED, saying to download it) before anything is
 * decrypted or audited.
 */
int cv_intake_preview(cv_vault *v, const char *id, int max_width, void **png, size_t *len);
void cv_intake_release(cv_intake_item *it);

typedef struct {
	const char *case_id;
	cv_section section;
	const char *class_name;
	const char *title;       /* NULL: the original file name */
	const char *date;        /* NULL: today */
} cv_intake_assign_opts;
/*
 * File item id into a case through the ordinary filing path (cv_file: all
 * its checks, one archive, receipt and audit event), then erase the item
 * (intake.assign).  record_id gets the new record.  When the filing fails
 * nothing changes; the item stays.
 */
int cv_intake_assign(cv_vault *v, const char *id, const cv_intake_assign_opts *o, char record_id[16]);
/*
 * The same, with every record it made: an e-mail (message/rfc822) is filed
 * as its text (From, To, Cc, Date, Subject and body) and each attachment as
 * a record of its own, part of the first, all in one filing (docs/intake.md,
 * "E-mail"); any other document as one record.  *records (malloc'd, *n ids,
 * the e-mail's first) is freed by the caller.  record_id above is (*records)[0].
 */
int cv_intake_assign_all(cv_vault *v, const char *id, const cv_intake_assign_opts *o, char (**records)[16], size_t *n);

/* The reasons an item may be rejected for (kept in the audit trail, so no free text). */
extern const char *const cv_intake_reasons[];
/* Crypto-erase item id (its key deleted, its file removed), audited with the reason (intake.reject). */
int cv_intake_reject(cv_vault *v, const char *id, const char *reason);

#endif
