/*
 * casevault - the purge: cryptographic erase of whole archives, rewriting
 * the exceptions, certificates of destruction, crash recovery.
 *
 * One run, in order:
 *   1. locks: VAULT/.purge.lock (flock, not waited for: one purge at a
 *      time) and the writer lock (waits for a filing to finish); finish any
 *      purge a crash interrupted (step 6 onwards);
 *   2. the plan (retention.c): every record due, held, awaiting review...;
 *   3. rewrites (only for an archive that also holds records not going, and
 *      only with an unlock): the survivors are copied, through memory, into
 *      a new archive under a new key, named first in the filing intent log
 *      (pending), written to a temporary name, synced and renamed; one
 *      receipt signed by the actor lists the new archives;
 *   4. ONE transaction: the receipt and the new archives' rows, survivors
 *      moved, every destroyed record's row and every old archive's row (its
 *      wrapped key: the only copy of the archive key) deleted with
 *      secure_delete on, the destruction log (destroyed), the shred intent
 *      log (shred: the files to remove), the certificate; the pending rows
 *      cleared.  This commit is the moment of destruction;
 *   5. PRAGMA wal_checkpoint(TRUNCATE): the pages that held the wrapped keys
 *      are overwritten in vault.db and the WAL is emptied;
 *   6. each old archive file overwritten once with random bytes, synced,
 *      unlinked; the directory synced; the certificate file written;
 *      the shred rows deleted.
 * A crash before 4 leaves files named in pending and nothing destroyed:
 * the next process to hold the writer lock removes them (cv_vault_open
 * tries it, verify waits a while for it, and a purge or filing does it
 * first, since its commit clears pending); a rerun does it all.
 * A crash after 4 leaves shred rows: cv_vault_open (cv_purge_recover)
 * checkpoints, removes those files and writes the certificate file.  So
 * the index and the files never disagree once the vault has been opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gcrypt.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/adopted.h"
#include "core/audit.h"
#include "core/intent.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/seal.h"
#include "ops/purge.h"
#include "ops/retention.h"
#include "store/archive.h"
#include "store/index.h"
#include "casevault/staff.h"

/* ---- rewriting an archive's survivors ---- */

typedef struct {
	sqlite3_int64 id;
	char file[64];
	cv_section section;
	int key_gen;
	char *wrapped;
	char compression[8];
	char sha[65];
	/* survivors */
	char (*ids)[24];
	char (*members)[64];
	int64_t *sizes;
	size_t nsurv;
	/* the new archive */
	char newfile[40];
	char newsha[65];
	int64_t newsize;
	char *newwrapped;
	int newgen;
	int written;
	json_t *manifest;     /* old manifest, then the new one */
	const char *now;
} rewrite;

struct rctx {
	rewrite *rw;
	cv_member_in *m;      /* one per survivor, fd = memfd */
	int cur;              /* member index being captured, -1 none, -2 manifest */
	char *man;
	size_t manlen;
	int err;
};

static int rw_entry(void *hook, const char *name, int64_t size)
{
	struct rctx *c = hook;
	size_t i;

	c->cur = -1;
	if (!strcmp(name, "manifest.json")) {
		if (size > 64 * 1024 * 1024)
			return -1;
		c->cur = -2;
		return 1;
	}
	for (i = 0; i < c->rw->nsurv; i++)
		if (!strcmp(name, c->rw->members[i])) {
			if (c->m[i].fd >= 0) {
				c->err = 1;  /* two members of one name */
				return -1;
			}
			c->m[i].fd = memfd_create("casevault-rewrite", MFD_CLOEXEC);
			if (c->m[i].fd < 0)
				return -1;
			c->cur = (int)i;
			return 1;
		}
	return 0;
}

static int rw_data(void *hook, const void *buf, size_t len)
{
	struct rctx *c = hook;

	if (c->cur == -2) {
		char *m = realloc(c->man, c->manlen + len + 1);
		if (!m)
			return -1;
		memcpy(m + c->manlen, buf, len);
		c->manlen += len;
		m[c->manlen] = '\0';
		c->man = m;
		return 0;
	}
	if (c->cur >= 0) {
		if (cv_write_all(c->m[c->cur].fd, buf, len) < 0)
			return -1;
		c->m[c->cur].size += (int64_t)len;
	}
	return 0;
}

static int rw_end(void *hook, const char *name)
{
	(void)hook;
	(void)name;
	return 0;
}

static int rw_manifest(void *hook, const cv_member_in *m, size_t n, char **json)
{
	rewrite *rw = hook;

	(void)m;
	(void)n;
	*json = json_dumps(rw->manifest, JSON_INDENT(1) | JSON_SORT_KEYS);
	return *json ? 0 : -1;
}

static void rewrite_release(rewrite *rw)
{
	free(rw->wrapped);
	free(rw->newwrapped);
	free(rw->ids);
	free(rw->members);
	free(rw->sizes);
	json_decref(rw->manifest);
	memset(rw, 0, sizeof(*rw));
}

/* Copy the survivors of rw into a new archive (written, renamed, synced, key wrapped). */
static int rewrite_one(cv_vault *v, rewrite *rw)
{
	struct rctx c;
	char key[CV_KEY_HEX + 1], newkey[CV_KEY_HEX + 1], got[65];
	char *path = NULL, *tmp = NULL, *fin = NULL;
	sqlite3_stmt *st = NULL;
	json_t *old = NULL, *recs, *keep;
	size_t i, k;
	int r;

	memset(&c, 0, sizeof(c));
	c.rw = rw;
	c.cur = -1;
	c.m = calloc(rw->nsurv, sizeof(cv_member_in));
	if (!c.m)
		return cv_error(v, CV_ERROR, "out of memory");
	for (i = 0; i < rw->nsurv; i++)
		c.m[i].fd = -1;
	if (asprintf(&path, "%s/%s", v->archdir, rw->file) < 0) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	if ((r = cv_keys_unwrap(v, rw->section, rw->key_gen, rw->wrapped, key)) < 0)
		goto out;
	{
		cv_archive_reader rd = { rw_entry, rw_data, rw_end, &c };
		r = cv_archive_read(v, path, key, &rd, got);
	}
	explicit_bzero(key, sizeof(key));
	if (r < 0 || c.err) {
		r = cv_error(v, CV_ECORRUPT, "archive %s does not decrypt or is damaged; nothing was destroyed (run 'casevault verify')", rw->file);
		goto out;
	}
	if (strcmp(got, rw->sha)) {
		r = cv_error(v, CV_ECORRUPT, "archive %s differs from the hash in the index; nothing was destroyed (run 'casevault verify')", rw->file);
		goto out;
	}
	old = c.man ? json_loads(c.man, 0, NULL) : NULL;
	recs = old ? json_object_get(old, "records") : NULL;
	if (!recs) {
		r = cv_error(v, CV_ECORRUPT, "archive %s has no readable manifest; nothing was destroyed", rw->file);
		goto out;
	}
	keep = json_array();
	for (k = 0; k < json_array_size(recs); k++) {
		json_t *e = json_array_get(recs, k);
		const char *id = json_string_value(json_object_get(e, "id"));
		for (i = 0; id && i < rw->nsurv; i++)
			if (!strcmp(id, rw->ids[i]))
				json_array_append(keep, e);
	}
	rw->manifest = json_deep_copy(old);
	json_object_set_new(rw->manifest, "records", keep);
	json_object_set_new(rw->manifest, "archive", json_string(rw->newfile));
	json_object_set_new(rw->manifest, "rewritten", json_string(rw->now));
	json_object_set_new(rw->manifest, "rewritten_from", json_string(rw->file));
	for (i = 0; i < rw->nsurv; i++) {
		if (c.m[i].fd < 0 || c.m[i].size != rw->sizes[i]) {
			r = cv_error(v, CV_ECORRUPT, "record %s is missing from archive %s or has the wrong size; nothing was destroyed",
				     rw->ids[i], rw->file);
			goto out;
		}
		snprintf(c.m[i].name, sizeof(c.m[i].name), "%s", rw->members[i]);
	}
	if ((r = cv_random_hex(newkey, CV_KEY_LEN)) < 0)
		goto out;
	if (asprintf(&tmp, "%s/.tmp-%s", v->archdir, rw->newfile) < 0 || asprintf(&fin, "%s/%s", v->archdir, rw->newfile) < 0) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	r = cv_archive_write(v, tmp, newkey, !strcmp(rw->compression, "zstd"), c.m, rw->nsurv, rw_manifest, rw,
			     &rw->newsize, rw->newsha);
	if (r < 0) {
		explicit_bzero(newkey, sizeof(newkey));
		goto out;
	}
	cv_crashpoint("purge-rewrite-tmp");
	if (rename(tmp, fin) < 0) {
		explicit_bzero(newkey, sizeof(newkey));
		unlink(tmp);
		r = cv_error(v, CV_ERROR, "cannot move an archive into place: %s%s", strerror(errno), cv_disk_hint(errno));
		goto out;
	}
	rw->written = 1;
	/* What was copied must be what was filed. */
	for (i = 0; i < rw->nsurv; i++) {
		char ctx[64], *want = NULL;

		if ((r = cv_index_prepare(v, &st, "SELECT sha256 FROM records WHERE id = ?")) < 0)
			break;
		sqlite3_bind_text(st, 1, rw->ids[i], -1, SQLITE_STATIC);
		r = CV_ECORRUPT;
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(ctx, sizeof(ctx), "records.sha256:%s", rw->ids[i]);
			if (cv_unseal(v, rw->section, ctx, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
				      &want, NULL) == 0 && !strcmp(want, c.m[i].sha256))
				r = 0;
			free(want);
		}
		sqlite3_finalize(st);
		st = NULL;
		if (r < 0) {
			r = cv_error(v, CV_ECORRUPT, "record %s does not match its recorded hash; nothing was destroyed (run 'casevault verify')",
				     rw->ids[i]);
			break;
		}
	}
	if (r == 0)
		r = cv_keys_wrap(v, rw->section, newkey, &rw->newwrapped, &rw->newgen);
	explicit_bzero(newkey, sizeof(newkey));
out:
	for (i = 0; c.m && i < rw->nsurv; i++)
		if (c.m[i].fd >= 0)
			close(c.m[i].fd);
	free(c.m);
	if (c.man) {
		explicit_bzero(c.man, c.manlen);
		free(c.man);
	}
	json_decref(old);
	free(path);
	free(tmp);
	free(fin);
	return r;
}

/* ---- certificates ---- */

static void sha256_hex(const char *s, char out[65])
{
	cv_sha256_hex(s, strlen(s), out);
}

static void range(json_t *obj, const char *key, const char *lo, const char *hi)
{
	json_object_set_new(obj, key, json_pack("{s:s, s:s}", "from", lo, "to", hi));
}

static char *certificate_json(cv_vault *v, cv_polcache *pc, long number, const char *prev, const char *now,
			      const char *as_of, const char *run_by, cv_due *items, size_t n, rewrite *rws, size_t nrw)
{
	json_t *root = json_object(), *recs = json_array(), *classes = json_object(), *arch = json_array(), *auth = json_array();
	char flo[11] = "", fhi[11] = "", rlo[11] = "", rhi[11] = "", *s;
	size_t i, count = 0;
	sqlite3_int64 last_arch = -1;

	json_object_set_new(root, "format", json_string("casevault-certificate/1"));
	json_object_set_new(root, "number", json_integer(number));
	json_object_set_new(root, "previous_sha256", prev && *prev ? json_string(prev) : json_null());
	json_object_set_new(root, "created", json_string(now));
	json_object_set_new(root, "as_of", json_string(as_of));
	json_object_set_new(root, "run_by", json_string(run_by));
	json_object_set_new(root, "method", json_string(
		"cryptographic erase (NIST SP 800-88 purge): the only copy of each archive key, wrapped in the index, "
		"deleted with SQLite secure_delete and the write-ahead log checkpointed and truncated; then the "
		"ciphertext file overwritten once with random bytes, synced and unlinked, and the directory synced. "
		"Records sharing an archive with records kept were removed by re-encrypting the kept ones under a new key first."));
	json_object_set_new(root, "policy_in_force", json_string(cv_policy_hash(v->policy)));
	for (i = 0; i < n; i++) {
		cv_due *d = &items[i];
		const cv_policy *p;
		const cv_class *cls;
		char rules[256], fd[11], who[64];

		if (d->status != CV_DUE_DESTROY && d->status != CV_DUE_APPROVED)
			continue;
		if (!d->whole) {
			/* destroyed by a rewrite only when its archive was rewritten in this run */
			size_t k;
			int done = 0;
			for (k = 0; k < nrw; k++)
				if (rws[k].id == d->archive_id && rws[k].written)
					done = 1;
			if (!done)
				continue;
		}
		p = cv_polcache_get(v, pc, d->policy_hash);
		cls = p ? cv_policy_class(p, d->class_name) : NULL;
		if (!cls)
			cls = cv_policy_class(v->policy, d->class_name);
		cv_rules_text(cls, rules, sizeof(rules));
		snprintf(fd, sizeof(fd), "%.10s", d->filed_at);
		if (d->status == CV_DUE_APPROVED)
			snprintf(who, sizeof(who), "%s (review approved)", d->approved_by);
		else
			snprintf(who, sizeof(who), "schedule");
		json_array_append_new(recs, json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			"id", d->id, "case", d->case_id[0] ? d->case_id : NULL, "section", cv_section_name(d->section),
			"class", d->class_name, "filed", fd, "retain_until", d->retain_until,
			"rule", rules, "action", cls && cls->action == CV_ACTION_REVIEW ? "review" : "destroy",
			"rule_note", "the latest of the rules' dates",
			"policy_hash", d->policy_hash, "authorised_by", who,
			"removed_by", d->whole ? "archive erased" : "archive rewritten without it, then erased"));
		json_object_set_new(classes, d->class_name,
				    json_integer(json_integer_value(json_object_get(classes, d->class_name)) + 1));
		if (!flo[0] || strcmp(fd, flo) < 0) memcpy(flo, fd, sizeof(flo));
		if (!fhi[0] || strcmp(fd, fhi) > 0) memcpy(fhi, fd, sizeof(fhi));
		if (!rlo[0] || strcmp(d->retain_until, rlo) < 0) memcpy(rlo, d->retain_until, sizeof(rlo));
		if (!rhi[0] || strcmp(d->retain_until, rhi) > 0) memcpy(rhi, d->retain_until, sizeof(rhi));
		if (d->status == CV_DUE_APPROVED) {
			json_t *a = json_string(d->approved_by);
			size_t k;
			int seen = 0;
			for (k = 0; k < json_array_size(auth); k++)
				if (json_equal(json_array_get(auth, k), a))
					seen = 1;
			if (!seen)
				json_array_append(auth, a);
			json_decref(a);
		}
		if (d->whole && d->archive_id != last_arch) {
			json_array_append_new(arch, json_pack("{s:s, s:s}", "file", d->archive, "outcome", "erased"));
			last_arch = d->archive_id;
		}
		count++;
	}
	for (i = 0; i < nrw; i++)
		if (rws[i].written)
			json_array_append_new(arch, json_pack("{s:s, s:s, s:s}", "file", rws[i].file, "outcome",
							      "rewritten, then erased", "kept_records_moved_to", rws[i].newfile));
	json_object_set_new(root, "authorised_by", json_pack("{s:s, s:o}", "schedule",
		"the retention schedule in retention.ini (each record's policy_hash names its version)",
		"review_approved_by", auth));
	json_object_set_new(root, "record_count", json_integer((json_int_t)count));
	json_object_set_new(root, "classes", classes);
	{
		json_t *dr = json_object();
		range(dr, "filed", flo, fhi);
		range(dr, "retain_until", rlo, rhi);
		json_object_set_new(root, "date_range", dr);
	}
	json_object_set_new(root, "archives", arch);
	json_object_set_new(root, "records", recs);
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s) {
		size_t l = strlen(s);
		char *t = realloc(s, l + 2);
		if (t) {
			t[l] = '\n';
			t[l + 1] = '\0';
			s = t;
		}
	}
	return s;
}

int cv_certificate_list(cv_vault *v, cv_certificate **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_certificate *list = NULL;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, CV_ACT_AUDIT, NULL)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "SELECT number, created, run_by, records, sha256 FROM certificates ORDER BY number")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cv_certificate *nl = reallocarray(list, cnt + 1, sizeof(*nl));
		if (!nl) {
			sqlite3_finalize(st);
			free(list);
			return cv_error(v, CV_ERROR, "out of memory");
		}
		list = nl;
		memset(&list[cnt], 0, sizeof(list[cnt]));
		list[cnt].number = (long)sqlite3_column_int64(st, 0);
		snprintf(list[cnt].created, sizeof(list[cnt].created), "%s", cv_col(st, 1));
		snprintf(list[cnt].run_by, sizeof(list[cnt].run_by), "%s", cv_col(st, 2));
		list[cnt].records = (long)sqlite3_column_int64(st, 3);
		snprintf(list[cnt].sha256, sizeof(list[cnt].sha256), "%s", cv_col(st, 4));
		cnt++;
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	return 0;
}

static int certificate_body(cv_vault *v, long number, char **json);

int cv_certificate_get(cv_vault *v, long number, char **json)
{
	char ids[32];
	int r;

	*json = NULL;
	snprintf(ids, sizeof(ids), "certificate-%ld", number);
	if ((r = cv_authorize(v, CV_ACT_AUDIT, ids)) < 0)
		return r;
	r = certificate_body(v, number, json);
	if (r == 0)
		cv_audit(v, "certificate.show", 0, ids);
	return r;
}

static int certificate_body(cv_vault *v, long number, char **json)
{
	sqlite3_stmt *st = NULL;
	int r;

	*json = NULL;
	if ((r = cv_index_prepare(v, &st, "SELECT body FROM certificates WHERE number = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, number);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no certificate %ld in this vault; see 'casevault certificates list'", number);
	}
	*json = strdup(cv_col(st, 0));
	sqlite3_finalize(st);
	return *json ? 0 : cv_error(v, CV_ERROR, "out of memory");
}

int cv_verify_certificates(cv_vault *v, void (*report)(void *hook, const char *what, const char *msg),
			   void *hook, size_t *count)
{
	sqlite3_stmt *st = NULL, *q = NULL;
	char prev[65] = "", msg[256], what[32];
	long expect = 1;
	size_t cnt = 0;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT number, body, sha256, prev_sha256 FROM certificates ORDER BY number")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long num = (long)sqlite3_column_int64(st, 0);
		const char *body = cv_col(st, 1);
		char sha[65];
		json_t *j = json_loads(body, 0, NULL), *recs;
		const char *jprev;
		int exists;
		size_t i;

		cnt++;
		snprintf(what, sizeof(what), "certificate %ld", num);
		if (num != expect) {
			snprintf(msg, sizeof(msg), "certificates %ld to %ld are missing (deleted?)", expect, num - 1);
			report(hook, what, msg);
		}
		expect = num + 1;
		sha256_hex(body, sha);
		if (strcmp(sha, cv_col(st, 2)))
			report(hook, what, "its text does not match its SHA-256: altered");
		jprev = j ? json_string_value(json_object_get(j, "previous_sha256")) : NULL;
		if (!j || json_integer_value(json_object_get(j, "number")) != num)
			report(hook, what, "is not a readable certificate or carries another number");
		if (strcmp(jprev ? jprev : "", prev) || strcmp(cv_col(st, 3), prev))
			report(hook, what, "does not chain to the certificate before it (one was altered, removed or inserted)");
		if (!cv_cert_file_matches(v, num, body, &exists))
			report(hook, what, exists ? "its file in certificates/ differs from the index: altered" :
			       "its file in certificates/ is missing");
		recs = j ? json_object_get(j, "records") : NULL;
		for (i = 0; recs && i < json_array_size(recs); i++) {
			const char *id = json_string_value(json_object_get(json_array_get(recs, i), "id"));
			if (!id)
				continue;
			if (cv_index_prepare(v, &q, "SELECT 1 FROM records WHERE id = ?") == 0) {
				sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
				if (sqlite3_step(q) == SQLITE_ROW) {
					snprintf(msg, sizeof(msg), "lists record %.24s as destroyed, but the index still holds it", id);
					report(hook, what, msg);
				}
				sqlite3_finalize(q);
				q = NULL;
			}
		}
		json_decref(j);
		snprintf(prev, sizeof(prev), "%s", sha);
	}
	sqlite3_finalize(st);
	if (count)
		*count = cnt;
	return 0;
}

/* ---- the purge ---- */

void cv_purge_report_release(cv_purge_report *rep)
{
	if (!rep)
		return;
	free(rep->items);
	memset(rep, 0, sizeof(*rep));
}

static int purge_lock(cv_vault *v, int *fdp)
{
	char *p = NULL;
	int fd;

	*fdp = -1;
	if (asprintf(&p, "%s/.purge.lock", v->path) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(p);
	if (fd < 0)
		return cv_error(v, CV_ERROR, "cannot open the purge lock file: %s", strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return cv_error(v, CV_ELOCKED, "another purge is running on this vault");
		return cv_error(v, CV_ERROR, "cannot lock the vault for the purge: %s", strerror(e));
	}
	*fdp = fd;
	return 0;
}

static int load_rewrite(cv_vault *v, rewrite *rw, cv_due *items, size_t n, size_t from, size_t to)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int r;

	memset(rw, 0, sizeof(*rw));
	rw->id = items[from].archive_id;
	if ((r = cv_index_prepare(v, &st,
		"SELECT file, section, key_gen, wrapped_key, compression, sha256 FROM archives WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, rw->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ECORRUPT, "an archive vanished from the index during the purge");
	}
	snprintf(rw->file, sizeof(rw->file), "%s", cv_col(st, 0));
	cv_section_parse(&rw->section, cv_col(st, 1));
	rw->key_gen = sqlite3_column_int(st, 2);
	rw->wrapped = strdup(cv_col(st, 3));
	snprintf(rw->compression, sizeof(rw->compression), "%s", cv_col(st, 4));
	snprintf(rw->sha, sizeof(rw->sha), "%s", cv_col(st, 5));
	sqlite3_finalize(st);
	if (!rw->wrapped)
		return cv_error(v, CV_ERROR, "out of memory");
	/* Survivors: the archive's records that are not going in this run. */
	if ((r = cv_index_prepare(v, &st, "SELECT id, member, size FROM records WHERE archive_id = ? ORDER BY seq")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, rw->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = cv_col(st, 0);
		size_t k;
		int going = 0;

		for (k = from; k < to; k++)
			if (!strcmp(items[k].id, id) &&
			    (items[k].status == CV_DUE_DESTROY || items[k].status == CV_DUE_APPROVED))
				going = 1;
		if (going)
			continue;
		if (rw->nsurv == cap) {
			size_t nc = cap ? cap * 2 : 8;
			void *a = reallocarray(rw->ids, nc, sizeof(*rw->ids));
			void *b = a ? reallocarray(rw->members, nc, sizeof(*rw->members)) : NULL;
			void *c = b ? reallocarray(rw->sizes, nc, sizeof(*rw->sizes)) : NULL;
			if (a)
				rw->ids = a;
			if (b)
				rw->members = b;
			if (c)
				rw->sizes = c;
			if (!a || !b || !c) {
				sqlite3_finalize(st);
				return cv_error(v, CV_ERROR, "out of memory");
			}
			cap = nc;
		}
		snprintf(rw->ids[rw->nsurv], 24, "%s", id);
		snprintf(rw->members[rw->nsurv], 64, "%s", cv_col(st, 1));
		rw->sizes[rw->nsurv] = sqlite3_column_int64(st, 2);
		rw->nsurv++;
	}
	sqlite3_finalize(st);
	(void)n;
	return 0;
}

static char *receipt_json(cv_vault *v, rewrite *rws, size_t nrw, const char *now)
{
	json_t *root = json_object(), *arr = json_array();
	char *s;
	size_t i;

	json_object_set_new(root, "format", json_string("casevault-receipt/1"));
	json_object_set_new(root, "staff", json_string(v->actor));
	json_object_set_new(root, "fpr", json_string(v->actor_fpr));
	json_object_set_new(root, "created", json_string(now));
	json_object_set_new(root, "purpose", json_string("purge: archives rewritten without the records destroyed"));
	for (i = 0; i < nrw; i++)
		if (rws[i].written)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "file", rws[i].newfile,
							     "sha256", rws[i].newsha, "size", (json_int_t)rws[i].newsize));
	json_object_set_new(root, "archives", arr);
	s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return s;
}

static int step_done(cv_vault *v, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : cv_index_dberr(v, what);
}

/* The single commit of a run (step 4 above). */
static int commit_purge(cv_vault *v, cv_due *items, size_t n, rewrite *rws, size_t nrw,
			const char *now, const char *receipt, const char *sig, const char *cert_body_in,
			long number, cv_purge_report *rep, cv_polcache *pc, const char *as_of, const char *run_by)
{
	sqlite3_stmt *st = NULL, *delrec = NULL, *logd = NULL, *delarch = NULL, *shred = NULL;
	sqlite3_int64 receipt_id = 0;
	char prev[65] = "", sha[65], *body = NULL;
	size_t i;
	int r;

	(void)cert_body_in;
	if ((r = cv_index_begin(v)) < 0)
		return r;
	/* A hold placed since the plan (by a process that did not take the writer lock) wins. */
	for (i = 0; i < n; i++) {
		if (items[i].status != CV_DUE_DESTROY && items[i].status != CV_DUE_APPROVED)
			continue;
		if ((r = cv_hold_check(v, items[i].id, NULL)) != 0) {
			if (r > 0)
				r = cv_error(v, CV_EHELD, "record %s was put on hold while the purge ran; nothing was destroyed: run the purge again",
					     items[i].id);
			goto fail;
		}
	}
	if ((r = cv_index_prepare(v, &st, "SELECT number, sha256 FROM certificates ORDER BY number DESC LIMIT 1")) < 0)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW) {
		number = (long)sqlite3_column_int64(st, 0) + 1;
		snprintf(prev, sizeof(prev), "%s", cv_col(st, 1));
	} else {
		number = 1;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (receipt) {
		if ((r = cv_index_prepare(v, &st, "INSERT INTO receipts(staff_id, created, body, sig) VALUES(?,?,?,?)")) < 0)
			goto fail;
		sqlite3_bind_text(st, 1, v->actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, receipt, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, sig, -1, SQLITE_STATIC);
		if ((r = step_done(v, st, "record the receipt")) < 0)
			goto fail;
		sqlite3_finalize(st);
		st = NULL;
		receipt_id = sqlite3_last_insert_rowid(v->db);
	}
	body = certificate_json(v, pc, number, prev, now, as_of, run_by, items, n, rws, nrw);
	if (!body) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto fail;
	}
	sha256_hex(body, sha);
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO certificates(number, created, run_by, records, body, sha256, prev_sha256) VALUES(?,?,?,?,?,?,?)")) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, run_by, -1, SQLITE_STATIC);
	{
		json_t *j = json_loads(body, 0, NULL);
		sqlite3_bind_int64(st, 4, j ? json_integer_value(json_object_get(j, "record_count")) : 0);
		json_decref(j);
	}
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, sha, -1, SQLITE_STATIC);
	if (prev[0])
		sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	if ((r = step_done(v, st, "record the certificate")) < 0)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;

	if ((r = cv_index_prepare(v, &delrec, "DELETE FROM records WHERE id = ?")) < 0 ||
	    (r = cv_index_prepare(v, &logd, "INSERT INTO destroyed(record_id, certificate) VALUES(?, ?)")) < 0 ||
	    (r = cv_index_prepare(v, &delarch, "DELETE FROM archives WHERE id = ?")) < 0 ||
	    (r = cv_index_prepare(v, &shred, "INSERT OR IGNORE INTO shred(file, created) VALUES(?, ?)")) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		cv_due *d = &items[i];
		size_t k;
		int done = d->whole;

		if (d->status != CV_DUE_DESTROY && d->status != CV_DUE_APPROVED)
			continue;
		for (k = 0; !done && k < nrw; k++)
			if (rws[k].id == d->archive_id && rws[k].written)
				done = 1;
		if (!done)
			continue;
		sqlite3_bind_text(delrec, 1, d->id, -1, SQLITE_STATIC);
		if ((r = step_done(v, delrec, "delete a record")) < 0)
			goto fail;
		sqlite3_bind_text(logd, 1, d->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(logd, 2, number);
		if ((r = step_done(v, logd, "log a destruction")) < 0)
			goto fail;
		rep->destroyed++;
	}
	/* Then the archives (their records are gone, so the foreign keys allow it). */
	for (i = 0; i < n; i++) {
		cv_due *d = &items[i];

		if (d->status != CV_DUE_DESTROY && d->status != CV_DUE_APPROVED)
			continue;
		if (d->whole && (i == 0 || items[i - 1].archive_id != d->archive_id)) {
			sqlite3_bind_int64(delarch, 1, d->archive_id);
			if ((r = step_done(v, delarch, "delete an archive key")) < 0)
				goto fail;
			sqlite3_bind_text(shred, 1, d->archive, -1, SQLITE_STATIC);
			sqlite3_bind_text(shred, 2, now, -1, SQLITE_STATIC);
			if ((r = step_done(v, shred, "log an archive to remove")) < 0)
				goto fail;
			rep->archives_destroyed++;
		}
	}
	for (i = 0; i < nrw; i++) {
		rewrite *rw = &rws[i];
		sqlite3_int64 nid;

		if (!rw->written)
			continue;
		if ((r = cv_index_prepare(v, &st,
			"INSERT INTO archives(file, case_id, section, key_gen, wrapped_key, compression, size, sha256, receipt_id, created)"
			" SELECT ?, case_id, section, ?, ?, compression, ?, ?, ?, ? FROM archives WHERE id = ?")) < 0)
			goto fail;
		sqlite3_bind_text(st, 1, rw->newfile, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, rw->newgen);
		sqlite3_bind_text(st, 3, rw->newwrapped, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, rw->newsize);
		sqlite3_bind_text(st, 5, rw->newsha, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, receipt_id);
		sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, rw->id);
		if ((r = step_done(v, st, "record a rewritten archive")) < 0)
			goto fail;
		sqlite3_finalize(st);
		st = NULL;
		nid = sqlite3_last_insert_rowid(v->db);
		if ((r = cv_index_prepare(v, &st, "UPDATE records SET archive_id = ? WHERE archive_id = ?")) < 0)
			goto fail;
		sqlite3_bind_int64(st, 1, nid);
		sqlite3_bind_int64(st, 2, rw->id);
		if ((r = step_done(v, st, "move the kept records")) < 0)
			goto fail;
		sqlite3_finalize(st);
		st = NULL;
		sqlite3_bind_int64(delarch, 1, rw->id);
		if ((r = step_done(v, delarch, "delete an archive key")) < 0)
			goto fail;
		sqlite3_bind_text(shred, 1, rw->file, -1, SQLITE_STATIC);
		sqlite3_bind_text(shred, 2, now, -1, SQLITE_STATIC);
		if ((r = step_done(v, shred, "log an archive to remove")) < 0)
			goto fail;
		rep->archives_rewritten++;
	}
	if ((r = cv_index_exec(v, "DELETE FROM pending")) < 0)
		goto fail;
	sqlite3_finalize(delrec);
	sqlite3_finalize(logd);
	sqlite3_finalize(delarch);
	sqlite3_finalize(shred);
	delrec = logd = delarch = shred = NULL;
	cv_crashpoint("purge-before-commit");
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	rep->certificate = number;
	snprintf(rep->certificate_sha256, sizeof(rep->certificate_sha256), "%s", sha);
	r = 0;
	goto out;
fail:
	sqlite3_finalize(st);
	st = NULL;
	sqlite3_finalize(delrec);
	sqlite3_finalize(logd);
	sqlite3_finalize(delarch);
	sqlite3_finalize(shred);
	delrec = logd = delarch = shred = NULL;
	cv_index_rollback(v);
	rep->destroyed = rep->archives_destroyed = rep->archives_rewritten = 0;
out:
	sqlite3_finalize(st);
	free(body);
	return r;
}

static int begin_pending(cv_vault *v, rewrite *rws, size_t nrw, const char *now)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "INSERT INTO pending(file, created) VALUES(?, ?)")) < 0)
		goto fail;
	for (i = 0; i < nrw; i++) {
		if ((r = cv_random_hex(rws[i].newfile, 16)) < 0)
			goto fail;
		strcat(rws[i].newfile, ".pgp");
		sqlite3_bind_text(st, 1, rws[i].newfile, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		if ((r = step_done(v, st, "start the rewrite")) < 0)
			goto fail;
	}
	sqlite3_finalize(st);
	return cv_index_commit(v);
fail:
	sqlite3_finalize(st);
	cv_index_rollback(v);
	return r;
}

static void undo_rewrites(cv_vault *v, rewrite *rws, size_t nrw)
{
	size_t i;

	for (i = 0; i < nrw; i++) {
		char *p = NULL;

		if (!rws[i].newfile[0])
			continue;
		if (asprintf(&p, "%s/%s", v->archdir, rws[i].newfile) >= 0) {
			unlink(p);
			free(p);
		}
		if (asprintf(&p, "%s/.tmp-%s", v->archdir, rws[i].newfile) >= 0) {
			unlink(p);
			free(p);
		}
		rws[i].written = 0;
	}
	cv_fsync_dir(v->archdir);
	cv_index_exec(v, "DELETE FROM pending");
}

/*
 * A clock that jumps ahead makes records fall due early, and an unattended
 * run would destroy them.  Every purge that runs (not a dry run) records the
 * day it ran on (meta purge_day, never moved back); a scheduled run refuses a
 * today more than CV_PURGE_MAX_GAP days after it.  The timer runs daily, so
 * a longer gap means the clock jumped or the machine was off that long: a
 * person checks the date and runs the purge by hand once.  A clock gone back
 * only makes fewer records due.
 */
#define CV_PURGE_MAX_GAP 40

static int check_clock_gap(cv_vault *v, const char *day)
{
	sqlite3_stmt *st = NULL;
	cv_date last, now, limit;
	char last_s[11] = "";
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT value FROM meta WHERE key = 'purge_day'")) < 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(last_s, sizeof(last_s), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (!last_s[0] || cv_date_parse(&last, last_s) < 0 || cv_date_parse(&now, day) < 0)
		return 0;
	cv_date_add_days(&limit, &last, CV_PURGE_MAX_GAP);
	if (cv_date_cmp(&now, &limit) <= 0)
		return 0;
	return cv_error(v, CV_EREFUSED, "today is %s but the last purge (or the vault's set-up) was on %s, more than %d days ago: "
			"the system clock may have jumped; nothing was destroyed. Check the date; if it is right, "
			"run 'casevault purge' by hand once", day, last_s, CV_PURGE_MAX_GAP);
}

static void record_purge_day(cv_vault *v, const char *day)
{
	sqlite3_stmt *st = NULL;

	if (cv_index_prepare(v, &st, "INSERT INTO meta(key, value) VALUES('purge_day', ?)"
			     " ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)") < 0)
		return;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		cv_notice(v, "could not record the day of this purge: %s", sqlite3_errmsg(v->db));
	sqlite3_finalize(st);
}

int cv_purge(cv_vault *v, const char *as_of, int flags, cv_purge_report *rep)
{
	cv_polcache pc = CV_POLCACHE_INIT;
	int dry = flags & CV_PURGE_DRY_RUN, sched = flags & CV_PURGE_SCHEDULED;
	char day[11], now[32], run_by[32], *receipt = NULL, *sig = NULL;
	rewrite *rws = NULL;
	size_t nrw = 0, i, j, siglen = 0;
	int lockfd = -1, r, can_unlock = 0, rewrite_err = 0;
	char rewrite_msg[512] = "";

	memset(rep, 0, sizeof(*rep));
	rep->policy_fallback = v->policy_fallback;
	rep->policy_unadopted = v->policy_unadopted;
	if ((r = cv_retention_as_of(v, as_of, dry, day)) < 0)
		return r;
	cv_now_iso(now);
	if (sched) {
		snprintf(run_by, sizeof(run_by), "schedule");
	} else if (!dry) {
		/* a purge by hand is a decision to destroy: managers only */
		if ((r = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0)
			return r;
		snprintf(run_by, sizeof(run_by), "%s", v->actor);
	} else {
		snprintf(run_by, sizeof(run_by), "%s", v->actor[0] ? v->actor : "dry-run");
	}
	if (!dry) {
		if ((r = purge_lock(v, &lockfd)) < 0) {
			if (r == CV_ELOCKED && sched) {
				rep->another_running = 1;
				return 0;
			}
			return r;
		}
		if ((r = cv_vault_lock_writer(v, 1)) < 0)
			goto out;
		/*
		 * The files a crashed filing or rewrite left, if the open found
		 * the lock held (vault.c) and could not remove them: this run's
		 * commit clears the intent log, and would leave them for good.
		 */
		if ((r = cv_pending_recover(v)) < 0)
			goto out;
		/* Finish what an interrupted purge left, before planning anew. */
		if (cv_purge_needs_recovery(v) && (r = cv_purge_recover(v)) < 0)
			goto out;
		if (sched && (r = check_clock_gap(v, day)) < 0)
			goto out;
	}
	cv_crashpoint("purge-start");
	if ((r = cv_retention_plan(v, day, &pc, &rep->items, &rep->nitems)) < 0)
		goto out;

	/* Archives that need a rewrite: only with an unlock. */
	for (i = 0; i < rep->nitems; i = j) {
		size_t going = 0;

		for (j = i; j < rep->nitems && rep->items[j].archive_id == rep->items[i].archive_id; j++)
			if (rep->items[j].status == CV_DUE_DESTROY || rep->items[j].status == CV_DUE_APPROVED)
				going++;
		if (!going || rep->items[i].whole)
			continue;
		if (!sched && !dry && !can_unlock)
			can_unlock = cv_require_key(v, rep->items[i].section) == 0 ? 1 : -1;
		if (sched || can_unlock < 0 || (!dry && !v->mkey[rep->items[i].section])) {
			if (can_unlock < 0 && !rewrite_msg[0])
				snprintf(rewrite_msg, sizeof(rewrite_msg), "%s", cv_vault_errmsg(v));
			for (size_t k = i; k < j; k++)
				if (rep->items[k].status == CV_DUE_DESTROY || rep->items[k].status == CV_DUE_APPROVED)
					rep->items[k].status = CV_DUE_PENDING;
			continue;
		}
		if (dry) {
			rep->archives_rewritten++;
			continue;
		}
		{
			rewrite *nr = reallocarray(rws, nrw + 1, sizeof(*rws));
			if (!nr) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto out;
			}
			rws = nr;
			if ((r = load_rewrite(v, &rws[nrw], rep->items, rep->nitems, i, j)) < 0) {
				nrw++;
				goto out;
			}
			rws[nrw].now = now;
			nrw++;
		}
	}
	for (i = 0; i < rep->nitems; i++) {
		switch (rep->items[i].status) {
		case CV_DUE_HELD: rep->held++; break;
		case CV_DUE_REVIEW: rep->review++; break;
		case CV_DUE_STALE: rep->stale++; break;
		case CV_DUE_UNKNOWN_CLASS: rep->unknown++; break;
		case CV_DUE_PENDING: rep->pending++; break;
		default:
			if (dry)
				rep->destroyed++;
			break;
		}
	}
	if (dry) {
		for (i = 0; i < rep->nitems; i++)
			if (rep->items[i].whole && (rep->items[i].status == CV_DUE_DESTROY || rep->items[i].status == CV_DUE_APPROVED) &&
			    (i == 0 || rep->items[i - 1].archive_id != rep->items[i].archive_id))
				rep->archives_destroyed++;
		r = 0;
		goto out;
	}
	{
		int any = nrw > 0;
		for (i = 0; !any && i < rep->nitems; i++)
			if (rep->items[i].whole && (rep->items[i].status == CV_DUE_DESTROY || rep->items[i].status == CV_DUE_APPROVED))
				any = 1;
		if (!any) {
			r = 0;
			goto out;
		}
	}

	/* 3. Rewrites. */
	if (nrw) {
		if ((r = begin_pending(v, rws, nrw, now)) < 0)
			goto out;
		cv_crashpoint("purge-pending");
		for (i = 0; i < nrw; i++) {
			if ((r = rewrite_one(v, &rws[i])) < 0) {
				rewrite_err = r;
				break;
			}
			cv_crashpoint("purge-rewrite");
		}
		if (!rewrite_err && cv_fsync_dir(v->archdir) < 0)
			rewrite_err = cv_error(v, CV_ERROR, "cannot sync the archives directory: %s%s", strerror(errno), cv_disk_hint(errno));
		if (!rewrite_err) {
			cv_crashpoint("purge-sign");  /* the new archives in place; gpg is forked next */
			receipt = receipt_json(v, rws, nrw, now);
			if (!receipt)
				rewrite_err = cv_error(v, CV_ERROR, "out of memory");
			else if ((rewrite_err = cv_gpg_sign_detached(v, v->actor_fpr, receipt, strlen(receipt), &sig, &siglen)) == 0) {
				char *s = malloc(siglen + 1);
				if (!s) {
					rewrite_err = cv_error(v, CV_ERROR, "out of memory");
				} else {
					memcpy(s, sig, siglen);
					s[siglen] = '\0';
				}
				cv_gpg_free(sig);
				sig = s;
			}
		}
		if (rewrite_err) {
			r = rewrite_err;
			undo_rewrites(v, rws, nrw);
			goto out;
		}
	}

	/* 4. The commit: the moment of destruction. */
	r = commit_purge(v, rep->items, rep->nitems, rws, nrw, now, receipt, sig, NULL, 0, rep, &pc, day, run_by);
	if (r < 0) {
		if (nrw)
			undo_rewrites(v, rws, nrw);
		goto out;
	}
	cv_crashpoint("purge-after-commit");
	/* 5 and 6. */
	r = cv_shred_finish(v, NULL);
	{
		char *body = NULL;
		if (certificate_body(v, rep->certificate, &body) == 0) {
			int r2 = cv_cert_file_write(v, rep->certificate, body);
			if (r == 0)
				r = r2;
		}
		free(body);
	}
	if (r == 0)
		r = cv_index_checkpoint(v);
	if (!dry && rep->destroyed) {
		/* the trail names the certificate; the scheduled run acts as "schedule" */
		char ids[32], keep[sizeof(v->actor)];

		snprintf(ids, sizeof(ids), "certificate-%ld", rep->certificate);
		memcpy(keep, v->actor, sizeof(keep));
		if (sched)
			snprintf(v->actor, sizeof(v->actor), "schedule");
		cv_audit(v, sched ? "purge.scheduled" : "purge", r, ids);
		memcpy(v->actor, keep, sizeof(keep));
	}
out:
	if (r == 0 && !dry)
		record_purge_day(v, day);
	if (r == 0 && rep->pending && !sched && rewrite_msg[0])
		cv_notice(v, "%zu record%s not destroyed: their archive must be rewritten and the vault could not be unlocked (%s)",
			  rep->pending, rep->pending == 1 ? "" : "s", rewrite_msg);
	for (i = 0; i < nrw; i++)
		rewrite_release(&rws[i]);
	free(rws);
	free(receipt);
	free(sig);
	cv_polcache_release(&pc);
	if (!dry)
		cv_vault_unlock_writer(v);
	if (lockfd >= 0)
		close(lockfd);
	return r;
}
