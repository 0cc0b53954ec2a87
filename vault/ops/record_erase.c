/*
 * casevault - erasing one record on a manager's decision (docs/legal-rules.md
 * LR-18: an erasure request upheld, a record that should never have been
 * kept).  The steps are record_fix.c's; what is destroyed is certified as
 * the purge certifies it (ops/certificates.c): a certificate chained to the
 * last one, signed in the commit by the manager, its hash in the audit
 * event, so verify checks it like a purge's (docs/architecture.md, The
 * audit trail).  Only a manager may: it is a decision to destroy, as a
 * purge by hand is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/adopted.h"
#include "core/intent.h"
#include "ops/case_erase.h"
#include "ops/certificates.h"
#include "ops/record_fix.h"
#include "store/db_corrections.h"
#include "store/db_purge.h"

struct erase {
	cv_fix f;
	cv_due d;
	cv_certificate_span span;
	char day[11], who[64];
};

/* The certificate (one record, its own) and the record's row deleted under it. */
static int certify(cv_fix *f, struct erase *e)
{
	cv_certificate_run run = { f->now, e->day, f->v->actor, f->rws, f->use[0] ? 1 : 0, e->who };
	cv_certificate_writer *w = NULL;
	cv_polcache pc = CV_POLCACHE_INIT;
	int r;

	e->d.status = CV_DUE_APPROVED;
	e->d.whole = !f->use[0];
	f->rws[0].written = f->use[0];
	if ((r = cv_certificates_start(f->v, &run, 1, &e->span, &w)) == 0 &&
	    (r = cv_certificates_add(f->v, &pc, w, &e->d)) == 0 && (r = cv_certificates_finish(f->v, w)) == 0)
		r = cv_db_record_destroy(f->v, f->id, e->span.last);
	cv_certificates_writer_free(w);
	cv_polcache_release(&pc);
	return r;
}

static int apply_erase(cv_fix *f, long long receipt_id)
{
	struct erase *e = (struct erase *)f;
	char extra[96];
	int r;

	(void)receipt_id;
	if ((r = cv_db_fix_due(f->v, f->id, &e->d)) <= 0)
		return r < 0 ? r : cv_error(f->v, CV_ECORRUPT, "record %s vanished from the index; nothing was erased", f->id);
	if ((r = certify(f, e)) < 0)
		return r;
	f->rep->certificate = e->span.last;
	snprintf(f->rep->certificate_sha256, sizeof(f->rep->certificate_sha256), "%s", e->span.sha256);
	/* the certificate's hash in the chain, as the purge's event names its own */
	snprintf(extra, sizeof(extra), "certificate-%ld sha256-%s", e->span.last, e->span.sha256);
	return cv_fix_record(f, "erase", NULL, e->span.last, extra);
}

/* The certificate's file, once the commit made it (the shred log's recovery writes it after a crash). */
static void write_file(cv_vault *v, long number)
{
	char *body = NULL;

	if (cv_certificate_body(v, number, &body) == 0 && cv_cert_file_write(v, number, body) < 0)
		cv_notice(v, "certificate %ld is in the index but its file could not be written; 'casevault verify' writes it", number);
	free(body);
}

int cv_record_erase(cv_vault *v, const char *record_id, const cv_fix_opts *o, cv_fix_report *rep)
{
	struct erase e;
	int r;

	memset(&e, 0, sizeof(e));
	memset(rep, 0, sizeof(*rep));
	e.f = (cv_fix){ .kind = CV_FIX_ERASE, .id = record_id, .o = o, .rep = rep, .apply = apply_erase,
			.purpose = "record erase: the record's archive rewritten without it" };
	cv_now_iso(e.f.now);
	snprintf(e.day, sizeof(e.day), "%.10s", e.f.now);
	if ((r = cv_fix_begin(v, &e.f, CV_ACT_APPROVE, CV_ACT_APPROVE)) == 0) {
		snprintf(e.who, sizeof(e.who), "%s (erasure)", v->actor);
		r = cv_fix_run(&e.f);
	}
	if (r == 0)
		write_file(v, rep->certificate);
	cv_fix_end(&e.f);
	/* the case's last record erased: its personal data goes too, when it is closed (docs/legal-rules.md §12) */
	if (r == 0 && cv_case_erase_due(v, 0, NULL) < 0)
		cv_notice(v, "the record was erased, but its case's personal data could not be: %s; the next purge "
			  "tries again", cv_vault_errmsg(v));
	return r;
}
