/*
 * casevault - child-protection referrals (docs/legal-rules.md §16): only a
 * cp-lead or a manager refers; the referral names the agency, the reason,
 * the legal basis and exactly which records went, and its audit event
 * carries the record ids, so that the override never passes silently.
 * The agency, reason and basis are child-protection material: sealed under
 * the cp key (docs/architecture.md, Sealed columns).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "casevault/date.h"
#include "casevault/refer.h"
#include "casevault/staff.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/lock.h"
#include "store/db_cases.h"
#include "store/db_holds.h"
#include "store/db_referrals.h"

#define TEXT_MAX 2000

static int check_text(cv_vault *v, const char *what, const char *opt, const char *s)
{
	if (!s || !*s)
		return cv_error(v, CV_EINVAL, "a referral needs %s (%s)", what, opt);
	if (strlen(s) > TEXT_MAX || strpbrk(s, "\r\n\t"))
		return cv_error(v, CV_EINVAL, "the %s is longer than %d bytes or holds control characters; keep it to one line",
				what, TEXT_MAX);
	return 0;
}

/* Each record id once, each a record of the case: the list that goes in the register. */
static int check_records(cv_vault *v, const cv_referral_new *ref, char **list)
{
	size_t i, j, len = 1;
	char case_id[24];
	cv_section sec;
	int r;

	if (ref->nrecords == 0)
		return cv_error(v, CV_EINVAL, "a referral names the records it passes on (--records R...)");
	for (i = 0; i < ref->nrecords; i++) {
		const char *id = ref->records[i];

		if (strncmp(id, "R-", 2) || strlen(id) >= sizeof(case_id))
			return cv_error(v, CV_EINVAL, "'%.40s' is not a record id (R-...)", id);
		for (j = 0; j < i; j++)
			if (!strcmp(ref->records[j], id))
				return cv_error(v, CV_EINVAL, "record %s is named twice; name each record once", id);
		if ((r = cv_db_hold_target(v, id, case_id, &sec)) < 0)
			return r;
		if (r == 0 || strcmp(case_id, ref->case_id))
			return cv_error(v, CV_ENOTFOUND, "no record %s in case %s; see 'casevault ls %s'", id, ref->case_id,
					ref->case_id);
		len += strlen(id) + 1;
	}
	if (!(*list = calloc(1, len)))
		return cv_error(v, CV_ERROR, "out of memory");
	for (i = 0; i < ref->nrecords; i++)
		snprintf(*list + strlen(*list), len - strlen(*list), "%s%s", i ? " " : "", ref->records[i]);
	return 0;
}

static int check_date(cv_vault *v, const char *date, char out[11])
{
	cv_date d, today;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (!date) {
		cv_date_format(&today, out);
		return 0;
	}
	if (cv_date_parse(&d, date) < 0)
		return cv_error(v, CV_EINVAL, "the referral date '%.20s' is not a date; give it as YYYY-MM-DD", date);
	if (cv_date_cmp(&d, &today) > 0)
		return cv_error(v, CV_EINVAL, "the referral date %s is in the future; give the day it was made", date);
	cv_date_format(&d, out);
	return 0;
}

struct referring {
	const cv_referral_new *ref;
	const char *records, *date;
	long id;
};

static int refer_tx(cv_vault *v, void *arg)
{
	struct referring *p = arg;
	char now[32], *ids;
	int r;

	cv_now_iso(now);
	if ((r = cv_db_referral_insert(v, p->ref, p->records, p->date, now, &p->id)) < 0)
		return r;
	if (asprintf(&ids, "referral-%ld %s %s", p->id, p->ref->case_id, p->records) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	r = cv_audit(v, "refer", 0, ids);
	free(ids);
	return r;
}

int cv_refer(cv_vault *v, const cv_referral_new *ref, long *id)
{
	char date[11], *records = NULL;
	int r;

	if ((r = cv_authorize(v, CV_ACT_REFER, ref->case_id)) < 0)
		return r;
	if ((r = cv_db_case_exists(v, ref->case_id)) < 0 ||
	    (r = check_text(v, "receiving agency", "--to AGENCY", ref->agency)) < 0 ||
	    (r = check_text(v, "reason", "--reason TEXT", ref->reason)) < 0 ||
	    (r = check_text(v, "legal basis", "--basis TEXT", ref->basis)) < 0 ||
	    (r = check_date(v, ref->date, date)) < 0 || (r = check_records(v, ref, &records)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CP)) == 0) {
		struct referring p = { ref, records, date, 0 };

		if ((r = cv_vault_write_tx(v, refer_tx, &p)) == 0 && id)
			*id = p.id;
	}
	free(records);
	return r;
}

int cv_refer_list(cv_vault *v, const char *case_id, cv_referral **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, CV_ACT_REFER, case_id)) < 0)
		return r;
	if (case_id && (r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CP)) < 0)
		return r;
	return cv_db_referral_list(v, case_id, out, n);
}

void cv_refer_list_free(cv_referral *list, size_t n)
{
	cv_db_referral_list_free(list, n);
}
