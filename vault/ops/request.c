/*
 * casevault - subject access requests: open, list, show, extend, close.
 * Due dates come from calendar.c (docs/legal-rules.md §1-§3) under the vault's own
 * policies/calendar.ini; the hold on the case from retention.c (docs/legal-rules.md §4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/lock.h"
#include "crypto/seal.h"
#include "ops/case.h"
#include "ops/disclose.h"
#include "store/index.h"
#include "casevault/audit.h"
#include "casevault/calendar.h"
#include "casevault/case.h"
#include "casevault/date.h"
#include "casevault/retention.h"
#include "casevault/staff.h"

static const char *const rel_names[] = { "client", "other-parent", "child", "representative" };

int cv_relationship_parse(cv_relationship *out, const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (s && !strcmp(s, rel_names[i])) {
			*out = (cv_relationship)i;
			return 0;
		}
	return CV_EINVAL;
}

const char *cv_relationship_name(cv_relationship r)
{
	return (unsigned)r < 4 ? rel_names[r] : "unknown";
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* The vault's calendar; the message on v says what is wrong. */
static int load_calendar(cv_vault *v, cv_calendar **cal, char hash[65])
{
	cv_problems probs = CV_PROBLEMS_INIT;
	char *path = NULL;
	int r;

	if (asprintf(&path, "%s/policies/calendar.ini", v->path) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	r = cv_calendar_load(cal, path, &probs);
	if (r < 0) {
		if (probs.n)
			cv_error(v, CV_EPOLICY, "the calendar policy is invalid: %s:%d: %s; fix it (casevault policy check FILE)",
				 probs.items[0].file ? probs.items[0].file : path, probs.items[0].line, probs.items[0].msg);
		else
			cv_error(v, CV_EPOLICY, "cannot load the calendar policy %s", path);
		r = CV_EPOLICY;
	} else if (hash) {
		int64_t sz;
		/* recorded with the request: which holidays its due date was worked out under */
		if (cv_file_sha256(v, path, hash, &sz) < 0)
			hash[0] = '\0';
	}
	cv_problems_release(&probs);
	free(path);
	return r;
}

int cv_req_fetch(cv_vault *v, const char *id, cv_req_row *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (!id || strncmp(id, "REQ-", 4) || strlen(id) >= sizeof(out->id))
		return cv_error(v, CV_ENOTFOUND, "no request %.40s in this vault; see 'casevault request list'", id ? id : "");
	if ((r = cv_index_prepare(v, &st,
		"SELECT id, case_id, relationship, closed_at IS NULL, received, coalesce(extended_due, due), seq FROM requests WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no request %s in this vault; see 'casevault request list'", id);
	}
	snprintf(out->id, sizeof(out->id), "%s", col(st, 0));
	snprintf(out->case_id, sizeof(out->case_id), "%s", col(st, 1));
	cv_relationship_parse(&out->rel, col(st, 2));
	out->open = sqlite3_column_int(st, 3);
	snprintf(out->received, sizeof(out->received), "%s", col(st, 4));
	snprintf(out->due, sizeof(out->due), "%s", col(st, 5));
	out->seq = (long)sqlite3_column_int64(st, 6);
	sqlite3_finalize(st);
	return 0;
}

static int valid_text(const char *s, size_t max)
{
	size_t i, n = s ? strlen(s) : 0, blank = 1;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if (s[i] != ' ')
			blank = 0;
	}
	return !blank;
}

int cv_request_open(cv_vault *v, const cv_request_opts *o, char id_out[24])
{
	cv_calendar *cal = NULL;
	cv_date today, received, idv, start, due;
	cv_sar_facts facts;
	cv_case c;
	char rs[11], ids[11] = "", ss[11], dues[11], now[32], id[24], ctx[64], calhash[65] = "", audit_ids[64];
	sqlite3_stmt *st = NULL;
	unsigned char *sealed = NULL;
	size_t slen = 0;
	long seq = 0, hold = 0;
	int r, held = 0;

	memset(&c, 0, sizeof(c));
	if (!o || !o->case_id)
		return cv_error(v, CV_EINVAL, "no case given");
	if (!valid_text(o->requester, 200))
		return cv_error(v, CV_EINVAL, "the requester's name is missing, too long or holds control characters");
	if ((unsigned)o->relationship > CV_REL_REPRESENTATIVE)
		return cv_error(v, CV_EINVAL, "the relationship must be client, other-parent, child or representative");
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (!o->received || cv_date_parse(&received, o->received) < 0)
		return cv_error(v, CV_EINVAL, "the date received must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(&received, &today) > 0)
		return cv_error(v, CV_EINVAL, "the date received (%s) is in the future", o->received);
	if (o->id_verified) {
		if (cv_date_parse(&idv, o->id_verified) < 0)
			return cv_error(v, CV_EINVAL, "the identity verification date must be a real date written YYYY-MM-DD");
		if (cv_date_cmp(&idv, &today) > 0)
			return cv_error(v, CV_EINVAL, "the identity verification date (%s) is in the future", o->id_verified);
		if (cv_date_cmp(&idv, &received) < 0)
			return cv_error(v, CV_EINVAL, "the identity was verified (%s) before the request was received (%s); give the date of receipt or of verification", o->id_verified, o->received);
	}
	if ((r = cv_case_fetch(v, &c, o->case_id, 0)) < 0)
		return r;
	/* docs/legal-rules.md §6: the client's parental responsibility was recorded at case open. */
	if (o->relationship == CV_REL_OTHER_PARENT && !o->authority_confirmed)
		return cv_error(v, CV_EREFUSED, "a request by the other parent needs their parental responsibility checked: confirm it with --pr-confirmed (separation alone is never a reason to refuse)");
	if (o->relationship == CV_REL_REPRESENTATIVE && !o->authority_confirmed)
		return cv_error(v, CV_EREFUSED, "a representative needs the client's written authority: check it, then add --authority-confirmed");
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, o->case_id)) < 0)
		return r;
	if ((r = load_calendar(v, &cal, calhash)) < 0)
		return r;
	facts.received = &received;
	facts.identity_verified = o->id_verified ? &idv : NULL;
	facts.fee_received = NULL;
	facts.clarification_received = NULL;
	if (cv_calendar_sar_clock_start(&start, &facts) < 0 || cv_calendar_sar_due(&due, cal, &start) < 0) {
		r = cv_error(v, CV_EINVAL, "cannot work out the due date from %s", o->received);
		goto out;
	}
	cv_date_format(&received, rs);
	if (o->id_verified)
		cv_date_format(&idv, ids);
	cv_date_format(&start, ss);
	cv_date_format(&due, dues);
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		goto out;

	/* 1. The id, then the hold (committed on its own: a crash leaves the case held, never unheld). */
	if ((r = cv_index_next_id(v, "request", &seq)) < 0)
		goto out;
	snprintf(id, sizeof(id), "REQ-%04d-%04ld", received.y, seq);
	if ((r = cv_hold_place(v, CV_HOLD_REQUEST, o->case_id, NULL, id, &hold)) < 0)
		goto out;
	held = 1;

	/* 2. The request itself. */
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		goto out;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	cv_now_iso(now);
	snprintf(ctx, sizeof(ctx), "requests.requester:%s", id);
	if ((r = cv_seal_str(v, CV_SECTION_CASE, ctx, o->requester, &sealed, &slen)) < 0)
		goto rollback;
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO requests(id, seq, case_id, relationship, requester, received, id_verified, clock_start, due,"
		" authority_by, authority_at, opened_by, opened_at, calendar_hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, o->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rel_names[o->relationship], -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, sealed, (int)slen, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, rs, -1, SQLITE_STATIC);
	if (ids[0])
		sqlite3_bind_text(st, 7, ids, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_text(st, 8, ss, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, dues, -1, SQLITE_STATIC);
	if (o->authority_confirmed && (o->relationship == CV_REL_OTHER_PARENT || o->relationship == CV_REL_REPRESENTATIVE)) {
		sqlite3_bind_text(st, 10, v->actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 10);
		sqlite3_bind_null(st, 11);
	}
	sqlite3_bind_text(st, 12, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, calhash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "register the request");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	snprintf(audit_ids, sizeof(audit_ids), "%s %s", id, o->case_id);
	if ((r = cv_audit(v, "request.open", 0, audit_ids)) < 0)
		goto rollback;
	cv_crashpoint("request-open-before-commit");
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	held = 0;
	snprintf(id_out, 24, "%s", id);
	r = 0;
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	if (held) {
		/* the request was not registered: take its hold back (best effort; a stray one only keeps records) */
		char msg[sizeof(v->errmsg)];
		memcpy(msg, v->errmsg, sizeof(msg));
		cv_hold_release_ref(v, CV_HOLD_REQUEST, id, NULL);
		memcpy(v->errmsg, msg, sizeof(msg));
	}
	free(sealed);
	cv_calendar_free(cal);
	cv_case_release(&c);
	return r;
}

#define REQ_COLS "id, case_id, relationship, requester, received, id_verified, clock_start, due, extended_due," \
	" ext_reason, ext_notified, ext_grounds, opened_by, opened_at, closed_by, closed_at"

static int row_to_request(cv_vault *v, sqlite3_stmt *st, cv_request *q, int unseal, const cv_date *today)
{
	cv_date due;
	char ctx[64];
	int r;

	memset(q, 0, sizeof(*q));
	snprintf(q->id, sizeof(q->id), "%s", col(st, 0));
	snprintf(q->case_id, sizeof(q->case_id), "%s", col(st, 1));
	cv_relationship_parse(&q->relationship, col(st, 2));
	snprintf(q->received, sizeof(q->received), "%s", col(st, 4));
	snprintf(q->id_verified, sizeof(q->id_verified), "%s", col(st, 5));
	snprintf(q->clock_start, sizeof(q->clock_start), "%s", col(st, 6));
	snprintf(q->original_due, sizeof(q->original_due), "%s", col(st, 7));
	snprintf(q->extended_due, sizeof(q->extended_due), "%s", col(st, 8));
	snprintf(q->due, sizeof(q->due), "%s", q->extended_due[0] ? q->extended_due : q->original_due);
	snprintf(q->ext_notified, sizeof(q->ext_notified), "%s", col(st, 10));
	snprintf(q->ext_grounds, sizeof(q->ext_grounds), "%s", col(st, 11));
	snprintf(q->opened_by, sizeof(q->opened_by), "%s", col(st, 12));
	snprintf(q->opened_at, sizeof(q->opened_at), "%s", col(st, 13));
	snprintf(q->closed_by, sizeof(q->closed_by), "%s", col(st, 14));
	snprintf(q->closed_at, sizeof(q->closed_at), "%s", col(st, 15));
	if (cv_date_parse(&due, q->due) == 0)
		q->days_left = cv_date_to_days(&due) - cv_date_to_days(today);
	if (unseal) {
		snprintf(ctx, sizeof(ctx), "requests.requester:%s", q->id);
		if ((r = cv_unseal(v, CV_SECTION_CASE, ctx, sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
				   &q->requester, NULL)) < 0)
			return r;
		if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
			snprintf(ctx, sizeof(ctx), "requests.ext_reason:%s", q->id);
			if ((r = cv_unseal(v, CV_SECTION_CASE, ctx, sqlite3_column_blob(st, 9), (size_t)sqlite3_column_bytes(st, 9),
					   &q->ext_reason, NULL)) < 0) {
				cv_request_release(q);
				return r;
			}
		}
	}
	return 0;
}

void cv_request_release(cv_request *q)
{
	if (!q)
		return;
	if (q->requester) {
		explicit_bzero(q->requester, strlen(q->requester));
		free(q->requester);
	}
	if (q->ext_reason) {
		explicit_bzero(q->ext_reason, strlen(q->ext_reason));
		free(q->ext_reason);
	}
	q->requester = q->ext_reason = NULL;
}

int cv_request_get(cv_vault *v, cv_request *out, const char *id, int unseal)
{
	cv_req_row row;
	cv_date today;
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if ((r = cv_req_fetch(v, id, &row)) < 0)
		return r;
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, id)) < 0)
		return r;
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "SELECT " REQ_COLS " FROM requests WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = cv_error(v, CV_ENOTFOUND, "no request %s in this vault", id);
	else
		r = row_to_request(v, st, out, unseal, &today);
	sqlite3_finalize(st);
	return r;
}

int cv_request_list(cv_vault *v, int all, int unseal, cv_request **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_request *list = NULL;
	size_t cnt = 0, alloc = 0;
	cv_date today;
	int r, rc;

	*out = NULL;
	*n = 0;
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, NULL)) < 0)
		return r;
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, all ?
		"SELECT " REQ_COLS " FROM requests ORDER BY closed_at IS NOT NULL, coalesce(extended_due, due), seq" :
		"SELECT " REQ_COLS " FROM requests WHERE closed_at IS NULL ORDER BY coalesce(extended_due, due), seq")) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			cv_request *nl = reallocarray(list, na, sizeof(*nl));
			if (!nl) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nl;
			alloc = na;
		}
		if ((r = row_to_request(v, st, &list[cnt], unseal, &today)) < 0)
			goto fail;
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		r = cv_index_dberr(v, "list requests");
		goto fail;
	}
	sqlite3_finalize(st);
	if (unseal)
		cv_audit(v, "request.list", 0, NULL);
	*out = list;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	cv_request_list_free(list, cnt);
	return r;
}

void cv_request_list_free(cv_request *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		cv_request_release(&list[i]);
	free(list);
}

int cv_request_extend(cv_vault *v, const char *id, const char *reason, const char *notified,
		      int complex, int several, char due_out[11])
{
	cv_problems probs = CV_PROBLEMS_INIT;
	cv_calendar *cal = NULL;
	cv_req_row row;
	cv_date start, today, nd, ext;
	cv_sar_extension e;
	sqlite3_stmt *st = NULL;
	unsigned char *sealed = NULL;
	size_t slen = 0, i;
	char exts[11], ctx[64], grounds[32], clock[11] = "", already[11] = "", ids[64], msg[400];
	int r;

	if ((r = cv_req_fetch(v, id, &row)) < 0)
		return r;
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (!notified)
		return cv_error(v, CV_EINVAL, "an extension needs the date the requester was told (--notified DATE)");
	if (cv_date_parse(&nd, notified) < 0)
		return cv_error(v, CV_EINVAL, "the date the requester was told must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(&nd, &today) > 0)
		return cv_error(v, CV_EINVAL, "the date the requester was told (%s) is in the future", notified);
	if (reason && (strlen(reason) > 2000 || strpbrk(reason, "\r\n\t")))
		return cv_error(v, CV_EINVAL, "the reason is too long or holds control characters; keep it to one line");
	if (!row.open)
		return cv_error(v, CV_EREFUSED, "request %s is closed", id);
	if ((r = cv_index_prepare(v, &st, "SELECT clock_start, coalesce(extended_due, '') FROM requests WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(clock, sizeof(clock), "%s", col(st, 0));
		snprintf(already, sizeof(already), "%s", col(st, 1));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (already[0])
		return cv_error(v, CV_EREFUSED, "request %s was already extended (due %s); the law allows one extension of up to two months", id, already);
	if (cv_date_parse(&start, clock) < 0)
		return cv_error(v, CV_ECORRUPT, "request %s has a damaged clock start date", id);
	if ((r = load_calendar(v, &cal, NULL)) < 0)
		return r;
	e.complex = complex;
	e.one_of_several = several;
	e.reason = reason;
	e.notified = &nd;
	r = cv_calendar_sar_extend(&ext, cal, &start, &e, &probs);
	if (r == CV_EREFUSED) {
		size_t off = 0;
		msg[0] = '\0';
		for (i = 0; i < probs.n && off < sizeof(msg); i++)
			off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s%s", i ? "; " : "", probs.items[i].msg);
		r = cv_error(v, CV_EREFUSED, "request %s cannot be extended: %s", id, msg);
		goto out;
	} else if (r < 0) {
		r = cv_error(v, CV_EINVAL, "cannot work out the extended due date");
		goto out;
	}
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, id)) < 0)
		goto out;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		goto out;
	cv_date_format(&ext, exts);
	snprintf(grounds, sizeof(grounds), "%s%s%s", complex ? "complex" : "", complex && several ? "," : "",
		 several ? "several" : "");
	snprintf(ctx, sizeof(ctx), "requests.ext_reason:%s", id);
	if ((r = cv_seal_str(v, CV_SECTION_CASE, ctx, reason, &sealed, &slen)) < 0)
		goto out;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		goto out;
	if ((r = cv_index_begin(v)) < 0)
		goto unlock;
	if ((r = cv_index_prepare(v, &st,
		"UPDATE requests SET extended_due = ?, ext_reason = ?, ext_notified = ?, ext_grounds = ?"
		" WHERE id = ? AND extended_due IS NULL AND closed_at IS NULL")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, exts, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, sealed, (int)slen, SQLITE_STATIC);
	cv_date_format(&nd, clock);
	sqlite3_bind_text(st, 3, clock, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, grounds, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(v->db) != 1) {
		r = sqlite3_changes(v->db) == 0 ? cv_error(v, CV_EREFUSED, "request %s changed meanwhile; try again", id)
						 : cv_index_dberr(v, "extend the request");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	snprintf(ids, sizeof(ids), "%s %s", id, row.case_id);
	if ((r = cv_audit(v, "request.extend", 0, ids)) < 0)
		goto rollback;
	if ((r = cv_index_commit(v)) < 0)
		goto unlock;
	if (due_out)
		snprintf(due_out, 11, "%s", exts);
	r = 0;
	goto unlock;
rollback:
	sqlite3_finalize(st);
	cv_index_rollback(v);
unlock:
	cv_vault_unlock_writer(v);
out:
	free(sealed);
	cv_problems_release(&probs);
	cv_calendar_free(cal);
	return r;
}

static int standing_hold(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int found;

	if (cv_index_prepare(v, &st, "SELECT 1 FROM holds WHERE kind = 'request' AND ref = ? AND released_at IS NULL") < 0)
		return 0;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int cv_request_close(cv_vault *v, const char *id)
{
	cv_req_row row;
	sqlite3_stmt *st = NULL;
	char now[32], ids[64];
	size_t released = 0;
	int r;

	if ((r = cv_req_fetch(v, id, &row)) < 0)
		return r;
	if (!row.open && !standing_hold(v, id))
		return cv_error(v, CV_EREFUSED, "request %s is already closed", id);
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, id)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s %s", id, row.case_id);
	if (row.open) {
		/* closed first, hold released after: a crash between leaves the case held */
		if ((r = cv_vault_lock_writer(v, 1)) < 0)
			return r;
		if ((r = cv_index_begin(v)) < 0)
			goto unlock;
		cv_now_iso(now);
		if ((r = cv_index_prepare(v, &st, "UPDATE requests SET closed_by = ?, closed_at = ? WHERE id = ? AND closed_at IS NULL")) < 0)
			goto rollback;
		sqlite3_bind_text(st, 1, v->actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = cv_index_dberr(v, "close the request");
			goto rollback;
		}
		sqlite3_finalize(st);
		st = NULL;
		if ((r = cv_audit(v, "request.close", 0, ids)) < 0)
			goto rollback;
		if ((r = cv_index_commit(v)) < 0)
			goto unlock;
		cv_vault_unlock_writer(v);
		cv_crashpoint("request-close-before-release");
	}
	if ((r = cv_hold_release_ref(v, CV_HOLD_REQUEST, id, &released)) < 0)
		return r;
	if (!row.open)
		cv_audit(v, "request.close", 0, ids);
	return 0;
rollback:
	sqlite3_finalize(st);
	cv_index_rollback(v);
unlock:
	cv_vault_unlock_writer(v);
	return r;
}
