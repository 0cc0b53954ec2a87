/*
 * casevault - cases' private declarations, for the operations that file into
 * a case or read its facts.
 */
#ifndef CV_OPS_CASE_H
#define CV_OPS_CASE_H

#include "base/handle.h"
#include "casevault/case.h"

/* A case without authorisation or audit, for the library's own use. */
int cv_case_fetch(cv_vault *v, struct cv_case *out, const char *id, int unseal);

#endif
