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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "base/hex.h"
#include "crypto/blind.h"
#include "crypto/keywrap.h"

#define INFO_LABEL "casevault duplicate index v1"

/* K for (master, section, gen), set into an HMAC handle. */
static int blind_open(const unsigned char master[32], const char *section, int gen, gcry_mac_hd_t *h)
{
	unsigned char *key;
	char info[96];
	int len, bad;

	len = snprintf(info, sizeof(info), INFO_LABEL "|%s|%d", section, gen);
	if (len < 0 || (size_t)len >= sizeof(info))
		return -1;
	if (!(key = gcry_malloc_secure(32)))
		return -1;
	bad = cv_hkdf_sha256(master, 32, NULL, 0, info, (size_t)len, key, 32) < 0 ||
	      gcry_mac_open(h, GCRY_MAC_HMAC_SHA256, GCRY_MAC_FLAG_SECURE, NULL);
	if (!bad && gcry_mac_setkey(*h, key, 32)) {
		gcry_mac_close(*h);
		bad = 1;
	}
	explicit_bzero(key, 32);
	gcry_free(key);
	return bad ? -1 : 0;
}

/* HMAC(K, CASE_ID || digest) with a keyed handle, which is left ready for the next. */
static int blind_mac(gcry_mac_hd_t h, const char *case_id, const char *sha_hex, char out[CV_BLIND_HEX + 1])
{
	unsigned char digest[32];
	size_t n = 32;
	int bad;

	if (!sha_hex || strlen(sha_hex) != 64 || cv_hex_decode(sha_hex, 32, digest) < 0)
		return -2;
	bad = gcry_mac_reset(h) || gcry_mac_write(h, case_id, strlen(case_id)) ||
	      gcry_mac_write(h, digest, sizeof(digest)) || gcry_mac_read(h, digest, &n);
	if (!bad)
		cv_hex_encode(digest, 32, out);
	explicit_bzero(digest, sizeof(digest));
	gcry_mac_reset(h);
	return bad ? -1 : 0;
}

int cv_blind_value(const unsigned char master[32], const char *section, int gen, const char *case_id,
		   const char *sha_hex, char out[CV_BLIND_HEX + 1])
{
	gcry_mac_hd_t h;
	int r;

	if (!sha_hex || strlen(sha_hex) != 64)
		return -2;
	if (blind_open(master, section, gen, &h) < 0)
		return -1;
	r = blind_mac(h, case_id, sha_hex, out);
	gcry_mac_close(h);
	return r;
}

/*
 * Deriving K costs an HKDF and three libgcrypt MAC opens (each polls the
 * random pool), about 110,000 instructions: a filing paid that for every
 * record it stores and every duplicate it looks up, 14 % of an import's
 * own CPU.  The cache keeps one keyed handle per section, tied to the
 * master key's bytes and generation, so a rotation or a wipe never meets a
 * stale K; it lives in secure memory and goes with the vault handle.
 */
struct blind_slot {
	unsigned char *mkey;    /* copy of the master key K came from */
	char section[16];
	int gen;
	gcry_mac_hd_t h;
	int ready;
};

struct cv_blind_cache {
	pthread_mutex_t mu;
	struct blind_slot k[CV_BLIND_SLOTS];
};

cv_blind_cache *cv_blind_cache_new(void)
{
	cv_blind_cache *c = calloc(1, sizeof(*c));

	if (c && pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		c = NULL;
	}
	return c;
}

static void slot_clear(cv_blind_cache *c, int i)
{
	if (c->k[i].ready)
		gcry_mac_close(c->k[i].h);
	c->k[i].ready = 0;
}

void cv_blind_cache_free(cv_blind_cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < CV_BLIND_SLOTS; i++) {
		slot_clear(c, i);
		if (c->k[i].mkey) {
			explicit_bzero(c->k[i].mkey, 32);
			gcry_free(c->k[i].mkey);
		}
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Slot `slot` made ready for (master, section, gen); the caller holds the mutex. */
static int slot_ready(cv_blind_cache *c, int slot, const unsigned char master[32], const char *section, int gen)
{
	struct blind_slot *k = &c->k[slot];

	if (k->ready && k->gen == gen && !strcmp(k->section, section) && !memcmp(k->mkey, master, 32))
		return 0;
	slot_clear(c, slot);
	if (strlen(section) >= sizeof(k->section) || (!k->mkey && !(k->mkey = gcry_malloc_secure(32))))
		return -1;
	if (blind_open(master, section, gen, &k->h) < 0)
		return -1;
	memcpy(k->mkey, master, 32);
	snprintf(k->section, sizeof(k->section), "%s", section);
	k->gen = gen;
	k->ready = 1;
	return 0;
}

int cv_blind_cached(cv_blind_cache *c, int slot, const unsigned char master[32], const char *section, int gen,
		    const char *case_id, const char *sha_hex, char out[CV_BLIND_HEX + 1])
{
	int r;

	if (!c || slot < 0 || slot >= CV_BLIND_SLOTS)
		return cv_blind_value(master, section, gen, case_id, sha_hex, out);
	if (!sha_hex || strlen(sha_hex) != 64)
		return -2;
	pthread_mutex_lock(&c->mu);
	r = slot_ready(c, slot, master, section, gen);
	if (r == 0)
		r = blind_mac(c->k[slot].h, case_id, sha_hex, out);
	pthread_mutex_unlock(&c->mu);
	return r;
}
