/*
 * casevault - verify: every archive decrypts, matches a receipt signed by a
 * staff key, every record's hash matches, no orphan file or row.
 */
#include <dirent.h>
#include <stdarg.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>
#include <jansson.h>

#include "base/handle.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/intent.h"
#include "crypto/seal.h"
#include "ops/purge.h"
#include "ops/record.h"
#include "store/archive.h"
#include "store/index.h"
#include "casevault/record.h"
#include "casevault/staff.h"

/* How long verify waits for a writer to finish before it checks (the index's busy timeout). */
#define VERIFY_LOCK_WAIT_MS 10000

static void problem(cv_verify_report *rep, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(cv_verify_report *rep, const char *what, const char *fmt, ...)
{
	cv_verify_problem *p;
	va_list ap;

	p = reallocarray(rep->problems, rep->nproblems + 1, sizeof(*p));
	if (!p)
		return;
	rep->problems = p;
	p = &rep->problems[rep->nproblems++];
	snprintf(p->what, sizeof(p->what), "%s", what);
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

/* Certificates of destruction: checked by purge.c, reported here. */
static void cert_problem(void *hook, const char *what, const char *msg)
{
	problem(hook, what, "%s", msg);
}

void cv_verify_report_release(cv_verify_report *rep)
{
	free(rep->problems);
	memset(rep, 0, sizeof(*rep));
}

typedef struct {
	char name[64];
	char sha[65];
} seen_member;

struct vctx {
	seen_member *seen;
	size_t nseen, alloc;
	gcry_md_hd_t md;
	char *manifest;
	size_t mlen;
	int in_manifest;
	int toolarge;
};

static int v_entry(void *hook, const char *name, int64_t size)
{
	struct vctx *c = hook;

	c->in_manifest = !strcmp(name, "manifest.json");
	if (c->in_manifest) {
		if (size > 64 * 1024 * 1024) {
			c->toolarge = 1;
			return 0;
		}
		return 1;
	}
	if (c->nseen == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 16;
		seen_member *s = reallocarray(c->seen, na, sizeof(*s));
		if (!s)
			return -1;
		c->seen = s;
		c->alloc = na;
	}
	snprintf(c->seen[c->nseen].name, sizeof(c->seen[0].name), "%s", name);
	c->seen[c->nseen].sha[0] = '\0';
	if (gcry_md_open(&c->md, GCRY_MD_SHA256, 0))
		return -1;
	return 1;
}

static int v_data(void *hook, const void *buf, size_t len)
{
	struct vctx *c = hook;

	if (c->in_manifest) {
		char *m = realloc(c->manifest, c->mlen + len + 1);
		if (!m)
			return -1;
		memcpy(m + c->mlen, buf, len);
		c->mlen += len;
		m[c->mlen] = '\0';
		c->manifest = m;
		return 0;
	}
	gcry_md_write(c->md, buf, len);
	return 0;
}

static int v_end(void *hook, const char *name)
{
	struct vctx *c = hook;
	const unsigned char *d;
	int i;

	(void)name;
	if (c->in_manifest)
		return 0;
	d = gcry_md_read(c->md, GCRY_MD_SHA256);
	for (i = 0; i < 32; i++)
		sprintf(c->seen[c->nseen].sha + 2 * i, "%02x", d[i]);
	gcry_md_close(c->md);
	c->md = NULL;
	c->nseen++;
	return 0;
}

static const char *seen_sha(struct vctx *c, const char *member)
{
	size_t i;

	for (i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen[i].name, member))
			return c->seen[i].sha;
	return NULL;
}

/* Comma-separated ids of the records in an archive, for naming them in a problem. */
static void records_of(cv_vault *v, sqlite3_int64 aid, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0;

	out[0] = '\0';
	if (cv_index_prepare(v, &st, "SELECT id FROM records WHERE archive_id = ? ORDER BY seq") < 0)
		return;
	sqlite3_bind_int64(st, 1, aid);
	while (sqlite3_step(st) == SQLITE_ROW && len + 12 < outlen)
		len += (size_t)snprintf(out + len, outlen - len, "%s%s", len ? "," : "",
					(const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* The index's clear fields must agree with the signed archive's manifest. */
static void check_clear_fields(cv_verify_report *rep, const char *id, sqlite3_stmt *st, json_t *man, json_t *e)
{
	const char *mcase = json_string_value(json_object_get(man, "case"));
	const char *msec = json_string_value(json_object_get(man, "section"));
	const char *col;
	json_t *sz = json_object_get(e, "size");

	col = (const char *)sqlite3_column_text(st, 4);
	if (mcase && (!col || strcmp(col, mcase)))
		problem(rep, id, "record's case in the index differs from its archive (moved?)");
	col = (const char *)sqlite3_column_text(st, 5);
	if (msec && (!col || strcmp(col, msec)))
		problem(rep, id, "record's section in the index differs from its archive");
	col = (const char *)sqlite3_column_text(st, 6);
	if (json_string_value(json_object_get(e, "class")) && (!col || strcmp(col, json_string_value(json_object_get(e, "class")))))
		problem(rep, id, "record's class in the index differs from its archive");
	col = (const char *)sqlite3_column_text(st, 7);
	if (json_string_value(json_object_get(e, "mime")) && (!col || strcmp(col, json_string_value(json_object_get(e, "mime")))))
		problem(rep, id, "record's type in the index differs from its archive");
	if (json_is_integer(sz) && json_integer_value(sz) != sqlite3_column_int64(st, 3))
		problem(rep, id, "record's size in the index differs from its archive");
}

static int check_archive(cv_vault *v, cv_verify_report *rep, sqlite3_int64 aid, const char *file,
			 cv_section sec, const char *wrapped, int gen, const char *sha,
			 sqlite3_int64 receipt_id)
{
	struct vctx c;
	cv_archive_reader rd = { v_entry, v_data, v_end, &c };
	char *path = NULL, key[CV_KEY_HEX + 1], got[65], recs[160];
	sqlite3_stmt *st = NULL;
	json_t *man = NULL;
	int r;

	memset(&c, 0, sizeof(c));
	records_of(v, aid, recs, sizeof(recs));
	if (asprintf(&path, "%s/%s", v->archdir, file) < 0)
		return CV_ERROR;
	if (cv_verify_receipt(v, receipt_id, file, sha) < 0)
		problem(rep, file, "%s (records %s)", cv_vault_errmsg(v), recs);
	if (!v->mkey[sec]) {
		/* no key for this section (a caseworker and the cp file): check the
		 * ciphertext against its signed receipt, without decrypting */
		if (cv_file_sha256(v, path, got, NULL) < 0)
			problem(rep, file, "archive file is missing or unreadable (records %s)", recs);
		else if (strcmp(got, sha))
			problem(rep, file, "archive differs from the hash in the index (records %s)", recs);
		rep->sealed_only++;
		goto out;
	}
	if ((r = cv_keys_unwrap(v, sec, gen, wrapped, key)) < 0) {
		problem(rep, file, "its wrapped key does not open (records %s)", recs);
		goto out;
	}
	r = cv_archive_read(v, path, key, &rd, got);
	explicit_bzero(key, sizeof(key));
	if (r < 0) {
		if (r == CV_ENOTFOUND)
			problem(rep, file, "archive file is missing (records %s)", recs);
		else
			problem(rep, file, "archive does not decrypt or is damaged: altered or corrupt (records %s)", recs);
		goto out;
	}
	if (strcmp(got, sha))
		problem(rep, file, "archive differs from the hash in the index (records %s)", recs);
	man = c.manifest ? json_loads(c.manifest, 0, NULL) : NULL;
	if (!man)
		problem(rep, file, "archive has no readable manifest (records %s)", recs);
	if ((r = cv_index_prepare(v, &st, "SELECT id, member, sha256, size, case_id, section, class, mime FROM records WHERE archive_id = ? ORDER BY seq")) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, aid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *member = (const char *)sqlite3_column_text(st, 1);
		const char *actual = seen_sha(&c, member);
		char ctx[64], *want = NULL;
		json_t *arr = man ? json_object_get(man, "records") : NULL;
		size_t i;
		int inman = 0;

		rep->records++;
		snprintf(ctx, sizeof(ctx), "records.sha256:%s", id);
		if (cv_unseal(v, sec, ctx, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), &want, NULL) < 0) {
			problem(rep, id, "its recorded hash in the index is damaged or altered");
			continue;
		}
		if (!actual)
			problem(rep, id, "record is missing from its archive %s", file);
		else if (strcmp(actual, want))
			problem(rep, id, "record's content does not match the hash in the index");
		for (i = 0; arr && i < json_array_size(arr); i++) {
			json_t *e = json_array_get(arr, i);
			const char *mid = json_string_value(json_object_get(e, "id"));
			const char *msha = json_string_value(json_object_get(e, "sha256"));
			if (mid && !strcmp(mid, id)) {
				inman = 1;
				if (!msha || !actual || strcmp(msha, actual))
					problem(rep, id, "record's content does not match the archive manifest");
				check_clear_fields(rep, id, st, man, e);
			}
		}
		if (man && !inman)
			problem(rep, id, "record is not listed in its archive's manifest");
		free(want);
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Every record the archive says it holds must still be in the index. */
	{
		json_t *arr = man ? json_object_get(man, "records") : NULL;
		size_t i, j;

		for (i = 0; arr && i < json_array_size(arr); i++) {
			const char *mid = json_string_value(json_object_get(json_array_get(arr, i), "id"));
			int known = 0;

			if (!mid)
				continue;
			if (cv_index_prepare(v, &st, "SELECT 1 FROM records WHERE id = ? AND archive_id = ?") == 0) {
				sqlite3_bind_text(st, 1, mid, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(st, 2, aid);
				known = sqlite3_step(st) == SQLITE_ROW;
				sqlite3_finalize(st);
				st = NULL;
			}
			if (!known)
				problem(rep, mid, "record is in archive %s but missing from the index (deleted row?)", file);
		}
		for (i = 0; i < c.nseen; i++)
			for (j = i + 1; j < c.nseen; j++)
				if (!strcmp(c.seen[i].name, c.seen[j].name))
					problem(rep, file, "archive holds two members named %.60s", c.seen[i].name);
	}
	r = 0;
out:
	json_decref(man);
	free(c.manifest);
	free(c.seen);
	if (c.md)
		gcry_md_close(c.md);
	free(path);
	return 0;
}

/*
 * Archives that vanished.  Every archive a signed receipt lists must still be
 * in the index, or be named by a certificate of destruction (the purge is the
 * only way casevault removes an archive).  The archive loop checked the
 * receipts that still have archives; a receipt with none left gets its
 * signature checked here, so that editing its list hides nothing.
 */
static void check_vanished(cv_vault *v, cv_verify_report *rep)
{
	sqlite3_stmt *st = NULL;

	int rc;

	if (cv_index_prepare(v, &st, "SELECT id FROM receipts WHERE NOT json_valid(body)") == 0) {
		while (sqlite3_step(st) == SQLITE_ROW)
			problem(rep, "receipts", "filing receipt %lld is not readable JSON (altered?)",
				(long long)sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
	}
	if (cv_index_prepare(v, &st,
		"SELECT r.id, json_extract(j.value, '$.file') FROM receipts r, json_each(r.body, '$.archives') j"
		" WHERE json_valid(r.body) AND json_extract(j.value, '$.file') NOT IN (SELECT file FROM archives)"
		" AND json_extract(j.value, '$.file') NOT IN"
		"  (SELECT json_extract(c.value, '$.file') FROM certificates, json_each(certificates.body, '$.archives') c"
		"   WHERE json_valid(certificates.body))") < 0) {
		problem(rep, "index", "cannot compare the receipts with the archives: %s", cv_vault_errmsg(v));
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		problem(rep, (const char *)sqlite3_column_text(st, 1),
			"archive listed in filing receipt %lld is gone from the index and no certificate of destruction names it"
			" (removed outside casevault?)", (long long)sqlite3_column_int64(st, 0));
	if (rc != SQLITE_DONE)
		problem(rep, "index", "cannot compare the receipts with the archives: %.200s", sqlite3_errmsg(v->db));
	sqlite3_finalize(st);
	if (cv_index_prepare(v, &st, "SELECT id FROM receipts WHERE id NOT IN (SELECT receipt_id FROM archives) ORDER BY id") < 0)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (cv_verify_receipt_signed(v, sqlite3_column_int64(st, 0)) < 0)
			problem(rep, "receipts", "%s", cv_vault_errmsg(v));
	sqlite3_finalize(st);
	/* casevault never deletes a receipt, and their ids run from 1 without a gap */
	if (cv_index_prepare(v, &st, "SELECT id FROM receipts ORDER BY id") < 0)
		return;
	{
		sqlite3_int64 want = 1, id;

		while (sqlite3_step(st) == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			if (id == want + 1)
				problem(rep, "receipts", "filing receipt %lld is missing (deleted outside casevault?)",
					(long long)want);
			else if (id > want)
				problem(rep, "receipts", "filing receipts %lld to %lld are missing (deleted outside casevault?)",
					(long long)want, (long long)(id - 1));
			want = id + 1;
		}
	}
	sqlite3_finalize(st);
}

/* Shared with record.c through the receipt check; cached per call. */
/*
 * Nothing in the vault may be open to other users: vault.db's clear columns
 * say which cases have child-protection material, and how much.  A copy made
 * without keeping modes (cp -r under umask 022, an unzip, a restore tool)
 * leaves it readable; report the first few paths, and say what to run.
 */
static __thread cv_verify_report *perm_rep;  /* nftw takes no hook */
static __thread size_t perm_found;
static __thread uid_t perm_owner;

static int perm_visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (S_ISSOCK(sb->st_mode))
		return 0;  /* gpg-agent's sockets */
	if (flag == FTW_SL || S_ISLNK(sb->st_mode)) {
		/* casevault makes none, and opens what it reads with O_NOFOLLOW */
		if (perm_found++ < 5)
			problem(perm_rep, "permissions", "%.200s is a symbolic link; the vault holds none: "
				"find out who made it, then remove it", path);
		return 0;
	}
	if (sb->st_mode & (S_IRWXG | S_IRWXO)) {
		if (perm_found++ < 5)
			problem(perm_rep, "permissions", "%.200s is open to other users (mode %04o); "
				"run: chmod -R go-rwx on the vault directory", path, (unsigned)(sb->st_mode & 07777));
	}
	if (sb->st_uid != perm_owner && perm_found++ < 5)
		problem(perm_rep, "permissions", "%.200s belongs to uid %u, not to the vault's owner (uid %u), who cannot "
			"change it; run: chown -R on the vault directory", path, (unsigned)sb->st_uid, (unsigned)perm_owner);
	return 0;
}

static void check_permissions(cv_vault *v, cv_verify_report *rep)
{
	struct stat sb;

	if (stat(v->path, &sb) < 0)
		return;
	perm_rep = rep;
	perm_found = 0;
	perm_owner = sb.st_uid;
	nftw(v->path, perm_visit, 16, FTW_PHYS);
	if (perm_found > 5)
		problem(rep, "permissions", "and %zu more paths like these", perm_found - 5);
	perm_rep = NULL;
}

int cv_verify(cv_vault *v, cv_verify_report *rep)
{
	sqlite3_stmt *st = NULL;
	DIR *d;
	struct dirent *de;
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((r = cv_authorize(v, CV_ACT_VERIFY, NULL)) < 0)
		return r;
	/* What a crash left first, if the open found the writer lock held (vault.c). */
	if ((r = cv_vault_recover(v, VERIFY_LOCK_WAIT_MS)) < 0)
		return r;
	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "PRAGMA integrity_check")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		if (m && strcmp(m, "ok"))
			problem(rep, "index", "SQLite integrity check: %.180s", m);
	}
	sqlite3_finalize(st);
	if ((r = cv_index_prepare(v, &st, "PRAGMA foreign_key_check")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(rep, "index", "a row in %s refers to a missing %s",
			(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	/* Records whose archive row is gone. */
	if ((r = cv_index_prepare(v, &st, "SELECT id FROM records WHERE archive_id NOT IN (SELECT id FROM archives)")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(rep, (const char *)sqlite3_column_text(st, 0), "record's archive is not in the index (orphan row)");
	sqlite3_finalize(st);
	if ((r = cv_index_prepare(v, &st, "SELECT file FROM archives WHERE id NOT IN (SELECT archive_id FROM records)")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW)
		problem(rep, (const char *)sqlite3_column_text(st, 0), "archive holds no record in the index (orphan row)");
	sqlite3_finalize(st);
	rep->receipts = 0;
	if ((r = cv_index_prepare(v, &st, "SELECT count(*) FROM receipts")) == 0) {
		if (sqlite3_step(st) == SQLITE_ROW)
			rep->receipts = (size_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}

	if ((r = cv_index_prepare(v, &st,
		"SELECT id, file, section, wrapped_key, key_gen, sha256, receipt_id FROM archives ORDER BY id")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cv_section sec;
		char file[64], sha[65], *wrapped;

		snprintf(file, sizeof(file), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(sha, sizeof(sha), "%s", (const char *)sqlite3_column_text(st, 5));
		cv_section_parse(&sec, (const char *)sqlite3_column_text(st, 2));
		wrapped = strdup((const char *)sqlite3_column_text(st, 3));
		if (!wrapped)
			break;
		rep->archives++;
		check_archive(v, rep, sqlite3_column_int64(st, 0), file, sec, wrapped,
			      sqlite3_column_int(st, 4), sha, sqlite3_column_int64(st, 6));
		free(wrapped);
	}
	sqlite3_finalize(st);

	/* Files nobody knows about (an intent log names the files of a writer still running). */
	d = opendir(v->archdir);
	if (!d) {
		problem(rep, "archives", "the archives directory is missing");
	} else {
		while ((de = readdir(d))) {
			int known = 0;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			/* one statement: a filing that commits meanwhile moves its file from pending to archives */
			if (cv_index_prepare(v, &st, "SELECT 1 FROM archives WHERE file = ?1 UNION ALL"
					     " SELECT 1 FROM pending WHERE file = ?1 OR '.tmp-' || file = ?1") == 0) {
				sqlite3_bind_text(st, 1, de->d_name, -1, SQLITE_TRANSIENT);
				known = sqlite3_step(st) == SQLITE_ROW;
				sqlite3_finalize(st);
			}
			if (!known && !cv_purge_is_shredding(v, de->d_name))
				problem(rep, "archives", "file %.64s is not in the index (orphan file)", de->d_name);
		}
		closedir(d);
	}
	check_vanished(v, rep);
	check_permissions(v, rep);
	cv_verify_certificates(v, cert_problem, rep, NULL);
	cv_audit(v, "verify", rep->nproblems ? CV_ECORRUPT : 0, NULL);
	return rep->nproblems ? cv_error(v, CV_ECORRUPT, "verify found %zu problem%s", rep->nproblems,
					 rep->nproblems == 1 ? "" : "s") : 0;
}
