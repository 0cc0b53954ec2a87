/* casevault - case assignment's private part, for opening and linking cases (ops/assign.c). */
#ifndef CV_OPS_ASSIGN_H
#define CV_OPS_ASSIGN_H

#include "base/handle.h"

/* Inside case open's transaction: a caseworker or cp-lead who opens a case works on it. */
int cv_assign_opener_tx(cv_vault *v, const char *case_id, const char *now);
/* 0 when cases a and b have no staff member in common, else CV_EREFUSED naming one. */
int cv_assign_check_link(cv_vault *v, const char *a, const char *b);

#endif
