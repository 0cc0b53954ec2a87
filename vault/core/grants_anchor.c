/*
 * casevault - the grants' anchor (grants.h): where it is pinned, checking
 * an unlocking actor against it, the upgrade of a vault without grants, and
 * what a revocation signs.  See docs/security.md, Signed grants.
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
#include "core/keys.h"
#include "core/lock.h"
#include "crypto/anchor.h"
#include "crypto/keymem.h"
#include "rules/roles.h"
#include "store/db_grants.h"
#include "store/db_keys.h"
#include "store/db_meta.h"
#include "store/index.h"

int cv_grants_pin_anchor(cv_vault *v, int mask)
{
	char key[32], mac[65];
	int s, r;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!(mask & (1 << s)) || !v->mkey[s])
			continue;
		if (cv_anchor_mac(v->mkey[s], v->vault_id, v->anchor_fpr, mac) < 0)
			return cv_error(v, CV_ERROR, "cannot start HMAC");
		snprintf(key, sizeof(key), "anchor.mac.%s", cv_section_name(s));
		if ((r = cv_db_meta_set(v, key, mac, 1, "pin the grants' anchor")) < 0)
			return r;
	}
	return 0;
}

int cv_grants_vault_id(cv_vault *v)
{
	int r;

	if ((r = cv_db_meta_get(v, "vault.id", v->vault_id, sizeof(v->vault_id))) != 0)
		return r < 0 ? r : 0;
	cv_anchor_new_id(v->vault_id);
	return cv_db_meta_set(v, "vault.id", v->vault_id, 0, "record the vault's id");
}

/* The vault id and every section key the keyslip holds agree with the anchor it names. */
static int anchor_agrees(cv_vault *v)
{
	char key[32], want[65], have[65];
	int s, r;

	if ((r = cv_db_meta_get(v, "vault.id", have, sizeof(have))) < 0)
		return r;
	if (!r || strcmp(have, v->vault_id))
		return cv_error(v, CV_ECORRUPT, "your keyslip names another vault than this index (a copied keyslip "
				"or an altered index); nothing was unlocked");
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!v->mkey[s])
			continue;
		snprintf(key, sizeof(key), "anchor.mac.%s", cv_section_name(s));
		if ((r = cv_db_meta_get(v, key, have, sizeof(have))) < 0)
			return r;
		if (cv_anchor_mac(v->mkey[s], v->vault_id, v->anchor_fpr, want) < 0)
			return cv_error(v, CV_ERROR, "cannot start HMAC");
		if (!r || strcmp(have, want))
			return cv_error(v, CV_ECORRUPT, "the grants' anchor your keyslip names does not agree with the vault's "
					"%s key (a forged keyslip or an altered index); nothing was unlocked; see docs/security.md",
					cv_section_name(s));
	}
	return 0;
}

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

/* The first manager to unlock a vault without grants signs them (docs/security.md, Signed grants). */
static int upgrade(cv_vault *v)
{
	int took = v->lockfd < 0, r;

	if (cv_index_in_tx(v))
		return 0;  /* inside another change: the next unlock upgrades */
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

/* A keyslip without an anchor: a vault from before grants, upgraded by its first manager to unlock. */
static int no_anchor(cv_vault *v)
{
	long n, max;
	int r;

	if ((r = cv_db_grants_count(v, &n, &max)) < 0)
		return r;
	if (n)
		return cv_error(v, CV_ECORRUPT, "your keyslip names no grants' anchor but this vault's grants are signed "
				"(an outdated or forged keyslip); nothing was unlocked");
	/* only a manager holding every section key can re-issue everyone's keyslip */
	if (strcmp(v->actor_role, "manager") || !v->mkey[CV_SECTION_CASE] || !v->mkey[CV_SECTION_CP])
		return 0;
	return upgrade(v);
}

/* No grant newer than the keyslip knew of is gone: the newest ones (a revocation) cannot be rolled back. */
static int grants_all_there(cv_vault *v)
{
	long n, max;
	int r;

	if ((r = cv_db_grants_count(v, &n, &max)) < 0)
		return r;
	if (max < v->grants_seen)
		return cv_error(v, CV_ECORRUPT, "signed grants were deleted from the index (your keyslip was written "
				"when there were %ld); nothing was unlocked; restore vault.db from a backup", v->grants_seen);
	return 0;
}

int cv_grants_check_actor(cv_vault *v)
{
	cv_grant g;
	int r, s;

	if (!v->anchor_fpr[0])
		return no_anchor(v);
	if ((r = anchor_agrees(v)) < 0 || (r = grants_all_there(v)) < 0 || (r = cv_grants_current(v, v->actor, &g)) < 0)
		return r;
	if (g.revoked[0])
		return cv_error(v, CV_EREFUSED, "staff member %s's grant was revoked on %s; they may not act", v->actor, g.revoked);
	if (strcmp(g.fpr, v->actor_fpr) || strcmp(g.role, v->actor_role))
		return cv_error(v, CV_ECORRUPT, "the staff row of %s disagrees with their signed grant (%s); the index was "
				"altered: nothing was unlocked; a manager runs 'casevault verify'", v->actor,
				strcmp(g.fpr, v->actor_fpr) ? "another key" : "another role");
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (v->mkey[s] && !(g.sections & (1 << s))) {
			cv_keymem_free(v->mkey[s], CV_KEY_LEN);  /* a key their grant does not give them */
			v->mkey[s] = NULL;
		}
	cv_role_parse((cv_role *)&v->role, g.role);
	return 0;
}

struct resign {
	cv_vault *v;
	const char *leaver, *id;
	cv_grant *list;
	size_t n, cap;
};

/* A grant in force that the leaver signed: kept to be signed again by the actor. */
static int resign_collect(void *hook, const cv_db_grant *row)
{
	struct resign *rs = hook;
	cv_grant g;

	if (strcmp(row->signer, rs->leaver) || !strcmp(row->staff_id, rs->id))
		return 0;
	if (cv_grants_current(rs->v, row->staff_id, &g) < 0) {
		cv_notice(rs->v, "the grant of %s was not signed again: it does not hold; run 'casevault verify'", row->staff_id);
		return 0;
	}
	if (g.revoked[0])
		return 0;
	if (CV_ARRAY_GROW(&rs->list, &rs->cap, rs->n) < 0)
		return cv_error(rs->v, CV_ERROR, "out of memory");
	rs->list[rs->n++] = g;
	return 0;
}

/*
 * A leaver's signatures stop counting when their grant is revoked, so what
 * they signed is signed again by the revoking manager, who also becomes the
 * anchor when the leaver was it (the rotation's new keyslips carry it).
 */
int cv_grants_revoke(cv_vault *v, const char *id)
{
	struct resign rs = { v, NULL, id, NULL, 0, 0 };
	cv_grant g;
	size_t i;
	int r;

	if (!v->anchor_fpr[0])
		return 0;  /* no grants yet (docs/security.md, Signed grants) */
	if ((r = cv_grants_current(v, id, &g)) == CV_ENOTFOUND || r == CV_ECORRUPT)
		return 0;  /* nothing of theirs holds: nothing to revoke or sign again */
	if (r < 0)
		return r;
	rs.leaver = g.fpr;
	if ((r = cv_db_grants_each_current(v, resign_collect, &rs)) < 0)
		goto out;
	cv_now_iso(g.revoked);
	if ((r = cv_grants_sign(v, v->actor_fpr, &g)) < 0)
		goto out;
	if (!strcmp(g.fpr, v->anchor_fpr))
		snprintf(v->anchor_fpr, sizeof(v->anchor_fpr), "%s", v->actor_fpr);
	for (i = 0; i < rs.n && r == 0; i++)
		r = cv_grants_sign(v, v->actor_fpr, &rs.list[i]);
out:
	free(rs.list);
	return r;
}
