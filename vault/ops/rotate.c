/*
 * casevault - revocation: remove a person's keyslips and rotate the section
 * master keys they held.  Everything under the old keys is moved to new
 * ones in one transaction: archive keys are unwrapped and wrapped again
 * (the archives themselves are not rewritten), sealed index fields are
 * opened and sealed again, and every remaining person gets a new keyslip.
 * A crash leaves the old state whole (SQLite rolls the transaction back).
 * The person's secret key leaves the vault's keyring after the commit, as an
 * intent the commit records: a crash after it leaves the deletion to the next
 * writer (docs/architecture.md, Crash safety; core/intent.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/deposit.h"
#include "core/grants_upgrade.h"
#include "core/intent.h"
#include "core/keys.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/keymem.h"
#include "crypto/keywrap.h"
#include "rules/roles.h"
#include "store/keystore.h"
#include "store/db_intent.h"
#include "store/db_keys.h"
#include "store/db_rotate.h"
#include "store/db_staff.h"
#include "store/index.h"
#include "store/sealed.h"
#include "casevault/audit.h"
#include "casevault/staff.h"

typedef struct {
	long long aid;
	cv_section sec;
	char key[CV_KEY_HEX + 1];
	char file[64];
	char *wrapped;
	int gen;
} archive_key;

/* What a rotation holds while it runs: opened fields, archive keys, the old master keys. */
typedef struct {
	cv_vault *v;
	int mask;                              /* the sections being rotated */
	const char *fpr;                       /* the revoked person's key */
	int slip_gen;                          /* the new keyslips' generation */
	cv_db_sealed_field *fields;
	size_t nfields;
	archive_key *ak;
	size_t nak, cap;
	unsigned char *oldk[CV_SECTION_COUNT];
	int oldgen[CV_SECTION_COUNT];
} rotation;

/* A new keyslip for one remaining staff member whose role holds keys. */
static int write_slip(void *hook, const char *id, const char *role_name, const char *fpr)
{
	rotation *rot = hook;
	cv_role role;

	if (cv_role_parse(&role, role_name) < 0 || !cv_role_sections(role))
		return 0;
	return cv_keys_write_slip(rot->v, id, fpr, cv_role_sections(role), rot->slip_gen);
}

static int active_staff_slips(rotation *rot, const char *skip)
{
	int r;

	if ((r = cv_db_keys_slips_clear(rot->v)) < 0)
		return r;
	return cv_db_staff_each_active(rot->v, skip, write_slip, rot);
}

/*
 * Who may be revoked, by whom; *fpr and *mask (the sections they hold) when
 * they may; 1 when they are revoked already but their secret key's deletion
 * is unfinished.
 */
static int revoke_check(cv_vault *v, const char *id, char fpr[48], int *mask)
{
	cv_db_staff_facts f;
	cv_role role = CV_ROLE_VOLUNTEER;
	int r, s, found;

	if ((r = cv_authorize(v, CV_ACT_STAFF_ADMIN, id)) < 0)
		return r;
	if (!strcmp(id, v->actor))
		return cv_error(v, CV_EREFUSED, "you cannot revoke yourself; ask another manager");
	if ((found = cv_db_staff_facts_get(v, id, &f)) < 0)
		return found;
	if (!found)
		return cv_error(v, CV_ENOTFOUND, "no staff member %s in this vault; see 'casevault staff list'", id);
	if (!f.active)
		return cv_db_intent_revoke_has(v, id) ? 1 : cv_error(v, CV_EREFUSED, "staff member %s is already revoked", id);
	cv_role_parse(&role, f.role);
	*mask = cv_role_sections(role);
	if (f.managers - (role == CV_ROLE_MANAGER) < 1)
		return cv_error(v, CV_EREFUSED, "%s is the last manager; add another manager first", id);
	snprintf(fpr, 48, "%s", f.fpr);
	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if ((*mask & (1 << s)) && !v->mkey[s])
			return cv_error(v, CV_EREFUSED, "you do not hold the %s key needed to rotate it", cv_section_name(s));
	return 0;
}

/* Unwrap one archive key of a rotated section with the old master key. */
static int take_archive_key(void *hook, const cv_db_archive_key *k)
{
	rotation *rot = hook;
	cv_vault *v = rot->v;
	archive_key *a;
	int r;

	if (!(rot->mask & (1 << k->sec)))
		return 0;
	if (CV_ARRAY_GROW(&rot->ak, &rot->cap, rot->nak) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	a = &rot->ak[rot->nak++];
	memset(a, 0, sizeof(*a));
	a->aid = k->id;
	a->sec = k->sec;
	snprintf(a->file, sizeof(a->file), "%s", k->file);
	/* any wrap that fails its check stops the rotation before anything is written */
	r = cv_keys_unwrap(v, k->sec, k->gen, a->file, k->wrapped, a->key);
	return r < 0 ? r : 0;
}

/* New master keys for the rotated sections; the old ones stay in hand until the commit. */
static int new_master_keys(cv_vault *v, rotation *rot)
{
	int s, gen = 0;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		rot->oldgen[s] = v->mkey_gen[s];
		if (!(rot->mask & (1 << s)))
			continue;
		rot->oldk[s] = v->mkey[s];
		if (!(v->mkey[s] = cv_keymem_new_key(CV_KEY_LEN)))
			return cv_error(v, CV_ERROR, "out of secure memory");
		v->mkey_gen[s] = rot->oldgen[s] + 1;
	}
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (v->mkey_gen[s] > gen)
			gen = v->mkey_gen[s];
	rot->slip_gen = gen + 1;  /* keyslip generation: newer than any before */
	return 0;
}

/*
 * Wrap every archive key under the new master keys and commit the wraps to
 * the key store, beside the old generation's: until the index commit
 * switches archives.key_gen they are orphans (swept if the rotation dies),
 * after it the old ones are (store/keystore.h).
 */
static int store_new_wraps(cv_vault *v, rotation *rot)
{
	size_t i;
	int r;

	for (i = 0; i < rot->nak; i++) {
		archive_key *a = &rot->ak[i];

		if ((r = cv_keys_wrap(v, a->sec, a->file, a->key, &a->wrapped, &a->gen)) < 0)
			return r;
	}
	if ((r = cv_index_begin(v)) < 0)
		return r;
	for (i = 0; i < rot->nak && r == 0; i++)
		r = cv_keystore_put(v, rot->ak[i].file, rot->ak[i].gen, rot->ak[i].wrapped);
	if (r < 0 || (r = cv_index_commit(v)) < 0)
		cv_index_rollback(v);
	return r;
}

/* Every index write of the rotation, in the transaction the caller opened. */
static int rotate_rows(cv_vault *v, rotation *rot, const char *id)
{
	char now[32], mac[65];
	size_t i, n;
	int r, s;

	for (i = 0; i < rot->nak; i++)
		if ((r = cv_db_rotate_set_gen(v, rot->ak[i].aid, rot->ak[i].gen)) < 0)
			return r;
	if ((r = cv_db_rotate_reseal(v, rot->fields, rot->nfields)) < 0)
		return r;
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!(rot->mask & (1 << s)))
			continue;
		/* the duplicate index under the new key, from the hashes just sealed again */
		if ((r = cv_sealed_blind_fill(v, (cv_section)s, 1, &n)) < 0)
			return r;
		cv_keys_check_mac(v->mkey[s], mac);
		if ((r = cv_db_keys_section_update(v, cv_section_name(s), v->mkey_gen[s], mac)) < 0)
			return r;
	}
	/* the revocation is a signed grant too, before the keyslips that carry the anchor */
	if ((r = cv_grants_revoke(v, id)) < 0 || (r = active_staff_slips(rot, id)) < 0)
		return r;
	cv_now_iso(now);
	if ((r = cv_db_staff_mark_revoked(v, id, now)) < 0 ||
	    (r = cv_db_intent_revoke_add(v, rot->fpr, id)) < 0)
		return r;
	return cv_audit(v, "staff.revoke", 0, id);
}

/* After the rotation: on failure the old keys go back (nothing changed), else they are wiped. */
static void rotation_end(cv_vault *v, rotation *rot, int failed)
{
	size_t i;
	int s;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!rot->oldk[s])
			continue;
		if (failed) {
			cv_keymem_free(v->mkey[s], CV_KEY_LEN);
			v->mkey[s] = rot->oldk[s];
			v->mkey_gen[s] = rot->oldgen[s];
		} else {
			cv_keymem_free(rot->oldk[s], CV_KEY_LEN);
		}
	}
	for (i = 0; i < rot->nak; i++) {
		explicit_bzero(rot->ak[i].key, sizeof(rot->ak[i].key));
		free(rot->ak[i].wrapped);
	}
	free(rot->ak);
	cv_db_rotate_fields_free(rot->fields, rot->nfields);
}

/* Open, re-key and rewrite under the writer lock; see the comment at the top. */
static int rotate(cv_vault *v, rotation *rot, const char *id)
{
	int r;

	/* 1. Open everything held under the keys being replaced (volunteers' deposits adopted first). */
	if ((r = cv_deposit_before_rotation(v, cv_keys_wrap, &rot->mask)) < 0 ||
	    (r = cv_db_rotate_open_fields(v, rot->mask, &rot->fields, &rot->nfields)) < 0 ||
	    (r = cv_db_rotate_archive_keys(v, take_archive_key, rot)) < 0)
		return r;
	/* 2. New keys. */
	if ((r = new_master_keys(v, rot)) < 0)
		return r;
	/* 3. The new wraps, committed to the key store beside the old ones. */
	if ((r = store_new_wraps(v, rot)) < 0)
		return r;
	cv_crashpoint("revoke-keys-stored");
	/* 4. Everything else in one index transaction, which switches to them. */
	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = rotate_rows(v, rot, id)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	if ((r = cv_index_commit(v)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return 0;
}

/* Revoked already, but a crash (or gpg-agent) left their secret key: delete it now. */
static int finish_earlier(cv_vault *v, const char *id)
{
	int r, n = 0;

	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	r = cv_revoke_finish(v, id, &n);
	cv_vault_unlock_writer(v);
	if (r < 0)
		return r;
	cv_notice(v, "%s was revoked already; finished the interrupted revocation: their secret key is gone "
		  "from the vault's keyring (their public key stays, for their receipts)", id);
	return 0;
}

int cv_staff_revoke(cv_vault *v, const char *id, size_t *rewrapped)
{
	rotation rot;
	char fpr[48];
	int r;

	memset(&rot, 0, sizeof(rot));
	rot.v = v;
	if (rewrapped)
		*rewrapped = 0;
	if ((r = revoke_check(v, id, fpr, &rot.mask)) < 0)
		return r;
	if (r == 1)
		return finish_earlier(v, id);
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	rot.fpr = fpr;
	r = rotate(v, &rot, id);
	if (r == 0) {
		/* The old wraps leave the key store; checkpoint so neither WAL holds old key material. */
		cv_keystore_sweep(v);
		cv_db_rotate_checkpoint(v);
		cv_crashpoint("revoke-after-commit");
		/* Their secret key leaves the vault's keyring (the public part stays for their
		 * receipts); if it cannot, the intent stays for the next writer and a notice says so. */
		cv_revoke_finish(v, id, NULL);
		if (rewrapped)
			*rewrapped = rot.nak;
	}
	rotation_end(v, &rot, r < 0);
	cv_vault_unlock_writer(v);
	return r;
}
