/*
 * casevault - the duplicate index's blind values (blind.h).
 *
 * A document's SHA-256 identifies a known document, so it is sealed; the
 * duplicate check instead compares an HMAC of it under a key only holders
 * of the section key can derive.  The case id goes into the HMAC so that
 * one school letter filed in two siblings' cases gives two unrelated
 * values: the index does not link the cases.  The key generation goes into
 * the key, so a rotation recomputes every value and a retired key's values
 * match nothing.  Both steps are standards (RFC 5869, RFC 2104), redone
 * with openssl in tests/cli/t_blind.sh.
 */
#include <stdio.h>
#include <string.h>
#include <gcrypt.h>

#include "base/hex.h"
#include "crypto/blind.h"
#include "crypto/keywrap.h"

#define INFO_LABEL "casevault duplicate index v1"

int cv_blind_value(const unsigned char master[32], const char *section, int gen, const char *case_id,
		   const char *sha_hex, char out[CV_BLIND_HEX + 1])
{
	unsigned char digest[32], *key;
	char info[96];
	gcry_mac_hd_t h;
	size_t n = 32;
	int len, bad;

	len = snprintf(info, sizeof(info), INFO_LABEL "|%s|%d", section, gen);
	if (len < 0 || (size_t)len >= sizeof(info))
		return -1;
	if (!sha_hex || strlen(sha_hex) != 64 || cv_hex_decode(sha_hex, 32, digest) < 0)
		return -2;
	if (!(key = gcry_malloc_secure(32)))
		return -1;
	bad = cv_hkdf_sha256(master, 32, NULL, 0, info, (size_t)len, key, 32) < 0 ||
	      gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, GCRY_MAC_FLAG_SECURE, NULL);
	if (!bad) {
		bad = gcry_mac_setkey(h, key, 32) || gcry_mac_write(h, case_id, strlen(case_id)) ||
		      gcry_mac_write(h, digest, sizeof(digest)) || gcry_mac_read(h, digest, &n);
		gcry_mac_close(h);
	}
	explicit_bzero(key, 32);
	gcry_free(key);
	if (!bad)
		cv_hex_encode(digest, 32, out);
	explicit_bzero(digest, sizeof(digest));
	return bad ? -1 : 0;
}
