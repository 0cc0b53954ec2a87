/*
 * casevault - private declarations shared by request.c, people.c,
 * disclose.c and redpolicy.c (subject access requests and bundles).
 */
#ifndef CV_DISCLOSE_PRIV_H
#define CV_DISCLOSE_PRIV_H

#include "base/handle.h"
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
/* request.c: 1 when s is one line of text (not empty or blank, no control characters, <= max bytes). */
int cv_text_one_line(const char *s, size_t max);
/* disclose.c: wipe personal text before freeing it (NULL is fine). */
void cv_wipe_free(char *s);

/* people.c: redaction terms of a case for a request (third parties, volunteers, linked parents). */
int cv_people_redactor(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_redactor **out,
		       int with_patterns, char **requester_out);
/* 1 when case_id names third parties or volunteers (or is linked to another case). */
int cv_people_any(cv_vault *v, const char *case_id);

#endif
