/*
 * casevault - the purge: cryptographic erase of whole archives, rewriting
 * the exceptions, certificates of destruction, crash recovery.
 *
 * One run, in order:
 *   1. locks: VAULT/.purge.lock (flock, not waited for: one purge at a
 *      time) and the writer lock (waits for a filing to finish); finish any
 *      purge a crash interrupted (step 6 onwards);
 *   2. the plan (retention.c), walked in chunks of whole archives: every
 *      record due, held, awaiting review...; the run keeps one byte per
 *      record, not the records (docs/retention.md, "The purge at scale");
 *   3. rewrites (only for an archive that also holds records not going, and
 *      only with an unlock): the survivors are copied, through memory, into
 *      a new archive under a new key, named first in the filing intent log
 *      (pending), written to a temporary name, synced and renamed; one
 *      receipt signed by the actor lists the new archives;
 *   4. ONE transaction, walking the plan again (a hold placed since on a
 *      record going refuses the run): the receipt and the new archives' rows, survivors
 *      moved, every destroyed record's row and every old archive's row (its
 *      wrapped key: the only copy of the archive key) deleted with
 *      secure_delete on, the destruction log (destroyed), the shred intent
 *      log (shred: the files to remove), the certificate (in parts of
 *      CV_CERT_PART records and an index for a large run: certificates.c),
 *      the audit event; the pending rows cleared.  This commit is the
 *      moment of destruction;
 *   5. PRAGMA wal_checkpoint(TRUNCATE): the pages that held the wrapped keys
 *      are overwritten in vault.db and the WAL is emptied;
 *   6. each old archive file overwritten once with random bytes, synced,
 *      unlinked; the directory synced; the certificate files written;
 *      the shred rows deleted.  A failure here says the records WERE
 *      destroyed (docs/recovery.md, "A purge that could not finish").
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/array.h"
#include "base/handle.h"
#include "base/util.h"
#include "core/schedule.h"
#include "core/actor.h"
#include "core/adopted.h"
#include "core/audit.h"
#include "core/intent.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/seal.h"
#include "ops/certificates.h"
#include "ops/limitation.h"
#include "ops/purge.h"
#include "ops/retention.h"
#include "ops/rewrite.h"
#include "rules/due.h"
#include "store/keystore.h"
#include "store/archive.h"
#include "store/db_purge.h"
#include "store/db_receipts.h"
#include "store/index.h"
#include "casevault/purge.h"
#include "casevault/staff.h"

/*
 * One run: what it was asked, and what it prepared for its commit.  The
 * plan is walked twice in chunks (retention.c, cv_retention_plan_each):
 * once to decide, once in the commit to destroy; between them the run keeps
 * one byte per record due (marks) and no record (docs/retention.md, "The
 * purge at scale").
 */
struct run {
	cv_vault *v;
	cv_purge_report *rep;
	cv_purge_each_fn each;
	void *hook;
	int dry, sched, can_unlock;
	char day[11], now[32], run_by[32];
	cv_polcache pc;
	cv_rewrite *rws;
	size_t nrw;
	char *receipt, *sig;
	char rewrite_msg[512];   /* why the vault could not be unlocked for a rewrite */
	cv_certificate_span cert;   /* the certificates the commit stored */
	cv_certificate_writer *cw;
	unsigned char *marks;       /* each record due, in plan order: its status, CV_MARK_WHOLE */
	size_t nmarks, capmarks, k; /* k: the commit's place in marks */
	size_t ncert;               /* records the run destroys */
	uint64_t plan_sum, commit_sum;  /* the records due, as each walk saw them */
};

#define CV_MARK_WHOLE 0x80


void cv_purge_report_release(cv_purge_report *rep)
{
	if (!rep)
		return;
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

/* ---- the single commit of a run (step 4 above) ---- */

/* FNV-1a over a record's id and mark: the commit walks the very plan the run decided on. */
static uint64_t sum_mark(uint64_t h, const char *id, unsigned char mark)
{
	const unsigned char *p = (const unsigned char *)id;

	if (!h)
		h = 14695981039346656037ULL;
	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (h ^ mark) * 1099511628211ULL;
}

static unsigned char mark_of(const cv_due *d)
{
	return (unsigned char)((unsigned)d->status | (d->whole ? CV_MARK_WHOLE : 0));
}

static int plan_changed(cv_vault *v)
{
	return cv_error(v, CV_EREFUSED, "the records due changed while the purge ran; nothing was destroyed: run the purge again");
}

/*
 * The plan again, in the commit: each record keeps the status the run
 * decided on (a hold released since keeps its record until the next run,
 * a pending one stays pending), but a hold placed since on a record going
 * (by a process that does not take the writer lock) wins: nothing is
 * destroyed (docs/legal-rules.md §13).
 */
static int recheck_chunk(cv_vault *v, struct run *run, cv_due *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, run->k++) {
		cv_due *d = &items[i];
		cv_due_status was;

		if (run->k >= run->nmarks)
			return plan_changed(v);
		was = (cv_due_status)(run->marks[run->k] & ~CV_MARK_WHOLE);
		if (cv_due_goes(was) && d->status == CV_DUE_HELD)
			return cv_error(v, CV_EHELD, "record %s was put on hold while the purge ran; nothing was destroyed: run the purge again",
					d->id);
		if (cv_due_goes(was) && d->status != was)
			return plan_changed(v);
		d->status = was;
		d->whole = !!(run->marks[run->k] & CV_MARK_WHOLE);
		run->commit_sum = sum_mark(run->commit_sum, d->id, run->marks[run->k]);
	}
	return 0;
}

/* Whether the run destroys d: its archive erased, or rewritten in this run without it. */
static int certified(const struct run *run, const cv_due *d)
{
	return cv_due_goes(d->status) && (d->whole || cv_rewrite_done(run->rws, run->nrw, d->archive_id));
}

/*
 * One chunk of the commit: each record destroyed is certified (its part),
 * its row deleted and logged under that part, then the chunk's whole
 * archives' rows (their wrapped keys) deleted.
 */
static int commit_chunk(void *hook, cv_due *items, size_t n)
{
	struct run *run = hook;
	cv_vault *v = run->v;
	cv_purge_report *rep = run->rep;
	size_t i;
	int r;

	if ((r = recheck_chunk(v, run, items, n)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		if (!certified(run, &items[i]))
			continue;
		/* the destruction log names the certificate (the part) that lists it */
		if ((r = cv_certificates_add(v, &run->pc, run->cw, &items[i])) < 0 ||
		    (r = cv_db_record_destroy(v, items[i].id, cv_certificate_of(&run->cert, rep->destroyed))) < 0)
			return r;
		rep->destroyed++;
	}
	for (i = 0; i < n; i++) {
		if (!cv_due_goes(items[i].status) || !items[i].whole ||
		    (i > 0 && items[i - 1].archive_id == items[i].archive_id))
			continue;
		if ((r = cv_db_archive_erase(v, items[i].archive_id, items[i].archive, run->now)) < 0)
			return r;
		rep->archives_destroyed++;
	}
	return 0;
}

/* The run's certificates (numbered after the last one, chained by hash) and its rows, in one walk. */
static int destroy_planned(cv_vault *v, struct run *run)
{
	cv_certificate_run cr = { run->now, run->day, run->run_by, run->rws, run->nrw, NULL };
	int r;

	if ((r = cv_db_purge_defer_checks(v)) < 0 ||
	    (r = cv_certificates_start(v, &cr, run->ncert, &run->cert, &run->cw)) < 0 ||
	    (r = cv_retention_plan_each(v, run->day, &run->pc, commit_chunk, run)) < 0)
		return r;
	if (run->k != run->nmarks || run->commit_sum != run->plan_sum || (size_t)run->rep->destroyed != run->ncert)
		return plan_changed(v);
	return cv_certificates_finish(v, run->cw);
}

/* The rewritten archives replace the old ones, under the run's receipt. */
static int replace_archives(cv_vault *v, struct run *run, cv_purge_report *rep, int64_t receipt_id)
{
	size_t i;
	int r;

	for (i = 0; i < run->nrw; i++) {
		const cv_rewrite *rw = &run->rws[i];
		cv_db_rewritten nw = { rw->id, rw->file, rw->newfile, rw->newwrapped, rw->newsha,
				       rw->newgen, rw->newsize, receipt_id };

		if (!rw->written)
			continue;
		if ((r = cv_db_archive_replace(v, &nw, run->now)) < 0)
			return r;
		rep->archives_rewritten++;
	}
	return 0;
}

/*
 * The trail names the certificate, in the commit that destroys: both or
 * neither (docs/architecture.md, Properties, 2 and 7).  The scheduled run
 * acts as "schedule".
 */
static int audit_purge(cv_vault *v, struct run *run, long number)
{
	char ids[128], keep[sizeof(v->actor)];
	int r;

	/* the certificate's hash in the chain: replacing it and its index hash breaks the trail */
	snprintf(ids, sizeof(ids), "certificate-%ld sha256-%s", number, run->cert.sha256);
	memcpy(keep, v->actor, sizeof(keep));
	if (run->sched)
		snprintf(v->actor, sizeof(v->actor), "schedule");
	r = cv_audit(v, run->sched ? "purge.scheduled" : "purge", 0, ids);
	memcpy(v->actor, keep, sizeof(keep));
	return r;
}

/* The new keys of rewritten archives: committed to the key store before the index (store/keystore.h). */
static int store_new_keys(cv_vault *v, const struct run *run)
{
	size_t i;
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	for (i = 0; i < run->nrw; i++)
		if (run->rws[i].written &&
		    (r = cv_keystore_put(v, run->rws[i].newfile, run->rws[i].newgen, run->rws[i].newwrapped)) < 0) {
			cv_index_rollback(v);
			return r;
		}
	if ((r = cv_index_commit(v)) < 0)
		cv_index_rollback(v);
	return r;
}

static int commit_purge(cv_vault *v, struct run *run, cv_purge_report *rep)
{
	long long receipt_id = 0;
	int r;

	if (run->nrw && (r = store_new_keys(v, run)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		return r;
	if (run->receipt && ((r = cv_db_receipt_insert(v, v->actor, run->now, run->receipt, &receipt_id)) < 0 ||
			     (r = cv_db_receipt_set_sig(v, receipt_id, run->sig)) < 0))
		goto fail;
	if ((r = destroy_planned(v, run)) < 0 ||
	    (r = replace_archives(v, run, rep, receipt_id)) < 0 ||
	    (r = cv_intent_clear(v)) < 0)
		goto fail;
	if (rep->destroyed && (r = audit_purge(v, run, run->cert.last)) < 0)
		goto fail;
	cv_crashpoint("purge-before-commit");
	if ((r = cv_index_commit(v)) < 0)
		return r;
	/* the last certificate of the run: the only one, or the index of its parts */
	rep->certificate = run->cert.last;
	snprintf(rep->certificate_sha256, sizeof(rep->certificate_sha256), "%s", run->cert.sha256);
	return 0;
fail:
	cv_index_rollback(v);
	rep->destroyed = rep->archives_destroyed = rep->archives_rewritten = 0;
	return r;
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
	cv_date last, now, limit;
	char last_s[11];
	int r;

	if ((r = cv_db_purge_day_get(v, last_s)) < 0)
		return r;
	if (!last_s[0] || cv_date_parse(&last, last_s) < 0 || cv_date_parse(&now, day) < 0)
		return 0;
	cv_date_add_days(&limit, &last, CV_PURGE_MAX_GAP);
	if (cv_date_cmp(&now, &limit) <= 0)
		return 0;
	return cv_error(v, CV_EREFUSED, "today is %s but the last purge (or the vault's set-up) was on %s, more than %d days ago: "
			"the system clock may have jumped; nothing was destroyed. Check the date; if it is right, "
			"run 'casevault purge' by hand once", day, last_s, CV_PURGE_MAX_GAP);
}

/* ---- the run ---- */

/* Who runs it: the schedule, a manager (a purge by hand is a decision to destroy), or a dry run. */
static int run_start(cv_vault *v, struct run *run, const char *as_of)
{
	int r;

	if ((r = cv_retention_as_of(v, as_of, run->dry, run->day)) < 0)
		return r;
	/* the exact dates are sealed: the schedule runs on the purge's key file, a person may unlock */
	if ((r = cv_schedule_require(v, !run->sched)) < 0)
		return r;
	cv_now_iso(run->now);
	if (run->sched) {
		snprintf(run->run_by, sizeof(run->run_by), "schedule");
	} else if (!run->dry) {
		if ((r = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0)
			return r;
		snprintf(run->run_by, sizeof(run->run_by), "%s", v->actor);
	} else {
		snprintf(run->run_by, sizeof(run->run_by), "%s", v->actor[0] ? v->actor : "dry-run");
	}
	return 0;
}

/* Step 1 once both locks are held: what crashes left, and the clock. */
static int recover_first(cv_vault *v, struct run *run)
{
	int r;

	/*
	 * The files a crashed filing or rewrite left, if the open found
	 * the lock held (vault.c) and could not remove them: this run's
	 * commit clears the intent log, and would leave them for good.
	 */
	if ((r = cv_pending_recover(v)) < 0)
		return r;
	/* Finish what an interrupted purge left, before planning anew. */
	if (cv_purge_needs_recovery(v) && (r = cv_purge_recover(v)) < 0)
		return r;
	if (run->sched && (r = check_clock_gap(v, run->day)) < 0)
		return r;
	return 0;
}

static int add_rewrite(cv_vault *v, struct run *run, const cv_due *items, size_t from, size_t to)
{
	cv_rewrite *nr = reallocarray(run->rws, run->nrw + 1, sizeof(*run->rws));
	int r;

	if (!nr)
		return cv_error(v, CV_ERROR, "out of memory");
	run->rws = nr;
	r = cv_rewrite_load(v, &run->rws[run->nrw], items, from, to);
	run->rws[run->nrw].now = run->now;
	run->nrw++;
	return r;
}

/* Archives that also keep records need a rewrite: only with an unlock, else their records are pending. */
static int plan_rewrites(cv_vault *v, struct run *run, cv_purge_report *rep, cv_due *items, size_t n)
{
	size_t i, j, k;
	int r;

	for (i = 0; i < n; i = j) {
		size_t going = 0;

		for (j = i; j < n && items[j].archive_id == items[i].archive_id; j++)
			if (cv_due_goes(items[j].status))
				going++;
		if (!going || items[i].whole)
			continue;
		if (!run->sched && !run->dry && !run->can_unlock)
			run->can_unlock = cv_require_key(v, items[i].section) == 0 ? 1 : -1;
		if (run->sched || run->can_unlock < 0 || (!run->dry && !v->mkey[items[i].section])) {
			if (run->can_unlock < 0 && !run->rewrite_msg[0])
				snprintf(run->rewrite_msg, sizeof(run->rewrite_msg), "%s", cv_vault_errmsg(v));
			for (k = i; k < j; k++)
				items[k].status = cv_due_rewrite_blocked(items[k].status);
			continue;
		}
		if (run->dry) {
			rep->archives_rewritten++;
			continue;
		}
		if ((r = add_rewrite(v, run, items, i, j)) < 0)
			return r;
	}
	return 0;
}

/* The report's counts; a dry run counts what would go. */
static void count_plan(struct run *run, cv_purge_report *rep, const cv_due *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const cv_due *d = &items[i];

		switch (d->status) {
		case CV_DUE_HELD: rep->held++; break;
		case CV_DUE_REVIEW: rep->review++; break;
		case CV_DUE_STALE: rep->stale++; break;
		case CV_DUE_UNKNOWN_CLASS: rep->unknown++; break;
		case CV_DUE_PENDING: rep->pending++; break;
		default:
			if (run->dry)
				rep->destroyed++;
			break;
		}
		if (run->dry && d->whole && cv_due_goes(d->status) && (i == 0 || items[i - 1].archive_id != d->archive_id))
			rep->archives_destroyed++;
	}
}

/*
 * One chunk of the plan (step 2): rewrites planned, counted, each record's
 * mark kept for the commit and handed, with its final status, to the
 * caller's each().  A record going is in a whole archive or a planned
 * rewrite: the run destroys it.
 */
static int plan_chunk(void *hook, cv_due *items, size_t n)
{
	struct run *run = hook;
	size_t i;
	int r;

	if ((r = plan_rewrites(run->v, run, run->rep, items, n)) < 0)
		return r;
	count_plan(run, run->rep, items, n);
	if (cv_array_grow(&run->marks, &run->capmarks, run->nmarks + n - 1, 1) < 0)
		return cv_error(run->v, CV_ERROR, "out of memory");
	for (i = 0; i < n; i++) {
		run->marks[run->nmarks++] = mark_of(&items[i]);
		run->plan_sum = sum_mark(run->plan_sum, items[i].id, mark_of(&items[i]));
		run->ncert += (size_t)cv_due_goes(items[i].status);
		if (run->each)
			run->each(run->hook, &items[i]);
	}
	run->rep->nitems += n;
	return 0;
}

/* The receipt of the new archives, signed by the actor (the signature as text). */
static int sign_receipt(cv_vault *v, struct run *run)
{
	char *sig = NULL, *s;
	size_t siglen = 0;
	int r;

	run->receipt = cv_rewrite_receipt_json(v, run->rws, run->nrw, run->now);
	if (!run->receipt)
		return cv_error(v, CV_ERROR, "out of memory");
	if ((r = cv_gpg_sign_detached(v, v->actor_fpr, run->receipt, strlen(run->receipt), &sig, &siglen)) != 0)
		return r;
	s = malloc(siglen + 1);
	if (!s) {
		r = cv_error(v, CV_ERROR, "out of memory");
	} else {
		memcpy(s, sig, siglen);
		s[siglen] = '\0';
	}
	cv_gpg_free(sig);
	run->sig = s;
	return r;
}

/* Step 3: the rewrites, named in pending first; on failure the new files go again. */
static int do_rewrites(cv_vault *v, struct run *run)
{
	size_t i;
	int r;

	if ((r = cv_rewrite_begin_pending(v, run->rws, run->nrw, run->now)) < 0)
		return r;
	cv_crashpoint("purge-pending");
	for (i = 0; i < run->nrw; i++) {
		if ((r = cv_rewrite_one(v, &run->rws[i])) < 0)
			break;
		cv_crashpoint("purge-rewrite");
	}
	if (r == 0)
		r = cv_archive_sync(v);
	if (r == 0) {
		cv_crashpoint("purge-sign");  /* the new archives in place; gpg is forked next */
		r = sign_receipt(v, run);
	}
	if (r < 0)
		cv_rewrite_undo(v, run->rws, run->nrw);
	return r;
}

/* Each certificate file of the run (parts first, the index last); <0 at the first that fails. */
static int write_cert_files(cv_vault *v, const cv_certificate_span *sp)
{
	long n;
	int r = 0;

	for (n = sp->first; r == 0 && n <= sp->last; n++) {
		char *body = NULL;

		if ((r = cv_certificate_body(v, n, &body)) == 0)
			r = cv_cert_file_write(v, n, body);
		free(body);
	}
	return r;
}

/*
 * Steps 5 and 6, after the commit.  The records are destroyed whatever
 * happens here, so a failure says that first, then what to do: what is
 * left is in the shred log and the certificates table, and the next
 * command to open the vault finishes it (docs/recovery.md, "A purge that
 * could not finish").
 */
static int finish(cv_vault *v, struct run *run, cv_purge_report *rep)
{
	char why[512] = "";
	int r, cert_failed = 0;

	/* the keys' pages out of the WAL first; the reason, if that fails, is the one to give */
	if ((r = cv_db_purge_checkpoint(v)) < 0)
		snprintf(why, sizeof(why), "%s", cv_vault_errmsg(v));
	if (cv_shred_finish(v, NULL) < 0 && r == 0) {
		r = CV_ERROR;
		snprintf(why, sizeof(why), "%s", cv_vault_errmsg(v));
	}
	if (write_cert_files(v, &run->cert) < 0) {
		cert_failed = 1;
		snprintf(why, sizeof(why), "%s", cv_vault_errmsg(v));
	}
	if (r == 0 && !cert_failed && (r = cv_db_purge_checkpoint(v)) < 0)
		snprintf(why, sizeof(why), "%s", cv_vault_errmsg(v));
	if (r == 0 && !cert_failed)
		return 0;
	return cv_error(v, CV_ERROR, "%zu record%s destroyed (certificate %ld, sha256 %.16s, is in the index) but %s: %s; "
			"%sthen run 'casevault verify', which finishes it (docs/recovery.md, \"A purge that could not finish\")",
			rep->destroyed, rep->destroyed == 1 ? " WAS" : "s WERE", run->cert.last, run->cert.sha256,
			cert_failed ? "the certificate file could not be written" : "the erase could not finish", why,
			strstr(why, "is full") ? "" : "fix that, ");
}

/* Steps 2 to 6 under the locks. */
static int purge_locked(cv_vault *v, struct run *run, cv_purge_report *rep)
{
	int r;

	cv_crashpoint("purge-start");
	if ((r = cv_retention_plan_each(v, run->day, &run->pc, plan_chunk, run)) < 0)
		return r;
	if (run->dry || !run->ncert)
		return 0;
	if (run->nrw && (r = do_rewrites(v, run)) < 0)
		return r;
	/* between the walks: a hold written now must still win (recheck_chunk) */
	cv_crashpoint("purge-planned");
	/* 4. The commit: the moment of destruction. */
	if ((r = commit_purge(v, run, rep)) < 0) {
		if (run->nrw)
			cv_rewrite_undo(v, run->rws, run->nrw);
		return r;
	}
	cv_crashpoint("purge-after-commit");
	return finish(v, run, rep);
}

static void run_release(struct run *run)
{
	size_t i;

	for (i = 0; i < run->nrw; i++)
		cv_rewrite_release(&run->rws[i]);
	free(run->rws);
	free(run->marks);
	cv_certificates_writer_free(run->cw);
	free(run->receipt);
	free(run->sig);
	cv_polcache_release(&run->pc);
}

int cv_purge(cv_vault *v, const char *as_of, int flags, cv_purge_report *rep)
{
	return cv_purge_each(v, as_of, flags, rep, NULL, NULL);
}

int cv_purge_each(cv_vault *v, const char *as_of, int flags, cv_purge_report *rep, cv_purge_each_fn each, void *hook)
{
	struct run run;
	int lockfd = -1, r;

	memset(&run, 0, sizeof(run));
	run.v = v;
	run.rep = rep;
	run.each = each;
	run.hook = hook;
	run.pc = (cv_polcache)CV_POLCACHE_INIT;
	run.dry = flags & CV_PURGE_DRY_RUN;
	run.sched = flags & CV_PURGE_SCHEDULED;
	memset(rep, 0, sizeof(*rep));
	rep->policy_fallback = v->policy_fallback;
	rep->policy_unadopted = v->policy_unadopted;
	if ((r = run_start(v, &run, as_of)) < 0)
		return r;
	if (!run.dry) {
		if ((r = purge_lock(v, &lockfd)) < 0) {
			if (r == CV_ELOCKED && run.sched) {
				rep->another_running = 1;
				return 0;
			}
			return r;
		}
		if ((r = cv_vault_lock_writer(v, 1)) < 0 || (r = recover_first(v, &run)) < 0)
			goto out;
	}
	r = purge_locked(v, &run, rep);
out:
	if (r == 0 && !run.dry)
		cv_db_purge_day_record(v, run.day);
	if (r == 0 && !run.dry)
		r = cv_limitation_after_purge(v, run.day, run.sched);
	if (r == 0 && rep->pending && !run.sched && run.rewrite_msg[0])
		cv_notice(v, "%zu record%s not destroyed: their archive must be rewritten and the vault could not be unlocked (%s)",
			  rep->pending, rep->pending == 1 ? "" : "s", run.rewrite_msg);
	run_release(&run);
	if (!run.dry)
		cv_vault_unlock_writer(v);
	if (lockfd >= 0)
		close(lockfd);
	return r;
}
