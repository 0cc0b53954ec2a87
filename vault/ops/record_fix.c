/*
 * casevault - the core of a correction (record_fix.h; docs/legal-rules.md
 * LR-18).  One correction, in order, as the purge does it (ops/purge.c):
 *   1. checks, the key of the record's section, then the writer lock, and
 *      what a crash left finished first (pending files, shred intents);
 *   2. the new archives named in the pending intent log (their own commit),
 *      written by ops/rewrite.c from the old one (the record's archive
 *      without it, or with its corrected manifest; for a move, the record
 *      alone under the new case), synced; one receipt signed by the actor;
 *   3. their keys committed to the key store;
 *   4. ONE index transaction: the receipt, the correction's rows (apply),
 *      the old archive's row replaced or deleted (its wrapped key) and
 *      named in shred, the corrections register and the audit event;
 *   5. the old key's pages checkpointed out of the WALs, the old file
 *      overwritten and removed (cv_shred_finish).
 * A crash before 4 leaves files in pending, which the next writer removes:
 * nothing happened.  After 4 it leaves shred rows, which the next open
 * finishes.  The record is in exactly one archive the index names at every
 * moment (tests/cli/t_record_move.sh kills at each crash point).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/intent.h"
#include "core/lock.h"
#include "core/receipt.h"
#include "core/schedule.h"
#include "crypto/gpg.h"
#include "ops/record_fix.h"
#include "store/archive.h"
#include "store/db_corrections.h"
#include "store/db_holds.h"
#include "store/db_purge.h"
#include "store/db_receipts.h"
#include "store/index.h"
#include "store/keystore.h"
#include "casevault/request.h"

static const char *const kind_words[] = { "moved", "corrected", "erased" };

/* Where the record is now: 0, or CV_ENOTFOUND with what to do. */
static int locate(cv_fix *f)
{
	int r = cv_db_fix_where(f->v, f->id, f->case_id, &f->sec, &f->archive_id);

	if (r < 0)
		return r;
	if (r == 0)
		return cv_error(f->v, CV_ENOTFOUND, "no record %s in this vault (see 'casevault ls CASE'); nothing was %s",
				f->id, kind_words[f->kind]);
	return 0;
}

/*
 * Nothing under a hold or an open subject access request is altered
 * (docs/legal-rules.md §4, §13; docs/architecture.md, Properties, 6): what
 * was held when the request came is what it must be answered from.
 */
static int check_holds(cv_fix *f)
{
	cv_hold by;
	int r;

	memset(&by, 0, sizeof(by));
	if ((r = cv_db_hold_find(f->v, f->id, f->case_id, &by)) <= 0)
		return r;
	if (by.kind == CV_HOLD_REQUEST)
		return cv_error(f->v, CV_EHELD, "record %s is in the scope of open subject access request %s; nothing was %s: "
				"close the request first ('casevault request close %s')", f->id, by.ref, kind_words[f->kind], by.ref);
	return cv_error(f->v, CV_EHELD, "record %s is under hold %ld; nothing was %s: release the hold first "
			"('casevault hold release %ld')", f->id, by.id, kind_words[f->kind], by.id);
}

/* A restricted record is kept but not otherwise processed until the restriction is lifted (LR-18). */
static int check_restriction(cv_fix *f)
{
	char req[24];
	int r;

	if ((r = cv_record_restricted(f->v, f->id, req)) <= 0)
		return r;
	return cv_error(f->v, CV_EREFUSED, "record %s is restricted by request %s; nothing was %s: it can be %s once the "
			"restriction is lifted ('casevault request lift %s')", f->id, req, kind_words[f->kind], kind_words[f->kind], req);
}

/* The request a correction answers must be open (docs/legal-rules.md LR-18). */
static int check_request(cv_fix *f)
{
	int r;

	if (!f->o || !f->o->request)
		return 0;
	if ((r = cv_db_request_open(f->v, f->o->request)) < 0)
		return r;
	if (r == 0)
		return cv_error(f->v, CV_ENOTFOUND, "no open request %.40s (see 'casevault request list'); nothing was %s",
				f->o->request, kind_words[f->kind]);
	return 0;
}

static int check_reason(cv_fix *f)
{
	const char *s = f->o ? f->o->reason : NULL;

	if (f->kind == CV_FIX_ERASE && (!s || !*s))
		return cv_error(f->v, CV_EINVAL, "an erasure needs a reason (--reason TEXT); nothing was erased");
	if (s && (!*s || strlen(s) > 2000 || strpbrk(s, "\r\n\t")))
		return cv_error(f->v, CV_EINVAL, "the reason is empty, too long or holds control characters; keep it to one line");
	return 0;
}

int cv_fix_begin(cv_vault *v, cv_fix *f, cv_act act_case, cv_act act_cp)
{
	int r;

	f->v = v;
	cv_now_iso(f->now);
	if (!f->id || strncmp(f->id, "R-", 2) || strlen(f->id) >= sizeof(f->rep->record_id))
		return cv_error(v, CV_EINVAL, "'%.40s' is not a record id (R-...); see 'casevault ls CASE'", f->id ? f->id : "");
	if ((r = check_reason(f)) < 0 || (r = locate(f)) < 0 ||
	    (r = cv_authorize(v, f->sec == CV_SECTION_CP ? act_cp : act_case, f->id)) < 0 ||
	    (r = cv_require_key(v, f->sec)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	/* what a crashed filing, purge or correction left, before this one names files of its own */
	if ((r = cv_pending_recover(v)) < 0 || (cv_purge_needs_recovery(v) && (r = cv_purge_recover(v)) < 0))
		return r;
	if ((r = locate(f)) < 0 || (r = check_holds(f)) < 0 || (r = check_restriction(f)) < 0 || (r = check_request(f)) < 0)
		return r;
	snprintf(f->rep->record_id, sizeof(f->rep->record_id), "%s", f->id);
	snprintf(f->rep->from_case, sizeof(f->rep->from_case), "%s", f->case_id);
	return 0;
}

/* ---- loading and writing the new archives ---- */

static int add_member(void *hook, const char *id, const char *member, int64_t size)
{
	cv_fix *f = hook;
	/* a move copies the record alone into [1]; a set keeps it in [0]; an erasure drops it */
	int k = strcmp(id, f->id) ? 0 : f->kind == CV_FIX_MOVE ? 1 : f->kind == CV_FIX_SET ? 0 : -1;

	if (k < 0)
		return 0;
	if (cv_rewrite_add(&f->rws[k], id, member, size) < 0)
		return cv_error(f->v, CV_ERROR, "out of memory");
	return 0;
}

static int load(cv_fix *f)
{
	cv_db_archive a;
	int k, r;

	if ((r = cv_db_archive_get(f->v, f->archive_id, &a)) < 0)
		return r;
	if (r == 0)
		return cv_error(f->v, CV_ECORRUPT, "record %s names an archive the index does not hold (run 'casevault verify')", f->id);
	for (k = 0; k < 2; k++) {
		cv_rewrite *rw = &f->rws[k];

		rw->id = f->archive_id;
		snprintf(rw->file, sizeof(rw->file), "%s", a.file);
		rw->section = a.section;
		rw->key_gen = a.key_gen;
		rw->wrapped = k == 0 ? a.wrapped : (a.wrapped ? strdup(a.wrapped) : NULL);
		snprintf(rw->compression, sizeof(rw->compression), "%s", a.compression);
		snprintf(rw->sha, sizeof(rw->sha), "%s", a.sha256);
		rw->now = f->now;
	}
	if ((r = cv_db_archive_records(f->v, f->archive_id, add_member, f)) < 0)
		return r;
	f->use[0] = f->rws[0].nsurv > 0;
	f->use[1] = f->rws[1].nsurv > 0;
	if (f->kind == CV_FIX_MOVE && !f->use[1])
		return cv_error(f->v, CV_ECORRUPT, "record %s is not in its archive %s (run 'casevault verify'); nothing was moved",
				f->id, a.file);
	return 0;
}

static int begin_pending(cv_fix *f)
{
	int k, r;

	if ((r = cv_index_begin(f->v)) < 0)
		return r;
	for (k = 0; k < 2; k++)
		if (f->use[k] && (r = cv_intent_new_archive(f->v, f->rws[k].newfile, f->now, "start the correction")) < 0) {
			cv_index_rollback(f->v);
			return r;
		}
	return cv_index_commit(f->v);
}

static void undo(cv_fix *f)
{
	cv_rewrite_undo(f->v, f->rws, 2);
}

/*
 * The receipt also names the archive the correction retires ("replaces"):
 * verify accepts an archive gone from the index only when a certificate of
 * destruction or such a signed receipt names it (ops/verify.c).
 */
static int add_replaces(cv_fix *f)
{
	json_t *root = json_loads(f->receipt, 0, NULL);
	int failed = !root;

	cv_json_set(&failed, root, "replaces", json_pack("[s]", f->rws[0].file));
	free(f->receipt);
	f->receipt = failed ? NULL : json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return f->receipt ? 0 : -1;
}

static int sign_receipt(cv_fix *f)
{
	cv_receipt_archive a[2];
	char *sig = NULL;
	size_t n = 0, siglen = 0;
	int k, r;

	for (k = 0; k < 2; k++)
		if (f->use[k])
			a[n++] = (cv_receipt_archive){ f->rws[k].newfile, f->rws[k].newsha, f->rws[k].newsize };
	if (!(f->receipt = cv_receipt_json(f->v, f->purpose, a, n, f->now)) || add_replaces(f) < 0)
		return cv_error(f->v, CV_ERROR, "out of memory");
	if ((r = cv_gpg_sign_detached(f->v, f->v->actor_fpr, f->receipt, strlen(f->receipt), &sig, &siglen)) != 0)
		return r;
	if ((f->sig = malloc(siglen + 1))) {
		memcpy(f->sig, sig, siglen);
		f->sig[siglen] = '\0';
	}
	cv_gpg_free(sig);
	return f->sig ? 0 : cv_error(f->v, CV_ERROR, "out of memory");
}

static int write_all(cv_fix *f)
{
	int k, r = 0;

	if ((r = begin_pending(f)) < 0)
		return r;
	cv_crashpoint("fix-pending");
	for (k = 0; r == 0 && k < 2; k++)
		if (f->use[k])
			r = cv_rewrite_one(f->v, &f->rws[k]);
	if (r == 0 && (r = cv_archive_sync(f->v)) == 0) {
		cv_crashpoint("fix-written");
		r = sign_receipt(f);
	}
	if (r < 0)
		undo(f);
	return r;
}

/* ---- the commit ---- */

static int store_keys(cv_fix *f)
{
	int k, r;

	if ((r = cv_index_begin(f->v)) < 0)
		return r;
	for (k = 0; k < 2; k++)
		if (f->use[k] && (r = cv_keystore_put(f->v, f->rws[k].newfile, f->rws[k].newgen, f->rws[k].newwrapped)) < 0) {
			cv_index_rollback(f->v);
			return r;
		}
	if ((r = cv_index_commit(f->v)) < 0) {
		cv_index_rollback(f->v);
		return r;
	}
	cv_crashpoint("fix-keys-stored");
	return 0;
}

/* The old archive: replaced by its rewrite (the rows left in it follow), or erased when nothing is left in it. */
static int retire_old(cv_fix *f, long long receipt_id)
{
	const cv_rewrite *rw = &f->rws[0];
	cv_db_rewritten nw = { rw->id, rw->file, rw->newfile, rw->newwrapped, rw->newsha, rw->newgen, rw->newsize, receipt_id };

	if (f->use[0]) {
		f->rep->archives_rewritten++;
		return cv_db_archive_replace(f->v, &nw, f->now);
	}
	f->rep->archives_erased++;
	return cv_db_archive_erase(f->v, rw->id, rw->file, f->now);
}

static int commit(cv_fix *f)
{
	long long receipt_id = 0;
	int r;

	if ((r = store_keys(f)) < 0 || (r = cv_index_begin(f->v)) < 0)
		return r;
	if ((r = cv_schedule_ensure(f->v)) < 0 || (r = cv_db_purge_defer_checks(f->v)) < 0 ||
	    (r = cv_db_receipt_insert(f->v, f->v->actor, f->now, f->receipt, &receipt_id)) < 0 ||
	    (r = cv_db_receipt_set_sig(f->v, receipt_id, f->sig)) < 0 ||
	    (r = f->apply(f, receipt_id)) < 0 || (r = retire_old(f, receipt_id)) < 0 || (r = cv_intent_clear(f->v)) < 0)
		goto fail;
	cv_crashpoint("fix-before-commit");
	if ((r = cv_index_commit(f->v)) == 0)
		return 0;
fail:
	cv_index_rollback(f->v);
	return r;
}

/*
 * After the commit the correction is made: the old key's pages leave the
 * WALs before the old file is shredded; what fails here the next open
 * finishes from the shred log (docs/recovery.md, "A purge that could not finish").
 */
static int finish(cv_fix *f)
{
	int r;

	cv_crashpoint("fix-after-commit");
	if ((r = cv_db_purge_checkpoint(f->v)) < 0 || (r = cv_shred_finish(f->v, NULL)) < 0 ||
	    (r = cv_db_purge_checkpoint(f->v)) < 0)
		return cv_error(f->v, r, "record %s was %s, but its old archive could not be removed yet (%s); "
				"run 'casevault verify', which finishes it", f->id, kind_words[f->kind], cv_vault_errmsg(f->v));
	return 0;
}

int cv_fix_run(cv_fix *f)
{
	int r;

	if ((r = load(f)) < 0 || (r = write_all(f)) < 0)
		return r;
	if ((r = commit(f)) < 0) {
		undo(f);
		return r;
	}
	return finish(f);
}

int cv_fix_record(cv_fix *f, const char *action, const char *to_case, long certificate, const char *extra)
{
	const char *req = f->o ? f->o->request : NULL;
	char ids[256];
	int r;

	cv_db_fix_entry e = { kind_words[f->kind], f->id, f->case_id, to_case, f->changed[0] ? f->changed : NULL,
			      req, certificate, f->sec, f->o ? f->o->reason : NULL, f->v->actor, f->now };
	if ((r = cv_db_fix_log(f->v, &e, &f->rep->correction)) < 0)
		return r;
	/* ids only, never the reason (docs/architecture.md, The audit trail) */
	snprintf(ids, sizeof(ids), "%s %s%s%s%s%s correction-%ld", f->id, f->case_id, to_case ? " " : "", to_case ? to_case : "",
		 req ? " " : "", req ? req : "", f->rep->correction);
	if (extra)
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), " %s", extra);
	return cv_audit(f->v, action, 0, ids);
}

void cv_fix_end(cv_fix *f)
{
	cv_rewrite_release(&f->rws[0]);
	cv_rewrite_release(&f->rws[1]);
	free(f->receipt);
	free(f->sig);
	f->receipt = f->sig = NULL;
	cv_vault_unlock_writer(f->v);
}
