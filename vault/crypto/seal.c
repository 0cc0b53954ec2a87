/*
 * casevault - sealed index columns (AES-256-GCM, libgcrypt).
 *
 * Personal fields in the index (names, dates of birth, titles, record
 * hashes) are stored as: 0x01 | 12-byte random nonce | ciphertext | 16-byte tag.
 * The key is HMAC-SHA256(section master key, "casevault/seal/v1"); the
 * associated data is a context string naming table, column and row, so a
 * sealed value copied into another row or column fails to open.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "base/handle.h"
#include "base/hex.h"
#include "crypto/seal.h"

#define SEAL_VERSION 1
#define NONCE_LEN 12
#define TAG_LEN 16

int cv_sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char d[32];

	gcry_md_hash_buffer(GCRY_MD_SHA256, d, buf, len);
	cv_hex_encode(d, 32, out);
	return 0;
}

/* cv_sha256 is a libgcrypt handle under another name: store/ hashes without libgcrypt. */
cv_sha256 *cv_sha256_new(void)
{
	gcry_md_hd_t md;

	/* Harmless when the application has already initialised libgcrypt;
	 * lets the policy parsers run without cv_global_init (policy check). */
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P) && !gcry_check_version(NULL))
		return NULL;
	return gcry_md_open(&md, GCRY_MD_SHA256, 0) ? NULL : (cv_sha256 *)md;
}

void cv_sha256_write(cv_sha256 *h, const void *buf, size_t len)
{
	gcry_md_write((gcry_md_hd_t)h, buf, len);
}

void cv_sha256_final(cv_sha256 *h, char out[65])
{
	cv_hex_encode(gcry_md_read((gcry_md_hd_t)h, GCRY_MD_SHA256), 32, out);
}

void cv_sha256_reset(cv_sha256 *h)
{
	gcry_md_reset((gcry_md_hd_t)h);
}

void cv_sha256_free(cv_sha256 *h)
{
	if (h)
		gcry_md_close((gcry_md_hd_t)h);
}

/*
 * The key a value is sealed under: a section master key, or the schedule
 * key (retention dates, docs/architecture.md, Sealed columns), which is
 * used only while it came from the purge's file or the case key is held.
 */
static const unsigned char *seal_key(const cv_vault *v, cv_section s)
{
	if (s == CV_SEAL_SCHEDULE)
		return v->skey && (v->skey_file || v->mkey[CV_SECTION_CASE]) ? v->skey : NULL;
	return (unsigned)s < CV_SECTION_COUNT ? v->mkey[s] : NULL;
}

static int locked(cv_vault *v, cv_section s)
{
	if (s == CV_SEAL_SCHEDULE)
		return cv_error(v, CV_EREFUSED, "retention dates are sealed and the schedule key is not available: "
				"unlock the case section, or run as the purge's account");
	return cv_error(v, CV_EREFUSED, "the %s section is locked for this staff member",
			s == CV_SECTION_CP ? "child-protection" : "case");
}

static int derive(cv_vault *v, cv_section s, const char *label, unsigned char out[32])
{
	const unsigned char *key = seal_key(v, s);
	gcry_md_hd_t h;

	if (!key || !out)
		return locked(v, s);
	if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE))
		return cv_error(v, CV_ERROR, "cannot start HMAC");
	gcry_md_setkey(h, key, CV_KEY_LEN);
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

/*
 * A handle keeps one ready AES-GCM context per section.  Opening one costs
 * an HMAC and a cipher set-up, and every libgcrypt open also polls the
 * random pool (getrusage, clock_gettime, getpid: system calls), about 7 us
 * in all, which a filing of 2,000 records paid 6,000 times.  The cache is
 * shared by the copies of a handle that writer threads use, hence the
 * mutex; it is tied to the master key's bytes, so a rotation or a wipe
 * never meets a stale context.
 */
struct cv_seal_cache {
	pthread_mutex_t mu;
	unsigned char *mkey[CV_SEAL_KEYS];   /* copy of the key the context was made from */
	gcry_cipher_hd_t h[CV_SEAL_KEYS];
};

cv_seal_cache *cv_seal_cache_new(void)
{
	cv_seal_cache *c = calloc(1, sizeof(*c));

	if (c && pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		c = NULL;
	}
	return c;
}

void cv_seal_cache_free(cv_seal_cache *c)
{
	int s;

	if (!c)
		return;
	for (s = 0; s < CV_SEAL_KEYS; s++) {
		if (c->h[s])
			gcry_cipher_close(c->h[s]);
		if (c->mkey[s]) {
			explicit_bzero(c->mkey[s], CV_KEY_LEN);
			gcry_free(c->mkey[s]);
		}
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* A ready context for section s; give it back with put_cipher. */
static int get_cipher(cv_vault *v, cv_section s, gcry_cipher_hd_t *h)
{
	cv_seal_cache *c = v->seal;
	const unsigned char *key = seal_key(v, s);
	int r;

	if (!key)
		return locked(v, s);
	if (!c)
		return open_cipher(v, s, h);
	pthread_mutex_lock(&c->mu);
	if (!c->h[s] || memcmp(c->mkey[s], key, CV_KEY_LEN) != 0) {
		if (c->h[s])
			gcry_cipher_close(c->h[s]);
		c->h[s] = NULL;
		if (!c->mkey[s] && !(c->mkey[s] = gcry_malloc_secure(CV_KEY_LEN))) {
			pthread_mutex_unlock(&c->mu);
			return cv_error(v, CV_ERROR, "out of secure memory");
		}
		if ((r = open_cipher(v, s, &c->h[s])) < 0) {
			c->h[s] = NULL;
			pthread_mutex_unlock(&c->mu);
			return r;
		}
		memcpy(c->mkey[s], key, CV_KEY_LEN);
	}
	*h = c->h[s];
	gcry_cipher_reset(*h);
	return 0;  /* the mutex stays held until put_cipher */
}

static void put_cipher(cv_vault *v, gcry_cipher_hd_t h)
{
	gcry_cipher_reset(h);
	if (v->seal)
		pthread_mutex_unlock(&v->seal->mu);
	else
		gcry_cipher_close(h);
}

int cv_seal(cv_vault *v, cv_section s, const char *ctx, const void *plain, size_t len,
	    unsigned char **out, size_t *outlen)
{
	gcry_cipher_hd_t h;
	unsigned char *buf;
	size_t total = 1 + NONCE_LEN + len + TAG_LEN;
	int r;

	if ((r = get_cipher(v, s, &h)) < 0)
		return r;
	buf = malloc(total);
	if (!buf) {
		put_cipher(v, h);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	buf[0] = SEAL_VERSION;
	gcry_create_nonce(buf + 1, NONCE_LEN);
	if (gcry_cipher_setiv(h, buf + 1, NONCE_LEN) ||
	    gcry_cipher_authenticate(h, ctx, strlen(ctx)) ||
	    gcry_cipher_encrypt(h, buf + 1 + NONCE_LEN, len, plain, len) ||
	    gcry_cipher_gettag(h, buf + 1 + NONCE_LEN + len, TAG_LEN)) {
		put_cipher(v, h);
		free(buf);
		return cv_error(v, CV_ERROR, "cannot seal a field");
	}
	put_cipher(v, h);
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
	if ((r = get_cipher(v, s, &h)) < 0)
		return r;
	p = malloc(plen + 1);
	if (!p) {
		put_cipher(v, h);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	if (gcry_cipher_setiv(h, b + 1, NONCE_LEN) ||
	    gcry_cipher_authenticate(h, ctx, strlen(ctx)) ||
	    gcry_cipher_decrypt(h, p, plen, b + 1 + NONCE_LEN, plen) ||
	    gcry_cipher_checktag(h, b + 1 + NONCE_LEN + plen, TAG_LEN)) {
		put_cipher(v, h);
		explicit_bzero(p, plen);
		free(p);
		return cv_error(v, CV_ECORRUPT, "a sealed index field (%s) fails its integrity check", ctx);
	}
	put_cipher(v, h);
	p[plen] = '\0';
	*out = p;
	if (outlen)
		*outlen = plen;
	return 0;
}

int cv_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];

	if (nbytes > sizeof(buf))
		return CV_ERROR;
	gcry_randomize(buf, nbytes, GCRY_STRONG_RANDOM);
	cv_hex_encode(buf, nbytes, out);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

void cv_random_fill(void *buf, size_t n)
{
	gcry_create_nonce(buf, n);
}
