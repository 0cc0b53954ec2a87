/* casevault - cases: open, show, list, close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/lock.h"
#include "ops/assign.h"
#include "ops/case.h"
#include "ops/retention.h"
#include "store/db_cases.h"
#include "store/index.h"
#include "casevault/case.h"
#include "casevault/date.h"
#include "casevault/staff.h"

static int valid_name(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	size_t i;

	if (len == 0 || len > 200)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* A child's date of birth: a real date, not in the future (*today: the vault's today). */
static int parse_dob(cv_vault *v, const char *child_dob, cv_date *dob, cv_date *today)
{
	if (!child_dob || cv_date_parse(dob, child_dob) < 0)
		return cv_error(v, CV_EINVAL, "the child's date of birth must be a real date written YYYY-MM-DD");
	if (cv_date_today(today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (cv_date_cmp(dob, today) > 0)
		return cv_error(v, CV_EINVAL, "the child's date of birth is in the future; check it");
	return 0;
}

int cv_case_open(cv_vault *v, const char *parent, const char *child, const char *child_dob,
		 int pr_confirmed, const char *opened, char id_out[24])
{
	cv_date dob, op, today;
	char dobs[11], ops[11], now[32], id[24];
	long seq;
	int r;

	if (!pr_confirmed)
		return cv_error(v, CV_EREFUSED, "the service works only with people who hold parental responsibility: check that this parent or carer holds it, then confirm that you have");
	if (!valid_name(parent))
		return cv_error(v, CV_EINVAL, "the parent's name is missing or holds control characters");
	if (!valid_name(child))
		return cv_error(v, CV_EINVAL, "the child's name is missing or holds control characters");
	if ((r = parse_dob(v, child_dob, &dob, &today)) < 0)
		return r;
	op = today;
	if (opened && cv_date_parse(&op, opened) < 0)
		return cv_error(v, CV_EINVAL, "the opening date must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(&op, &today) > 0)
		return cv_error(v, CV_EINVAL, "the opening date is in the future");
	cv_date_format(&dob, dobs);
	cv_date_format(&op, ops);
	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, NULL)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	if ((r = cv_index_next_id(v, "case", &seq)) < 0)
		goto rollback;
	snprintf(id, sizeof(id), "C-%04d-%04ld", op.y, seq);
	cv_now_iso(now);
	{
		cv_db_case_new c = { id, parent, child, dobs, v->actor, now, ops };

		if ((r = cv_db_case_insert(v, &c)) < 0 || (r = cv_assign_opener_tx(v, id, now)) < 0)
			goto rollback;
	}
	if ((r = cv_audit(v, "case.open", 0, id)) < 0)
		goto rollback;
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	snprintf(id_out, 24, "%s", id);
	r = 0;
	goto out;
rollback:
	cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

int cv_case_get(cv_vault *v, cv_case *out, const char *id, int unseal)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, id)) < 0)
		return r;
	r = cv_case_fetch(v, out, id, unseal);
	if (unseal && r != CV_ENOTFOUND)
		cv_audit(v, "case.show", r, id);
	return r;
}

/* Without authorisation or audit: for the library's own use. */
int cv_case_fetch(cv_vault *v, cv_case *out, const char *id, int unseal)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	return cv_db_case_get(v, id, unseal, out);
}

/* A caseworker's listing holds only the cases assigned to them (docs/security.md, Case assignment). */
static int keep_visible(cv_vault *v, cv_case *list, size_t *n)
{
	size_t i, kept = 0;
	int r = 0;

	for (i = 0; i < *n; i++) {
		if (r >= 0)
			r = cv_authz_sees_case(v, list[i].id);
		if (r > 0)
			list[kept++] = list[i];
		else
			cv_case_release(&list[i]);
	}
	*n = kept;
	return r < 0 ? r : 0;
}

int cv_case_list(cv_vault *v, cv_case **out, size_t *n, int unseal)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, NULL)) < 0)
		return r;
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if (unseal)
		cv_audit(v, "case.list", 0, NULL);
	if ((r = cv_db_case_list(v, unseal, out, n)) < 0 || (r = keep_visible(v, *out, n)) < 0) {
		cv_case_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

int cv_case_close(cv_vault *v, const char *id, const char *date)
{
	cv_case c;
	cv_date d, today, op;
	char ds[11];
	int r;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	d = today;
	if (date && cv_date_parse(&d, date) < 0)
		return cv_error(v, CV_EINVAL, "the closing date must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(&d, &today) > 0)
		return cv_error(v, CV_EINVAL, "the closing date is in the future");
	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, id)) < 0)
		return r;
	/* Closing starts retention periods: unlock now if working them out needs a sealed date. */
	if ((r = cv_retention_prepare(v, id, 1)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_case_fetch(v, &c, id, 0)) < 0)
		goto out;
	if (c.closed[0]) {
		r = cv_error(v, CV_EREFUSED, "case %s was already closed on %s", id, c.closed);
		goto out;
	}
	if (cv_date_parse(&op, c.opened) == 0 && cv_date_cmp(&d, &op) < 0) {
		r = cv_error(v, CV_EINVAL, "the closing date is before the case was opened (%s)", c.opened);
		goto out;
	}
	cv_date_format(&d, ds);
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	r = cv_db_case_close(v, id, ds);
	/* The case's records get their retention dates in the same transaction. */
	if (r == 0)
		r = cv_retention_recompute_tx(v, id, 1u << CV_TRIG_CASE_CLOSED, NULL, NULL);
	if (r == 0)
		cv_audit(v, "case.close", 0, id);
	if (r == 0)
		r = cv_index_commit(v);
	else
		cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

struct retrigger {
	const char *id, *val, *audit_action;
	int (*update)(cv_vault *, const char *, const char *);
	unsigned trig_mask;
	size_t *changed;
};

static int retrigger_tx(cv_vault *v, void *arg)
{
	struct retrigger *t = arg;
	int r;

	if ((r = t->update(v, t->id, t->val)) < 0 ||
	    (r = cv_retention_recompute_tx(v, t->id, t->trig_mask, t->changed, NULL)) < 0)
		return r;
	return cv_audit(v, t->audit_action, 0, t->id);
}

/* Change a trigger of case id's retention dates (update), work them out again and record it, in one transaction. */
static int retrigger(cv_vault *v, const char *id, int (*update)(cv_vault *, const char *, const char *),
		     const char *val, const char *audit_action, unsigned trig_mask, size_t *changed)
{
	struct retrigger t = { id, val, audit_action, update, trig_mask, changed };

	return cv_vault_write_tx(v, retrigger_tx, &t);
}

/* An erased case has no personal data left to work on (docs/legal-rules.md §12, storage limitation). */
int cv_case_refuse_erased(cv_vault *v, const cv_case *c)
{
	if (!c->erased[0])
		return 0;
	return cv_error(v, CV_EREFUSED, "case %s was erased on %s (certificate %ld): its personal data is gone; "
			"open a new case instead", c->id, c->erased, c->erase_certificate);
}

int cv_case_reopen(cv_vault *v, const char *id, size_t *changed)
{
	cv_case c;
	int r;

	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, id)) < 0)
		return r;
	if ((r = cv_case_get(v, &c, id, 0)) < 0)
		return r;
	if (!c.closed[0])
		return cv_error(v, CV_EREFUSED, "case %s is open; only a closed case can be reopened", id);
	if ((r = cv_case_refuse_erased(v, &c)) < 0)
		return r;
	/* An open case has no closing date: every date that runs from it is unknown again. */
	return retrigger(v, id, cv_db_case_reopen, NULL, "case.reopen", 1u << CV_TRIG_CASE_CLOSED, changed);
}

int cv_case_set_dob(cv_vault *v, const char *id, const char *child_dob, size_t *changed)
{
	cv_case c;
	cv_date dob, today;
	char dobs[11];
	int r;

	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, id)) < 0)
		return r;

	if ((r = parse_dob(v, child_dob, &dob, &today)) < 0)
		return r;
	if ((r = cv_case_get(v, &c, id, 0)) < 0)
		return r;
	if ((r = cv_case_refuse_erased(v, &c)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0 || (r = cv_retention_prepare(v, id, -1)) < 0)
		return r;
	cv_date_format(&dob, dobs);
	/* a correction, not an event of its own: no audit entry, as before */
	return retrigger(v, id, cv_db_case_set_dob, dobs, "case.set-dob", 1u << CV_TRIG_CHILD_DOB, changed);
}
