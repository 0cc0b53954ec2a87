/*
 * casevault - the deposit key: what a volunteer files is encrypted to a
 * public key whose secret only holders of the section master key can derive
 * (docs/architecture.md, Keys: deposits).  Pure functions of their inputs;
 * core/deposit.c decides who uses them.
 *
 *   deposit secret  d = X25519-clamp(HKDF-SHA256(IKM = master key, salt = "",
 *                        info = "casevault/deposit/v1 " SECTION, 32 bytes))
 *   deposit public  D = X25519(d, 9)
 *   one filing:     e random, E = X25519(e, 9), Z = X25519(e, D)
 *                   KEK  = HKDF(Z, salt = E || D, "casevault/deposit-kek/v1 " FILE)
 *                   SEAL = HKDF(Z, salt = E || D, "casevault/deposit-seal/v1 " FILE)
 *   wrapped         "cvdp1:" hex(E) ":" hex(AES-256 key wrap with padding (RFC 5649)
 *                   of the archive key under KEK)
 *
 * FILE (the archive's file name) in the labels binds a wrap and its sealed
 * rows to their archive.  SEAL seals the deposit's index fields (AES-256-GCM,
 * the same layout as crypto/seal.c: 0x01 | nonce | ciphertext | tag).
 */
#ifndef CV_CRYPTO_DEPOSIT_H
#define CV_CRYPTO_DEPOSIT_H

#include <stddef.h>

#define CV_DEPOSIT_TAG "cvdp1:"
/* "cvdp1:" + 64 hex + ":" + 80 hex (40 bytes of RFC 5649 output) + NUL */
#define CV_DEPOSIT_WRAPPED_LEN (6 + 64 + 1 + 80 + 1)

/* The section's deposit public key (32 bytes), derived from its master key. 0 or -1. */
int cv_deposit_public(const unsigned char master[32], const char *section, unsigned char pub[32]);
/*
 * The memo of a published deposit key (its meta value "GEN:HEX"):
 * HKDF-SHA256(IKM = master key, salt = "", info = "casevault/deposit-memo/v1 "
 * SECTION " " VALUE), 32 bytes.  Only a holder of the master key computes
 * it, so a memo that matches says a holder derived that value: the next
 * unlock skips the curve multiplication (core/deposit.c).  0 or -1.
 */
int cv_deposit_memo(const unsigned char master[32], const char *section, const char *value, unsigned char memo[32]);
/*
 * Wrap key (32 bytes) to the deposit public key pub for archive file; seal
 * gets the filing's sealing key.  0, or -1 (libgcrypt, or a degenerate pub).
 */
int cv_deposit_wrap(const unsigned char pub[32], const char *file, const unsigned char key[32],
		    char out[CV_DEPOSIT_WRAPPED_LEN], unsigned char seal[32]);
/*
 * Undo cv_deposit_wrap with the section's master key: 0, -1 (libgcrypt), -2
 * when wrapped is not a well-formed deposit wrap, -3 when it does not open
 * (another key, another file, or tampered).
 */
int cv_deposit_unwrap(const unsigned char master[32], const char *section, const char *file,
		      const char *wrapped, unsigned char key[32], unsigned char seal[32]);
/* AES-256-GCM under seal with ctx as associated data; *out malloc'd. 0 or -1. */
int cv_deposit_seal(const unsigned char seal[32], const char *ctx, const void *plain, size_t len,
		    unsigned char **out, size_t *outlen);
/* The reverse: *out malloc'd and NUL-terminated. 0, -1 (libgcrypt), -3 (does not open). */
int cv_deposit_unseal(const unsigned char seal[32], const char *ctx, const void *blob, size_t len,
		      char **out, size_t *outlen);

#endif
