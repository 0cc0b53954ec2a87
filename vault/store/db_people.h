/*
 * casevault - the people and case_links tables: people named in a case
 * (every personal field sealed under the case key) and the two sides of a
 * separated family (docs/legal-rules.md §7, §10).
 */
#ifndef CV_STORE_DB_PEOPLE_H
#define CV_STORE_DB_PEOPLE_H

#include <stddef.h>
#include "base/handle.h"

/* A person as stored: kind as text, the sealed fields opened (NULL when none). */
typedef struct {
	long id;
	char case_id[24];
	char kind[16];
	char *name, *phone, *email, *role;
	char added_by[24];
	char added_at[32];
} cv_db_person;

typedef struct {
	const char *case_id, *kind;
	const char *name, *phone, *email, *role;   /* phone, email, role may be NULL */
	const char *added_by, *added_at;
} cv_db_person_new;

/* Insert, then seal the fields under the new row's id; *id_out gets it. */
int cv_db_person_insert(cv_vault *v, const cv_db_person_new *p, long *id_out);
/* The people of case_id in order of entry (a grown array, every field opened). */
int cv_db_person_list(cv_vault *v, const char *case_id, cv_db_person **out, size_t *n);
/* 1 when case_id names a third party or volunteer or is linked to another case (1 on error: fail safe). */
int cv_db_person_any(cv_vault *v, const char *case_id);

/* 1 when cases a and b are linked (either way round), 0 when not. */
int cv_db_link_exists(cv_vault *v, const char *a, const char *b);
/* Link lo and hi (lo < hi). */
int cv_db_link_insert(cv_vault *v, const char *lo, const char *hi, const char *by, const char *at);
/* The cases linked to case_id, in order. */
int cv_db_link_list(cv_vault *v, const char *case_id, char (**out)[24], size_t *n);

#endif
