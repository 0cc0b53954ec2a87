/*
 * casevault - private declarations shared by the request and disclosure
 * operations: request.c, people.c, disclose.c (the scope), decide.c,
 * bundle*.c and disclog.c.
 */
#ifndef CV_DISCLOSE_PRIV_H
#define CV_DISCLOSE_PRIV_H

#include <stdint.h>
#include "base/handle.h"
#include "ops/requtil.h"
#include "rules/redpolicy.h"
#include "casevault/disclose.h"
#include "casevault/request.h"


/* request.c: a request's case and state, without authorisation (ids in clear). */
typedef struct {
	char id[24];
	char case_id[24];
	cv_relationship rel;
	int open;
	char received[11];
	char due[11];
	long seq;
} cv_req_row;
int cv_req_fetch(cv_vault *v, const char *id, cv_req_row *out);

/* people.c: redaction terms of a case for a request (third parties, volunteers, linked parents). */
int cv_people_redactor(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_redactor **out,
		       int with_patterns, char **requester_out);
/* 1 when case_id names third parties or volunteers (or is linked to another case). */
int cv_people_any(cv_vault *v, const char *case_id);

/* disclose.c: a record in a request's scope, with what the bundle needs of it. */
typedef struct {
	cv_scope_item it;
	long seq;
	int64_t size;
	char decider_role[16];
	/* what goes out: the record itself or its attached copy */
	char src_id[16];
	char src_mime[96];
	int64_t src_size;
	long long src_archive;
	char src_member[64];
	int src_section;
	int src_text;
	/* bundle bookkeeping */
	int number;
	char name[32];
	int redact;            /* through the redactor */
	int check_terms;       /* fail-closed: search for redaction terms */
	int fingerprint;       /* withheld text: fingerprint it */
	int done;
	long long archive;
	char member[64];
} cv_sitem;

/* Every record of req's case with its latest decision (or the policy's default) and its source. */
int cv_scope_load(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem **out, size_t *n);
void cv_sitems_free(cv_sitem *s, size_t n);

#endif
