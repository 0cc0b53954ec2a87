/*
 * casevault - the duplicate index: a keyed blind value per record, so that
 * the duplicate check looks a document up without any size or hash in the
 * clear (docs/architecture.md, Sealed columns).  A pure function of the
 * section master key; store/sealed.c stores and checks it.
 */
#ifndef CV_CRYPTO_BLIND_H
#define CV_CRYPTO_BLIND_H

#define CV_BLIND_HEX 64

/*
 * K     = HKDF-SHA-256(MASTER, no salt, "casevault duplicate index v1|" SECTION "|" GEN)
 * blind = hex(HMAC-SHA-256(K, CASE_ID || SHA-256 of the document, 32 raw bytes))
 * sha_hex is the document's SHA-256 in hex.  0, -1 (libgcrypt) or -2 (sha_hex malformed).
 */
int cv_blind_value(const unsigned char master[32], const char *section, int gen, const char *case_id,
		   const char *sha_hex, char out[CV_BLIND_HEX + 1]);

/*
 * The same value with K derived once per (master key, section, generation)
 * and kept in slot `slot` of c (one per section), which a vault handle owns
 * (core/vault.c): a filing computes one value per record.  A NULL c works
 * like cv_blind_value.
 */
#define CV_BLIND_SLOTS 4
typedef struct cv_blind_cache cv_blind_cache;
cv_blind_cache *cv_blind_cache_new(void);
void cv_blind_cache_free(cv_blind_cache *c);
int cv_blind_cached(cv_blind_cache *c, int slot, const unsigned char master[32], const char *section, int gen,
		    const char *case_id, const char *sha_hex, char out[CV_BLIND_HEX + 1]);

#endif
