/* casevault - the consent register's private part, for sharing (ops/consent.c, ops/share.c). */
#ifndef CV_OPS_CONSENT_H
#define CV_OPS_CONSENT_H

#include "base/handle.h"
#include "casevault/consent.h"

/*
 * The consent of case_id that covers recipient or purpose today: 0 with *id
 * set; else CV_EREFUSED with a message naming what is missing (none, expired,
 * withdrawn, out of scope).  Needs the case key.
 */
int cv_consent_covering(cv_vault *v, const char *case_id, const char *recipient, const char *purpose, long *id);

#endif
