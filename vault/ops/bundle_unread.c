/*
 * casevault - a withheld record the bundle cannot read (docs/legal-rules.md
 * §8; docs/commands/request-bundle.md, "A withheld record that cannot be
 * read").
 *
 * A withheld record is not sent, so the bundle does not need its content
 * to go out; but its words are what the check searches the released
 * records for (verbatim copies, child-protection hints).  When they cannot
 * be read - its archive is missing or damaged, its bytes are not the filed
 * ones, or its file cannot be read as its type - the record is noted here
 * and the reading goes on with the others.  Then the bundle is refused,
 * naming the record, what is wrong and what to do, unless the person
 * building it named that record in --unreadable-withheld: then the bundle
 * goes without that one record's words in the check (its title is still
 * searched for), and an audit event records it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/audit.h"
#include "crypto/seal.h"
#include "ops/bundle.h"
#include "rules/redpolicy.h"

/* 1 when id is in the comma-separated list. */
static int listed(const char *list, const char *id)
{
	size_t n = strlen(id);

	while (list && *list) {
		size_t k = strcspn(list, ",");

		if (k == n && !strncmp(list, id, n))
			return 1;
		list += k + (list[k] == ',');
	}
	return 0;
}

/* Every record named in --unreadable-withheld is a withheld record of the request. */
int cv_bundle_unread_opts(cv_bundle *b, const char *list)
{
	const char *p = list;
	size_t i;

	b->unread_ok = list;
	while (p && *p) {
		size_t k = strcspn(p, ","), found = 0;

		for (i = 0; i < b->ns; i++)
			if (strlen(b->s[i].it.record_id) == k && !strncmp(p, b->s[i].it.record_id, k) &&
			    b->s[i].it.decision == CV_DEC_WITHHOLD)
				found = 1;
		if (!found)
			return cv_error(b->v, CV_EINVAL, "--unreadable-withheld names %.*s, which is not a withheld record of request %s; name only withheld records (see 'casevault request show %s')",
					(int)(k > 20 ? 20 : k), p, b->req.id, b->req.id);
		p += k + (p[k] == ',');
	}
	if (!b->ns)
		return 0;
	if (!(b->unread = calloc(b->ns, 1)))
		return cv_error(b->v, CV_ERROR, "out of memory");
	return 0;
}

/* Note s as unreadable (kind: 'd' damaged, 'f' its file's format, 'l' too large), with why. */
void cv_bundle_unread_mark(cv_bundle *b, const cv_sitem *s, int kind, const char *fmt, ...)
{
	size_t i = (size_t)(s - b->s);
	va_list ap;

	if (!b->unread || i >= b->ns || b->unread[i])
		return;
	b->unread[i] = (unsigned char)kind;
	/* the message names the first one the person has not named already */
	if (b->unread_first || listed(b->unread_ok, s->it.record_id))
		return;
	b->unread_first = s;
	va_start(ap, fmt);
	vsnprintf(b->unread_why, sizeof(b->unread_why), fmt, ap);
	va_end(ap);
}

/*
 * Reading archive aid for the fingerprints failed (it is missing or
 * damaged): every withheld record in it is unreadable - even one whose
 * bytes were read and matched before the failure, so that a damaged
 * archive never passes unremarked - and the reading goes on with the next.
 */
void cv_bundle_unread_archive(cv_bundle *b, long long aid, const char *why)
{
	size_t i;

	if (b->cur && b->cur_mode == 2 && !b->cur_whole)
		cv_fprint_add_end(b->fp);
	cv_sha256_free(b->cur_md);
	b->cur_md = NULL;
	b->cur = NULL;
	b->cur_len = 0;
	b->err = 0;
	b->msg[0] = '\0';
	for (i = 0; i < b->ns; i++)
		if (b->s[i].fingerprint && b->s[i].archive == aid) {
			cv_bundle_unread_mark(b, &b->s[i], 'd', "%s", why);
			b->s[i].done = 1;
		}
}

/* What to do about the first unreadable record, by what is wrong with it. */
static const char *advice(int kind)
{
	if (kind == 'd')
		return "run 'casevault verify' and restore the vault from a backup (docs/recovery.md)";
	/* its bytes are the filed ones: a backup holds the same */
	return "its file is as filed, so look at it ('casevault get')";
}

/* After the fingerprints: refuse while an unreadable withheld record is not named in --unreadable-withheld. */
int cv_bundle_unread_check(cv_bundle *b)
{
	size_t i, n = 0, named = 0;
	char list[200] = "", more[48] = "";

	for (i = 0; b->unread && i < b->ns; i++) {
		if (!b->unread[i])
			continue;
		n++;
		if (listed(b->unread_ok, b->s[i].it.record_id)) {
			named++;
			continue;
		}
		if (strlen(list) + strlen(b->s[i].it.record_id) + 2 < sizeof(list))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", *list ? "," : "", b->s[i].it.record_id);
	}
	if (n == named || !b->unread_first)
		return 0;
	if (n - named > 1)
		snprintf(more, sizeof(more), ", nor can %zu other%s", n - named - 1, n - named > 2 ? "s" : "");
	return cv_error(b->v, CV_EREFUSED, "withheld record %s cannot be read (%s)%s: it is not sent, but the check that no released record copies its words needs them; %s, or, to send the bundle without that check, add --unreadable-withheld %s; nothing was written",
			b->unread_first->it.record_id, b->unread_why, more,
			advice(b->unread[b->unread_first - b->s]), list);
}

/* Inside the bundle's transaction: which withheld records went unchecked (ids only). */
int cv_bundle_unread_audit(cv_bundle *b)
{
	char ids[256];
	size_t i, n = 0;

	snprintf(ids, sizeof(ids), "%s", b->req.id);
	for (i = 0; b->unread && i < b->ns; i++)
		if (b->unread[i] && strlen(ids) + strlen(b->s[i].it.record_id) + 2 < sizeof(ids)) {
			snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), " %s", b->s[i].it.record_id);
			n++;
		}
	return n ? cv_audit(b->v, "request.bundle-unchecked", 0, ids) : 0;
}
