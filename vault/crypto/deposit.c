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

#define TAGLEN 6
#define WRAPLEN 40        /* RFC 5649 output for a 32-byte key */
#define NONCE_LEN 12
#define GCM_TAG 16

static int hmac(const void *key, size_t klen, const void *a, size_t alen, const void *b, size_t blen,
		unsigned char c, int with_c, unsigned char out[32])
{
	gcry_md_hd_t h;

	if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE) ||
	    gcry_md_setkey(h, key, klen))
		return -1;
	gcry_md_write(h, a, alen);
	gcry_md_write(h, b, blen);
	if (with_c)
		gcry_md_putc(h, c);
	memcpy(out, gcry_md_read(h, GCRY_MD_SHA256), 32);
	gcry_md_close(h);
	return 0;
}

int cv_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
		   const char *info, size_t infolen, unsigned char *out, size_t outlen)
{
	static const unsigned char zero[32];
	unsigned char prk[32], t[32];
	size_t done = 0, tlen = 0, n;
	unsigned char i;
	int r = 0;

	if (outlen > 255 * 32)
		return -1;
	/* extract: an empty salt is HashLen zero bytes (RFC 5869, 2.2) */
	if (hmac(saltlen ? salt : zero, saltlen ? saltlen : 32, ikm, ikmlen, "", 0, 0, 0, prk) < 0)
		return -1;
	for (i = 1; done < outlen; i++) {
		if ((r = hmac(prk, 32, t, tlen, info, infolen, i, 1, t)) < 0)
			break;
		tlen = 32;
		n = outlen - done < 32 ? outlen - done : 32;
		memcpy(out + done, t, n);
		done += n;
	}
	explicit_bzero(prk, sizeof(prk));
	explicit_bzero(t, sizeof(t));
	return r;
}

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

/* AES-256 key wrap with padding (RFC 5649) of 32 bytes, or its reverse. */
static int aeswrap(const unsigned char kek[32], const unsigned char *in, size_t inlen,
		   unsigned char *out, size_t outlen, int unwrap)
{
	gcry_cipher_hd_t h;
	gcry_error_t e;

	if (gcry_cipher_open(&h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_AESWRAP,
			     GCRY_CIPHER_SECURE | GCRY_CIPHER_EXTENDED))
		return -1;
	e = gcry_cipher_setkey(h, kek, 32);
	if (!e)
		e = unwrap ? gcry_cipher_decrypt(h, out, outlen, in, inlen) : gcry_cipher_encrypt(h, out, outlen, in, inlen);
	gcry_cipher_close(h);
	return e ? (unwrap ? -3 : -1) : 0;
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
