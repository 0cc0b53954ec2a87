/*
 * casevault - revocation: remove a person's keyslips and rotate the section
 * master keys they held.  Everything under the old keys is moved to new
 * ones in one transaction: archive keys are unwrapped and wrapped again
 * (the archives themselves are not rewritten), sealed index fields are
 * opened and sealed again, and every remaining person gets a new keyslip.
 * A crash leaves the old state whole (SQLite rolls the transaction back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/keys.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/keywrap.h"
#include "crypto/seal.h"
#include "rules/roles.h"
#include "store/index.h"
#include "store/sealed.h"
#include "casevault/audit.h"
#include "casevault/staff.h"

typedef struct {
	const char *table, *column;
	char id[48];
	cv_section sec;
	char *plain;
	size_t len;
} opened_field;

typedef struct {
	sqlite3_int64 aid;
	cv_section sec;
	char key[CV_KEY_HEX + 1];
	char *wrapped;
	int gen;
} archive_key;

static int table_has(cv_vault *v, const char *table, const char *column)
{
	sqlite3_stmt *st = NULL;
	char *sql = NULL;
	int found = 0;

	if (asprintf(&sql, "SELECT 1 FROM pragma_table_info('%s') WHERE name = '%s'", table, column) < 0)
		return 0;
	if (cv_index_prepare(v, &st, sql) == 0) {
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	free(sql);
	return found;
}

static void free_fields(opened_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].plain) {
			explicit_bzero(f[i].plain, f[i].len);
			free(f[i].plain);
		}
	free(f);
}

/* Open every sealed field of the sections in mask with the current keys. */
static int open_fields(cv_vault *v, int mask, opened_field **out, size_t *nout)
{
	opened_field *f = NULL;
	size_t n = 0, alloc = 0, c;
	int r = 0;

	for (c = 0; c < cv_nsealed_cols; c++) {
		sqlite3_stmt *st = NULL;
		char *sql = NULL;

		if (!table_has(v, cv_sealed_cols[c].table, cv_sealed_cols[c].column))
			continue;
		if (asprintf(&sql, "SELECT id, %s, %s FROM %s WHERE %s IS NOT NULL", cv_sealed_cols[c].column,
			     cv_sealed_cols[c].section_col ? cv_sealed_cols[c].section_col : "'case'",
			     cv_sealed_cols[c].table, cv_sealed_cols[c].column) < 0)
			return cv_error(v, CV_ERROR, "out of memory");
		r = cv_index_prepare(v, &st, sql);
		free(sql);
		if (r < 0)
			goto fail;
		while (sqlite3_step(st) == SQLITE_ROW) {
			cv_section sec;
			char ctx[96];

			cv_section_parse(&sec, (const char *)sqlite3_column_text(st, 2));
			if (!(mask & (1 << sec)))
				continue;
			if (n == alloc) {
				size_t na = alloc ? alloc * 2 : 256;
				opened_field *nf = reallocarray(f, na, sizeof(*nf));
				if (!nf) {
					sqlite3_finalize(st);
					r = cv_error(v, CV_ERROR, "out of memory");
					goto fail;
				}
				f = nf;
				alloc = na;
			}
			memset(&f[n], 0, sizeof(f[n]));
			f[n].table = cv_sealed_cols[c].table;
			f[n].column = cv_sealed_cols[c].column;
			f[n].sec = sec;
			snprintf(f[n].id, sizeof(f[n].id), "%s", (const char *)sqlite3_column_text(st, 0));
			snprintf(ctx, sizeof(ctx), "%s.%s:%s", f[n].table, f[n].column, f[n].id);
			r = cv_unseal(v, sec, ctx, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
				      &f[n].plain, &f[n].len);
			if (r < 0) {
				sqlite3_finalize(st);
				goto fail;
			}
			n++;
		}
		sqlite3_finalize(st);
	}
	*out = f;
	*nout = n;
	return 0;
fail:
	free_fields(f, n);
	return r;
}

static int reseal_fields(cv_vault *v, opened_field *f, size_t n)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		sqlite3_stmt *st = NULL;
		unsigned char *blob = NULL;
		size_t blen = 0;
		char ctx[96], *sql = NULL;

		snprintf(ctx, sizeof(ctx), "%s.%s:%s", f[i].table, f[i].column, f[i].id);
		if ((r = cv_seal(v, f[i].sec, ctx, f[i].plain, f[i].len, &blob, &blen)) < 0)
			return r;
		if (asprintf(&sql, "UPDATE %s SET %s = ? WHERE id = ?", f[i].table, f[i].column) < 0) {
			free(blob);
			return cv_error(v, CV_ERROR, "out of memory");
		}
		r = cv_index_prepare(v, &st, sql);
		free(sql);
		if (r < 0) {
			free(blob);
			return r;
		}
		sqlite3_bind_blob(st, 1, blob, (int)blen, free);
		sqlite3_bind_text(st, 2, f[i].id, -1, SQLITE_STATIC);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "re-seal a field");
		sqlite3_finalize(st);
		if (r < 0)
			return r;
	}
	return 0;
}

static int active_staff_slips(cv_vault *v, const char *skip, int gen)
{
	sqlite3_stmt *st = NULL;
	int r = 0;

	if ((r = cv_index_exec(v, "DELETE FROM keyslips")) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "SELECT id, role, fpr FROM staff WHERE revoked IS NULL AND id != ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, skip, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cv_role role;
		char id[16], fpr[48];

		snprintf(id, sizeof(id), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(fpr, sizeof(fpr), "%s", (const char *)sqlite3_column_text(st, 2));
		if (cv_role_parse(&role, (const char *)sqlite3_column_text(st, 1)) < 0 || !cv_role_sections(role))
			continue;
		if ((r = cv_keys_write_slip(v, id, fpr, cv_role_sections(role), gen)) < 0)
			break;
	}
	sqlite3_finalize(st);
	return r;
}

int cv_staff_revoke(cv_vault *v, const char *id, size_t *rewrapped)
{
	sqlite3_stmt *st = NULL;
	opened_field *fields = NULL;
	archive_key *ak = NULL;
	size_t nfields = 0, nak = 0, alloc = 0, i;
	unsigned char *oldk[CV_SECTION_COUNT] = { NULL, NULL };
	int oldgen[CV_SECTION_COUNT];
	char fpr[48], now[32], mac[65];
	int r, s, mask = 0, managers = 0, exists = 0, gen = 0, in_tx = 0;

	if (rewrapped)
		*rewrapped = 0;
	if ((r = cv_authorize(v, CV_ACT_STAFF_ADMIN, id)) < 0)
		return r;
	if (!strcmp(id, v->actor))
		return cv_error(v, CV_EREFUSED, "you cannot revoke yourself; ask another manager");
	if ((r = cv_index_prepare(v, &st, "SELECT fpr, revoked IS NULL, role,"
		" (SELECT count(*) FROM staff WHERE role = 'manager' AND revoked IS NULL) FROM staff WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		cv_role role;

		exists = 1 + sqlite3_column_int(st, 1);
		snprintf(fpr, sizeof(fpr), "%s", (const char *)sqlite3_column_text(st, 0));
		cv_role_parse(&role, (const char *)sqlite3_column_text(st, 2));
		mask = cv_role_sections(role);
		managers = sqlite3_column_int(st, 3) - (role == CV_ROLE_MANAGER);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!exists)
		return cv_error(v, CV_ENOTFOUND, "no staff member %s in this vault; see 'casevault staff list'", id);
	if (exists == 1)
		return cv_error(v, CV_EREFUSED, "staff member %s is already revoked", id);
	if (managers < 1)
		return cv_error(v, CV_EREFUSED, "%s is the last manager; add another manager first", id);
	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if ((mask & (1 << s)) && !v->mkey[s])
			return cv_error(v, CV_EREFUSED, "you do not hold the %s key needed to rotate it", cv_section_name(s));
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;

	/* 1. Open everything held under the keys being replaced. */
	if ((r = open_fields(v, mask, &fields, &nfields)) < 0)
		goto out;
	if ((r = cv_index_prepare(v, &st, "SELECT id, section, wrapped_key, key_gen FROM archives ORDER BY id")) < 0)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cv_section sec;

		cv_section_parse(&sec, (const char *)sqlite3_column_text(st, 1));
		if (!(mask & (1 << sec)))
			continue;
		if (nak == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			archive_key *n2 = reallocarray(ak, na, sizeof(*n2));
			if (!n2) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto out;
			}
			ak = n2;
			alloc = na;
		}
		memset(&ak[nak], 0, sizeof(ak[nak]));
		ak[nak].aid = sqlite3_column_int64(st, 0);
		ak[nak].sec = sec;
		r = cv_keys_unwrap(v, sec, sqlite3_column_int(st, 3), (const char *)sqlite3_column_text(st, 2), ak[nak].key);
		nak++;
		if (r < 0)
			goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	/* 2. New keys; the old ones stay in hand until the commit. */
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		oldgen[s] = v->mkey_gen[s];
		if (!(mask & (1 << s)))
			continue;
		oldk[s] = v->mkey[s];
		v->mkey[s] = gcry_malloc_secure(CV_KEY_LEN);
		if (!v->mkey[s]) {
			r = cv_error(v, CV_ERROR, "out of secure memory");
			goto out;
		}
		gcry_randomize(v->mkey[s], CV_KEY_LEN, GCRY_VERY_STRONG_RANDOM);
		v->mkey_gen[s] = oldgen[s] + 1;
		if (v->mkey_gen[s] > gen)
			gen = v->mkey_gen[s];
	}
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (v->mkey_gen[s] > gen)
			gen = v->mkey_gen[s];
	gen++;  /* keyslip generation: newer than any before */

	/* 3. Everything in one transaction. */
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	in_tx = 1;
	for (i = 0; i < nak; i++) {
		if ((r = cv_keys_wrap(v, ak[i].sec, ak[i].key, &ak[i].wrapped, &ak[i].gen)) < 0)
			goto out;
		if ((r = cv_index_prepare(v, &st, "UPDATE archives SET wrapped_key = ?, key_gen = ? WHERE id = ?")) < 0)
			goto out;
		sqlite3_bind_text(st, 1, ak[i].wrapped, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, ak[i].gen);
		sqlite3_bind_int64(st, 3, ak[i].aid);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "re-wrap an archive key");
		sqlite3_finalize(st);
		st = NULL;
		if (r < 0)
			goto out;
	}
	if ((r = reseal_fields(v, fields, nfields)) < 0)
		goto out;
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!(mask & (1 << s)))
			continue;
		cv_keys_check_mac(v->mkey[s], mac);
		if ((r = cv_index_prepare(v, &st, "UPDATE section_keys SET generation = ?, check_mac = ? WHERE section = ?")) < 0)
			goto out;
		sqlite3_bind_int(st, 1, v->mkey_gen[s]);
		sqlite3_bind_text(st, 2, mac, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, cv_section_name(s), -1, SQLITE_STATIC);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "store a new section key check");
		sqlite3_finalize(st);
		st = NULL;
		if (r < 0)
			goto out;
	}
	if ((r = active_staff_slips(v, id, gen)) < 0)
		goto out;
	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st, "UPDATE staff SET revoked = ? WHERE id = ?")) < 0)
		goto out;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "mark the revocation");
	sqlite3_finalize(st);
	st = NULL;
	if (r < 0 || (r = cv_audit(v, "staff.revoke", 0, id)) < 0)
		goto out;
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	in_tx = 0;
	/* Old key material in the index is gone; checkpoint so the WAL holds none either. */
	cv_index_exec(v, "PRAGMA wal_checkpoint(TRUNCATE)");
	/* Their secret key leaves the vault's keyring; the public part stays for old signatures. */
	cv_gpg_drop_secret(v, fpr);
	if (rewrapped)
		*rewrapped = nak;
	r = 0;
out:
	sqlite3_finalize(st);
	if (in_tx)
		cv_index_rollback(v);
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!oldk[s])
			continue;
		if (r < 0) {
			/* put the old keys back: nothing changed */
			if (v->mkey[s]) {
				explicit_bzero(v->mkey[s], CV_KEY_LEN);
				gcry_free(v->mkey[s]);
			}
			v->mkey[s] = oldk[s];
			v->mkey_gen[s] = oldgen[s];
		} else {
			explicit_bzero(oldk[s], CV_KEY_LEN);
			gcry_free(oldk[s]);
		}
	}
	for (i = 0; i < nak; i++) {
		explicit_bzero(ak[i].key, sizeof(ak[i].key));
		free(ak[i].wrapped);
	}
	free(ak);
	free_fields(fields, nfields);
	cv_vault_unlock_writer(v);
	return r;
}
