/*
 * casevault - removing a staff member's secret key from the vault's keyring
 * while keeping their public key, which still checks every receipt they
 * signed (docs/security.md, Revocation).
 */
#ifndef CV_CRYPTO_KEYDELETE_H
#define CV_CRYPTO_KEYDELETE_H

#include "base/handle.h"

/* 1 when the vault's keyring holds the secret part of fpr, 0 when not, <0 on error. */
int cv_gpg_has_secret(cv_vault *v, const char *fpr);
/* 1 when the vault's keyring holds the public key fpr, 0 when not, <0 on error. */
int cv_gpg_has_public(cv_vault *v, const char *fpr);
/*
 * Delete the secret part of fpr only (gpg-agent's DELETE_KEY for each
 * subkey's keygrip); the public key stays.  0 when no secret part is left
 * (also when there was none), <0 when some is.
 */
int cv_gpg_delete_secret(cv_vault *v, const char *fpr);

#endif
