/*
 * casevault - subject access requests (docs/legal-rules.md §1-§6): registering a request,
 * its statutory due date, extensions, the hold on its case, closing it.
 * Decisions on records, redaction and bundles are in disclose.h.
 *
 * A request has an id "REQ-2026-0007" (the year it was received and a
 * running count).  Its dates (received, identity verified, clock start, due,
 * extended due) are administrative dates and stay in clear so that
 * `request list` needs no passphrase; the requester's name and the reasons
 * given for an extension are sealed under the case key.
 *
 * While a request is open its case is held (a hold of kind "request" whose
 * ref is the request id, see retention.h): the purge destroys nothing in
 * the case.  Opening places the hold before the request row is committed
 * and closing releases it after, so a crash in between leaves a case held
 * rather than a request without its hold.
 *
 * Every function returns 0 or a negative CV_E* code with a one-line
 * message on the handle (cv_vault_errmsg) that names ids only.
 */
#ifndef CASEVAULT_REQUEST_H
#define CASEVAULT_REQUEST_H

#include "vault.h"

typedef enum {
	CV_REL_CLIENT = 0,       /* the parent or carer the case is for */
	CV_REL_OTHER_PARENT,     /* the child's other parent, with parental responsibility */
	CV_REL_CHILD,            /* the child or young person themself */
	CV_REL_REPRESENTATIVE    /* someone acting for the client with written authority */
} cv_relationship;

int cv_relationship_parse(cv_relationship *out, const char *s);  /* 0 or CV_EINVAL */
const char *cv_relationship_name(cv_relationship r);

typedef struct {
	const char *case_id;
	const char *requester;      /* the requester's name (sealed) */
	cv_relationship relationship;
	const char *received;       /* YYYY-MM-DD, not in the future */
	const char *id_verified;    /* YYYY-MM-DD or NULL (no check was needed) */
	/*
	 * docs/legal-rules.md §6.  other-parent: the staff member checked that the requester
	 * holds parental responsibility (separation alone is never a reason to
	 * refuse).  representative: the written authority of the client was
	 * checked.  The client's own responsibility was recorded when the case
	 * was opened.
	 */
	int authority_confirmed;
	/*
	 * The right exercised (docs/legal-rules.md LR-18): NULL or "access" for
	 * subject access; "rectification", "erasure", "restriction" or
	 * "objection" for the other rights, on the same clock, which hold no
	 * case.  records: the records the request names, ids separated by
	 * commas (required for a restriction, which restricts them at once,
	 * until lifted with cv_request_lift); each must be in case_id.
	 */
	const char *kind;
	const char *records;
} cv_request_opts;

/*
 * Register a request, work its due date out (docs/legal-rules.md §1-§2, the vault's
 * policies/calendar.ini) and hold its case.  id_out gets "REQ-2026-0001".
 * CV_ENOTFOUND (no such case), CV_EINVAL (bad or future date, empty name,
 * identity verified before receipt), CV_EREFUSED (authority not confirmed,
 * role), CV_EPOLICY (calendar policy broken).
 */
int cv_request_open(cv_vault *v, const cv_request_opts *o, char id_out[24]);

typedef struct {
	char id[24];
	char case_id[24];
	cv_relationship relationship;
	char *requester;            /* NULL unless unsealed */
	char received[11];
	char id_verified[11];       /* "" when none */
	char clock_start[11];
	char due[11];               /* the date in force: extended when extended */
	char original_due[11];
	char extended_due[11];      /* "" when not extended */
	char ext_notified[11];
	char ext_grounds[32];       /* "complex", "several", "complex,several" */
	char *ext_reason;           /* NULL unless unsealed */
	char opened_by[24];
	char opened_at[32];
	char closed_by[24];
	char closed_at[32];         /* "" while open */
	long days_left;             /* due - today; negative when overdue */
	char paused_since[11];      /* "" while the clock runs (docs/legal-rules.md §1) */
	char *pause_reason;         /* NULL unless unsealed */
	char kind[16];              /* "access", "rectification", "erasure", "restriction", "objection" */
} cv_request;

/* One request (unseal: the requester and extension reason, unlocks).  CV_ENOTFOUND. */
int cv_request_get(cv_vault *v, cv_request *out, const char *id, int unseal);
void cv_request_release(cv_request *r);

/* Open requests (all: closed ones too), by due date.  No unlock unless unseal. */
int cv_request_list(cv_vault *v, int all, int unseal, cv_request **out, size_t *n);
void cv_request_list_free(cv_request *list, size_t n);

/*
 * Extend request id (docs/legal-rules.md §3) by cv_calendar_sar_extend: it must be complex
 * or one of several, with a reason (sealed), and the requester told on or
 * before the original due date (notified, not in the future).  due_out gets
 * the new due date.  CV_EREFUSED (conditions unmet: the message lists
 * them; closed; already extended), CV_EINVAL (bad date).
 */
int cv_request_extend(cv_vault *v, const char *id, const char *reason, const char *notified,
		      int complex, int several, char due_out[11]);

/*
 * The clock (docs/legal-rules.md §1).  Pause: the office is waiting for a
 * clarification, an identity check or a fee from date (YYYY-MM-DD, not
 * before the clock start nor in the future); reason is sealed.  Resume: the
 * clock starts again on date as if the request were received that day, and
 * the due date is worked out again (§2).  Verify-id: the requester's
 * identity was verified on date, after registration; the clock start becomes
 * the later of itself and date, the due date moves with it, and a pause
 * (waiting for that check) ends.  due_out gets the new due date.  CV_EREFUSED: closed,
 * extended (an extension fixes the due date), already paused / not paused;
 * CV_EINVAL: bad date.
 */
int cv_request_pause(cv_vault *v, const char *id, const char *reason, const char *date);
int cv_request_resume(cv_vault *v, const char *id, const char *date, char due_out[11]);
int cv_request_verify_id(cv_vault *v, const char *id, const char *date, char due_out[11]);

/*
 * Close request id and release the hold on its case.  Closing a closed
 * request whose hold still stands (a crash between the two) releases it.
 * CV_EREFUSED when already closed and nothing is held.
 */
int cv_request_close(cv_vault *v, const char *id);

/*
 * Lift the restriction request id placed on its records (docs/legal-rules.md
 * LR-18): they may be processed again.  *lifted (may be NULL) gets how many.
 * CV_EREFUSED when it is not a restriction or nothing stands.
 */
int cv_request_lift(cv_vault *v, const char *id, size_t *lifted);

/*
 * The standing restriction on record_id: 1 with the request's id in req
 * (may be NULL), 0 when none, <0 on error.
 */
int cv_record_restricted(cv_vault *v, const char *record_id, char req[24]);

#endif
