/* casevault - listing and reading records; the filing receipts that vouch for them. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "crypto/gpg.h"
#include "crypto/seal.h"
#include "ops/record.h"
#include "store/archive.h"
#include "store/db_cases.h"
#include "store/db_receipts.h"
#include "store/db_records.h"
#include "store/db_rights.h"
#include "casevault/record.h"
#include "casevault/staff.h"

int cv_record_list(cv_vault *v, const char *case_id, cv_section section,
		   cv_record **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if ((r = cv_authorize(v, section == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, case_id)) < 0)
		return r;
	if ((r = cv_require_key(v, section)) < 0)
		return r;
	cv_audit(v, section == CV_SECTION_CP ? "record.list.cp" : "record.list", 0, case_id);
	return cv_db_records_list(v, case_id, section, out, n);
}

/*
 * The receipt's signature is valid, made by the staff member it names while
 * they were not revoked.  what names the receipt in messages.  One receipt
 * covers every archive of a filing: a good one is checked once per handle.
 * CV_ECORRUPT, with gpg's reason, when the signature does not hold.
 */
static int receipt_signer(cv_vault *v, long long receipt_id, const char *body, size_t blen,
			  const char *sig, size_t slen, const char *what)
{
	struct cv_receipt_ok *n2;
	char *signer = NULL;
	size_t i;
	int r;

	for (i = 0; i < v->nreceipt_ok; i++)
		if (v->receipt_ok[i].id == receipt_id)
			return 0;
	if ((r = cv_gpg_verify_detached(v, body, blen, sig, slen, &signer)) < 0)
		return cv_error(v, r == CV_ERROR ? CV_ERROR : CV_ECORRUPT, "%s: %s", what, cv_vault_errmsg(v));
	/* signed by the staff member the receipt names, who was not revoked then */
	r = cv_db_receipt_signer_ok(v, receipt_id, signer);
	if (r == 0)
		r = cv_error(v, CV_ECORRUPT, "%s is not signed by the staff member it names (or they were revoked)", what);
	n2 = r > 0 ? reallocarray(v->receipt_ok, v->nreceipt_ok + 1, sizeof(*n2)) : NULL;
	if (n2) {
		v->receipt_ok = n2;
		n2[v->nreceipt_ok].id = receipt_id;
		snprintf(n2[v->nreceipt_ok].fpr, sizeof(n2[0].fpr), "%s", signer);
		v->nreceipt_ok++;
	}
	free(signer);
	return r < 0 ? r : 0;
}

static int receipt_load(cv_vault *v, long long receipt_id, const char *what, char **body, size_t *blen,
			char **sig, size_t *slen)
{
	int r = cv_db_receipt_get(v, receipt_id, body, blen, sig, slen);

	return r == CV_ENOTFOUND ? cv_error(v, CV_ECORRUPT, "%s is missing from the index", what) : r;
}

/* 1 when the receipt's body lists file with this ciphertext hash. */
static int receipt_lists(const char *body, size_t blen, const char *file, const char *sha)
{
	json_t *root = json_loadb(body, blen, 0, NULL), *arr;
	size_t i;
	int found = 0;

	arr = root ? json_object_get(root, "archives") : NULL;
	for (i = 0; arr && i < json_array_size(arr) && !found; i++) {
		json_t *a = json_array_get(arr, i);
		const char *f = json_string_value(json_object_get(a, "file"));
		const char *h = json_string_value(json_object_get(a, "sha256"));

		found = f && h && !strcmp(f, file) && !strcmp(h, sha);
	}
	json_decref(root);
	return found;
}

int cv_verify_receipt_signed(cv_vault *v, long long receipt_id)
{
	char what[48], *body = NULL, *sig = NULL;
	size_t blen = 0, slen = 0;
	int r;

	snprintf(what, sizeof(what), "filing receipt %lld", receipt_id);
	if ((r = receipt_load(v, receipt_id, what, &body, &blen, &sig, &slen)) == 0)
		r = receipt_signer(v, receipt_id, body, blen, sig, slen, what);
	free(body);
	free(sig);
	return r;
}

/*
 * The receipt is signed and lists the archive with this hash: 0.  Else
 * CV_ECORRUPT (naming the receipt), with *listed set when its body, signed
 * or not, still lists the archive with this hash: only the signature
 * failed (docs/security.md, Filing receipts).
 */
static int receipt_check(cv_vault *v, long long receipt_id, const char *file, const char *sha, int *listed)
{
	char what[112], *body = NULL, *sig = NULL;
	size_t blen = 0, slen = 0;
	int r;

	*listed = 0;
	snprintf(what, sizeof(what), "filing receipt %lld of archive %s", receipt_id, file);
	if ((r = receipt_load(v, receipt_id, what, &body, &blen, &sig, &slen)) < 0)
		return r;
	*listed = receipt_lists(body, blen, file, sha);
	r = receipt_signer(v, receipt_id, body, blen, sig, slen, what);
	if (r == 0 && !*listed)
		r = cv_error(v, CV_ECORRUPT, "archive %s does not match its signed filing receipt %lld", file, receipt_id);
	else if (r == CV_ECORRUPT && !*listed)
		r = cv_error(v, CV_ECORRUPT, "%s, and the receipt does not list it with this hash", cv_vault_errmsg(v));
	free(body);
	free(sig);
	return r;
}

int cv_verify_receipt(cv_vault *v, long long receipt_id, const char *file, const char *sha)
{
	int listed;

	return receipt_check(v, receipt_id, file, sha, &listed);
}

struct getctx {
	const char *member;
	int fd;
	cv_sha256 *md;
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

	cv_sha256_write(g->md, buf, len);
	g->bytes += (int64_t)len;
	if (cv_write_all(g->fd, buf, len) < 0)
		return -1;
	return 0;
}

/*
 * One member is all a 'get' wants: the rest of the archive is not unpacked
 * (about a fifth of a 'get' from a 1,000-note filing, docs/service.md,
 * Speed).  gpg still decrypts the whole file and checks its integrity, the
 * file matched the index's hash and its signed receipt before, and the
 * member must match the hash sealed at filing (copy_member).
 */
static int get_end(void *hook, const char *name)
{
	struct getctx *g = hook;

	(void)name;
	g->found++;
	return 1;
}

static int allow_read(cv_vault *v, cv_section s, const char *record_id)
{
	return cv_authorize(v, s == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, record_id);
}

int cv_record_mime(cv_vault *v, const char *record_id, char mime[96])
{
	cv_section s;
	int r;

	if ((r = cv_db_record_mime(v, record_id, &s, mime)) < 0)
		return r;
	return allow_read(v, s, record_id);
}

struct get_allow {
	cv_vault *v;
	const char *record_id;
};

/* Before the store opens a sealed field: may the caller read it, and is its section unlocked. */
static int get_allow(void *hook, cv_section s)
{
	struct get_allow *a = hook;
	int r;

	if ((r = allow_read(a->v, s, a->record_id)) < 0)
		return r;
	return cv_require_key(a->v, s);
}

/*
 * The archive's ciphertext is what the index records and what a staff
 * member signed for.  A receipt whose signature fails but which still
 * lists the archive with this hash costs only that check: with
 * CV_GET_DAMAGED_RECEIPT the read goes on (*unsigned_read set), and the
 * document must still match the hash sealed at filing (copy_member);
 * without it the record is refused (docs/security.md, Filing receipts).
 */
static int check_signed_archive(cv_vault *v, const char *record_id, const cv_db_record_where *w,
				int flags, int *unsigned_read)
{
	char got[65], why[sizeof(v->errmsg)];
	int r, listed;

	if ((r = cv_archive_sha256(v, w->file, got, NULL)) < 0)
		return cv_error(v, r == CV_ENOTFOUND ? CV_ECORRUPT : r, "record %s: its archive file is missing or unreadable; run 'casevault verify'", record_id);
	if (strcmp(got, w->archive_sha))
		return cv_error(v, CV_ECORRUPT, "record %s: its archive has been altered (hash mismatch); run 'casevault verify'", record_id);
	if ((r = receipt_check(v, w->receipt_id, w->file, w->archive_sha, &listed)) == 0)
		return 0;
	snprintf(why, sizeof(why), "%s", cv_vault_errmsg(v));
	if (r != CV_ECORRUPT || !listed)
		return cv_error(v, r, "record %s: %s; run 'casevault verify'", record_id, why);
	if (!(flags & CV_GET_DAMAGED_RECEIPT))
		return cv_error(v, CV_ECORRUPT, "record %s: %s; run 'casevault verify' and restore the receipt "
				"(docs/recovery.md, A damaged filing receipt), or add --accept-damaged-receipt to read it "
				"checked by its hashes alone (audited)", record_id, why);
	*unsigned_read = 1;
	cv_notice(v, "record %s: %s; read as asked, checked by its hashes alone (audited as record.get.damaged-receipt)",
		  record_id, why);
	return 0;
}

/* Decrypt the record's member into fd, hashing it on the way. */
static int copy_member(cv_vault *v, const char *record_id, const cv_db_record_where *w, int fd)
{
	struct getctx g;
	cv_archive_reader rd = { get_entry, get_data, get_end, &g };
	char key[CV_KEY_HEX + 1], got[65];
	int r;

	memset(&g, 0, sizeof(g));
	if ((r = cv_keys_unwrap(v, w->rec.section, w->key_gen, w->file, w->wrapped, key)) < 0)
		return r;
	g.member = w->member;
	g.fd = fd;
	if (!(g.md = cv_sha256_new())) {
		r = cv_error(v, CV_ERROR, "cannot start SHA-256");
		goto out;
	}
	r = cv_archive_read(v, w->file, key, &rd, NULL);
	if (r < 0) {
		r = cv_error(v, r, "record %s: %s", record_id, cv_vault_errmsg(v));
		goto out;
	}
	if (g.found != 1) {
		r = cv_error(v, CV_ECORRUPT, "record %s is missing from its archive; run 'casevault verify'", record_id);
		goto out;
	}
	cv_sha256_final(g.md, got);
	if (strcmp(got, w->sha) || g.bytes != w->rec.size)
		r = cv_error(v, CV_ECORRUPT, "record %s does not match its recorded hash; do not rely on this copy", record_id);
out:
	explicit_bzero(key, sizeof(key));
	cv_sha256_free(g.md);
	return r;
}

/*
 * A restricted record is stored but not otherwise processed until the
 * restriction is lifted, reading included; stored data may still be used
 * for legal claims (docs/legal-rules.md LR-18), so a manager or cp-lead
 * may take it out with the purpose recorded first (cv_export_record).
 */
int cv_record_check_restriction(cv_vault *v, const char *record_id, int exporting)
{
	char req[24];
	int r = cv_db_restriction_find(v, record_id, req);

	if (r <= 0)
		return r;
	if (exporting ? v->role == CV_ROLE_MANAGER || v->role == CV_ROLE_CP_LEAD : !strcmp(v->exported, record_id))
		return 0;
	return cv_error(v, CV_EREFUSED, "record %s is restricted by request %s: it is kept but not read until the restriction "
			"is lifted ('casevault request lift %s'); a manager or cp-lead may read it for a legal claim with "
			"--purpose TEXT", record_id, req, req);
}

int cv_record_get_flags(cv_vault *v, const char *record_id, int fd, int flags, cv_record *info)
{
	cv_db_record_where w;
	struct get_allow a = { v, record_id };
	int r, unsigned_read = 0;

	if ((r = cv_db_record_locate(v, record_id, get_allow, &a, &w)) < 0 ||
	    (r = cv_record_check_restriction(v, record_id, 0)) < 0)
		goto out;
	if ((r = check_signed_archive(v, record_id, &w, flags, &unsigned_read)) == 0)
		r = copy_member(v, record_id, &w, fd);
out:
	v->exported[0] = '\0';  /* one recorded export, one read */
	/* every read is an event, and so is a read that failed its checks */
	if (w.rec.id[0])
		cv_audit_keep(v, unsigned_read ? "record.get.damaged-receipt" : "record.get", r, record_id);
	if (info && r == 0) {
		*info = w.rec;
		w.rec.title = NULL;
	}
	cv_db_record_where_release(&w);
	return r;
}

int cv_record_get(cv_vault *v, const char *record_id, int fd, cv_record *info)
{
	return cv_record_get_flags(v, record_id, fd, 0, info);
}
