/*
 * casevault - filing, the archive writers (filing_pool.h): each group
 * becomes one archive, written to a temporary name, fsynced and renamed,
 * its key wrapped for the index.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "base/util.h"
#include "base/utf8.h"
#include "core/actor.h"
#include "core/deposit.h"
#include "crypto/seal.h"
#include "ops/filing_ocr.h"
#include "ops/filing_pool.h"
#include "ops/search_words.h"

static int manifest(void *hook, const cv_member_in *m, size_t n, char **json)
{
	cv_filing_group *g = hook;
	json_t *root = json_object(), *recs = json_array();
	size_t i;
	int ok = root && recs, failed = 0;

	if (ok) {
		cv_json_set(&failed, root, "format", json_string("casevault-archive/1"));
		cv_json_set(&failed, root, "archive", json_string(g->file));
		cv_json_set(&failed, root, "case", json_string(g->case_id));
		cv_json_set(&failed, root, "section", json_string(cv_section_name(g->section)));
		cv_json_set(&failed, root, "created", json_string(g->now));
		cv_json_set(&failed, root, "filed_by", json_string(g->v->actor));
		cv_json_set(&failed, root, "policy_hash", json_string(g->policy_hash));
	}
	for (i = 0; ok && i < g->n; i++) {
		cv_file_item *it = &g->items[g->idx[i]];
		char *title = cv_filing_title(it);
		char today[11];
		cv_date d;
		json_t *r = json_object();

		if (!r || !title) {
			free(title);
			json_decref(r);
			ok = 0;
			break;
		}
		if (!it->date && cv_date_today(&d) == 0)
			cv_date_format(&d, today);
		cv_json_set(&failed, r, "id", json_string(it->record_id));
		cv_json_set(&failed, r, "member", json_string(m[i].name));
		cv_json_set(&failed, r, "class", json_string(it->class_name));
		cv_json_set(&failed, r, "title", json_string(title));
		cv_json_set(&failed, r, "event_date", json_string(it->date ? it->date : today));
		cv_json_set(&failed, r, "filed_at", json_string(g->now));
		cv_json_set(&failed, r, "mime", json_string(it->mime));
		cv_json_set(&failed, r, "size", json_integer(m[i].size));
		cv_json_set(&failed, r, "sha256", json_string(m[i].sha256));
		cv_filing_ocr_manifest(g, i, m, n, r, &failed);
		cv_json_push(&failed, recs, r);
		explicit_bzero(title, strlen(title));
		free(title);
	}
	if (ok) {
		cv_json_set(&failed, root, "records", recs);
		recs = NULL;
		/* the manifest is what docs/recovery.md rebuilds the index from: all of it, or no archive */
		*json = failed ? NULL : json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
		ok = *json != NULL;
	}
	json_decref(recs);
	json_decref(root);
	return ok ? 0 : -1;
}

/*
 * Each member's word set for search, read again from the descriptor the
 * archive was written from and checked against the hash it was filed
 * with, with a scan's OCR text (filing_ocr.h), here in the writer so that
 * the text's extraction runs beside the other writers.  A deposit has none: its filer holds no section key to
 * seal it under (docs/architecture.md, Keys); nor does a document whose
 * words do not come out: search reads its archive instead.
 */
static void group_words(cv_filing_group *g)
{
	size_t j;

	if (g->deposit || !(g->words = calloc(g->n, sizeof(*g->words))))
		return;
	for (j = 0; j < g->n; j++) {
		char *ocr = cv_filing_ocr_text(g, j);  /* a scan's words are its OCR text's (docs/ocr.md) */

		g->words[j] = cv_search_words_fd(g->items[g->idx[j]].mime, g->m[j].fd, g->m[j].size, g->m[j].sha256, ocr);
		cv_search_words_free(ocr);
	}
}

/* The group's documents and their scans' OCR text (filing_ocr.h) into one archive. */
static int write_members(cv_vault *v, cv_filing_group *g)
{
	cv_member_in *all = NULL;
	size_t nall = 0, j;
	int r;

	if (cv_filing_ocr_members(g, &all, &nall) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	r = cv_archive_write(v, g->file, g->key, g->compress, all, nall, manifest, g, &g->size, g->sha);
	for (j = 0; j < g->n; j++)
		memcpy(g->m[j].sha256, all[j].sha256, sizeof(g->m[j].sha256));
	if (r == 0 && !cv_filing_ocr_same(g))
		r = cv_error(v, CV_EINVAL, "a document changed while it was being filed; file it again");
	if (r == 0)
		group_words(g);
	cv_filing_ocr_end(g, all);
	return r;
}

static int write_group(cv_vault *v, cv_filing_group *g)
{
	int r;

	/* Member names use the record ids, allocated once the intent log is committed. */
	for (size_t j = 0; j < g->n; j++) {
		cv_file_item *it = &g->items[g->idx[j]];
		snprintf(g->m[j].name, sizeof(g->m[j].name), "%s.%s", it->record_id, cv_filing_ext(v, it->mime));
	}
	if ((r = cv_random_hex(g->key, CV_KEY_LEN)) < 0)
		goto out;
	r = write_members(v, g);
	if (r == 0)
		r = cv_archive_publish(v, g->file);
	if (r < 0)
		goto out;
	g->written = 1;
	r = g->deposit ? cv_deposit_wrap_key(v, g->dpub, g->file, g->key, &g->wrapped, g->dseal)
		       : cv_keys_wrap(v, g->section, g->file, g->key, &g->wrapped, &g->key_gen);
out:
	explicit_bzero(g->key, sizeof(g->key));
	return r;
}

void cv_filing_unlink_group(cv_vault *v, cv_filing_group *g)
{
	cv_archive_discard(v, g->file);
	g->written = 0;
}

/*
 * The archive writers.  Each archive costs a gpg process or two and an
 * fsync, and type detection costs CPU: a few workers keep both cores and the
 * disk busy.  A unit of work is one case (import mode: its groups succeed or
 * fail together, and only its worker touches them) or one group.  Workers
 * run on a private copy of the handle, so that error messages do not race;
 * they read the policy and the unlocked keys and never touch the index.
 */
typedef struct {
	cv_vault *v;
	cv_filing_group *gs;
	size_t ng;
	cv_file_item *items;
	size_t n;
	int per_case;
	cv_progress_fn progress;
	void *hook;
	cv_helper **helpers;      /* one per worker, entries may be NULL */
	size_t nhelpers;
	size_t started;           /* workers that have taken their helper */
	pthread_mutex_t mu;
	size_t next;              /* next group index to consider */
	size_t done;
	int fatal;                /* all-or-nothing mode: first failure */
	char fatal_msg[512];
} pool;

static void pool_fail_case(pool *p, cv_vault *w, const char *case_id)
{
	size_t j;

	for (j = 0; j < p->ng; j++)
		if (!strcmp(p->gs[j].case_id, case_id) && p->gs[j].written)
			cv_filing_unlink_group(w, &p->gs[j]);
}

static void *pool_worker(void *arg)
{
	pool *p = arg;
	cv_vault w = *p->v;        /* private copy: own error buffer */
	cv_typer *mg = NULL;
	size_t gi, j;

	w.errmsg[0] = '\0';
	pthread_mutex_lock(&p->mu);
	w.helper = p->started < p->nhelpers ? p->helpers[p->started] : NULL;
	p->started++;
	pthread_mutex_unlock(&p->mu);
	if (p->per_case && cv_typer_new(&mg, w.errmsg, sizeof(w.errmsg)) < 0) {
		pthread_mutex_lock(&p->mu);
		p->fatal = CV_ERROR;
		snprintf(p->fatal_msg, sizeof(p->fatal_msg), "%s", w.errmsg);
		pthread_mutex_unlock(&p->mu);
		return NULL;
	}
	for (;;) {
		const char *unit_case;

		/* Take the next unit: a group whose case nobody has taken yet. */
		pthread_mutex_lock(&p->mu);
		while (p->next < p->ng && (p->gs[p->next].failed || p->gs[p->next].taken))
			p->next++;
		if (p->fatal || p->next >= p->ng) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		gi = p->next++;
		unit_case = p->gs[gi].case_id;
		for (j = gi; j < p->ng; j++)
			if (j == gi || (p->per_case && !strcmp(p->gs[j].case_id, unit_case)))
				p->gs[j].taken = 1;
		pthread_mutex_unlock(&p->mu);

		for (j = gi; j < p->ng; j++) {
			cv_filing_group *g = &p->gs[j];
			int r;

			if (j != gi && !(p->per_case && !strcmp(g->case_id, unit_case)))
				continue;
			if (g->failed)
				continue;
			if (p->per_case && cv_filing_open_group(&w, mg, p->gs, p->ng, j, p->items, 1) < 0) {
				pool_fail_case(p, &w, unit_case);
				break;
			}
			r = write_group(&w, g);
			cv_filing_group_close_fds(g);
			if (r < 0) {
				size_t k;

				if (!p->per_case) {
					pthread_mutex_lock(&p->mu);
					if (!p->fatal) {
						p->fatal = r;
						snprintf(p->fatal_msg, sizeof(p->fatal_msg), "%s", w.errmsg);
					}
					pthread_mutex_unlock(&p->mu);
					break;
				}
				for (k = 0; k < g->n; k++)
					cv_filing_item_fail(&p->items[g->idx[k]], r, "%s", w.errmsg);
				cv_filing_group_fail_case(p->gs, p->ng, p->items, g->case_id, g->idx[0], 1);
				pool_fail_case(p, &w, unit_case);
				break;
			}
			cv_crashpoint("filing-archive");
			pthread_mutex_lock(&p->mu);
			p->done += g->n;
			if (p->progress)
				p->progress(p->hook, p->done, p->n);
			pthread_mutex_unlock(&p->mu);
		}
	}
	cv_typer_free(mg);
	explicit_bzero(&w, sizeof(w));
	return NULL;
}

/* How many writers for ng groups: twice the cores, since gpg start-up and fsync leave a core idle otherwise. */
size_t cv_filing_pool_size(size_t ng)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nw = cpus > 0 ? (size_t)cpus * 2 : 2;

	if (getenv("CASEVAULT_WORKERS") && atoi(getenv("CASEVAULT_WORKERS")) > 0)
		nw = (size_t)atoi(getenv("CASEVAULT_WORKERS"));  /* tuning and benchmarks */
	if (nw > CV_MAX_WORKERS)
		nw = CV_MAX_WORKERS;
	if (nw > ng)
		nw = ng;
	return nw;
}

int cv_filing_run_pool(cv_vault *v, cv_filing_group *gs, size_t ng, cv_file_item *items, size_t n,
		       int per_case, cv_helper **helpers, size_t nhelpers,
		       cv_progress_fn progress, void *hook)
{
	pthread_t th[CV_MAX_WORKERS];
	pool p;
	size_t nw, i, started = 0;

	memset(&p, 0, sizeof(p));
	p.v = v;
	p.gs = gs;
	p.ng = ng;
	p.items = items;
	p.n = n;
	p.per_case = per_case;
	p.progress = progress;
	p.hook = hook;
	p.helpers = helpers;
	p.nhelpers = nhelpers;
	pthread_mutex_init(&p.mu, NULL);
	nw = cv_filing_pool_size(ng);
	for (i = 0; i < nw; i++)
		if (pthread_create(&th[i], NULL, pool_worker, &p) == 0)
			started++;
	if (started == 0 && ng > 0)
		pool_worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.mu);
	if (p.fatal)
		return cv_error(v, p.fatal, "%s", p.fatal_msg);
	return 0;
}

