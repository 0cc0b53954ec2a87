/*
 * casevault - retention: the day asked about, the due list and what the
 * purge would do to each record due.  Holds are in holds.c, review
 * decisions in review.c, retention dates worked out again in recompute.c;
 * the purge itself in purge.c and certificates in certificates.c.
 *
 * Which status a due record gets is rules/due.c's decision (cv_due_decide),
 * from facts this file reads from the index.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/schedule.h"
#include "core/actor.h"
#include "core/adopted.h"
#include "core/authz.h"
#include "core/lock.h"
#include "ops/retention.h"
#include "rules/due.h"
#include "store/db_holds.h"
#include "store/db_limitation.h"
#include "store/db_retention.h"
#include "store/index.h"
#include "casevault/staff.h"

const char *cv_due_status_name(cv_due_status s)
{
	static const char *const names[] = {
		"due", "held", "awaiting-review", "approved", "stale", "unknown-class", "pending-rewrite"
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int cv_retention_as_of(cv_vault *v, const char *as_of, int allow_future, char out[11])
{
	cv_date today, d;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	d = today;
	if (as_of && cv_date_parse(&d, as_of) < 0)
		return cv_error(v, CV_EINVAL, "the date '%s' is not a real date written YYYY-MM-DD", as_of);
	cv_date_format(&d, out);
	if (!allow_future && cv_date_cmp(&d, &today) > 0)
		return cv_error(v, CV_EREFUSED, "--as-of %s is in the future: nothing is destroyed before its date (use --dry-run to see what will fall due)", out);
	return 0;
}

/* "TRIGGER + PERIOD" appended at out + *used, after sep. */
static void rule_text(const cv_retention_rule *ru, const char *sep, char *out, size_t len, size_t *used)
{
	char per[48];
	int n = 0;

	per[0] = '\0';
	if (ru->years)
		n += snprintf(per + n, sizeof(per) - (size_t)n, "%dy", ru->years);
	if (ru->months)
		n += snprintf(per + n, sizeof(per) - (size_t)n, "%dm", ru->months);
	if (ru->days || n == 0)
		snprintf(per + n, sizeof(per) - (size_t)n, "%dd", ru->days);
	if (*used < len)
		*used += (size_t)snprintf(out + *used, len - *used, "%s%s + %s", sep, cv_trigger_name(ru->trigger), per);
}

void cv_rules_text(const cv_class *cls, char *out, size_t len)
{
	size_t k, used = 0;

	out[0] = '\0';
	for (k = 0; cls && k < cls->nrules; k++)
		rule_text(&cls->rules[k], k ? "; " : "", out, len, &used);
	if (cls && cls->has_ceiling)
		rule_text(&cls->ceiling, "; at most ", out, len, &used);
}

/*
 * The facts of one due record and its status.  The index is asked only
 * for what can still change the outcome: no hold is looked up for a
 * record kept anyway (unknown class, stale), no approval for one held.
 */
static int due_status(cv_vault *v, cv_polcache *pc, const char *as_of, int dob_exact, cv_due *d)
{
	const cv_class *cls = cv_policy_class(v->policy, d->class_name);
	cv_due_facts f = { d->retain_until, as_of, cls != NULL, 0, 0, 0, 0, 0 };
	int r;

	if (cls && strcmp(d->policy_hash, cv_policy_hash(v->policy))) {
		const cv_policy *op = cv_polcache_get(v, pc, d->policy_hash);

		f.rules_differ = !cv_class_same_rules(op ? cv_policy_class(op, d->class_name) : NULL, cls);
	}
	/* an exact date from a birth would date it: kept, stale, until a recompute */
	if (dob_exact && cv_class_from_dob(cls))
		f.rules_differ = 1;
	if (f.class_known && !f.rules_differ) {
		if ((r = cv_db_hold_find(v, d->id, d->case_id, &d->hold)) < 0)
			return r;
		f.held = r;
	}
	f.review_class = cls && cls->action == CV_ACTION_REVIEW;
	if (f.class_known && !f.rules_differ && !f.held && f.review_class) {
		if ((r = cv_db_review_approver(v, d->id, d->retain_until, d->approved_by)) < 0)
			return r;
		f.approved = r;
		if (f.approved && (r = cv_db_held_since_approval(v, d->id, d->case_id)) < 0)
			return r;
		f.approval_held_since = f.approved && r;
	}
	/* the index listed it as due on as_of: its text date is on or before as_of */
	cv_due_decide(&f, &d->status);
	return 0;
}

/* Whole archives: every record of the archive goes in this run. */
static int mark_whole(cv_vault *v, cv_due *list, size_t nl)
{
	size_t i, j, k;
	int r;

	for (i = 0; i < nl; i = j) {
		size_t going = 0;
		int64_t total;

		for (j = i; j < nl && list[j].archive_id == list[i].archive_id; j++)
			if (cv_due_goes(list[j].status))
				going++;
		if ((r = cv_db_archive_count(v, list[i].archive_id, &total)) < 0)
			return r;
		for (k = i; k < j; k++)
			list[k].whole = (int64_t)going == total;
	}
	return 0;
}

/* Each record's status, then whether its whole archive goes. */
static int plan_status(cv_vault *v, cv_polcache *pc, const char *as_of, cv_due *list, size_t nl)
{
	size_t i;
	int r, dob_exact = nl ? cv_retention_dob_exact(v) : 0;

	if (dob_exact < 0)
		return dob_exact;
	for (i = 0; i < nl; i++)
		if ((r = due_status(v, pc, as_of, dob_exact, &list[i])) < 0)
			return r;
	return mark_whole(v, list, nl);
}

int cv_retention_plan(cv_vault *v, const char *as_of, cv_polcache *pc, cv_due **out, size_t *n)
{
	cv_due *list = NULL;
	size_t nl = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_db_due_list(v, as_of, &list, &nl)) < 0)
		return r;
	if ((r = plan_status(v, pc, as_of, list, nl)) < 0) {
		free(list);
		return r;
	}
	*out = list;
	*n = nl;
	return 0;
}

/* Archives i to *j - 1 of the list: about CV_PLAN_CHUNK records due, at least one archive. */
static size_t chunk_end(const cv_db_due_archive *a, size_t na, size_t i)
{
	int64_t sum = 0;
	size_t j;

	for (j = i; j < na && (j == i || sum + a[j].due <= CV_PLAN_CHUNK); j++)
		sum += a[j].due;
	return j;
}

int cv_retention_plan_each(cv_vault *v, const char *as_of, cv_polcache *pc, cv_plan_chunk_fn fn, void *hook)
{
	cv_db_due_archive *a = NULL;
	size_t na = 0, i, j;
	int r;

	/* one row per archive, not per record: the walk holds one chunk of records */
	if ((r = cv_db_due_archives(v, as_of, &a, &na)) < 0)
		return r;
	for (i = 0; r == 0 && i < na; i = j) {
		cv_due *list = NULL;
		size_t nl = 0;

		j = chunk_end(a, na, i);
		if ((r = cv_db_due_range(v, as_of, a[i].id, a[j - 1].id, &list, &nl)) < 0)
			break;
		if ((r = plan_status(v, pc, as_of, list, nl)) == 0 && nl)
			r = fn(hook, list, nl);
		free(list);
	}
	free(a);
	return r;
}

int cv_retention_due(cv_vault *v, const char *as_of, cv_due **out, size_t *n)
{
	cv_polcache pc = CV_POLCACHE_INIT;
	char day[11];
	int r;
	if ((r = cv_authorize(v, CV_ACT_LIST, NULL)) < 0)
		return r;

	*out = NULL;
	*n = 0;
	if ((r = cv_retention_as_of(v, as_of, 1, day)) < 0 || (r = cv_schedule_require(v, 1)) < 0)
		return r;
	r = cv_retention_plan(v, day, &pc, out, n);
	cv_polcache_release(&pc);
	/* a caseworker sees the records of their cases only (docs/security.md, Case assignment) */
	if (r == 0 && (r = cv_authz_keep_visible(v, *out, sizeof(**out), offsetof(cv_due, case_id), n, NULL)) < 0) {
		cv_due_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

void cv_due_list_free(cv_due *list, size_t n)
{
	(void)n;
	free(list);
}
