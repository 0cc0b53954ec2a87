/*
 * casevault - decisions on the records in a request's scope, and redacted
 * copies attached in an original's place (docs/legal-rules.md §7-§9).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handle.h"
#include "core/lock.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "crypto/seal.h"
#include "ops/disclose.h"
#include "ops/filing_docs.h"
#include "rules/redpolicy.h"
#include "store/db_disclose.h"
#include "store/db_people.h"
#include "casevault/audit.h"
#include "casevault/record.h"
#include "casevault/staff.h"

/* record_id must be a record of req's case (not a copy): its section, mime and class. */
static int in_scope(cv_vault *v, const cv_req_row *req, const char *record_id, cv_section *sec, char mime[96], char cls[64])
{
	char case_id[24] = "", orig[16];
	int r;

	if (!record_id || strncmp(record_id, "R-", 2) || strlen(record_id) >= 16)
		return cv_error(v, CV_ENOTFOUND, "no record %.40s in this vault", record_id ? record_id : "");
	if ((r = cv_db_disclose_record(v, record_id, case_id, sec, mime, cls)) < 0)
		return r;
	if (!r)
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault; see 'casevault request show %s'", record_id, req->id);
	if (strcmp(case_id, req->case_id)) {
		/* docs/legal-rules.md §7: the other side of a separated family is never in scope */
		if ((r = cv_db_link_exists(v, case_id, req->case_id)) < 0)
			return r;
		if (r)
			return cv_error(v, CV_EREFUSED, "record %s belongs to the linked case %s: records of the other side of a separated family are never disclosed in request %s",
					record_id, case_id, req->id);
		return cv_error(v, CV_EREFUSED, "record %s is not in the scope of request %s (it belongs to %s, not %s)",
				record_id, req->id, case_id[0] ? case_id : "no case", req->case_id);
	}
	if ((r = cv_db_disclose_copy_of(v, record_id, orig)) < 0)
		return r;
	if (r)
		return cv_error(v, CV_EREFUSED, "record %s is a redacted copy of %s; decide on the original", record_id, orig);
	return 0;
}

/* An open request, a record in its scope, and the redaction policy; closed: what follows "is closed". */
static int open_in_scope(cv_vault *v, const char *req_id, const char *record_id, const char *closed,
			 cv_req_row *req, cv_section *sec, char mime[96], char cls[64], cv_rpolicy **pol)
{
	int r;

	if ((r = cv_req_fetch(v, req_id, req)) < 0)
		return r;
	if (!req->open)
		return cv_error(v, CV_EREFUSED, "request %s is closed%s", req_id, closed);
	if ((r = in_scope(v, req, record_id, sec, mime, cls)) < 0)
		return r;
	return cv_rpolicy_vault(v, pol);
}

/* docs/legal-rules.md §8: child-protection material is read and released only by a cp-lead or manager. */
static int may_read(cv_vault *v, cv_section sec, const char *ids)
{
	int r;

	if ((r = cv_authorize(v, sec == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, ids)) < 0)
		return r;
	return cv_require_key(v, sec);
}

/* docs/legal-rules.md §8: Sch 3 para 21 is a parent's ground about a child under 18, nobody else's. */
static int para21_covers(cv_vault *v, const cv_req_row *req, const char *ground)
{
	int r;

	if (strcmp(ground, "sch3-para21"))
		return 0;
	if ((r = cv_req_para21(v, req->id, req->case_id, (int)req->rel, req->received)) != 0)
		return r < 0 ? r : 0;
	return cv_error(v, CV_EREFUSED, "sch3-para21 covers only a request by a person with parental responsibility about a child under 18, and %s; withhold on sch3-para7 (serious harm) or sch2-para16 (third party)",
			req->rel == CV_REL_CHILD ? "this is the child's own request" :
			req->rel == CV_REL_REPRESENTATIVE ? "this representative has no recorded authority from the client" :
			"the child was 18 on the day it was received or the date of birth is not recorded");
}

/* Decisions (one per record) and one audit event each, "REQ RECORD" (docs/architecture.md, The audit trail). */
struct decision_tx {
	cv_db_decision_new *n;
	char (*ids)[80];
	size_t count;
	const char *event;
};

static int decision_tx(cv_vault *v, void *hook)
{
	struct decision_tx *t = hook;
	char now[32];
	size_t i;
	int r;

	cv_now_iso(now);
	for (i = 0; i < t->count; i++) {
		t->n[i].decided_at = now;
		if ((r = cv_db_decision_insert(v, &t->n[i])) < 0 || (r = cv_audit(v, t->event, 0, t->ids[i])) < 0)
			return r;
	}
	return 0;
}

static void fill_decision(cv_vault *v, cv_db_decision_new *n, const cv_req_row *req, const char *record_id,
			  cv_section sec, cv_decision d, const char *ground, const char *reason, const char *policy_hash)
{
	memset(n, 0, sizeof(*n));
	n->request_id = req->id;
	n->record_id = record_id;
	n->section = sec;
	n->decision = cv_decision_name(d);
	n->ground = ground;
	n->reason = reason;
	n->decided_by = v->actor;
	n->decider_role = v->actor_role;
	n->policy_hash = policy_hash;
}

/* What every record of one decision shares: the request, its policy and the choice. */
struct decide_args {
	cv_req_row req;
	cv_rpolicy *pol;
	cv_decision d;
	const char *ground, *reason;
};

/* The decision itself: one of the three, a reason, a policy ground for a withholding. */
static int check_decision(cv_vault *v, const char *req_id, struct decide_args *a)
{
	int r;

	if (a->d != CV_DEC_RELEASE && a->d != CV_DEC_REDACT && a->d != CV_DEC_WITHHOLD)
		return cv_error(v, CV_EINVAL, "a decision is --release, --redact or --withhold GROUND");
	if (!cv_text_one_line(a->reason, 2000))
		return cv_error(v, CV_EINVAL, "a decision needs a reason (--reason R, one line)");
	if (a->d != CV_DEC_WITHHOLD && a->ground)
		return cv_error(v, CV_EINVAL, "a ground goes with --withhold only");
	if ((r = cv_req_fetch(v, req_id, &a->req)) < 0)
		return r;
	if (!a->req.open)
		return cv_error(v, CV_EREFUSED, "request %s is closed; its decisions can no longer change", req_id);
	if ((r = cv_rpolicy_vault(v, &a->pol)) < 0)
		return r;
	if (a->d == CV_DEC_WITHHOLD && !cv_rpolicy_ground(a->pol, a->ground))
		return cv_error(v, CV_EINVAL, "'%.40s' is not a ground of the redaction policy; see [grounds] in policies/redaction.ini",
				a->ground ? a->ground : "");
	return a->d == CV_DEC_WITHHOLD ? para21_covers(v, &a->req, a->ground) : 0;
}

/* One record: in scope, redactable when redacted, readable by the actor; its row and event ids. */
static int check_record(cv_vault *v, const struct decide_args *a, const char *record_id,
			cv_db_decision_new *n, char ids[80])
{
	cv_section sec;
	char mime[96], cls[64];
	int r;

	if ((r = in_scope(v, &a->req, record_id, &sec, mime, cls)) < 0)
		return r;
	if (a->d == CV_DEC_REDACT && !cv_rpolicy_is_text(a->pol, mime))
		return cv_error(v, CV_EREFUSED, "record %s is %s, which casevault cannot redact; attach a redacted copy with 'casevault request attach %s %s PATH'",
				record_id, mime, a->req.id, record_id);
	snprintf(ids, 80, "%s %s", a->req.id, record_id);
	if ((r = may_read(v, sec, ids)) < 0)
		return r;
	fill_decision(v, n, &a->req, record_id, sec, a->d, a->ground, a->reason, a->pol->hash);
	return 0;
}

/* A record named twice: the second would be a second decision in one command. */
static int named_twice(cv_vault *v, const char *const *records, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(records[i], records[j]))
				return cv_error(v, CV_EINVAL, "record %.40s is named twice; name each record once", records[i]);
	return 0;
}

int cv_request_decide_many(cv_vault *v, const char *req_id, const char *const *records, size_t count,
			   cv_decision d, const char *ground, const char *reason)
{
	struct decide_args a = { .d = d, .ground = ground, .reason = reason };
	struct decision_tx t = { NULL, NULL, count, "request.decide" };
	size_t i;
	int r;

	if (!count)
		return cv_error(v, CV_EINVAL, "name at least one record to decide on");
	if ((r = named_twice(v, records, count)) < 0 || (r = check_decision(v, req_id, &a)) < 0)
		goto out;
	t.n = calloc(count, sizeof(*t.n));
	t.ids = calloc(count, sizeof(*t.ids));
	if (!t.n || !t.ids) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	/* docs/legal-rules.md §7-§8: every record passes before any decision is written (all or nothing) */
	for (i = 0; i < count; i++)
		if ((r = check_record(v, &a, records[i], &t.n[i], t.ids[i])) < 0)
			goto out;
	r = cv_vault_write_tx(v, decision_tx, &t);
out:
	free(t.n);
	free(t.ids);
	cv_rpolicy_free(a.pol);
	return r;
}

int cv_request_decide(cv_vault *v, const char *req_id, const char *record_id, cv_decision d,
		      const char *ground, const char *reason)
{
	return cv_request_decide_many(v, req_id, &record_id, 1, d, ground, reason);
}

/*
 * A "redacted copy" with exactly the original's bytes is the original,
 * unredacted: attaching it would disclose everything redaction was meant
 * to remove (a scan's text cannot be checked by the bundle's check).
 */
static int refuse_unchanged(cv_vault *v, const char *record_id, cv_section sec, const cv_file_item *in)
{
	const char *path = in->path;
	char *orig = NULL, got[65];
	int fd, r;

	if ((r = cv_db_disclose_sealed(v, record_id, sec, "sha256", &orig)) < 0)
		return r;
	fd = cv_filing_doc_fd(in);
	if (fd >= 0) {
		struct stat sb;

		/* the filing's own checks say what is wrong with anything else */
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && cv_fd_sha256(fd, got, NULL) == 0 &&
		    orig && !strcmp(orig, got))
			r = cv_error(v, CV_EREFUSED, "%s is %s itself, unchanged: redact it (black out, re-scan or edit) and attach the redacted file",
				     path, record_id);
		close(fd);
	}
	free(orig);
	return r;
}

/* File the copy in the original's case, section and class, keeping its event date. */
/*
 * The redacted copy's decision, written in the copy's own filing commit
 * (cv_vault.filing_also): the copy filed and the original marked "copy",
 * or neither (docs/recovery.md, Fault injection).  A copy filed without its
 * decision would be an ordinary record of the case, in the request's scope
 * with a default decision of its own.
 */
struct attach {
	cv_db_decision_new n;
	const cv_file_item *it;
	const char *req_id, *record_id;
};

static int attach_decision(cv_vault *v, void *arg)
{
	struct attach *a = arg;
	char id1[1][80];
	struct decision_tx t = { &a->n, id1, 1, "request.attach" };

	a->n.copy_record = a->it->record_id;
	snprintf(id1[0], sizeof(id1[0]), "%s %s %s", a->req_id, a->record_id, a->it->record_id);
	return decision_tx(v, &t);
}

static int file_copy(cv_vault *v, const cv_req_row *req, const char *record_id, cv_section sec,
		     char cls[64], const char *path, int fd, cv_file_item *it, struct attach *a)
{
	char title[64], *ev = NULL;
	int r;

	/* the copy keeps the original's event date (its place in the bundle's order) */
	if ((r = cv_db_disclose_sealed(v, record_id, sec, "event_date", &ev)) < 0)
		return r;
	memset(it, 0, sizeof(*it));
	it->path = path;
	it->has_fd = fd >= 0;
	it->fd = fd;
	if ((r = refuse_unchanged(v, record_id, sec, it)) < 0)
		goto out;
	it->case_id = req->case_id;
	it->section = sec;
	it->class_name = cls;
	snprintf(title, sizeof(title), "Redacted copy of %s for %s", record_id, req->id);
	it->title = title;
	it->date = ev;
	a->it = it;
	v->filing_also = attach_decision;
	v->filing_also_arg = a;
	/* the same copy may serve two requests: only the original itself is refused (above) */
	r = cv_file(v, it, 1, CV_FILE_ALLOW_DUPLICATES, NULL, NULL, NULL);
	v->filing_also = NULL;
	v->filing_also_arg = NULL;
	it->title = NULL;
	it->date = NULL;
out:
	free(ev);
	return r;
}

int cv_request_attach(cv_vault *v, const char *req_id, const char *record_id, const char *path,
		      char copy_out[16])
{
	return cv_request_attach_fd(v, req_id, record_id, path, -1, copy_out);
}

int cv_request_attach_fd(cv_vault *v, const char *req_id, const char *record_id, const char *path, int fd,
			 char copy_out[16])
{
	cv_rpolicy *pol = NULL;
	cv_req_row req;
	cv_section sec;
	cv_file_item it;
	struct attach a;
	char mime[96], cls[64], ids[80];
	int r;

	if (!path || !*path)
		return cv_error(v, CV_EINVAL, "no redacted copy given");
	if ((r = open_in_scope(v, req_id, record_id, "", &req, &sec, mime, cls, &pol)) < 0)
		goto out;
	snprintf(ids, sizeof(ids), "%s %s", req_id, record_id);
	if ((r = may_read(v, sec, ids)) < 0)
		goto out;
	fill_decision(v, &a.n, &req, record_id, sec, CV_DEC_COPY, NULL, "redacted copy attached", pol->hash);
	a.req_id = req_id;
	a.record_id = record_id;
	if ((r = file_copy(v, &req, record_id, sec, cls, path, fd, &it, &a)) < 0)
		goto out;
	snprintf(copy_out, 16, "%s", it.record_id);
out:
	cv_rpolicy_free(pol);
	return r;
}
