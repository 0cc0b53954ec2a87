/*
 * casevault - the scope of a subject access request: every record of the
 * request's case (never a linked case's), each with its latest decision or
 * the redaction policy's default (docs/legal-rules.md §7-§9).
 *
 * Who asks decides the defaults (docs/legal-rules.md §6a, §8).  What
 * request show lists: scope_show.c; titles hinting at the child-protection
 * file: bundle_hints.c.
 *
 * The rest of disclosure: decisions and redacted copies (decide.c), the
 * bundle (bundle.c: the steps; bundle_write.c: the ZIP; bundle_docs.c: the
 * letter, the index and the withheld-text terms; bundle_check.c: the
 * fail-closed check) and the disclosure log (disclog.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/handle.h"
#include "core/actor.h"
#include "core/audit.h"
#include "ops/disclose.h"
#include "rules/redpolicy.h"
#include "store/db_disclose.h"
#include "casevault/audit.h"
#include "casevault/staff.h"

static const char *const dec_names[] = { "needs-decision", "release", "redact", "withhold", "copy" };

const char *cv_decision_name(cv_decision d)
{
	return (unsigned)d <= CV_DEC_COPY ? dec_names[d] : "unknown";
}

static int dec_parse(const char *s, cv_decision *out)
{
	int i = cv_text_pick(dec_names, CV_DEC_COPY + 1, s);

	return i < 0 ? CV_EINVAL : (*out = (cv_decision)i, 0);
}

void cv_sitems_free(cv_sitem *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++) {
		cv_wipe_free(s[i].it.title);
		cv_wipe_free(s[i].it.ground);
		cv_wipe_free(s[i].it.reason);
	}
	free(s);
}

/* Latest decision on each record of the scope. */
static int load_decision(cv_vault *v, const char *req_id, cv_sitem *s)
{
	cv_db_decision d;
	int r;

	if ((r = cv_db_decision_latest(v, req_id, s->it.record_id, &d)) <= 0)
		return r;
	dec_parse(d.decision, &s->it.decision);
	s->it.is_default = 0;
	s->it.why = NULL;
	cv_wipe_free(s->it.ground);
	s->it.ground = d.ground;
	s->it.reason = d.reason;
	snprintf(s->it.copy_record, sizeof(s->it.copy_record), "%s", d.copy_record);
	snprintf(s->it.decided_by, sizeof(s->it.decided_by), "%s", d.decided_by);
	snprintf(s->decider_role, sizeof(s->decider_role), "%s", d.decider_role);
	snprintf(s->it.decided_at, sizeof(s->it.decided_at), "%s", d.decided_at);
	return 0;
}

static int load_source(cv_vault *v, const cv_rpolicy *pol, cv_sitem *s)
{
	const char *src = s->it.decision == CV_DEC_COPY ? s->it.copy_record : s->it.record_id;
	cv_db_source d;
	int r;

	if ((r = cv_db_disclose_source(v, src, &d)) < 0)
		return r;
	if (!r)
		return cv_error(v, CV_ECORRUPT, "the redacted copy %s of record %s is missing; attach it again", src, s->it.record_id);
	snprintf(s->src_id, sizeof(s->src_id), "%s", d.id);
	snprintf(s->src_mime, sizeof(s->src_mime), "%s", d.mime);
	s->src_size = d.size;
	s->src_archive = d.archive;
	snprintf(s->src_member, sizeof(s->src_member), "%s", d.member);
	s->src_section = d.section;
	s->src_text = cv_rpolicy_is_text(pol, s->src_mime);
	return 0;
}

struct scope {
	cv_vault *v;
	const cv_rpolicy *pol;
	int people;            /* the case names third parties or volunteers */
	const char *third;     /* why the client's data needs a decision (docs/legal-rules.md §6a); NULL: the client asks */
	const char *cp_ground; /* para 21 or the serious-harm ground (docs/legal-rules.md §8) */
	cv_sitem *list;
	size_t n, cap;
};

/* One record of the case, with its default decision for this requester (docs/legal-rules.md §6a, §8-§9). */
static int add_item(void *hook, const cv_db_scope_row *row)
{
	struct scope *sc = hook;
	const cv_rpolicy *pol = sc->pol;
	cv_sitem *s;

	if (CV_ARRAY_GROW(&sc->list, &sc->cap, sc->n) < 0) {
		cv_wipe_free(row->title);
		cv_wipe_free(row->event_date);
		return cv_error(sc->v, CV_ERROR, "out of memory");
	}
	s = &sc->list[sc->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->it.record_id, sizeof(s->it.record_id), "%s", row->record_id);
	s->it.section = row->section;
	snprintf(s->it.class_name, sizeof(s->it.class_name), "%s", row->class_name);
	snprintf(s->it.mime, sizeof(s->it.mime), "%s", row->mime);
	s->seq = row->seq;
	s->size = row->size;
	s->archive = row->archive;
	snprintf(s->member, sizeof(s->member), "%s", row->member);
	s->it.text = cv_rpolicy_is_text(pol, s->it.mime);
	s->it.title = row->title;
	if (row->event_date) {
		snprintf(s->it.event_date, sizeof(s->it.event_date), "%s", row->event_date);
		free(row->event_date);
	}
	s->it.is_default = 1;
	if (row->section == CV_SECTION_CP) {
		s->it.decision = CV_DEC_WITHHOLD;
		s->it.ground = strdup(sc->cp_ground);
	} else if (sc->third) {
		/* every main-section record holds the client's data: someone decides (docs/legal-rules.md §6a) */
		s->it.decision = CV_DEC_NEEDED;
		s->it.why = sc->third;
	} else if (s->it.text) {
		s->it.decision = pol->case_text;
	} else {
		s->it.decision = sc->people ? pol->case_other : pol->case_other_none;
	}
	if (s->it.decision == CV_DEC_WITHHOLD && !s->it.ground)
		s->it.ground = strdup("policy-default");
	return 0;
}

/* Who is asking decides the defaults (docs/legal-rules.md §6a, §8). */
static int requester_defaults(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, struct scope *sc)
{
	int r;

	if ((r = cv_req_client_side(v, req->id, (int)req->rel)) < 0)
		return r;
	sc->third = r ? NULL : cv_req_third_party_why((int)req->rel);
	if ((r = cv_req_para21(v, req->id, req->case_id, (int)req->rel, req->received)) < 0)
		return r;
	sc->cp_ground = r ? pol->cp_ground : pol->cp_ground_other;
	return 0;
}

int cv_scope_load(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem **out, size_t *n)
{
	struct scope sc;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	memset(&sc, 0, sizeof(sc));
	sc.v = v;
	sc.pol = pol;
	sc.people = cv_people_any(v, req->case_id);
	if ((r = requester_defaults(v, pol, req, &sc)) < 0)
		goto fail;
	if ((r = cv_db_scope_each(v, req->case_id, add_item, &sc)) < 0)
		goto fail;
	for (i = 0; i < sc.n; i++) {
		if ((r = load_decision(v, req->id, &sc.list[i])) < 0)
			goto fail;
		if ((r = load_source(v, pol, &sc.list[i])) < 0)
			goto fail;
	}
	*out = sc.list;
	*n = sc.n;
	return 0;
fail:
	cv_sitems_free(sc.list, sc.n);
	return r;
}
