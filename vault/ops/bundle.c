/*
 * casevault - the disclosure bundle (cv_request_bundle), step by step
 * (docs/legal-rules.md §7-§11; docs/architecture.md, Properties, 2 and 5):
 *
 *   1. scope: every record of the request's case (never a linked case's),
 *      each with its decision; any "needs a decision" refuses.
 *   2. terms: the redactor (names, phones and e-mails of third parties and
 *      volunteers, the linked case's parent, the policy's patterns) and
 *      the "withheld" detector (titles of withheld records, short withheld
 *      texts) and fingerprints of longer withheld texts.
 *   3. write: a ZIP (libarchive, bundle_write.c) to an unnamed file beside
 *      the target (bundle_tmp.c): letter.txt, index.html, index.json, then the released
 *      records as NNN.ext.  Archives are decrypted once each
 *      (cv_archive_read: GPGME to a pipe to a reader thread), each released
 *      member streamed through the redactor straight into the ZIP writer;
 *      withheld text is streamed into the fingerprints.  Every member's
 *      SHA-256 is checked against the index as it passes, and each
 *      archive's receipt before.  ZIP form: AES-256 under a generated
 *      passphrase; libarchive's AE-1 headers are then rewritten AE-2, no
 *      plaintext CRC (bundle_zip.c).  OpenPGP form: the ZIP (unencrypted) goes
 *      through a pipe to gpg, encrypted to the recipient's key imported
 *      into a throw-away GNUPGHOME (crypto/bundle.c).
 *   4. check (fail closed, bundle_check.c), in its own thread while the
 *      ZIP is written: it reads a second pipe carrying exactly the bytes
 *      written (ZIP form: to the file, decrypted with the passphrase;
 *      OpenPGP form: to gpg), and every member is searched.  ZIP form: the
 *      AE-2 rewrite proves the file is those bytes but for the fields it
 *      sets (bundle_zip.c).  A withheld record that cannot be read refuses
 *      the bundle unless named (bundle_unread.c).  Any hit, any
 *      unexpected member, any entry time other than the bundle's deletes
 *      the file.
 *   5. under the writer lock, with SIGTERM, SIGINT and SIGHUP held back:
 *      the disclosure log and the audit event are committed (disclog.c),
 *      and only then is the file linked to the target (never overwriting).
 *      A bundle at -o is always a logged one; see publish().
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

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/lock.h"
#include "crypto/bundle.h"
#include "crypto/seal.h"
#include "ops/bundle.h"
#include "ops/bundle_hints.h"
#include "ops/disclose.h"
#include "rules/redpolicy.h"
#include "casevault/request.h"
#include "store/index.h"
#include "casevault/audit.h"
#include "casevault/date.h"
#include "casevault/policy.h"
#include "casevault/staff.h"

/* ---- step 1: the scope and its decisions ---- */

/* Every record needs a decision before anything is written. */
static int refuse_undecided(cv_bundle *b)
{
	size_t i, nw = 0, first = 0;

	for (i = 0; i < b->ns; i++)
		if (b->s[i].it.decision == CV_DEC_NEEDED && !nw++)
			first = i;
	if (!nw)
		return 0;
	return cv_error(b->v, CV_EREFUSED, "%zu record%s of request %s await%s a decision (first: %s); see 'casevault request show %s'",
			nw, nw == 1 ? "" : "s", b->req.id, nw == 1 ? "s" : "", b->s[first].it.record_id, b->req.id);
}

int cv_bundle_refuse_restricted(cv_bundle *b)
{
	char req[24];
	size_t i;
	int r;

	for (i = 0; i < b->ns; i++) {
		if (b->s[i].it.decision == CV_DEC_WITHHOLD || (r = cv_record_restricted(b->v, b->s[i].it.record_id, req)) == 0)
			continue;
		return r < 0 ? r : cv_error(b->v, CV_EREFUSED, "record %s is restricted by request %s: withhold it, or lift the "
					    "restriction first ('casevault request lift %s'); nothing was written",
					    b->s[i].it.record_id, req, req);
	}
	return 0;
}

/* What goes out was decided by someone entitled to, in a form casevault can read. */
static int refuse_release(cv_bundle *b)
{
	size_t i;

	/* A released child-protection record needs a recorded cp-lead or manager decision (docs/legal-rules.md §8). */
	for (i = 0; i < b->ns; i++) {
		cv_sitem *s = &b->s[i];
		if (s->it.section == CV_SECTION_CP && s->it.decision != CV_DEC_WITHHOLD &&
		    (s->it.is_default || (strcmp(s->decider_role, "cp-lead") && strcmp(s->decider_role, "manager"))))
			return cv_error(b->v, CV_EREFUSED, "child-protection record %s is marked for release without a cp-lead's or manager's decision; nothing was written", s->it.record_id);
	}
	/* A decision to redact needs a type casevault can read (the policy's [text] may have changed since). */
	for (i = 0; i < b->ns; i++) {
		cv_sitem *s = &b->s[i];
		if (s->it.decision == CV_DEC_REDACT && !s->src_text)
			return cv_error(b->v, CV_EREFUSED, "record %s is marked for automatic redaction, but its type (%s) is not text under the current redaction policy; decide on it again", s->it.record_id, s->src_mime);
	}
	return cv_bundle_refuse_restricted(b);
}

static int load_decided_scope(cv_bundle *b, const char *ids)
{
	cv_vault *v = b->v;
	size_t i;
	int r, has_cp = 0;

	if ((r = cv_authorize(v, CV_ACT_READ_CASE, ids)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_scope_load_hinted(v, b->pol, &b->req, &b->s, &b->ns)) < 0)
		return r;
	for (i = 0; i < b->ns; i++)
		if (b->s[i].it.section == CV_SECTION_CP)
			has_cp = 1;
	if ((r = refuse_undecided(b)) < 0)
		return r;
	/* The check must read what is withheld: child-protection material needs its key. */
	if (has_cp) {
		if ((r = cv_authorize(v, CV_ACT_READ_CP, ids)) < 0)
			return cv_error(v, CV_EREFUSED, "case %s has child-protection records: a cp-lead or manager builds its bundle (the check must read what is withheld)", b->req.case_id);
		if ((r = cv_require_key(v, CV_SECTION_CP)) < 0)
			return r;
		/* titles and ground of cp records now readable */
		cv_sitems_free(b->s, b->ns);
		b->s = NULL;
		b->ns = 0;
		if ((r = cv_scope_load_hinted(v, b->pol, &b->req, &b->s, &b->ns)) < 0)
			return r;
	}
	return refuse_release(b);
}

static int cmp_release(const void *x, const void *y)
{
	const cv_sitem *a = *(cv_sitem *const *)x, *b = *(cv_sitem *const *)y;
	int c = strcmp(a->it.event_date, b->it.event_date);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Numbers and names of the released records, in date order: no gap shows what was left out (docs/legal-rules.md §11). */
static int number_items(cv_bundle *b, const cv_date *today)
{
	struct tm tm;
	size_t i;

	b->rel = calloc(b->ns ? b->ns : 1, sizeof(cv_sitem *));
	if (!b->rel)
		return cv_error(b->v, CV_ERROR, "out of memory");
	for (i = 0; i < b->ns; i++) {
		cv_sitem *s = &b->s[i];
		if (s->it.decision == CV_DEC_RELEASE || s->it.decision == CV_DEC_REDACT || s->it.decision == CV_DEC_COPY)
			b->rel[b->nrel++] = s;
		else if (s->it.text)
			s->fingerprint = 1;
	}
	if (b->nrel > 1)
		qsort(b->rel, b->nrel, sizeof(cv_sitem *), cmp_release);
	b->width = b->nrel > 999 ? (b->nrel > 9999 ? 5 : 4) : 3;
	for (i = 0; i < b->nrel; i++) {
		cv_sitem *s = b->rel[i];
		const cv_filetype *ft = cv_policy_filetype(b->v->policy, s->src_mime);

		s->number = (int)i + 1;
		snprintf(s->name, sizeof(s->name), "%0*d.%s", b->width, s->number, ft ? ft->ext : "bin");
		/* every released text goes through the redactor, unless a person decided to release it as it is */
		s->redact = s->src_text && s->it.decision != CV_DEC_RELEASE;
		s->check_terms = s->redact;
	}
	/* one time for every member, noon of the day: nothing about a record's history */
	cv_date_format(today, b->date);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = today->y - 1900;
	tm.tm_mon = today->m - 1;
	tm.tm_mday = today->d;
	tm.tm_hour = 12;
	b->mtime = timegm(&tm);
	return 0;
}

/* ---- step 2: the terms ---- */

static int prepare_terms(cv_bundle *b)
{
	cv_vault *v = b->v;
	int r;

	if ((r = cv_people_redactor(v, b->pol, &b->req, &b->red, 1, &b->requester)) < 0 ||
	    (r = cv_people_redactor(v, b->pol, &b->req, &b->cred, 1, NULL)) < 0 ||
	    (r = cv_people_redactor(v, b->pol, &b->req, &b->names, 0, NULL)) < 0)
		return r;
	if (cv_redactor_new(&b->withheld, b->pol->marker) < 0 || cv_fprint_new(&b->fp) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	if ((r = cv_bundle_withheld_terms(b)) < 0 ||
	    (r = cv_hints_new(v, b->pol, &b->req, b->s, b->ns, &b->hints)) < 0)
		return r;
	if ((r = b->kind->letter(b)) < 0 || (r = cv_bundle_index(b)) < 0)
		return r;
	return 0;
}

/* ---- step 3: writing (and, OpenPGP form, step 4 alongside) ---- */

/* Producer thread for the OpenPGP form: writes the ZIP into pipes. */
typedef struct {
	cv_bundle *b;
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
	j->r = cv_bundle_zip_open(j->b, 0);
	if (j->r == 0)
		j->r = cv_bundle_produce(j->b);
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

/* The check reads p2, the writer writes p1 (to gpg) and p2: both threads started, or neither. */
static int start_threads(cv_bundle *b, int p1w, int p2[2], pthread_t *tc, cv_bundle_checker *cj,
			 pthread_t *tp, prodjob *pj)
{
	b->outfd = p1w;
	b->teefd = p2[1];
	cj->b = b;
	cj->fd = p2[0];
	if (pthread_create(tc, NULL, cv_bundle_check_thread, cj) != 0) {
		close(cj->fd);
		close(b->outfd);
		close(b->teefd);
		return cv_error(b->v, CV_ERROR, "cannot start the bundle check");
	}
	pj->b = b;
	if (pthread_create(tp, NULL, produce_thread, pj) != 0) {
		close(b->outfd);
		close(b->teefd);
		pthread_join(*tc, NULL);
		return cv_error(b->v, CV_ERROR, "cannot start the bundle writer");
	}
	return 0;
}

static int build_openpgp(cv_bundle *b, const char *keyfile, int keyfd, int outfd, char fpr[48], char sha[65])
{
	cv_vault *v = b->v;
	cv_bundle_rcpt *rc = NULL;
	cv_bundle_checker cj;
	prodjob pj;
	pthread_t tp, tc;
	char why[256];
	int64_t size = 0;
	int p1[2] = { -1, -1 }, p2[2] = { -1, -1 }, r, enc, i;

	memset(&pj, 0, sizeof(pj));
	memset(&cj, 0, sizeof(cj));
	if ((r = cv_bundle_rcpt_open(v, keyfile, keyfd, fpr, &rc)) < 0)
		return r;
	if (pipe2(p1, O_CLOEXEC) < 0 || pipe2(p2, O_CLOEXEC) < 0) {
		r = cv_error(v, CV_ERROR, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	r = start_threads(b, p1[1], p2, &tc, &cj, &tp, &pj);
	p1[1] = p2[1] = p2[0] = -1;
	if (r < 0)
		goto out;
	/* enc: 0, or why it failed (reported after the threads are joined) */
	enc = cv_bundle_rcpt_encrypt(rc, p1[0], outfd, &size, sha, why, sizeof(why));
	close(p1[0]);
	p1[0] = -1;
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	if (pj.r < 0)
		r = cv_error(v, pj.r, "%s", pj.msg);
	else if (enc < 0)
		r = cv_error(v, CV_ERROR, "cannot encrypt the bundle to the recipient's key: %s", why);
	else if (cj.err)
		r = cv_error(v, cj.err, "%s", cj.msg);
	else
		b->written = size;  /* the encrypted file's, not the ZIP stream's */
out:
	for (i = 0; i < 2; i++) {
		if (p1[i] >= 0)
			close(p1[i]);
		if (p2[i] >= 0)
			close(p2[i]);
	}
	cv_bundle_rcpt_close(rc);
	return r;
}

/*
 * ZIP form: AES-256 under a generated passphrase, written to the file and,
 * through a pipe, to the check in its own thread (it decrypts and reads
 * every member back while the next ones are written).  Every member is then
 * made AE-2 (no plaintext CRC, bundle_zip.c), which also proves the file is
 * the bytes the check read but for those fields, and hashes it as it goes out.
 */
static int build_zip(cv_bundle *b, int fd, cv_bundle_result *res, char sha[65])
{
	cv_bundle_checker *cj = calloc(1, sizeof(*cj));
	pthread_t tc;
	int p[2], r;

	if (!cj)
		return cv_error(b->v, CV_ERROR, "out of memory");
	cv_bundle_passphrase(res->passphrase);
	b->passphrase = res->passphrase;
	b->outfd = fd;
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(cj);
		return cv_error(b->v, CV_ERROR, "cannot make a pipe: %s", strerror(errno));
	}
	/* a larger pipe lets the writer run ahead of the check (best effort) */
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	cj->b = b;
	cj->fd = p[0];
	if (pthread_create(&tc, NULL, cv_bundle_check_thread, cj) != 0) {
		close(p[0]);
		close(p[1]);
		free(cj);
		return cv_error(b->v, CV_ERROR, "cannot start the bundle check");
	}
	b->teefd = p[1];
	if ((r = cv_bundle_zip_open(b, 1)) == 0 && (r = cv_bundle_produce(b)) == 0) {
		archive_write_free(b->zw);
		b->zw = NULL;
	}
	close(b->teefd);
	b->teefd = b->outfd = -1;
	pthread_join(tc, NULL);
	if (r == 0 && cj->err)
		r = cv_error(b->v, cj->err, "%s", cj->msg);
	if (r == 0)
		r = cv_bundle_zip_ae2(b->v, fd, cj->sha, cj->bytes, sha);
	free(cj);
	return r;
}

/* Write the bundle to an unnamed file beside the target (bundle_tmp.c), synced and checked. */
static int write_bundle(cv_bundle *b, const cv_bundle_opts *o, const char *dir, cv_btmp *t,
			cv_bundle_result *res, char sha[65])
{
	cv_vault *v = b->v;
	int r;

	if ((r = o->has_out_fd ? cv_btmp_given(v, o->out_fd, o->out_path, t) : cv_btmp_open(v, dir, o->out_path, t)) < 0)
		return r;
	if (o->recipient_key)
		r = build_openpgp(b, o->recipient_key, o->has_recipient_fd ? o->recipient_fd : -1, t->fd, res->recipient_fpr, sha);
	else
		r = build_zip(b, t->fd, res, sha);
	if (r == 0 && fsync(t->fd) < 0)
		r = cv_error(v, CV_ERROR, "cannot sync the bundle: %s%s", strerror(errno), cv_disk_hint(errno));
	return r;
}

/* ---- step 5: logging the bundle, then naming it, all or nothing ---- */

/* The log and its audit event, committed; -o is checked again under the lock. */
static int log_bundle(cv_bundle *b, const cv_bundle_opts *o, cv_bundle_result *res, const char *sha)
{
	cv_vault *v = b->v;
	struct stat sb;
	int r;

	if (!o->has_out_fd && lstat(o->out_path, &sb) == 0)
		return cv_error(v, CV_EEXISTS, "%s appeared while the bundle was made; nothing was written", o->out_path);
	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = b->kind->log(b, o->recipient_key ? "openpgp" : "zip-aes256", sha, res->size, &res->disclosure)) < 0 ||
	    (r = cv_bundle_unread_audit(b)) < 0) {
		char msg[sizeof(v->errmsg)];

		memcpy(msg, v->errmsg, sizeof(msg));
		cv_index_rollback(v);
		memcpy(v->errmsg, msg, sizeof(msg));
		return r;
	}
	cv_crashpoint("bundle-before-commit");
	return cv_index_commit(v);
}

/*
 * Under the writer lock, with SIGTERM, SIGINT and SIGHUP held back: the
 * disclosure log is committed first and only then is the file given its
 * name, so a bundle at -o is always one the log and the audit trail record
 * (docs/legal-rules.md §11; docs/security.md, Subject access bundles).
 * SIGKILL cannot be held back: killed before the commit, the unnamed file
 * goes with the process; killed between the commit and the link, the log
 * shows a bundle that never reached -o, which is safe (nothing went out).
 */
static int publish(cv_bundle *b, const cv_bundle_opts *o, const char *dir, cv_btmp *t,
		   cv_bundle_result *res, const char *sha)
{
	cv_vault *v = b->v;
	struct stat fs;
	sigset_t old;
	int r;

	res->size = fstat(t->fd, &fs) == 0 ? fs.st_size : 0;
	/* waiting for the lock may be interrupted: nothing is named yet */
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	cv_btmp_hold_signals(&old);
	if ((r = log_bundle(b, o, res, sha)) == 0) {
		cv_crashpoint("bundle-before-link");
		if ((r = cv_btmp_place(v, t, dir, o->out_path)) < 0) {
			char msg[sizeof(v->errmsg)];

			/* the caller's refusal event then says it never reached -o */
			snprintf(msg, sizeof(msg), "%s", v->errmsg);
			cv_error(v, r, "%s; disclosure D-%ld is logged, but no file was written: build the bundle again", msg, res->disclosure);
		}
		cv_crashpoint("bundle-after-link");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	cv_vault_unlock_writer(v);
	if (r < 0)
		return r;
	snprintf(res->sha256, sizeof(res->sha256), "%s", sha);
	res->members = b->nrel;
	return 0;
}

/* The output must be a new file in an existing folder: casevault never overwrites. */
static int check_output(cv_vault *v, const cv_bundle_opts *o)
{
	struct stat sb;

	if (!o || !o->out_path || !*o->out_path)
		return cv_error(v, CV_EINVAL, "no output file given (-o FILE)");
	if (!o->has_out_fd && lstat(o->out_path, &sb) == 0)
		return cv_error(v, CV_EEXISTS, "%s already exists; casevault never overwrites a file: choose another name", o->out_path);
	return 0;
}

static int folder_of(cv_vault *v, const char *out_path, char **dir)
{
	struct stat sb;
	char *d = strdup(out_path);

	*dir = NULL;
	if (!d)
		return cv_error(v, CV_ERROR, "out of memory");
	*dir = strdup(dirname(d));
	free(d);
	if (!*dir)
		return cv_error(v, CV_ERROR, "out of memory");
	if (stat(*dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return cv_error(v, CV_EINVAL, "the folder of %s does not exist", out_path);
	return 0;
}

static void bundle_release(cv_bundle *b)
{
	if (b->zw)
		archive_write_free(b->zw);
	cv_sha256_free(b->md);
	cv_sha256_free(b->cur_md);
	cv_redactor_free(b->red);
	cv_redactor_free(b->cred);
	cv_redactor_free(b->names);
	cv_redactor_free(b->withheld);
	cv_fprint_free(b->fp);
	cv_hints_free(b->hints);
	cv_wipe_free(b->requester);
	cv_wipe_free(b->letter);
	cv_wipe_free(b->index_json);
	cv_wipe_free(b->index_html);
	free(b->rel);
	free(b->unread);
	cv_sitems_free(b->s, b->ns);
}

/* Steps 1-3 and 5; see the top of this file. */
static int bundle_steps(cv_bundle *b, const cv_bundle_opts *o, const char *dir, cv_btmp *t,
			cv_bundle_result *res, const cv_date *today, const char *ids)
{
	char sha[65] = "";
	int r;

	if ((r = b->kind->scope(b, ids)) < 0 || (r = number_items(b, today)) < 0 ||
	    (r = cv_bundle_unread_opts(b, o->unreadable_withheld)) < 0 || (r = prepare_terms(b)) < 0 || (r = write_bundle(b, o, dir, t, res, sha)) < 0)
		return r;
	return publish(b, o, dir, t, res, sha);
}

int cv_bundle_run(cv_bundle *b, const cv_bundle_opts *o, cv_bundle_result *res, const char *ids)
{
	cv_vault *v = b->v;
	cv_rpolicy *pol = NULL;
	cv_btmp t = { .fd = -1 };
	char *dir = NULL;
	cv_date today;
	int r;

	b->outfd = b->teefd = -1;
	if ((r = check_output(v, o)) < 0)
		return r;
	if (cv_date_today(&today) < 0)
		r = cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	else if ((!o->has_out_fd && (r = folder_of(v, o->out_path, &dir)) < 0) || (r = cv_rpolicy_vault(v, &pol)) < 0)
		;
	else {
		b->pol = pol;
		r = bundle_steps(b, o, dir, &t, res, &today, ids);
	}
	if (r < 0) {
		explicit_bzero(res->passphrase, sizeof(res->passphrase));
		/* a refusal after the checks started is recorded (ids only) */
		if (b->ns)
			cv_audit_keep(v, b->kind->refused_action, r, ids);
	}
	cv_btmp_close(&t, dir, r < 0);
	bundle_release(b);
	cv_rpolicy_free(pol);
	free(dir);
	return r;
}

static const cv_bundle_kind request_kind = { load_decided_scope, cv_bundle_letter, cv_disclog_add, "request.bundle" };

int cv_request_bundle(cv_vault *v, const char *req_id, const cv_bundle_opts *o, cv_bundle_result *res)
{
	cv_bundle b;
	char ids[64];
	int r;

	memset(&b, 0, sizeof(b));
	memset(res, 0, sizeof(*res));
	b.v = v;
	b.kind = &request_kind;
	if ((r = check_output(v, o)) < 0)
		return r;
	if ((r = cv_req_fetch(v, req_id, &b.req)) < 0)
		return r;
	if (!b.req.open)
		return cv_error(v, CV_EREFUSED, "request %s is closed", req_id);
	snprintf(ids, sizeof(ids), "%s %s", req_id, b.req.case_id);
	return cv_bundle_run(&b, o, res, ids);
}
