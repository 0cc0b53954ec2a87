/*
 * casevault - retention dates worked out again when a trigger changes (a
 * case closed, a date of birth corrected, something filed into a case) or
 * the schedule is edited (docs/retention.md, docs/legal-rules.md §14).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/schedule.h"
#include "core/lock.h"
#include "core/actor.h"
#include "core/audit.h"
#include "ops/retention.h"
#include "store/db_cases.h"
#include "store/db_meta.h"
#include "store/db_retention.h"
#include "casevault/staff.h"

/* Sealed facts a class needs: 1 = the child's date of birth, 2 = the event date. */
static int sealed_needs(const cv_class *cls)
{
	size_t k;
	int need = 0;

	for (k = 0; k < cls->nrules; k++) {
		if (cls->rules[k].trigger == CV_TRIG_CHILD_DOB)
			need |= 1;
		if (cls->rules[k].trigger == CV_TRIG_EVENT_DATE)
			need |= 2;
	}
	return need;
}

/* 1 when some trigger of cls is surely unknown (open case, last contact): no date, no unlock. */
static int surely_unknown(const cv_class *cls, int case_closed_known, int has_case)
{
	size_t k;

	for (k = 0; k < cls->nrules; k++) {
		cv_trigger t = cls->rules[k].trigger;
		if (t == CV_TRIG_LAST_CONTACT && !has_case)
			return 1;
		if (t == CV_TRIG_CASE_CLOSED && !case_closed_known)
			return 1;
		if (t == CV_TRIG_CHILD_DOB && !has_case)
			return 1;
	}
	return 0;
}

struct prep {
	cv_vault *v;
	int closed_known, need;
};

static int prepare_row(void *hook, const cv_db_dated *d)
{
	struct prep *p = hook;
	const cv_class *cls = cv_policy_class(p->v->policy, d->class_name);

	if (cls && !surely_unknown(cls, p->closed_known >= 0 ? p->closed_known : d->closed != NULL, d->case_id != NULL))
		p->need |= sealed_needs(cls);
	return 0;
}

int cv_retention_prepare(cv_vault *v, const char *case_id, int closed_known)
{
	struct prep p = { v, closed_known, 0 };
	int r;

	if ((r = cv_db_dated_each(v, case_id, 0, NULL, prepare_row, &p)) < 0)
		return r;
	if (!p.need)
		return 0;
	/* A date of birth is under the case key; event dates under their section's key. */
	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	if ((p.need & 1) && !v->mkey[CV_SECTION_CASE])
		return cv_require_key(v, CV_SECTION_CASE);
	return 0;
}

/* The facts of the last case read, so that a case's records read its date of birth once. */
struct casefacts {
	char id[24];
	int have_dob;
	cv_date dob;
};

static int load_dob(cv_vault *v, const char *case_id, struct casefacts *cf)
{
	char *dob = NULL;
	int r;

	if (!strcmp(cf->id, case_id))
		return 0;
	snprintf(cf->id, sizeof(cf->id), "%s", case_id);
	cf->have_dob = 0;
	if (!v->mkey[CV_SECTION_CASE])
		return 0;
	if ((r = cv_db_case_dob(v, case_id, &dob)) <= 0)
		return r;
	cf->have_dob = cv_date_parse(&cf->dob, dob) == 0;
	explicit_bzero(dob, strlen(dob));
	free(dob);
	return 0;
}

/* Whether cls has a rule running from a trigger in mask (0 = every trigger). */
static int uses_trigger(const cv_class *cls, unsigned mask)
{
	size_t k;

	if (!mask)
		return 1;
	for (k = 0; k < cls->nrules; k++)
		if (mask & (1u << cls->rules[k].trigger))
			return 1;
	return 0;
}

struct recompute {
	cv_vault *v;
	unsigned trig_mask;
	const char *hash;
	struct casefacts cf;
	size_t *changed, *pending;
};

/* The dates a record's rules run from; *miss when a sealed one cannot be opened. */
static int record_facts(struct recompute *rc, const cv_db_dated *d, const cv_class *cls, cv_retention_facts *f,
			cv_date dates[5], int *miss)
{
	cv_vault *v = rc->v;
	int r, need = sealed_needs(cls);
	char b[11], *evs = NULL;

	snprintf(b, sizeof(b), "%.10s", d->filed_at);  /* the day of filed_at */
	if (cv_date_parse(&dates[0], b) == 0)
		f->filed = &dates[0];
	if (d->closed && cv_date_parse(&dates[1], d->closed) == 0)
		f->case_closed = &dates[1];
	if (d->last_contact && cv_date_parse(&dates[2], d->last_contact) == 0)
		f->last_contact = &dates[2];
	if (need & 1) {
		if ((r = load_dob(v, d->case_id, &rc->cf)) < 0)
			return r;
		if (rc->cf.have_dob)
			f->child_dob = &rc->cf.dob;
		else
			*miss = 1;
	}
	if (need & 2) {
		if (!v->mkey[d->section]) {
			*miss = 1;
			return 0;
		}
		if ((r = cv_db_event_date(v, d->id, d->section, &evs)) < 0)
			return r;
		if (cv_date_parse(&dates[3], evs) == 0)
			f->event_date = &dates[3];
		free(evs);
	}
	return 0;
}

/* The record's new date ("" when not known), never before a deferral's. */
static int new_date(struct recompute *rc, const cv_db_dated *d, const cv_class *cls, char newd[11])
{
	cv_retention_facts f = { NULL, NULL, NULL, NULL, NULL };
	cv_date dates[5];
	char floor[11];
	int r, miss = 0;

	newd[0] = '\0';
	if (!surely_unknown(cls, d->closed != NULL, d->case_id != NULL)) {
		if ((r = record_facts(rc, d, cls, &f, dates, &miss)) < 0)
			return r;
		if (!miss && cv_retention_date(&dates[4], cls, &f) == 0)
			cv_date_format(&dates[4], newd);
		if (miss && rc->pending)
			(*rc->pending)++;
	}
	if (newd[0]) {
		if ((r = cv_db_defer_floor(rc->v, d->id, floor)) < 0)
			return r;
		if (floor[0] && strcmp(floor, newd) > 0)
			memcpy(newd, floor, 11);
	}
	return 0;
}

static int recompute_row(void *hook, const cv_db_dated *d)
{
	struct recompute *rc = hook;
	const cv_class *cls = cv_policy_class(rc->v->policy, d->class_name);
	char newd[11];
	int r;

	if (!cls || !uses_trigger(cls, rc->trig_mask))
		return 0;  /* unknown class (never due) or a date this change cannot move */
	if ((r = new_date(rc, d, cls, newd)) < 0)
		return r;
	if (strcmp(newd, d->retain_until) == 0 && strcmp(rc->hash, d->policy_hash) == 0)
		return 0;
	if (rc->changed && strcmp(newd, d->retain_until))
		(*rc->changed)++;
	return cv_db_retention_set(rc->v, d->id, newd, rc->hash);
}

int cv_retention_recompute_tx(cv_vault *v, const char *case_id, unsigned trig_mask, size_t *changed, size_t *pending)
{
	struct recompute rc;
	int r;

	memset(&rc, 0, sizeof(rc));
	rc.v = v;
	rc.trig_mask = trig_mask;
	rc.hash = cv_policy_hash(v->policy);
	rc.changed = changed;
	rc.pending = pending;
	if (changed)
		*changed = 0;
	if (pending)
		*pending = 0;
	/* the dates are sealed under the schedule key; an older vault's clear ones are sealed now */
	if ((r = cv_schedule_ensure(v)) < 0)
		return r;
	r = cv_db_dated_each(v, case_id, 1, "read the records", recompute_row, &rc);
	explicit_bzero(&rc.cf, sizeof(rc.cf));
	return r;
}

/*
 * A vault dated before quarter dates marks it in meta (store/index.c,
 * migration 10); a full recompute that re-dated every record clears it.
 */
#define DOB_EXACT_KEY "retention.dob-exact"

int cv_retention_dob_exact(cv_vault *v)
{
	char val[8];
	int r = cv_db_meta_get(v, DOB_EXACT_KEY, val, sizeof(val));

	return r < 0 ? r : r > 0 && !strcmp(val, "1");
}

struct recompute_all {
	const char *case_id;
	size_t *changed, *pending;
};

static int recompute_all_tx(cv_vault *v, void *arg)
{
	struct recompute_all *a = arg;
	size_t pending = 0;
	int r;

	/* new destruction dates are a manager's decision: answerable like one */
	if ((r = cv_retention_recompute_tx(v, a->case_id, 0, a->changed, &pending)) < 0)
		return r;
	if (a->pending)
		*a->pending = pending;
	/* every record re-dated: none can still carry an exact date from a birth */
	if (!a->case_id && !pending && (r = cv_retention_dob_exact(v)) != 0 &&
	    (r < 0 || (r = cv_db_meta_set(v, DOB_EXACT_KEY, "0", 1, "record that every date was worked out again")) < 0))
		return r;
	return cv_audit(v, "retention.recompute", 0, a->case_id);
}

/* An adopted deposit is a contact with the family, as a filing is (core/deposit.c). */
static int adopted_contact(cv_vault *v, const char *case_id)
{
	return cv_retention_recompute_tx(v, case_id, 1u << CV_TRIG_LAST_CONTACT, NULL, NULL);
}

void cv_retention_follow_deposits(cv_vault *v)
{
	v->adopt_hook = adopted_contact;
}

int cv_retention_recompute(cv_vault *v, const char *case_id, size_t *changed, size_t *pending)
{
	struct recompute_all a = { case_id, changed, pending };
	int r;

	/*
	 * Applying an edited schedule to records already filed can bring their
	 * destruction forward: a manager's decision (docs/legal-rules.md §14), like an approval.
	 * Closing a case or correcting a date of birth still works the case's
	 * dates out under the current policy on its own (cv_retention_recompute_tx).
	 */
	if ((r = cv_authorize(v, CV_ACT_APPROVE, case_id)) < 0)
		return r;

	if (case_id && (r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if ((r = cv_retention_prepare(v, case_id, -1)) < 0)
		return r;
	return cv_vault_write_tx(v, recompute_all_tx, &a);
}
