/*
 * casevault - sealed index columns and hashes (libgcrypt): AES-256-GCM under
 * keys derived from a section master key, SHA-256, random ids.
 */
#ifndef CV_CRYPTO_SEAL_H
#define CV_CRYPTO_SEAL_H

#include <stdint.h>
#include "base/handle.h"

int cv_seal(cv_vault *v, cv_section s, const char *ctx, const void *plain, size_t len,
	    unsigned char **out, size_t *outlen);
int cv_seal_str(cv_vault *v, cv_section s, const char *ctx, const char *str,
		unsigned char **out, size_t *outlen);
/* Returns a malloc'd NUL-terminated plaintext. CV_ECORRUPT on a bad tag. */
int cv_unseal(cv_vault *v, cv_section s, const char *ctx, const void *blob, size_t len,
	      char **out, size_t *outlen);
cv_seal_cache *cv_seal_cache_new(void);
void cv_seal_cache_free(cv_seal_cache *c);
/* A running SHA-256 (libgcrypt); final writes lower-case hex. */
typedef struct cv_sha256 cv_sha256;
cv_sha256 *cv_sha256_new(void);
void cv_sha256_write(cv_sha256 *h, const void *buf, size_t len);
void cv_sha256_final(cv_sha256 *h, char out[65]);
void cv_sha256_reset(cv_sha256 *h);
void cv_sha256_free(cv_sha256 *h);
int cv_sha256_hex(const void *buf, size_t len, char out[65]);
/* Unpredictable bytes for nonces and overwriting (not for keys). */
void cv_random_fill(void *buf, size_t n);
int cv_random_hex(char *out, size_t nbytes);  /* out gets 2*nbytes hex + NUL */
/* SHA-256 of what is left to read from fd: 0, or -1 with errno set. */
int cv_fd_sha256(int fd, char out[65], int64_t *size);
/* SHA-256 of what is left to read from fd, which is then closed; a failure is reported on v. */
int cv_fd_sha256_close(cv_vault *v, int fd, char out[65], int64_t *size);
/* SHA-256 of a file's bytes. */
int cv_file_sha256(cv_vault *v, const char *path, char out[65], int64_t *size);

#endif
