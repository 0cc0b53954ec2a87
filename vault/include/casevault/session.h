/*
 * casevault - a front end's cache of unlocked keyslips (docs/service.md,
 * Sessions): casevaultd keeps a person's unlocked keyslip, in secure memory,
 * from the moment they prove their passphrase until the idle lock or
 * 'casevault lock', so that their next commands run no gpg operation.
 *
 * The library knows nothing of the service: it asks the cache before it
 * decrypts the actor's keyslip with gpg and tells it after a successful
 * decrypt.  The grant check (docs/security.md, Signed grants) runs on every
 * unlock, from the cached text as from gpg's.  Direct mode sets no cache.
 */
#ifndef CASEVAULT_SESSION_H
#define CASEVAULT_SESSION_H

#include <stddef.h>
#include "vault.h"

/* The most a keyslip's text holds (core/keys.c). */
#define CV_SLIP_TEXT_MAX 512

typedef struct {
	/*
	 * The keyslip text held for staff_id under slip_id (the SHA-256 of the
	 * keyslip as stored, 64 hex digits: a rotated or replaced keyslip
	 * misses), copied into buf (bufsize bytes): its length, or 0 for none.
	 */
	size_t (*get)(void *ctx, const char *staff_id, const char *slip_id, char *buf, size_t bufsize);
	/* Keep the text gpg decrypted, until idle seconds pass unused (the vault's idle lock). */
	void (*put)(void *ctx, const char *staff_id, const char *slip_id, const char *text, size_t len, long idle);
	/*
	 * A passphrase the person gave was wrong.  1 when that locks them out
	 * (why: one line saying until when and who can help), else 0.
	 */
	int (*bad)(void *ctx, const char *staff_id, char *why, size_t whylen);
	/* 1 when staff_id is locked out now (why as above), else 0. */
	int (*locked)(void *ctx, const char *staff_id, char *why, size_t whylen);
	/* Forget staff_id's unlocked keyslip (NULL: everyone's). */
	void (*end)(void *ctx, const char *staff_id);
	/*
	 * Signatures gpg found good (docs/security.md, Signed grants; Filing
	 * receipts), both optional.  key is the SHA-256 (64 hex digits) of the
	 * signed text, the signature and the vault keyring's identity as
	 * cv_gpg_verify_detached saw them: a changed row, signature or keyring
	 * misses.  sig_get copies the signer's fingerprint into fpr (fprlen
	 * bytes) and returns 1, or returns 0; sig_put keeps one gpg verified.
	 */
	int (*sig_get)(void *ctx, const char *key, char *fpr, size_t fprlen);
	void (*sig_put)(void *ctx, const char *key, const char *fpr);
} cv_slip_cache;

/* Use ops (NULL: none, the default) for this handle's unlocks; ops and ctx outlive the handle. */
void cv_vault_set_slip_cache(cv_vault *v, const cv_slip_cache *ops, void *ctx);

/*
 * CV_EREFUSED (audited as staff.lockout-refused) when the acting staff
 * member is locked out after repeated wrong passphrases, else 0.  Call
 * after cv_vault_set_actor.
 */
int cv_vault_check_lockout(cv_vault *v);

/*
 * 'casevault lock' for the acting staff member only: their cached keyslip
 * (the slip cache) and their key's passphrase in gpg-agent are forgotten;
 * nobody else's.  Needs CV_INIT_GPGCONF.
 */
int cv_vault_end_session(cv_vault *v);

/* n bytes of the library's secure memory (locked, never swapped), or NULL; after cv_global_init. */
void *cv_secure_alloc(size_t n);
/* Wipe n bytes at p and free them (NULL is fine). */
void cv_secure_free(void *p, size_t n);

#endif
