/*
 * casevault - sharing with a family's consent (docs/legal-rules.md §15,
 * §17): an encrypted bundle made by the subject access bundle's machinery
 * (neutral names, an index, third parties redacted, the fail-closed check),
 * only under a valid consent that covers the recipient or the purpose.
 * Child-protection records never go this way (§16).
 */
#ifndef CASEVAULT_SHARE_H
#define CASEVAULT_SHARE_H

#include "disclose.h"

typedef struct {
	const char *case_id;
	const char *recipient;   /* at least one of recipient and purpose */
	const char *purpose;
	const char *records;     /* record ids separated by commas or spaces; NULL: every case-file record */
	cv_bundle_opts out;      /* the output file, and the OpenPGP recipient key for that form */
} cv_share_opts;

/*
 * Share: CV_EREFUSED naming what is missing when no valid consent covers
 * the recipient or purpose (none, expired, withdrawn, out of scope), or a
 * record named is not in the case file.  *consent_out: the consent relied
 * on, named in the audit event "share" with the records shared.
 */
int cv_share(cv_vault *v, const cv_share_opts *o, cv_bundle_result *res, long *consent_out);

#endif
