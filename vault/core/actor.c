/*
 * casevault - the acting staff member: who they are, proving it with their
 * key, and the section master keys their keyslip unlocks for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casevault/session.h"
#include "casevault/staff.h"

#include "base/handle.h"
#include "base/hex.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/deposit.h"
#include "core/checkpoint.h"
#include "core/keys.h"
#include "core/slipcache.h"
#include "core/blindupgrade.h"
#include "core/keyupgrade.h"
#include "crypto/gpg.h"
#include "crypto/keymem.h"
#include "crypto/keywrap.h"
#include "store/db_keys.h"
#include "store/db_staff.h"

void cv_vault_set_os_uid(cv_vault *v, long uid)
{
	v->os_uid = uid;
	v->os_uid_given = 1;
}

void cv_vault_vouch(cv_vault *v, const char *staff_id)
{
	snprintf(v->vouched, sizeof(v->vouched), "%s", staff_id ? staff_id : "");
}

/* The OS user acting: a service's client (cv_vault_set_os_uid), else this process's. */
static long acting_uid(const cv_vault *v)
{
	return v->os_uid_given ? v->os_uid : (long)getuid();
}

int cv_vault_set_actor(cv_vault *v, const char *staff_id)
{
	cv_db_staff_actor rows[2];
	size_t found = 0;
	int r;

	/* two rows are enough to tell "one" from "several" */
	if ((r = cv_db_staff_actors(v, staff_id, acting_uid(v), rows, 2, &found)) < 0)
		return r;
	if (!found) {
		if (staff_id)
			return cv_error(v, CV_ENOTFOUND, "no staff member %s in this vault; see 'casevault staff list'", staff_id);
		return cv_error(v, CV_ENOTFOUND, "no staff member is registered for this OS user; say who is acting with --as STAFF-ID");
	}
	if (rows[0].revoked)
		return cv_error(v, CV_EREFUSED, "staff member %s has been revoked and may not act", staff_id);
	snprintf(v->actor, sizeof(v->actor), "%s", rows[0].id);
	snprintf(v->actor_fpr, sizeof(v->actor_fpr), "%s", rows[0].fpr);
	snprintf(v->actor_role, sizeof(v->actor_role), "%s", rows[0].role);
	cv_role_parse((cv_role *)&v->role, v->actor_role);
	if (found > 1)
		return cv_error(v, CV_EREFUSED, "several staff members are registered for this OS user; say who is acting with --as STAFF-ID");
	cv_keys_wipe(v);
	v->proven = 0;  /* a new actor proves themselves again */
	return 0;
}

/*
 * gpg-agent caches a passphrase for the key, not for the person typing:
 * while a manager's passphrase is cached, anyone running casevault as the
 * same OS user who names the manager with --as would be let through, their
 * own passphrase (or none) ignored.  So a staff member the OS does not
 * vouch for, that is anyone but the one person registered for this OS user,
 * proves the passphrase afresh: the agent first forgets that key's cached
 * passphrase, then asks (docs/security.md, Proving who acts).  The person
 * registered for this OS user keeps the cache, with or without --as, and
 * so does the person a service vouches for (cv_vault_vouch: a web session
 * whose sign-in proved the passphrase afresh, docs/security.md).
 */
static int forget_unless_own(cv_vault *v)
{
	cv_db_staff_actor rows[2];
	size_t found = 0;
	int r;

	if (v->vouched[0] && !strcmp(v->vouched, v->actor))
		return 0;
	if ((r = cv_db_staff_actors(v, NULL, acting_uid(v), rows, 2, &found)) < 0)
		return r;
	if (found == 1 && !strcmp(rows[0].id, v->actor))
		return 0;
	if ((r = cv_gpg_agent_forget_key(v, v->actor_fpr)) < 0)
		return cv_error(v, r, "cannot prove staff member %s's passphrase afresh (%s); nothing was done",
				v->actor, v->errmsg);
	return 0;
}

int cv_vault_unlock(cv_vault *v)
{
	int r;

	if (v->unlocked)
		return 0;
	if (!v->actor[0] && (r = cv_vault_set_actor(v, NULL)) < 0)
		return r;
	if ((r = forget_unless_own(v)) < 0)
		return r;
	if ((r = cv_keys_unlock(v)) < 0)
		return r;
	if (v->dry_run)
		return 0;  /* a check changes nothing: no wrap upgrade, adoption or checkpoint (docs/commands/import.md) */
	if ((r = cv_keys_upgrade_wraps(v)) < 0)  /* old wraps, once a writer holds the keys (core/keyupgrade.c) */
		return r;
	if ((r = cv_blind_upgrade(v)) < 0)  /* older records' duplicate index, likewise (core/blindupgrade.c) */
		return r;
	if ((r = cv_deposit_on_unlock(v, cv_keys_wrap)) == 0) {
		cv_checkpoint_on_unlock(v);  /* the trail's head signed (docs/architecture.md, The audit trail) */
		v->on_audit = cv_checkpoint_event;  /* and after consequential events, while the key is unlocked */
	}
	return r;
}

/*
 * 'casevault lock' through casevaultd: the caller's own session, and their
 * key's passphrase in gpg-agent, and nobody else's (docs/service.md, Sessions).
 */
int cv_vault_end_session(cv_vault *v)
{
	int r;

	if (!v->actor[0] && (r = cv_vault_set_actor(v, NULL)) < 0)
		return r;
	cv_keys_wipe(v);
	if (v->slip_cache)
		v->slip_cache->end(v->slip_cache_ctx, v->actor);
	return cv_gpg_agent_forget_key(v, v->actor_fpr);
}

int cv_require_key(cv_vault *v, cv_section s)
{
	int r;

	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	if (!v->mkey[s])
		return cv_error(v, CV_EREFUSED, "staff member %s may not use the %s section", v->actor,
				s == CV_SECTION_CP ? "child-protection" : "case");
	return 0;
}

/* Archive key wraps (crypto/keywrap.c), under an unlocked master key the actor may use. */
int cv_keys_wrap(cv_vault *v, cv_section s, const char *file, const char *key_hex, char **wrapped, int *gen)
{
	unsigned char k[CV_KEY_LEN];
	cv_wrap_ctx c = { cv_section_name(s), 0, file };
	int r;

	*wrapped = NULL;
	if ((r = cv_require_key(v, s)) < 0)
		return r;
	if (strlen(key_hex) != CV_KEY_HEX || cv_hex_decode(key_hex, CV_KEY_LEN, k) < 0)
		return cv_error(v, CV_EINVAL, "an archive key is malformed");
	c.gen = v->mkey_gen[s];
	if (!(*wrapped = malloc(CV_WRAPPED_LEN)))
		r = cv_error(v, CV_ERROR, "out of memory");
	else if (cv_keywrap(v->mkey[s], &c, k, *wrapped) < 0)
		r = cv_error(v, CV_ERROR, "cannot wrap the key of archive %s (libgcrypt AES key wrap)", file);
	explicit_bzero(k, sizeof(k));
	if (r < 0) {
		free(*wrapped);
		*wrapped = NULL;
		return r;
	}
	*gen = c.gen;
	return 0;
}

int cv_keys_unwrap(cv_vault *v, cv_section s, int gen, const char *file, const char *wrapped,
		   char out_hex[CV_KEY_HEX + 1])
{
	unsigned char k[CV_KEY_LEN];
	cv_wrap_ctx c = { cv_section_name(s), gen, file };
	int r, old;

	if ((r = cv_require_key(v, s)) < 0)
		return r;
	if (gen != v->mkey_gen[s])
		return cv_error(v, CV_ECORRUPT, "the key of archive %s was wrapped under an older master key", file);
	r = cv_keyunwrap(v->mkey[s], &c, wrapped, k, &old);
	if (r == -2)
		return cv_error(v, CV_ECORRUPT, "the wrapped key of archive %s is damaged; run 'casevault verify'", file);
	if (r == -3)
		return cv_error(v, CV_ECORRUPT, "the wrapped key of archive %s fails its integrity check (altered, or "
				"another archive's); nothing was changed; run 'casevault verify'", file);
	if (r < 0)
		return cv_error(v, CV_ERROR, "cannot unwrap the key of archive %s (libgcrypt)", file);
	cv_hex_encode(k, CV_KEY_LEN, out_hex);
	explicit_bzero(k, sizeof(k));
	return 0;
}

/*
 * The acting staff member is only claimed (--as, or the OS user's
 * registration): anyone who can run casevault could name a manager and
 * release a hold, approve a destruction or decide a disclosure.  So what
 * changes the vault or decides what is disclosed needs proof: the actor's own
 * secret key, that is their passphrase (or gpg-agent's cache of it, for the
 * person registered for this OS user only: forget_unless_own).  With a
 * keyslip the proof is the unlock the command mostly needs anyway; without
 * one (an auditor) it is a signature over a line naming them.
 */
int cv_prove_actor(cv_vault *v)
{
	char line[96], now[32], *sig = NULL;
	size_t siglen = 0;
	int r, slip;

	if (v->unlocked || v->proven)
		return 0;
	if (!v->actor[0] && (r = cv_vault_set_actor(v, NULL)) < 0)
		return r;
	if ((slip = cv_db_keys_slip_held(v, v->actor)) < 0)
		return slip;
	if (slip)
		return cv_vault_unlock(v);
	if ((r = forget_unless_own(v)) < 0)
		return r;
	cv_now_iso(now);
	snprintf(line, sizeof(line), "casevault: %s acting at %s\n", v->actor, now);
	/* a wrong passphrase counts towards the lock-out, as an unlock's does (docs/service.md, Sessions) */
	if ((r = cv_gpg_sign_detached(v, v->actor_fpr, line, strlen(line), &sig, &siglen)) < 0)
		return cv_slipcache_failed(v, r);
	cv_gpg_free(sig);
	v->proven = 1;
	return 0;
}

int cv_vault_prove(cv_vault *v)
{
	return cv_prove_actor(v);
}
