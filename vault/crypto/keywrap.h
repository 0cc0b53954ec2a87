/*
 * casevault - the archive key wrap: pure functions of the section master key
 * (docs/architecture.md, Keys).  Core (core/actor.c) unlocks the master key
 * and decides who may use it; this file only computes.
 */
#ifndef CV_CRYPTO_KEYWRAP_H
#define CV_CRYPTO_KEYWRAP_H

#include <stddef.h>

#define CV_WRAP_TAG "cvkw2:"
/* "cvkw2:" + hex of the 40-byte RFC 5649 wrap of a 32-byte key + NUL */
#define CV_WRAPPED_LEN (6 + 80 + 1)
/* The first wrap (no integrity check), read only to upgrade old vaults. */
#define CV_WRAP1_TAG "cvkw1:"
#define CV_WRAPPED1_LEN (6 + 64 + 1 + 64 + 1)

/* What the wrap binds: the key's section, master key generation and archive file. */
typedef struct {
	const char *section;          /* "case" or "cp" */
	int gen;
	const char *file;             /* archive file name in archives/ */
} cv_wrap_ctx;

/*
 * Wrap the 32-byte archive key under the 32-byte master key: AES-256 key
 * wrap with padding (RFC 5649) under a KEK drawn with HKDF-SHA-256 from the
 * master key for this archive alone.  0, or -1 when libgcrypt fails.
 */
int cv_keywrap(const unsigned char master[32], const cv_wrap_ctx *c, const unsigned char key[32],
	       char out[CV_WRAPPED_LEN]);
/*
 * Unwrap either form.  0; -1 (libgcrypt); -2 when wrapped is not a
 * well-formed wrap; -3 when the wrap's integrity check fails (altered, or
 * not this archive's, section's or generation's).  *old is set to 1 for a
 * cvkw1 wrap (the caller upgrades it).
 */
int cv_keyunwrap(const unsigned char master[32], const cv_wrap_ctx *c, const char *wrapped,
		 unsigned char key[32], int *old);
/* HMAC-SHA-256 check value proving a master key is the right one (hex). */
int cv_keys_check_mac(const unsigned char *key, char out[65]);

/* The building blocks, for the known-answer tests (RFC 5869, RFC 5649). */
int cv_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
		   const void *info, size_t infolen, unsigned char *out, size_t outlen);
/* out holds inlen rounded up to 8, plus 8 bytes; *outlen is set. */
int cv_aes_kwp_wrap(const unsigned char *kek, size_t keklen, const unsigned char *in, size_t inlen,
		    unsigned char *out, size_t *outlen);
/* 0, -1 (libgcrypt, bad length) or -3 (integrity); out holds inlen - 8 bytes. */
int cv_aes_kwp_unwrap(const unsigned char *kek, size_t keklen, const unsigned char *in, size_t inlen,
		      unsigned char *out, size_t *outlen);

#endif
