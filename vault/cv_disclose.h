/*
 * casevault - private declarations shared by request.c, people.c,
 * disclose.c and redpolicy.c (subject access requests and bundles).
 */
#ifndef CV_DISCLOSE_PRIV_H
#define CV_DISCLOSE_PRIV_H

#include "internal.h"
#include "casevault/disclose.h"
#include "casevault/request.h"

/* policies/redaction.ini, loaded (docs/policy-redaction.md). */
typedef struct {
	char name[64];
	char *regex;
} cv_rpattern;

typedef struct {
	char name[64];
	char *text;
} cv_rground;

typedef struct {
	char marker[64];
	cv_decision case_text;        /* main-section text records */
	cv_decision case_other;       /* non-text records when the case names people */
	cv_decision case_other_none;  /* non-text records otherwise */
	char cp_ground[64];           /* the ground of the default for the cp section (always withhold) */
	char **text_types;
	size_t ntext;
	int surname_min, first_min;
	cv_rpattern *patterns;
	size_t npatterns;
	cv_rground *grounds;
	size_t ngrounds;
	char office[256];
	char hash[65];                /* SHA-256 of redaction.ini then disclosure-letter.txt */
	char *letter;                 /* the template's text */
} cv_rpolicy;

/* Load path (redaction.ini) and letter (the template); problems get every problem. */
int cv_rpolicy_load(cv_rpolicy **out, const char *path, const char *letter, cv_problems *problems);
void cv_rpolicy_free(cv_rpolicy *p);
/* The vault's own, from VAULT/policies; the message on v says what is wrong. */
int cv_rpolicy_vault(cv_vault *v, cv_rpolicy **out);
int cv_rpolicy_is_text(const cv_rpolicy *p, const char *mime);
const cv_rground *cv_rpolicy_ground(const cv_rpolicy *p, const char *name);

/* The placeholders a letter template may use. */
extern const char *const cv_letter_fields[];

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

#endif
