/*
 * casevault - the purge-only key's OpenPGP operations: made in a GnuPG home
 * of its own (never the vault's keyring, which holds the staff keys), its
 * public part copied into the vault's keyring so signatures check there,
 * and detached signatures made in that home without any passphrase
 * (docs/architecture.md, The audit trail; docs/security.md).
 */
#ifndef CV_CRYPTO_PURGEKEY_H
#define CV_CRYPTO_PURGEKEY_H

#include <stddef.h>
#include "base/handle.h"

/* A new sign-only key without passphrase in home (an existing 0700 directory); its public part into v's keyring. */
int cv_gpg_purgekey_create(cv_vault *v, const char *home, char *fpr, size_t fprlen);
/* A detached armored signature by fpr, whose secret is in home; *sig freed with cv_gpg_free. */
int cv_gpg_sign_in_home(cv_vault *v, const char *home, const char *fpr, const void *buf, size_t len,
			char **sig, size_t *siglen);

#endif
