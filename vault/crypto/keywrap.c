/*
 * casevault - archive keys wrapped under a section master key
 * (docs/architecture.md, Keys).
 *
 *     KEK     = HKDF-SHA-256(IKM = MASTER, salt = none,
 *                            info = "casevault archive-key wrap v2|" SECTION "|" GEN "|" FILE)
 *     wrapped = "cvkw2:" hex(AES-256 key wrap with padding (RFC 5649) of K under KEK)
 *
 * Both are standards a person can redo with stock tools (docs/recovery.md).
 * The wrap carries an integrity check, so an altered wrapped key is refused
 * instead of unwrapping to a wrong key that a rotation would carry forward.
 * The archive is bound through the KEK rather than by wrapping FILE || K:
 * the unwrap then yields exactly K, each archive has a KEK of its own (a KEK
 * shown to one tool opens one archive, never the section), and a wrapped key
 * copied onto another archive's row, section or generation fails the check.
 * Master keys, pseudo-random keys and KEKs live only in libgcrypt's secure
 * memory; no hex copy of a master key is made.
 *
 * The first wrap, "cvkw1:" NONCE ":" hex(K xor SHA3-256(hex(MASTER) || NONCE)),
 * is still read so that old vaults can be upgraded (core/keyupgrade.c).
 */
#include <stdio.h>
#include <string.h>
#include <gcrypt.h>

#include "base/hex.h"
#include "crypto/keywrap.h"

#define TAGLEN 6
#define HEX64 64
#define WRAPLEN 40                 /* RFC 5649 wrap of a 32-byte key */
#define INFO_LABEL "casevault archive-key wrap v2"

/* One HMAC-SHA-256 over up to three parts, keyed in secure memory. */
static int hmac3(const unsigned char *key, size_t keylen, const void *a, size_t alen, const void *b,
		 size_t blen, const void *c, size_t clen, unsigned char out[32])
{
	gcry_mac_hd_t h;
	size_t n = 32;
	int bad;

	if (gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, GCRY_MAC_FLAG_SECURE, NULL))
		return -1;
	bad = gcry_mac_setkey(h, key, keylen) || (alen && gcry_mac_write(h, a, alen)) ||
	      (blen && gcry_mac_write(h, b, blen)) || (clen && gcry_mac_write(h, c, clen)) ||
	      gcry_mac_read(h, out, &n);
	gcry_mac_close(h);
	return bad ? -1 : 0;
}

/* RFC 5869; libgcrypt 1.10 has no HKDF of its own, so HMAC from gcry_mac. */
int cv_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
		   const void *info, size_t infolen, unsigned char *out, size_t outlen)
{
	static const unsigned char zeros[32];
	unsigned char *prk = gcry_malloc_secure(64), *t = prk ? prk + 32 : NULL, ctr;
	size_t done = 0, tlen = 0, n;
	int r = 0;

	if (!prk || outlen > 255 * 32) {
		gcry_free(prk);
		return -1;
	}
	if (!saltlen) {                /* no salt: HashLen zeros (RFC 5869, 2.2) */
		salt = zeros;
		saltlen = sizeof(zeros);
	}
	r = hmac3(salt, saltlen, ikm, ikmlen, NULL, 0, NULL, 0, prk);
	for (ctr = 1; r == 0 && done < outlen; ctr++) {
		r = hmac3(prk, 32, t, tlen, info, infolen, &ctr, 1, t);
		tlen = 32;
		n = outlen - done < 32 ? outlen - done : 32;
		memcpy(out + done, t, n);
		done += n;
	}
	explicit_bzero(prk, 64);
	gcry_free(prk);
	return r;
}

static int kwp_open(gcry_cipher_hd_t *h, const unsigned char *kek, size_t keklen)
{
	int algo = keklen == 16 ? GCRY_CIPHER_AES128 : keklen == 24 ? GCRY_CIPHER_AES192 :
		   keklen == 32 ? GCRY_CIPHER_AES256 : 0;

	/* GCRY_CIPHER_EXTENDED selects the padded variant, RFC 5649 (KWP) */
	if (!algo || gcry_cipher_open(h, algo, GCRY_CIPHER_MODE_AESWRAP, GCRY_CIPHER_SECURE | GCRY_CIPHER_EXTENDED))
		return -1;
	if (gcry_cipher_setkey(*h, kek, keklen)) {
		gcry_cipher_close(*h);
		return -1;
	}
	return 0;
}

int cv_aes_kwp_wrap(const unsigned char *kek, size_t keklen, const unsigned char *in, size_t inlen,
		    unsigned char *out, size_t *outlen)
{
	gcry_cipher_hd_t h;
	int bad;

	if (!inlen || kwp_open(&h, kek, keklen) < 0)
		return -1;
	*outlen = (inlen + 7) / 8 * 8 + 8;
	bad = gcry_cipher_encrypt(h, out, *outlen, in, inlen) != 0;
	gcry_cipher_close(h);
	return bad ? -1 : 0;
}

int cv_aes_kwp_unwrap(const unsigned char *kek, size_t keklen, const unsigned char *in, size_t inlen,
		      unsigned char *out, size_t *outlen)
{
	gcry_cipher_hd_t h;
	gcry_error_t e;
	unsigned char plen[4];
	size_t n = sizeof(plen), len;

	if (inlen < 16 || inlen % 8 || kwp_open(&h, kek, keklen) < 0)
		return -1;
	e = gcry_cipher_decrypt(h, out, inlen - 8, in, inlen);
	if (!e)
		e = gcry_cipher_info(h, GCRYCTL_GET_KEYLEN, plen, &n);
	gcry_cipher_close(h);
	if (gcry_err_code(e) == GPG_ERR_CHECKSUM)
		return -3;
	if (e)
		return -1;
	/* libgcrypt also accepts an unpadded RFC 3394 wrap (length 0 here): not ours */
	len = (size_t)plen[0] << 24 | (size_t)plen[1] << 16 | (size_t)plen[2] << 8 | plen[3];
	if (!len || len > inlen - 8) {
		explicit_bzero(out, inlen - 8);
		return -3;
	}
	*outlen = len;
	return 0;
}

/* The KEK of one archive, into secure memory (kek is 32 bytes of it). */
static int archive_kek(const unsigned char master[32], const cv_wrap_ctx *c, unsigned char *kek)
{
	char info[256];
	int n = snprintf(info, sizeof(info), INFO_LABEL "|%s|%d|%s", c->section, c->gen, c->file);

	if (n < 0 || (size_t)n >= sizeof(info))
		return -1;
	return cv_hkdf_sha256(master, 32, NULL, 0, (const unsigned char *)info, (size_t)n, kek, 32);
}

int cv_keywrap(const unsigned char master[32], const cv_wrap_ctx *c, const unsigned char key[32],
	       char out[CV_WRAPPED_LEN])
{
	unsigned char *kek = gcry_malloc_secure(32), w[WRAPLEN];
	size_t n = 0;
	int r = -1;

	if (kek && archive_kek(master, c, kek) == 0 && cv_aes_kwp_wrap(kek, 32, key, 32, w, &n) == 0 &&
	    n == WRAPLEN) {
		memcpy(out, CV_WRAP_TAG, TAGLEN);
		cv_hex_encode(w, WRAPLEN, out + TAGLEN);
		r = 0;
	}
	if (kek)
		explicit_bzero(kek, 32);
	gcry_free(kek);
	return r;
}

/* cvkw1: the mask SHA3-256(hex(MASTER) || NONCE), the hex made in secure memory. */
static int unwrap1(const unsigned char master[32], const char *wrapped, unsigned char key[32])
{
	unsigned char nonce[32];
	gcry_md_hd_t h;
	char *mhex;
	int i;

	if (strlen(wrapped) != CV_WRAPPED1_LEN - 1 || wrapped[TAGLEN + HEX64] != ':' ||
	    cv_hex_decode(wrapped + TAGLEN, 32, nonce) < 0 || cv_hex_decode(wrapped + TAGLEN + HEX64 + 1, 32, key) < 0)
		return -2;
	if (!(mhex = gcry_malloc_secure(HEX64 + 1)))
		return -1;
	cv_hex_encode(master, 32, mhex);
	if (gcry_md_open(&h, GCRY_MD_SHA3_256, GCRY_MD_FLAG_SECURE)) {
		explicit_bzero(mhex, HEX64 + 1);
		gcry_free(mhex);
		return -1;
	}
	gcry_md_write(h, mhex, HEX64);
	gcry_md_write(h, wrapped + TAGLEN, HEX64);
	for (i = 0; i < 32; i++)
		key[i] ^= gcry_md_read(h, GCRY_MD_SHA3_256)[i];
	gcry_md_close(h);
	explicit_bzero(mhex, HEX64 + 1);
	gcry_free(mhex);
	return 0;
}

int cv_keyunwrap(const unsigned char master[32], const cv_wrap_ctx *c, const char *wrapped,
		 unsigned char key[32], int *old)
{
	unsigned char *kek, w[WRAPLEN], k[WRAPLEN - 8];
	size_t n = 0;
	int r;

	*old = 0;
	if (wrapped && !strncmp(wrapped, CV_WRAP1_TAG, TAGLEN)) {
		*old = 1;
		return unwrap1(master, wrapped, key);
	}
	if (!wrapped || strlen(wrapped) != CV_WRAPPED_LEN - 1 || strncmp(wrapped, CV_WRAP_TAG, TAGLEN) ||
	    cv_hex_decode(wrapped + TAGLEN, WRAPLEN, w) < 0)
		return -2;
	if (!(kek = gcry_malloc_secure(32)))
		return -1;
	r = archive_kek(master, c, kek);
	if (r == 0)
		r = cv_aes_kwp_unwrap(kek, 32, w, WRAPLEN, k, &n);
	if (r == 0 && n != 32)
		r = -3;
	if (r == 0)
		memcpy(key, k, 32);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(kek, 32);
	gcry_free(kek);
	return r;
}

int cv_keys_check_mac(const unsigned char *key, char out[65])
{
	gcry_md_hd_t h;

	if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE))
		return -1;
	gcry_md_setkey(h, key, 32);
	gcry_md_write(h, "casevault/check/v1", 18);
	cv_hex_encode(gcry_md_read(h, GCRY_MD_SHA256), 32, out);
	gcry_md_close(h);
	return 0;
}
