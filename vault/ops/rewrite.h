/*
 * casevault - rewriting an archive without the records a purge destroys:
 * the survivors copied, through memory, into a new archive under a new key
 * (purge.c, step 3; docs/retention.md).  Shared by the purge and its
 * certificates.
 */
#ifndef CV_OPS_REWRITE_H
#define CV_OPS_REWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "base/handle.h"
#include "casevault/retention.h"

typedef struct {
	int64_t id;
	char file[64];
	cv_section section;
	int key_gen;
	char *wrapped;
	char compression[8];
	char sha[65];
	/* survivors */
	char (*ids)[24];
	char (*members)[64];
	int64_t *sizes;
	size_t nsurv, cap;
	/* the new archive */
	char newfile[40];
	char newsha[65];
	int64_t newsize;
	char *newwrapped;
	int newgen;
	int written;
	json_t *manifest;     /* old manifest, then the new one */
	const char *now;
	/*
	 * A correction's change to the new manifest (ops/record_fix.c: the case a
	 * record moves to, a corrected class, title or date), or NULL; it sets
	 * *failed when a jansson call fails.
	 */
	void (*edit)(void *hook, json_t *manifest, int *failed);
	void *edit_hook;
} cv_rewrite;

/* Whether the archive of items[i] was rewritten in this run (so that its records went). */
int cv_rewrite_done(const cv_rewrite *rws, size_t nrw, int64_t archive_id);

/* The archive of items[from..to) and its survivors: the records not going in this run. */
int cv_rewrite_load(cv_vault *v, cv_rewrite *rw, const cv_due *items, size_t from, size_t to);
/* Add a record to copy into the new archive (its id, member name and size); <0 when out of memory. */
int cv_rewrite_add(cv_rewrite *rw, const char *id, const char *member, int64_t size);
/* Copy the survivors of rw into a new archive (written, renamed, synced, key wrapped). */
int cv_rewrite_one(cv_vault *v, cv_rewrite *rw);
void cv_rewrite_release(cv_rewrite *rw);

/* Name the new files in the pending intent log, in their own transaction, before any is written. */
int cv_rewrite_begin_pending(cv_vault *v, cv_rewrite *rws, size_t nrw, const char *now);
/* Remove the new files (after a failure) and clear the pending log. */
void cv_rewrite_undo(cv_vault *v, cv_rewrite *rws, size_t nrw);
/* The receipt of the new archives, for the actor's signature (malloc'd). */
char *cv_rewrite_receipt_json(cv_vault *v, const cv_rewrite *rws, size_t nrw, const char *now);

#endif
