/*
 * casevault - retention: holds, the due list, review decisions, retention
 * dates worked out again when a trigger changes, the purge (cryptographic
 * erase) and certificates of destruction.  See docs/retention.md.
 *
 * What stays in clear in the index (so that the scheduled purge needs no
 * passphrase): every record's retain_until date (NULL = not known yet: the
 * record is kept), the hash of the policy that computed it, holds (kind,
 * target, who, when; the reason is sealed), review decisions (the reason is
 * sealed) and the certificates.
 *
 * Every function returns 0 or a negative CV_E* code with a one-line message
 * on the handle (cv_vault_errmsg).
 */
#ifndef CASEVAULT_RETENTION_H
#define CASEVAULT_RETENTION_H

#include <stdint.h>
#include "vault.h"

/* ---- holds ---- */

typedef enum {
	CV_HOLD_HOLD = 0,       /* an ordinary legal or management hold */
	CV_HOLD_MORATORIUM,     /* docs/legal-rules.md §13: IICSA moratorium flag */
	CV_HOLD_REQUEST         /* an open subject access request (ref = its id) */
} cv_hold_kind;

const char *cv_hold_kind_name(cv_hold_kind k);   /* "hold", "moratorium", "request" */

typedef struct {
	long id;
	cv_hold_kind kind;
	char case_id[24];       /* the case held, or the held record's case ("" for none) */
	char record_id[24];     /* "" when the whole case is held */
	char ref[64];           /* e.g. the request id; "" when none */
	char *reason;           /* NULL unless unsealed (cv_hold_list with unseal) */
	char placed_by[24];
	char placed_at[32];
	char released_by[24];   /* "" while the hold stands */
	char released_at[32];
} cv_hold;

/*
 * Place a hold on target: a case id ("C-...") holds every record of the
 * case, a record id ("R-...") that record.  reason is required for holds
 * and moratoria (it is sealed: it may hold personal data; placing one
 * unlocks the vault); ref names what placed it (a request id) and may be
 * NULL.  *id_out gets the new hold's id.  CV_ENOTFOUND (no such case or
 * record), CV_EINVAL (no reason, bad target).
 */
int cv_hold_place(cv_vault *v, cv_hold_kind kind, const char *target, const char *reason,
		  const char *ref, long *id_out);

/* Release hold id.  CV_ENOTFOUND, CV_EREFUSED (already released). */
int cv_hold_release(cv_vault *v, long id);

/* Release every standing hold of this kind with this ref (a closed request). */
int cv_hold_release_ref(cv_vault *v, cv_hold_kind kind, const char *ref, size_t *released);

/*
 * List holds (standing ones only unless all is set), newest first.  With
 * unseal the reasons are decrypted (unlocks; a reason under a section key
 * the actor lacks stays NULL).  Free with cv_hold_list_free.
 */
int cv_hold_list(cv_vault *v, int all, int unseal, cv_hold **out, size_t *n);
void cv_hold_list_free(cv_hold *list, size_t n);

/*
 * Whether record_id is held (by a hold on it or on its case).  Returns 1
 * and fills *by (may be NULL) with the first standing hold, 0 when not
 * held, or a negative code.  No unlock.
 */
int cv_hold_check(cv_vault *v, const char *record_id, cv_hold *by);

/* ---- the due list and the purge ---- */

typedef enum {
	CV_DUE_DESTROY = 0,     /* due, not held: the purge destroys it */
	CV_DUE_HELD,            /* due but held (hold, moratorium, request) */
	CV_DUE_REVIEW,          /* review class, due, awaits a manager's approval */
	CV_DUE_APPROVED,        /* review class, approved: the purge destroys it */
	CV_DUE_STALE,           /* its date came from another schedule whose rule differs: recompute */
	CV_DUE_UNKNOWN_CLASS,   /* its class is not in the policy any more: kept */
	CV_DUE_PENDING          /* would need an archive rewrite and no unlock was available */
} cv_due_status;

const char *cv_due_status_name(cv_due_status s);

typedef struct {
	char id[24];
	char case_id[24];        /* "" for none */
	cv_section section;
	char class_name[64];
	char filed_at[32];
	char retain_until[11];
	char policy_hash[65];
	cv_due_status status;
	cv_hold hold;            /* the hold, when status is CV_DUE_HELD (reason NULL) */
	char approved_by[24];    /* when status is CV_DUE_APPROVED */
	char archive[64];        /* archive file */
	int64_t archive_id;
	int whole;               /* every record of its archive goes: no rewrite needed */
} cv_due;

/*
 * Records whose retention date is on or before as_of (NULL = today), with
 * what the purge would do to each.  No unlock.  Free with cv_due_list_free.
 */
int cv_retention_due(cv_vault *v, const char *as_of, cv_due **out, size_t *n);
void cv_due_list_free(cv_due *list, size_t n);

/* ---- review ---- */

/* Review-class records that are due on as_of (awaiting or approved). */
int cv_review_list(cv_vault *v, const char *as_of, cv_due **out, size_t *n);

/*
 * Approve destruction of a due review-class record (manager only; unlocks
 * to identify the approver).  The approval holds for the record's current
 * retention date only.  CV_EREFUSED when it is not a review class, not due
 * yet or the actor is not a manager.
 */
int cv_review_approve(cv_vault *v, const char *record_id);

/*
 * Keep a review-class record until a later date, with a reason (sealed).
 * The date becomes a floor: a later recomputation never brings it earlier.
 */
int cv_review_defer(cv_vault *v, const char *record_id, const char *until, const char *reason);

/* ---- retention dates ---- */

/*
 * Work out the retention dates of every record of case_id (NULL = every
 * record in the vault) again under the current policy.  Unlocks as needed
 * (dates of birth and event dates are sealed).  *changed counts the dates
 * that changed; *pending the records left without a date because the actor
 * does not hold their section's key.
 */
int cv_retention_recompute(cv_vault *v, const char *case_id, size_t *changed, size_t *pending);
/*
 * Let this handle adopt volunteers' deposits: an adoption (at a key
 * holder's unlock) moves its case's last contact, and the dates that run
 * from it, as a filing does.  A front end calls it after cv_vault_open;
 * without it deposits wait.
 */
void cv_retention_follow_deposits(cv_vault *v);

/*
 * Adopt the policy files in VAULT/policies as the vault's schedule (managers
 * only, proven by their key; an audit event names the new hash).  Until then
 * a change to the files is not used.  old_hash and new_hash get the policy
 * hashes before and after (equal when the files hold the adopted policy
 * already: nothing is written).  CV_EPOLICY when the files are invalid.
 */
int cv_policy_adopt(cv_vault *v, char old_hash[80], char new_hash[80]);

#endif
