/*
 * casevault - confidentiality notices and contact preferences per case
 * (casevault/notice.h).  The office's confidentiality policy: on first
 * contact a parent is told the service is confidential (orally on the
 * phone, in writing when seen face to face), and when a call goes
 * unanswered a simple message is left, with no details unless the parent
 * agreed to more.  Both are audited with the case id; neither holds
 * personal data (dates, ways, a policy version), so both are in clear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "casevault/date.h"
#include "casevault/notice.h"
#include "casevault/staff.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/lock.h"
#include "store/db_cases.h"
#include "store/db_notices.h"

static const char *const notice_ways[] = { "oral", "phone", "written", "letter", "email", "leaflet", NULL };
static const char *const contact_ways[] = { "phone", "email", "letter", "text", NULL };

static int one_of(const char *s, const char *const *ways)
{
	for (; s && *ways; ways++)
		if (!strcmp(s, *ways))
			return 1;
	return 0;
}

static int check_version(cv_vault *v, const char *ver)
{
	const char *p;

	if (!ver || !*ver || strlen(ver) >= sizeof(((cv_case_notice *)0)->policy_version))
		return cv_error(v, CV_EINVAL, "give the confidentiality policy's version (--policy-version V, up to 31 characters)");
	for (p = ver; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return cv_error(v, CV_EINVAL, "the policy version '%.31s' holds spaces or other characters; give it as e.g. 2026-1 or v3", ver);
	return 0;
}

static int told_date(cv_vault *v, const char *told, char out[11])
{
	cv_date d, today;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	d = today;
	if (told && cv_date_parse(&d, told) < 0)
		return cv_error(v, CV_EINVAL, "'%.20s' is not a date; give the day the parent was told as YYYY-MM-DD", told);
	if (cv_date_cmp(&d, &today) > 0)
		return cv_error(v, CV_EINVAL, "the day the parent was told, %s, is in the future", told);
	cv_date_format(&d, out);
	return 0;
}

struct noting {
	const char *case_id, *told, *how, *version;
	int message_ok;
	long id;
};

static int notice_tx(cv_vault *v, void *arg)
{
	struct noting *p = arg;
	char now[32], ids[64];
	int r;

	cv_now_iso(now);
	if ((r = cv_db_notice_insert(v, p->case_id, p->told, p->how, p->version, now, &p->id)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s notice-%ld", p->case_id, p->id);
	return cv_audit(v, "case.notice", 0, ids);
}

int cv_notice_add(cv_vault *v, const char *case_id, const char *told, const char *how, const char *policy_version,
		  long *id)
{
	char day[11];
	int r;

	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, case_id)) < 0 || (r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if (!one_of(how, notice_ways))
		return cv_error(v, CV_EINVAL, "--how is oral, phone, written, letter, email or leaflet, not '%.20s'", how ? how : "");
	if ((r = check_version(v, policy_version)) < 0 || (r = told_date(v, told, day)) < 0)
		return r;
	{
		struct noting p = { case_id, day, how, policy_version, 0, 0 };

		if ((r = cv_vault_write_tx(v, notice_tx, &p)) == 0 && id)
			*id = p.id;
	}
	return r;
}

int cv_notice_list(cv_vault *v, const char *case_id, cv_case_notice **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0 || (r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	return cv_db_notice_list(v, case_id, out, n);
}

void cv_notice_list_free(cv_case_notice *list, size_t n)
{
	(void)n;
	free(list);
}

static int contact_tx(cv_vault *v, void *arg)
{
	struct noting *p = arg;
	char now[32], ids[64];
	int r;

	cv_now_iso(now);
	if ((r = cv_db_contact_set(v, p->case_id, p->message_ok, p->how, now)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s message-ok=%s%s%s", p->case_id, p->message_ok ? "yes" : "no",
		 p->how ? " how=" : "", p->how ? p->how : "");
	return cv_audit(v, "case.contact", 0, ids);
}

int cv_contact_set(cv_vault *v, const char *case_id, int message_ok, const char *how)
{
	int r;

	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, case_id)) < 0 || (r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	if (how && !one_of(how, contact_ways))
		return cv_error(v, CV_EINVAL, "--how is phone, email, letter or text, not '%.20s'", how);
	{
		struct noting p = { case_id, NULL, how, NULL, message_ok != 0, 0 };

		return cv_vault_write_tx(v, contact_tx, &p);
	}
}

int cv_contact_get(cv_vault *v, const char *case_id, cv_contact_pref *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0 || (r = cv_db_case_exists(v, case_id)) < 0)
		return r;
	return (r = cv_db_contact_get(v, case_id, out)) < 0 ? r : 0;
}
