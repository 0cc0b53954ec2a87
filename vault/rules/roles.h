/*
 * casevault - roles: what each may do and which sections its keyslip holds.
 */
#ifndef CV_RULES_ROLES_H
#define CV_RULES_ROLES_H

#include "casevault/staff.h"



int cv_role_sections(int role);  /* bit mask of sections a role's keyslip holds */
const char *cv_act_words(cv_act act);

#endif
