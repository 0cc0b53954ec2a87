/*
 * casevault - filing: file, import and note all come through cv_file.
 *
 * Crash safety.  A call first commits an intent log (table pending) naming
 * the archive files it is about to write, then writes each archive to a
 * temporary name, fsyncs, renames and fsyncs the directory, signs one
 * receipt over all archives, and commits every index row in one
 * transaction that also clears the intent log.  A crash before that commit
 * leaves files named in pending, which the next holder of the writer lock
 * removes (cv_vault_open when it gets the lock, verify, or a writer before
 * its own intent log); a crash after it leaves a complete filing.  Either
 * way verify passes and the batch is all there or not there at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/typecheck.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/deposit.h"
#include "core/intent.h"
#include "core/lock.h"
#include "crypto/helper.h"
#include "ops/case.h"
#include "ops/filing_commit.h"
#include "ops/filing_docs.h"
#include "ops/filing_dups.h"
#include "ops/filing_pool.h"
#include "rules/roles.h"
#include "store/archive.h"
#include "casevault/case.h"
#include "casevault/date.h"
#include "casevault/record.h"
#include "casevault/staff.h"

/* One call of cv_file: its items, their groups and what it started. */
typedef struct {
	cv_vault *v;
	cv_file_item *items;
	size_t n;
	int per_case, check_only;
	cv_filing_group *gs;
	size_t ng;
	size_t *first;            /* duplicates: see filing_dups.c */
	cv_typer *mg;
	cv_helper *helpers[CV_MAX_WORKERS];
	size_t nhelpers;
	cv_date today;
	char now[32];
	int need[CV_SECTION_COUNT];   /* the sections the call files into */
} filing;

/* What the caller may file: notes, documents, the child-protection file. */
static int authorize_items(cv_vault *v, const cv_file_item *items, size_t n)
{
	int want[CV_ACT_COUNT] = { 0 }, r;
	size_t i;

	for (i = 0; i < n; i++) {
		if (items[i].status < 0)
			continue;
		if (items[i].section == CV_SECTION_CP)
			want[CV_ACT_FILE_CP] = 1;
		else if (items[i].path)
			want[CV_ACT_FILE_CASE] = 1;
		else
			want[CV_ACT_FILE_NOTE] = 1;
	}
	for (i = 0; i < CV_ACT_COUNT; i++)
		if (want[i] && (r = cv_authorize(v, (cv_act)i, n == 1 ? items[0].case_id : NULL)) < 0)
			return r;
	/* an import files into many cases: a caseworker's must each be assigned to them (core/authz.c) */
	for (i = 0; n > 1 && i < n; i++)
		if (items[i].status >= 0 && items[i].case_id && (i == 0 || !items[i - 1].case_id ||
		    strcmp(items[i].case_id, items[i - 1].case_id)) &&
		    (r = cv_authorize(v, CV_ACT_LIST, items[i].case_id)) < 0)
			return r;
	return 0;
}

/* 1. Checks that need no document. */
static int check_items(filing *f)
{
	cv_file_item *items = f->items;
	char known_case[24] = "";
	size_t i, n = f->n;
	int any_bad = 0;

	for (i = 0; i < n; i++) {
		items[i].record_id[0] = '\0';
		items[i].duplicate_of[0] = '\0';
		items[i].duplicate_line = 0;
		if (!items[i].case_id)
			items[i].case_id = "";
		if (items[i].status < 0) {
			/* refused by the caller already (e.g. a malformed CSV line) */
			any_bad = 1;
			continue;
		}
		items[i].error[0] = '\0';
		if (cv_filing_check_meta(f->v, &items[i], &f->today, known_case) < 0)
			any_bad = 1;
		else
			f->need[items[i].section] = 1;
	}
	if (any_bad && !f->per_case) {
		for (i = 0; i < n; i++)
			if (items[i].status < 0)
				return cv_error(f->v, items[i].status, "%s%s", items[i].error,
						n > 1 ? "; nothing was filed" : "");
	}
	return authorize_items(f->v, items, n);
}

/*
 * At most this many documents share an archive.  A read decrypts and unpacks
 * its record's whole archive, so an import's 1,000 notes in one archive made
 * each `get` pay for all of them; at 128 a note of an import reads as fast
 * as a note filed on its own, the writers fill the extra archives side by
 * side, and a damaged archive costs fewer records (docs/architecture.md,
 * "Filing: the data flow").
 */
#define ARCHIVE_MAX_MEMBERS 128

/* The group item i falls in: the open one that matches, or a new one. */
static cv_filing_group *group_for(filing *f, size_t i)
{
	cv_file_item *it = &f->items[i];
	char rkey[sizeof(f->gs[0].rkey)];
	cv_filing_group *g;
	size_t j;

	cv_filing_retention_key(f->v, it, rkey, sizeof(rkey));
	for (j = 0; j < f->ng; j++)
		if (f->gs[j].n < ARCHIVE_MAX_MEMBERS && !strcmp(f->gs[j].case_id, it->case_id) &&
		    f->gs[j].section == it->section && !strcmp(f->gs[j].rkey, rkey))
			return &f->gs[j];
	g = &f->gs[f->ng++];
	g->case_id = it->case_id;
	g->section = it->section;
	snprintf(g->rkey, sizeof(g->rkey), "%s", rkey);
	g->idx = calloc(f->n < ARCHIVE_MAX_MEMBERS ? f->n : ARCHIVE_MAX_MEMBERS, sizeof(size_t));
	if (!g->idx)
		return NULL;
	g->v = f->v;
	g->items = f->items;
	g->now = f->now;
	g->policy_hash = cv_policy_hash(f->v->policy);
	return g;
}

/* 2. Group by (case, section, retention key); in import mode a bad item spoils its case. */
static int make_groups(filing *f)
{
	cv_filing_group *gs;
	size_t i, j;

	for (i = 0; i < f->n; i++) {
		cv_filing_group *g = group_for(f, i);

		if (!g)
			return cv_error(f->v, CV_ERROR, "out of memory");
		g->idx[g->n++] = i;
	}
	gs = f->gs;
	for (i = 0; i < f->ng; i++) {
		gs[i].m = calloc(gs[i].n, sizeof(cv_member_in));
		if (!gs[i].m)
			return cv_error(f->v, CV_ERROR, "out of memory");
		for (j = 0; j < gs[i].n; j++)
			gs[i].m[j].fd = -1;
		for (j = 0; j < gs[i].n; j++)
			if (f->items[gs[i].idx[j]].status < 0) {
				cv_filing_group_fail_case(gs, f->ng, f->items, gs[i].case_id, gs[i].idx[j], 1);
				break;
			}
	}
	return 0;
}

/*
 * Section s's master key, or, for someone whose role files into s without
 * holding it (a volunteer), its deposit key: their groups become deposits
 * (core/deposit.h).  Under the writer lock, so the key cannot change.
 */
static int section_key(filing *f, cv_section s)
{
	unsigned char pub[32];
	size_t i;
	int gen, r;

	if (cv_role_sections(f->v->role) & (1 << s))
		return cv_require_key(f->v, s);
	if ((r = cv_deposit_public_key(f->v, s, pub, &gen)) < 0)
		return r;
	for (i = 0; i < f->ng; i++)
		if (f->gs[i].section == s) {
			f->gs[i].deposit = 1;
			f->gs[i].key_gen = gen;
			memcpy(f->gs[i].dpub, pub, sizeof(pub));
		}
	return 0;
}

/* Scans filed without their words read: said once, here, after the writers (docs/ocr.md). */
static void note_not_ocred(filing *f)
{
	size_t i, n = 0;
	const char *why = NULL;

	for (i = 0; i < f->ng; i++)
		if (!f->gs[i].failed && f->gs[i].not_ocred) {
			n += f->gs[i].not_ocred;
			why = why ? why : f->gs[i].ocr_why;
		}
	if (n)
		cv_notice(f->v, "%zu scan%s filed without OCR (%s); verify lists them (docs/ocr.md)", n,
			  n == 1 ? " was" : "s were", why);
}

/* Helpers, section keys and the cases' facts, before any document is read. */
static int prepare(filing *f)
{
	cv_vault *v = f->v;
	size_t i;
	int r;

	/*
	 * Encryption helpers (helper.c): forked now, while this process is
	 * single-threaded and small, and before this filing unlocks a section
	 * key.  Without them the writers run gpg themselves.
	 */
	cv_helper_sweep(v);
	if (!f->check_only && cv_single_threaded()) {
		size_t want = cv_filing_pool_size(f->ng);

		for (f->nhelpers = 0; f->nhelpers < want; f->nhelpers++)
			if (cv_helper_start(v, &f->helpers[f->nhelpers]) < 0)
				break;
	}
	v->errmsg[0] = '\0';
	/* A check unlocks only if the duplicate check must open sealed hashes (filing_dups.c). */
	for (i = 0; i < CV_SECTION_COUNT && !f->check_only; i++)
		if (f->need[i] && (r = section_key(f, (cv_section)i)) < 0)
			return r;
	for (i = 0; i < f->ng && !f->check_only; i++) {
		cv_case c;

		if (f->gs[i].failed || f->gs[i].deposit)
			continue;  /* a deposit's retention dates are set when it is adopted */
		if (cv_case_fetch(v, &c, f->gs[i].case_id, 1) == 0) {
			snprintf(f->gs[i].child_dob, sizeof(f->gs[i].child_dob), "%s", c.child_dob);
			snprintf(f->gs[i].closed, sizeof(f->gs[i].closed), "%s", c.closed);
			cv_case_release(&c);
		}
	}
	return 0;
}

/* 3. All or nothing: check every document before writing anything. */
static int check_all_documents(filing *f)
{
	size_t i;

	for (i = 0; i < f->ng; i++)
		if (cv_filing_open_group(f->v, f->mg, f->gs, f->ng, i, f->items, 0) < 0)
			break;
	for (i = 0; i < f->n; i++)
		if (f->items[i].status < 0) {
			cv_file_item *cause = cv_filing_root_cause(f->items, f->n);
			return cv_error(f->v, cause->status, "%s%s", cause->error,
					f->n > 1 ? "; nothing was filed" : "");
		}
	return 0;
}

/* How many items failed, and the call's error when some did (what names the outcome). */
static int count_bad(filing *f, const char *what)
{
	size_t i, nbad = 0;

	for (i = 0; i < f->n; i++)
		nbad += f->items[i].status < 0;
	return nbad ? cv_error(f->v, CV_EREFUSED, "%zu of %zu documents %s; see the report", nbad, f->n, what) : 0;
}

/* A check: every document looked at as a filing would, nothing written. */
static int check_report(filing *f)
{
	cv_filing_group *gs = f->gs;
	size_t i, j;

	/* every document on its own account, so one pass shows every problem */
	for (i = 0; f->per_case && i < f->ng; i++)
		for (j = 0; j < gs[i].n; j++) {
			cv_file_item *it = &f->items[gs[i].idx[j]];
			int c = 0;

			if (it->status == 0 && cv_filing_open_doc(f->v, f->mg, it, &gs[i].m[j].fd, &gs[i].m[j].size, &c) == 0) {
				close(gs[i].m[j].fd);
				gs[i].m[j].fd = -1;
			}
		}
	for (i = 0; f->per_case && i < f->ng; i++)
		for (j = 0; j < gs[i].n; j++)
			if (f->items[gs[i].idx[j]].status < 0 &&
			    strncmp(f->items[gs[i].idx[j]].error, CV_FILING_SPOILED, strlen(CV_FILING_SPOILED))) {
				cv_filing_group_fail_case(gs, f->ng, f->items, gs[i].case_id, gs[i].idx[j], 1);
				break;
			}
	for (i = 0; i < f->ng; i++)
		cv_filing_group_close_fds(&gs[i]);
	cv_filing_settle_duplicates(f->items, f->n, f->first, f->check_only);
	return count_bad(f, "would not be filed");
}

/* A write or commit failed: remove what was written; every item still standing fails with r. */
static void undo(filing *f, int r)
{
	cv_vault *v = f->v;
	size_t i;

	for (i = 0; i < f->ng; i++)
		if (f->gs[i].written)
			cv_filing_unlink_group(v, &f->gs[i]);
	cv_archive_sync(v);
	cv_filing_clear_pending(v);
	for (i = 0; i < f->n; i++) {
		cv_file_item *it = &f->items[i];

		if (it->status == 0 && !it->duplicate_of[0] && !(f->first && f->first[i] != CV_FILING_NO_DUP)) {
			it->status = r;
			snprintf(it->error, sizeof(it->error), "not filed: %s", cv_vault_errmsg(v));
			it->record_id[0] = '\0';
		}
	}
}

/* Import mode, every document already filed: nothing to commit. */
static int nothing_filed(filing *f)
{
	size_t i;

	cv_filing_clear_pending(f->v);
	cv_filing_settle_duplicates(f->items, f->n, f->first, f->check_only);
	for (i = 0; i < f->n; i++)
		if (f->items[i].status < 0)
			return cv_error(f->v, f->items[i].status, "%s; nothing was filed", f->items[i].error);
	return 0;
}

/* 4 to 6: the intent log, the archives, then one transaction for the index. */
static int write_and_commit(filing *f, cv_progress_fn progress, void *hook, size_t *nfiled)
{
	cv_vault *v = f->v;
	size_t i, filed = 0;
	int r;

	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	/* What a crash left, if the open found the lock held: the commit clears pending. */
	if ((r = cv_pending_recover(v)) < 0)
		return r;
	if ((r = cv_filing_begin_pending(v, f->gs, f->ng, f->items, f->now)) < 0)
		return r;
	cv_crashpoint("filing-pending");

	/* 4. Write the archives, several at a time (filing_pool.c). */
	r = cv_filing_run_pool(v, f->gs, f->ng, f->items, f->n, f->per_case, f->helpers, f->nhelpers, progress, hook);
	/* the helpers exit (and remove their homes) while the index is written */
	for (i = 0; i < f->nhelpers; i++)
		cv_helper_release(f->helpers[i]);
	if (r < 0)
		goto undo;
	if ((r = cv_archive_sync(v)) < 0)
		goto undo;
	for (i = 0; i < f->ng; i++)
		if (!f->gs[i].failed)
			filed += f->gs[i].n;
	note_not_ocred(f);
	if (filed == 0)
		return nothing_filed(f);

	cv_crashpoint("filing-before-sign");
	/* 5 and 6. One signed receipt for everything this call wrote; commit. */
	if ((r = cv_filing_commit(v, f->gs, f->ng, f->items, f->now, &f->today)) < 0)
		goto undo;
	cv_crashpoint("filing-after-commit");
	if (nfiled)
		*nfiled = filed;
	cv_filing_settle_duplicates(f->items, f->n, f->first, f->check_only);
	return count_bad(f, "were not filed");
undo:
	undo(f, r);
	return r;
}

/* Everything the call holds: fds, groups, helpers, the writer lock. */
static void finish(filing *f)
{
	size_t i;

	for (i = 0; i < f->ng; i++) {
		cv_filing_group_close_fds(&f->gs[i]);
		cv_filing_group_free_words(&f->gs[i]);
		free(f->gs[i].idx);
		free(f->gs[i].m);
		free(f->gs[i].wrapped);
		explicit_bzero(f->gs[i].key, sizeof(f->gs[i].key));
		explicit_bzero(f->gs[i].dseal, sizeof(f->gs[i].dseal));
	}
	free(f->gs);
	for (i = 0; i < f->n; i++)
		if (f->items[i].status < 0)
			f->items[i].record_id[0] = '\0';
	cv_filing_settle_duplicates(f->items, f->n, f->first, f->check_only);  /* undo: a repeat of a document not filed */
	free(f->first);
	cv_typer_free(f->mg);
	for (i = 0; i < f->nhelpers; i++)
		cv_helper_stop(f->helpers[i]);
	cv_vault_unlock_writer(f->v);
}

static int file_items(filing *f, int flags, cv_progress_fn progress, void *hook, size_t *nfiled)
{
	int r;

	/*
	 * A filing holds the writer lock from before it reads the cases and
	 * checks for duplicates until its commit: two filings of one document
	 * at once then see each other's commit, and the keys it seals with
	 * cannot be retired meanwhile (docs/architecture.md, Concurrency).
	 * A check changes nothing and takes no lock.
	 */
	if (!f->check_only && (r = cv_vault_lock_writer(f->v, 1)) < 0)
		return r;
	if ((r = make_groups(f)) < 0 || (r = prepare(f)) < 0)
		return r;
	/* Documents already filed in their case: refused, or skipped in import mode. */
	if (!(flags & CV_FILE_ALLOW_DUPLICATES) &&
	    (r = cv_filing_duplicates(f->v, f->items, f->n, f->gs, f->ng, f->per_case, &f->first)) < 0)
		return r;
	/* Import mode types each case's documents in the writers instead. */
	if ((!f->per_case || f->check_only) && cv_typer_new(&f->mg, f->v->errmsg, sizeof(f->v->errmsg)) < 0)
		return CV_ERROR;
	if (!f->per_case && (r = check_all_documents(f)) < 0)
		return r;
	if (f->check_only)
		return check_report(f);
	return write_and_commit(f, progress, hook, nfiled);
}

int cv_file(cv_vault *v, cv_file_item *items, size_t n, int flags,
	    cv_progress_fn progress, void *hook, size_t *nfiled)
{
	filing f;
	int r;

	memset(&f, 0, sizeof(f));
	f.v = v;
	f.items = items;
	f.n = n;
	f.per_case = flags & CV_FILE_PER_CASE;
	f.check_only = flags & CV_FILE_CHECK_ONLY;
	if (f.check_only)
		v->dry_run = 1;  /* its unlock adopts no deposit and signs no checkpoint */
	if (nfiled)
		*nfiled = 0;
	if (n == 0)
		return cv_error(v, CV_EINVAL, "nothing to file");
	if (cv_date_today(&f.today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	cv_now_iso(f.now);
	if ((r = check_items(&f)) < 0)
		return r;
	f.gs = calloc(n, sizeof(*f.gs));
	if (!f.gs)
		return cv_error(v, CV_ERROR, "out of memory");
	r = file_items(&f, flags, progress, hook, nfiled);
	v->dry_run = 0;
	finish(&f);
	return r;
}
