/*
 * casevault - the OpenPGP form of a disclosure bundle: the recipient's
 * public key imported into a throw-away GnuPG home, and encryption to it
 * (docs/requests.md).  The OpenPGP mechanics only: what goes into the
 * bundle and whether it may go out is decided in ops/.
 */
#ifndef CV_CRYPTO_BUNDLE_H
#define CV_CRYPTO_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include "base/handle.h"

typedef struct cv_bundle_rcpt cv_bundle_rcpt;

/*
 * Import the one public key in keyfile into a new temporary GnuPG home
 * (GNUPGHOME/cvr-PID-XXXXXX, so that the next writer can remove it if this
 * process is killed; see bundle.c) and check
 * that it can encrypt; fpr gets its fingerprint.  CV_EINVAL with a message
 * when the file is not exactly one usable OpenPGP public key.  keyfd >= 0:
 * the file already open (keyfile is then only its name).
 */
int cv_bundle_rcpt_open(cv_vault *v, const char *keyfile, int keyfd, char fpr[48], cv_bundle_rcpt **out);
/*
 * Encrypt everything read from in_fd to the recipient into out_fd, counting
 * and hashing the ciphertext.  0, or -1 with why filled (GPGME's words);
 * neither descriptor is closed.
 */
int cv_bundle_rcpt_encrypt(cv_bundle_rcpt *rc, int in_fd, int out_fd, int64_t *size, char sha[65],
			   char *why, size_t whylen);
/* Release the key and remove the temporary home (NULL is fine). */
void cv_bundle_rcpt_close(cv_bundle_rcpt *rc);
/* Remove the homes of bundles whose process was killed (their pid no longer runs). */
void cv_bundle_rcpt_sweep(cv_vault *v);

/*
 * A ZIP passphrase: 25 characters of 5 bits (125 bits) in five groups, strong
 * random.  ZIP-AES stretches it with only 1000 rounds of PBKDF2-HMAC-SHA1, so
 * the passphrase alone must resist offline guessing (docs/security.md,
 * Subject access bundles): 2^125 does, and five groups can be read out by phone.
 */
void cv_bundle_passphrase(char out[64]);

#endif
