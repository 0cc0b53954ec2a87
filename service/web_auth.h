/*
 * casevaultd - the web sessions (docs/web.md, Web sessions): a random
 * 256-bit cookie token of which only the SHA-256 is kept, the staff member
 * it signs in, the session's CSRF token, idle and absolute expiry.
 */
#ifndef CVD_WEB_AUTH_H
#define CVD_WEB_AUTH_H

#include <time.h>

#define WEB_TOKEN_HEX 65       /* 256 bits in hex and a NUL */
#define WEB_SESSIONS 64

typedef struct {
	unsigned char hash[32];    /* SHA-256 of the cookie's token; all zero for a free slot */
	char staff[32];
	long uid;
	int role;
	char csrf[WEB_TOKEN_HEX];
	time_t signed_in, used;
	/* a subject access bundle made but not yet downloaded: encrypted, for one download (docs/web.md) */
	char *bundle;
	size_t bundle_len;
	char bundle_name[64];
} web_session;

/* 256 random bits in hex into out (WEB_TOKEN_HEX bytes); 0 or -1. */
int web_token(char out[WEB_TOKEN_HEX]);
/* A new session for staff: its cookie token in token; the session, or NULL. */
web_session *web_session_new(const char *staff, long uid, int role, char token[WEB_TOKEN_HEX], time_t now);
/* The live session whose token is given (used now), or NULL; one past its time is ended. */
web_session *web_session_find(const char *token, int idle, time_t now);
void web_session_end(web_session *s);
/* 1 when a and b are the same token, compared in constant time. */
int web_token_equal(const char *a, const char *b);

#endif
