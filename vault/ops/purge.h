/*
 * casevault - the purge's private declarations, for verify.
 */
#ifndef CV_OPS_PURGE_H
#define CV_OPS_PURGE_H

#include <stddef.h>
#include "base/handle.h"

/* verify: the certificate chain, files and destruction log; report() per problem. */
int cv_verify_certificates(cv_vault *v, void (*report)(void *hook, const char *what, const char *msg),
			   void *hook, size_t *count);

#endif
