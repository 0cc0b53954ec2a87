/*
 * casevault - the requests table: subject access requests as rows
 * (docs/legal-rules.md §1-§3).  What a request may do is decided in
 * ops/request.c; this file only reads and writes its rows.
 */
#ifndef CV_STORE_DB_REQUESTS_H
#define CV_STORE_DB_REQUESTS_H

#include "base/handle.h"
#include "casevault/request.h"

/* A request's case and state, ids in clear (relationship as stored). */
typedef struct {
	char id[24];
	char case_id[24];
	char relationship[16];
	int open;
	char received[11];
	char due[11];            /* the date in force: extended when extended */
	long seq;
} cv_db_request_state;

/* A new request; requester is sealed under the case key. */
typedef struct {
	const char *id;
	long seq;
	const char *case_id;
	const char *relationship;
	const char *requester;
	const char *received, *id_verified;   /* id_verified NULL: none */
	const char *clock_start, *due;
	const char *authority_by, *authority_at;  /* NULL: no authority was needed */
	const char *opened_by, *opened_at;
	const char *calendar_hash;
} cv_db_request_new;

/* A whole row: q as the API shows it (relationship and days_left left to the caller). */
typedef struct {
	cv_request q;
	char relationship[16];
} cv_db_request;

/* CV_ENOTFOUND (message naming id) when there is no such request. */
int cv_db_request_state_get(cv_vault *v, const char *id, cv_db_request_state *out);
int cv_db_request_insert(cv_vault *v, const cv_db_request_new *r);
/* One row; unseal: the requester and extension reason too.  CV_ENOTFOUND. */
int cv_db_request_get(cv_vault *v, const char *id, int unseal, cv_db_request *out);
/* Every request (all) or the open ones, by due date; fn gets each row and owns its sealed strings. */
int cv_db_request_each(cv_vault *v, int all, int unseal,
		       int (*fn)(void *hook, cv_db_request *r), void *hook);
/* The clock start and the extended due date ("" when not extended). */
int cv_db_request_clock(cv_vault *v, const char *id, char clock[11], char extended[11]);
/* Extend an open, not yet extended request; CV_EREFUSED when it changed meanwhile. */
int cv_db_request_extend(cv_vault *v, const char *id, const char *due, const char *reason,
			 const char *notified, const char *grounds);
int cv_db_request_close(cv_vault *v, const char *id, const char *by, const char *at);
/* 1 when the request's hold on its case still stands. */
int cv_db_request_hold_stands(cv_vault *v, const char *id);
/* The requester's name, unsealed (*out malloc'd).  CV_ENOTFOUND. */
int cv_db_request_requester(cv_vault *v, const char *id, char **out);

/* Stop the clock of an open, running request on since; reason is sealed.  CV_EREFUSED when it changed. */
int cv_db_request_pause(cv_vault *v, const char *id, const char *since, const char *reason);
/* A new clock start and due date for an open, unextended request (ends a pause); id_verified NULL: unchanged. */
int cv_db_request_clock_set(cv_vault *v, const char *id, const char *clock_start, const char *due,
			    const char *id_verified);
/* 1 when the request records who confirmed the requester's authority (docs/legal-rules.md §6), else 0. */
int cv_db_request_authority(cv_vault *v, const char *id);

#endif
