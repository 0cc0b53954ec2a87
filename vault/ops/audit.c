/*
 * casevault - reading and verifying the audit trail (managers and auditors).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/audit.h"
#include "casevault/staff.h"
#include "base/handle.h"
#include "core/audit.h"
#include "store/index.h"

/* Event seq has this hash, or (for a head a person wrote down) its first 16+ hex digits. */
static int chain_has(cv_vault *v, long seq, const char *hash)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (cv_index_prepare(v, &st, "SELECT 1 FROM audit WHERE seq = ?1 AND"
			     " (hash = ?2 OR (length(?2) >= 16 AND substr(hash, 1, length(?2)) = ?2))") == 0) {
		sqlite3_bind_int64(st, 1, seq);
		sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return found;
}

/*
 * Second anchors: every filing receipt is signed by a staff key and names the
 * head of the trail when it was made, so events cannot be cut back past the
 * last filing even by someone who also rewrites audit.head.  (The receipts'
 * signatures themselves are checked by 'casevault verify'.)
 */
static void check_receipt_anchors(cv_vault *v, cv_audit_report *rep)
{
	sqlite3_stmt *st = NULL;

	if (cv_index_prepare(v, &st,
		"SELECT id, json_extract(body, '$.audit_seq'), json_extract(body, '$.audit_hash') FROM receipts"
		" WHERE json_extract(body, '$.audit_seq') IS NOT NULL ORDER BY id") < 0)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long seq = (long)sqlite3_column_int64(st, 1);
		const char *hash = (const char *)sqlite3_column_text(st, 2);

		long long rid = (long long)sqlite3_column_int64(st, 0);

		if (seq > rep->events) {
			rep->first_bad = rep->events + 1;
			snprintf(rep->problem, sizeof(rep->problem),
				 "events %ld to %ld have been cut off the end (signed filing receipt %lld names event %ld)",
				 rep->events + 1, seq, rid, seq);
			break;
		}
		if (seq > 0 && (!hash || !chain_has(v, seq, hash))) {
			rep->first_bad = seq;
			snprintf(rep->problem, sizeof(rep->problem), "event %ld does not match signed filing receipt %lld", seq, rid);
			break;
		}
	}
	sqlite3_finalize(st);
}

/* "SEQ:HASH" as the user recorded it: a positive sequence number, 16 to 64 hex digits. */
static int parse_expected_head(const char *s, long *seq, char hash[65])
{
	char *end;
	size_t n;

	errno = 0;
	*seq = strtol(s, &end, 10);
	if (errno || end == s || *seq <= 0 || *end != ':')
		return -1;
	n = strspn(end + 1, "0123456789abcdefABCDEF");
	if (n < 16 || n > 64 || end[1 + n] != '\0')
		return -1;
	for (size_t i = 0; i < n; i++)
		hash[i] = (char)tolower((unsigned char)end[1 + i]);
	hash[n] = '\0';
	return 0;
}

static int audit_verify(cv_vault *v, const char *expect_head, cv_audit_report *rep)
{
	sqlite3_stmt *st = NULL;
	char prev[65] = "", hash[65], head_hash[65], want_hash[65];
	long expect = 1, head_seq = 0, want_seq = 0;
	int r, hr;

	memset(rep, 0, sizeof(*rep));
	if (expect_head && parse_expected_head(expect_head, &want_seq, want_hash) < 0)
		return cv_error(v, CV_EINVAL, "the head to expect must be SEQ:HASH as 'audit verify' printed it (at least 16 hex digits of the hash), not '%.40s'",
				expect_head);
	if ((r = cv_authorize(v, CV_ACT_AUDIT, NULL)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "SELECT seq, time, actor, action, ids, outcome, prev, hash FROM audit ORDER BY rowid")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long seq = (long)sqlite3_column_int64(st, 0);
		const char *stored_prev = (const char *)sqlite3_column_text(st, 6);
		const char *stored = (const char *)sqlite3_column_text(st, 7);

		rep->events++;
		if (seq != expect) {
			rep->first_bad = seq;
			snprintf(rep->problem, sizeof(rep->problem),
				 seq > expect ? "event %ld is missing (deleted) before event %ld" :
				 "event %ld is out of order or duplicated (found %ld)", expect, seq);
			break;
		}
		if (strcmp(stored_prev ? stored_prev : "", prev)) {
			rep->first_bad = seq;
			snprintf(rep->problem, sizeof(rep->problem),
				 "event %ld does not follow event %ld (inserted, deleted or reordered)", seq, seq - 1);
			break;
		}
		cv_audit_event_hash(seq, (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
			   (const char *)sqlite3_column_text(st, 3), (const char *)sqlite3_column_text(st, 4),
			   (const char *)sqlite3_column_text(st, 5), prev, hash);
		if (!stored || strcmp(hash, stored)) {
			rep->first_bad = seq;
			snprintf(rep->problem, sizeof(rep->problem), "event %ld has been edited (its hash does not match)", seq);
			break;
		}
		snprintf(prev, sizeof(prev), "%s", stored);
		snprintf(rep->head, sizeof(rep->head), "%ld:%s", seq, stored);
		expect++;
	}
	sqlite3_finalize(st);
	if (!rep->first_bad) {
		hr = cv_audit_read_head(v, &head_seq, head_hash);
		if (hr == CV_ENOTFOUND && rep->events > 0) {
			rep->first_bad = rep->events;
			snprintf(rep->problem, sizeof(rep->problem), "the audit anchor (audit.head) is missing");
		} else if (hr == CV_ECORRUPT) {
			rep->first_bad = rep->events;
			snprintf(rep->problem, sizeof(rep->problem), "the audit anchor (audit.head) is damaged");
		} else if (hr == 0 && head_seq > rep->events) {
			rep->first_bad = rep->events + 1;
			snprintf(rep->problem, sizeof(rep->problem),
				 "events %ld to %ld have been cut off the end of the trail (the anchor says %ld)",
				 rep->events + 1, head_seq, head_seq);
		} else if (hr == 0 && head_seq > 0 && !chain_has(v, head_seq, head_hash)) {
			rep->first_bad = head_seq;
			snprintf(rep->problem, sizeof(rep->problem), "event %ld does not match the audit anchor", head_seq);
		}
	}
	if (!rep->first_bad)
		check_receipt_anchors(v, rep);
	/* the head recorded outside the vault: what no file of the vault can vouch for */
	if (!rep->first_bad && want_seq > rep->events) {
		rep->first_bad = rep->events + 1;
		snprintf(rep->problem, sizeof(rep->problem),
			 "events %ld to %ld are gone (the head you recorded names event %ld): the trail was cut back or the vault rolled back",
			 rep->events + 1, want_seq, want_seq);
	} else if (!rep->first_bad && want_seq > 0 && !chain_has(v, want_seq, want_hash)) {
		rep->first_bad = want_seq;
		snprintf(rep->problem, sizeof(rep->problem),
			 "event %ld is not the one you recorded: the trail was rewritten or the vault rolled back", want_seq);
	}
	r = rep->first_bad ? CV_ECORRUPT : 0;
	cv_audit(v, "audit.verify", r, NULL);
	if (r)
		return cv_error(v, CV_ECORRUPT, "the audit trail is broken at event %ld: %s", rep->first_bad, rep->problem);
	return 0;
}

int cv_audit_list(cv_vault *v, const cv_audit_filter *f, cv_audit_event **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_audit_event *list = NULL;
	size_t cnt = 0, alloc = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, CV_ACT_AUDIT, NULL)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st,
		"SELECT seq, time, actor, action, ids, outcome, hash FROM audit"
		" WHERE (?1 IS NULL OR time >= ?1) AND (?2 IS NULL OR actor = ?2)"
		" AND (?3 IS NULL OR (' ' || ids || ' ') LIKE ('% ' || ?3 || ' %'))"
		" ORDER BY seq")) < 0)
		return r;
	if (f && f->since)
		sqlite3_bind_text(st, 1, f->since, -1, SQLITE_STATIC);
	if (f && f->actor)
		sqlite3_bind_text(st, 2, f->actor, -1, SQLITE_STATIC);
	if (f && f->id)
		sqlite3_bind_text(st, 3, f->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cv_audit_event *e;

		if (cnt == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			cv_audit_event *nl = reallocarray(list, na, sizeof(*nl));
			if (!nl) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nl;
			alloc = na;
		}
		e = &list[cnt];
		memset(e, 0, sizeof(*e));
		e->seq = (long)sqlite3_column_int64(st, 0);
		snprintf(e->time, sizeof(e->time), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(e->actor, sizeof(e->actor), "%s", (const char *)sqlite3_column_text(st, 2));
		snprintf(e->action, sizeof(e->action), "%s", (const char *)sqlite3_column_text(st, 3));
		e->ids = strdup(sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "");
		snprintf(e->outcome, sizeof(e->outcome), "%s", (const char *)sqlite3_column_text(st, 5));
		snprintf(e->hash, sizeof(e->hash), "%s", (const char *)sqlite3_column_text(st, 6));
		cnt++;
		if (!e->ids) {
			r = cv_error(v, CV_ERROR, "out of memory");
			goto fail;
		}
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	cv_audit(v, "audit.show", 0, f && f->id ? f->id : NULL);
	return 0;
fail:
	sqlite3_finalize(st);
	cv_audit_list_free(list, cnt);
	return r;
}

void cv_audit_list_free(cv_audit_event *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i].ids);
	free(list);
}

int cv_audit_verify(cv_vault *v, cv_audit_report *rep)
{
	return audit_verify(v, NULL, rep);
}

int cv_audit_verify_since(cv_vault *v, const char *expect, cv_audit_report *rep)
{
	return audit_verify(v, expect, rep);
}
