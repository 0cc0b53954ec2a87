/*
 * casevault - the deposit key (deposit.h): X25519, HKDF-SHA256, AES key wrap
 * with padding and AES-256-GCM, all libgcrypt.  A volunteer holds no section
 * master key, so what they file is wrapped to a public key; only whoever
 * holds the master key derives the secret (docs/architecture.md, Keys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "base/hex.h"
#include "crypto/deposit.h"
#include "crypto/keywrap.h"

#define TAGLEN 6
#define WRAPLEN 40        /* RFC 5649 output for a 32-byte key */
#define NONCE_LEN 12
#define GCM_TAG 16

static int deposit_secret(const unsigned char master[32], const char *section, unsigned char d[32])
{
	char info[64];
	int n = snprintf(info, sizeof(info), "casevault/deposit/v1 %s", section);

	if (n < 0 || (size_t)n >= sizeof(info))
		return -1;
	/* libgcrypt clamps the scalar as RFC 7748 asks; clamp here too, so the stored form is the key */
	if (cv_hkdf_sha256(master, 32, "", 0, info, (size_t)n, d, 32) < 0)
		return -1;
	d[0] &= 248;
	d[31] &= 127;
	d[31] |= 64;
	return 0;
}

int cv_deposit_public(const unsigned char master[32], const char *section, unsigned char pub[32])
{
	unsigned char *d = gcry_malloc_secure(32);
	int r = -1;

	if (!d)
		return -1;
	if (deposit_secret(master, section, d) == 0 && !gcry_ecc_mul_point(GCRY_ECC_CURVE25519, pub, d, NULL))
		r = 0;
	explicit_bzero(d, 32);
	gcry_free(d);
	return r;
}

int cv_deposit_memo(const unsigned char master[32], const char *section, const char *value, unsigned char memo[32])
{
	char info[192];
	int n = snprintf(info, sizeof(info), "casevault/deposit-memo/v1 %s %s", section, value);

	if (n < 0 || (size_t)n >= sizeof(info))
		return -1;
	return cv_hkdf_sha256(master, 32, "", 0, info, (size_t)n, memo, 32);
}

/* KEK and sealing key of one filing from the shared point Z. */
static int filing_keys(const unsigned char z[32], const unsigned char e_pub[32], const unsigned char pub[32],
		       const char *file, unsigned char kek[32], unsigned char seal[32])
{
	unsigned char salt[64], zero[32] = { 0 };
	char info[96];
	int n;

	/* an all-zero Z means a small-order public key: refuse it (RFC 7748, 6.1) */
	if (!memcmp(z, zero, 32))
		return -1;
	memcpy(salt, e_pub, 32);
	memcpy(salt + 32, pub, 32);
	n = snprintf(info, sizeof(info), "casevault/deposit-kek/v1 %s", file);
	if (n < 0 || (size_t)n >= sizeof(info) || cv_hkdf_sha256(z, 32, salt, 64, info, (size_t)n, kek, 32) < 0)
		return -1;
	n = snprintf(info, sizeof(info), "casevault/deposit-seal/v1 %s", file);
	if (n < 0 || (size_t)n >= sizeof(info) || cv_hkdf_sha256(z, 32, salt, 64, info, (size_t)n, seal, 32) < 0)
		return -1;
	return 0;
}

/* AES-256 key wrap with padding (RFC 5649) of a 32-byte key, or its reverse (crypto/keywrap.c). */
static int aeswrap(const unsigned char kek[32], const unsigned char *in, size_t inlen,
		   unsigned char *out, size_t outlen, int unwrap)
{
	size_t n = outlen;
	int r;

	if (!unwrap)
		return cv_aes_kwp_wrap(kek, 32, in, inlen, out, &n) < 0 || n != outlen ? -1 : 0;
	r = cv_aes_kwp_unwrap(kek, 32, in, inlen, out, &n);
	return r < 0 ? r : n == outlen ? 0 : -3;
}

int cv_deposit_wrap(const unsigned char pub[32], const char *file, const unsigned char key[32],
		    char out[CV_DEPOSIT_WRAPPED_LEN], unsigned char seal[32])
{
	unsigned char *e = gcry_malloc_secure(32), e_pub[32], z[32], kek[32], w[WRAPLEN];
	int r = -1;

	if (!e)
		return -1;
	gcry_randomize(e, 32, GCRY_STRONG_RANDOM);
	if (!gcry_ecc_mul_point(GCRY_ECC_CURVE25519, e_pub, e, NULL) &&
	    !gcry_ecc_mul_point(GCRY_ECC_CURVE25519, z, e, pub) &&
	    filing_keys(z, e_pub, pub, file, kek, seal) == 0 && aeswrap(kek, key, 32, w, WRAPLEN, 0) == 0) {
		memcpy(out, CV_DEPOSIT_TAG, TAGLEN);
		cv_hex_encode(e_pub, 32, out + TAGLEN);
		out[TAGLEN + 64] = ':';
		cv_hex_encode(w, WRAPLEN, out + TAGLEN + 65);
		r = 0;
	}
	explicit_bzero(e, 32);
	gcry_free(e);
	explicit_bzero(z, sizeof(z));
	explicit_bzero(kek, sizeof(kek));
	return r;
}

int cv_deposit_unwrap(const unsigned char master[32], const char *section, const char *file,
		      const char *wrapped, unsigned char key[32], unsigned char seal[32])
{
	unsigned char *d = gcry_malloc_secure(32), e_pub[32], pub[32], z[32], kek[32], w[WRAPLEN];
	int r = -1;

	if (!d)
		return -1;
	if (!wrapped || strlen(wrapped) != CV_DEPOSIT_WRAPPED_LEN - 1 || strncmp(wrapped, CV_DEPOSIT_TAG, TAGLEN) ||
	    wrapped[TAGLEN + 64] != ':' || cv_hex_decode(wrapped + TAGLEN, 32, e_pub) < 0 ||
	    cv_hex_decode(wrapped + TAGLEN + 65, WRAPLEN, w) < 0)
		r = -2;
	else if (deposit_secret(master, section, d) == 0 &&
		 !gcry_ecc_mul_point(GCRY_ECC_CURVE25519, pub, d, NULL) &&
		 !gcry_ecc_mul_point(GCRY_ECC_CURVE25519, z, d, e_pub))
		r = filing_keys(z, e_pub, pub, file, kek, seal) < 0 ? -3 : aeswrap(kek, w, WRAPLEN, key, 32, 1);
	explicit_bzero(d, 32);
	gcry_free(d);
	explicit_bzero(z, sizeof(z));
	explicit_bzero(kek, sizeof(kek));
	return r;
}

static int gcm_open(gcry_cipher_hd_t *h, const unsigned char seal[32], const unsigned char *nonce, const char *ctx)
{
	if (gcry_cipher_open(h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM, GCRY_CIPHER_SECURE))
		return -1;
	if (gcry_cipher_setkey(*h, seal, 32) || gcry_cipher_setiv(*h, nonce, NONCE_LEN) ||
	    gcry_cipher_authenticate(*h, ctx, strlen(ctx))) {
		gcry_cipher_close(*h);
		return -1;
	}
	return 0;
}

int cv_deposit_seal(const unsigned char seal[32], const char *ctx, const void *plain, size_t len,
		    unsigned char **out, size_t *outlen)
{
	size_t n = 1 + NONCE_LEN + len + GCM_TAG;
	unsigned char *b = malloc(n);
	gcry_cipher_hd_t h;

	if (!b)
		return -1;
	b[0] = 1;
	gcry_create_nonce(b + 1, NONCE_LEN);
	if (gcm_open(&h, seal, b + 1, ctx) < 0) {
		free(b);
		return -1;
	}
	if (gcry_cipher_encrypt(h, b + 1 + NONCE_LEN, len, plain, len) ||
	    gcry_cipher_gettag(h, b + 1 + NONCE_LEN + len, GCM_TAG)) {
		gcry_cipher_close(h);
		free(b);
		return -1;
	}
	gcry_cipher_close(h);
	*out = b;
	*outlen = n;
	return 0;
}

int cv_deposit_unseal(const unsigned char seal[32], const char *ctx, const void *blob, size_t len,
		      char **out, size_t *outlen)
{
	const unsigned char *b = blob;
	gcry_cipher_hd_t h;
	size_t n;
	char *p;

	*out = NULL;
	if (len < 1 + NONCE_LEN + GCM_TAG || b[0] != 1)
		return -3;
	n = len - 1 - NONCE_LEN - GCM_TAG;
	if (!(p = malloc(n + 1)))
		return -1;
	if (gcm_open(&h, seal, b + 1, ctx) < 0) {
		free(p);
		return -1;
	}
	if (gcry_cipher_decrypt(h, p, n, b + 1 + NONCE_LEN, n) ||
	    gcry_cipher_checktag(h, b + 1 + NONCE_LEN + n, GCM_TAG)) {
		gcry_cipher_close(h);
		explicit_bzero(p, n);
		free(p);
		return -3;
	}
	gcry_cipher_close(h);
	p[n] = '\0';
	*out = p;
	if (outlen)
		*outlen = n;
	return 0;
}
