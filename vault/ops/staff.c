/* casevault - staff: adding, listing and attesting (revocation and key rotation: rotate.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/grants.h"
#include "core/keys.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/keyimport.h"
#include "rules/roles.h"
#include "store/db_meta.h"
#include "store/db_staff.h"
#include "store/index.h"
#include "casevault/audit.h"
#include "casevault/date.h"
#include "casevault/staff.h"

/* The new member's key: imported from o->key_file, or made for them (it names id). */
static int new_staff_key(cv_vault *v, const cv_staff_opts *o, const char *id, char fpr[48])
{
	if (o->key_file)
		return cv_gpg_import_staff_key(v, o->key_file, o->has_key_fd ? o->key_fd : -1, fpr, 48);
	return cv_gpg_create_staff_key_cb(v, id, o->no_passphrase, o->new_pass_cb, o->new_pass_hook, fpr, 48);
}

/* The new member's grant, signed by the acting manager: what their keyslip follows. */
static int sign_grant(cv_vault *v, const cv_staff_opts *o, const char *id, const char *fpr)
{
	cv_grant g;

	memset(&g, 0, sizeof(g));
	snprintf(g.staff, sizeof(g.staff), "%s", id);
	snprintf(g.role, sizeof(g.role), "%s", cv_role_name(o->role));
	snprintf(g.fpr, sizeof(g.fpr), "%s", fpr);
	g.os_uid = o->os_uid;
	g.sections = cv_role_sections(o->role);
	return cv_grants_sign(v, v->actor_fpr, &g);
}

/* The staff row, their grant, keyslip and the event, in one transaction; the key is removed on failure. */
static int staff_add_tx(cv_vault *v, const cv_staff_opts *o, const char *id, const char *fpr)
{
	char now[32];
	cv_db_staff_new row = { id, cv_role_name(o->role), fpr, 0, o->os_uid, o->name, now };
	int r;

	cv_now_iso(now);
	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_index_next_id(v, "staff", &row.seq)) < 0 ||
	    (r = cv_db_staff_insert(v, &row, "add the staff member")) < 0 ||
	    (r = sign_grant(v, o, id, fpr)) < 0 ||
	    (cv_role_sections(o->role) &&
	     (r = cv_keys_write_slip(v, id, fpr, cv_role_sections(o->role), v->mkey_gen[CV_SECTION_CASE])) < 0) ||
	    (r = cv_audit(v, "staff.add", 0, id)) < 0) {
		cv_index_rollback(v);
		cv_gpg_delete_key(v, fpr);
		return r;
	}
	return cv_index_commit(v);
}

int cv_staff_add(cv_vault *v, const cv_staff_opts *o, char id_out[16])
{
	char id[16], fpr[48];
	long seq;
	int r;

	if ((r = cv_authorize(v, CV_ACT_STAFF_ADMIN, NULL)) < 0)
		return r;
	if (!o->name || !*o->name || strlen(o->name) > 200)
		return cv_error(v, CV_EINVAL, "give the person's name (up to 200 characters)");
	if ((unsigned)o->role >= 5)
		return cv_error(v, CV_EINVAL, "unknown role; use manager, caseworker, cp-lead, volunteer or auditor");
	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	/* the id is chosen before the key, which names it */
	if ((r = cv_db_meta_counter_peek(v, "staff", &seq)) == 0) {
		snprintf(id, sizeof(id), "S-%04ld", seq);
		if ((r = new_staff_key(v, o, id, fpr)) == 0 && (r = staff_add_tx(v, o, id, fpr)) == 0)
			snprintf(id_out, 16, "%s", id);
	}
	cv_vault_unlock_writer(v);
	return r;
}

int cv_staff_list(cv_vault *v, cv_staff **out, size_t *n, int unseal)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, unseal ? CV_ACT_STAFF_ADMIN : CV_ACT_LIST, NULL)) < 0)
		return r;
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	return cv_db_staff_list(v, unseal, out, n);
}

void cv_staff_list_free(cv_staff *list, size_t n)
{
	cv_db_staff_list_free(list, n);
}

int cv_staff_attest(cv_vault *v, const char *id, const char *date, const char *version)
{
	cv_date d, today;
	char ds[11], now[32], last_version[32], last_date[11];
	int r, exists;

	if (!v->actor[0] && (r = cv_vault_set_actor(v, NULL)) < 0)
		return r;
	/* anyone may renew their own agreement, even once it has lapsed: if they prove who they are */
	if (strcmp(id, v->actor) && (r = cv_authorize(v, CV_ACT_STAFF_ADMIN, id)) < 0)
		return r;
	if (!strcmp(id, v->actor) && (r = cv_prove_actor(v)) < 0)
		return r;
	if ((exists = cv_db_staff_state(v, id)) < 0)
		return exists;
	if (!exists)
		return cv_error(v, CV_ENOTFOUND, "no staff member %s in this vault; see 'casevault staff list'", id);
	if (exists == 1)
		return cv_error(v, CV_EREFUSED, "staff member %s has been revoked", id);
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	d = today;
	if (date && cv_date_parse(&d, date) < 0)
		return cv_error(v, CV_EINVAL, "the date must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(&d, &today) > 0)
		return cv_error(v, CV_EINVAL, "the attestation date is in the future");
	if ((r = cv_latest_attestation(v, id, last_date, last_version)) < 0)
		return r;
	if (!version || !*version)
		version = last_version[0] ? last_version : "1";
	if (strlen(version) > 31)
		return cv_error(v, CV_EINVAL, "the policy version is too long (31 characters at most)");
	cv_date_format(&d, ds);
	cv_now_iso(now);
	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_db_staff_attest_insert(v, id, ds, version, v->actor, now, "record the attestation")) < 0 ||
	    (r = cv_audit(v, "staff.attest", 0, id)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return cv_index_commit(v);
}
