/*
 * casevaultd - the session keeper's table (docs/service.md, Sessions): per
 * staff member, the unlocked keyslip and the count of wrong passphrases.
 * Pure bookkeeping, the time given by the caller, so that expiry and
 * lock-out are tested without waiting (tests/unit/test_session_table.c).
 */
#ifndef CVD_SESSION_TABLE_H
#define CVD_SESSION_TABLE_H

#include <stddef.h>
#include <time.h>

#define CVD_STAFF_LEN 32
#define CVD_SLIP_ID_LEN 65
#define CVD_TEXT_MAX 512
#define CVD_SESSIONS 64            /* people with a session at once; the oldest unused goes first */
#define CVD_IDLE_MAX 7200          /* a session never outlives 2 hours unused... */
#define CVD_SESSION_MAX 7200       /* ...nor 2 hours after the passphrase was proved */
#define CVD_STRIKES 5              /* wrong passphrases ... */
#define CVD_STRIKE_WINDOW 900      /* ... within 15 minutes ... */
#define CVD_LOCKOUT 900            /* ... lock the person out for 15 minutes */
#define CVD_VERIFIED 256           /* good signatures held; the longest unused goes first */
#define CVD_FPR_LEN 48

typedef struct {
	char staff[CVD_STAFF_LEN];     /* "" for a free slot */
	long uid;                      /* the OS user whose worker proved it */
	char slip_id[CVD_SLIP_ID_LEN];
	char *text;                    /* the keyslip's text, in secure memory (CVD_TEXT_MAX bytes) */
	size_t len;
	time_t proven, used;
	long idle;
} cvd_session;

typedef struct {
	char staff[CVD_STAFF_LEN];
	int fails;
	time_t first, until;          /* the first wrong one of the window; the lock-out's end (0: none) */
} cvd_strikes;

/* A signature gpg found good, under the key cv_gpg_verify_detached made (casevault/session.h). */
typedef struct {
	char key[CVD_SLIP_ID_LEN];     /* "" for a free slot */
	char fpr[CVD_FPR_LEN];
	time_t used;
} cvd_verified;

typedef struct {
	cvd_session s[CVD_SESSIONS];
	cvd_strikes k[CVD_SESSIONS];
	cvd_verified g[CVD_VERIFIED];
	void *(*alloc)(size_t n);      /* secure memory for texts */
	void (*release)(void *p, size_t n);  /* wipes and frees */
} cvd_table;

void cvd_table_init(cvd_table *t, void *(*alloc)(size_t), void (*release)(void *, size_t));
/* staff's text (copied into buf) when slip_id matches and the session is alive; its length or 0. */
size_t cvd_table_get(cvd_table *t, const char *staff, const char *slip_id, char *buf, size_t bufsize, time_t now);
/* A proved keyslip: replaces staff's session; a proof also clears their wrong passphrases. 0 or -1. */
int cvd_table_put(cvd_table *t, const char *staff, long uid, const char *slip_id, const char *text, size_t len,
		  long idle, time_t now);
/* 1 when the OS user uid holds a session alive at now, else 0. */
int cvd_table_alive(cvd_table *t, long uid, time_t now);
/* 1 when staff holds a session alive at now, else 0 (a web session's check: docs/web.md, Who acts). */
int cvd_table_alive_staff(cvd_table *t, const char *staff, time_t now);
/* A wrong passphrase: 1 when it locks staff out (*until set), else 0. */
int cvd_table_bad(cvd_table *t, const char *staff, time_t now, time_t *until);
/* 1 when staff is locked out at now (*until set), else 0. */
int cvd_table_locked(cvd_table *t, const char *staff, time_t now, time_t *until);
/* End staff's session (NULL: everyone's); sessions past their time end in cvd_table_expire. */
void cvd_table_end(cvd_table *t, const char *staff);
void cvd_table_expire(cvd_table *t, time_t now);
/* The signer of the good signature filed under key, copied into fpr: 1, or 0 when none is. */
int cvd_table_sig_get(cvd_table *t, const char *key, char *fpr, size_t fprlen, time_t now);
/* File a good signature (replacing the one longest unused when full).  0 or -1 (malformed). */
int cvd_table_sig_put(cvd_table *t, const char *key, const char *fpr, time_t now);

#endif
