/*
 * casevault - sealed index columns (AES-256-GCM, libgcrypt).
 *
 * Personal fields in the index (names, dates of birth, titles, record
 * hashes) are stored as: 0x01 | 12-byte random nonce | ciphertext | 16-byte tag.
 * The key is HMAC-SHA256(section master key, "casevault/seal/v1"); the
 * associated data is a context string naming table, column and row, so a
 * sealed value copied into another row or column fails to open.
 */
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "internal.h"

#define SEAL_VERSION 1
#define NONCE_LEN 12
#define TAG_LEN 16

int cv_sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char d[32];
	int i;

	gcry_md_hash_buffer(GCRY_MD_SHA256, d, buf, len);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[64] = '\0';
	return 0;
}

static int derive(cv_vault *v, cv_section s, const char *label, unsigned char out[32])
{
	gcry_md_hd_t h;

	if (!v->mkey[s])
		return cv_error(v, CV_EREFUSED, "the %s section is locked for this staff member",
				s == CV_SECTION_CP ? "child-protection" : "case");
	if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE))
		return cv_error(v, CV_ERROR, "cannot start HMAC");
	gcry_md_setkey(h, v->mkey[s], CV_KEY_LEN);
	gcry_md_write(h, label, strlen(label));
	memcpy(out, gcry_md_read(h, GCRY_MD_SHA256), 32);
	gcry_md_close(h);
	return 0;
}

static int open_cipher(cv_vault *v, cv_section s, gcry_cipher_hd_t *h)
{
	unsigned char key[32];
	int r;

	if ((r = derive(v, s, "casevault/seal/v1", key)) < 0)
		return r;
	if (gcry_cipher_open(h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM, GCRY_CIPHER_SECURE) ||
	    gcry_cipher_setkey(*h, key, sizeof(key))) {
		explicit_bzero(key, sizeof(key));
		return cv_error(v, CV_ERROR, "cannot start AES-GCM");
	}
	explicit_bzero(key, sizeof(key));
	return 0;
}

int cv_seal(cv_vault *v, cv_section s, const char *ctx, const void *plain, size_t len,
	    unsigned char **out, size_t *outlen)
{
	gcry_cipher_hd_t h;
	unsigned char *buf;
	size_t total = 1 + NONCE_LEN + len + TAG_LEN;
	int r;

	if ((r = open_cipher(v, s, &h)) < 0)
		return r;
	buf = malloc(total);
	if (!buf) {
		gcry_cipher_close(h);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	buf[0] = SEAL_VERSION;
	gcry_create_nonce(buf + 1, NONCE_LEN);
	if (gcry_cipher_setiv(h, buf + 1, NONCE_LEN) ||
	    gcry_cipher_authenticate(h, ctx, strlen(ctx)) ||
	    gcry_cipher_encrypt(h, buf + 1 + NONCE_LEN, len, plain, len) ||
	    gcry_cipher_gettag(h, buf + 1 + NONCE_LEN + len, TAG_LEN)) {
		gcry_cipher_close(h);
		free(buf);
		return cv_error(v, CV_ERROR, "cannot seal a field");
	}
	gcry_cipher_close(h);
	*out = buf;
	*outlen = total;
	return 0;
}

int cv_seal_str(cv_vault *v, cv_section s, const char *ctx, const char *str,
		unsigned char **out, size_t *outlen)
{
	return cv_seal(v, s, ctx, str, strlen(str), out, outlen);
}

int cv_unseal(cv_vault *v, cv_section s, const char *ctx, const void *blob, size_t len,
	      char **out, size_t *outlen)
{
	const unsigned char *b = blob;
	gcry_cipher_hd_t h;
	size_t plen;
	char *p;
	int r;

	if (!b || len < 1 + NONCE_LEN + TAG_LEN || b[0] != SEAL_VERSION)
		return cv_error(v, CV_ECORRUPT, "a sealed index field (%s) is damaged", ctx);
	plen = len - 1 - NONCE_LEN - TAG_LEN;
	if ((r = open_cipher(v, s, &h)) < 0)
		return r;
	p = malloc(plen + 1);
	if (!p) {
		gcry_cipher_close(h);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	if (gcry_cipher_setiv(h, b + 1, NONCE_LEN) ||
	    gcry_cipher_authenticate(h, ctx, strlen(ctx)) ||
	    gcry_cipher_decrypt(h, p, plen, b + 1 + NONCE_LEN, plen) ||
	    gcry_cipher_checktag(h, b + 1 + NONCE_LEN + plen, TAG_LEN)) {
		gcry_cipher_close(h);
		explicit_bzero(p, plen);
		free(p);
		return cv_error(v, CV_ECORRUPT, "a sealed index field (%s) fails its integrity check", ctx);
	}
	gcry_cipher_close(h);
	p[plen] = '\0';
	*out = p;
	if (outlen)
		*outlen = plen;
	return 0;
}
