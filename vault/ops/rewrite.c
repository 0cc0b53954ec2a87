/*
 * casevault - rewriting an archive without the records a purge destroys
 * (rewrite.h; purge.c, step 3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/array.h"
#include "base/handle.h"
#include "base/utf8.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/intent.h"
#include "core/receipt.h"
#include "crypto/seal.h"
#include "ops/filing_ocr.h"
#include "ops/rewrite.h"
#include "rules/due.h"
#include "store/archive.h"
#include "store/db_purge.h"
#include "store/index.h"

int cv_rewrite_done(const cv_rewrite *rws, size_t nrw, int64_t archive_id)
{
	size_t k;

	for (k = 0; k < nrw; k++)
		if (rws[k].id == archive_id && rws[k].written)
			return 1;
	return 0;
}

/* ---- reading the survivors out of the old archive ---- */

struct rctx {
	cv_rewrite *rw;
	cv_member_in *m;      /* one per survivor, fd = memfd; then one per survivor's OCR text */
	size_t nocr;          /* OCR texts kept, moved to m[nsurv..nsurv+nocr) */
	int cur;              /* member index being captured, -1 none, -2 manifest */
	char *man;
	size_t manlen;
	int err;
};

/* Member name into c->m[i], a memory file: a survivor, or (i >= nsurv) a survivor's OCR text (docs/ocr.md). */
static int capture(struct rctx *c, size_t i, const char *name)
{
	if (c->m[i].fd >= 0) {
		c->err = 1;  /* two members of one name */
		return -1;
	}
	c->m[i].fd = memfd_create("casevault-rewrite", MFD_CLOEXEC);
	if (c->m[i].fd < 0)
		return -1;
	snprintf(c->m[i].name, sizeof(c->m[i].name), "%s", name);
	c->cur = (int)i;
	return 1;
}

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
	for (i = 0; i < 2 * c->rw->nsurv; i++)
		if (i < c->rw->nsurv ? !strcmp(name, c->rw->members[i]) :
		    cv_ocr_member_of(name, c->rw->members[i - c->rw->nsurv]))
			return capture(c, i, name);
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
	cv_rewrite *rw = hook;

	(void)m;
	(void)n;
	*json = json_dumps(rw->manifest, JSON_INDENT(1) | JSON_SORT_KEYS);
	return *json ? 0 : -1;
}

void cv_rewrite_release(cv_rewrite *rw)
{
	free(rw->wrapped);
	free(rw->newwrapped);
	free(rw->ids);
	free(rw->members);
	free(rw->sizes);
	json_decref(rw->manifest);
	memset(rw, 0, sizeof(*rw));
}

/* Decrypt the old archive, capturing the survivors and the manifest; its hash must be the index's. */
static int read_old(cv_vault *v, cv_rewrite *rw, struct rctx *c)
{
	char key[CV_KEY_HEX + 1], got[65];
	int r;

	if ((r = cv_keys_unwrap(v, rw->section, rw->key_gen, rw->file, rw->wrapped, key)) < 0)
		return r;
	{
		cv_archive_reader rd = { rw_entry, rw_data, rw_end, c };
		r = cv_archive_read(v, rw->file, key, &rd, got);
	}
	explicit_bzero(key, sizeof(key));
	if (r < 0 || c->err)
		return cv_error(v, CV_ECORRUPT, "archive %s does not decrypt or is damaged; nothing was destroyed (run 'casevault verify')", rw->file);
	if (strcmp(got, rw->sha))
		return cv_error(v, CV_ECORRUPT, "archive %s differs from the hash in the index; nothing was destroyed (run 'casevault verify')", rw->file);
	return 0;
}

/* The new manifest: the old one with only the survivors, naming what it was rewritten from. */
static int new_manifest(cv_vault *v, cv_rewrite *rw, struct rctx *c)
{
	json_t *old = c->man ? json_loads(c->man, 0, NULL) : NULL, *recs, *keep;
	size_t i, k;
	int failed = 0;

	recs = old ? json_object_get(old, "records") : NULL;
	if (!recs) {
		json_decref(old);
		return cv_error(v, CV_ECORRUPT, "archive %s has no readable manifest; nothing was destroyed", rw->file);
	}
	keep = json_array();
	for (k = 0; k < json_array_size(recs); k++) {
		json_t *e = json_array_get(recs, k);
		const char *id = json_string_value(json_object_get(e, "id"));
		for (i = 0; id && i < rw->nsurv; i++)
			if (!strcmp(id, rw->ids[i]))
				cv_json_push(&failed, keep, json_incref(e));
	}
	rw->manifest = json_deep_copy(old);
	cv_json_set(&failed, rw->manifest, "records", keep);
	cv_json_set(&failed, rw->manifest, "archive", json_string(rw->newfile));
	cv_json_set(&failed, rw->manifest, "rewritten", json_string(rw->now));
	cv_json_set(&failed, rw->manifest, "rewritten_from", json_string(rw->file));
	if (rw->edit)
		rw->edit(rw->edit_hook, rw->manifest, &failed);
	json_decref(old);
	/* a manifest without a kept record's entry would lose its title for good */
	if (failed)
		return cv_error(v, CV_ERROR, "cannot write the new manifest of archive %s (out of memory); nothing was destroyed",
				rw->file);
	for (i = 0; i < rw->nsurv; i++) {
		if (c->m[i].fd < 0 || c->m[i].size != rw->sizes[i])
			return cv_error(v, CV_ECORRUPT, "record %s is missing from archive %s or has the wrong size; nothing was destroyed",
					rw->ids[i], rw->file);
		snprintf(c->m[i].name, sizeof(c->m[i].name), "%s", rw->members[i]);
	}
	return 0;
}

/* The survivors' OCR texts found, moved up behind the survivors (c->nocr of them). */
static void keep_ocr(cv_rewrite *rw, struct rctx *c)
{
	size_t i, j = rw->nsurv;

	for (i = rw->nsurv; i < 2 * rw->nsurv; i++)
		if (c->m[i].fd >= 0 && i != j) {
			c->m[j++] = c->m[i];
			c->m[i].fd = -1;
		} else if (c->m[i].fd >= 0) {
			j++;
		}
	c->nocr = j - rw->nsurv;
}

/* Write the survivors under newkey to a temporary name, then move it into place. */
static int write_new(cv_vault *v, cv_rewrite *rw, struct rctx *c, const char *newkey)
{
	int r;

	keep_ocr(rw, c);
	r = cv_archive_write(v, rw->newfile, newkey, !strcmp(rw->compression, "zstd"), c->m, rw->nsurv + c->nocr, rw_manifest, rw,
			     &rw->newsize, rw->newsha);
	if (r < 0)
		return r;
	cv_crashpoint("purge-rewrite-tmp");
	if ((r = cv_archive_publish(v, rw->newfile)) < 0)
		return r;
	rw->written = 1;
	return 0;
}

/* What was copied must be what was filed. */
static int check_copied(cv_vault *v, cv_rewrite *rw, struct rctx *c)
{
	size_t i;
	int r;

	for (i = 0; i < rw->nsurv; i++) {
		char *want = NULL;

		if ((r = cv_db_record_sha256(v, rw->ids[i], rw->section, &want)) < 0)
			return r;
		r = r == 1 && !strcmp(want, c->m[i].sha256);
		free(want);
		if (!r)
			return cv_error(v, CV_ECORRUPT, "record %s does not match its recorded hash; nothing was destroyed (run 'casevault verify')",
					rw->ids[i]);
	}
	return 0;
}

int cv_rewrite_one(cv_vault *v, cv_rewrite *rw)
{
	struct rctx c;
	char newkey[CV_KEY_HEX + 1];
	size_t i;
	int r;

	memset(&c, 0, sizeof(c));
	c.rw = rw;
	c.cur = -1;
	c.m = calloc(2 * rw->nsurv + 1, sizeof(cv_member_in));
	if (!c.m)
		return cv_error(v, CV_ERROR, "out of memory");
	for (i = 0; i < 2 * rw->nsurv; i++)
		c.m[i].fd = -1;
	if ((r = read_old(v, rw, &c)) < 0 || (r = new_manifest(v, rw, &c)) < 0)
		goto out;
	if ((r = cv_random_hex(newkey, CV_KEY_LEN)) < 0)
		goto out;
	if ((r = write_new(v, rw, &c, newkey)) == 0 && (r = check_copied(v, rw, &c)) == 0)
		r = cv_keys_wrap(v, rw->section, rw->newfile, newkey, &rw->newwrapped, &rw->newgen);
	explicit_bzero(newkey, sizeof(newkey));
out:
	for (i = 0; c.m && i < 2 * rw->nsurv; i++)
		if (c.m[i].fd >= 0)
			close(c.m[i].fd);
	free(c.m);
	if (c.man) {
		explicit_bzero(c.man, c.manlen);
		free(c.man);
	}
	return r;
}

/* ---- planning a rewrite ---- */

struct survivors {
	cv_vault *v;
	cv_rewrite *rw;
	const cv_due *items;
	size_t from, to;
};

static int grow_survivors(cv_rewrite *rw)
{
	size_t cap = rw->cap;

	/* three parallel arrays grown together: the capacity moves once all three have room */
	if (CV_ARRAY_GROW(&rw->ids, &cap, rw->nsurv) < 0)
		return -1;
	cap = rw->cap;
	if (CV_ARRAY_GROW(&rw->members, &cap, rw->nsurv) < 0)
		return -1;
	cap = rw->cap;
	if (CV_ARRAY_GROW(&rw->sizes, &cap, rw->nsurv) < 0)
		return -1;
	rw->cap = cap;
	return 0;
}

int cv_rewrite_add(cv_rewrite *rw, const char *id, const char *member, int64_t size)
{
	if (rw->nsurv == rw->cap && grow_survivors(rw) < 0)
		return -1;
	snprintf(rw->ids[rw->nsurv], 24, "%s", id);
	snprintf(rw->members[rw->nsurv], 64, "%s", member);
	rw->sizes[rw->nsurv] = size;
	rw->nsurv++;
	return 0;
}

static int add_survivor(void *hook, const char *id, const char *member, int64_t size)
{
	struct survivors *s = hook;
	size_t k;

	for (k = s->from; k < s->to; k++)
		if (!strcmp(s->items[k].id, id) && cv_due_goes(s->items[k].status))
			return 0;
	if (cv_rewrite_add(s->rw, id, member, size) < 0)
		return cv_error(s->v, CV_ERROR, "out of memory");
	return 0;
}

int cv_rewrite_load(cv_vault *v, cv_rewrite *rw, const cv_due *items, size_t from, size_t to)
{
	struct survivors s = { v, rw, items, from, to };
	cv_db_archive a;
	int r;

	memset(rw, 0, sizeof(*rw));
	rw->id = items[from].archive_id;
	if ((r = cv_db_archive_get(v, rw->id, &a)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ECORRUPT, "an archive vanished from the index during the purge");
	snprintf(rw->file, sizeof(rw->file), "%s", a.file);
	rw->section = a.section;
	rw->key_gen = a.key_gen;
	rw->wrapped = a.wrapped;
	snprintf(rw->compression, sizeof(rw->compression), "%s", a.compression);
	snprintf(rw->sha, sizeof(rw->sha), "%s", a.sha256);
	/* Survivors: the archive's records that are not going in this run. */
	return cv_db_archive_records(v, rw->id, add_survivor, &s);
}

/* ---- the intent log and the receipt ---- */

int cv_rewrite_begin_pending(cv_vault *v, cv_rewrite *rws, size_t nrw, const char *now)
{
	size_t i;
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	for (i = 0; i < nrw; i++)
		if ((r = cv_intent_new_archive(v, rws[i].newfile, now, "start the rewrite")) < 0) {
			cv_index_rollback(v);
			return r;
		}
	return cv_index_commit(v);
}

void cv_rewrite_undo(cv_vault *v, cv_rewrite *rws, size_t nrw)
{
	size_t i;

	for (i = 0; i < nrw; i++) {
		if (!rws[i].newfile[0])
			continue;
		cv_archive_discard(v, rws[i].newfile);
		rws[i].written = 0;
	}
	cv_archive_sync(v);
	cv_intent_clear(v);
}

char *cv_rewrite_receipt_json(cv_vault *v, const cv_rewrite *rws, size_t nrw, const char *now)
{
	cv_receipt_archive *a = calloc(nrw ? nrw : 1, sizeof(*a));
	size_t i, n = 0;
	char *s;

	if (!a)
		return NULL;
	for (i = 0; i < nrw; i++)
		if (rws[i].written)
			a[n++] = (cv_receipt_archive){ rws[i].newfile, rws[i].newsha, rws[i].newsize };
	s = cv_receipt_json(v, "purge: archives rewritten without the records destroyed", a, n, now);
	free(a);
	return s;
}
