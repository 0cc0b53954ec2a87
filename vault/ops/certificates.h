/*
 * casevault - certificates of destruction, as the purge writes them (one
 * per run that destroyed anything, chained by hash; docs/retention.md).
 */
#ifndef CV_OPS_CERTIFICATES_H
#define CV_OPS_CERTIFICATES_H

#include <stddef.h>
#include "base/handle.h"
#include "core/adopted.h"
#include "ops/rewrite.h"
#include "casevault/purge.h"

/* What one run's certificate states. */
typedef struct {
	long number;
	const char *prev, *now, *as_of, *run_by;
	const cv_due *items;
	size_t n;
	const cv_rewrite *rws;
	size_t nrw;
} cv_certificate_run;

/* The certificate's JSON text, newline-terminated (malloc'd), and how many records it names. */
char *cv_certificate_json(cv_vault *v, cv_polcache *pc, const cv_certificate_run *run, long *records);
/* Certificate number's text, without an audit event (malloc'd).  CV_ENOTFOUND. */
int cv_certificate_body(cv_vault *v, long number, char **json);

/* verify: the certificate chain, files and destruction log; report() per problem. */
int cv_verify_certificates(cv_vault *v, void (*report)(void *hook, const char *what, const char *msg),
			   void *hook, size_t *count);

#endif
