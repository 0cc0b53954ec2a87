/*
 * casevault - correcting and erasing single records (docs/legal-rules.md
 * LR-18): a misfiled record moved to the right case, a record's class,
 * title or date corrected, a record erased on a manager's decision.  Each
 * rewrites the record's archive as the purge does (docs/architecture.md,
 * Crash safety), so the old bytes are beyond the vault's keys afterwards.
 */
#ifndef CASEVAULT_CORRECTION_H
#define CASEVAULT_CORRECTION_H

#include "vault.h"

/* What every correction may carry. */
typedef struct {
	const char *reason;      /* why (sealed in the corrections register); required for an erasure */
	const char *request;     /* the rights request it answers (REQ-...), or NULL */
} cv_fix_opts;

/* What a correction did. */
typedef struct {
	char record_id[16];
	char from_case[24], to_case[24];
	long certificate;        /* an erasure's certificate of destruction */
	char certificate_sha256[65];
	int archives_rewritten, archives_erased;
	long correction;         /* its row in the corrections register */
} cv_fix_report;

/*
 * Move record_id into case_id (same section): its bytes re-filed in a new
 * archive of that case, its old archive rewritten without it (or erased
 * when it held nothing else).  Refused under a hold or an open subject
 * access request on the record or its case, or a restriction; between
 * linked cases only a manager may.  CV_ENOTFOUND, CV_EHELD, CV_EREFUSED.
 */
int cv_record_move(cv_vault *v, const char *record_id, const char *case_id, const cv_fix_opts *o,
		   cv_fix_report *rep);

/*
 * Correct record_id's class, title or event date (NULL: unchanged; at
 * least one given), checked as a filing checks them; its archive is
 * rewritten with the corrected manifest and its case's retention dates
 * worked out again.
 */
int cv_record_set(cv_vault *v, const char *record_id, const char *class_name, const char *title,
		  const char *date, const cv_fix_opts *o, cv_fix_report *rep);

/*
 * Erase record_id (a manager; o->reason required): destroyed as the purge
 * destroys, with a signed certificate of destruction.  Refused under a
 * hold or an open subject access request covering it.
 */
int cv_record_erase(cv_vault *v, const char *record_id, const cv_fix_opts *o, cv_fix_report *rep);

#endif
