/*
 * casevault - rectification, erasure, restriction and objection requests
 * (docs/legal-rules.md LR-18): registered beside subject access in the same
 * table, so the same clock, pauses, extensions, listing and closing apply
 * (ops/request.c).  They hold no case: an erasure or rectification request
 * is answered by changing records (record erase|set|move --request), which
 * a hold would forbid.  A restriction restricts the records it names from
 * the moment it is registered until it is lifted (request lift): they are
 * kept but not moved, corrected or erased (ops/record_fix.c).  Filing new
 * documents into the case is not restricted: a restriction names records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/audit.h"
#include "core/lock.h"
#include "ops/request_rights.h"
#include "store/db_holds.h"
#include "store/db_rights.h"
#include "casevault/staff.h"

static const char *const kinds[] = { "access", "rectification", "erasure", "restriction", "objection" };

int cv_rights_is_access(const cv_request_opts *o)
{
	return !o->kind || !strcmp(o->kind, "access");
}

/* The records as the index keeps them ("R-1 R-2"), or NULL; each checked by fn(hook, id). */
static int each_record(cv_vault *v, const char *list, int (*fn)(cv_vault *v, const char *id, void *hook), void *hook)
{
	char buf[1024], *save = NULL, *id;
	int r;

	if (strlen(list) >= sizeof(buf))
		return cv_error(v, CV_EINVAL, "too many records named; register the request for at most about 100 records at once");
	snprintf(buf, sizeof(buf), "%s", list);
	for (id = strtok_r(buf, ", ", &save); id; id = strtok_r(NULL, ", ", &save))
		if ((r = fn(v, id, hook)) < 0)
			return r;
	return 0;
}

static int in_case(cv_vault *v, const char *id, void *hook)
{
	const char *case_id = hook;
	char c[24] = "";
	cv_section s;
	int r;

	if (strncmp(id, "R-", 2) || strlen(id) > 15)
		return cv_error(v, CV_EINVAL, "'%.40s' is not a record id (R-...); nothing was registered", id);
	if ((r = cv_db_hold_target(v, id, c, &s)) < 0)
		return r;
	if (r == 0 || strcmp(c, case_id))
		return cv_error(v, CV_ENOTFOUND, "no record %s in case %s (see 'casevault ls %s'); nothing was registered", id,
				case_id, case_id);
	return 0;
}

int cv_rights_check(cv_vault *v, const cv_request_opts *o)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (o->kind && !strcmp(o->kind, kinds[i]))
			break;
	if (o->kind && i == sizeof(kinds) / sizeof(kinds[0]))
		return cv_error(v, CV_EINVAL, "the kind must be access, rectification, erasure, restriction or objection");
	if (o->kind && !strcmp(o->kind, "restriction") && (!o->records || !*o->records))
		return cv_error(v, CV_EINVAL, "a restriction names the records it restricts (--records R-...,R-...)");
	if (cv_rights_is_access(o) && o->records)
		return cv_error(v, CV_EINVAL, "a subject access request covers the whole case; --records is for the other rights");
	return o->records ? each_record(v, o->records, in_case, (void *)o->case_id) : 0;
}

struct restrict_ctx {
	const char *id, *now;
};

static int restrict_one(cv_vault *v, const char *rec, void *hook)
{
	struct restrict_ctx *c = hook;

	return cv_db_restriction_insert(v, c->id, rec, v->actor, c->now);
}

int cv_rights_open_tx(cv_vault *v, const char *id, const cv_request_opts *o, const char *now)
{
	struct restrict_ctx c = { id, now };
	char recs[1024] = "", *p;
	int r;

	if (cv_rights_is_access(o))
		return 0;
	if (o->records) {
		snprintf(recs, sizeof(recs), "%s", o->records);
		for (p = recs; *p; p++)
			if (*p == ',')
				*p = ' ';
	}
	if ((r = cv_db_rights_set(v, id, o->kind, recs[0] ? recs : NULL)) < 0)
		return r;
	if (!strcmp(o->kind, "restriction"))
		return each_record(v, o->records, restrict_one, &c);
	return 0;
}

struct lift {
	const char *id;
	size_t n;
};

static int lift_tx(cv_vault *v, void *hook)
{
	struct lift *l = hook;
	char now[32];
	int r;

	cv_now_iso(now);
	if ((r = cv_db_restriction_lift(v, l->id, v->actor, now, &l->n)) < 0)
		return r;
	if (l->n == 0)
		return cv_error(v, CV_EREFUSED, "request %s restricts nothing now (already lifted)", l->id);
	return cv_audit(v, "request.lift", 0, l->id);
}

int cv_request_lift(cv_vault *v, const char *id, size_t *lifted)
{
	struct lift l = { id, 0 };
	char kind[16];
	int r;

	if ((r = cv_authorize(v, CV_ACT_READ_CASE, id)) < 0)
		return r;
	if ((r = cv_db_rights_kind(v, id ? id : "", kind)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no request %.40s in this vault; see 'casevault request list'", id ? id : "");
	if (strcmp(kind, "restriction"))
		return cv_error(v, CV_EREFUSED, "request %s is a%s %s request, not a restriction; nothing was lifted", id,
				kind[0] == 'a' || kind[0] == 'e' || kind[0] == 'o' ? "n" : "", kind);
	if ((r = cv_vault_write_tx(v, lift_tx, &l)) == 0 && lifted)
		*lifted = l.n;
	return r;
}

int cv_record_restricted(cv_vault *v, const char *record_id, char req[24])
{
	return cv_db_restriction_find(v, record_id, req);
}
