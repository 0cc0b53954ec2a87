/*
 * casevault - share (docs/legal-rules.md §15, §17): the case file's records
 * out of the vault to a recipient the family agreed to, or for a purpose it
 * agreed to, under a consent in the register (ops/consent.c).  The bundle
 * is the subject access bundle's (ops/bundle.c, cv_bundle_run): this file
 * gives it the records, a cover note and the audit event.
 *
 * What goes: every record of the case file, or those named.  Text records
 * go through the redactor (third parties, volunteers and a linked case's
 * parent are not the family's to consent for, §7, §10); a record casevault
 * cannot redact goes as filed only when named (a person chose it).
 * Records not shared are fingerprinted like withheld ones, so that none is
 * quoted in what goes.  Child-protection records never go (§16: refer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/actor.h"
#include "core/audit.h"
#include "ops/bundle.h"
#include "ops/consent.h"
#include "ops/disclose.h"
#include "store/db_cases.h"
#include "store/db_consent.h"
#include "casevault/share.h"
#include "casevault/staff.h"

struct share {
	const cv_share_opts *o;
	cv_consent consent;
};

/* 1 when record id is named in the list (commas or spaces between ids). */
static int named(const char *list, const char *id)
{
	size_t len = strlen(id);
	const char *p = list;

	while (p && (p = strstr(p, id))) {
		if ((p == list || strchr(", ", p[-1])) && (!p[len] || strchr(", ", p[len])))
			return 1;
		p += len;
	}
	return 0;
}

/* Every id the list names is a record of the case file (never a child-protection record, §16). */
static int check_named(cv_vault *v, const char *case_id, const char *list)
{
	char id[32];
	const char *p = list;
	size_t l;
	int r;

	while (p && *p) {
		p += strspn(p, ", ");
		if (!(l = strcspn(p, ", ")))
			break;
		snprintf(id, sizeof(id), "%.*s", (int)(l < 31 ? l : 31), p);
		p += l;
		if ((r = cv_db_consent_form_ok(v, id, case_id)) <= 0)
			return r < 0 ? r : cv_error(v, CV_EREFUSED, "record %s is not in the case file of %s; child-protection "
						   "records are never shared (docs/legal-rules.md LR-16): check --records", id, case_id);
	}
	return 0;
}

/* Drop child-protection items: they are not the share's to read or fingerprint. */
static void drop_cp(cv_bundle *b)
{
	size_t i, kept = 0;

	for (i = 0; i < b->ns; i++) {
		if (b->s[i].it.section == CV_SECTION_CP) {
			cv_wipe_free(b->s[i].it.title);
			cv_wipe_free(b->s[i].it.ground);
			cv_wipe_free(b->s[i].it.reason);
			continue;
		}
		b->s[kept++] = b->s[i];
	}
	b->ns = kept;
}

/* Each record's decision: redacted, as filed (named and not text), or not shared. */
static int decide(cv_bundle *b, const char *list)
{
	size_t i;

	for (i = 0; i < b->ns; i++) {
		cv_sitem *s = &b->s[i];
		int chosen = !list || named(list, s->it.record_id);

		cv_wipe_free(s->it.ground);
		s->it.ground = NULL;
		s->it.is_default = 0;
		if (!chosen) {
			s->it.decision = CV_DEC_WITHHOLD;
			s->it.ground = strdup("not-shared");
		} else if (s->src_text) {
			s->it.decision = CV_DEC_REDACT;
		} else if (list) {
			s->it.decision = CV_DEC_RELEASE;
		} else {
			return cv_error(b->v, CV_EREFUSED, "record %s is %s, which casevault cannot redact; name the records to "
					"share with --records (a record named there goes as filed)", s->it.record_id, s->src_mime);
		}
	}
	return 0;
}

static int share_scope(cv_bundle *b, const char *ids)
{
	struct share *sh = b->kind_ctx;
	int r;

	(void)ids;
	if ((r = cv_scope_load(b->v, b->pol, &b->req, &b->s, &b->ns)) < 0)
		return r;
	drop_cp(b);
	if ((r = decide(b, sh->o->records)) < 0)
		return r;
	return cv_bundle_refuse_restricted(b);
}

/* The cover note: who shares what with whom, under which consent. */
static int share_letter(cv_bundle *b)
{
	struct share *sh = b->kind_ctx;
	const cv_share_opts *o = sh->o;
	const cv_consent *k = &sh->consent;
	char *s = NULL;

	if (asprintf(&s, "%s\n\nDocuments shared on %s from case %s%s%s%s%s.\n"
		     "Shared with the consent of the %s (consent %ld, given %s, %s, review due %s).\n"
		     "The documents are listed in index.html and index.json. Please keep them confidential.\n",
		     b->pol->office, b->date, o->case_id, o->recipient ? " with " : "", o->recipient ? o->recipient : "",
		     o->purpose ? " for " : "", o->purpose ? o->purpose : "", !strcmp(k->given_by, "parent") ?
		     "parent" : "young person", k->id, k->given, k->how, k->review_due) < 0)
		return cv_error(b->v, CV_ERROR, "out of memory");
	b->letter = s;
	return 0;
}

/* The audit event, in the transaction before the file is named: the consent relied on and the records that went. */
static int share_log(cv_bundle *b, const char *form, const char *sha, int64_t size, long *id_out)
{
	struct share *sh = b->kind_ctx;
	char *ids = NULL, *more;
	size_t i;
	int r;

	(void)form;
	(void)sha;
	(void)size;
	if (asprintf(&ids, "%s consent-%ld", b->req.case_id, sh->consent.id) < 0)
		return cv_error(b->v, CV_ERROR, "out of memory");
	for (i = 0; i < b->nrel; i++) {
		if (asprintf(&more, "%s %s", ids, b->rel[i]->it.record_id) < 0) {
			free(ids);
			return cv_error(b->v, CV_ERROR, "out of memory");
		}
		free(ids);
		ids = more;
	}
	r = cv_audit(b->v, "share", 0, ids);
	free(ids);
	*id_out = 0;
	return r;
}

static const cv_bundle_kind share_kind = { share_scope, share_letter, share_log, "share" };

/* A refusal of the rules (consent, records) is an attempt to share: audited, its message kept. */
static int refused(cv_vault *v, int r, const char *case_id)
{
	return cv_audit_keep(v, "share", r, case_id);
}

/* The consent relied on: valid today and covering the recipient or the purpose. */
static int find_consent(cv_vault *v, const cv_share_opts *o, cv_consent *k)
{
	long id = 0;
	int r;

	if ((r = cv_consent_covering(v, o->case_id, o->recipient, o->purpose, &id)) < 0)
		return refused(v, r, o->case_id);
	return cv_db_consent_get(v, id, k) > 0 ? 0 : cv_error(v, CV_ERROR, "consent %ld vanished", id);
}

int cv_share(cv_vault *v, const cv_share_opts *o, cv_bundle_result *res, long *consent_out)
{
	struct share sh;
	cv_bundle b;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&sh, 0, sizeof(sh));
	if (!o->recipient && !o->purpose)
		return cv_error(v, CV_EINVAL, "share needs --to RECIPIENT or --purpose P: what the family's consent covers");
	if ((r = cv_db_case_exists(v, o->case_id)) < 0 || (r = cv_authorize(v, CV_ACT_READ_CASE, o->case_id)) < 0 ||
	    (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if (o->records && (r = check_named(v, o->case_id, o->records)) < 0)
		return refused(v, r, o->case_id);
	if ((r = find_consent(v, o, &sh.consent)) < 0)
		return r;
	sh.o = o;
	memset(&b, 0, sizeof(b));
	b.v = v;
	b.kind = &share_kind;
	b.kind_ctx = &sh;
	snprintf(b.req.id, sizeof(b.req.id), "consent-%ld", sh.consent.id);
	snprintf(b.req.case_id, sizeof(b.req.case_id), "%s", o->case_id);
	b.req.rel = CV_REL_CLIENT;
	b.req.open = 1;
	*consent_out = sh.consent.id;
	return cv_bundle_run(&b, &o->out, res, o->case_id);
}
