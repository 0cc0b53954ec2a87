/*
 * casevault - who signs what the audit trail cannot prove alone: the
 * purge-only key, the signatures on certificates of destruction, and the
 * check that a signature is a staff member's (docs/architecture.md, The
 * audit trail; docs/security.md, Staff, roles and audit).
 */
#ifndef CV_CORE_CERTSIGN_H
#define CV_CORE_CERTSIGN_H

#include <stddef.h>
#include "base/handle.h"

/* The signer name a certificate's signature by the purge key carries. */
#define CV_PURGE_SIGNER "purge-key"

/* The purge key's fingerprint (meta purge_key): 1 with fpr set, 0 when the vault has none, <0 on error. */
int cv_purgekey_fpr(cv_vault *v, char fpr[48]);
/*
 * Make the vault's purge key (VAULT/purge-key, 0700) and record it, with
 * an audit event naming it.  CV_EREFUSED when the vault has one.  The
 * caller decides who may (init, or a manager).
 */
int cv_purgekey_create(cv_vault *v, char fpr[48]);

/* text (NUL-terminated) signed by fpr (gpg's bytes): a malloc'd C string, or NULL. */
char *cv_sig_text(const char *sig, size_t len);
/*
 * sig is a valid signature over text by staff member id's key (not revoked
 * is not asked: a checkpoint made before a revocation stays valid), and that
 * key is not the purge key.  role: the role the member must have, or NULL.
 * 0, or CV_ECORRUPT with why set.
 */
int cv_sig_by_staff(cv_vault *v, const char *text, const char *sig, const char *id, const char *fpr,
		    const char *role, char *why, size_t whylen);

/*
 * Sign certificate number's body, in the caller's transaction: with the
 * acting manager's key, or for the scheduled run (scheduled set) with the
 * purge key; a scheduled run in a vault without one leaves it unsigned (0).
 */
int cv_certsign_sign(cv_vault *v, long number, const char *body, int scheduled, const char *now);
/* The acting manager counter-signs every certificate of the scheduled purge not yet counter-signed. */
int cv_certsign_countersign(cv_vault *v);

/* What a certificate's signature of one kind ("signed", "countersigned") says. */
typedef struct {
	int present, valid;
	char signer[32], created[32];
	char why[200];     /* when present and not valid */
} cv_certsig_state;

int cv_certsign_check(cv_vault *v, long number, const char *body, const char *run_by, const char *kind,
		      cv_certsig_state *st);

#endif
