/* casevault - listing and reading records; verify. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gcrypt.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "crypto/gpg.h"
#include "crypto/seal.h"
#include "ops/record.h"
#include "store/archive.h"
#include "store/index.h"
#include "casevault/record.h"
#include "casevault/staff.h"

static int unseal_rec(cv_vault *v, sqlite3_stmt *st, int col, cv_section s, const char *what,
		      const char *id, char **out)
{
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "records.%s:%s", what, id);
	return cv_unseal(v, s, ctx, sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col), out, NULL);
}

#define REC_COLS "r.id, r.case_id, r.section, r.class, r.title, r.event_date, r.filed_at, r.filed_by, r.mime, r.size, r.retain_until"

static int row_to_record(cv_vault *v, sqlite3_stmt *st, cv_record *rec)
{
	char *ev = NULL;
	int r;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->id, sizeof(rec->id), "%s", (const char *)sqlite3_column_text(st, 0));
	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		snprintf(rec->case_id, sizeof(rec->case_id), "%s", (const char *)sqlite3_column_text(st, 1));
	cv_section_parse(&rec->section, (const char *)sqlite3_column_text(st, 2));
	snprintf(rec->class_name, sizeof(rec->class_name), "%s", (const char *)sqlite3_column_text(st, 3));
	if ((r = unseal_rec(v, st, 4, rec->section, "title", rec->id, &rec->title)) < 0)
		return r;
	if ((r = unseal_rec(v, st, 5, rec->section, "event_date", rec->id, &ev)) < 0) {
		cv_record_release(rec);
		return r;
	}
	snprintf(rec->event_date, sizeof(rec->event_date), "%s", ev);
	free(ev);
	snprintf(rec->filed_at, sizeof(rec->filed_at), "%s", (const char *)sqlite3_column_text(st, 6));
	snprintf(rec->filed_by, sizeof(rec->filed_by), "%s", (const char *)sqlite3_column_text(st, 7));
	snprintf(rec->mime, sizeof(rec->mime), "%s", (const char *)sqlite3_column_text(st, 8));
	rec->size = sqlite3_column_int64(st, 9);
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		snprintf(rec->retain_until, sizeof(rec->retain_until), "%s", (const char *)sqlite3_column_text(st, 10));
	return 0;
}

void cv_record_release(cv_record *rec)
{
	if (rec && rec->title) {
		explicit_bzero(rec->title, strlen(rec->title));
		free(rec->title);
		rec->title = NULL;
	}
}

void cv_record_list_free(cv_record *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cv_record_release(&list[i]);
	free(list);
}

int cv_record_list(cv_vault *v, const char *case_id, cv_section section,
		   cv_record **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_record *list = NULL;
	size_t cnt = 0, alloc = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM cases WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return cv_error(v, CV_ENOTFOUND, "no case %s in this vault; see 'casevault case list'", case_id);
	if ((r = cv_authorize(v, section == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, case_id)) < 0)
		return r;
	if ((r = cv_require_key(v, section)) < 0)
		return r;
	cv_audit(v, section == CV_SECTION_CP ? "record.list.cp" : "record.list", 0, case_id);
	if ((r = cv_index_prepare(v, &st, "SELECT " REC_COLS " FROM records r WHERE r.case_id = ? AND r.section = ? ORDER BY r.seq")) < 0)
		return r;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cv_section_name(section), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			cv_record *nl = reallocarray(list, na, sizeof(*nl));
			if (!nl) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nl;
			alloc = na;
		}
		if ((r = row_to_record(v, st, &list[cnt])) < 0)
			goto fail;
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		r = cv_index_dberr(v, "list records");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	cv_record_list_free(list, cnt);
	return r;
}

/* Check a receipt's signature (signer must be a staff key) and that it lists file with sha. */
/*
 * The receipt's signature is valid, made by the staff member it names while
 * they were not revoked; *root gets its parsed body.  what names the archive
 * (or the receipt) in messages.  Signatures are checked once per handle.
 */
static int receipt_open(cv_vault *v, sqlite3_int64 receipt_id, const char *what, json_t **root)
{
	sqlite3_stmt *st = NULL;
	char *signer = NULL;
	size_t i;
	int r;

	*root = NULL;
	if ((r = cv_index_prepare(v, &st, "SELECT body, sig FROM receipts WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, receipt_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ECORRUPT, "%s has no filing receipt", what);
	}
	/* one receipt covers every archive of a filing: check its signature once per handle */
	for (i = 0; i < v->nreceipt_ok; i++)
		if (v->receipt_ok[i].id == receipt_id) {
			signer = strdup(v->receipt_ok[i].fpr);
			break;
		}
	if (!signer) {
		struct cv_receipt_ok *n2;

		r = cv_gpg_verify_detached(v, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0),
					   sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1), &signer);
		if (r < 0) {
			sqlite3_finalize(st);
			return cv_error(v, CV_ECORRUPT, "the filing receipt of %s has a bad signature", what);
		}
		n2 = reallocarray(v->receipt_ok, v->nreceipt_ok + 1, sizeof(*n2));
		if (n2) {
			v->receipt_ok = n2;
			n2[v->nreceipt_ok].id = receipt_id;
			snprintf(n2[v->nreceipt_ok].fpr, sizeof(n2[0].fpr), "%s", signer);
			v->nreceipt_ok++;
		}
	}
	if (!signer) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	*root = json_loadb((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), 0, NULL);
	sqlite3_finalize(st);
	st = NULL;
	/* signed by the staff member the receipt names, who was not revoked then */
	if ((r = cv_index_prepare(v, &st,
		"SELECT 1 FROM receipts rc JOIN staff s ON s.id = rc.staff_id"
		" WHERE rc.id = ? AND s.fpr = ? AND (s.revoked IS NULL OR s.revoked >= rc.created)")) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_text(st, 2, signer, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW ? 0 :
		cv_error(v, CV_ECORRUPT, "the filing receipt of %s is not signed by the staff member it names (or they were revoked)", what);
out:
	sqlite3_finalize(st);
	free(signer);
	if (r < 0) {
		json_decref(*root);
		*root = NULL;
	}
	return r;
}

int cv_verify_receipt_signed(cv_vault *v, sqlite3_int64 receipt_id)
{
	char what[48];
	json_t *root;
	int r;

	snprintf(what, sizeof(what), "receipt %lld", (long long)receipt_id);
	r = receipt_open(v, receipt_id, what, &root);
	json_decref(root);
	return r;
}

int cv_verify_receipt(cv_vault *v, sqlite3_int64 receipt_id, const char *file, const char *sha)
{
	char what[96];
	json_t *root = NULL, *arr;
	size_t i;
	int r, found = 0;

	snprintf(what, sizeof(what), "archive %s", file);
	if ((r = receipt_open(v, receipt_id, what, &root)) < 0)
		return r;
	arr = root ? json_object_get(root, "archives") : NULL;
	for (i = 0; arr && i < json_array_size(arr); i++) {
		json_t *a = json_array_get(arr, i);
		const char *f = json_string_value(json_object_get(a, "file"));
		const char *h = json_string_value(json_object_get(a, "sha256"));
		if (f && h && !strcmp(f, file) && !strcmp(h, sha))
			found = 1;
	}
	r = found ? 0 : cv_error(v, CV_ECORRUPT, "archive %s does not match its signed filing receipt", file);
	json_decref(root);
	return r;
}

struct getctx {
	const char *member;
	int fd;
	gcry_md_hd_t md;
	int found;
	int64_t bytes;
};

static int get_entry(void *hook, const char *name, int64_t size)
{
	struct getctx *g = hook;

	(void)size;
	return strcmp(name, g->member) == 0;
}

static int get_data(void *hook, const void *buf, size_t len)
{
	struct getctx *g = hook;

	gcry_md_write(g->md, buf, len);
	g->bytes += (int64_t)len;
	if (cv_write_all(g->fd, buf, len) < 0)
		return -1;
	return 0;
}

static int get_end(void *hook, const char *name)
{
	struct getctx *g = hook;

	(void)name;
	g->found++;
	return 0;
}

int cv_record_mime(cv_vault *v, const char *record_id, char mime[96])
{
	sqlite3_stmt *st = NULL;
	cv_section s;
	int r;

	mime[0] = '\0';
	if ((r = cv_index_prepare(v, &st, "SELECT section, mime FROM records WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault; see 'casevault ls CASE'", record_id);
	}
	cv_section_parse(&s, (const char *)sqlite3_column_text(st, 0));
	snprintf(mime, 96, "%s", (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return cv_authorize(v, s == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, record_id);
}

int cv_record_get(cv_vault *v, const char *record_id, int fd, cv_record *info)
{
	sqlite3_stmt *st = NULL;
	cv_record rec;
	char *path = NULL, *want = NULL, key[CV_KEY_HEX + 1], sha[65], got[65];
	char file[64], member[64], wrapped_buf[1];
	char *wrapped = NULL;
	sqlite3_int64 receipt;
	struct getctx g;
	cv_archive_reader rd = { get_entry, get_data, get_end, &g };
	int r, gen, i;

	(void)wrapped_buf;
	memset(&rec, 0, sizeof(rec));
	memset(&g, 0, sizeof(g));
	if ((r = cv_index_prepare(v, &st,
		"SELECT " REC_COLS ", r.member, r.sha256, a.file, a.sha256, a.wrapped_key, a.key_gen, a.receipt_id"
		" FROM records r JOIN archives a ON a.id = r.archive_id WHERE r.id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault; see 'casevault ls CASE'", record_id);
	}
	{
		cv_section s;
		cv_section_parse(&s, (const char *)sqlite3_column_text(st, 2));
		if ((r = cv_authorize(v, s == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, record_id)) < 0 ||
		    (r = cv_require_key(v, s)) < 0) {
			sqlite3_finalize(st);
			return r;
		}
	}
	if ((r = row_to_record(v, st, &rec)) < 0 ||
	    (r = unseal_rec(v, st, 12, rec.section, "sha256", rec.id, &want)) < 0) {
		sqlite3_finalize(st);
		goto out;
	}
	snprintf(member, sizeof(member), "%s", (const char *)sqlite3_column_text(st, 11));
	snprintf(file, sizeof(file), "%s", (const char *)sqlite3_column_text(st, 13));
	snprintf(sha, sizeof(sha), "%s", (const char *)sqlite3_column_text(st, 14));
	wrapped = strdup((const char *)sqlite3_column_text(st, 15));
	gen = sqlite3_column_int(st, 16);
	receipt = sqlite3_column_int64(st, 17);
	sqlite3_finalize(st);
	if (!wrapped) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	/* The ciphertext must be what a staff member signed for. */
	if (asprintf(&path, "%s/%s", v->archdir, file) < 0) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	if ((r = cv_file_sha256(v, path, got, NULL)) < 0) {
		r = cv_error(v, r == CV_ENOTFOUND ? CV_ECORRUPT : r, "record %s: its archive file is missing or unreadable; run 'casevault verify'", record_id);
		goto out;
	}
	if (strcmp(got, sha)) {
		r = cv_error(v, CV_ECORRUPT, "record %s: its archive has been altered (hash mismatch); run 'casevault verify'", record_id);
		goto out;
	}
	if ((r = cv_verify_receipt(v, receipt, file, sha)) < 0) {
		r = cv_error(v, r, "record %s: %s", record_id, cv_vault_errmsg(v));
		goto out;
	}
	if ((r = cv_keys_unwrap(v, rec.section, gen, wrapped, key)) < 0)
		goto out;
	g.member = member;
	g.fd = fd;
	if (gcry_md_open(&g.md, GCRY_MD_SHA256, 0)) {
		r = cv_error(v, CV_ERROR, "cannot start SHA-256");
		goto out;
	}
	r = cv_archive_read(v, path, key, &rd, NULL);
	if (r < 0) {
		r = cv_error(v, r, "record %s: %s", record_id, cv_vault_errmsg(v));
		goto out;
	}
	if (g.found != 1) {
		r = cv_error(v, CV_ECORRUPT, "record %s is missing from its archive; run 'casevault verify'", record_id);
		goto out;
	}
	{
		const unsigned char *d = gcry_md_read(g.md, GCRY_MD_SHA256);
		for (i = 0; i < 32; i++)
			sprintf(got + 2 * i, "%02x", d[i]);
	}
	if (strcmp(got, want) || g.bytes != rec.size) {
		r = cv_error(v, CV_ECORRUPT, "record %s does not match its recorded hash; do not rely on this copy", record_id);
		goto out;
	}
	r = 0;
out:
	explicit_bzero(key, sizeof(key));
	if (g.md)
		gcry_md_close(g.md);
	free(path);
	free(want);
	free(wrapped);
	if (rec.id[0]) {
		/* every read is an event, and so is a read that failed its checks */
		char msg[sizeof(v->errmsg)];

		memcpy(msg, v->errmsg, sizeof(msg));
		cv_audit(v, "record.get", r, record_id);
		memcpy(v->errmsg, msg, sizeof(msg));
	}
	if (info && r == 0)
		*info = rec;
	else
		cv_record_release(&rec);
	return r;
}
