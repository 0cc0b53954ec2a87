/*
 * casevault - archive keys wrapped under a section master key.
 *
 * The wrap is done in-process, in a form a person can undo with the sqlite3
 * shell and bash alone (docs/recovery.md):
 *
 *     wrapped = "cvkw1:" NONCE ":" hex(K xor SHA3-256(MASTER || NONCE))
 *
 * where MASTER and NONCE are the lower-case hex strings of the section
 * master key and a random 256-bit nonce, and K is the archive key.  The
 * nonce is never reused, so the SHA3 output is a one-time pad; SHA3 has no
 * length extension, so a key-prefixed hash is a sound PRF.  Deleting the
 * wrapped value (the purge) leaves nothing that derives K; rotating the
 * master key re-wraps every K without touching an archive or starting a
 * process.  The archive itself stays an OpenPGP message (GPGME).
 */
#include <string.h>
#include <gcrypt.h>

#include "base/hex.h"
#include "crypto/keywrap.h"

#define TAGLEN 6
#define HEX64 64

static int wrap_mask(const unsigned char master[32], const char *nonce_hex, unsigned char mask[32])
{
	char mhex[HEX64 + 1];
	gcry_md_hd_t h;

	cv_hex_encode(master, 32, mhex);
	if (gcry_md_open(&h, GCRY_MD_SHA3_256, GCRY_MD_FLAG_SECURE)) {
		explicit_bzero(mhex, sizeof(mhex));
		return -1;
	}
	gcry_md_write(h, mhex, HEX64);
	gcry_md_write(h, nonce_hex, HEX64);
	memcpy(mask, gcry_md_read(h, GCRY_MD_SHA3_256), 32);
	gcry_md_close(h);
	explicit_bzero(mhex, sizeof(mhex));
	return 0;
}

static void xor32(unsigned char *k, const unsigned char *mask)
{
	int i;

	for (i = 0; i < 32; i++)
		k[i] ^= mask[i];
}

int cv_keywrap(const unsigned char master[32], const unsigned char key[32],
	       const unsigned char nonce[32], char out[CV_WRAPPED_LEN])
{
	unsigned char k[32], mask[32];

	memcpy(out, CV_WRAP_TAG, TAGLEN);
	cv_hex_encode(nonce, 32, out + TAGLEN);
	if (wrap_mask(master, out + TAGLEN, mask) < 0)
		return -1;
	memcpy(k, key, 32);
	xor32(k, mask);
	out[TAGLEN + HEX64] = ':';
	cv_hex_encode(k, 32, out + TAGLEN + HEX64 + 1);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(mask, sizeof(mask));
	return 0;
}

int cv_keyunwrap(const unsigned char master[32], const char *wrapped, unsigned char key[32])
{
	unsigned char mask[32], nonce[32];
	char nonce_hex[HEX64 + 1];

	if (!wrapped || strlen(wrapped) != CV_WRAPPED_LEN - 1 || strncmp(wrapped, CV_WRAP_TAG, TAGLEN) ||
	    wrapped[TAGLEN + HEX64] != ':' || cv_hex_decode(wrapped + TAGLEN, 32, nonce) < 0 ||
	    cv_hex_decode(wrapped + TAGLEN + HEX64 + 1, 32, key) < 0)
		return -2;
	memcpy(nonce_hex, wrapped + TAGLEN, HEX64);
	nonce_hex[HEX64] = '\0';
	if (wrap_mask(master, nonce_hex, mask) < 0)
		return -1;
	xor32(key, mask);
	explicit_bzero(mask, sizeof(mask));
	return 0;
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
