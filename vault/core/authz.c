/*
 * casevault - authorisation: the actor's role allows the action, their
 * agreement to the confidentiality policy is current, and what changes the
 * vault or decides a disclosure is done with their proven key.
 */
#include <stdio.h>
#include <string.h>

#include "casevault/date.h"
#include "casevault/staff.h"
#include "base/handle.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/grants_upgrade.h"
#include "rules/roles.h"
#include "store/db_assign.h"
#include "store/db_staff.h"

int cv_latest_attestation(cv_vault *v, const char *id, char date[11], char version[32])
{
	return cv_db_staff_latest_attestation(v, id, date, version);
}

/* 0 when id's attestation is current on today, else CV_EREFUSED with a message. */
static int check_attested(cv_vault *v, const char *id)
{
	char date[11];
	cv_date d, until, today;
	int r;

	if ((r = cv_latest_attestation(v, id, date, NULL)) < 0)
		return r;
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (!date[0] || cv_date_parse(&d, date) < 0)
		return cv_error(v, CV_EREFUSED, "staff member %s has not agreed to the confidentiality policy; a manager records it with 'casevault staff attest %s'", id, id);
	cv_date_add_months_later(&until, &d, 12);
	if (cv_date_cmp(&today, &until) >= 0)
		return cv_error(v, CV_EREFUSED, "staff member %s last agreed to the confidentiality policy on %s, more than 12 months ago; renew it with 'casevault staff attest %s'", id, date, id);
	return 0;
}

static int needs_proof(cv_act act)
{
	/*
	 * Filing unlocks before it writes (and import --check writes nothing);
	 * verify unlocks to decrypt; listing ids and dates is open to every role.
	 * The audit trail is for managers and auditors only: proven too.
	 */
	return act == CV_ACT_READ_CASE || act == CV_ACT_READ_CP || act == CV_ACT_CASE_ADMIN ||
	       act == CV_ACT_HOLD || act == CV_ACT_APPROVE || act == CV_ACT_STAFF_ADMIN ||
	       act == CV_ACT_AUDIT || act == CV_ACT_REFER;
}

/* The refusal when the actor's role does not allow act. */
static int refuse_role(cv_vault *v, cv_act act, const char *ids)
{
	cv_audit(v, act == CV_ACT_READ_CP || act == CV_ACT_FILE_CP ? "access.cp" : "access", CV_EREFUSED, ids);
	return cv_error(v, CV_EREFUSED, "staff member %s is %s %s and may not %s; ask a %s",
			v->actor, cv_role_name(v->role)[0] && strchr("aeiou", cv_role_name(v->role)[0]) ? "an" : "a",
			cv_role_name(v->role), cv_act_words(act),
			act == CV_ACT_READ_CP || act == CV_ACT_FILE_CP || act == CV_ACT_REFER ? "cp-lead or manager" :
			act == CV_ACT_AUDIT ? "manager or auditor" :
			act == CV_ACT_APPROVE || act == CV_ACT_STAFF_ADMIN ? "manager" : "caseworker or manager");
}

/*
 * After the proof: with a key unlocked the role is the signed grant's
 * (core/grants.h), checked again; a role that holds section keys is proven
 * only by opening its keyslip, so a staff row without one (added by editing
 * the index) proves nothing (docs/security.md, Signed grants).
 */
static int check_granted(cv_vault *v, cv_act act, const char *ids)
{
	int r;

	/* a vault from before grants: its first manager to prove themselves signs them */
	if (v->unlocked && (r = cv_grants_upgrade(v)) < 0)
		return r;
	if (v->unlocked)
		return cv_role_allows(v->role, act) ? 0 : refuse_role(v, act, ids);
	if (cv_role_sections(v->role))
		return cv_error(v, CV_EREFUSED, "staff member %s is listed as %s but holds no keyslip, so their role is not "
				"granted; a manager runs 'casevault verify'", v->actor, cv_role_name(v->role));
	return 0;
}

int cv_authz_sees_case(cv_vault *v, const char *case_id)
{
	if (v->role != CV_ROLE_CASEWORKER)
		return 1;
	return cv_db_assign_has(v, case_id, v->actor);
}

int cv_authz_keep_visible(cv_vault *v, void *items, size_t size, size_t case_off, size_t *n, void (*drop)(void *item))
{
	char *base = items;
	size_t i, kept = 0;
	int r = 0;

	if (v->role != CV_ROLE_CASEWORKER)
		return 0;
	for (i = 0; i < *n; i++) {
		char *it = base + i * size;

		if (r >= 0)
			r = cv_authz_sees_case(v, it + case_off);
		if (r > 0) {
			if (kept != i)
				memcpy(base + kept * size, it, size);
			kept++;
		} else if (drop) {
			drop(it);
		}
	}
	*n = kept;
	return r < 0 ? r : 0;
}

/*
 * A caseworker works only in the cases assigned to them (docs/security.md,
 * Case assignment; the policy's separate caseworkers for separated
 * parents, docs/legal-rules.md).  The case is the one the first of ids
 * names: a case, or a record or request of it; a listing names none and is
 * cut to the caseworker's cases where it is made.
 */
static int check_assigned(cv_vault *v, const char *ids)
{
	char first[32], case_id[24];
	int r;

	if (v->role != CV_ROLE_CASEWORKER || !ids || !*ids)
		return 0;
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(ids, " "), ids);
	if ((r = cv_db_assign_case_of(v, first, case_id)) <= 0 || (r = cv_authz_sees_case(v, case_id)) != 0)
		return r < 0 ? r : 0;
	cv_audit(v, "access", CV_EREFUSED, ids);
	return cv_error(v, CV_EREFUSED, "staff member %s is not assigned to case %s; a manager assigns caseworkers "
			"with 'casevault case assign %s STAFF'", v->actor, case_id, case_id);
}

int cv_authorize(cv_vault *v, cv_act act, const char *ids)
{
	int r;

	if (!v->actor[0] && (r = cv_vault_set_actor(v, NULL)) < 0)
		return r;
	if ((r = check_attested(v, v->actor)) < 0) {
		cv_audit_keep(v, "access", CV_EREFUSED, ids);
		return r;
	}
	if (!cv_role_allows(v->role, act))
		return refuse_role(v, act, ids);
	if (needs_proof(act) && ((r = cv_prove_actor(v)) < 0 || (r = check_granted(v, act, ids)) < 0))
		return r;
	return check_assigned(v, ids);
}
