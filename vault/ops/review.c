/*
 * casevault - review decisions: a record of a review class is destroyed
 * only once a manager approves it for its current retention date, or kept
 * to a later date with a reason (docs/legal-rules.md §14, docs/retention.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/schedule.h"
#include "core/lock.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "ops/retention.h"
#include "store/db_retention.h"
#include "casevault/staff.h"

int cv_review_list(cv_vault *v, const char *as_of, cv_due **out, size_t *n)
{
	cv_due *all = NULL;
	size_t na = 0, i, k = 0;
	int r;

	if ((r = cv_retention_due(v, as_of, &all, &na)) < 0)
		return r;
	for (i = 0; i < na; i++) {
		const cv_class *cls = cv_policy_class(v->policy, all[i].class_name);
		if (cls && cls->action == CV_ACTION_REVIEW)
			all[k++] = all[i];
	}
	*out = all;
	*n = k;
	return 0;
}

/* A due review-class record, for a decision.  Fills section and retain_until. */
static int review_target(cv_vault *v, const char *record_id, int must_be_due, cv_section *sec, char retain[11],
			 char case_id[24], const cv_class **clsp)
{
	const cv_class *cls;
	char today[11], cls_name[64];
	int r;

	if ((r = cv_retention_as_of(v, NULL, 0, today)) < 0 || (r = cv_schedule_require(v, 1)) < 0)
		return r;
	if ((r = cv_db_review_record(v, record_id, cls_name, sec, retain, case_id)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault", record_id);
	cls = cv_policy_class(v->policy, cls_name);
	if (!cls || cls->action != CV_ACTION_REVIEW)
		return cv_error(v, CV_EREFUSED, "record %s is of class '%s', which is not reviewed: it is destroyed on its date by the schedule",
				record_id, cls_name);
	*clsp = cls;
	if (must_be_due && (!retain[0] || strcmp(retain, today) > 0))
		return cv_error(v, CV_EREFUSED, "record %s is not due for review yet (%s); a decision can be made once it is due",
				record_id, retain[0] ? retain : "no retention date yet");
	return 0;
}

static int require_manager(cv_vault *v, const char *what)
{
	/* Signing off destruction or keeping a record longer is a manager's (docs/legal-rules.md §14). */
	if (strcmp(v->actor_role, "manager"))
		return cv_error(v, CV_EREFUSED, "only a manager may %s (%s is a %s)", what, v->actor, v->actor_role);
	return 0;
}

/* A decision and its audit event (review.approve, review.defer): both or neither. */
struct decision {
	const char *record_id;
	cv_section sec;
	const char *decision, *retain, *until, *reason, *event;
};

static int decide_tx(cv_vault *v, void *arg)
{
	const struct decision *d = arg;
	char now[32];
	int r;

	cv_now_iso(now);
	if ((r = cv_schedule_ensure(v)) < 0 ||
	    (r = cv_db_review_insert(v, d->record_id, d->sec, d->decision, d->retain, d->until, d->reason, now)) < 0)
		return r;
	return cv_audit(v, d->event, 0, d->record_id);
}

int cv_review_approve(cv_vault *v, const char *record_id)
{
	const cv_class *cls;
	cv_section sec;
	char retain[11], case_id[24];
	int r;
	if ((r = cv_authorize(v, CV_ACT_APPROVE, record_id)) < 0)
		return r;

	if ((r = review_target(v, record_id, 1, &sec, retain, case_id, &cls)) < 0)
		return r;
	/* The approver proves who they are by unlocking. */
	if ((r = cv_require_key(v, sec)) < 0)
		return r;
	if ((r = require_manager(v, "approve the destruction of a record")) < 0)
		return r;
	{
		struct decision d = { record_id, sec, "approve", retain, NULL, NULL, "review.approve" };
		return cv_vault_write_tx(v, decide_tx, &d);
	}
}

/*
 * A deferral never keeps a record past its class's ceiling (SEN/EHCP
 * material: never past the date of birth + 31 years, docs/legal-rules.md
 * §12), moved to its quarter's first day as the schedule moves it.  The
 * shipped ceilings run from the date of birth; a ceiling with another
 * trigger is not checked here.
 */
static int within_ceiling(cv_vault *v, const char *record_id, const cv_class *cls, const char *case_id,
			  const cv_date *until)
{
	cv_retention_facts f = { NULL, NULL, NULL, NULL, NULL };
	cv_date dob, last;
	char *s = NULL, ls[11];
	int r, known;

	if (!cls->has_ceiling || cls->ceiling.trigger != CV_TRIG_CHILD_DOB || !case_id[0])
		return 0;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0 || (r = cv_db_case_dob(v, case_id, &s)) < 0)
		return r;
	known = r > 0 && cv_date_parse(&dob, s) == 0;
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
	f.child_dob = &dob;
	if (!known || cv_retention_ceiling(&last, cls, &f) < 0 || cv_date_cmp(until, &last) <= 0)
		return 0;
	cv_date_format(&last, ls);
	return cv_error(v, CV_EREFUSED, "record %s is of class '%s', which is kept at most until %s (docs/legal-rules.md "
			"§12): choose that day or earlier, or approve its destruction", record_id, cls->name, ls);
}

int cv_review_defer(cv_vault *v, const char *record_id, const char *until, const char *reason)
{
	const cv_class *cls;
	cv_section sec;
	cv_date d, today;
	char retain[11], ds[11], case_id[24];
	int r;
	if ((r = cv_authorize(v, CV_ACT_APPROVE, record_id)) < 0)
		return r;

	if (!until || cv_date_parse(&d, until) < 0)
		return cv_error(v, CV_EINVAL, "the new date must be a real date written YYYY-MM-DD");
	if (!reason || !*reason || strlen(reason) > 2000 || strpbrk(reason, "\r\n\t"))
		return cv_error(v, CV_EINVAL, "a new review date needs a one-line reason (--reason R)");
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (cv_date_cmp(&d, &today) <= 0)
		return cv_error(v, CV_EINVAL, "the new review date must be after today");
	cv_date_format(&d, ds);
	if ((r = review_target(v, record_id, 0, &sec, retain, case_id, &cls)) < 0 ||
	    (r = within_ceiling(v, record_id, cls, case_id, &d)) < 0)
		return r;
	if (retain[0] && strcmp(ds, retain) <= 0)
		return cv_error(v, CV_EINVAL, "record %s is already kept until %s; choose a later date", record_id, retain);
	if ((r = cv_require_key(v, sec)) < 0)
		return r;
	if ((r = require_manager(v, "set a new review date")) < 0)
		return r;
	{
		struct decision dd = { record_id, sec, "defer", retain[0] ? retain : "", ds, reason, "review.defer" };
		return cv_vault_write_tx(v, decide_tx, &dd);
	}
}
