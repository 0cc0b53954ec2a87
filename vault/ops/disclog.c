/*
 * casevault - the disclosure log (docs/legal-rules.md §11): for each bundle,
 * what went out and what was withheld on which ground, by whose decision.
 * Internal only: nothing of it goes into a bundle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "ops/bundle.h"
#include "ops/disclose.h"
#include "store/db_disclose.h"
#include "casevault/audit.h"
#include "casevault/staff.h"
#include "casevault/vault.h"

/* One item per record in scope: released, redacted or withheld (with its ground). */
static int log_item(cv_bundle *b, long long did, const cv_sitem *s, const char *now)
{
	cv_db_disclosure_item_new it;

	memset(&it, 0, sizeof(it));
	it.record_id = s->it.record_id;
	it.source_record = s->number ? s->src_id : s->it.record_id;
	it.outcome = s->number ? (s->redact || s->it.decision == CV_DEC_COPY ? "redacted" : "released") : "withheld";
	it.number = s->number;
	it.decided_by = s->it.is_default ? "policy" : s->it.decided_by;
	/* the policy's default is decided as the bundle is built */
	it.decided_at = s->it.is_default ? now : s->it.decided_at;
	it.section = (cv_section)s->it.section;
	it.ground = s->number ? NULL : s->it.ground;
	return cv_db_disclosure_item_insert(b->v, did, &it);
}

int cv_disclog_add(cv_bundle *b, const char *form, const char *sha, int64_t size, long *id_out)
{
	cv_vault *v = b->v;
	cv_db_disclosure_new d;
	char now[32], ids[64];
	long long did = 0;
	size_t i;
	int r;

	cv_now_iso(now);
	memset(&d, 0, sizeof(d));
	d.request_id = b->req.id;
	d.form = form;
	d.sha256 = sha;
	d.size = size;
	d.members = (long)b->nrel;
	d.built_by = v->actor;
	d.built_at = now;
	d.policy_hash = b->pol->hash;
	if ((r = cv_db_disclosure_insert(v, &d, &did)) < 0)
		return r;
	for (i = 0; i < b->ns; i++)
		if ((r = log_item(b, did, &b->s[i], now)) < 0)
			return r;
	snprintf(ids, sizeof(ids), "%s %s D-%lld", b->req.id, b->req.case_id, did);
	if ((r = cv_audit(v, "request.bundle", 0, ids)) < 0)
		return r;
	*id_out = (long)did;
	return 0;
}

/* A withheld child-protection ground opens with the cp key: unlock it when the actor may. */
static void need_key(cv_vault *v, cv_section s)
{
	if (s == CV_SECTION_CP)
		cv_vault_unlock(v);
}

int cv_request_log(cv_vault *v, const char *req_id, cv_log_entry **out, size_t *n)
{
	cv_req_row req;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_req_fetch(v, req_id, &req)) < 0)
		return r;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, req_id)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_db_disclosure_list(v, req_id, need_key, out, n)) < 0)
		return r;
	cv_audit(v, "request.log", 0, req_id);
	return 0;
}

void cv_request_log_free(cv_log_entry *list, size_t n)
{
	cv_db_disclosure_list_free(list, n);
}
