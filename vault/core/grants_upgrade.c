/*
 * casevault - what re-issues keyslips under grants (grants_upgrade.h): the
 * upgrade of a vault without grants, and what a revocation signs.  Kept
 * apart from grants.c, which keys.c calls: these call keys.c and the
 * writer lock.  See docs/security.md, Signed grants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/staff.h"
#include "base/array.h"
#include "base/handle.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/grants.h"
#include "core/grants_upgrade.h"
#include "core/keys.h"
#include "core/lock.h"
#include "rules/roles.h"
#include "store/db_grants.h"
#include "store/db_keys.h"
#include "store/index.h"

struct upgrade {
	cv_vault *v;
	int gen;
	char ids[160];
};

static int upgrade_sign(void *hook, const char *id, const char *role, const char *fpr, long os_uid, int revoked)
{
	struct upgrade *u = hook;
	cv_grant g;
	cv_role rl;

	if (revoked || cv_role_parse(&rl, role) < 0)
		return 0;
	memset(&g, 0, sizeof(g));
	snprintf(g.staff, sizeof(g.staff), "%s", id);
	snprintf(g.role, sizeof(g.role), "%s", role);
	snprintf(g.fpr, sizeof(g.fpr), "%s", fpr);
	g.os_uid = os_uid;
	g.sections = cv_role_sections(rl);
	if (strlen(u->ids) + strlen(id) + strlen(role) + 4 < sizeof(u->ids))
		snprintf(u->ids + strlen(u->ids), sizeof(u->ids) - strlen(u->ids), "%s%s %s", u->ids[0] ? ", " : "", id, role);
	return cv_grants_sign(u->v, u->v->actor_fpr, &g);
}

static int upgrade_slip(void *hook, const char *id, const char *role, const char *fpr, long os_uid, int revoked)
{
	struct upgrade *u = hook;
	cv_role rl;

	(void)os_uid;
	if (revoked || cv_role_parse(&rl, role) < 0 || !cv_role_sections(rl))
		return 0;
	return cv_keys_write_slip(u->v, id, fpr, cv_role_sections(rl), u->gen);
}

/* In one transaction: the acting manager becomes the anchor and signs a grant for every staff row. */
static int upgrade_tx(cv_vault *v)
{
	struct upgrade u = { v, 0, "" };
	int s, r;

	if ((r = cv_grants_vault_id(v)) < 0)
		return r;
	snprintf(v->anchor_fpr, sizeof(v->anchor_fpr), "%s", v->actor_fpr);
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (v->mkey_gen[s] > u.gen)
			u.gen = v->mkey_gen[s];
	u.gen++;
	if ((r = cv_db_grants_each_staff(v, upgrade_sign, &u)) < 0 || (r = cv_db_keys_slips_clear(v)) < 0 ||
	    (r = cv_db_grants_each_staff(v, upgrade_slip, &u)) < 0 || (r = cv_audit(v, "staff.grants", 0, v->actor)) < 0)
		return r;
	cv_notice(v, "this vault had no signed grants: you are now its anchor and signed grants for %s; "
		  "check them with 'casevault staff list'", u.ids);
	return 0;
}

int cv_grants_upgrade(cv_vault *v)
{
	long n, max;
	int took = v->lockfd < 0, r;

	/* only a manager holding every section key can re-issue everyone's keyslip */
	if (!v->unlocked || v->anchor_fpr[0] || strcmp(v->actor_role, "manager") ||
	    !v->mkey[CV_SECTION_CASE] || !v->mkey[CV_SECTION_CP])
		return 0;
	if ((r = cv_db_grants_count(v, &n, &max)) < 0 || n)
		return r;
	if (cv_index_in_tx(v))
		return 0;  /* inside another change: the next proof upgrades */
	if (took && (r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) == 0) {
		if ((r = upgrade_tx(v)) < 0)
			cv_index_rollback(v);
		else
			r = cv_index_commit(v);
	}
	if (took)
		cv_vault_unlock_writer(v);
	if (r < 0)
		v->anchor_fpr[0] = '\0';
	return r;
}


struct resign {
	cv_vault *v;
	const char *id;
	char leaver[48], old_anchor[48];   /* old_anchor "" when the anchor stays */
	cv_grant *list;
	size_t n, cap;
};

/* A grant that rests on the leaver's (or the outgoing anchor's) signature: signed again below. */
static int resign_collect(void *hook, const cv_db_grant *row)
{
	struct resign *rs = hook;
	cv_grant g;
	int r;

	if ((strcmp(row->signer, rs->leaver) && strcmp(row->signer, rs->old_anchor)) || !strcmp(row->staff_id, rs->id))
		return 0;
	if ((r = cv_grants_current(rs->v, row->staff_id, &g)) == CV_ENOTFOUND || r == CV_ECORRUPT) {
		cv_notice(rs->v, "the grant of %s was not signed again: it does not hold; run 'casevault verify'", row->staff_id);
		return 0;
	}
	if (r < 0)
		return r;  /* not checked (gpg failed): the revocation stops, nothing changed */
	/* revocations too: one signed by a manager who later leaves must still hold */
	if (CV_ARRAY_GROW(&rs->list, &rs->cap, rs->n) < 0)
		return cv_error(rs->v, CV_ERROR, "out of memory");
	rs->list[rs->n++] = g;
	return 0;
}

/* 1 when the actor's own grant rests, through its signers, on the key leaver (checked at unlock). */
static int actor_rests_on(cv_vault *v, const char *leaver)
{
	cv_db_grant row;
	char signer[48];
	int depth, r;

	if ((r = cv_db_grants_latest(v, v->actor, &row)) <= 0)
		return r;
	for (depth = 0; depth < 8 && strcmp(row.signer, v->anchor_fpr); depth++) {
		if (!strcmp(row.signer, leaver)) {
			cv_db_grant_release(&row);
			return 1;
		}
		snprintf(signer, sizeof(signer), "%s", row.signer);
		cv_db_grant_release(&row);
		if ((r = cv_db_grants_latest_by_fpr(v, signer, &row)) <= 0)
			return r;
	}
	cv_db_grant_release(&row);
	return 0;
}

/*
 * A leaver's signatures stop counting when their grant is revoked, so what
 * they signed is signed again by the revoking manager.  When the leaver is
 * the anchor, or the revoking manager's own grant rests on the leaver's
 * signature (nobody left could vouch for it), the revoking manager becomes
 * the anchor and also signs again what the outgoing anchor signed; the
 * rotation's new keyslips carry the new anchor.
 */
int cv_grants_revoke(cv_vault *v, const char *id)
{
	struct resign rs = { v, id, "", "", NULL, 0, 0 };
	cv_grant g;
	size_t i;
	int r;

	if (!v->anchor_fpr[0])
		return 0;  /* no grants yet (docs/security.md, Signed grants) */
	if ((r = cv_grants_current(v, id, &g)) == CV_ENOTFOUND || r == CV_ECORRUPT)
		return 0;  /* nothing of theirs holds: nothing to revoke or sign again */
	if (r < 0)
		return r;
	snprintf(rs.leaver, sizeof(rs.leaver), "%s", g.fpr);
	if ((r = actor_rests_on(v, g.fpr)) < 0)
		return r;
	if ((r || !strcmp(g.fpr, v->anchor_fpr)) && strcmp(v->actor_fpr, v->anchor_fpr))
		snprintf(rs.old_anchor, sizeof(rs.old_anchor), "%s", v->anchor_fpr);
	if ((r = cv_db_grants_each_current(v, resign_collect, &rs)) < 0)
		goto out;
	if (rs.old_anchor[0])
		snprintf(v->anchor_fpr, sizeof(v->anchor_fpr), "%s", v->actor_fpr);
	cv_now_iso(g.revoked);
	if ((r = cv_grants_sign(v, v->actor_fpr, &g)) < 0)
		goto out;
	for (i = 0; i < rs.n && r == 0; i++)
		r = cv_grants_sign(v, v->actor_fpr, &rs.list[i]);
out:
	free(rs.list);
	return r;
}
