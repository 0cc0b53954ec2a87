/*
 * casevault - verify's checks on keys (verify_keys.c): revoked staff's
 * secret keys, receipts' signer keys, keyslips, sealed columns and the
 * vault's gpg.conf; and the one way verify records a problem.
 */
#ifndef CV_OPS_VERIFY_KEYS_H
#define CV_OPS_VERIFY_KEYS_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/record.h"

/* Append one problem (what is affected, what is wrong) to rep. */
void cv_verify_add_problem(cv_verify_report *rep, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * When the public key of the staff member receipt_id names is gone from the
 * vault's keyring: 1, and msg says "signer key missing" and whose; else 0.
 * A receipt whose check failed is reported with it rather than as a bad
 * signature (for verify and for get).
 */
int cv_verify_signer_missing(cv_vault *v, long long receipt_id, char *msg, size_t msglen);
/* The checks on keys, keyslips, sealed columns and gpg.conf, for what the caller's role holds. */
void cv_verify_keys(cv_vault *v, cv_verify_report *rep);

#endif
