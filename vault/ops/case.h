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

/*
 * 0, or CV_EREFUSED with a message when the case's personal data was erased
 * (storage limitation, ops/case_erase.c): nothing is filed into, moved into,
 * reopened or corrected in such a case.
 */
int cv_case_refuse_erased(cv_vault *v, const struct cv_case *c);

#endif
