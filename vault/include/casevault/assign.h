/*
 * casevault - case assignment: the caseworkers of each case
 * (docs/security.md, Case assignment).  A caseworker sees and files only in
 * the cases assigned to them; managers and cp-leads see every case.  Two
 * linked cases (the two parents of a separated family) never share one.
 */
#ifndef CASEVAULT_ASSIGN_H
#define CASEVAULT_ASSIGN_H

#include <stddef.h>
#include "vault.h"

/*
 * Assign staff_id (a caseworker or cp-lead) to case_id; a manager's act.
 * CV_EEXISTS when already assigned; CV_EREFUSED when they work on a case
 * linked to it, or their role reads no case record.
 */
int cv_case_assign(cv_vault *v, const char *case_id, const char *staff_id);
/* Take staff_id off case_id; a manager's act.  CV_ENOTFOUND when not assigned. */
int cv_case_unassign(cv_vault *v, const char *case_id, const char *staff_id);

typedef struct {
	char (*staff)[16];     /* the staff ids assigned, in order */
	size_t nstaff;
	char (*linked)[24];    /* the linked cases: filled for a manager only, else none */
	size_t nlinked;
} cv_case_team;

/* Who works on case_id, and (for a manager) the cases linked to it; freed with cv_case_team_free. */
int cv_case_team_get(cv_vault *v, const char *case_id, cv_case_team *out);
void cv_case_team_free(cv_case_team *t);

#endif
