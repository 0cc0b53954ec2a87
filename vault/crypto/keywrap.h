/*
 * casevault - the archive key wrap: pure functions of the section master key
 * (docs/architecture.md, Keys).  Core (core/keys.c) unlocks the master key
 * and decides who may use it; this file only computes.
 */
#ifndef CV_CRYPTO_KEYWRAP_H
#define CV_CRYPTO_KEYWRAP_H

#define CV_WRAP_TAG "cvkw1:"
/* "cvkw1:" + 64 hex nonce + ":" + 64 hex wrapped key + NUL */
#define CV_WRAPPED_LEN (6 + 64 + 1 + 64 + 1)

/*
 * Wrap the 32-byte key under the 32-byte master key with the given 32-byte
 * nonce (never reused: callers draw it at random).  0, or -1 when libgcrypt
 * cannot start SHA3-256.
 */
int cv_keywrap(const unsigned char master[32], const unsigned char key[32],
	       const unsigned char nonce[32], char out[CV_WRAPPED_LEN]);
/* 0, -1 (libgcrypt), or -2 when wrapped is not a well-formed wrap. */
int cv_keyunwrap(const unsigned char master[32], const char *wrapped, unsigned char key[32]);
/* HMAC-SHA-256 check value proving a master key is the right one (hex). */
int cv_keys_check_mac(const unsigned char *key, char out[65]);

#endif
