/*
 * casevault - the consent register (docs/legal-rules.md §15): oral consent
 * noted on the contact log or a written form filed as a record, scoped to
 * one recipient or one purpose, reviewed 12 months after it was given (the
 * office policy's renewed permissions form), withdrawn when the family says
 * so.  A young person over compulsory school age consents for themselves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/lock.h"
#include "ops/case.h"
#include "ops/consent.h"
#include "ops/requtil.h"
#include "store/db_cases.h"
#include "store/db_consent.h"
#include "casevault/case.h"
#include "casevault/consent.h"
#include "casevault/staff.h"

const char *cv_consent_status(const cv_consent *c, const cv_date *today)
{
	cv_date due;

	if (c->withdrawn[0])
		return "withdrawn";
	if (cv_date_parse(&due, c->review_due) < 0 || cv_date_cmp(today, &due) > 0)
		return "expired";
	return "valid";
}

/*
 * The last day of compulsory school age in England: the last Friday in
 * June of the school year (1 September to 31 August) in which the child
 * turns 16 (Education Act 1996 s.8).
 */
static void school_age_ends(const cv_date *dob, cv_date *out)
{
	cv_date sixteen;

	cv_date_add_years_later(&sixteen, dob, 16);
	out->y = sixteen.m >= 9 ? sixteen.y + 1 : sixteen.y;
	out->m = 6;
	out->d = 30;
	while (cv_date_weekday(out) != 4)
		out->d--;
}

/* Who consents on given (the child's date of birth decides): 1 for the young person, 0 for the parent. */
static int young_person_consents(cv_vault *v, const char *case_id, const cv_date *given, int *yp)
{
	cv_case c;
	cv_date dob, end;
	int r;

	if ((r = cv_case_fetch(v, &c, case_id, 1)) < 0)
		return r;
	r = cv_date_parse(&dob, c.child_dob);
	cv_case_release(&c);
	if (r < 0)
		return cv_error(v, CV_ECORRUPT, "case %s has no readable date of birth", case_id);
	school_age_ends(&dob, &end);
	*yp = cv_date_cmp(given, &end) > 0;
	return 0;
}

/* --by against the child's age: a young person over compulsory school age consents for themselves. */
static int check_by(cv_vault *v, const cv_consent_opts *o, const cv_date *given, cv_consent *c)
{
	int yp = 0, r;

	if ((r = young_person_consents(v, o->case_id, given, &yp)) < 0)
		return r;
	if (o->by && strcmp(o->by, "parent") && strcmp(o->by, "young-person"))
		return cv_error(v, CV_EINVAL, "--by must be parent or young-person");
	if (o->by && !strcmp(o->by, "parent") && yp)
		return cv_error(v, CV_EREFUSED, "the child of case %s is over compulsory school age on %s and consents for "
				"themselves (docs/legal-rules.md LR-15): record it with --by young-person", o->case_id, c->given);
	if (o->by && !strcmp(o->by, "young-person") && !yp)
		return cv_error(v, CV_EREFUSED, "the child of case %s is of compulsory school age on %s: the parent consents "
				"(docs/legal-rules.md LR-15); record it with --by parent", o->case_id, c->given);
	snprintf(c->given_by, sizeof(c->given_by), "%s", yp ? "young-person" : "parent");
	return 0;
}

/* The options as a consent row: scope, how, dates; without the child's age (check_by). */
static int fill_consent(cv_vault *v, const cv_consent_opts *o, cv_consent *c, cv_date *given)
{
	cv_date today, due;
	int r;

	if (!o->recipient == !o->purpose)
		return cv_error(v, CV_EINVAL, "a consent covers one recipient (--to) or one purpose (--purpose): give one of them");
	if (!cv_text_one_line(o->recipient ? o->recipient : o->purpose, 200))
		return cv_error(v, CV_EINVAL, "the recipient or purpose is empty, too long or holds control characters");
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	*given = today;
	if (o->given && cv_date_parse(given, o->given) < 0)
		return cv_error(v, CV_EINVAL, "--given must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(given, &today) > 0)
		return cv_error(v, CV_EINVAL, "--given is in the future; give the day the consent was given");
	if ((r = cv_db_case_exists(v, o->case_id)) < 0)
		return r;
	if (o->written && (r = cv_db_consent_form_ok(v, o->written, o->case_id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "record %s is not in the case file of %s; file the signed "
					    "form first ('casevault file %s FORM --class consent-form')", o->written,
					    o->case_id, o->case_id);
	snprintf(c->case_id, sizeof(c->case_id), "%s", o->case_id);
	snprintf(c->how, sizeof(c->how), "%s", o->written ? "written" : "oral");
	snprintf(c->form_record, sizeof(c->form_record), "%s", o->written ? o->written : "");
	snprintf(c->scope_kind, sizeof(c->scope_kind), "%s", o->recipient ? "recipient" : "purpose");
	c->scope = (char *)(o->recipient ? o->recipient : o->purpose);
	cv_date_format(given, c->given);
	cv_date_add_months_later(&due, given, 12);
	cv_date_format(&due, c->review_due);
	return 0;
}

struct add_tx {
	cv_consent *c;
	long id;
};

static int add_tx(cv_vault *v, void *hook)
{
	struct add_tx *t = hook;
	char ids[64];
	int r;

	if ((r = cv_db_consent_insert(v, t->c, &t->id)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s consent-%ld", t->c->case_id, t->id);
	return cv_audit(v, "consent.add", 0, ids);
}

int cv_consent_add(cv_vault *v, const cv_consent_opts *o, long *id_out)
{
	struct add_tx t;
	cv_consent c;
	cv_date given;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = fill_consent(v, o, &c, &given)) < 0)
		return r;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, o->case_id)) < 0 || (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = check_by(v, o, &given, &c)) < 0)
		return r;
	snprintf(c.recorded_by, sizeof(c.recorded_by), "%s", v->actor);
	cv_now_iso(c.recorded_at);
	t.c = &c;
	t.id = 0;
	if ((r = cv_vault_write_tx(v, add_tx, &t)) < 0)
		return r;
	*id_out = t.id;
	return 0;
}

void cv_consent_list_free(cv_consent *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		cv_wipe_free(list[i].scope);
	free(list);
}

int cv_consent_list(cv_vault *v, const char *case_id, cv_consent **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_db_case_exists(v, case_id)) < 0 || (r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0 ||
	    (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	r = cv_db_consent_list(v, case_id, NULL, 1, out, n);
	cv_audit(v, "consent.list", r, case_id);
	return r;
}

/* A caseworker's due list holds only the consents of their cases (docs/security.md, Case assignment). */
static int keep_visible(cv_vault *v, cv_consent *list, size_t *n)
{
	size_t i, kept = 0;
	int r = 0;

	for (i = 0; i < *n; i++) {
		if (r >= 0)
			r = cv_authz_sees_case(v, list[i].case_id);
		if (r > 0)
			list[kept++] = list[i];
		else
			cv_wipe_free(list[i].scope);
	}
	*n = kept;
	return r < 0 ? r : 0;
}

int cv_consent_due(cv_vault *v, int days, cv_consent **out, size_t *n)
{
	cv_date today, until;
	char us[11];
	int r;

	*out = NULL;
	*n = 0;
	if (days < 0 || days > 3660)
		return cv_error(v, CV_EINVAL, "--days must be a number of days from 0 to 3660");
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	cv_date_add_days(&until, &today, days);
	cv_date_format(&until, us);
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, NULL)) < 0 || (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_db_consent_list(v, NULL, us, 1, out, n)) < 0 || (r = keep_visible(v, *out, n)) < 0) {
		cv_consent_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	cv_audit(v, "consent.due", r, NULL);
	return r;
}

struct withdraw_tx {
	long id;
	const char *case_id, *date;
};

static int withdraw_tx(cv_vault *v, void *hook)
{
	struct withdraw_tx *t = hook;
	char ids[64];
	int r;

	if ((r = cv_db_consent_withdraw(v, t->id, t->date, v->actor)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s consent-%ld", t->case_id, t->id);
	return cv_audit(v, "consent.withdraw", 0, ids);
}

int cv_consent_withdraw(cv_vault *v, long id, const char *date)
{
	struct withdraw_tx t;
	cv_consent c;
	cv_date d, today, given;
	char ds[11];
	int r;

	if ((r = cv_db_consent_get(v, id, &c)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, "no consent %ld; 'casevault consent list CASE' lists a case's", id);
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, c.case_id)) < 0)
		return r;
	if (c.withdrawn[0])
		return cv_error(v, CV_EREFUSED, "consent %ld was already withdrawn on %s", id, c.withdrawn);
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	d = today;
	if (date && cv_date_parse(&d, date) < 0)
		return cv_error(v, CV_EINVAL, "--date must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(&d, &today) > 0 || (cv_date_parse(&given, c.given) == 0 && cv_date_cmp(&d, &given) < 0))
		return cv_error(v, CV_EINVAL, "the withdrawal date must be between the day consent was given (%s) and today", c.given);
	cv_date_format(&d, ds);
	t.id = id;
	t.case_id = c.case_id;
	t.date = ds;
	return cv_vault_write_tx(v, withdraw_tx, &t);
}

/* 1 when consent c's scope is the recipient or the purpose asked for (letter case aside). */
static int covers(const cv_consent *c, const char *recipient, const char *purpose)
{
	const char *want = !strcmp(c->scope_kind, "recipient") ? recipient : purpose;

	return c->scope && want && !strcasecmp(c->scope, want);
}

/* Why no consent of the list serves: the newest covering one that expired or was withdrawn, else none covers. */
static int refuse_sharing(cv_vault *v, const char *case_id, const cv_consent *list, size_t n,
			  const char *recipient, const char *purpose, const cv_date *today)
{
	size_t i;

	for (i = n; i-- > 0;) {
		const char *st = cv_consent_status(&list[i], today);

		if (!covers(&list[i], recipient, purpose))
			continue;
		if (!strcmp(st, "withdrawn"))
			return cv_error(v, CV_EREFUSED, "consent %ld of case %s was withdrawn on %s: nothing is shared under it "
					"(docs/legal-rules.md LR-15); ask the family for a new consent", list[i].id, case_id,
					list[i].withdrawn);
		return cv_error(v, CV_EREFUSED, "consent %ld of case %s expired: its review was due on %s "
				"(docs/legal-rules.md LR-15); renew it with the family and record it with 'casevault consent add'",
				list[i].id, case_id, list[i].review_due);
	}
	if (n == 0)
		return cv_error(v, CV_EREFUSED, "case %s has no consent to share recorded (docs/legal-rules.md LR-15); "
				"record the family's consent first with 'casevault consent add %s'", case_id, case_id);
	return cv_error(v, CV_EREFUSED, "no consent of case %s covers %s%s%s%s%s (docs/legal-rules.md LR-15); record the "
			"family's consent for it with 'casevault consent add %s'", case_id,
			recipient ? "the recipient '" : "", recipient ? recipient : "", recipient && purpose ? "' or " : recipient ? "'" : "",
			purpose ? "the purpose '" : "", purpose ? purpose : "", case_id);
}

int cv_consent_covering(cv_vault *v, const char *case_id, const char *recipient, const char *purpose, long *id)
{
	cv_consent *list = NULL;
	cv_date today;
	size_t n = 0, i;
	int r;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if ((r = cv_db_consent_list(v, case_id, NULL, 1, &list, &n)) < 0)
		return r;
	/* the newest valid one: a renewal is what the family said last */
	for (i = n; i-- > 0;)
		if (covers(&list[i], recipient, purpose) && !strcmp(cv_consent_status(&list[i], &today), "valid")) {
			*id = list[i].id;
			cv_consent_list_free(list, n);
			return 0;
		}
	r = refuse_sharing(v, case_id, list, n, recipient, purpose, &today);
	cv_consent_list_free(list, n);
	return r;
}
