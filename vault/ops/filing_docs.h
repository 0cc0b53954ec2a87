/*
 * casevault - filing, its documents: the checks on each item, opening and
 * typing a document, and the groups (one archive each) the items fall in.
 * Private to the filing (filing.c and its parts; a redacted copy, decide.c,
 * opens its document with cv_filing_doc_fd as the filing does).
 */
#ifndef CV_OPS_FILING_DOCS_H
#define CV_OPS_FILING_DOCS_H

#include <stddef.h>
#include <stdint.h>

#include "base/handle.h"
#include "base/typecheck.h"
#include "store/archive.h"
#include "casevault/date.h"
#include "casevault/record.h"

/* An item's error when another item made it fail (import mode: its case; else the batch). */
#define CV_FILING_SPOILED "not filed because "

/* The items of one case and section that fall due together: one archive. */
typedef struct {
	const char *case_id;
	cv_section section;
	size_t *idx;            /* indices into items */
	size_t n;
	char file[40];          /* archive file name */
	char key[CV_KEY_HEX + 1];
	cv_member_in *m;
	char sha[65];
	int64_t size;
	int compress;
	char rkey[200];         /* retention key: records that fall due together */
	int failed;
	int taken;              /* claimed by a writer */
	int written;
	char *wrapped;
	int key_gen;
	char child_dob[11];
	char closed[11];
	/* for the manifest */
	cv_vault *v;
	cv_file_item *items;
	const char *now;
	const char *policy_hash;
	/* a deposit (core/deposit.h): filed by someone without the section key */
	int deposit;
	unsigned char dpub[32];   /* the section's deposit public key */
	unsigned char dseal[32];  /* this filing's sealing key for the deposit row */
	struct cv_filing_ocr *ocr; /* per member, while the archive is written (filing_ocr.h) */
	size_t not_ocred;         /* scans OCR could not read, the first one's reason in ocr_why */
	char ocr_why[200];
	/* each member's word set for search (ops/search_words.h), sealed into the index at commit; NULL: none */
	char **words;
} cv_filing_group;

int cv_filing_item_fail(cv_file_item *it, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Metadata checks that need no file: class, section, dates, title, case (known_case: the last case found). */
int cv_filing_check_meta(cv_vault *v, cv_file_item *it, const cv_date *today, char known_case[24]);
/*
 * A new descriptor of item it's document, at its start: the one the caller
 * passed (has_fd), or the path opened without following a symbolic link;
 * -1 with errno.
 */
int cv_filing_doc_fd(const cv_file_item *it);
/* Open and type-check one document through a single descriptor. */
int cv_filing_open_doc(cv_vault *v, cv_typer *mg, cv_file_item *it, int *fdp, int64_t *sizep, int *compressible);
/* The document's title: given, its file name, or a note's first line (malloc'd). */
char *cv_filing_title(const cv_file_item *it);
/* The file name extension of a type the policy admits. */
const char *cv_filing_ext(cv_vault *v, const char *mime);
/* The key of the records that fall due together (see filing_docs.c). */
void cv_filing_retention_key(cv_vault *v, const cv_file_item *it, char *out, size_t outlen);
/* The item that failed on its own account (not one spoiled by another). */
cv_file_item *cv_filing_root_cause(cv_file_item *items, size_t n);

void cv_filing_group_close_fds(cv_filing_group *g);
/* Wipe and free the group's word sets. */
void cv_filing_group_free_words(cv_filing_group *g);
/* Fail the groups of case_id (per_case) or all, naming bad_item in the others' errors. */
void cv_filing_group_fail_case(cv_filing_group *gs, size_t ng, cv_file_item *items, const char *case_id,
			       size_t bad_item, int per_case);
/* Validate one group's documents; on failure mark its case (or all) failed. */
int cv_filing_open_group(cv_vault *v, cv_typer *mg, cv_filing_group *gs, size_t ng, size_t gi,
			 cv_file_item *items, int per_case);

#endif
