/*
 * casevault - the signed statements kept beside the audit trail: audit
 * checkpoints (a staff key signs the trail's head at each unlock) and the
 * signatures on certificates of destruction (docs/architecture.md, The
 * audit trail).  What is signed and how it is checked is core's
 * (core/checkpoint.c, core/certsign.c); these functions read and write rows.
 */
#ifndef CV_STORE_DB_CHECKPOINTS_H
#define CV_STORE_DB_CHECKPOINTS_H

#include <stddef.h>
#include "base/handle.h"

/* One checkpoint row.  From _each, sig points into the row (valid during the callback). */
typedef struct {
	long number, seq;
	char hash[65], staff_id[32], fpr[48], created[32], prev[65];
	const char *sig;
} cv_db_checkpoint;

/* The newest checkpoint: 1 with *c set (c->sig NULL), 0 when there is none, <0 on error. */
int cv_db_checkpoint_last(cv_vault *v, cv_db_checkpoint *c);
int cv_db_checkpoint_insert(cv_vault *v, const cv_db_checkpoint *c);
/* Every checkpoint by number; fn returns non-zero to stop. */
int cv_db_checkpoint_each(cv_vault *v, int (*fn)(void *hook, const cv_db_checkpoint *c), void *hook);

/* A signature on a certificate: kind "signed" (whoever ran the purge) or "countersigned" (a manager). */
typedef struct {
	long number;
	char kind[16], signer[32], fpr[48], created[32];
	char *sig;   /* malloc'd by _get; free with cv_db_certsig_release */
} cv_db_certsig;

int cv_db_certsig_insert(cv_vault *v, const cv_db_certsig *s);
/* Certificate number's signature of kind: 1 with *s filled, 0 when none, <0 on error. */
int cv_db_certsig_get(cv_vault *v, long number, const char *kind, cv_db_certsig *s);
void cv_db_certsig_release(cv_db_certsig *s);
/* Up to max certificates of the scheduled purge with no counter-signature, oldest first, into numbers. */
int cv_db_certsig_awaiting(cv_vault *v, long *numbers, size_t max, size_t *n);

#endif
