/*
 * casevault - case assignment (docs/security.md, Case assignment): which
 * caseworkers work on a case.  Who may see a case is decided in one place,
 * cv_authorize (core/authz.c); this file keeps the list it reads, and the
 * policy's rule that separated parents have separate caseworkers
 * (docs/legal-rules.md, Separated parents).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/lock.h"
#include "ops/assign.h"
#include "store/db_assign.h"
#include "store/db_cases.h"
#include "store/db_people.h"
#include "store/db_staff.h"
#include "casevault/assign.h"
#include "casevault/staff.h"

struct assign_tx {
	const char *case_id, *staff_id, *by;
	int add;
};

static int assign_tx(cv_vault *v, void *hook)
{
	struct assign_tx *t = hook;
	char now[32], ids[48];
	int r;

	cv_now_iso(now);
	snprintf(ids, sizeof(ids), "%s %s", t->case_id, t->staff_id);
	if (t->add)
		r = cv_db_assign_insert(v, t->case_id, t->staff_id, t->by, now);
	else if ((r = cv_db_assign_delete(v, t->case_id, t->staff_id)) == 0)
		r = cv_error(v, CV_ENOTFOUND, "staff member %s is not assigned to case %s; 'casevault case show %s' lists "
			     "its caseworkers", t->staff_id, t->case_id, t->case_id);
	if (r < 0)
		return r;
	return cv_audit(v, t->add ? "case.assign" : "case.unassign", 0, ids);
}

/* Whom a case may be assigned to: an active staff member whose role works in case files. */
static int check_assignee(cv_vault *v, const char *staff_id)
{
	cv_db_staff_facts f;
	int r;

	if ((r = cv_db_staff_facts_get(v, staff_id, &f)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no staff member %s; 'casevault staff list' shows who there is", staff_id);
	if (!f.active)
		return cv_error(v, CV_EREFUSED, "staff member %s is revoked and cannot be assigned to a case", staff_id);
	if (strcmp(f.role, "caseworker") && strcmp(f.role, "cp-lead"))
		return cv_error(v, CV_EREFUSED, "staff member %s is a %s; only caseworkers and cp-leads are assigned to "
				"cases (managers see every case)", staff_id, f.role);
	return 0;
}

/* Separated parents have separate caseworkers: nobody on case_id's linked cases. */
static int check_not_linked(cv_vault *v, const char *case_id, const char *staff_id)
{
	char other[24];
	int r = cv_db_assign_on_linked(v, case_id, staff_id, other);

	if (r <= 0)
		return r;
	return cv_error(v, CV_EREFUSED, "staff member %s works on case %s, which is linked to %s (separated parents); "
			"the policy gives each parent a separate caseworker: assign someone else",
			staff_id, other, case_id);
}

int cv_case_assign(cv_vault *v, const char *case_id, const char *staff_id)
{
	struct assign_tx t = { case_id, staff_id, NULL, 1 };
	int r;

	if ((r = cv_authorize(v, CV_ACT_STAFF_ADMIN, case_id)) < 0 || (r = cv_db_case_exists(v, case_id)) < 0 ||
	    (r = check_assignee(v, staff_id)) < 0)
		return r;
	if ((r = cv_db_assign_has(v, case_id, staff_id)) != 0)
		return r < 0 ? r : cv_error(v, CV_EEXISTS, "staff member %s is already assigned to case %s", staff_id, case_id);
	if ((r = check_not_linked(v, case_id, staff_id)) < 0)
		return r;
	t.by = v->actor;
	return cv_vault_write_tx(v, assign_tx, &t);
}

int cv_case_unassign(cv_vault *v, const char *case_id, const char *staff_id)
{
	struct assign_tx t = { case_id, staff_id, NULL, 0 };
	int r;

	if ((r = cv_authorize(v, CV_ACT_STAFF_ADMIN, case_id)) < 0 || (r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	t.by = v->actor;
	return cv_vault_write_tx(v, assign_tx, &t);
}

int cv_assign_opener_tx(cv_vault *v, const char *case_id, const char *now)
{
	if (v->role != CV_ROLE_CASEWORKER && v->role != CV_ROLE_CP_LEAD)
		return 0;
	return cv_db_assign_insert(v, case_id, v->actor, v->actor, now);
}

int cv_assign_check_link(cv_vault *v, const char *a, const char *b)
{
	char staff_id[16];
	int r = cv_db_assign_shared(v, a, b, staff_id);

	if (r <= 0)
		return r;
	return cv_error(v, CV_EREFUSED, "cases %s and %s are both worked on by staff member %s; separated parents have "
			"separate caseworkers, so a manager unassigns them from one first ('casevault case unassign')",
			a, b, staff_id);
}

int cv_case_team_get(cv_vault *v, const char *case_id, cv_case_team *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_db_case_exists(v, case_id)) < 0 || (r = cv_authorize(v, CV_ACT_LIST, case_id)) < 0)
		return r;
	if ((r = cv_db_assign_list(v, case_id, &out->staff, &out->nstaff)) < 0)
		return r;
	/* that a case is linked is itself about the other parent: managers only (docs/security.md) */
	if (v->role == CV_ROLE_MANAGER && (r = cv_db_link_list(v, case_id, &out->linked, &out->nlinked)) < 0) {
		cv_case_team_free(out);
		return r;
	}
	return 0;
}

void cv_case_team_free(cv_case_team *t)
{
	free(t->staff);
	free(t->linked);
	memset(t, 0, sizeof(*t));
}
