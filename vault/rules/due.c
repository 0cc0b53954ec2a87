/*
 * casevault - the due-status decision (due.h).
 *
 * A record is due when its retain_until (sealed under the schedule key,
 * opened by the store) is on or before the day
 * asked about.  It is then, in this order:
 *   - kept, if its class is no longer in the policy (unknown class);
 *   - kept, if its date was computed under another policy version whose
 *     rules for its class differ from today's (stale: recompute first, since
 *     the new schedule may keep it longer);
 *   - kept, if a standing hold is on it or on its case (hold, moratorium,
 *     open subject access request, docs/legal-rules.md §4 and §13);
 *   - for a review class, kept until a manager approves (the approval is
 *     tied to the retention date it approved, docs/legal-rules.md §14);
 *   - otherwise destroyed by the next purge.
 */
#include <string.h>

#include "rules/due.h"

int cv_due_reached(const char *retain_until, const char *as_of)
{
	/* dates are YYYY-MM-DD: their text order is their calendar order */
	return retain_until && retain_until[0] && as_of && strcmp(retain_until, as_of) <= 0;
}

int cv_due_decide(const cv_due_facts *f, cv_due_status *status)
{
	if (!cv_due_reached(f->retain_until, f->as_of))
		return 0;
	if (!f->class_known)
		*status = CV_DUE_UNKNOWN_CLASS;
	else if (f->rules_differ)
		*status = CV_DUE_STALE;
	else if (f->held)
		*status = CV_DUE_HELD;
	else if (f->review_class)
		/* a hold or moratorium since the approval needs a fresh review (docs/legal-rules.md §13) */
		*status = f->approved && !f->approval_held_since ? CV_DUE_APPROVED : CV_DUE_REVIEW;
	else
		*status = CV_DUE_DESTROY;
	return 1;
}

int cv_due_goes(cv_due_status s)
{
	return s == CV_DUE_DESTROY || s == CV_DUE_APPROVED;
}

cv_due_status cv_due_rewrite_blocked(cv_due_status s)
{
	return cv_due_goes(s) ? CV_DUE_PENDING : s;
}

int cv_class_from_dob(const cv_class *cls)
{
	size_t k;

	if (!cls)
		return 0;
	for (k = 0; k < cls->nrules; k++)
		if (cls->rules[k].trigger == CV_TRIG_CHILD_DOB)
			return 1;
	return cls->has_ceiling && cls->ceiling.trigger == CV_TRIG_CHILD_DOB;
}

static int same_rule(const cv_retention_rule *a, const cv_retention_rule *b)
{
	return a->trigger == b->trigger && a->years == b->years && a->months == b->months && a->days == b->days;
}

int cv_class_same_rules(const cv_class *a, const cv_class *b)
{
	size_t k;

	if (!a || !b || a->nrules != b->nrules || a->has_ceiling != b->has_ceiling)
		return 0;
	if (a->has_ceiling && !same_rule(&a->ceiling, &b->ceiling))
		return 0;
	for (k = 0; k < a->nrules; k++)
		if (!same_rule(&a->rules[k], &b->rules[k]))
			return 0;
	return 1;
}
