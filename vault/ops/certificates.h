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

/*
 * A run that destroys more records than this gets its certificate in
 * parts of this many records, then an index (docs/retention.md,
 * "Certificates of destruction"): each part is a file a person can open,
 * and no step of the purge or of verify holds more than one part.
 */
#define CV_CERT_PART 1000

/* What one run's certificate states. */
typedef struct {
	const char *now, *as_of, *run_by;
	const cv_rewrite *rws;
	size_t nrw;
	/* who authorised it, for every record, when not the schedule or a review: an erasure (ops/record_erase.c) */
	const char *authorised;
} cv_certificate_run;

/* The certificates a run stored: first to last (the index, when parts > 0). */
typedef struct {
	long first, last, parts;
	long records;
	char sha256[65];          /* the last one's: the run's anchor, printed by the purge */
} cv_certificate_span;

/*
 * Store the run's certificates in the caller's transaction, numbered after
 * the last one and chained to it by hash: one, or parts and an index.  The
 * purge walks its plan once and hands each record it destroys to
 * cv_certificates_add, so that no more than one part is held at a time:
 * start with the number of records the run destroys (it fixes the parts),
 * add each in the run's order, finish (the last part and the index), free.
 */
typedef struct cv_certificate_writer cv_certificate_writer;
int cv_certificates_start(cv_vault *v, const cv_certificate_run *run, size_t n, cv_certificate_span *sp,
			  cv_certificate_writer **w);
int cv_certificates_add(cv_vault *v, cv_polcache *pc, cv_certificate_writer *w, const cv_due *d);
int cv_certificates_finish(cv_vault *v, cv_certificate_writer *w);
void cv_certificates_writer_free(cv_certificate_writer *w);
/*
 * Store root (a certificate's JSON; it is taken) as the next certificate,
 * chained to the last one and signed as run's (run->now, run->run_by), in
 * the caller's transaction: its *number and sha (SHA-256, hex).  A case's
 * erasure certificate (ops/case_erase.c), which lists no record.
 */
struct json_t;
int cv_certificate_store_next(cv_vault *v, const cv_certificate_run *run, struct json_t *root, long records,
			      long *number, char sha[65]);
/* The certificate that lists the k-th record the run destroyed (in the order they were added). */
long cv_certificate_of(const cv_certificate_span *sp, size_t k);
/* Certificate number's text, without an audit event (malloc'd).  CV_ENOTFOUND. */
int cv_certificate_body(cv_vault *v, long number, char **json);

/* verify: the certificate chain, files and destruction log; report() per problem. */
int cv_verify_certificates(cv_vault *v, void (*report)(void *hook, const char *what, const char *msg),
			   void *hook, size_t *count);

#endif
