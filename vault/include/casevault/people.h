/*
 * casevault - the people named in a case (third parties, professionals,
 * volunteers), whom redaction removes, and linked cases: the two sides of a
 * separated family, never disclosed across (docs/legal-rules.md §7, §10, §19).
 */
#ifndef CASEVAULT_PEOPLE_H
#define CASEVAULT_PEOPLE_H

#include <stddef.h>
#include "vault.h"

/* ---- people named in a case, linked cases ---- */

typedef enum {
	CV_PERSON_THIRD_PARTY = 0,  /* redacted (docs/legal-rules.md §7) */
	CV_PERSON_PROFESSIONAL,     /* acting in their role: disclosed (docs/legal-rules.md §7) */
	CV_PERSON_VOLUNTEER         /* redacted, with their phone and e-mail (docs/legal-rules.md §10) */
} cv_person_kind;

int cv_person_kind_parse(cv_person_kind *out, const char *s);  /* 0 or CV_EINVAL */
const char *cv_person_kind_name(cv_person_kind k);

typedef struct {
	long id;
	char case_id[24];
	cv_person_kind kind;
	char *name;                 /* unsealed */
	char *phone, *email, *role; /* unsealed, NULL when none */
	char added_by[24];
	char added_at[32];
} cv_person;

/*
 * Record that name appears in case_id's file (every field sealed under the
 * case key).  phone, email and role may be NULL.  *id_out gets its id.
 */
int cv_person_add(cv_vault *v, const char *case_id, const char *name, cv_person_kind kind,
		  const char *phone, const char *email, const char *role, long *id_out);
/* The people of case_id (unlocks).  Free with cv_person_list_free. */
int cv_person_list(cv_vault *v, const char *case_id, cv_person **out, size_t *n);
void cv_person_list_free(cv_person *list, size_t n);

/*
 * Mark cases a and b as the two sides of a separated family.  No record of
 * one is ever in the scope of a request on the other, and the other side's
 * parent is redacted like a third party.  CV_EEXISTS when already linked.
 */
int cv_case_link(cv_vault *v, const char *a, const char *b);
/* The cases linked to case_id (ids, malloc'd array of 24-char ids). */
int cv_case_links(cv_vault *v, const char *case_id, char (**out)[24], size_t *n);

#endif
