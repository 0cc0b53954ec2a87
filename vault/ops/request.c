/*
 * casevault - subject access requests: open, list, show, extend, close.
 * Due dates come from calendar.c (docs/legal-rules.md §1-§3) under the vault's own
 * policies/calendar.ini; the hold on the case from retention.c (docs/legal-rules.md §4).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/lock.h"
#include "crypto/seal.h"
#include "ops/case.h"
#include "ops/disclose.h"
#include "ops/request_rights.h"
#include "store/db_requests.h"
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
	int i = cv_text_pick(rel_names, 4, s);

	return i < 0 ? CV_EINVAL : (*out = (cv_relationship)i, 0);
}

const char *cv_relationship_name(cv_relationship r)
{
	return (unsigned)r < 4 ? rel_names[r] : "unknown";
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
	cv_db_request_state row;
	int r;

	memset(out, 0, sizeof(*out));
	if (!id || strncmp(id, "REQ-", 4) || strlen(id) >= sizeof(out->id))
		return cv_error(v, CV_ENOTFOUND, "no request %.40s in this vault; see 'casevault request list'", id ? id : "");
	if ((r = cv_db_request_state_get(v, id, &row)) < 0)
		return r;
	snprintf(out->id, sizeof(out->id), "%s", row.id);
	snprintf(out->case_id, sizeof(out->case_id), "%s", row.case_id);
	cv_relationship_parse(&out->rel, row.relationship);
	out->open = row.open;
	snprintf(out->received, sizeof(out->received), "%s", row.received);
	snprintf(out->due, sizeof(out->due), "%s", row.due);
	out->seq = row.seq;
	return 0;
}

/* The dates of a new request, checked against today (docs/legal-rules.md §1-§2). */
static int check_open_dates(cv_vault *v, const cv_request_opts *o, cv_date *received, cv_date *idv)
{
	cv_date today;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (!o->received || cv_date_parse(received, o->received) < 0)
		return cv_error(v, CV_EINVAL, "the date received must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(received, &today) > 0)
		return cv_error(v, CV_EINVAL, "the date received (%s) is in the future", o->received);
	if (o->id_verified) {
		if (cv_date_parse(idv, o->id_verified) < 0)
			return cv_error(v, CV_EINVAL, "the identity verification date must be a real date written YYYY-MM-DD");
		if (cv_date_cmp(idv, &today) > 0)
			return cv_error(v, CV_EINVAL, "the identity verification date (%s) is in the future", o->id_verified);
		if (cv_date_cmp(idv, received) < 0)
			return cv_error(v, CV_EINVAL, "the identity was verified (%s) before the request was received (%s); give the date of receipt or of verification", o->id_verified, o->received);
	}
	return 0;
}

struct open_tx {
	const cv_request_opts *o;
	cv_db_request_new q;
};

/* The request's row and its audit event, in one transaction (the hold is already placed). */
static int open_tx(cv_vault *v, void *hook)
{
	struct open_tx *t = hook;
	const cv_request_opts *o = t->o;
	char now[32], audit_ids[64];
	int r, authority;

	cv_now_iso(now);
	authority = o->authority_confirmed && (o->relationship == CV_REL_OTHER_PARENT || o->relationship == CV_REL_REPRESENTATIVE);
	t->q.authority_by = authority ? v->actor : NULL;
	t->q.authority_at = authority ? now : NULL;
	t->q.opened_by = v->actor;
	t->q.opened_at = now;
	snprintf(audit_ids, sizeof(audit_ids), "%s %s", t->q.id, o->case_id);
	if ((r = cv_db_request_insert(v, &t->q)) < 0 || (r = cv_rights_open_tx(v, t->q.id, o, now)) < 0 ||
	    (r = cv_audit(v, "request.open", 0, audit_ids)) < 0)
		return r;
	cv_crashpoint("request-open-before-commit");
	return 0;
}

int cv_request_open(cv_vault *v, const cv_request_opts *o, char id_out[24])
{
	cv_calendar *cal = NULL;
	cv_date received, idv, start, due;
	cv_sar_facts facts;
	struct open_tx t;
	cv_case c;
	char rs[11], ids[11] = "", ss[11], dues[11], id[24], calhash[65] = "";
	long seq = 0, hold = 0;
	int r, held = 0;

	memset(&c, 0, sizeof(c));
	if (!o || !o->case_id)
		return cv_error(v, CV_EINVAL, "no case given");
	if (!cv_text_one_line(o->requester, 200))
		return cv_error(v, CV_EINVAL, "the requester's name is missing, too long or holds control characters");
	if ((unsigned)o->relationship > CV_REL_REPRESENTATIVE)
		return cv_error(v, CV_EINVAL, "the relationship must be client, other-parent, child or representative");
	if ((r = check_open_dates(v, o, &received, &idv)) < 0 || (r = cv_rights_check(v, o)) < 0)
		return r;
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
	/* only subject access holds its case: the other rights are answered by changing records (request_rights.c) */
	if (cv_rights_is_access(o) && (r = cv_hold_place(v, CV_HOLD_REQUEST, o->case_id, NULL, id, &hold)) < 0)
		goto out;
	held = cv_rights_is_access(o);

	/* 2. The request itself. */
	memset(&t, 0, sizeof(t));
	t.o = o;
	t.q.id = id;
	t.q.seq = seq;
	t.q.case_id = o->case_id;
	t.q.relationship = rel_names[o->relationship];
	t.q.requester = o->requester;
	t.q.received = rs;
	t.q.id_verified = ids[0] ? ids : NULL;
	t.q.clock_start = ss;
	t.q.due = dues;
	t.q.calendar_hash = calhash;
	if ((r = cv_vault_write_tx(v, open_tx, &t)) < 0)
		goto out;
	held = 0;
	snprintf(id_out, 24, "%s", id);
out:
	cv_vault_unlock_writer(v);
	if (held) {
		/* the request was not registered: take its hold back (best effort; a stray one only keeps records) */
		char msg[sizeof(v->errmsg)];
		memcpy(msg, v->errmsg, sizeof(msg));
		cv_hold_release_ref(v, CV_HOLD_REQUEST, id, NULL);
		memcpy(v->errmsg, msg, sizeof(msg));
	}
	cv_calendar_free(cal);
	cv_case_release(&c);
	return r;
}

/* The API's view of a stored row: its relationship and the days left. */
static void finish_request(cv_db_request *row, const cv_date *today, cv_request *q)
{
	cv_date due;

	*q = row->q;
	cv_relationship_parse(&q->relationship, row->relationship);
	if (cv_date_parse(&due, q->due) == 0)
		q->days_left = cv_date_to_days(&due) - cv_date_to_days(today);
}

void cv_request_release(cv_request *q)
{
	if (!q)
		return;
	cv_wipe_free(q->requester);
	cv_wipe_free(q->ext_reason);
	cv_wipe_free(q->pause_reason);
	q->requester = q->ext_reason = q->pause_reason = NULL;
}

int cv_request_get(cv_vault *v, cv_request *out, const char *id, int unseal)
{
	cv_req_row req;
	cv_db_request row;
	cv_date today;
	int r;

	memset(out, 0, sizeof(*out));
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if ((r = cv_req_fetch(v, id, &req)) < 0)
		return r;
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, id)) < 0)
		return r;
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_db_request_get(v, id, unseal, &row)) < 0)
		return r;
	finish_request(&row, &today, out);
	return 0;
}

struct req_list {
	cv_vault *v;
	cv_request *items;
	size_t n, cap;
	cv_date today;
};

static int add_request(void *hook, cv_db_request *row)
{
	struct req_list *l = hook;

	if (CV_ARRAY_GROW(&l->items, &l->cap, l->n) < 0) {
		cv_wipe_free(row->q.requester);
		cv_wipe_free(row->q.ext_reason);
		return cv_error(l->v, CV_ERROR, "out of memory");
	}
	finish_request(row, &l->today, &l->items[l->n++]);
	return 0;
}

static void drop_request(void *item)
{
	cv_request_release(item);
}

int cv_request_list(cv_vault *v, int all, int unseal, cv_request **out, size_t *n)
{
	struct req_list l;
	int r;

	*out = NULL;
	*n = 0;
	memset(&l, 0, sizeof(l));
	l.v = v;
	if (cv_date_today(&l.today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, NULL)) < 0)
		return r;
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	/* a caseworker lists only the requests of their cases (docs/security.md, Case assignment) */
	if ((r = cv_db_request_each(v, all, unseal, add_request, &l)) < 0 ||
	    (r = cv_authz_keep_visible(v, l.items, sizeof(*l.items), offsetof(cv_request, case_id), &l.n, drop_request)) < 0) {
		cv_request_list_free(l.items, l.n);
		return r;
	}
	if (unseal)
		cv_audit(v, "request.list", 0, NULL);
	*out = l.items;
	*n = l.n;
	return 0;
}

void cv_request_list_free(cv_request *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		cv_request_release(&list[i]);
	free(list);
}

/* The date the requester was told of an extension, and the reason: both checked. */
static int check_extend_args(cv_vault *v, const char *reason, const char *notified, cv_date *nd)
{
	cv_date today;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (!notified)
		return cv_error(v, CV_EINVAL, "an extension needs the date the requester was told (--notified DATE)");
	if (cv_date_parse(nd, notified) < 0)
		return cv_error(v, CV_EINVAL, "the date the requester was told must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(nd, &today) > 0)
		return cv_error(v, CV_EINVAL, "the date the requester was told (%s) is in the future", notified);
	if (reason && (strlen(reason) > 2000 || strpbrk(reason, "\r\n\t")))
		return cv_error(v, CV_EINVAL, "the reason is too long or holds control characters; keep it to one line");
	return 0;
}

/* The extended due date under the vault's calendar (docs/legal-rules.md §3). */
static int work_extension(cv_vault *v, const char *id, const cv_date *start, cv_sar_extension *e, cv_date *ext)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	cv_calendar *cal = NULL;
	char msg[400];
	size_t i, off = 0;
	int r;

	if ((r = load_calendar(v, &cal, NULL)) < 0)
		return r;
	r = cv_calendar_sar_extend(ext, cal, start, e, &probs);
	if (r == CV_EREFUSED) {
		msg[0] = '\0';
		for (i = 0; i < probs.n && off < sizeof(msg); i++)
			off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s%s", i ? "; " : "", probs.items[i].msg);
		r = cv_error(v, CV_EREFUSED, "request %s cannot be extended: %s", id, msg);
	} else if (r < 0) {
		r = cv_error(v, CV_EINVAL, "cannot work out the extended due date");
	}
	cv_problems_release(&probs);
	cv_calendar_free(cal);
	return r;
}

static const char *told_date(const cv_date *d, char buf[11])
{
	cv_date_format(d, buf);
	return buf;
}

struct extend_tx {
	const char *id, *due, *reason, *told, *grounds, *ids;
};

static int extend_tx(cv_vault *v, void *hook)
{
	struct extend_tx *t = hook;
	int r;

	if ((r = cv_db_request_extend(v, t->id, t->due, t->reason, t->told, t->grounds)) < 0)
		return r;
	return cv_audit(v, "request.extend", 0, t->ids);
}

int cv_request_extend(cv_vault *v, const char *id, const char *reason, const char *notified,
		      int complex, int several, char due_out[11])
{
	cv_req_row row;
	cv_date start, nd, ext;
	cv_sar_extension e;
	struct extend_tx t;
	char exts[11], grounds[32], clock[11] = "", already[11] = "", told[11], ids[64];
	int r;

	if ((r = cv_req_fetch(v, id, &row)) < 0)
		return r;
	if ((r = check_extend_args(v, reason, notified, &nd)) < 0)
		return r;
	/* docs/legal-rules.md §1: the requester cannot be told of an extension before asking */
	if (strcmp(told_date(&nd, told), row.received) < 0)
		return cv_error(v, CV_EINVAL, "a notice of extension cannot predate the request: %s was received %s, the notice is dated %s; give the date the requester was told",
				id, row.received, told);
	if (!row.open)
		return cv_error(v, CV_EREFUSED, "request %s is closed", id);
	if ((r = cv_db_request_clock(v, id, clock, already)) < 0)
		return r;
	if (already[0])
		return cv_error(v, CV_EREFUSED, "request %s was already extended (due %s); the law allows one extension of up to two months", id, already);
	if (cv_date_parse(&start, clock) < 0)
		return cv_error(v, CV_ECORRUPT, "request %s has a damaged clock start date", id);
	e.complex = complex;
	e.one_of_several = several;
	e.reason = reason;
	e.notified = &nd;
	if ((r = work_extension(v, id, &start, &e, &ext)) < 0)
		return r;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, id)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	cv_date_format(&ext, exts);
	snprintf(grounds, sizeof(grounds), "%s%s%s", complex ? "complex" : "", complex && several ? "," : "",
		 several ? "several" : "");
	snprintf(ids, sizeof(ids), "%s %s", id, row.case_id);
	t.id = id;
	t.due = exts;
	t.reason = reason;
	t.told = told;
	t.grounds = grounds;
	t.ids = ids;
	if ((r = cv_vault_write_tx(v, extend_tx, &t)) < 0)
		return r;
	if (due_out)
		snprintf(due_out, 11, "%s", exts);
	return 0;
}

static int close_tx(cv_vault *v, void *hook)
{
	const char *const *idv = hook;   /* the request, the audit ids */
	char now[32];
	int r;

	cv_now_iso(now);
	if ((r = cv_db_request_close(v, idv[0], v->actor, now)) < 0)
		return r;
	return cv_audit(v, "request.close", 0, idv[1]);
}

int cv_request_close(cv_vault *v, const char *id)
{
	cv_req_row row;
	char ids[64];
	size_t released = 0;
	int r;

	if ((r = cv_req_fetch(v, id, &row)) < 0)
		return r;
	if (!row.open && !cv_db_request_hold_stands(v, id))
		return cv_error(v, CV_EREFUSED, "request %s is already closed", id);
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, id)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s %s", id, row.case_id);
	if (row.open) {
		const char *idv[2] = { id, ids };

		/* closed first, hold released after: a crash between leaves the case held */
		if ((r = cv_vault_write_tx(v, close_tx, (void *)idv)) < 0)
			return r;
		cv_crashpoint("request-close-before-release");
	}
	if ((r = cv_hold_release_ref(v, CV_HOLD_REQUEST, id, &released)) < 0)
		return r;
	if (!row.open)
		cv_audit(v, "request.close", 0, ids);
	return 0;
}

/* ---- the clock: pause, resume, identity verified after registration (docs/legal-rules.md §1) ---- */

/* An open, unextended request (its clock in q) and a real date on or after receipt, not in the future. */
static int clock_args(cv_vault *v, const char *id, const char *date, cv_req_row *row, cv_date *d,
		      cv_request *q)
{
	cv_db_request full;
	cv_date today;
	int r;

	if ((r = cv_req_fetch(v, id, row)) < 0)
		return r;
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (!date)
		date = "";
	if (cv_date_parse(d, date) < 0)
		return cv_error(v, CV_EINVAL, "the date must be a real date written YYYY-MM-DD (--date D)");
	if (cv_date_cmp(d, &today) > 0)
		return cv_error(v, CV_EINVAL, "the date %s is in the future", date);
	if (!row->open)
		return cv_error(v, CV_EREFUSED, "request %s is closed", id);
	if ((r = cv_db_request_get(v, id, 0, &full)) < 0)
		return r;
	*q = full.q;
	/* an extension was worked out from this clock and told to the requester: it stands */
	if (q->extended_due[0])
		return cv_error(v, CV_EREFUSED, "request %s was extended (due %s): its clock can no longer move", id, q->extended_due);
	if (strcmp(date, row->received) < 0)
		return cv_error(v, CV_EINVAL, "%s is before request %s was received (%s)", date, id, row->received);
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, id)) < 0)
		return r;
	return cv_require_key(v, CV_SECTION_CASE);
}

struct clock_tx {
	const char *id, *event, *ids;
	const char *since, *reason;              /* pause */
	const char *start, *due, *id_verified;   /* resume, verify-id */
};

static int clock_tx(cv_vault *v, void *hook)
{
	struct clock_tx *t = hook;
	int r;

	r = t->since ? cv_db_request_pause(v, t->id, t->since, t->reason)
		     : cv_db_request_clock_set(v, t->id, t->start, t->due, t->id_verified);
	if (r < 0)
		return r;
	return cv_audit(v, t->event, 0, t->ids);
}

int cv_request_pause(cv_vault *v, const char *id, const char *reason, const char *date)
{
	struct clock_tx t;
	cv_req_row row;
	cv_request q;
	cv_date d;
	char ds[11], ids[64];
	int r;

	if (!cv_text_one_line(reason, 2000))
		return cv_error(v, CV_EINVAL, "a pause needs a reason (--reason TEXT, one line): what the office is waiting for");
	if ((r = clock_args(v, id, date, &row, &d, &q)) < 0)
		return r;
	if (q.paused_since[0])
		return cv_error(v, CV_EREFUSED, "request %s is already paused (since %s); resume it first", id, q.paused_since);
	if (strcmp(date, q.clock_start) < 0)
		return cv_error(v, CV_EINVAL, "the clock of request %s started on %s: it cannot stop before (%s)", id, q.clock_start, date);
	memset(&t, 0, sizeof(t));
	t.id = id;
	t.event = "request.pause";
	snprintf(ids, sizeof(ids), "%s %s", id, row.case_id);
	t.ids = ids;
	t.since = told_date(&d, ds);
	t.reason = reason;
	return cv_vault_write_tx(v, clock_tx, &t);
}

/* The clock starts on start: the due date as if the request were received that day (§2). */
static int restart_clock(cv_vault *v, const cv_req_row *row, const char *event, const cv_date *start,
			 const char *id_verified, char due_out[11])
{
	cv_calendar *cal = NULL;
	struct clock_tx t;
	cv_date due;
	char ss[11], dues[11], ids[64];
	int r;

	if ((r = load_calendar(v, &cal, NULL)) < 0)
		return r;
	r = cv_calendar_sar_due(&due, cal, start);
	cv_calendar_free(cal);
	if (r < 0)
		return cv_error(v, CV_EINVAL, "cannot work out the due date of request %s", row->id);
	memset(&t, 0, sizeof(t));
	t.id = row->id;
	t.event = event;
	snprintf(ids, sizeof(ids), "%s %s", row->id, row->case_id);
	t.ids = ids;
	t.start = told_date(start, ss);
	t.due = told_date(&due, dues);
	t.id_verified = id_verified;
	if ((r = cv_vault_write_tx(v, clock_tx, &t)) < 0)
		return r;
	if (due_out)
		snprintf(due_out, 11, "%s", dues);
	return 0;
}

int cv_request_resume(cv_vault *v, const char *id, const char *date, char due_out[11])
{
	cv_req_row row;
	cv_request q;
	cv_date d;
	int r;

	if ((r = clock_args(v, id, date, &row, &d, &q)) < 0)
		return r;
	if (!q.paused_since[0])
		return cv_error(v, CV_EREFUSED, "request %s is not paused; its clock is running", id);
	if (strcmp(date, q.paused_since) < 0)
		return cv_error(v, CV_EINVAL, "request %s was paused on %s: it cannot resume before (%s)", id, q.paused_since, date);
	return restart_clock(v, &row, "request.resume", &d, NULL, due_out);
}

int cv_request_verify_id(cv_vault *v, const char *id, const char *date, char due_out[11])
{
	cv_req_row row;
	cv_request q;
	cv_date d, start;
	char ds[11];
	int r;

	if ((r = clock_args(v, id, date, &row, &d, &q)) < 0)
		return r;
	if (q.id_verified[0])
		return cv_error(v, CV_EREFUSED, "the identity of request %s was already verified on %s", id, q.id_verified);
	/* checked before a pause began, it is not what the office is waiting for */
	if (q.paused_since[0] && strcmp(date, q.paused_since) < 0)
		return cv_error(v, CV_EINVAL, "request %s was paused on %s, after %s: record the identity check and resume it with 'casevault request resume'", id, q.paused_since, date);
	/* the latest of receipt, identity and (resumed) clarification starts the clock */
	if (cv_date_parse(&start, q.clock_start) < 0)
		return cv_error(v, CV_ECORRUPT, "request %s has a damaged clock start date", id);
	if (cv_date_cmp(&d, &start) > 0 || q.paused_since[0])
		start = d;
	return restart_clock(v, &row, "request.verify-id", &start, told_date(&d, ds), due_out);
}
