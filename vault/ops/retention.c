/*
 * casevault - retention: the last good policy, holds, retention dates
 * worked out again when a trigger changes, the due list and review
 * decisions.  The purge itself and certificates are in purge.c.
 *
 * A record is due when records.retain_until (in clear) is on or before the
 * day asked about.  It is then, in this order:
 *   - kept, if its class is no longer in the policy (unknown class);
 *   - kept, if its date was computed under another policy version whose
 *     rules for its class differ from today's (stale: recompute first, since
 *     the new schedule may keep it longer);
 *   - kept, if a standing hold is on it or on its case (hold, moratorium,
 *     open subject access request);
 *   - for a review class, kept until a manager approves (the approval is
 *     tied to the retention date it approved);
 *   - otherwise destroyed by the next purge.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/adopted.h"
#include "core/audit.h"
#include "core/lock.h"
#include "crypto/seal.h"
#include "ops/retention.h"
#include "store/db_cases.h"
#include "store/index.h"
#include "store/sealed.h"
#include "casevault/staff.h"
#include "casevault/case.h"

static const char *const kind_names[] = { "hold", "moratorium", "request" };

const char *cv_hold_kind_name(cv_hold_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "hold";
}

static int kind_parse(const char *s, cv_hold_kind *out)
{
	int i;

	for (i = 0; i < 3; i++)
		if (s && !strcmp(s, kind_names[i])) {
			*out = (cv_hold_kind)i;
			return 0;
		}
	return -1;
}

const char *cv_due_status_name(cv_due_status s)
{
	static const char *const names[] = {
		"due", "held", "awaiting-review", "approved", "stale", "unknown-class", "pending-rewrite"
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int cv_retention_as_of(cv_vault *v, const char *as_of, int allow_future, char out[11])
{
	cv_date today, d;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	d = today;
	if (as_of && cv_date_parse(&d, as_of) < 0)
		return cv_error(v, CV_EINVAL, "the date '%s' is not a real date written YYYY-MM-DD", as_of);
	cv_date_format(&d, out);
	if (!allow_future && cv_date_cmp(&d, &today) > 0)
		return cv_error(v, CV_EREFUSED, "--as-of %s is in the future: nothing is destroyed before its date (use --dry-run to see what will fall due)", out);
	return 0;
}

void cv_rules_text(const cv_class *cls, char *out, size_t len)
{
	size_t k, used = 0;

	out[0] = '\0';
	for (k = 0; cls && k < cls->nrules && used < len; k++) {
		const cv_retention_rule *ru = &cls->rules[k];
		char per[48];
		int n = 0;

		per[0] = '\0';
		if (ru->years)
			n += snprintf(per + n, sizeof(per) - (size_t)n, "%dy", ru->years);
		if (ru->months)
			n += snprintf(per + n, sizeof(per) - (size_t)n, "%dm", ru->months);
		if (ru->days || n == 0)
			snprintf(per + n, sizeof(per) - (size_t)n, "%dd", ru->days);
		used += (size_t)snprintf(out + used, len - used, "%s%s + %s", k ? "; " : "",
					 cv_trigger_name(ru->trigger), per);
	}
}

static int same_rules(const cv_class *a, const cv_class *b)
{
	size_t k;

	if (!a || !b || a->nrules != b->nrules)
		return 0;
	for (k = 0; k < a->nrules; k++)
		if (a->rules[k].trigger != b->rules[k].trigger || a->rules[k].years != b->rules[k].years ||
		    a->rules[k].months != b->rules[k].months || a->rules[k].days != b->rules[k].days)
			return 0;
	return 1;
}

/* ---- holds ---- */

static void row_to_hold(sqlite3_stmt *st, cv_hold *h)
{
	/* columns: id, kind, case_id, record_id, ref, placed_by, placed_at, released_by, released_at */
	memset(h, 0, sizeof(*h));
	h->id = (long)sqlite3_column_int64(st, 0);
	kind_parse(cv_col(st, 1), &h->kind);
	snprintf(h->case_id, sizeof(h->case_id), "%s", cv_col(st, 2));
	snprintf(h->record_id, sizeof(h->record_id), "%s", cv_col(st, 3));
	snprintf(h->ref, sizeof(h->ref), "%s", cv_col(st, 4));
	snprintf(h->placed_by, sizeof(h->placed_by), "%s", cv_col(st, 5));
	snprintf(h->placed_at, sizeof(h->placed_at), "%s", cv_col(st, 6));
	snprintf(h->released_by, sizeof(h->released_by), "%s", cv_col(st, 7));
	snprintf(h->released_at, sizeof(h->released_at), "%s", cv_col(st, 8));
}

#define HOLD_COLS "id, kind, case_id, record_id, ref, placed_by, placed_at, released_by, released_at"

static int ensure_actor(cv_vault *v)
{
	if (v->actor[0])
		return 0;
	return cv_vault_set_actor(v, NULL);
}

int cv_hold_place(cv_vault *v, cv_hold_kind kind, const char *target, const char *reason,
		  const char *ref, long *id_out)
{
	sqlite3_stmt *st = NULL;
	char case_id[24] = "", record_id[24] = "", now[32];
	cv_section sec = CV_SECTION_CASE;
	long id;
	int r;
	if (kind != CV_HOLD_REQUEST && (r = cv_authorize(v, CV_ACT_HOLD, target)) < 0)
		return r;

	if ((unsigned)kind > CV_HOLD_REQUEST)
		return cv_error(v, CV_EINVAL, "unknown kind of hold");
	if (!target || (strncmp(target, "C-", 2) && strncmp(target, "R-", 2)) || strlen(target) >= sizeof(case_id))
		return cv_error(v, CV_EINVAL, "a hold is placed on a case (C-...) or a record (R-...), not '%.40s'",
				target ? target : "");
	if (kind != CV_HOLD_REQUEST && (!reason || !*reason))
		return cv_error(v, CV_EINVAL, "a hold needs a reason (--reason R)");
	if (reason && (strlen(reason) > 2000 || strpbrk(reason, "\r\n\t")))
		return cv_error(v, CV_EINVAL, "the reason is too long or holds control characters; keep it to one line");
	if (!strncmp(target, "C-", 2)) {
		if ((r = cv_db_case_exists(v, target)) < 0)
			return r;
		snprintf(case_id, sizeof(case_id), "%s", target);
	} else {
		if ((r = cv_index_prepare(v, &st, "SELECT case_id, section FROM records WHERE id = ?")) < 0)
			return r;
		sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return cv_error(v, CV_ENOTFOUND, "no record %s in this vault (destroyed records cannot be held)", target);
		}
		snprintf(case_id, sizeof(case_id), "%s", cv_col(st, 0));
		cv_section_parse(&sec, cv_col(st, 1));
		sqlite3_finalize(st);
		st = NULL;
		snprintf(record_id, sizeof(record_id), "%s", target);
	}
	/* A reason may name people: sealed under the key of the section held. */
	if (reason && *reason) {
		if ((r = cv_require_key(v, sec)) < 0)
			return r;
	} else if ((r = ensure_actor(v)) < 0) {
		return r;
	}
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO holds(kind, case_id, record_id, ref, section, placed_by, placed_at) VALUES(?,?,?,?,?,?,?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, cv_hold_kind_name(kind), -1, SQLITE_STATIC);
	if (case_id[0])
		sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if (record_id[0])
		sqlite3_bind_text(st, 3, record_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	if (ref && *ref)
		sqlite3_bind_text(st, 4, ref, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, cv_section_name(sec), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "place the hold");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	id = (long)sqlite3_last_insert_rowid(v->db);
	if (reason && *reason && (r = cv_seal_update(v, sec, "holds", "reason", id, reason, "place the hold")) < 0)
		goto rollback;
	{
		char ids[64];

		snprintf(ids, sizeof(ids), "hold-%ld %s", id, target);
		if ((r = cv_audit(v, "hold.add", 0, ids)) < 0)
			goto rollback;
	}
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	if (id_out)
		*id_out = id;
	r = 0;
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

static int release_where(cv_vault *v, const char *sql, long id, const char *kind, const char *ref, size_t *n)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int r;

	if ((r = ensure_actor(v)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		goto out;
	sqlite3_bind_text(st, 1, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (kind) {
		sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ref, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 3, id);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, "release the hold");
	else if (n)
		*n = (size_t)sqlite3_changes(v->db);
out:
	sqlite3_finalize(st);
	cv_vault_unlock_writer(v);
	return r;
}

int cv_hold_release(cv_vault *v, long id)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int r, released = 0;
	if ((r = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0)
		return r;

	if ((r = cv_index_prepare(v, &st, "SELECT released_at, kind, ref FROM holds WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no hold %ld in this vault; see 'casevault hold list'", id);
	}
	released = sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (!released && sqlite3_column_text(st, 1) && !strcmp((const char *)sqlite3_column_text(st, 1), "request")) {
		/* docs/legal-rules.md §4: a request holds its case until the request is closed, and only then */
		char ref[48];

		snprintf(ref, sizeof(ref), "%s", sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
		sqlite3_finalize(st);
		st = NULL;
		/* a hold left by a crash before its request was registered may go */
		if (cv_index_prepare(v, &st, "SELECT 1 FROM requests WHERE id = ? AND closed_at IS NULL") == 0) {
			int open_req;

			sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
			open_req = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
			st = NULL;
			if (!open_req)
				goto release;
		}
		return cv_error(v, CV_EHELD, "hold %ld belongs to subject access request %s; it ends when the request is closed ('casevault request close %s')",
				id, ref, ref);
	}
	sqlite3_finalize(st);
release:
	if (released)
		return cv_error(v, CV_EREFUSED, "hold %ld was already released", id);
	r = release_where(v, "UPDATE holds SET released_by = ?1, released_at = ?2 WHERE id = ?3 AND released_at IS NULL",
			  id, NULL, NULL, &n);
	if (r == 0 && n == 0)
		return cv_error(v, CV_EREFUSED, "hold %ld was already released", id);
	if (r == 0) {
		char ids[32];

		snprintf(ids, sizeof(ids), "hold-%ld", id);
		cv_audit(v, "hold.release", 0, ids);
	}
	return r;
}

int cv_hold_release_ref(cv_vault *v, cv_hold_kind kind, const char *ref, size_t *released)
{
	if (!ref || !*ref)
		return cv_error(v, CV_EINVAL, "no reference given");
	return release_where(v, "UPDATE holds SET released_by = ?1, released_at = ?2"
			     " WHERE kind = ?3 AND ref = ?4 AND released_at IS NULL",
			     0, cv_hold_kind_name(kind), ref, released);
}

int cv_hold_list(cv_vault *v, int all, int unseal, cv_hold **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_hold *list = NULL;
	size_t cnt = 0, alloc = 0;
	int r, rc;
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, NULL)) < 0)
		return r;

	*out = NULL;
	*n = 0;
	if (unseal && (r = cv_vault_unlock(v)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, all ?
		"SELECT " HOLD_COLS ", reason, section FROM holds ORDER BY id DESC" :
		"SELECT " HOLD_COLS ", reason, section FROM holds WHERE released_at IS NULL ORDER BY id DESC")) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cv_hold *h;

		if (cnt == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			cv_hold *nl = reallocarray(list, na, sizeof(*nl));
			if (!nl) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nl;
			alloc = na;
		}
		h = &list[cnt++];
		row_to_hold(st, h);
		if (unseal && sqlite3_column_type(st, 9) == SQLITE_BLOB) {
			cv_section sec = CV_SECTION_CASE;
			char ctx[64];

			cv_section_parse(&sec, cv_col(st, 10));
			snprintf(ctx, sizeof(ctx), "holds.reason:%ld", h->id);
			if (v->mkey[sec] && cv_unseal(v, sec, ctx, sqlite3_column_blob(st, 9),
						      (size_t)sqlite3_column_bytes(st, 9), &h->reason, NULL) < 0) {
				r = cv_error(v, CV_ECORRUPT, "the reason of hold %ld is damaged or altered", h->id);
				goto fail;
			}
		}
	}
	if (rc != SQLITE_DONE) {
		r = cv_index_dberr(v, "list holds");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	cv_hold_list_free(list, cnt);
	return r;
}

void cv_hold_list_free(cv_hold *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		if (list[i].reason) {
			explicit_bzero(list[i].reason, strlen(list[i].reason));
			free(list[i].reason);
		}
	free(list);
}

static int hold_check(cv_vault *v, const char *record_id, const char *case_id, cv_hold *by)
{
	sqlite3_stmt *st = NULL;
	int r, held;

	if ((r = cv_index_prepare(v, &st,
		"SELECT " HOLD_COLS " FROM holds WHERE released_at IS NULL AND record_id = ?1"
		" UNION ALL SELECT " HOLD_COLS " FROM holds WHERE released_at IS NULL AND record_id IS NULL AND case_id = ?2"
		" LIMIT 1")) < 0)
		return r;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (case_id && *case_id)
		sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	held = sqlite3_step(st) == SQLITE_ROW;
	if (held && by)
		row_to_hold(st, by);
	sqlite3_finalize(st);
	return held;
}

int cv_hold_check(cv_vault *v, const char *record_id, cv_hold *by)
{
	sqlite3_stmt *st = NULL;
	char case_id[24] = "";
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT case_id FROM records WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault", record_id);
	}
	snprintf(case_id, sizeof(case_id), "%s", cv_col(st, 0));
	sqlite3_finalize(st);
	return hold_check(v, record_id, case_id, by);
}

/* ---- the due list ---- */

static int approved_by(cv_vault *v, const char *record_id, const char *retain_until, char out[24])
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	out[0] = '\0';
	if (cv_index_prepare(v, &st,
		"SELECT decided_by FROM reviews WHERE record_id = ? AND decision = 'approve' AND retain_until = ?"
		" ORDER BY id DESC LIMIT 1") < 0)
		return -1;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, retain_until, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, 24, "%s", cv_col(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

int cv_retention_plan(cv_vault *v, const char *as_of, cv_polcache *pc, cv_due **out, size_t *n)
{
	sqlite3_stmt *st = NULL, *cnt = NULL;
	cv_due *list = NULL;
	size_t nl = 0, alloc = 0, i, j;
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = cv_index_prepare(v, &st,
		"SELECT r.id, r.case_id, r.section, r.class, r.filed_at, r.retain_until, r.policy_hash,"
		" r.archive_id, a.file FROM records r JOIN archives a ON a.id = r.archive_id"
		" WHERE r.retain_until IS NOT NULL AND r.retain_until <= ? ORDER BY r.archive_id, r.seq")) < 0)
		return r;
	sqlite3_bind_text(st, 1, as_of, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cv_due *d;
		const cv_class *cls, *old;
		const cv_policy *op;

		if (nl == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			cv_due *nlst = reallocarray(list, na, sizeof(*nlst));
			if (!nlst) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nlst;
			alloc = na;
		}
		d = &list[nl++];
		memset(d, 0, sizeof(*d));
		snprintf(d->id, sizeof(d->id), "%s", cv_col(st, 0));
		snprintf(d->case_id, sizeof(d->case_id), "%s", cv_col(st, 1));
		cv_section_parse(&d->section, cv_col(st, 2));
		snprintf(d->class_name, sizeof(d->class_name), "%s", cv_col(st, 3));
		snprintf(d->filed_at, sizeof(d->filed_at), "%s", cv_col(st, 4));
		snprintf(d->retain_until, sizeof(d->retain_until), "%s", cv_col(st, 5));
		snprintf(d->policy_hash, sizeof(d->policy_hash), "%s", cv_col(st, 6));
		d->archive_id = sqlite3_column_int64(st, 7);
		snprintf(d->archive, sizeof(d->archive), "%s", cv_col(st, 8));

		cls = cv_policy_class(v->policy, d->class_name);
		if (!cls) {
			d->status = CV_DUE_UNKNOWN_CLASS;
			continue;
		}
		if (strcmp(d->policy_hash, cv_policy_hash(v->policy))) {
			op = cv_polcache_get(v, pc, d->policy_hash);
			old = op ? cv_policy_class(op, d->class_name) : NULL;
			if (!same_rules(old, cls)) {
				d->status = CV_DUE_STALE;
				continue;
			}
		}
		if ((r = hold_check(v, d->id, d->case_id, &d->hold)) < 0)
			goto fail;
		if (r == 1) {
			d->status = CV_DUE_HELD;
			continue;
		}
		if (cls->action == CV_ACTION_REVIEW) {
			r = approved_by(v, d->id, d->retain_until, d->approved_by);
			if (r < 0) {
				r = cv_index_dberr(v, "read review decisions");
				goto fail;
			}
			d->status = r ? CV_DUE_APPROVED : CV_DUE_REVIEW;
			continue;
		}
		d->status = CV_DUE_DESTROY;
	}
	if (rc != SQLITE_DONE) {
		r = cv_index_dberr(v, "list the records due");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Whole archives: every record of the archive goes in this run. */
	if ((r = cv_index_prepare(v, &cnt, "SELECT count(*) FROM records WHERE archive_id = ?")) < 0)
		goto fail;
	for (i = 0; i < nl; i = j) {
		size_t going = 0;
		sqlite3_int64 total = -1;

		for (j = i; j < nl && list[j].archive_id == list[i].archive_id; j++)
			if (list[j].status == CV_DUE_DESTROY || list[j].status == CV_DUE_APPROVED)
				going++;
		sqlite3_reset(cnt);
		sqlite3_bind_int64(cnt, 1, list[i].archive_id);
		if (sqlite3_step(cnt) == SQLITE_ROW)
			total = sqlite3_column_int64(cnt, 0);
		for (size_t k = i; k < j; k++)
			list[k].whole = (sqlite3_int64)going == total;
	}
	sqlite3_finalize(cnt);
	*out = list;
	*n = nl;
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_finalize(cnt);
	free(list);
	return r;
}

int cv_retention_due(cv_vault *v, const char *as_of, cv_due **out, size_t *n)
{
	cv_polcache pc = CV_POLCACHE_INIT;
	char day[11];
	int r;
	if ((r = cv_authorize(v, CV_ACT_LIST, NULL)) < 0)
		return r;

	*out = NULL;
	*n = 0;
	if ((r = cv_retention_as_of(v, as_of, 1, day)) < 0)
		return r;
	r = cv_retention_plan(v, day, &pc, out, n);
	cv_polcache_release(&pc);
	return r;
}

void cv_due_list_free(cv_due *list, size_t n)
{
	(void)n;
	free(list);
}

/* ---- review ---- */

int cv_review_list(cv_vault *v, const char *as_of, cv_due **out, size_t *n)
{
	cv_due *all = NULL;
	size_t na = 0, i, k = 0;
	int r;

	if ((r = cv_retention_due(v, as_of, &all, &na)) < 0)
		return r;
	for (i = 0; i < na; i++) {
		const cv_class *cls = cv_policy_class(v->policy, all[i].class_name);
		if (cls && cls->action == CV_ACTION_REVIEW)
			all[k++] = all[i];
	}
	*out = all;
	*n = k;
	return 0;
}

/* A due review-class record, for a decision.  Fills section and retain_until. */
static int review_target(cv_vault *v, const char *record_id, int must_be_due, cv_section *sec, char retain[11])
{
	sqlite3_stmt *st = NULL;
	const cv_class *cls;
	char today[11], cls_name[64];
	int r;

	if ((r = cv_retention_as_of(v, NULL, 0, today)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "SELECT class, section, retain_until FROM records WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault", record_id);
	}
	snprintf(cls_name, sizeof(cls_name), "%s", cv_col(st, 0));
	cv_section_parse(sec, cv_col(st, 1));
	snprintf(retain, 11, "%s", cv_col(st, 2));
	sqlite3_finalize(st);
	cls = cv_policy_class(v->policy, cls_name);
	if (!cls || cls->action != CV_ACTION_REVIEW)
		return cv_error(v, CV_EREFUSED, "record %s is of class '%s', which is not reviewed: it is destroyed on its date by the schedule",
				record_id, cls_name);
	if (must_be_due && (!retain[0] || strcmp(retain, today) > 0))
		return cv_error(v, CV_EREFUSED, "record %s is not due for review yet (%s); a decision can be made once it is due",
				record_id, retain[0] ? retain : "no retention date yet");
	return 0;
}

static int require_manager(cv_vault *v, const char *what)
{
	/* Signing off destruction or keeping a record longer is a manager's (docs/legal-rules.md §14). */
	if (strcmp(v->actor_role, "manager"))
		return cv_error(v, CV_EREFUSED, "only a manager may %s (%s is a %s)", what, v->actor, v->actor_role);
	return 0;
}

static int add_review(cv_vault *v, const char *record_id, cv_section sec, const char *decision,
		      const char *retain, const char *until, const char *reason)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	long id;
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO reviews(record_id, decision, retain_until, until, section, decided_by, decided_at)"
		" VALUES(?,?,?,?,?,?,?)")) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, decision, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, retain, -1, SQLITE_STATIC);
	if (until)
		sqlite3_bind_text(st, 4, until, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, cv_section_name(sec), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "record the review decision");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	id = (long)sqlite3_last_insert_rowid(v->db);
	if (reason && (r = cv_seal_update(v, sec, "reviews", "reason", id, reason, "record the review decision")) < 0)
		goto fail;
	if (until) {
		if ((r = cv_index_prepare(v, &st, "UPDATE records SET retain_until = ? WHERE id = ?")) < 0)
			goto fail;
		sqlite3_bind_text(st, 1, until, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, record_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = cv_index_dberr(v, "set the new review date");
			goto fail;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	return cv_index_commit(v);
fail:
	sqlite3_finalize(st);
	cv_index_rollback(v);
	return r;
}

int cv_review_approve(cv_vault *v, const char *record_id)
{
	cv_section sec;
	char retain[11];
	int r;
	if ((r = cv_authorize(v, CV_ACT_APPROVE, record_id)) < 0)
		return r;

	if ((r = review_target(v, record_id, 1, &sec, retain)) < 0)
		return r;
	/* The approver proves who they are by unlocking. */
	if ((r = cv_require_key(v, sec)) < 0)
		return r;
	if ((r = require_manager(v, "approve the destruction of a record")) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	r = add_review(v, record_id, sec, "approve", retain, NULL, NULL);
	cv_vault_unlock_writer(v);
	if (r == 0)
		cv_audit(v, "review.approve", 0, record_id);
	return r;
}

int cv_review_defer(cv_vault *v, const char *record_id, const char *until, const char *reason)
{
	cv_section sec;
	cv_date d, today;
	char retain[11], ds[11];
	int r;
	if ((r = cv_authorize(v, CV_ACT_APPROVE, record_id)) < 0)
		return r;

	if (!until || cv_date_parse(&d, until) < 0)
		return cv_error(v, CV_EINVAL, "the new date must be a real date written YYYY-MM-DD");
	if (!reason || !*reason || strlen(reason) > 2000 || strpbrk(reason, "\r\n\t"))
		return cv_error(v, CV_EINVAL, "a new review date needs a one-line reason (--reason R)");
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (cv_date_cmp(&d, &today) <= 0)
		return cv_error(v, CV_EINVAL, "the new review date must be after today");
	cv_date_format(&d, ds);
	if ((r = review_target(v, record_id, 0, &sec, retain)) < 0)
		return r;
	if (retain[0] && strcmp(ds, retain) <= 0)
		return cv_error(v, CV_EINVAL, "record %s is already kept until %s; choose a later date", record_id, retain);
	if ((r = cv_require_key(v, sec)) < 0)
		return r;
	if ((r = require_manager(v, "set a new review date")) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	r = add_review(v, record_id, sec, "defer", retain[0] ? retain : "", ds, reason);
	cv_vault_unlock_writer(v);
	if (r == 0)
		cv_audit(v, "review.defer", 0, record_id);
	return r;
}

/* ---- working retention dates out again ---- */

/* Sealed facts a class needs: 1 = the child's date of birth, 2 = the event date. */
static int sealed_needs(const cv_class *cls)
{
	size_t k;
	int need = 0;

	for (k = 0; k < cls->nrules; k++) {
		if (cls->rules[k].trigger == CV_TRIG_CHILD_DOB)
			need |= 1;
		if (cls->rules[k].trigger == CV_TRIG_EVENT_DATE)
			need |= 2;
	}
	return need;
}

/* 1 when some trigger of cls is surely unknown (open case, last contact): no date, no unlock. */
static int surely_unknown(const cv_class *cls, int case_closed_known, int has_case)
{
	size_t k;

	for (k = 0; k < cls->nrules; k++) {
		cv_trigger t = cls->rules[k].trigger;
		if (t == CV_TRIG_LAST_CONTACT && !has_case)
			return 1;
		if (t == CV_TRIG_CASE_CLOSED && !case_closed_known)
			return 1;
		if (t == CV_TRIG_CHILD_DOB && !has_case)
			return 1;
	}
	return 0;
}

/*
 * last-contact: the latest day anything was filed into the case (a call, a
 * meeting, a letter).  It only moves forward, so a date computed from it is
 * never early; filing into a case recomputes the dates that use it.
 */
#define REC_SQL "SELECT r.id, r.class, r.section, r.filed_at, r.event_date, r.retain_until, r.policy_hash," \
	" r.case_id, c.closed," \
	" (SELECT substr(max(r2.filed_at), 1, 10) FROM records r2 WHERE r2.case_id = r.case_id)" \
	" FROM records r LEFT JOIN cases c ON c.id = r.case_id"

int cv_retention_prepare(cv_vault *v, const char *case_id, int closed_known)
{
	sqlite3_stmt *st = NULL;
	int r, need = 0;

	if ((r = cv_index_prepare(v, &st, case_id ? REC_SQL " WHERE r.case_id = ?" : REC_SQL)) < 0)
		return r;
	if (case_id)
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const cv_class *cls = cv_policy_class(v->policy, cv_col(st, 1));

		if (!cls || surely_unknown(cls, closed_known >= 0 ? closed_known : sqlite3_column_type(st, 8) != SQLITE_NULL,
					   sqlite3_column_type(st, 7) != SQLITE_NULL))
			continue;
		need |= sealed_needs(cls);
	}
	sqlite3_finalize(st);
	if (!need)
		return 0;
	/* A date of birth is under the case key; event dates under their section's key. */
	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	if ((need & 1) && !v->mkey[CV_SECTION_CASE])
		return cv_require_key(v, CV_SECTION_CASE);
	return 0;
}

struct casefacts {
	char id[24];
	int have_dob;
	cv_date dob;
};

static int load_dob(cv_vault *v, const char *case_id, struct casefacts *cf)
{
	sqlite3_stmt *st = NULL;
	char ctx[64], *dob = NULL;
	int r;

	if (!strcmp(cf->id, case_id))
		return 0;
	snprintf(cf->id, sizeof(cf->id), "%s", case_id);
	cf->have_dob = 0;
	if (!v->mkey[CV_SECTION_CASE])
		return 0;
	if ((r = cv_index_prepare(v, &st, "SELECT child_dob FROM cases WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(ctx, sizeof(ctx), "cases.child_dob:%s", case_id);
		r = cv_unseal(v, CV_SECTION_CASE, ctx, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
			      &dob, NULL);
		if (r < 0) {
			sqlite3_finalize(st);
			return cv_error(v, CV_ECORRUPT, "the date of birth of case %s is damaged or altered", case_id);
		}
		cf->have_dob = cv_date_parse(&cf->dob, dob) == 0;
		explicit_bzero(dob, strlen(dob));
		free(dob);
	}
	sqlite3_finalize(st);
	return 0;
}

static int defer_floor(cv_vault *v, const char *record_id, char out[11])
{
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	if (cv_index_prepare(v, &st, "SELECT max(until) FROM reviews WHERE record_id = ? AND decision = 'defer'") < 0)
		return -1;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		snprintf(out, 11, "%s", cv_col(st, 0));
	sqlite3_finalize(st);
	return 0;
}

/* Whether cls has a rule running from a trigger in mask (0 = every trigger). */
static int uses_trigger(const cv_class *cls, unsigned mask)
{
	size_t k;

	if (!mask)
		return 1;
	for (k = 0; k < cls->nrules; k++)
		if (mask & (1u << cls->rules[k].trigger))
			return 1;
	return 0;
}

int cv_retention_recompute_tx(cv_vault *v, const char *case_id, unsigned trig_mask, size_t *changed, size_t *pending)
{
	sqlite3_stmt *st = NULL, *up = NULL;
	struct casefacts cf;
	const char *hash = cv_policy_hash(v->policy);
	int r = 0, rc;

	memset(&cf, 0, sizeof(cf));
	if (changed)
		*changed = 0;
	if (pending)
		*pending = 0;
	if ((r = cv_index_prepare(v, &st, case_id ? REC_SQL " WHERE r.case_id = ? ORDER BY r.case_id"
					: REC_SQL " ORDER BY r.case_id")) < 0)
		return r;
	if (case_id)
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	if ((r = cv_index_prepare(v, &up, "UPDATE records SET retain_until = ?, policy_hash = ? WHERE id = ?")) < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = cv_col(st, 0);
		const cv_class *cls = cv_policy_class(v->policy, cv_col(st, 1));
		int has_case = sqlite3_column_type(st, 7) != SQLITE_NULL;
		int closed_known = sqlite3_column_type(st, 8) != SQLITE_NULL;
		cv_date filed, ev, closed, res, last;
		cv_retention_facts f = { NULL, NULL, NULL, NULL, NULL };
		cv_section sec = CV_SECTION_CASE;
		char newd[11] = "", floor[11];
		int need, miss = 0;

		if (!cls || !uses_trigger(cls, trig_mask))
			continue;  /* unknown class (never due) or a date this change cannot move */
		cv_section_parse(&sec, cv_col(st, 2));
		if (!surely_unknown(cls, closed_known, has_case)) {
			need = sealed_needs(cls);
			{
				char b[11];

				snprintf(b, sizeof(b), "%.10s", cv_col(st, 3));  /* the day of filed_at */
				if (cv_date_parse(&filed, b) == 0)
					f.filed = &filed;
			}
			if (closed_known && cv_date_parse(&closed, cv_col(st, 8)) == 0)
				f.case_closed = &closed;
			if (has_case && sqlite3_column_type(st, 9) != SQLITE_NULL && cv_date_parse(&last, cv_col(st, 9)) == 0)
				f.last_contact = &last;
			if (need & 1) {
				if ((r = load_dob(v, cv_col(st, 7), &cf)) < 0)
					goto out;
				if (cf.have_dob)
					f.child_dob = &cf.dob;
				else
					miss = 1;
			}
			if (need & 2) {
				char ctx[64], *evs = NULL;

				if (v->mkey[sec]) {
					snprintf(ctx, sizeof(ctx), "records.event_date:%s", id);
					if (cv_unseal(v, sec, ctx, sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4),
						      &evs, NULL) < 0) {
						r = cv_error(v, CV_ECORRUPT, "the event date of record %s is damaged or altered", id);
						goto out;
					}
					if (cv_date_parse(&ev, evs) == 0)
						f.event_date = &ev;
					free(evs);
				} else {
					miss = 1;
				}
			}
			if (!miss && cv_retention_date(&res, cls, &f) == 0)
				cv_date_format(&res, newd);
			if (miss && pending)
				(*pending)++;
		}
		if (newd[0]) {
			if (defer_floor(v, id, floor) < 0) {
				r = cv_index_dberr(v, "read review decisions");
				goto out;
			}
			if (floor[0] && strcmp(floor, newd) > 0)
				memcpy(newd, floor, sizeof(newd));
		}
		if (strcmp(newd, cv_col(st, 5)) == 0 && strcmp(hash, cv_col(st, 6)) == 0)
			continue;
		if (changed && strcmp(newd, cv_col(st, 5)))
			(*changed)++;
		sqlite3_reset(up);
		if (newd[0])
			sqlite3_bind_text(up, 1, newd, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(up, 1);
		sqlite3_bind_text(up, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(up, 3, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(up) != SQLITE_DONE) {
			r = cv_index_dberr(v, "update a retention date");
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		r = cv_index_dberr(v, "read the records");
out:
	explicit_bzero(&cf, sizeof(cf));
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	return r;
}

int cv_retention_recompute(cv_vault *v, const char *case_id, size_t *changed, size_t *pending)
{
	int r;

	/*
	 * Applying an edited schedule to records already filed can bring their
	 * destruction forward: a manager's decision (docs/legal-rules.md §14), like an approval.
	 * Closing a case or correcting a date of birth still works the case's
	 * dates out under the current policy on its own (cv_retention_recompute_tx).
	 */
	if ((r = cv_authorize(v, CV_ACT_APPROVE, case_id)) < 0)
		return r;

	if (case_id && (r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if ((r = cv_retention_prepare(v, case_id, -1)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	if ((r = cv_retention_recompute_tx(v, case_id, 0, changed, pending)) < 0) {
		cv_index_rollback(v);
		goto out;
	}
	r = cv_index_commit(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}
