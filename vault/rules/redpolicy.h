/*
 * casevault - the redaction policy (policies/redaction.ini and the
 * disclosure letter template), parsed and checked (docs/policy-redaction.md).
 */
#ifndef CV_RULES_REDPOLICY_H
#define CV_RULES_REDPOLICY_H

#include "base/handle.h"
#include "casevault/disclose.h"

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
	char cp_ground_other[64];     /* cp records when Sch 3 para 21 cannot apply (sch3-para7) */
	char **cp_hints;              /* [cp-hints] terms: child-protection words (docs/legal-rules.md §9) */
	size_t ncp_hints;
} cv_rpolicy;

/* Load path (redaction.ini) and letter (the template); problems get every problem. */
int cv_rpolicy_load(cv_rpolicy **out, const char *path, const char *letter, cv_problems *problems);
void cv_rpolicy_free(cv_rpolicy *p);
/* The vault's own, from VAULT/policies; the message on v says what is wrong. */
int cv_rpolicy_vault(cv_vault *v, cv_rpolicy **out);
int cv_rpolicy_is_text(const cv_rpolicy *p, const char *mime);
const cv_rground *cv_rpolicy_ground(const cv_rpolicy *p, const char *name);

/*
 * 1 when Sch 3 Pt 5 para 21 can cover a request (docs/legal-rules.md §8): it
 * is made by a person with parental responsibility (parent non-zero: the
 * client, the other parent, or a representative with the client's
 * authority) about a child under 18 on the date received.  An unknown or
 * unreadable date of birth gives 0 (the exemption is never assumed).
 */
int cv_rpolicy_para21(int parent, const char *child_dob, const char *received);

/* The placeholders a letter template may use. */
extern const char *const cv_letter_fields[];

#endif
