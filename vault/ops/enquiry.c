/*
 * casevault - anonymous enquiries (casevault/enquiry.h).  The office policy
 * lets a parent ask for general information without giving personal
 * details; the log keeps no case and no such details.  Text that looks like
 * a phone number, an e-mail address, a postcode (rules/enquiry.c) or a name
 * recorded in the vault is refused unless the caseworker confirms it.  The
 * names are sealed and there is no blind index of names (the only blind
 * index is the duplicate index of documents, crypto/blind.h), so they are
 * opened under the case key in memory, compared, and wiped: the check needs
 * the case key, so volunteers (who hold none) cannot log enquiries.
 * Kept a year from the enquiry's date, not from logging
 * (docs/legal-rules.md §12); the purge destroys them after that.
 */
#include <stdio.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "casevault/date.h"
#include "casevault/enquiry.h"
#include "casevault/staff.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "core/lock.h"
#include "rules/enquiry.h"
#include "store/db_enquiries.h"

#define TEXT_MAX 4000

static int enquiry_dates(cv_vault *v, const char *date, char day[11], char until[11])
{
	cv_date d, today, u;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	d = today;
	if (date && cv_date_parse(&d, date) < 0)
		return cv_error(v, CV_EINVAL, "the enquiry date '%.20s' is not a date; give it as YYYY-MM-DD", date);
	if (cv_date_cmp(&d, &today) > 0)
		return cv_error(v, CV_EINVAL, "the enquiry date %s is in the future; give the day of the enquiry", date);
	/* a year from the enquiry; 29 February's anniversary is 1 March (docs/legal-rules.md §12) */
	cv_date_add_years_later(&u, &d, 1);
	cv_date_format(&d, day);
	cv_date_format(&u, until);
	return 0;
}

/* What the text holds that looks like personal details, the vault's names included. */
static int scan(cv_vault *v, const char *text, cv_enquiry_kind *kind, size_t *at)
{
	char **names = NULL;
	size_t n = 0;
	int r;

	if ((r = cv_db_names(v, &names, &n)) < 0)
		return r;
	*kind = cv_enquiry_scan(text, (const char *const *)names, n, at);
	cv_db_names_free(names, n);
	return 0;
}

struct logging {
	const char *text, *day, *until;
	int confirmed;
	long id;
};

static int add_tx(cv_vault *v, void *arg)
{
	struct logging *p = arg;
	char now[32], ids[64];
	int r;

	cv_now_iso(now);
	if ((r = cv_db_enquiry_insert(v, p->day, p->until, p->confirmed, p->text, now, &p->id)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "enquiry-%ld%s", p->id, p->confirmed ? " confirmed" : "");
	return cv_audit(v, "enquiry.add", 0, ids);
}

int cv_enquiry_add(cv_vault *v, const char *text, const char *date, int confirm, cv_enquiry_kind *found, long *id)
{
	char day[11], until[11];
	cv_enquiry_kind kind = CV_ENQ_CLEAN;
	size_t at = 0;
	int r;

	if (found)
		*found = CV_ENQ_CLEAN;
	if ((r = cv_authorize(v, CV_ACT_FILE_CASE, NULL)) < 0)
		return r;
	if (!text || !*text)
		return cv_error(v, CV_EINVAL, "an enquiry needs its text (--text TEXT, or --text - to read it)");
	if (strlen(text) > TEXT_MAX)
		return cv_error(v, CV_EINVAL, "the enquiry text is longer than %d bytes; keep it to a summary", TEXT_MAX);
	if ((r = enquiry_dates(v, date, day, until)) < 0 || (r = cv_require_key(v, CV_SECTION_CASE)) < 0 ||
	    (r = scan(v, text, &kind, &at)) < 0)
		return r;
	if (found)
		*found = kind;
	if (kind != CV_ENQ_CLEAN && !confirm)
		return cv_error(v, CV_EREFUSED, "the enquiry text looks like it holds %s (at character %zu); an enquiry is "
				"anonymous: take it out, or give --confirm if it is not personal data",
				cv_enquiry_kind_words(kind), at + 1);
	{
		struct logging p = { text, day, until, kind != CV_ENQ_CLEAN, 0 };

		if ((r = cv_vault_write_tx(v, add_tx, &p)) == 0 && id)
			*id = p.id;
	}
	return r;
}

int cv_enquiry_list(cv_vault *v, cv_enquiry **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, NULL)) < 0 || (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	return cv_db_enquiry_list(v, out, n);
}

void cv_enquiry_list_free(cv_enquiry *list, size_t n)
{
	cv_db_enquiry_list_free(list, n);
}
