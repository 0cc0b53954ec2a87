/* casevault - staff, roles, attestation, revocation with key rotation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gcrypt.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/keys.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/seal.h"
#include "rules/roles.h"
#include "store/index.h"
#include "casevault/audit.h"
#include "casevault/date.h"
#include "casevault/staff.h"

static int neutral_uids(gpgme_key_t key)
{
	gpgme_user_id_t u;

	for (u = key->uids; u; u = u->next)
		if (u->name && *u->name && strncmp(u->name, "casevault", 9))
			return 0;
	return 1;
}

/* Import a secret key file; its user ids are stored in clear, so they must be neutral. */
static int import_key(cv_vault *v, const char *path, cv_passphrase_cb cb, void *hook, char *fpr, size_t fprlen)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t d = NULL;
	gpgme_import_result_t res;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	int r;

	(void)cb;
	(void)hook;
	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	err = gpgme_data_new_from_file(&d, path, 1);
	if (err) {
		r = cv_error(v, CV_EINVAL, "cannot read the key file %s: %s", path, gpgme_strerror(err));
		goto out;
	}
	/* look before importing: the user ids would land in pubring.kbx in clear */
	err = gpgme_op_import(ctx, d);
	res = err ? NULL : gpgme_op_import_result(ctx);
	if (err || !res || !res->imports || !res->imports->fpr || res->secret_imported < 1) {
		r = cv_error(v, CV_EINVAL, "%s holds no OpenPGP secret key; export one with 'gpg --export-secret-keys'", path);
		goto out;
	}
	snprintf(fpr, fprlen, "%s", res->imports->fpr);
	err = cv_gpg_get_key(ctx, fpr, &key, 1);
	if (err || !key->can_encrypt) {
		r = cv_error(v, CV_EINVAL, "the key in %s cannot encrypt; it needs an encryption subkey", path);
		goto undo;
	}
	if (!neutral_uids(key)) {
		r = cv_error(v, CV_EREFUSED, "the key in %s has a user id with a name, which gpg would store in clear; give it a user id starting 'casevault' or let casevault make the key", path);
		goto undo;
	}
	r = 0;
	goto out;
undo:
	if (key) {
		gpgme_op_delete_ext(ctx, key, GPGME_DELETE_ALLOW_SECRET | GPGME_DELETE_FORCE);
		gpgme_key_unref(key);
		key = NULL;
	}
out:
	if (key)
		gpgme_key_unref(key);
	if (d)
		gpgme_data_release(d);
	gpgme_release(ctx);
	return r;
}

int cv_staff_add(cv_vault *v, const cv_staff_opts *o, char id_out[16])
{
	sqlite3_stmt *st = NULL;
	char id[16], fpr[48], now[32], today_s[11], ctx[64];
	unsigned char *blob = NULL;
	size_t blen = 0;
	cv_date today;
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
	if ((r = cv_index_prepare(v, &st, "SELECT value + 1 FROM counters WHERE name = 'staff'")) < 0)
		goto out;
	seq = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 1;
	sqlite3_finalize(st);
	st = NULL;
	snprintf(id, sizeof(id), "S-%04ld", seq);
	if (o->key_file)
		r = import_key(v, o->key_file, o->new_pass_cb, o->new_pass_hook, fpr, sizeof(fpr));
	else
		r = cv_gpg_create_staff_key_cb(v, id, o->no_passphrase, o->new_pass_cb, o->new_pass_hook, fpr, sizeof(fpr));
	if (r < 0)
		goto out;
	cv_now_iso(now);
	cv_date_today(&today);
	cv_date_format(&today, today_s);
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	if ((r = cv_index_next_id(v, "staff", &seq)) < 0)
		goto rollback;
	snprintf(ctx, sizeof(ctx), "staff.name:%s", id);
	if ((r = cv_seal_str(v, CV_SECTION_CASE, ctx, o->name, &blob, &blen)) < 0)
		goto rollback;
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO staff(id, seq, role, fpr, os_uid, name, created) VALUES(?,?,?,?,?,?,?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, cv_role_name(o->role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, fpr, -1, SQLITE_STATIC);
	if (o->os_uid >= 0)
		sqlite3_bind_int64(st, 5, o->os_uid);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_blob(st, 6, blob, (int)blen, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "add the staff member");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (cv_role_sections(o->role) &&
	    (r = cv_keys_write_slip(v, id, fpr, cv_role_sections(o->role), v->mkey_gen[CV_SECTION_CASE])) < 0)
		goto rollback;
	if ((r = cv_audit(v, "staff.add", 0, id)) < 0)
		goto rollback;
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	snprintf(id_out, 16, "%s", id);
	r = 0;
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	cv_index_rollback(v);
	cv_gpg_delete_key(v, fpr);
out:
	free(blob);
	cv_vault_unlock_writer(v);
	return r;
}

int cv_staff_list(cv_vault *v, cv_staff **out, size_t *n, int unseal)
{
	sqlite3_stmt *st = NULL;
	cv_staff *list = NULL;
	size_t cnt = 0, alloc = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, unseal ? CV_ACT_STAFF_ADMIN : CV_ACT_LIST, NULL)) < 0)
		return r;
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st,
		"SELECT s.id, s.name, s.role, s.fpr, s.os_uid, s.created, s.revoked,"
		" (SELECT date FROM attestations a WHERE a.staff_id = s.id ORDER BY date DESC, rowid DESC LIMIT 1),"
		" (SELECT policy_version FROM attestations a WHERE a.staff_id = s.id ORDER BY date DESC, rowid DESC LIMIT 1)"
		" FROM staff s ORDER BY s.seq")) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cv_staff *s;

		if (cnt == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			cv_staff *nl = reallocarray(list, na, sizeof(*nl));
			if (!nl) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nl;
			alloc = na;
		}
		s = &list[cnt];
		memset(s, 0, sizeof(*s));
		snprintf(s->id, sizeof(s->id), "%s", (const char *)sqlite3_column_text(st, 0));
		cv_role_parse(&s->role, (const char *)sqlite3_column_text(st, 2));
		snprintf(s->fpr, sizeof(s->fpr), "%s", (const char *)sqlite3_column_text(st, 3));
		s->os_uid = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, 4);
		snprintf(s->created, sizeof(s->created), "%s", (const char *)sqlite3_column_text(st, 5));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			snprintf(s->revoked, sizeof(s->revoked), "%s", (const char *)sqlite3_column_text(st, 6));
		if (sqlite3_column_type(st, 7) != SQLITE_NULL)
			snprintf(s->attested, sizeof(s->attested), "%s", (const char *)sqlite3_column_text(st, 7));
		if (sqlite3_column_type(st, 8) != SQLITE_NULL)
			snprintf(s->policy_version, sizeof(s->policy_version), "%s", (const char *)sqlite3_column_text(st, 8));
		cnt++;
		if (unseal && sqlite3_column_type(st, 1) != SQLITE_NULL) {
			char ctx[64];

			snprintf(ctx, sizeof(ctx), "staff.name:%s", s->id);
			if ((r = cv_unseal(v, CV_SECTION_CASE, ctx, sqlite3_column_blob(st, 1),
					   (size_t)sqlite3_column_bytes(st, 1), &s->name, NULL)) < 0)
				goto fail;
		}
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	cv_staff_list_free(list, cnt);
	return r;
}

void cv_staff_list_free(cv_staff *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].name) {
			explicit_bzero(list[i].name, strlen(list[i].name));
			free(list[i].name);
		}
	free(list);
}

int cv_staff_attest(cv_vault *v, const char *id, const char *date, const char *version)
{
	sqlite3_stmt *st = NULL;
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
	if ((r = cv_index_prepare(v, &st, "SELECT revoked IS NULL FROM staff WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	exists = sqlite3_step(st) == SQLITE_ROW ? 1 + sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
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
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO attestations(staff_id, date, policy_version, recorded_by, recorded_at) VALUES(?,?,?,?,?)")) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ds, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "record the attestation");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = cv_audit(v, "staff.attest", 0, id)) < 0)
		goto fail;
	return cv_index_commit(v);
fail:
	sqlite3_finalize(st);
	cv_index_rollback(v);
	return r;
}
