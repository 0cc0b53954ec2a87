/*
 * casevault - the due-status decision: what becomes of a record that has
 * reached its retention date, worked out from plain facts (no vault, no
 * index), so that the rule of docs/retention.md can be read and tested on
 * its own.
 */
#ifndef CV_RULES_DUE_H
#define CV_RULES_DUE_H

#include "casevault/policy.h"
#include "casevault/retention.h"

/* What is known about one record on the day asked about. */
typedef struct {
	const char *retain_until;  /* "YYYY-MM-DD"; NULL or "" while not known: kept */
	const char *as_of;         /* the day asked about, "YYYY-MM-DD" */
	int class_known;           /* its class is still in the policy */
	int rules_differ;          /* its date came from another policy whose rules for its class differ */
	int held;                  /* a standing hold on it or on its case */
	int review_class;          /* its class asks for a manager's review */
	int approved;              /* a manager approved destruction for this retain_until */
	int approval_held_since;   /* a hold or moratorium stood on it or its case after that approval */
} cv_due_facts;

/*
 * Whether a record dated retain_until ("YYYY-MM-DD"; NULL or "": no date,
 * kept) has reached it on as_of: never before the exact day.  The one
 * comparison the due list, the purge's selection and the status share.
 */
int cv_due_reached(const char *retain_until, const char *as_of);

/*
 * 0 when the record is not due on f->as_of (no date yet, or a later one: a
 * deferred review moves retain_until on); otherwise 1 with *status set:
 * unknown class, then stale, then held, then review (approved or
 * awaiting: an approval is void once a hold or a moratorium has stood on
 * the record since it was given, docs/legal-rules.md §13-§14), else destroy.  CV_DUE_PENDING is never returned here: it is
 * the purge's (cv_due_rewrite_blocked).
 */
int cv_due_decide(const cv_due_facts *f, cv_due_status *status);

/* Whether a record of this status goes in the run (destroy, or approved). */
int cv_due_goes(cv_due_status s);

/* A record that goes but whose archive cannot be rewritten stays, pending. */
cv_due_status cv_due_rewrite_blocked(cv_due_status s);

/* Whether a rule or the ceiling of cls runs from the child's date of birth. */
int cv_class_from_dob(const cv_class *cls);

/* Whether two classes retain by the same rules (trigger and period, in order) and ceiling. */
int cv_class_same_rules(const cv_class *a, const cv_class *b);

#endif
