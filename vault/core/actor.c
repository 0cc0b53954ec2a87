/*
 * casevault - the acting staff member: who they are, proving it with their
 * key, and the section master keys their keyslip unlocks for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casevault/staff.h"

#include "base/handle.h"
#include "base/hex.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/checkpoint.h"
#include "core/keys.h"
#include "crypto/gpg.h"
#include "crypto/keymem.h"
#include "crypto/keywrap.h"
#include "store/db_keys.h"
#include "store/db_staff.h"

int cv_vault_set_actor(cv_vault *v, const char *staff_id)
{
	cv_db_staff_actor rows[2];
	size_t found = 0;
	int r;

	/* two rows are enough to tell "one" from "several" */
	if ((r = cv_db_staff_actors(v, staff_id, (long)getuid(), rows, 2, &found)) < 0)
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

int cv_vault_unlock(cv_vault *v)
{
	int r;

	if (v->unlocked)
		return 0;
	if (!v->actor[0] && (r = cv_vault_set_actor(v, NULL)) < 0)
		return r;
	if ((r = cv_keys_unlock(v)) == 0)
		cv_checkpoint_on_unlock(v);  /* the trail's head signed (docs/architecture.md, The audit trail) */
	return r;
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
int cv_keys_wrap(cv_vault *v, cv_section s, const char *key_hex, char **wrapped, int *gen)
{
	unsigned char k[CV_KEY_LEN], nonce[CV_KEY_LEN];
	int r;

	*wrapped = NULL;
	if ((r = cv_require_key(v, s)) < 0)
		return r;
	if (strlen(key_hex) != CV_KEY_HEX || cv_hex_decode(key_hex, CV_KEY_LEN, k) < 0)
		return cv_error(v, CV_EINVAL, "an archive key is malformed");
	cv_keymem_nonce(nonce, sizeof(nonce));
	if (!(*wrapped = malloc(CV_WRAPPED_LEN)))
		r = cv_error(v, CV_ERROR, "out of memory");
	else if (cv_keywrap(v->mkey[s], k, nonce, *wrapped) < 0)
		r = cv_error(v, CV_ERROR, "cannot start SHA3-256");
	explicit_bzero(k, sizeof(k));
	if (r < 0) {
		free(*wrapped);
		*wrapped = NULL;
		return r;
	}
	*gen = v->mkey_gen[s];
	return 0;
}

int cv_keys_unwrap(cv_vault *v, cv_section s, int gen, const char *wrapped,
		   char out_hex[CV_KEY_HEX + 1])
{
	unsigned char k[CV_KEY_LEN];
	int r;

	if ((r = cv_require_key(v, s)) < 0)
		return r;
	if (gen != v->mkey_gen[s])
		return cv_error(v, CV_ECORRUPT, "an archive key was wrapped under an older master key");
	r = cv_keyunwrap(v->mkey[s], wrapped, k);
	if (r == -2)
		return cv_error(v, CV_ECORRUPT, "an archive key in the index is damaged");
	if (r < 0)
		return cv_error(v, CV_ERROR, "cannot start SHA3-256");
	cv_hex_encode(k, CV_KEY_LEN, out_hex);
	explicit_bzero(k, sizeof(k));
	return 0;
}

/*
 * The acting staff member is only claimed (--as, or the OS user's
 * registration): anyone who can run casevault could name a manager and
 * release a hold, approve a destruction or decide a disclosure.  So what
 * changes the vault or decides what is disclosed needs proof: the actor's own
 * secret key, that is their passphrase (or gpg-agent's cache of it).  With a
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
	cv_now_iso(now);
	snprintf(line, sizeof(line), "casevault: %s acting at %s\n", v->actor, now);
	if ((r = cv_gpg_sign_detached(v, v->actor_fpr, line, strlen(line), &sig, &siglen)) < 0)
		return r;
	cv_gpg_free(sig);
	v->proven = 1;
	return 0;
}
