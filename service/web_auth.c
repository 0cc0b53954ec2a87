/*
 * casevaultd - the web sessions (web_auth.h).  The table lives in the web
 * process only; it holds no key and no passphrase, and not even the
 * cookies' tokens, only their SHA-256, so that a copy of its memory signs
 * nobody in (docs/web.md, Web sessions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <gnutls/crypto.h>

#include "session_table.h"
#include "web_auth.h"

static web_session table[WEB_SESSIONS];

int web_token(char out[WEB_TOKEN_HEX])
{
	unsigned char r[32];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	explicit_bzero(r, sizeof(r));
	return 0;
}

static int hash_token(const char *token, unsigned char out[32])
{
	if (!token || strlen(token) != WEB_TOKEN_HEX - 1)
		return -1;
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, token, WEB_TOKEN_HEX - 1, out) == 0 ? 0 : -1;
}

static int is_free(const web_session *s)
{
	static const unsigned char zero[32];

	return !memcmp(s->hash, zero, sizeof(zero));
}

void web_session_end(web_session *s)
{
	if (s->bundle)
		explicit_bzero(s->bundle, s->bundle_len);
	free(s->bundle);
	explicit_bzero(s, sizeof(*s));
}

web_session *web_session_new(const char *staff, long uid, int role, char token[WEB_TOKEN_HEX], time_t now)
{
	web_session *s = NULL;
	size_t i;

	for (i = 0; i < WEB_SESSIONS; i++)  /* a free slot, else the one unused longest */
		if (!s || is_free(&table[i]) || (!is_free(s) && table[i].used < s->used))
			s = &table[i];
	web_session_end(s);
	if (strlen(staff) >= sizeof(s->staff) || web_token(token) < 0 || web_token(s->csrf) < 0 ||
	    hash_token(token, s->hash) < 0) {
		web_session_end(s);
		return NULL;
	}
	strcpy(s->staff, staff);
	s->uid = uid;
	s->role = role;
	s->signed_in = s->used = now;
	return s;
}

web_session *web_session_find(const char *token, int idle, time_t now)
{
	unsigned char h[32];
	size_t i;

	if (hash_token(token, h) < 0)
		return NULL;
	for (i = 0; i < WEB_SESSIONS; i++) {
		web_session *s = &table[i];

		if (is_free(s) || memcmp(s->hash, h, sizeof(h)))
			continue;
		/* the same limits as the keeper's: idle, and 2 hours from the proof (docs/service.md, Sessions) */
		if (now - s->used >= idle || now - s->signed_in >= CVD_SESSION_MAX) {
			web_session_end(s);
			return NULL;
		}
		s->used = now;
		return s;
	}
	return NULL;
}

int web_token_equal(const char *a, const char *b)
{
	unsigned char d = 0;
	size_t i;

	if (!a || !b || strlen(a) != WEB_TOKEN_HEX - 1 || strlen(b) != WEB_TOKEN_HEX - 1)
		return 0;
	for (i = 0; i < WEB_TOKEN_HEX - 1; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}
