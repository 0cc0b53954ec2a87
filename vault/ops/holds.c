/*
 * casevault - holds: a legal or management hold, an IICSA moratorium
 * (docs/legal-rules.md §13) or an open subject access request
 * (docs/legal-rules.md §4) keeps a record, or every record of a case, past
 * its retention date.  See docs/retention.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/lock.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "ops/retention.h"
#include "store/db_cases.h"
#include "store/db_holds.h"
#include "casevault/staff.h"

static const char *const kind_names[] = { "hold", "moratorium", "request" };

const char *cv_hold_kind_name(cv_hold_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "hold";
}

static int ensure_actor(cv_vault *v)
{
	if (v->actor[0])
		return 0;
	return cv_vault_set_actor(v, NULL);
}

/* The case and section a hold on target covers; target is checked by the caller. */
static int hold_target(cv_vault *v, const char *target, char case_id[24], char record_id[24], cv_section *sec)
{
	int r;

	if (!strncmp(target, "C-", 2)) {
		if ((r = cv_db_case_exists(v, target)) < 0)
			return r;
		snprintf(case_id, 24, "%s", target);
		return 0;
	}
	if ((r = cv_db_hold_target(v, target, case_id, sec)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault (destroyed records cannot be held)", target);
	snprintf(record_id, 24, "%s", target);
	return 0;
}

/* A hold to place: its row, its sealed reason and its audit event go in one transaction. */
struct placing {
	cv_hold_kind kind;
	const char *target, *case_id, *record_id, *ref, *reason;
	cv_section sec;
	long id;
};

static int place_tx(cv_vault *v, void *arg)
{
	struct placing *p = arg;
	char now[32], ids[64];
	int r;

	cv_now_iso(now);
	if ((r = cv_db_hold_insert(v, cv_hold_kind_name(p->kind), p->case_id, p->record_id, p->ref, p->sec,
				   p->reason, now, &p->id)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "hold-%ld %s", p->id, p->target);
	return cv_audit(v, "hold.add", 0, ids);
}

int cv_hold_place(cv_vault *v, cv_hold_kind kind, const char *target, const char *reason,
		  const char *ref, long *id_out)
{
	char case_id[24] = "", record_id[24] = "";
	cv_section sec = CV_SECTION_CASE;
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
	if ((r = hold_target(v, target, case_id, record_id, &sec)) < 0)
		return r;
	/* A reason may name people: sealed under the key of the section held. */
	if (reason && *reason) {
		if ((r = cv_require_key(v, sec)) < 0)
			return r;
	} else if ((r = ensure_actor(v)) < 0) {
		return r;
	}
	{
		struct placing p = { kind, target, case_id, record_id, ref, reason, sec, 0 };

		if ((r = cv_vault_write_tx(v, place_tx, &p)) == 0 && id_out)
			*id_out = p.id;
	}
	return r;
}

/*
 * A release: hold id (kind NULL) or the standing holds of kind with ref.
 * With an event, it is written in the release's transaction: both or neither.
 */
struct release {
	long id;
	const char *kind, *ref, *event;
	size_t n;
};

static int release_tx(cv_vault *v, void *arg)
{
	struct release *rl = arg;
	char now[32], ids[32];
	int r;

	cv_now_iso(now);
	if ((r = cv_db_hold_release(v, rl->id, rl->kind, rl->ref, now, &rl->n)) < 0 || !rl->event)
		return r;
	if (rl->n == 0)
		return cv_error(v, CV_EREFUSED, "hold %ld was already released", rl->id);
	snprintf(ids, sizeof(ids), "hold-%ld", rl->id);
	return cv_audit(v, rl->event, 0, ids);
}

static int release(cv_vault *v, struct release *rl)
{
	int r;

	if ((r = ensure_actor(v)) < 0)
		return r;
	return cv_vault_write_tx(v, release_tx, rl);
}

int cv_hold_release(cv_vault *v, long id)
{
	char kind[16], ref[48];
	int r, released = 0;
	if ((r = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0)
		return r;

	if ((r = cv_db_hold_get(v, id, &released, kind, ref)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no hold %ld in this vault; see 'casevault hold list'", id);
	/*
	 * docs/legal-rules.md §4: a request holds its case until the request is
	 * closed, and only then.  A hold left by a crash before its request was
	 * registered may go.
	 */
	if (!released && !strcmp(kind, "request") && cv_db_request_open(v, ref) != 0)
		return cv_error(v, CV_EHELD, "hold %ld belongs to subject access request %s; it ends when the request is closed ('casevault request close %s')",
				id, ref, ref);
	if (released)
		return cv_error(v, CV_EREFUSED, "hold %ld was already released", id);
	{
		struct release rl = { id, NULL, NULL, "hold.release", 0 };
		return release(v, &rl);
	}
}

int cv_hold_release_ref(cv_vault *v, cv_hold_kind kind, const char *ref, size_t *released)
{
	if (!ref || !*ref)
		return cv_error(v, CV_EINVAL, "no reference given");
	{
		struct release rl = { 0, cv_hold_kind_name(kind), ref, NULL, 0 };
		int r = release(v, &rl);

		if (r == 0 && released)
			*released = rl.n;
		return r;
	}
}

int cv_hold_list(cv_vault *v, int all, int unseal, cv_hold **out, size_t *n)
{
	int r;
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, NULL)) < 0)
		return r;

	*out = NULL;
	*n = 0;
	if (unseal && (r = cv_vault_unlock(v)) < 0)
		return r;
	return cv_db_hold_list(v, all, unseal, out, n);
}

void cv_hold_list_free(cv_hold *list, size_t n)
{
	cv_db_hold_list_free(list, n);
}

int cv_hold_check(cv_vault *v, const char *record_id, cv_hold *by)
{
	char case_id[24] = "";
	cv_section sec;
	int r;

	if ((r = cv_db_hold_target(v, record_id, case_id, &sec)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault", record_id);
	return cv_db_hold_find(v, record_id, case_id, by);
}
