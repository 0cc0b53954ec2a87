/*
 * casevault - verify: every archive decrypts, matches a receipt signed by a
 * staff key, every record's hash matches, no orphan file or row.
 */
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/array.h"
#include "base/handle.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/intent.h"
#include "crypto/seal.h"
#include "ops/purge.h"
#include "ops/record.h"
#include "ops/verify_keys.h"
#include "store/archive.h"
#include "store/db_receipts.h"
#include "store/db_cases.h"
#include "store/db_verify.h"
#include "casevault/search.h"
#include "casevault/record.h"
#include "casevault/staff.h"

/* How long verify waits for a writer to finish before it checks (the index's busy timeout). */
#define VERIFY_LOCK_WAIT_MS 10000

/* Certificates of destruction: checked by purge.c, reported here. */
static void cert_problem(void *hook, const char *what, const char *msg)
{
	cv_verify_add_problem(hook, what, "%s", msg);
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
	cv_sha256 *md;
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
	if (CV_ARRAY_GROW(&c->seen, &c->alloc, c->nseen) < 0)
		return -1;
	snprintf(c->seen[c->nseen].name, sizeof(c->seen[0].name), "%s", name);
	c->seen[c->nseen].sha[0] = '\0';
	if (!(c->md = cv_sha256_new()))
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
	cv_sha256_write(c->md, buf, len);
	return 0;
}

static int v_end(void *hook, const char *name)
{
	struct vctx *c = hook;

	(void)name;
	if (c->in_manifest)
		return 0;
	cv_sha256_final(c->md, c->seen[c->nseen].sha);
	cv_sha256_free(c->md);
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
struct idlist {
	char *out;
	size_t len, outlen;
};

static int add_id(void *hook, const char *id)
{
	struct idlist *l = hook;

	if (l->len + 12 >= l->outlen)
		return 1;
	l->len += (size_t)snprintf(l->out + l->len, l->outlen - l->len, "%s%s", l->len ? "," : "", id);
	return 0;
}

static void records_of(cv_vault *v, long long aid, char *out, size_t outlen)
{
	struct idlist l = { out, 0, outlen };

	out[0] = '\0';
	cv_db_verify_record_ids(v, aid, add_id, &l);
}

/* The index's clear fields must agree with the signed archive's manifest. */
static void check_clear_fields(cv_verify_report *rep, const cv_db_verify_record *rec, json_t *man, json_t *e)
{
	const char *mcase = json_string_value(json_object_get(man, "case"));
	const char *msec = json_string_value(json_object_get(man, "section"));
	const char *mclass = json_string_value(json_object_get(e, "class"));
	const char *mmime = json_string_value(json_object_get(e, "mime"));
	json_t *sz = json_object_get(e, "size");

	if (mcase && (!rec->case_id || strcmp(rec->case_id, mcase)))
		cv_verify_add_problem(rep, rec->id, "record's case in the index differs from its archive (moved?)");
	if (msec && (!rec->section || strcmp(rec->section, msec)))
		cv_verify_add_problem(rep, rec->id, "record's section in the index differs from its archive");
	if (mclass && (!rec->class_name || strcmp(rec->class_name, mclass)))
		cv_verify_add_problem(rep, rec->id, "record's class in the index differs from its archive");
	if (mmime && (!rec->mime || strcmp(rec->mime, mmime)))
		cv_verify_add_problem(rep, rec->id, "record's type in the index differs from its archive");
	if (json_is_integer(sz) && json_integer_value(sz) != rec->size)
		cv_verify_add_problem(rep, rec->id, "record's size in the index differs from its archive");
}

/* One archive being checked: what its members hashed to and what its manifest says. */
struct archive_check {
	cv_verify_report *rep;
	struct vctx *c;
	json_t *man;
	const char *file;
};

/*
 * A scan's OCR text (docs/ocr.md) against the hash its manifest gives; a
 * scan filed when OCR could not run is counted for verify's note.  An OCR
 * member no longer there (a purge rewrote the archive) is not a problem.
 */
static void check_ocr(cv_verify_report *rep, struct vctx *c, const cv_db_verify_record *rec, json_t *e)
{
	json_t *o = json_object_get(e, "ocr");
	const char *member = json_string_value(json_object_get(o, "member"));
	const char *sha = json_string_value(json_object_get(o, "sha256"));
	const char *got = member ? seen_sha(c, member) : NULL;

	if (json_object_get(o, "error"))
		rep->not_ocred++;
	if (got && (!sha || strcmp(got, sha)))
		cv_verify_add_problem(rep, rec->id, "record's OCR text does not match the archive manifest");
}

/* A record of the archive: its content against the index's hash and the manifest. */
static void check_record(void *hook, const cv_db_verify_record *rec)
{
	struct archive_check *ac = hook;
	cv_verify_report *rep = ac->rep;
	const char *actual = seen_sha(ac->c, rec->member);
	json_t *arr = ac->man ? json_object_get(ac->man, "records") : NULL;
	size_t i;
	int inman = 0;

	rep->records++;
	if (!rec->sha) {
		cv_verify_add_problem(rep, rec->id, "its recorded hash in the index is damaged or altered");
		return;
	}
	if (!actual)
		cv_verify_add_problem(rep, rec->id, "record is missing from its archive %s", ac->file);
	else if (strcmp(actual, rec->sha))
		cv_verify_add_problem(rep, rec->id, "record's content does not match the hash in the index");
	for (i = 0; arr && i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		const char *mid = json_string_value(json_object_get(e, "id"));
		const char *msha = json_string_value(json_object_get(e, "sha256"));
		if (mid && !strcmp(mid, rec->id)) {
			inman = 1;
			if (!msha || !actual || strcmp(msha, actual))
				cv_verify_add_problem(rep, rec->id, "record's content does not match the archive manifest");
			check_clear_fields(rep, rec, ac->man, e);
			check_ocr(rep, ac->c, rec, e);
		}
	}
	if (ac->man && !inman)
		cv_verify_add_problem(rep, rec->id, "record is not listed in its archive's manifest");
}

/* Every record the archive says it holds must still be in the index; no member twice. */
static void check_manifest_listed(cv_vault *v, cv_verify_report *rep, long long aid, const char *file,
				  json_t *man, const struct vctx *c)
{
	json_t *arr = man ? json_object_get(man, "records") : NULL;
	size_t i, j;

	for (i = 0; arr && i < json_array_size(arr); i++) {
		const char *mid = json_string_value(json_object_get(json_array_get(arr, i), "id"));

		if (mid && !cv_db_verify_record_in_archive(v, mid, aid))
			cv_verify_add_problem(rep, mid, "record is in archive %s but missing from the index (deleted row?)", file);
	}
	for (i = 0; i < c->nseen; i++)
		for (j = i + 1; j < c->nseen; j++)
			if (!strcmp(c->seen[i].name, c->seen[j].name))
				cv_verify_add_problem(rep, file, "archive holds two members named %.60s", c->seen[i].name);
}

/* Without the section's key (a caseworker and the cp file): the ciphertext against its signed receipt. */
static void check_sealed_only(cv_vault *v, cv_verify_report *rep, const char *file,
			      const char *sha, const char *recs)
{
	char got[65];

	if (cv_archive_sha256(v, file, got, NULL) < 0)
		cv_verify_add_problem(rep, file, "archive file is missing or unreadable (records %s)", recs);
	else if (strcmp(got, sha))
		cv_verify_add_problem(rep, file, "archive differs from the hash in the index (records %s)", recs);
	rep->sealed_only++;
}

/*
 * A receipt, checked and parsed once for all the archives it lists: one
 * import's receipt can list thousands, and parsing it again for each made
 * verify grow with the square of the vault (docs/commands/verify.md).
 */
struct receipt_cache {
	long long id;            /* the receipt in hand; 0 before the first */
	json_t *files;           /* file -> sha256 of each archive it lists; NULL when it failed */
	char err[300];           /* why it failed */
};

static void receipt_load(cv_vault *v, struct receipt_cache *rc, long long id)
{
	char *body = NULL, *sig = NULL;
	size_t blen = 0, slen = 0, i;
	json_t *root = NULL, *arr;

	json_decref(rc->files);
	rc->files = NULL;
	rc->id = id;
	if (cv_verify_receipt_signed(v, id) < 0) {
		if (!cv_verify_signer_missing(v, id, rc->err, sizeof(rc->err)))
			snprintf(rc->err, sizeof(rc->err), "%s", cv_vault_errmsg(v));
		return;
	}
	if (cv_db_receipt_get(v, id, &body, &blen, &sig, &slen) == 0)
		root = json_loadb(body, blen, 0, NULL);
	free(body);
	free(sig);
	arr = json_object_get(root, "archives");
	rc->files = json_object();
	for (i = 0; rc->files && i < json_array_size(arr); i++) {
		json_t *a = json_array_get(arr, i);
		const char *f = json_string_value(json_object_get(a, "file"));
		json_t *h = json_object_get(a, "sha256");

		if (f && json_is_string(h) && json_object_set(rc->files, f, h) != 0) {
			/* out of memory: no list rather than one short of an archive */
			json_decref(rc->files);
			rc->files = NULL;
			snprintf(rc->err, sizeof(rc->err), "out of memory reading receipt %lld", id);
		}
	}
	json_decref(root);
}

/* The archive's receipt is signed by its staff member and lists it with this hash; NULL, or why not. */
static const char *receipt_lists(cv_vault *v, struct receipt_cache *rc, long long id, const char *file,
				 const char *sha)
{
	const char *h;

	if (rc->id != id)
		receipt_load(v, rc, id);
	if (!rc->files)
		return rc->err;
	h = json_string_value(json_object_get(rc->files, file));
	if (h && !strcmp(h, sha))
		return NULL;
	snprintf(rc->err, sizeof(rc->err), "archive %s does not match its signed filing receipt", file);
	return rc->err;
}

static int check_archive(cv_vault *v, cv_verify_report *rep, struct receipt_cache *rc, long long aid,
			 const char *file, cv_section sec, const char *wrapped, int gen, const char *sha,
			 long long receipt_id)
{
	const char *why;
	struct vctx c;
	cv_archive_reader rd = { v_entry, v_data, v_end, &c };
	char key[CV_KEY_HEX + 1], got[65], recs[160];
	struct archive_check ac = { rep, &c, NULL, file };
	int r;

	memset(&c, 0, sizeof(c));
	records_of(v, aid, recs, sizeof(recs));
	if ((why = receipt_lists(v, rc, receipt_id, file, sha)))
		cv_verify_add_problem(rep, file, "%s (records %s)", why, recs);
	if (!v->mkey[sec]) {
		check_sealed_only(v, rep, file, sha, recs);
		goto out;
	}
	if ((r = cv_keys_unwrap(v, sec, gen, file, wrapped, key)) < 0) {
		cv_verify_add_problem(rep, file, "its wrapped key does not open (records %s)", recs);
		goto out;
	}
	r = cv_archive_read(v, file, key, &rd, got);
	explicit_bzero(key, sizeof(key));
	if (r < 0) {
		if (r == CV_ENOTFOUND)
			cv_verify_add_problem(rep, file, "archive file is missing (records %s)", recs);
		else
			cv_verify_add_problem(rep, file, "archive does not decrypt or is damaged: altered or corrupt (records %s)", recs);
		goto out;
	}
	if (strcmp(got, sha))
		cv_verify_add_problem(rep, file, "archive differs from the hash in the index (records %s)", recs);
	ac.man = c.manifest ? json_loads(c.manifest, 0, NULL) : NULL;
	if (!ac.man)
		cv_verify_add_problem(rep, file, "archive has no readable manifest (records %s)", recs);
	if (cv_db_verify_records(v, aid, sec, check_record, &ac) == 0)
		check_manifest_listed(v, rep, aid, file, ac.man, &c);
out:
	json_decref(ac.man);
	free(c.manifest);
	free(c.seen);
	cv_sha256_free(c.md);
	return 0;
}

static int unreadable_receipt(void *hook, long long id)
{
	cv_verify_add_problem(hook, "receipts", "filing receipt %lld is not readable JSON (altered?)", id);
	return 0;
}

static int vanished_archive(void *hook, long long receipt, const char *file)
{
	cv_verify_add_problem(hook, file, "archive listed in filing receipt %lld is gone from the index and no certificate of destruction names it"
		" (removed outside casevault?)", receipt);
	return 0;
}

struct receipt_walk {
	cv_vault *v;
	cv_verify_report *rep;
	long long want;          /* the next receipt id expected */
};

static int check_receipt_signed(void *hook, long long id)
{
	struct receipt_walk *w = hook;

	char msg[300];

	if (cv_verify_receipt_signed(w->v, id) < 0) {
		if (!cv_verify_signer_missing(w->v, id, msg, sizeof(msg)))
			snprintf(msg, sizeof(msg), "%s", cv_vault_errmsg(w->v));
		cv_verify_add_problem(w->rep, "receipts", "%s", msg);
	}
	return 0;
}

/* casevault never deletes a receipt, and their ids run from 1 without a gap */
static int check_receipt_gap(void *hook, long long id)
{
	struct receipt_walk *w = hook;

	if (id == w->want + 1)
		cv_verify_add_problem(w->rep, "receipts", "filing receipt %lld is missing (deleted outside casevault?)", w->want);
	else if (id > w->want)
		cv_verify_add_problem(w->rep, "receipts", "filing receipts %lld to %lld are missing (deleted outside casevault?)",
			w->want, id - 1);
	w->want = id + 1;
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
	struct receipt_walk w = { v, rep, 1 };
	int stepped;

	cv_db_receipts_unreadable(v, unreadable_receipt, rep);
	if (cv_db_receipts_vanished(v, vanished_archive, rep, &stepped) < 0) {
		cv_verify_add_problem(rep, "index", "cannot compare the receipts with the archives: %s", cv_vault_errmsg(v));
		if (!stepped)
			return;
	}
	if (cv_db_receipts_without_archives(v, check_receipt_signed, &w) < 0)
		return;
	cv_db_receipts_each(v, check_receipt_gap, &w);
}

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
			cv_verify_add_problem(perm_rep, "permissions", "%.200s is a symbolic link; the vault holds none: "
				"find out who made it, then remove it", path);
		return 0;
	}
	if (sb->st_mode & (S_IRWXG | S_IRWXO)) {
		if (perm_found++ < 5)
			cv_verify_add_problem(perm_rep, "permissions", "%.200s is open to other users (mode %04o); "
				"run: chmod -R go-rwx on the vault directory", path, (unsigned)(sb->st_mode & 07777));
	}
	if (sb->st_uid != perm_owner && perm_found++ < 5)
		cv_verify_add_problem(perm_rep, "permissions", "%.200s belongs to uid %u, not to the vault's owner (uid %u), who cannot "
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
		cv_verify_add_problem(rep, "permissions", "and %zu more paths like these", perm_found - 5);
	perm_rep = NULL;
}

static void integrity_line(void *hook, const char *m, const char *unused)
{
	(void)unused;
	if (m && strcmp(m, "ok"))
		cv_verify_add_problem(hook, "index", "SQLite integrity check: %.180s", m);
}

static void dangling_row(void *hook, const char *table, const char *parent)
{
	cv_verify_add_problem(hook, "index", "a row in %s refers to a missing %s", table, parent);
}

static void orphan_record(void *hook, const char *id, const char *unused)
{
	(void)unused;
	cv_verify_add_problem(hook, id, "record's archive is not in the index (orphan row)");
}

static void orphan_archive(void *hook, const char *file, const char *unused)
{
	(void)unused;
	cv_verify_add_problem(hook, file, "archive holds no record in the index (orphan row)");
}

/* The index on its own: SQLite's checks and rows that lost their partner. */
static int check_index(cv_vault *v, cv_verify_report *rep)
{
	int r;

	if ((r = cv_db_verify_integrity(v, integrity_line, rep)) < 0 ||
	    (r = cv_db_verify_foreign_keys(v, dangling_row, rep)) < 0 ||
	    (r = cv_db_verify_orphan_records(v, orphan_record, rep)) < 0 ||
	    (r = cv_db_verify_orphan_archives(v, orphan_archive, rep)) < 0)
		return r;
	rep->receipts = cv_db_receipts_count(v);
	return 0;
}

struct archive_walk {
	cv_vault *v;
	cv_verify_report *rep;
	struct receipt_cache rc;
};

static int verify_archive(void *hook, const cv_db_verify_archive *a)
{
	struct archive_walk *w = hook;
	char file[64], sha[65], *wrapped;

	snprintf(file, sizeof(file), "%s", a->file);
	snprintf(sha, sizeof(sha), "%s", a->sha256);
	wrapped = strdup(a->wrapped_key);
	if (!wrapped)
		return 1;  /* out of memory: the archives that follow go unchecked */
	w->rep->archives++;
	check_archive(w->v, w->rep, &w->rc, a->id, file, a->section, wrapped, a->key_gen, sha, a->receipt_id);
	free(wrapped);
	return 0;
}

/* Files nobody knows about (an intent log names the files of a writer still running). */
struct orphan_walk {
	cv_vault *v;
	cv_verify_report *rep;
};

static int check_orphan(void *hook, const char *name)
{
	struct orphan_walk *w = hook;

	if (!cv_db_verify_file_known(w->v, name) && !cv_purge_is_shredding(w->v, name))
		cv_verify_add_problem(w->rep, "archives", "file %.64s is not in the index (orphan file)", name);
	return 0;
}

static void check_orphan_files(cv_vault *v, cv_verify_report *rep)
{
	struct orphan_walk w = { v, rep };

	if (cv_archive_list(v, check_orphan, &w) == CV_ENOTFOUND)
		cv_verify_add_problem(rep, "archives", "the archives directory is missing");
}

/* How many stored values are not UTF-8; the first few are named. */
struct text_walk {
	cv_vault *v;
	size_t n;
};

#define TEXT_NAMED 5

static void bad_text(void *hook, const char *table, const char *column, const char *id)
{
	struct text_walk *w = hook;

	if (w->n++ < TEXT_NAMED)
		cv_notice(w->v, "%s.%s of %s is not UTF-8 (stored before text was checked): shown with U+FFFD "
			  "in place of its bad bytes, the stored value kept as it is", table, column, id);
}

/*
 * Text stored before every input was checked may not be UTF-8: a warning,
 * not a problem, since the value is intact and is shown with U+FFFD in
 * place of the bytes (docs/commands/verify.md).
 */
static void check_text(cv_vault *v)
{
	struct text_walk w = { v, 0 };
	int mask = 0, s;

	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (v->mkey[s])
			mask |= 1 << s;
	cv_db_verify_sealed_text(v, mask, bad_text, &w);
	if (w.n > TEXT_NAMED)
		cv_notice(v, "%zu more stored values are not UTF-8", w.n - TEXT_NAMED);
}

/*
 * A record with text and no sealed word set is not a problem (search reads
 * its archive instead, docs/commands/search.md) but slows every search: a
 * note says how many, and what writes them.  Rows that do not open are
 * problems, found with every sealed column (check_index).
 */
static void check_words(cv_vault *v)
{
	size_t n = 0;

	if (cv_search_missing(v, &n) == 0 && n > 0)
		cv_notice(v, "%zu record%s with text %s no search word set: search reads %s archive%s; "
			  "a manager's 'casevault search --reindex' writes them", n, n == 1 ? "" : "s",
			  n == 1 ? "has" : "have", n == 1 ? "its" : "their", n == 1 ? "" : "s");
}

static void erased_problem(void *hook, const char *id, const char *why)
{
	cv_verify_add_problem(hook, id, "%s (storage limitation: docs/architecture.md)", why);
}

/*
 * The erasure marker needs no key to write, so anyone able to write
 * vault.db could put it on a case still in use: it is accepted only where
 * an erasure put it, on a closed case with no record left, whose every
 * name is erased (docs/architecture.md, Storage limitation).
 */
static void check_erased(cv_vault *v, cv_verify_report *rep)
{
	if (cv_db_case_erased_check(v, erased_problem, rep) < 0)
		cv_verify_add_problem(rep, "index", "cannot check the erased cases: %s", cv_vault_errmsg(v));
}

int cv_verify(cv_vault *v, cv_verify_report *rep)
{
	struct archive_walk aw = { v, rep, { 0, NULL, "" } };
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((r = cv_authorize(v, CV_ACT_VERIFY, NULL)) < 0)
		return r;
	/* What a crash left first, if the open found the writer lock held (vault.c). */
	if ((r = cv_vault_recover(v, VERIFY_LOCK_WAIT_MS)) < 0)
		return r;
	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	if ((r = check_index(v, rep)) < 0)
		return r;
	r = cv_db_verify_archives(v, verify_archive, &aw);
	json_decref(aw.rc.files);
	if (r < 0)
		return r;
	check_orphan_files(v, rep);
	check_vanished(v, rep);
	check_permissions(v, rep);
	cv_verify_keys(v, rep);
	check_erased(v, rep);
	check_text(v);
	check_words(v);
	cv_verify_certificates(v, cert_problem, rep, NULL);
	cv_audit(v, "verify", rep->nproblems ? CV_ECORRUPT : 0, NULL);
	return rep->nproblems ? cv_error(v, CV_ECORRUPT, "verify found %zu problem%s", rep->nproblems,
					 rep->nproblems == 1 ? "" : "s") : 0;
}
