/*
 * casevault - the purge: destroying what is due, provably, and the
 * certificates of destruction (docs/legal-rules.md §14; docs/retention.md).
 */
#ifndef CASEVAULT_PURGE_H
#define CASEVAULT_PURGE_H

#include <stddef.h>
#include "retention.h"

enum {
	CV_PURGE_DRY_RUN = 1 << 0,    /* plan only: change nothing at all */
	CV_PURGE_SCHEDULED = 1 << 1   /* unattended: never unlock; rewrites are reported pending */
};

typedef struct {
	size_t nitems;           /* records due (each handed to cv_purge_each's each()) */
	size_t destroyed;        /* records destroyed (or that would be, dry run) */
	size_t archives_destroyed;
	size_t archives_rewritten;
	size_t held, review, stale, unknown, pending;
	long certificate;        /* number of this run's certificate, 0 when none */
	char certificate_sha256[65];
	int policy_fallback;     /* the vault runs on its last good policy */
	int policy_unadopted;    /* ... because the files changed and no manager adopted them */
	int another_running;     /* CV_PURGE_SCHEDULED and another purge holds the lock */
} cv_purge_report;

/*
 * Destroy every record that is due on as_of (NULL = today; a date after
 * today is refused unless CV_PURGE_DRY_RUN), not held, and for review
 * classes approved.  Whole archives are erased without any passphrase: the
 * wrapped key row is deleted (secure_delete), the WAL checkpointed and
 * truncated, the file overwritten with random bytes, synced and unlinked.
 * An archive that also holds records not going is first rewritten with the
 * survivors under a new key (needs an unlock; pending when none).  One
 * certificate of destruction per run that destroyed anything.  Crash safe:
 * see purge.c.  With CV_PURGE_SCHEDULED a second concurrent purge returns 0
 * at once with rep->another_running set.
 */
int cv_purge(cv_vault *v, const char *as_of, int flags, cv_purge_report *rep);

/*
 * The same, handing each record due to each(hook, d) with its final status
 * as the plan is walked, before the commit (a failed run has then named
 * records it did not destroy).  d is valid during the call only: the purge
 * holds no list of the records, whatever their number (docs/retention.md,
 * "The purge at scale").  each may be NULL.
 */
typedef void (*cv_purge_each_fn)(void *hook, const cv_due *d);
int cv_purge_each(cv_vault *v, const char *as_of, int flags, cv_purge_report *rep, cv_purge_each_fn each, void *hook);
void cv_purge_report_release(cv_purge_report *rep);

/* ---- certificates ---- */

typedef struct {
	long number;
	char created[32];
	char run_by[24];        /* "schedule" or a staff id */
	long records;
	char sha256[65];
} cv_certificate;

int cv_certificate_list(cv_vault *v, cv_certificate **out, size_t *n);   /* free() */
/* The certificate's JSON text (malloc'd, caller frees).  CV_ENOTFOUND. */
int cv_certificate_get(cv_vault *v, long number, char **json);

/*
 * Who signed certificate number and whether it holds: a manager who ran the
 * purge, or "purge-key" for the scheduled run, then the manager who
 * counter-signed it at their next unlock (docs/architecture.md, The audit
 * trail).  Managers and auditors.  CV_ENOTFOUND.
 */
typedef struct {
	char signed_by[32];          /* a staff id, "purge-key", or "" when unsigned */
	char signed_at[32];
	int signed_ok;               /* the signature holds */
	char countersigned_by[32];   /* "" when none yet */
	char countersigned_at[32];
	int countersigned_ok;
	char problem[200];           /* why a signature does not hold */
} cv_certificate_sigs;
int cv_certificate_signatures(cv_vault *v, long number, cv_certificate_sigs *out);

/*
 * Make the vault's purge-only key, which signs the scheduled purge's
 * certificates and can do nothing else (managers; init makes one).  fpr
 * gets its fingerprint.  CV_EREFUSED when the vault has one.
 */
int cv_purge_key_init(cv_vault *v, char fpr[48]);

#endif
