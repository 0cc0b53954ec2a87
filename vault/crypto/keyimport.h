/*
 * casevault - importing a staff member's own OpenPGP secret key
 * (docs/security.md): the key must be able to encrypt, and its user ids,
 * which gpg keeps in clear in the vault's keyring, must name no one.
 */
#ifndef CV_CRYPTO_KEYIMPORT_H
#define CV_CRYPTO_KEYIMPORT_H

#include <stddef.h>
#include "base/handle.h"

/*
 * Import the secret key in the file at path into the vault's keyring; fpr
 * gets its fingerprint.  A key that cannot encrypt or has a user id with a
 * name is removed again and refused (CV_EINVAL, CV_EREFUSED).
 */
/* fd >= 0: the key file already open (path is then only its name, for messages). */
int cv_gpg_import_staff_key(cv_vault *v, const char *path, int fd, char *fpr, size_t fprlen);

#endif
