/*
 * casevault - reading and verifying the audit trail (managers and auditors).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/audit.h"
#include "casevault/staff.h"
#include "base/handle.h"
#include "core/audit.h"
#include "core/checkpoint.h"
#include "store/db_audit.h"

/* Event seq has this hash, or (for a head a person wrote down) its first 16+ hex digits. */
static int chain_has(cv_vault *v, long seq, const char *hash)
{
	return cv_db_audit_has(v, seq, hash, 1) > 0;
}

struct anchor_check {
	cv_vault *v;
	cv_audit_report *rep;
};

/* Stops at the first receipt whose trail head the chain does not hold. */
static int receipt_anchor(void *hook, const cv_db_audit_anchor *a)
{
	struct anchor_check *c = hook;
	cv_audit_report *rep = c->rep;

	if (a->seq > rep->events) {
		rep->first_bad = rep->events + 1;
		snprintf(rep->problem, sizeof(rep->problem),
			 "events %ld to %ld have been cut off the end (signed filing receipt %lld names event %ld)",
			 rep->events + 1, a->seq, a->receipt, a->seq);
		return 1;
	}
	if (a->seq > 0 && (!a->hash || !chain_has(c->v, a->seq, a->hash))) {
		rep->first_bad = a->seq;
		snprintf(rep->problem, sizeof(rep->problem), "event %ld does not match signed filing receipt %lld",
			 a->seq, a->receipt);
		return 1;
	}
	return 0;
}

/*
 * Second anchors: every filing receipt is signed by a staff key and names the
 * head of the trail when it was made, so events cannot be cut back past the
 * last filing even by someone who also rewrites audit.head.  (The receipts'
 * signatures themselves are checked by 'casevault verify'.)
 */
static void check_receipt_anchors(cv_vault *v, cv_audit_report *rep)
{
	struct anchor_check c = { v, rep };

	cv_db_audit_receipt_anchors(v, receipt_anchor, &c);
}

/* "SEQ:HASH" as the user recorded it: a positive sequence number, 16 to 64 hex digits. */
static int parse_expected_head(const char *s, long *seq, char hash[65])
{
	char *end;
	size_t n;

	errno = 0;
	*seq = strtol(s, &end, 10);
	if (errno || end == s || *seq <= 0 || *end != ':')
		return -1;
	n = strspn(end + 1, "0123456789abcdefABCDEF");
	if (n < 16 || n > 64 || end[1 + n] != '\0')
		return -1;
	for (size_t i = 0; i < n; i++)
		hash[i] = (char)tolower((unsigned char)end[1 + i]);
	hash[n] = '\0';
	return 0;
}

struct chain_walk {
	cv_audit_report *rep;
	long expect;
	char prev[65];
};

/* One event of the chain walk; stops (1) at the first that breaks it. */
static int check_event(void *hook, const cv_db_audit_row *e)
{
	struct chain_walk *w = hook;
	cv_audit_report *rep = w->rep;
	char hash[65];

	rep->events++;
	if (e->seq != w->expect) {
		rep->first_bad = e->seq;
		snprintf(rep->problem, sizeof(rep->problem),
			 e->seq > w->expect ? "event %ld is missing (deleted) before event %ld" :
			 "event %ld is out of order or duplicated (found %ld)", w->expect, e->seq);
		return 1;
	}
	if (strcmp(e->prev ? e->prev : "", w->prev)) {
		rep->first_bad = e->seq;
		snprintf(rep->problem, sizeof(rep->problem),
			 "event %ld does not follow event %ld (inserted, deleted or reordered)", e->seq, e->seq - 1);
		return 1;
	}
	cv_audit_event_hash(e->seq, e->time, e->actor, e->action, e->ids, e->outcome, w->prev, hash);
	if (!e->hash || strcmp(hash, e->hash)) {
		rep->first_bad = e->seq;
		snprintf(rep->problem, sizeof(rep->problem), "event %ld has been edited (its hash does not match)", e->seq);
		return 1;
	}
	snprintf(w->prev, sizeof(w->prev), "%s", e->hash);
	snprintf(rep->head, sizeof(rep->head), "%ld:%s", e->seq, e->hash);
	w->expect++;
	return 0;
}

/*
 * The signed checkpoints: each must name an event the chain still holds,
 * with its hash, and the newest must carry a staff member's signature.  An
 * owner of the index who edits, deletes or inserts events and recomputes
 * every hash is caught here, up to the newest checkpoint.
 */
static int check_checkpoints(cv_vault *v, cv_audit_report *rep)
{
	cv_checkpoint_check cc;
	int r;

	if ((r = cv_checkpoint_verify(v, rep->events, &cc)) < 0)
		return r;
	rep->checkpoints = cc.count;
	if (cc.bad_seq) {
		rep->first_bad = cc.bad_seq;
		snprintf(rep->problem, sizeof(rep->problem), "%s", cc.problem);
		return 0;
	}
	rep->proven = cc.proven;
	rep->checkpoint = cc.number;
	snprintf(rep->proven_by, sizeof(rep->proven_by), "%s", cc.staff);
	snprintf(rep->proven_at, sizeof(rep->proven_at), "%s", cc.created);
	return 0;
}

/* The chain ends where audit.head says it does. */
static void check_head_file(cv_vault *v, cv_audit_report *rep)
{
	char head_hash[65];
	long head_seq = 0;
	int hr = cv_audit_read_head(v, &head_seq, head_hash);

	if (hr == CV_ENOTFOUND && rep->events > 0) {
		rep->first_bad = rep->events;
		snprintf(rep->problem, sizeof(rep->problem), "the audit anchor (audit.head) is missing");
	} else if (hr == CV_ECORRUPT) {
		rep->first_bad = rep->events;
		snprintf(rep->problem, sizeof(rep->problem), "the audit anchor (audit.head) is damaged");
	} else if (hr == 0 && head_seq > rep->events) {
		rep->first_bad = rep->events + 1;
		snprintf(rep->problem, sizeof(rep->problem),
			 "events %ld to %ld have been cut off the end of the trail (the anchor says %ld)",
			 rep->events + 1, head_seq, head_seq);
	} else if (hr == 0 && head_seq > 0 && !chain_has(v, head_seq, head_hash)) {
		rep->first_bad = head_seq;
		snprintf(rep->problem, sizeof(rep->problem), "event %ld does not match the audit anchor", head_seq);
	}
}

/* The head recorded outside the vault: what no file of the vault can vouch for. */
static void check_recorded_head(cv_vault *v, long want_seq, const char *want_hash, cv_audit_report *rep)
{
	if (want_seq > rep->events) {
		rep->first_bad = rep->events + 1;
		snprintf(rep->problem, sizeof(rep->problem),
			 "events %ld to %ld are gone (the head you recorded names event %ld): the trail was cut back or the vault rolled back",
			 rep->events + 1, want_seq, want_seq);
	} else if (want_seq > 0 && !chain_has(v, want_seq, want_hash)) {
		rep->first_bad = want_seq;
		snprintf(rep->problem, sizeof(rep->problem),
			 "event %ld is not the one you recorded: the trail was rewritten or the vault rolled back", want_seq);
	}
}

static int audit_verify(cv_vault *v, const char *expect_head, cv_audit_report *rep)
{
	struct chain_walk walk = { rep, 1, "" };
	char want_hash[65];
	long want_seq = 0;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (expect_head && parse_expected_head(expect_head, &want_seq, want_hash) < 0)
		return cv_error(v, CV_EINVAL, "the head to expect must be SEQ:HASH as 'audit verify' printed it (at least 16 hex digits of the hash), not '%.40s'",
				expect_head);
	if ((r = cv_authorize(v, CV_ACT_AUDIT, NULL)) < 0)
		return r;
	if ((r = cv_db_audit_each(v, check_event, &walk)) < 0)
		return r;
	if (!rep->first_bad && (r = check_checkpoints(v, rep)) < 0)
		return r;
	if (!rep->first_bad)
		check_head_file(v, rep);
	if (!rep->first_bad)
		check_receipt_anchors(v, rep);
	if (!rep->first_bad)
		check_recorded_head(v, want_seq, want_hash, rep);
	r = rep->first_bad ? CV_ECORRUPT : 0;
	cv_audit(v, "audit.verify", r, NULL);
	if (r)
		return cv_error(v, CV_ECORRUPT, "the audit trail is broken at event %ld: %s", rep->first_bad, rep->problem);
	return 0;
}

int cv_audit_list(cv_vault *v, const cv_audit_filter *f, cv_audit_event **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, CV_ACT_AUDIT, NULL)) < 0)
		return r;
	if ((r = cv_db_audit_list(v, f, out, n)) < 0)
		return r;
	cv_audit(v, "audit.show", 0, f && f->id ? f->id : NULL);
	return 0;
}

void cv_audit_list_free(cv_audit_event *list, size_t n)
{
	cv_db_audit_list_free(list, n);
}

int cv_audit_verify(cv_vault *v, cv_audit_report *rep)
{
	return audit_verify(v, NULL, rep);
}

int cv_audit_verify_since(cv_vault *v, const char *expect, cv_audit_report *rep)
{
	return audit_verify(v, expect, rep);
}
