/* casevault - the case_staff table: which staff members work on which case (docs/security.md, Case assignment). */
#ifndef CV_STORE_DB_ASSIGN_H
#define CV_STORE_DB_ASSIGN_H

#include <stddef.h>
#include "base/handle.h"

int cv_db_assign_insert(cv_vault *v, const char *case_id, const char *staff_id, const char *by, const char *at);
/* 1 when staff_id was assigned to case_id and no longer is, 0 when they were not. */
int cv_db_assign_delete(cv_vault *v, const char *case_id, const char *staff_id);
/* 1 when staff_id is assigned to case_id, else 0. */
int cv_db_assign_has(cv_vault *v, const char *case_id, const char *staff_id);
/* The staff ids assigned to case_id, in order. */
int cv_db_assign_list(cv_vault *v, const char *case_id, char (**out)[16], size_t *n);
/* 1 with *other set when staff_id is assigned to a case linked to case_id, else 0. */
int cv_db_assign_on_linked(cv_vault *v, const char *case_id, const char *staff_id, char other[24]);
/* 1 with *staff_id set when cases a and b have a staff member in common, else 0. */
int cv_db_assign_shared(cv_vault *v, const char *a, const char *b, char staff_id[16]);
/* 1 with *case_id set when id is a case, a record or a request of a case, else 0. */
int cv_db_assign_case_of(cv_vault *v, const char *id, char case_id[24]);

#endif
