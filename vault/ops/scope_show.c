/*
 * casevault - what `request show` lists: the scope of a request with each
 * record's decision, and why a default needs one (docs/legal-rules.md
 * §6a, §8-§9).  Apart from disclose.c so that the scope itself does not
 * depend on the child-protection hints (bundle_hints.c), which read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/actor.h"
#include "core/audit.h"
#include "ops/bundle_hints.h"
#include "ops/disclose.h"
#include "rules/redpolicy.h"
#include "casevault/audit.h"
#include "casevault/staff.h"

int cv_request_scope(cv_vault *v, const char *req_id, cv_scope_item **out, size_t *n)
{
	cv_rpolicy *pol = NULL;
	cv_req_row req;
	cv_sitem *s = NULL;
	size_t ns = 0, i;
	char ids[64];
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_req_fetch(v, req_id, &req)) < 0)
		return r;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, req_id)) < 0)
		return r;
	if ((r = cv_rpolicy_vault(v, &pol)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		goto out;
	if ((r = cv_scope_load_hinted(v, pol, &req, &s, &ns)) < 0)
		goto out;
	*out = calloc(ns ? ns : 1, sizeof(cv_scope_item));
	if (!*out) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	for (i = 0; i < ns; i++) {
		(*out)[i] = s[i].it;
		s[i].it.title = s[i].it.ground = s[i].it.reason = NULL;
	}
	*n = ns;
	snprintf(ids, sizeof(ids), "%s %s", req_id, req.case_id);
	cv_audit(v, "request.show", 0, ids);
out:
	cv_sitems_free(s, ns);
	cv_rpolicy_free(pol);
	return r;
}

void cv_scope_free(cv_scope_item *items, size_t n)
{
	size_t i;

	for (i = 0; items && i < n; i++) {
		cv_wipe_free(items[i].title);
		cv_wipe_free(items[i].ground);
		cv_wipe_free(items[i].reason);
	}
	free(items);
}
