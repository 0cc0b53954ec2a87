/*
 * casevault - storage limitation (ops/case_erase.h; docs/legal-rules.md
 * §12, docs/architecture.md, Storage limitation).
 *
 * A closed case whose last record has been destroyed has no purpose left
 * for the names, the date of birth, the people and the reasons kept with
 * it, so they go too, after each purge and each record erase.  The
 * unattended purge holds no key, so nothing is sealed again: the sealed
 * NOT NULL columns get a fixed marker (store/sealed.c) and the rest is
 * deleted or set NULL (store/db_cases.c, cv_db_case_erase), under SQLite
 * secure_delete, and the write-ahead log is then checkpointed and
 * truncated.  What remains is ids and the dates of events, which the
 * certificate lists.  A hold, an open request on the case or on its linked
 * case keeps everything (docs/legal-rules.md §4, §19).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/util.h"
#include "casevault/case.h"
#include "casevault/date.h"
#include "casevault/policy.h"
#include "casevault/text.h"
#include "core/audit.h"
#include "core/intent.h"
#include "core/lock.h"
#include "ops/case_erase.h"
#include "ops/certificates.h"
#include "store/db_cases.h"
#include "store/index.h"

#define METHOD "the sealed names, date of birth, requesters' names and consent scopes replaced by a fixed " \
	"marker and the other values deleted or emptied, in the index (SQLite secure_delete on), then the " \
	"write-ahead log checkpointed and truncated. No key is erased: a backup of vault.db taken before " \
	"this day still holds the values sealed under the case key (docs/security.md, Storage limitation)."

static const char *const erased_items[] = {
	"the parent's name", "the child's name", "the child's date of birth",
	"the people named in the case (names, phone numbers, e-mail addresses, roles)",
	"the requesters' names on its requests, and the reasons for extending or pausing them",
	"the reasons recorded with decisions on its requests",
	"the reasons of holds, reviews, corrections and exports of its records",
	"the reasons of its child-protection referrals",
	"the scopes of its consents", "its contact preference",
};

static const char *const remaining_items[] = {
	"the case id, the dates it was opened and closed, who opened it and who confirmed parental responsibility and when",
	"its requests' ids, kinds, relationships, dates received, due dates, decisions (grounds) and disclosures",
	("ids and dates of its holds, reviews, corrections, exports, referrals (with the agency and the legal basis), "
	 "consents and confidentiality notices"),
	"its caseworkers and linked cases (staff and case ids)",
	"the audit trail (ids only) and the certificates of its destroyed records",
};

static json_t *strings(const char *const *s, size_t n, int *failed)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		cv_json_push(failed, a, json_string(s[i]));
	return a;
}

/* The certificate: the purge's format, a kind of its own, what went and what remains. */
static json_t *erase_body(cv_vault *v, const cv_case *c, const cv_certificate_run *run, int *failed)
{
	json_t *root = json_object();

	cv_json_set(failed, root, "format", json_string("casevault-certificate/1"));
	cv_json_set(failed, root, "number", json_integer(0));
	cv_json_set(failed, root, "previous_sha256", json_null());
	cv_json_set(failed, root, "kind", json_string("case-erasure"));
	cv_json_set(failed, root, "created", json_string(run->now));
	cv_json_set(failed, root, "as_of", json_string(run->as_of));
	cv_json_set(failed, root, "run_by", json_string(run->run_by));
	cv_json_set(failed, root, "case", json_string(c->id));
	cv_json_set(failed, root, "case_opened", json_string(c->opened));
	cv_json_set(failed, root, "case_closed", json_string(c->closed));
	cv_json_set(failed, root, "authorised_by", json_pack("{s:s}", "rule",
		"storage limitation: the case is closed and every record of it was destroyed (docs/legal-rules.md LR-12)"));
	cv_json_set(failed, root, "method", json_string(METHOD));
	cv_json_set(failed, root, "policy_in_force", json_string(cv_policy_hash(v->policy)));
	cv_json_set(failed, root, "erased", strings(erased_items, sizeof(erased_items) / sizeof(erased_items[0]), failed));
	cv_json_set(failed, root, "remains",
		    strings(remaining_items, sizeof(remaining_items) / sizeof(remaining_items[0]), failed));
	cv_json_set(failed, root, "record_count", json_integer(0));
	cv_json_set(failed, root, "records", json_array());
	return root;
}

struct erasing {
	const char *id, *run_by;
	char now[32], day[11], why[160];
	long number;
	char sha[65];
};

/* One case, in one transaction: checked again, certified, erased, audited (both or neither). */
static int erase_tx(cv_vault *v, void *arg)
{
	struct erasing *e = arg;
	cv_certificate_run run = { e->now, e->day, e->run_by, NULL, 0, NULL };
	char ids[160];
	int failed = 0, r;
	json_t *root;
	cv_case c;

	e->why[0] = '\0';
	if ((r = cv_db_case_erase_blocker(v, e->id, e->why, sizeof(e->why))) != 0)
		return r < 0 ? r : 0;
	if ((r = cv_db_case_get(v, e->id, 0, &c)) < 0)
		return r;
	root = erase_body(v, &c, &run, &failed);
	cv_case_release(&c);
	if (failed) {
		json_decref(root);
		return cv_error(v, CV_ERROR, "the certificate of case %s's erasure could not be made (out of memory); "
				"nothing was erased", e->id);
	}
	if ((r = cv_certificate_store_next(v, &run, root, 0, &e->number, e->sha)) < 0 ||
	    (r = cv_db_case_erase(v, e->id, e->day, e->number)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s certificate-%ld sha256-%s", e->id, e->number, e->sha);
	return cv_audit(v, "case.erase", 0, ids);
}

/* The certificate's file, once the commit made it ('casevault verify' names a missing one). */
static void write_file(cv_vault *v, long number)
{
	char *body = NULL;

	if (cv_certificate_body(v, number, &body) == 0 && cv_cert_file_write(v, number, body) < 0)
		cv_notice(v, "certificate %ld is in the index but its file could not be written", number);
	free(body);
}

static int erase_each(cv_vault *v, char (*ids)[24], size_t n, const char *run_by, const char *day, size_t *done)
{
	struct erasing e;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < n; i++) {
		memset(&e, 0, sizeof(e));
		e.id = ids[i];
		e.run_by = run_by;
		cv_now_iso(e.now);
		snprintf(e.day, sizeof(e.day), "%s", day);
		if ((r = cv_vault_write_tx(v, erase_tx, &e)) < 0)
			break;
		if (e.why[0]) {
			cv_notice(v, "case %s keeps its personal data: %s", e.id, e.why);
			continue;
		}
		write_file(v, e.number);
		cv_notice(v, "case %s: its personal data was erased (certificate %ld)", e.id, e.number);
		(*done)++;
	}
	return r;
}

int cv_case_erase_due(cv_vault *v, int sched, size_t *erased)
{
	char (*ids)[24] = NULL, keep[sizeof(v->actor)], day[11];
	size_t n = 0, done = 0;
	cv_date today;
	int r;

	if (erased)
		*erased = 0;
	if ((r = cv_db_case_erase_candidates(v, &ids, &n)) < 0 || n == 0) {
		free(ids);
		return r;
	}
	/* the day of the run, as the purge's (a test vault's clock may be set) */
	if (cv_date_today(&today) < 0) {
		free(ids);
		return cv_error(v, CV_ERROR, "cannot tell today's date; no case was erased");
	}
	cv_date_format(&today, day);
	memcpy(keep, v->actor, sizeof(keep));
	if (sched)
		snprintf(v->actor, sizeof(v->actor), "schedule");
	r = erase_each(v, ids, n, v->actor, day, &done);
	memcpy(v->actor, keep, sizeof(keep));
	free(ids);
	/* the erased values' pages out of the write-ahead log, as the purge does for keys */
	if (done && r == 0)
		r = cv_index_checkpoint(v);
	if (erased)
		*erased = done;
	return r;
}
