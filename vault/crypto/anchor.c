/* casevault - the anchor's check value (anchor.h). */
#include <string.h>
#include <gcrypt.h>

#include "base/hex.h"
#include "crypto/anchor.h"

int cv_anchor_mac(const unsigned char key[32], const char *vault_id, const char *fpr, char out[65])
{
	gcry_md_hd_t h;

	if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE))
		return -1;
	gcry_md_setkey(h, key, 32);
	gcry_md_write(h, "casevault/anchor/v1\n", 20);
	gcry_md_write(h, vault_id, strlen(vault_id));
	gcry_md_write(h, "\n", 1);
	gcry_md_write(h, fpr, strlen(fpr));
	cv_hex_encode(gcry_md_read(h, GCRY_MD_SHA256), 32, out);
	gcry_md_close(h);
	return 0;
}

void cv_anchor_digest(const char *text, char out[65])
{
	unsigned char d[32];

	gcry_md_hash_buffer(GCRY_MD_SHA256, d, text, strlen(text));
	cv_hex_encode(d, sizeof(d), out);
}

void cv_anchor_new_id(char out[33])
{
	unsigned char id[16];

	gcry_randomize(id, sizeof(id), GCRY_STRONG_RANDOM);
	cv_hex_encode(id, sizeof(id), out);
}
