/*
 * casevault - decisions on a request's records, redacted copies, the
 * disclosure bundle with its fail-closed check, and the disclosure log.
 *
 * The bundle (cv_request_bundle):
 *
 *   1. scope: every record of the request's case (never a linked case's),
 *      each with its decision; any "needs a decision" refuses.
 *   2. terms: the redactor (names, phones and e-mails of third parties and
 *      volunteers, the linked case's parent, the policy's patterns) and
 *      the "withheld" detector (titles of withheld records, short withheld
 *      texts) and fingerprints of longer withheld texts.
 *   3. write: a ZIP (libarchive) to a temporary file beside the target:
 *      letter.txt, index.html, index.json, then the released records as
 *      NNN.ext.  Archives are decrypted once each (cv_archive_read: GPGME
 *      to a pipe to a reader thread), each released member streamed
 *      through the redactor straight into the ZIP writer; withheld text is
 *      streamed into the fingerprints.  Every member's SHA-256 is checked
 *      against the index as it passes, and each archive's receipt before.
 *      ZIP form: AES-256 (WinZip AE-2), a generated passphrase.  OpenPGP
 *      form: the ZIP (unencrypted) goes through a pipe to gpg, encrypted
 *      to the recipient's key imported into a throw-away GNUPGHOME.
 *   4. check (fail closed): the ZIP is read back - reopened with the
 *      passphrase (ZIP form), or read from a second pipe carrying exactly
 *      the bytes handed to gpg (OpenPGP form) - and every text member is
 *      searched.  Any hit, any unexpected member, any entry time other
 *      than the bundle's deletes the file.
 *   5. the temporary file is linked to the target (never overwriting),
 *      then the disclosure log and the audit event are committed; a
 *      failure there removes the bundle again.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <gcrypt.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/helper_serve.h"
#include "crypto/seal.h"
#include "ops/disclose.h"
#include "ops/record.h"
#include "rules/redpolicy.h"
#include "store/archive.h"
#include "store/index.h"
#include "casevault/audit.h"
#include "casevault/case.h"
#include "casevault/date.h"
#include "casevault/record.h"
#include "casevault/staff.h"

static const char *const dec_names[] = { "needs-decision", "release", "redact", "withhold", "copy" };

const char *cv_decision_name(cv_decision d)
{
	return (unsigned)d <= CV_DEC_COPY ? dec_names[d] : "unknown";
}

static int dec_parse(const char *s, cv_decision *out)
{
	int i;

	for (i = 0; i <= CV_DEC_COPY; i++)
		if (s && !strcmp(s, dec_names[i])) {
			*out = (cv_decision)i;
			return 0;
		}
	return CV_EINVAL;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

void cv_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int unseal_col(cv_vault *v, sqlite3_stmt *st, int c, cv_section s, const char *table, const char *column,
		      const char *id, char **out)
{
	char ctx[96];

	*out = NULL;
	if (sqlite3_column_type(st, c) == SQLITE_NULL || !v->mkey[s])
		return 0;
	snprintf(ctx, sizeof(ctx), "%s.%s:%s", table, column, id);
	return cv_unseal(v, s, ctx, sqlite3_column_blob(st, c), (size_t)sqlite3_column_bytes(st, c), out, NULL);
}

/* ---- scope ---- */

typedef struct {
	cv_scope_item it;
	long seq;
	int64_t size;
	char decider_role[16];
	/* what goes out: the record itself or its attached copy */
	char src_id[16];
	char src_mime[96];
	int64_t src_size;
	sqlite3_int64 src_archive;
	char src_member[64];
	int src_section;
	int src_text;
	/* bundle bookkeeping */
	int number;
	char name[32];
	int redact;            /* through the redactor */
	int check_terms;       /* fail-closed: search for redaction terms */
	int fingerprint;       /* withheld text: fingerprint it */
	int done;
	sqlite3_int64 archive;
	char member[64];
} sitem;

static void sitems_free(sitem *s, size_t n)
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
static int load_decision(cv_vault *v, const char *req_id, sitem *s)
{
	sqlite3_stmt *st = NULL;
	int r = 0;

	if ((r = cv_index_prepare(v, &st,
		"SELECT id, decision, ground, reason, copy_record, section, decided_by, decider_role, decided_at"
		" FROM decisions WHERE request_id = ? AND record_id = ? ORDER BY id DESC LIMIT 1")) < 0)
		return r;
	sqlite3_bind_text(st, 1, req_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->it.record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char did[32];
		cv_section sec;

		snprintf(did, sizeof(did), "%lld", (long long)sqlite3_column_int64(st, 0));
		dec_parse(col(st, 1), &s->it.decision);
		cv_section_parse(&sec, col(st, 5));
		s->it.is_default = 0;
		cv_wipe_free(s->it.ground);
		s->it.ground = NULL;
		if ((r = unseal_col(v, st, 2, sec, "decisions", "ground", did, &s->it.ground)) < 0 ||
		    (r = unseal_col(v, st, 3, sec, "decisions", "reason", did, &s->it.reason)) < 0)
			goto out;
		snprintf(s->it.copy_record, sizeof(s->it.copy_record), "%s", col(st, 4));
		snprintf(s->it.decided_by, sizeof(s->it.decided_by), "%s", col(st, 6));
		snprintf(s->decider_role, sizeof(s->decider_role), "%s", col(st, 7));
		snprintf(s->it.decided_at, sizeof(s->it.decided_at), "%s", col(st, 8));
	}
out:
	sqlite3_finalize(st);
	return r;
}

static int load_source(cv_vault *v, const cv_rpolicy *pol, sitem *s)
{
	sqlite3_stmt *st = NULL;
	const char *src = s->it.decision == CV_DEC_COPY ? s->it.copy_record : s->it.record_id;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT id, mime, size, archive_id, member, section FROM records WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, src, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ECORRUPT, "the redacted copy %s of record %s is missing; attach it again", src, s->it.record_id);
	}
	snprintf(s->src_id, sizeof(s->src_id), "%s", col(st, 0));
	snprintf(s->src_mime, sizeof(s->src_mime), "%s", col(st, 1));
	s->src_size = sqlite3_column_int64(st, 2);
	s->src_archive = sqlite3_column_int64(st, 3);
	snprintf(s->src_member, sizeof(s->src_member), "%s", col(st, 4));
	{
		cv_section sec;
		cv_section_parse(&sec, col(st, 5));
		s->src_section = sec;
	}
	s->src_text = cv_rpolicy_is_text(pol, s->src_mime);
	sqlite3_finalize(st);
	return 0;
}

static int load_scope(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, sitem **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	sitem *list = NULL;
	size_t cnt = 0, alloc = 0, i;
	int r = 0, rc, people = cv_people_any(v, req->case_id);

	*out = NULL;
	*n = 0;
	if ((r = cv_index_prepare(v, &st,
		"SELECT r.id, r.section, r.class, r.title, r.event_date, r.mime, r.seq, r.size, r.archive_id, r.member"
		" FROM records r WHERE r.case_id = ?"
		" AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.copy_record = r.id)"
		" ORDER BY r.seq")) < 0)
		return r;
	sqlite3_bind_text(st, 1, req->case_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sitem *s;
		cv_section sec;
		char *ev = NULL;

		if (cnt == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			sitem *nl = reallocarray(list, na, sizeof(*nl));
			if (!nl) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nl;
			alloc = na;
		}
		s = &list[cnt++];
		memset(s, 0, sizeof(*s));
		snprintf(s->it.record_id, sizeof(s->it.record_id), "%s", col(st, 0));
		cv_section_parse(&sec, col(st, 1));
		s->it.section = sec;
		snprintf(s->it.class_name, sizeof(s->it.class_name), "%s", col(st, 2));
		snprintf(s->it.mime, sizeof(s->it.mime), "%s", col(st, 5));
		s->seq = (long)sqlite3_column_int64(st, 6);
		s->size = sqlite3_column_int64(st, 7);
		s->archive = sqlite3_column_int64(st, 8);
		snprintf(s->member, sizeof(s->member), "%s", col(st, 9));
		s->it.text = cv_rpolicy_is_text(pol, s->it.mime);
		if ((r = unseal_col(v, st, 3, sec, "records", "title", s->it.record_id, &s->it.title)) < 0 ||
		    (r = unseal_col(v, st, 4, sec, "records", "event_date", s->it.record_id, &ev)) < 0)
			goto fail;
		if (ev) {
			snprintf(s->it.event_date, sizeof(s->it.event_date), "%s", ev);
			free(ev);
		}
		/* the policy's default */
		s->it.is_default = 1;
		if (sec == CV_SECTION_CP) {
			s->it.decision = CV_DEC_WITHHOLD;
			s->it.ground = strdup(pol->cp_ground);
		} else if (s->it.text) {
			s->it.decision = pol->case_text;
		} else {
			s->it.decision = people ? pol->case_other : pol->case_other_none;
		}
		if (s->it.decision == CV_DEC_WITHHOLD && !s->it.ground)
			s->it.ground = strdup("policy-default");
	}
	if (rc != SQLITE_DONE) {
		r = cv_index_dberr(v, "list the request's records");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (i = 0; i < cnt; i++) {
		if ((r = load_decision(v, req->id, &list[i])) < 0)
			goto fail;
		if ((r = load_source(v, pol, &list[i])) < 0)
			goto fail;
	}
	*out = list;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	sitems_free(list, cnt);
	return r;
}

int cv_request_scope(cv_vault *v, const char *req_id, cv_scope_item **out, size_t *n)
{
	cv_rpolicy *pol = NULL;
	cv_req_row req;
	sitem *s = NULL;
	size_t ns = 0, i;
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
	if ((r = load_scope(v, pol, &req, &s, &ns)) < 0)
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
	{
		char ids[64];
		snprintf(ids, sizeof(ids), "%s %s", req_id, req.case_id);
		cv_audit(v, "request.show", 0, ids);
	}
out:
	sitems_free(s, ns);
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

/* ---- decisions ---- */

/* record_id must be a record of req's case (not a copy): its section, mime and class. */
static int in_scope(cv_vault *v, const cv_req_row *req, const char *record_id, cv_section *sec, char mime[96], char cls[64])
{
	sqlite3_stmt *st = NULL;
	char case_id[24] = "";
	int r, linked = 0;

	if (!record_id || strncmp(record_id, "R-", 2) || strlen(record_id) >= 16)
		return cv_error(v, CV_ENOTFOUND, "no record %.40s in this vault", record_id ? record_id : "");
	if ((r = cv_index_prepare(v, &st, "SELECT case_id, section, mime, class FROM records WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ENOTFOUND, "no record %s in this vault; see 'casevault request show %s'", record_id, req->id);
	}
	snprintf(case_id, sizeof(case_id), "%s", col(st, 0));
	cv_section_parse(sec, col(st, 1));
	snprintf(mime, 96, "%s", col(st, 2));
	snprintf(cls, 64, "%s", col(st, 3));
	sqlite3_finalize(st);
	st = NULL;
	if (strcmp(case_id, req->case_id)) {
		if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM case_links WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)")) < 0)
			return r;
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, req->case_id, -1, SQLITE_STATIC);
		linked = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (linked)
			return cv_error(v, CV_EREFUSED, "record %s belongs to the linked case %s: records of the other side of a separated family are never disclosed in request %s",
					record_id, case_id, req->id);
		return cv_error(v, CV_EREFUSED, "record %s is not in the scope of request %s (it belongs to %s, not %s)",
				record_id, req->id, case_id[0] ? case_id : "no case", req->case_id);
	}
	if ((r = cv_index_prepare(v, &st, "SELECT record_id FROM decisions WHERE copy_record = ? LIMIT 1")) < 0)
		return r;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r = cv_error(v, CV_EREFUSED, "record %s is a redacted copy of %s; decide on the original", record_id, col(st, 0));
		sqlite3_finalize(st);
		return r;
	}
	sqlite3_finalize(st);
	return 0;
}

static int insert_decision(cv_vault *v, const cv_req_row *req, const char *record_id, cv_section sec,
			   cv_decision d, const char *ground, const char *reason, const char *copy,
			   const char *policy_hash)
{
	sqlite3_stmt *st = NULL;
	unsigned char *b = NULL;
	size_t blen = 0;
	char now[32], ctx[96];
	sqlite3_int64 id;
	int r;

	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO decisions(request_id, record_id, decision, copy_record, section, decided_by, decider_role, decided_at, policy_hash)"
		" VALUES(?,?,?,?,?,?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, req->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, dec_names[d], -1, SQLITE_STATIC);
	if (copy)
		sqlite3_bind_text(st, 4, copy, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, cv_section_name(sec), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, v->actor_role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, policy_hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return cv_index_dberr(v, "record the decision");
	}
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(v->db);
	if (ground) {
		snprintf(ctx, sizeof(ctx), "decisions.ground:%lld", (long long)id);
		if ((r = cv_seal_str(v, sec, ctx, ground, &b, &blen)) < 0)
			return r;
		if ((r = cv_index_prepare(v, &st, "UPDATE decisions SET ground = ? WHERE id = ?")) < 0) {
			free(b);
			return r;
		}
		sqlite3_bind_blob(st, 1, b, (int)blen, free);
		sqlite3_bind_int64(st, 2, id);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "record the decision");
		sqlite3_finalize(st);
		if (r < 0)
			return r;
	}
	snprintf(ctx, sizeof(ctx), "decisions.reason:%lld", (long long)id);
	if ((r = cv_seal_str(v, sec, ctx, reason, &b, &blen)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "UPDATE decisions SET reason = ? WHERE id = ?")) < 0) {
		free(b);
		return r;
	}
	sqlite3_bind_blob(st, 1, b, (int)blen, free);
	sqlite3_bind_int64(st, 2, id);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "record the decision");
	sqlite3_finalize(st);
	return r;
}

int cv_request_decide(cv_vault *v, const char *req_id, const char *record_id, cv_decision d,
		      const char *ground, const char *reason)
{
	cv_rpolicy *pol = NULL;
	cv_req_row req;
	cv_section sec;
	char mime[96], cls[64], ids[80];
	int r;

	if (d != CV_DEC_RELEASE && d != CV_DEC_REDACT && d != CV_DEC_WITHHOLD)
		return cv_error(v, CV_EINVAL, "a decision is --release, --redact or --withhold GROUND");
	if (!cv_text_one_line(reason, 2000))
		return cv_error(v, CV_EINVAL, "a decision needs a reason (--reason R, one line)");
	if (d != CV_DEC_WITHHOLD && ground)
		return cv_error(v, CV_EINVAL, "a ground goes with --withhold only");
	if ((r = cv_req_fetch(v, req_id, &req)) < 0)
		return r;
	if (!req.open)
		return cv_error(v, CV_EREFUSED, "request %s is closed; its decisions can no longer change", req_id);
	if ((r = in_scope(v, &req, record_id, &sec, mime, cls)) < 0)
		return r;
	if ((r = cv_rpolicy_vault(v, &pol)) < 0)
		return r;
	if (d == CV_DEC_WITHHOLD && !cv_rpolicy_ground(pol, ground)) {
		r = cv_error(v, CV_EINVAL, "'%.40s' is not a ground of the redaction policy; see [grounds] in policies/redaction.ini", ground ? ground : "");
		goto out;
	}
	if (d == CV_DEC_REDACT && !cv_rpolicy_is_text(pol, mime)) {
		r = cv_error(v, CV_EREFUSED, "record %s is %s, which casevault cannot redact; attach a redacted copy with 'casevault request attach %s %s PATH'",
			     record_id, mime, req_id, record_id);
		goto out;
	}
	/* docs/legal-rules.md §8: child-protection material is released only by a cp-lead or manager */
	snprintf(ids, sizeof(ids), "%s %s", req_id, record_id);
	if ((r = cv_authorize(v, sec == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, ids)) < 0)
		goto out;
	if ((r = cv_require_key(v, sec)) < 0)
		goto out;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		goto out;
	if ((r = cv_index_begin(v)) < 0)
		goto unlock;
	if ((r = insert_decision(v, &req, record_id, sec, d, ground, reason, NULL, pol->hash)) < 0 ||
	    (r = cv_audit(v, "request.decide", 0, ids)) < 0) {
		cv_index_rollback(v);
		goto unlock;
	}
	r = cv_index_commit(v);
unlock:
	cv_vault_unlock_writer(v);
out:
	cv_rpolicy_free(pol);
	return r;
}

/* One sealed column of a record, unsealed (*out NULL when the record has none). */
static int record_sealed(cv_vault *v, const char *record_id, cv_section sec, const char *column, char **out)
{
	sqlite3_stmt *st = NULL;
	char sql[80];
	int r;

	*out = NULL;
	snprintf(sql, sizeof(sql), "SELECT %s FROM records WHERE id = ?", column);  /* column: a constant */
	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		return r;
	sqlite3_bind_text(st, 1, record_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = unseal_col(v, st, 0, sec, "records", column, record_id, out);
	sqlite3_finalize(st);
	return r;
}

/*
 * A "redacted copy" with exactly the original's bytes is the original,
 * unredacted: attaching it would disclose everything redaction was meant
 * to remove (a scan's text cannot be checked by the bundle's check).
 */
static int refuse_unchanged(cv_vault *v, const char *record_id, cv_section sec, const char *path)
{
	char *orig = NULL, got[65];
	int fd, r;

	if ((r = record_sealed(v, record_id, sec, "sha256", &orig)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		struct stat sb;

		/* the filing's own checks say what is wrong with anything else */
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && cv_fd_sha256(fd, got, NULL) == 0 &&
		    orig && !strcmp(orig, got))
			r = cv_error(v, CV_EREFUSED, "%s is %s itself, unchanged: redact it (black out, re-scan or edit) and attach the redacted file",
				     path, record_id);
		close(fd);
	}
	free(orig);
	return r;
}

int cv_request_attach(cv_vault *v, const char *req_id, const char *record_id, const char *path,
		      char copy_out[16])
{
	cv_rpolicy *pol = NULL;
	cv_req_row req;
	cv_section sec;
	cv_file_item it;
	char mime[96], cls[64], ids[80], title[64], *ev = NULL;
	int r;

	if (!path || !*path)
		return cv_error(v, CV_EINVAL, "no redacted copy given");
	if ((r = cv_req_fetch(v, req_id, &req)) < 0)
		return r;
	if (!req.open)
		return cv_error(v, CV_EREFUSED, "request %s is closed", req_id);
	if ((r = in_scope(v, &req, record_id, &sec, mime, cls)) < 0)
		return r;
	if ((r = cv_rpolicy_vault(v, &pol)) < 0)
		return r;
	snprintf(ids, sizeof(ids), "%s %s", req_id, record_id);
	if ((r = cv_authorize(v, sec == CV_SECTION_CP ? CV_ACT_READ_CP : CV_ACT_READ_CASE, ids)) < 0)
		goto out;
	if ((r = cv_require_key(v, sec)) < 0)
		goto out;
	/* the copy keeps the original's event date (its place in the bundle's order) */
	if ((r = record_sealed(v, record_id, sec, "event_date", &ev)) < 0)
		goto out;
	if ((r = refuse_unchanged(v, record_id, sec, path)) < 0)
		goto out;
	memset(&it, 0, sizeof(it));
	it.case_id = req.case_id;
	it.section = sec;
	it.class_name = cls;
	it.path = path;
	snprintf(title, sizeof(title), "Redacted copy of %s for %s", record_id, req_id);
	it.title = title;
	it.date = ev;
	/* the same copy may serve two requests: only the original itself is refused (above) */
	if ((r = cv_file(v, &it, 1, CV_FILE_ALLOW_DUPLICATES, NULL, NULL, NULL)) < 0)
		goto out;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		goto out;
	if ((r = cv_index_begin(v)) < 0)
		goto unlock;
	snprintf(ids, sizeof(ids), "%s %s %s", req_id, record_id, it.record_id);
	if ((r = insert_decision(v, &req, record_id, sec, CV_DEC_COPY, NULL, "redacted copy attached", it.record_id, pol->hash)) < 0 ||
	    (r = cv_audit(v, "request.attach", 0, ids)) < 0) {
		cv_index_rollback(v);
		goto unlock;
	}
	if ((r = cv_index_commit(v)) < 0)
		goto unlock;
	snprintf(copy_out, 16, "%s", it.record_id);
unlock:
	cv_vault_unlock_writer(v);
out:
	free(ev);
	cv_rpolicy_free(pol);
	return r;
}

/* ---- the bundle ---- */

typedef struct {
	cv_vault *v;
	const cv_rpolicy *pol;
	cv_req_row req;
	sitem *s;
	size_t ns;
	sitem **rel;            /* released, in number order */
	size_t nrel;
	int width;              /* digits of the member numbers */
	cv_redactor *red;       /* names + patterns: what the records go through */
	cv_redactor *cred;      /* the same terms, for the check (its own: it may run in another thread) */
	cv_redactor *names;     /* names only: the letter is searched with this */
	int phase;              /* 1: fingerprints of withheld text; 2: the ZIP */
	cv_redactor *withheld;  /* titles and short texts of withheld records */
	cv_fprint *fp;          /* longer withheld texts */
	char **fp_owner;        /* not used: fingerprints do not say whose they are */
	char *requester;
	char *letter;           /* the filled template */
	char *index_json, *index_html;
	time_t mtime;
	char date[11];
	const char *passphrase; /* ZIP form */
	/* writing */
	struct archive *zw;
	int outfd;              /* where the ZIP bytes go */
	int teefd;              /* OpenPGP form: a copy of them for the check */
	gcry_md_hd_t md;        /* of the file (ZIP form) */
	int64_t written;
	/* the member being streamed */
	sitem *cur;
	int cur_mode;           /* 0 skip, 1 into the ZIP, 2 into the fingerprints */
	gcry_md_hd_t cur_md;
	int64_t cur_bytes;
	int err;
	char msg[256];
} bctx;

static int bfail(bctx *b, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bfail(bctx *b, int code, const char *fmt, ...)
{
	va_list ap;

	if (b->err)
		return b->err;
	va_start(ap, fmt);
	vsnprintf(b->msg, sizeof(b->msg), fmt, ap);
	va_end(ap);
	b->err = code;
	return code;
}

static int cmp_release(const void *x, const void *y)
{
	const sitem *a = *(sitem *const *)x, *b = *(sitem *const *)y;
	int c = strcmp(a->it.event_date, b->it.event_date);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static la_ssize_t zw_write(struct archive *a, void *hook, const void *buf, size_t len)
{
	bctx *b = hook;

	(void)a;
	if (cv_write_all(b->outfd, buf, len) < 0) {
		archive_set_error(a, errno, "cannot write the bundle");
		return -1;
	}
	if (b->teefd >= 0 && cv_write_all(b->teefd, buf, len) < 0) {
		archive_set_error(a, errno, "the bundle check stopped");
		return -1;
	}
	if (b->md)
		gcry_md_write(b->md, buf, len);
	b->written += (int64_t)len;
	return (la_ssize_t)len;
}

static int zip_header(bctx *b, const char *name, int64_t size, int compress)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return bfail(b, CV_ERROR, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	/* one time for every member: nothing about a record's history */
	archive_entry_set_mtime(e, b->mtime, 0);
	if (size >= 0)
		archive_entry_set_size(e, size);
	if (compress)
		archive_write_zip_set_compression_deflate(b->zw);
	else
		archive_write_zip_set_compression_store(b->zw);
	r = archive_write_header(b->zw, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return bfail(b, CV_ERROR, "cannot write the bundle: %s", archive_error_string(b->zw));
	return 0;
}

static int zip_data(bctx *b, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		la_ssize_t w = archive_write_data(b->zw, p, len);
		if (w <= 0)
			return bfail(b, CV_ERROR, "cannot write the bundle: %s", archive_error_string(b->zw));
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int zip_mem(bctx *b, const char *name, const char *text)
{
	int r;

	if ((r = zip_header(b, name, (int64_t)strlen(text), 1)) < 0)
		return r;
	return zip_data(b, text, strlen(text));
}

static int red_sink(void *hook, const void *buf, size_t len)
{
	return zip_data(hook, buf, len) < 0 ? -1 : 0;
}

/* cv_archive_read callbacks (the reader thread): route each member. */
static int rd_entry(void *hook, const char *name, int64_t size)
{
	bctx *b = hook;
	size_t i;

	(void)size;
	if (b->err)
		return -1;
	b->cur = NULL;
	b->cur_mode = 0;
	/* member names are record ids, unique in the vault */
	for (i = 0; i < b->ns; i++) {
		sitem *s = &b->s[i];
		if (s->done)
			continue;
		if (b->phase == 2 && s->number && !strcmp(name, s->src_member)) {
			b->cur = s;
			b->cur_mode = 1;
			break;
		}
		if (b->phase == 1 && s->fingerprint && !strcmp(name, s->member)) {
			b->cur = s;
			b->cur_mode = 2;
			break;
		}
	}
	if (!b->cur)
		return 0;
	if (gcry_md_open(&b->cur_md, GCRY_MD_SHA256, 0)) {
		bfail(b, CV_ERROR, "cannot start SHA-256");
		return -1;
	}
	b->cur_bytes = 0;
	if (b->cur_mode == 1) {
		sitem *s = b->cur;
		const cv_filetype *ft = cv_policy_filetype(b->v->policy, s->src_mime);
		int compress = (ft && ft->compressible) || s->redact;

		if (zip_header(b, s->name, s->redact ? -1 : s->src_size, compress) < 0)
			return -1;
	}
	return 1;
}

static int rd_data(void *hook, const void *buf, size_t len)
{
	bctx *b = hook;
	int r;

	if (b->err || !b->cur)
		return -1;
	gcry_md_write(b->cur_md, buf, len);
	b->cur_bytes += (int64_t)len;
	if (b->cur_mode == 2)
		return cv_fprint_add(b->fp, buf, len) < 0 ? (bfail(b, CV_ERROR, "out of memory"), -1) : 0;
	if (b->cur->redact) {
		r = cv_redactor_feed(b->red, buf, len, red_sink, b);
		if (r == CV_EINVAL)
			bfail(b, CV_EREFUSED, "record %s is not plain 8-bit text (it holds NUL bytes), so casevault cannot redact it; decide on it again (--release, --withhold, or attach a redacted copy)",
			      b->cur->src_id);
		return r < 0 ? -1 : 0;
	}
	return zip_data(b, buf, len) < 0 ? -1 : 0;
}

static int rd_end(void *hook, const char *name)
{
	bctx *b = hook;
	sitem *s = b->cur;
	char got[65], *want = NULL, ctx[64];
	const unsigned char *d;
	int i, r = 0;

	(void)name;
	if (!s)
		return 0;
	b->cur = NULL;
	if (b->cur_mode == 2)
		cv_fprint_add_end(b->fp);
	else if (s->redact && (r = cv_redactor_finish(b->red, red_sink, b)) < 0) {
		if (r == CV_EINVAL)
			bfail(b, CV_EREFUSED, "record %s is not plain 8-bit text (it holds NUL bytes), so casevault cannot redact it; decide on it again (--release, --withhold, or attach a redacted copy)", s->src_id);
		r = -1;
	}
	d = gcry_md_read(b->cur_md, GCRY_MD_SHA256);
	for (i = 0; i < 32; i++)
		sprintf(got + 2 * i, "%02x", d[i]);
	gcry_md_close(b->cur_md);
	b->cur_md = NULL;
	if (r < 0)
		return -1;
	/* the bytes must be what was filed */
	{
		const char *id = b->cur_mode == 2 ? s->it.record_id : s->src_id;
		int sec = b->cur_mode == 2 ? s->it.section : s->src_section;
		sqlite3_stmt *st = NULL;
		int64_t size = -1;

		/* the index is only read here, from this one thread while the caller waits */
		if (cv_index_prepare(b->v, &st, "SELECT sha256, size FROM records WHERE id = ?") == 0) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				snprintf(ctx, sizeof(ctx), "records.sha256:%s", id);
				if (cv_unseal(b->v, (cv_section)sec, ctx, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &want, NULL) < 0)
					want = NULL;
				size = sqlite3_column_int64(st, 1);
			}
			sqlite3_finalize(st);
		}
		if (!want || strcmp(want, got) || size != b->cur_bytes) {
			free(want);
			bfail(b, CV_ECORRUPT, "record %s does not match its recorded hash; nothing was written (run 'casevault verify')", id);
			return -1;
		}
		free(want);
	}
	s->done = 1;
	return 0;
}

/* Decrypt one archive and stream what is needed from it. */
static int read_archive(bctx *b, sqlite3_int64 aid)
{
	cv_vault *v = b->v;
	sqlite3_stmt *st = NULL;
	char file[64], sha[65], got[65], key[CV_KEY_HEX + 1], *wrapped = NULL, *path = NULL;
	cv_archive_reader rd = { rd_entry, rd_data, rd_end, b };
	sqlite3_int64 receipt;
	cv_section sec;
	int gen, r;

	if ((r = cv_index_prepare(v, &st, "SELECT file, sha256, wrapped_key, key_gen, receipt_id, section FROM archives WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(st, 1, aid);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_ECORRUPT, "an archive of request %s's records is missing from the index; run 'casevault verify'", b->req.id);
	}
	snprintf(file, sizeof(file), "%s", col(st, 0));
	snprintf(sha, sizeof(sha), "%s", col(st, 1));
	wrapped = strdup(col(st, 2));
	gen = sqlite3_column_int(st, 3);
	receipt = sqlite3_column_int64(st, 4);
	cv_section_parse(&sec, col(st, 5));
	sqlite3_finalize(st);
	if (!wrapped || asprintf(&path, "%s/%s", v->archdir, file) < 0) {
		free(wrapped);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	if ((r = cv_verify_receipt(v, receipt, file, sha)) < 0)
		goto out;
	if ((r = cv_keys_unwrap(v, sec, gen, wrapped, key)) < 0)
		goto out;
	r = cv_archive_read(v, path, key, &rd, got);
	explicit_bzero(key, sizeof(key));
	if (b->err) {
		r = cv_error(v, b->err, "%s", b->msg);
		goto out;
	}
	if (r < 0)
		goto out;
	if (strcmp(got, sha)) {
		r = cv_error(v, CV_ECORRUPT, "archive %s has been altered (hash mismatch); nothing was written (run 'casevault verify')", file);
		goto out;
	}
out:
	free(wrapped);
	free(path);
	return r;
}

/* JSON and HTML index, the cover letter. */
static char *html_escape(const char *s)
{
	size_t n = 0;
	const char *p;
	char *o, *q;

	for (p = s; *p; p++)
		n += (*p == '<' || *p == '>') ? 4 : *p == '&' ? 5 : (*p == '"' || *p == '\'') ? 6 : 1;
	o = q = malloc(n + 1);
	if (!o)
		return NULL;
	for (p = s; *p; p++) {
		switch (*p) {
		case '<': memcpy(q, "&lt;", 4); q += 4; break;
		case '>': memcpy(q, "&gt;", 4); q += 4; break;
		case '&': memcpy(q, "&amp;", 5); q += 5; break;
		case '"': memcpy(q, "&quot;", 6); q += 6; break;
		case '\'': memcpy(q, "&#39;", 5); q += 5; break;
		default: *q++ = *p;
		}
	}
	*q = '\0';
	return o;
}

static const char *class_label(cv_vault *v, const char *cls)
{
	const cv_class *c = cv_policy_class(v->policy, cls);
	return c ? c->label : "Record";
}

static int make_index(bctx *b)
{
	json_t *root = json_object(), *arr = json_array();
	FILE *f = NULL;
	char *html = NULL;
	size_t hlen = 0, i;
	int r = 0;

	if (!root || !arr) {
		json_decref(root);
		json_decref(arr);
		return cv_error(b->v, CV_ERROR, "out of memory");
	}
	json_object_set_new(root, "request", json_string(b->req.id));
	json_object_set_new(root, "date", json_string(b->date));
	f = open_memstream(&html, &hlen);
	if (!f) {
		json_decref(root);
		json_decref(arr);
		return cv_error(b->v, CV_ERROR, "out of memory");
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Documents</title></head>\n<body>\n"
		"<h1>Documents</h1>\n<p>Request %s, %s. See letter.txt.</p>\n<table>\n"
		"<tr><th>Number</th><th>Date</th><th>Kind</th><th>Title</th><th>File</th></tr>\n", b->req.id, b->date);
	for (i = 0; i < b->nrel; i++) {
		sitem *s = b->rel[i];
		char *title = NULL, *et = NULL, *ek = NULL;
		const char *kind = class_label(b->v, s->it.class_name);

		/* titles are redacted like the text, always */
		if ((r = cv_redactor_string(b->red, s->it.title ? s->it.title : "", &title)) < 0) {
			r = cv_error(b->v, CV_ERROR, "cannot redact a title");
			break;
		}
		json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:s, s:s}", "number", s->number, "file", s->name,
						      "date", s->it.event_date, "kind", kind, "title", title));
		et = html_escape(title);
		ek = html_escape(kind);
		if (!et || !ek) {
			free(et);
			free(ek);
			cv_wipe_free(title);
			r = cv_error(b->v, CV_ERROR, "out of memory");
			break;
		}
		fprintf(f, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td><a href=\"%s\">%s</a></td></tr>\n",
			s->number, s->it.event_date, ek, et, s->name, s->name);
		free(et);
		free(ek);
		cv_wipe_free(title);
	}
	fprintf(f, "</table>\n</body></html>\n");
	fclose(f);
	json_object_set_new(root, "documents", arr);
	if (r == 0) {
		b->index_json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		b->index_html = html;
		html = NULL;
		if (!b->index_json)
			r = cv_error(b->v, CV_ERROR, "out of memory");
	}
	json_decref(root);
	free(html);
	return r;
}

static int make_letter(bctx *b)
{
	const char *t = b->pol->letter ? b->pol->letter : "";
	FILE *f;
	char *out = NULL;
	size_t len = 0;

	f = open_memstream(&out, &len);
	if (!f)
		return cv_error(b->v, CV_ERROR, "out of memory");
	while (*t) {
		const char *e;
		if (t[0] == '{' && t[1] == '{' && (e = strstr(t + 2, "}}"))) {
			size_t n = (size_t)(e - t - 2);
			const char *val = NULL;
			if (n == 9 && !strncmp(t + 2, "requester", 9))
				val = b->requester;
			else if (n == 7 && !strncmp(t + 2, "request", 7))
				val = b->req.id;
			else if (n == 8 && !strncmp(t + 2, "received", 8))
				val = b->req.received;
			else if (n == 3 && !strncmp(t + 2, "due", 3))
				val = b->req.due;
			else if (n == 4 && !strncmp(t + 2, "date", 4))
				val = b->date;
			else if (n == 6 && !strncmp(t + 2, "office", 6))
				val = b->pol->office;
			else if (n == 4 && !strncmp(t + 2, "case", 4))
				val = b->req.case_id;
			if (val) {
				fputs(val, f);
				t = e + 2;
				continue;
			}
		}
		fputc(*t++, f);
	}
	fclose(f);
	if (!out)
		return cv_error(b->v, CV_ERROR, "out of memory");
	b->letter = out;
	return 0;
}

/* Everything into the ZIP writer b->zw (already open). */
static int produce(bctx *b)
{
	sqlite3_int64 *aids = NULL;
	size_t na = 0, i, j;
	int r;

	aids = calloc(b->ns ? b->ns : 1, sizeof(*aids));
	if (!aids)
		return cv_error(b->v, CV_ERROR, "out of memory");
	/*
	 * Phase 1: every withheld text into the fingerprints, before a byte of
	 * the ZIP exists (the OpenPGP form checks it while it is written).
	 */
	b->phase = 1;
	for (i = 0; i < b->ns; i++)
		if (b->s[i].fingerprint) {
			for (j = 0; j < na && aids[j] != b->s[i].archive; j++)
				;
			if (j == na)
				aids[na++] = b->s[i].archive;
		}
	for (i = 0; i < na; i++)
		if ((r = read_archive(b, aids[i])) < 0) {
			free(aids);
			return r;
		}
	/* Phase 2: the ZIP; each archive once, in the order of the first number it serves. */
	b->phase = 2;
	na = 0;
	if (zip_mem(b, "letter.txt", b->letter) < 0 || zip_mem(b, "index.html", b->index_html) < 0 ||
	    zip_mem(b, "index.json", b->index_json) < 0) {
		free(aids);
		return cv_error(b->v, b->err, "%s", b->msg);
	}
	for (i = 0; i < b->nrel; i++) {
		for (j = 0; j < na && aids[j] != b->rel[i]->src_archive; j++)
			;
		if (j == na)
			aids[na++] = b->rel[i]->src_archive;
	}
	for (i = 0; i < na; i++)
		if ((r = read_archive(b, aids[i])) < 0) {
			free(aids);
			return r;
		}
	free(aids);
	for (i = 0; i < b->ns; i++)
		if ((b->s[i].number || b->s[i].fingerprint) && !b->s[i].done)
			return cv_error(b->v, CV_ECORRUPT, "record %s is missing from its archive; nothing was written (run 'casevault verify')",
					b->s[i].number ? b->s[i].src_id : b->s[i].it.record_id);
	if (archive_write_close(b->zw) != ARCHIVE_OK)
		return cv_error(b->v, CV_ERROR, "cannot finish the bundle: %s", archive_error_string(b->zw));
	return 0;
}

static int zip_open(bctx *b, int encrypt)
{
	b->zw = archive_write_new();
	if (!b->zw)
		return cv_error(b->v, CV_ERROR, "out of memory");
	if (archive_write_set_format_zip(b->zw) != ARCHIVE_OK ||
	    (encrypt && (archive_write_set_options(b->zw, "zip:encryption=aes256") != ARCHIVE_OK ||
			 archive_write_set_passphrase(b->zw, b->passphrase) != ARCHIVE_OK)) ||
	    archive_write_set_bytes_per_block(b->zw, 0) != ARCHIVE_OK ||
	    archive_write_open(b->zw, b, NULL, zw_write, NULL) != ARCHIVE_OK)
		return cv_error(b->v, CV_ERROR, "cannot start the bundle (AES-256 ZIP): %s", archive_error_string(b->zw));
	return 0;
}

/* ---- the fail-closed check ---- */

typedef struct {
	bctx *b;
	int err;
	char msg[256];
} chk;

static int chk_fail(chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int chk_fail(chk *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->err = CV_EREFUSED;
	return -1;
}

/* Read every member of ar and search the text ones. */
static void check_archive(chk *c, struct archive *ar)
{
	bctx *b = c->b;
	struct archive_entry *e;
	size_t seen = 0, i;
	char *buf = malloc(65536);
	int r;

	if (!buf) {
		chk_fail(c, "out of memory");
		return;
	}
	while (!c->err && (r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		sitem *s = NULL;
		int meta = 0, letter = 0, text, terms, pats;
		const char *what;
		char whatbuf[64];

		if (!name) {
			chk_fail(c, "a member of the bundle has no name");
			break;
		}
		if (archive_entry_mtime(e) != b->mtime || archive_entry_filetype(e) != AE_IFREG) {
			chk_fail(c, "member %.40s of the bundle carries another time or type", name);
			break;
		}
		if (!strcmp(name, "letter.txt"))
			letter = 1;
		else if (!strcmp(name, "index.html") || !strcmp(name, "index.json"))
			meta = 1;
		else
			for (i = 0; i < b->nrel; i++)
				if (!strcmp(b->rel[i]->name, name)) {
					s = b->rel[i];
					break;
				}
		if (!letter && !meta && !s) {
			chk_fail(c, "the bundle holds an unexpected member (%.40s)", name);
			break;
		}
		seen++;
		text = letter || meta || (s && s->src_text);
		/* names in everything but a record released as it is by a recorded decision;
		 * patterns in the index and redacted records (the letter carries the office's own details) */
		terms = letter || meta || (s && s->check_terms);
		pats = meta || (s && s->check_terms);
		if (s)
			snprintf(whatbuf, sizeof(whatbuf), "record %s (member %s)", s->src_id, s->name);
		else
			snprintf(whatbuf, sizeof(whatbuf), "the %s", letter ? "cover letter" : "index");
		what = whatbuf;
		if (!text) {
			archive_read_data_skip(ar);
			continue;
		}
		for (;;) {
			la_ssize_t n = archive_read_data(ar, buf, 65536);
			if (n < 0) {
				chk_fail(c, "cannot read the bundle back: %s", archive_error_string(ar));
				break;
			}
			if (n == 0)
				break;
			if (cv_fprint_scan(b->fp, buf, (size_t)n)) {
				chk_fail(c, "%s contains text of a withheld record; the bundle was deleted: withhold it or attach a redacted copy", what);
				break;
			}
			cv_redactor_feed(b->withheld, buf, (size_t)n, NULL, NULL);
			if (terms)
				cv_redactor_feed(pats ? b->cred : b->names, buf, (size_t)n, NULL, NULL);
		}
		cv_fprint_scan_end(b->fp);
		{
			size_t h0 = cv_redactor_hits(b->withheld), h1 = cv_redactor_hits(b->cred), h2 = cv_redactor_hits(b->names);

			cv_redactor_finish(b->withheld, NULL, NULL);
			if (terms)
				cv_redactor_finish(pats ? b->cred : b->names, NULL, NULL);
			if (c->err)
				break;
			if (cv_redactor_hits(b->withheld) != h0)
				chk_fail(c, "%s names or quotes a withheld record (its title or text); the bundle was deleted", what);
			else if (cv_redactor_hits(b->cred) != h1 || cv_redactor_hits(b->names) != h2)
				chk_fail(c, "%s still contains a redaction term (a third party's or volunteer's details); the bundle was deleted", what);
		}
	}
	if (!c->err && r != ARCHIVE_EOF)
		chk_fail(c, "cannot read the bundle back: %s", archive_error_string(ar));
	if (!c->err && seen != b->nrel + 3)
		chk_fail(c, "the bundle holds %zu members, not %zu", seen, b->nrel + 3);
	free(buf);
}

static int check_file(bctx *b, const char *path)
{
	struct archive *ar = archive_read_new();
	chk c;

	memset(&c, 0, sizeof(c));
	c.b = b;
	if (!ar)
		return cv_error(b->v, CV_ERROR, "out of memory");
	archive_read_support_format_zip_seekable(ar);
	if (archive_read_add_passphrase(ar, b->passphrase) != ARCHIVE_OK ||
	    archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK) {
		chk_fail(&c, "cannot reopen the bundle: %s", archive_error_string(ar));
	} else {
		check_archive(&c, ar);
	}
	archive_read_free(ar);
	return c.err ? cv_error(b->v, c.err, "%s", c.msg) : 0;
}

/* OpenPGP form: the check reads a copy of the ZIP bytes from a pipe, in its own thread. */
typedef struct {
	chk c;
	int fd;
} chkjob;

static void *check_thread(void *arg)
{
	chkjob *j = arg;
	struct archive *ar = archive_read_new();
	char sink[65536];
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!ar) {
		chk_fail(&j->c, "out of memory");
	} else {
		archive_read_support_format_zip_streamable(ar);
		if (archive_read_open_fd(ar, j->fd, 65536) != ARCHIVE_OK)
			chk_fail(&j->c, "cannot read the bundle back: %s", archive_error_string(ar));
		else
			check_archive(&j->c, ar);
		archive_read_free(ar);
	}
	/* keep draining so that the writer never blocks */
	while (read(j->fd, sink, sizeof(sink)) > 0)
		;
	close(j->fd);
	return NULL;
}

/* Producer thread for the OpenPGP form: writes the ZIP into pipes. */
typedef struct {
	bctx *b;
	int r;
	char msg[512];
} prodjob;

static void *produce_thread(void *arg)
{
	prodjob *j = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	j->r = zip_open(j->b, 0);
	if (j->r == 0)
		j->r = produce(j->b);
	if (j->r < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", cv_vault_errmsg(j->b->v));
	if (j->b->zw) {
		archive_write_free(j->b->zw);
		j->b->zw = NULL;
	}
	close(j->b->outfd);
	close(j->b->teefd);
	j->b->outfd = j->b->teefd = -1;
	return NULL;
}

/* Import the recipient's key into a throw-away home; its fingerprint in fpr. */
static int recipient_home(cv_vault *v, const char *keyfile, char home[64], char fpr[48], gpgme_ctx_t *ctxout)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t d = NULL;
	gpgme_import_result_t ir;
	gpgme_key_t key = NULL;
	gpgme_subkey_t sk;
	const char *tmp = getenv("TMPDIR");
	int fd = -1, r, can_encrypt = 0;
	struct stat sb;
	gpgme_error_t err;

	*ctxout = NULL;
	fd = open(keyfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return cv_error(v, CV_EINVAL, "cannot read the recipient's key file %s (a regular file, not a link)", keyfile);
	}
	/* outside the vault: the key's user id may name the requester */
	if (!tmp || !*tmp || strlen(tmp) > 32)
		tmp = "/tmp";
	snprintf(home, 64, "%s/cvr-XXXXXX", tmp);
	if (!mkdtemp(home)) {
		close(fd);
		home[0] = '\0';
		return cv_error(v, CV_ERROR, "cannot make a temporary GnuPG home: %s", strerror(errno));
	}
	err = gpgme_new(&ctx);
	if (!err)
		err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (!err)
		err = gpgme_data_new_from_fd(&d, fd);
	if (!err)
		err = gpgme_op_import(ctx, d);
	close(fd);
	if (d)
		gpgme_data_release(d);
	if (err) {
		r = cv_error(v, CV_EINVAL, "the recipient's key file could not be read as an OpenPGP key: %s", gpgme_strerror(err));
		goto fail;
	}
	ir = gpgme_op_import_result(ctx);
	if (!ir || ir->considered < 1 || !ir->imports || ir->imports->next || ir->imports->result) {
		r = cv_error(v, CV_EINVAL, "the recipient's key file must hold exactly one OpenPGP public key");
		goto fail;
	}
	snprintf(fpr, 48, "%s", ir->imports->fpr);
	if ((err = cv_gpg_get_key(ctx, fpr, &key, 0))) {
		r = cv_error(v, CV_EINVAL, "the recipient's key cannot be used: %s", gpgme_strerror(err));
		goto fail;
	}
	for (sk = key->subkeys; sk; sk = sk->next)
		if (sk->can_encrypt && !sk->revoked && !sk->expired && !sk->disabled && !sk->invalid)
			can_encrypt = 1;
	gpgme_key_unref(key);
	if (!can_encrypt) {
		r = cv_error(v, CV_EINVAL, "the recipient's key has no valid encryption subkey (expired or revoked?)");
		goto fail;
	}
	gpgme_set_offline(ctx, 1);
	*ctxout = ctx;
	return 0;
fail:
	if (ctx)
		gpgme_release(ctx);
	cv_rmtree(home, 0);
	home[0] = '\0';
	return r;
}

static int build_openpgp(bctx *b, const char *keyfile, int outfd, char fpr[48])
{
	cv_vault *v = b->v;
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t keys[2] = { NULL, NULL };
	char home[64] = "", sha[65];
	int64_t size = 0;
	int p1[2] = { -1, -1 }, p2[2] = { -1, -1 }, r;
	pthread_t tp, tc;
	int started_p = 0, started_c = 0;
	prodjob pj;
	chkjob cj;
	gpgme_error_t err;

	memset(&pj, 0, sizeof(pj));
	memset(&cj, 0, sizeof(cj));
	if ((r = recipient_home(v, keyfile, home, fpr, &ctx)) < 0)
		return r;
	if ((err = cv_gpg_get_key(ctx, fpr, &keys[0], 0))) {
		r = cv_error(v, CV_ERROR, "the recipient's key: %s", gpgme_strerror(err));
		goto out;
	}
	if (pipe2(p1, O_CLOEXEC) < 0 || pipe2(p2, O_CLOEXEC) < 0) {
		r = cv_error(v, CV_ERROR, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	b->outfd = p1[1];
	b->teefd = p2[1];
	p1[1] = p2[1] = -1;
	cj.c.b = b;
	cj.fd = p2[0];
	p2[0] = -1;
	if (pthread_create(&tc, NULL, check_thread, &cj) != 0) {
		close(cj.fd);
		close(b->outfd);
		close(b->teefd);
		r = cv_error(v, CV_ERROR, "cannot start the bundle check");
		goto out;
	}
	started_c = 1;
	pj.b = b;
	if (pthread_create(&tp, NULL, produce_thread, &pj) != 0) {
		close(b->outfd);
		close(b->teefd);
		r = cv_error(v, CV_ERROR, "cannot start the bundle writer");
		goto out;
	}
	started_p = 1;
	/* err: 0, or why it failed (reported after the threads are joined) */
	cv_encrypt_hashed(ctx, keys, GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_COMPRESS, p1[0], outfd,
			  &size, sha, &err);
	close(p1[0]);
	p1[0] = -1;
	pthread_join(tp, NULL);
	started_p = 0;
	pthread_join(tc, NULL);
	started_c = 0;
	if (pj.r < 0) {
		r = cv_error(v, pj.r, "%s", pj.msg);
		goto out;
	}
	if (err) {
		r = cv_error(v, CV_ERROR, "cannot encrypt the bundle to the recipient's key: %s", gpgme_strerror(err));
		goto out;
	}
	if (cj.c.err) {
		r = cv_error(v, cj.c.err, "%s", cj.c.msg);
		goto out;
	}
	b->md = NULL;
	b->written = size;  /* the encrypted file's, not the ZIP stream's */
	memcpy(b->msg, sha, sizeof(sha));  /* the caller reads the file's SHA-256 here */
	r = 0;
out:
	if (p1[0] >= 0)
		close(p1[0]);
	if (started_p)
		pthread_join(tp, NULL);
	if (started_c)
		pthread_join(tc, NULL);
	if (p2[0] >= 0)
		close(p2[0]);
	if (keys[0])
		gpgme_key_unref(keys[0]);
	if (ctx)
		gpgme_release(ctx);
	if (home[0])
		cv_rmtree(home, 0);
	return r;
}

static void gen_passphrase(char out[64])
{
	static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";  /* no l, o, 0, 1 */
	unsigned char rnd[25];
	int i, k = 0;

	/* 25 characters of 5 bits: 125 bits, in five groups */
	gcry_randomize(rnd, sizeof(rnd), GCRY_STRONG_RANDOM);
	for (i = 0; i < 25; i++) {
		if (i && i % 5 == 0)
			out[k++] = '-';
		out[k++] = alpha[rnd[i] & 31];
	}
	out[k] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
}

/* Terms that betray a withheld record: its title and, when short, its text. */
static int withheld_terms(bctx *b)
{
	size_t i, j;
	int r;

	for (i = 0; i < b->ns; i++) {
		sitem *s = &b->s[i];
		char norm[300];
		size_t n = 0, letters = 0;
		const char *t = s->it.title;
		int dup = 0;

		if (s->number || !t)
			continue;
		for (; *t && n + 1 < sizeof(norm); t++)
			if ((unsigned char)*t >= 0x20) {
				norm[n++] = *t;
				if (((unsigned char)*t | 32) >= 'a' && ((unsigned char)*t | 32) <= 'z')
					letters++;
			}
		norm[n] = '\0';
		/* a generic title ("Note", "Phone call") says nothing; one a released record shares neither */
		if (letters < 10)
			continue;
		for (j = 0; j < b->nrel && !dup; j++)
			if (b->rel[j]->it.title && strcasestr(b->rel[j]->it.title, norm))
				dup = 1;
		if (dup)
			continue;
		if ((r = cv_redactor_add_term(b->withheld, norm, CV_TERM_REDACT)) < 0 && r != CV_EINVAL)
			return cv_error(b->v, CV_ERROR, "out of memory");
	}
	return 0;
}

static int log_bundle(bctx *b, const char *form, const char *sha, int64_t size, long *id_out)
{
	cv_vault *v = b->v;
	sqlite3_stmt *st = NULL;
	char now[32], ids[64], ctx[96];
	sqlite3_int64 did;
	size_t i;
	int r;

	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO disclosures(request_id, form, sha256, size, members, built_by, built_at, policy_hash) VALUES(?,?,?,?,?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, b->req.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, size);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)b->nrel);
	sqlite3_bind_text(st, 6, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, b->pol->hash, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "log the disclosure");
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	did = sqlite3_last_insert_rowid(v->db);
	for (i = 0; i < b->ns; i++) {
		sitem *s = &b->s[i];
		const char *outcome = s->number ? (s->redact || s->it.decision == CV_DEC_COPY ? "redacted" : "released") : "withheld";
		sqlite3_int64 iid;

		if ((r = cv_index_prepare(v, &st,
			"INSERT INTO disclosure_items(disclosure_id, record_id, source_record, outcome, number, decided_by, section) VALUES(?,?,?,?,?,?,?)")) < 0)
			return r;
		sqlite3_bind_int64(st, 1, did);
		sqlite3_bind_text(st, 2, s->it.record_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, s->number ? s->src_id : s->it.record_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, outcome, -1, SQLITE_STATIC);
		if (s->number)
			sqlite3_bind_int(st, 5, s->number);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_text(st, 6, s->it.is_default ? "policy" : s->it.decided_by, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, cv_section_name((cv_section)s->it.section), -1, SQLITE_STATIC);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "log the disclosure");
		sqlite3_finalize(st);
		if (r < 0)
			return r;
		iid = sqlite3_last_insert_rowid(v->db);
		if (!s->number && s->it.ground) {
			unsigned char *blob = NULL;
			size_t blen = 0;

			snprintf(ctx, sizeof(ctx), "disclosure_items.ground:%lld", (long long)iid);
			if ((r = cv_seal_str(v, (cv_section)s->it.section, ctx, s->it.ground, &blob, &blen)) < 0)
				return r;
			if ((r = cv_index_prepare(v, &st, "UPDATE disclosure_items SET ground = ? WHERE id = ?")) < 0) {
				free(blob);
				return r;
			}
			sqlite3_bind_blob(st, 1, blob, (int)blen, free);
			sqlite3_bind_int64(st, 2, iid);
			r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "log the disclosure");
			sqlite3_finalize(st);
			if (r < 0)
				return r;
		}
	}
	snprintf(ids, sizeof(ids), "%s %s D-%lld", b->req.id, b->req.case_id, (long long)did);
	if ((r = cv_audit(v, "request.bundle", 0, ids)) < 0)
		return r;
	*id_out = (long)did;
	return 0;
}

int cv_request_bundle(cv_vault *v, const char *req_id, const cv_bundle_opts *o, cv_bundle_result *res)
{
	cv_rpolicy *pol = NULL;
	bctx b;
	char *dir = NULL, *tmp = NULL, sha[65] = "", ids[64];
	struct stat sb;
	cv_date today;
	size_t i, nw = 0;
	int r, fd = -1, has_cp = 0;

	memset(&b, 0, sizeof(b));
	memset(res, 0, sizeof(*res));
	b.v = v;
	b.outfd = b.teefd = -1;
	if (!o || !o->out_path || !*o->out_path)
		return cv_error(v, CV_EINVAL, "no output file given (-o FILE)");
	if (lstat(o->out_path, &sb) == 0)
		return cv_error(v, CV_EEXISTS, "%s already exists; casevault never overwrites a file: choose another name", o->out_path);
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if ((r = cv_req_fetch(v, req_id, &b.req)) < 0)
		return r;
	if (!b.req.open)
		return cv_error(v, CV_EREFUSED, "request %s is closed", req_id);
	{
		char *d = strdup(o->out_path);
		if (!d)
			return cv_error(v, CV_ERROR, "out of memory");
		dir = strdup(dirname(d));
		free(d);
		if (!dir)
			return cv_error(v, CV_ERROR, "out of memory");
		if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			r = cv_error(v, CV_EINVAL, "the folder of %s does not exist", o->out_path);
			goto out;
		}
	}
	if ((r = cv_rpolicy_vault(v, &pol)) < 0)
		goto out;
	b.pol = pol;
	snprintf(ids, sizeof(ids), "%s %s", req_id, b.req.case_id);
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, ids)) < 0)
		goto out;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		goto out;
	if ((r = load_scope(v, pol, &b.req, &b.s, &b.ns)) < 0)
		goto out;
	for (i = 0; i < b.ns; i++) {
		if (b.s[i].it.decision == CV_DEC_NEEDED)
			nw++;
		if (b.s[i].it.section == CV_SECTION_CP)
			has_cp = 1;
	}
	if (nw) {
		for (i = 0; i < b.ns && b.s[i].it.decision != CV_DEC_NEEDED; i++)
			;
		r = cv_error(v, CV_EREFUSED, "%zu record%s of request %s await%s a decision (first: %s); see 'casevault request show %s'",
			     nw, nw == 1 ? "" : "s", req_id, nw == 1 ? "s" : "", b.s[i].it.record_id, req_id);
		goto out;
	}
	/* The check must read what is withheld: child-protection material needs its key. */
	if (has_cp) {
		if ((r = cv_authorize(v, CV_ACT_READ_CP, ids)) < 0) {
			r = cv_error(v, CV_EREFUSED, "case %s has child-protection records: a cp-lead or manager builds its bundle (the check must read what is withheld)", b.req.case_id);
			goto out;
		}
		if ((r = cv_require_key(v, CV_SECTION_CP)) < 0)
			goto out;
		/* titles and ground of cp records now readable */
		sitems_free(b.s, b.ns);
		b.s = NULL;
		if ((r = load_scope(v, pol, &b.req, &b.s, &b.ns)) < 0)
			goto out;
	}
	/* A released child-protection record needs a recorded cp-lead or manager decision (docs/legal-rules.md §8). */
	for (i = 0; i < b.ns; i++) {
		sitem *s = &b.s[i];
		if (s->it.section == CV_SECTION_CP && s->it.decision != CV_DEC_WITHHOLD &&
		    (s->it.is_default || (strcmp(s->decider_role, "cp-lead") && strcmp(s->decider_role, "manager")))) {
			r = cv_error(v, CV_EREFUSED, "child-protection record %s is marked for release without a cp-lead's or manager's decision; nothing was written", s->it.record_id);
			goto out;
		}
	}

	/* A decision to redact needs a type casevault can read (the policy's [text] may have changed since). */
	for (i = 0; i < b.ns; i++) {
		sitem *s = &b.s[i];
		if (s->it.decision == CV_DEC_REDACT && !s->src_text) {
			r = cv_error(v, CV_EREFUSED, "record %s is marked for automatic redaction, but its type (%s) is not text under the current redaction policy; decide on it again", s->it.record_id, s->src_mime);
			goto out;
		}
	}

	/* Numbers, names, what is searched. */
	b.rel = calloc(b.ns ? b.ns : 1, sizeof(sitem *));
	if (!b.rel) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	for (i = 0; i < b.ns; i++) {
		sitem *s = &b.s[i];
		if (s->it.decision == CV_DEC_RELEASE || s->it.decision == CV_DEC_REDACT || s->it.decision == CV_DEC_COPY)
			b.rel[b.nrel++] = s;
		else if (s->it.text)
			s->fingerprint = 1;
	}
	if (b.nrel > 1)
		qsort(b.rel, b.nrel, sizeof(sitem *), cmp_release);
	b.width = b.nrel > 999 ? (b.nrel > 9999 ? 5 : 4) : 3;
	for (i = 0; i < b.nrel; i++) {
		sitem *s = b.rel[i];
		const cv_filetype *ft = cv_policy_filetype(v->policy, s->src_mime);

		s->number = (int)i + 1;
		snprintf(s->name, sizeof(s->name), "%0*d.%s", b.width, s->number, ft ? ft->ext : "bin");
		/* every released text goes through the redactor, unless a person decided to release it as it is */
		s->redact = s->src_text && s->it.decision != CV_DEC_RELEASE;
		s->check_terms = s->redact;
	}
	cv_date_format(&today, b.date);
	{
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = today.y - 1900;
		tm.tm_mon = today.m - 1;
		tm.tm_mday = today.d;
		tm.tm_hour = 12;
		b.mtime = timegm(&tm);
	}

	/* Terms and the withheld-text detectors. */
	if ((r = cv_people_redactor(v, pol, &b.req, &b.red, 1, &b.requester)) < 0 ||
	    (r = cv_people_redactor(v, pol, &b.req, &b.cred, 1, NULL)) < 0 ||
	    (r = cv_people_redactor(v, pol, &b.req, &b.names, 0, NULL)) < 0)
		goto out;
	if (cv_redactor_new(&b.withheld, pol->marker) < 0 || cv_fprint_new(&b.fp) < 0) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	if ((r = withheld_terms(&b)) < 0)
		goto out;
	if ((r = make_letter(&b)) < 0 || (r = make_index(&b)) < 0)
		goto out;

	/* Write beside the target. */
	if (asprintf(&tmp, "%s/.casevault-bundle-XXXXXX", dir) < 0) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		tmp = NULL;
		r = cv_error(v, CV_ERROR, "cannot create a file beside %s: %s", o->out_path, strerror(errno));
		goto out;
	}
	fchmod(fd, 0600);
	if (o->recipient_key) {
		if ((r = build_openpgp(&b, o->recipient_key, fd, res->recipient_fpr)) < 0)
			goto out;
		snprintf(sha, sizeof(sha), "%.64s", b.msg);
		b.msg[0] = '\0';
	} else {
		gen_passphrase(res->passphrase);
		b.passphrase = res->passphrase;
		if (gcry_md_open(&b.md, GCRY_MD_SHA256, 0)) {
			r = cv_error(v, CV_ERROR, "cannot start SHA-256");
			goto out;
		}
		b.outfd = fd;
		if ((r = zip_open(&b, 1)) < 0 || (r = produce(&b)) < 0)
			goto out;
		archive_write_free(b.zw);
		b.zw = NULL;
		{
			const unsigned char *d = gcry_md_read(b.md, GCRY_MD_SHA256);
			for (i = 0; i < 32; i++)
				sprintf(sha + 2 * i, "%02x", d[i]);
		}
		b.outfd = -1;
	}
	if (fsync(fd) < 0) {
		r = cv_error(v, CV_ERROR, "cannot sync the bundle: %s", strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	/* Fail closed: read it back before anything is reported. */
	if (!o->recipient_key && (r = check_file(&b, tmp)) < 0)
		goto out;
	cv_crashpoint("bundle-before-link");
	if (link(tmp, o->out_path) < 0) {
		r = errno == EEXIST ? cv_error(v, CV_EEXISTS, "%s appeared while the bundle was made; nothing was written", o->out_path)
				    : cv_error(v, CV_ERROR, "cannot name the bundle %s: %s", o->out_path, strerror(errno));
		goto out;
	}
	unlink(tmp);
	free(tmp);
	tmp = NULL;
	cv_fsync_dir(dir);
	{
		struct stat fs;
		res->size = stat(o->out_path, &fs) == 0 ? fs.st_size : 0;
	}
	/* The log: all or nothing with the file. */
	if ((r = cv_vault_lock_writer(v, 1)) < 0 || (r = cv_index_begin(v)) < 0 ||
	    (r = log_bundle(&b, o->recipient_key ? "openpgp" : "zip-aes256", sha, res->size, &res->disclosure)) < 0 ||
	    (r = cv_index_commit(v)) < 0) {
		char msg[sizeof(v->errmsg)];
		memcpy(msg, v->errmsg, sizeof(msg));
		cv_index_rollback(v);
		unlink(o->out_path);
		cv_fsync_dir(dir);
		memcpy(v->errmsg, msg, sizeof(msg));
		cv_vault_unlock_writer(v);
		goto out;
	}
	cv_vault_unlock_writer(v);
	snprintf(res->sha256, sizeof(res->sha256), "%s", sha);
	res->members = b.nrel;
	r = 0;
out:
	if (r < 0) {
		explicit_bzero(res->passphrase, sizeof(res->passphrase));
		/* a refusal after the checks started is recorded (ids only) */
		if (b.ns) {
			char msg[sizeof(v->errmsg)];
			memcpy(msg, v->errmsg, sizeof(msg));
			cv_audit(v, "request.bundle", r, ids);
			memcpy(v->errmsg, msg, sizeof(msg));
		}
	}
	if (b.zw)
		archive_write_free(b.zw);
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		cv_fsync_dir(dir);
		free(tmp);
	}
	if (b.md)
		gcry_md_close(b.md);
	if (b.cur_md)
		gcry_md_close(b.cur_md);
	cv_redactor_free(b.red);
	cv_redactor_free(b.cred);
	cv_redactor_free(b.names);
	cv_redactor_free(b.withheld);
	cv_fprint_free(b.fp);
	cv_wipe_free(b.requester);
	cv_wipe_free(b.letter);
	cv_wipe_free(b.index_json);
	cv_wipe_free(b.index_html);
	free(b.rel);
	sitems_free(b.s, b.ns);
	cv_rpolicy_free(pol);
	free(dir);
	return r;
}

/* ---- the log ---- */

int cv_request_log(cv_vault *v, const char *req_id, cv_log_entry **out, size_t *n)
{
	cv_req_row req;
	sqlite3_stmt *st = NULL, *it = NULL;
	cv_log_entry *list = NULL;
	size_t cnt = 0;
	int r = 0;

	*out = NULL;
	*n = 0;
	if ((r = cv_req_fetch(v, req_id, &req)) < 0)
		return r;
	if ((r = cv_authorize(v, CV_ACT_READ_CASE, req_id)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st,
		"SELECT id, request_id, form, sha256, size, members, built_by, built_at, policy_hash FROM disclosures WHERE request_id = ? ORDER BY id")) < 0)
		return r;
	sqlite3_bind_text(st, 1, req_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cv_log_entry *e, *nl = reallocarray(list, cnt + 1, sizeof(*nl));

		if (!nl) {
			r = cv_error(v, CV_ERROR, "out of memory");
			goto fail;
		}
		list = nl;
		e = &list[cnt++];
		memset(e, 0, sizeof(*e));
		e->id = (long)sqlite3_column_int64(st, 0);
		snprintf(e->request_id, sizeof(e->request_id), "%s", col(st, 1));
		snprintf(e->form, sizeof(e->form), "%s", col(st, 2));
		snprintf(e->sha256, sizeof(e->sha256), "%s", col(st, 3));
		e->size = sqlite3_column_int64(st, 4);
		e->members = (long)sqlite3_column_int64(st, 5);
		snprintf(e->built_by, sizeof(e->built_by), "%s", col(st, 6));
		snprintf(e->built_at, sizeof(e->built_at), "%s", col(st, 7));
		snprintf(e->policy_hash, sizeof(e->policy_hash), "%s", col(st, 8));
		if ((r = cv_index_prepare(v, &it,
			"SELECT id, record_id, source_record, outcome, number, ground, decided_by, section FROM disclosure_items WHERE disclosure_id = ? ORDER BY id")) < 0)
			goto fail;
		sqlite3_bind_int64(it, 1, e->id);
		while (sqlite3_step(it) == SQLITE_ROW) {
			cv_log_item *li, *ni = reallocarray(e->items, e->nitems + 1, sizeof(*ni));
			char iid[32];
			cv_section sec;

			if (!ni) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			e->items = ni;
			li = &e->items[e->nitems++];
			memset(li, 0, sizeof(*li));
			snprintf(iid, sizeof(iid), "%lld", (long long)sqlite3_column_int64(it, 0));
			snprintf(li->record_id, sizeof(li->record_id), "%s", col(it, 1));
			snprintf(li->source_record, sizeof(li->source_record), "%s", col(it, 2));
			snprintf(li->outcome, sizeof(li->outcome), "%s", col(it, 3));
			li->number = sqlite3_column_int(it, 4);
			snprintf(li->decided_by, sizeof(li->decided_by), "%s", col(it, 6));
			cv_section_parse(&sec, col(it, 7));
			if (sec == CV_SECTION_CP)
				cv_vault_unlock(v);
			if ((r = unseal_col(v, it, 5, sec, "disclosure_items", "ground", iid, &li->ground)) < 0)
				goto fail;
		}
		sqlite3_finalize(it);
		it = NULL;
	}
	sqlite3_finalize(st);
	cv_audit(v, "request.log", 0, req_id);
	*out = list;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_finalize(it);
	cv_request_log_free(list, cnt);
	return r;
}

void cv_request_log_free(cv_log_entry *list, size_t n)
{
	size_t i, j;

	for (i = 0; list && i < n; i++) {
		for (j = 0; j < list[i].nitems; j++)
			cv_wipe_free(list[i].items[j].ground);
		free(list[i].items);
	}
	free(list);
}
