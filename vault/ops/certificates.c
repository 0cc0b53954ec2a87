/*
 * casevault - certificates of destruction: written by the purge's commit
 * (purge.c, step 4), listed and shown to auditors, and checked by verify
 * (the chain, the files in certificates/, no listed record still indexed).
 * See docs/retention.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/utf8.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/certsign.h"
#include "core/intent.h"
#include "crypto/seal.h"
#include "ops/certificates.h"
#include "ops/retention.h"
#include "rules/due.h"
#include "store/db_audit.h"
#include "store/db_purge.h"
#include "casevault/date.h"
#include "casevault/policy.h"
#include "casevault/staff.h"

/* The lowest and highest of the dates seen: "" until the first. */
static void widen(char lo[11], char hi[11], const char *d)
{
	if (!d[0])
		return;
	if (!lo[0] || strcmp(d, lo) < 0)
		snprintf(lo, 11, "%s", d);
	if (!hi[0] || strcmp(d, hi) > 0)
		snprintf(hi, 11, "%s", d);
}

/* What the run's certificate gathers besides the records. */
struct certsum {
	json_t *recs, *classes, *arch, *auth;
	char flo[11], fhi[11];
	int64_t last_arch;
	long count;
	int failed;  /* a jansson call failed: the certificate is not stored (cv_json_set) */
};

/*
 * How a record's date follows from its rules.  Dates from a date of birth
 * are at quarter boundaries, so the run's day tells no more than a quarter
 * (docs/legal-rules.md §12).
 */
#define RULE_NOTE "the latest of the rules' dates; one from the date of birth at its calendar quarter's end " \
	"(an 'at most' at its quarter's start)"

/* A destroyed record's entry, and what it adds to the run's summary. */
static void certify_record(cv_vault *v, cv_polcache *pc, const cv_due *d, const char *authorised, struct certsum *s)
{
	const cv_policy *p = cv_polcache_get(v, pc, d->policy_hash);
	const cv_class *cls = p ? cv_policy_class(p, d->class_name) : NULL;
	char rules[256], fd[11], who[64];

	if (!cls)
		cls = cv_policy_class(v->policy, d->class_name);
	cv_rules_text(cls, rules, sizeof(rules));
	snprintf(fd, sizeof(fd), "%.10s", d->filed_at);
	if (authorised)
		snprintf(who, sizeof(who), "%s", authorised);
	else if (d->status == CV_DUE_APPROVED)
		snprintf(who, sizeof(who), "%s (review approved)", d->approved_by);
	else
		snprintf(who, sizeof(who), "schedule");
	/*
	 * No exact retention date: with the case and the rule it gives the
	 * child's date of birth (DOB + 25 years).  The run's summary says
	 * every record was due on or before as_of (docs/retention.md).
	 */
	cv_json_push(&s->failed, s->recs, json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		"id", d->id, "case", d->case_id[0] ? d->case_id : NULL, "section", cv_section_name(d->section),
		"class", d->class_name, "filed", fd,
		"rule", rules, "action", cls && cls->action == CV_ACTION_REVIEW ? "review" : "destroy",
		"rule_note", cls && cls->has_ceiling ? RULE_NOTE "; never past the 'at most'" : RULE_NOTE,
		"policy_hash", d->policy_hash, "authorised_by", who,
		"removed_by", d->whole ? "archive erased" : "archive rewritten without it, then erased"));
	cv_json_set(&s->failed, s->classes, d->class_name,
		    json_integer(json_integer_value(json_object_get(s->classes, d->class_name)) + 1));
	widen(s->flo, s->fhi, fd);
	if (d->status == CV_DUE_APPROVED) {
		json_t *a = json_string(d->approved_by);
		size_t k;
		int seen = 0;
		for (k = 0; k < json_array_size(s->auth); k++)
			if (json_equal(json_array_get(s->auth, k), a))
				seen = 1;
		if (!a || (!seen && json_array_append(s->auth, a) != 0))
			s->failed = 1;
		json_decref(a);
	}
	if (d->whole && d->archive_id != s->last_arch) {
		cv_json_push(&s->failed, s->arch, json_pack("{s:s, s:s}", "file", d->archive, "outcome", "erased"));
		s->last_arch = d->archive_id;
	}
	s->count++;
}

/*
 * The erasure, as it is: the key leaves the key store now, but a key-store
 * backup taken before keeps it until the policy's backup rotation deletes
 * that backup (docs/policy-retention.md, [backups]; docs/recovery.md).
 */
static char *erasure_method(cv_vault *v, const cv_certificate_run *run)
{
	cv_date today, last;
	char day[11], *s = NULL;

	snprintf(day, sizeof(day), "%.10s", run->now);
	if (cv_date_parse(&today, day) < 0)
		return NULL;
	cv_date_add_days(&last, &today, cv_policy_keystore_backup_days(v->policy));
	cv_date_format(&last, day);
	if (asprintf(&s, "cryptographic erase (NIST SP 800-88 purge): each archive key put beyond use: its wrapped "
		     "copy deleted from the key store with SQLite secure_delete and the write-ahead log checkpointed "
		     "and truncated; the last key-store backup that holds it expires on %s. Then the ciphertext file "
		     "overwritten once with random bytes, synced and unlinked, and the directory synced. Records "
		     "sharing an archive with records kept were removed by re-encrypting the kept ones under a new "
		     "key first.", day) < 0)
		return NULL;
	return s;
}

static json_t *certificate_head(cv_vault *v, const cv_certificate_run *run, int *failed)
{
	json_t *root = json_object();
	char *method = erasure_method(v, run);

	cv_json_set(failed, root, "format", json_string("casevault-certificate/1"));
	/* number and previous_sha256 are filled in when it is stored (store) */
	cv_json_set(failed, root, "number", json_integer(0));
	cv_json_set(failed, root, "previous_sha256", json_null());
	cv_json_set(failed, root, "created", json_string(run->now));
	cv_json_set(failed, root, "as_of", json_string(run->as_of));
	cv_json_set(failed, root, "run_by", json_string(run->run_by));
	cv_json_set(failed, root, "method", method ? json_string(method) : NULL);
	free(method);
	cv_json_set(failed, root, "policy_in_force", json_string(cv_policy_hash(v->policy)));
	return root;
}

/* The JSON text with a final newline. */
static char *dump_lines(json_t *root)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s) {
		size_t l = strlen(s);
		char *t = realloc(s, l + 2);
		if (t) {
			t[l] = '\n';
			t[l + 1] = '\0';
			s = t;
		}
	}
	return s;
}

static void certsum_init(struct certsum *s)
{
	memset(s, 0, sizeof(*s));
	s->recs = json_array();
	s->classes = json_object();
	s->arch = json_array();
	s->auth = json_array();
	s->last_arch = -1;
}

static void certsum_release(struct certsum *s)
{
	json_decref(s->recs);
	json_decref(s->classes);
	json_decref(s->arch);
	json_decref(s->auth);
}

/* A part's classes, date ranges and approvers added to the run's totals. */
static void certsum_add(struct certsum *t, const struct certsum *s)
{
	const char *k;
	json_t *val;
	size_t i, j;

	t->failed |= s->failed;
	json_object_foreach(s->classes, k, val)
		cv_json_set(&t->failed, t->classes, k, json_integer(json_integer_value(json_object_get(t->classes, k)) +
								 json_integer_value(val)));
	for (i = 0; i < 2; i++)
		widen(t->flo, t->fhi, i ? s->fhi : s->flo);
	for (i = 0; i < json_array_size(s->auth); i++) {
		for (j = 0; j < json_array_size(t->auth); j++)
			if (json_equal(json_array_get(t->auth, j), json_array_get(s->auth, i)))
				break;
		if (j == json_array_size(t->auth) && json_array_append(t->auth, json_array_get(s->auth, i)) != 0)
			t->failed = 1;
	}
	t->count += s->count;
}

/* The summary every certificate of a run carries: authority, count, classes, date ranges. */
static void put_summary(json_t *root, struct certsum *s, const char *as_of, int *failed)
{
	json_t *dr = json_object();

	*failed |= s->failed;
	cv_json_set(failed, root, "authorised_by", json_pack("{s:s, s:O}", "schedule",
		"the retention schedule in retention.ini (each record's policy_hash names its version)",
		"review_approved_by", s->auth));
	cv_json_set(failed, root, "record_count", json_integer((json_int_t)s->count));
	cv_json_set(failed, root, "classes", json_incref(s->classes));
	cv_json_set(failed, dr, "filed", json_pack("{s:s, s:s}", "from", s->flo, "to", s->fhi));
	/* the retention dates as a range open below: their exact bounds would date a birth (DOB + N years) */
	cv_json_set(failed, dr, "retention_dates", json_pack("{s:s}", "on_or_before", as_of));
	cv_json_set(failed, root, "date_range", dr);
}

/* The JSON text of root, stored as certificate number, chained to prev (then prev is its hash). */
static int store(cv_vault *v, const cv_certificate_run *run, json_t *root, long number, long records, char prev[65],
		 int failed)
{
	char *body, sha[65];
	int r;

	cv_json_set(&failed, root, "number", json_integer(number));
	cv_json_set(&failed, root, "previous_sha256", prev[0] ? json_string(prev) : json_null());
	body = failed ? NULL : dump_lines(root);
	json_decref(root);
	/* a certificate missing an entry would certify less than was destroyed: fail closed */
	if (!body)
		return cv_error(v, CV_ERROR, "the certificate of destruction could not be written (out of memory or a JSON "
				"value it could not encode): nothing was destroyed; run the purge again");
	cv_sha256_hex(body, strlen(body), sha);
	r = cv_db_certificate_insert(v, number, run->now, run->run_by, records, body, sha, prev[0] ? prev : NULL);
	/* signed by whoever ran it, in the commit that destroys (docs/architecture.md, The audit trail) */
	if (r == 0)
		r = cv_certsign_sign(v, number, body, !strcmp(run->run_by, "schedule"), run->now);
	free(body);
	snprintf(prev, 65, "%s", sha);
	return r;
}

int cv_certificate_store_next(cv_vault *v, const cv_certificate_run *run, json_t *root, long records,
			      long *number, char sha[65])
{
	long last;
	int r;

	sha[0] = '\0';
	if ((r = cv_db_certificate_last(v, &last, sha)) < 0) {
		json_decref(root);
		return r;
	}
	*number = last + 1;
	return store(v, run, root, *number, records, sha, 0);
}

/* A run's certificates as the purge's commit walks the records it destroys. */
struct cv_certificate_writer {
	cv_certificate_run run;
	cv_certificate_span *sp;
	struct certsum cur, total;   /* the part being filled; the run's totals */
	long part;                   /* the number (from 1) of the part being filled */
	char prev[65];               /* the hash the next certificate chains to */
};

/*
 * Store the part being filled (all the run's records when it has one
 * certificate), with its archives; the run's rewritten archives go in its
 * first part.  The next part starts empty.
 */
static int store_part(cv_vault *v, cv_certificate_writer *w)
{
	const cv_certificate_run *run = &w->run;
	cv_certificate_span *sp = w->sp;
	struct certsum *s = &w->cur;
	int failed = 0;
	json_t *root = certificate_head(v, run, &failed);
	size_t i;
	int r;

	for (i = 0; w->part == 1 && i < run->nrw; i++)
		if (run->rws[i].written)
			cv_json_push(&s->failed, s->arch, json_pack("{s:s, s:s, s:s}", "file", run->rws[i].file, "outcome",
								 "rewritten, then erased", "kept_records_moved_to", run->rws[i].newfile));
	put_summary(root, s, run->as_of, &failed);
	if (sp->parts)
		cv_json_set(&failed, root, "part", json_pack("{s:I, s:I, s:I}", "number", (json_int_t)w->part,
			"of", (json_int_t)sp->parts, "index", (json_int_t)sp->last));
	cv_json_set(&failed, root, "archives", json_incref(s->arch));
	cv_json_set(&failed, root, "records", json_incref(s->recs));
	certsum_add(&w->total, s);
	r = store(v, run, root, sp->first + w->part - 1, s->count, w->prev, failed);
	if (r == 0 && sp->parts) {
		json_t *e = json_pack("{s:I, s:I, s:s}", "certificate", (json_int_t)(sp->first + w->part - 1),
				      "records", (json_int_t)s->count, "sha256", w->prev);
		cv_json_push(&w->total.failed, w->total.recs, e);  /* the index's list of parts */
	}
	/* the next part lists again an archive whose records it continues, as each part stands alone */
	certsum_release(s);
	certsum_init(s);
	w->part++;
	return r;
}

int cv_certificates_start(cv_vault *v, const cv_certificate_run *run, size_t n, cv_certificate_span *sp,
			  cv_certificate_writer **out)
{
	cv_certificate_writer *w;
	long last;
	int r;

	*out = NULL;
	memset(sp, 0, sizeof(*sp));
	if (!(w = calloc(1, sizeof(*w))))
		return cv_error(v, CV_ERROR, "out of memory");
	if ((r = cv_db_certificate_last(v, &last, w->prev)) < 0) {
		free(w);
		return r;
	}
	/* Up to CV_CERT_PART records: one certificate, as always; more: parts, then their index. */
	sp->first = last + 1;
	sp->parts = n > CV_CERT_PART ? (long)((n + CV_CERT_PART - 1) / CV_CERT_PART) : 0;
	sp->last = sp->first + sp->parts;
	w->run = *run;
	w->sp = sp;
	w->part = 1;
	certsum_init(&w->cur);
	certsum_init(&w->total);
	*out = w;
	return 0;
}

int cv_certificates_add(cv_vault *v, cv_polcache *pc, cv_certificate_writer *w, const cv_due *d)
{
	if (w->sp->parts && w->cur.count == CV_CERT_PART && w->part < w->sp->parts) {
		int r = store_part(v, w);

		if (r < 0)
			return r;
	}
	certify_record(v, pc, d, w->run.authorised, &w->cur);
	return 0;
}

int cv_certificates_finish(cv_vault *v, cv_certificate_writer *w)
{
	cv_certificate_span *sp = w->sp;
	int r;

	if (sp->parts && w->part != sp->parts)
		return cv_error(v, CV_ERROR, "the purge certified %ld records, not the %ld parts it counted: nothing was destroyed; run it again",
				w->total.count + w->cur.count, sp->parts);
	if ((r = store_part(v, w)) < 0)
		return r;
	if (sp->parts) {
		int failed = 0;
		json_t *root = certificate_head(v, &w->run, &failed);

		put_summary(root, &w->total, w->run.as_of, &failed);
		cv_json_set(&failed, root, "parts", json_incref(w->total.recs));
		if ((r = store(v, &w->run, root, sp->last, w->total.count, w->prev, failed)) < 0)
			return r;
	}
	sp->records = w->total.count;
	snprintf(sp->sha256, sizeof(sp->sha256), "%s", w->prev);
	return 0;
}

void cv_certificates_writer_free(cv_certificate_writer *w)
{
	if (!w)
		return;
	certsum_release(&w->cur);
	certsum_release(&w->total);
	free(w);
}

long cv_certificate_of(const cv_certificate_span *sp, size_t k)
{
	return sp->parts ? sp->first + (long)(k / CV_CERT_PART) : sp->first;
}

int cv_certificate_list(cv_vault *v, cv_certificate **out, size_t *n)
{
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, CV_ACT_AUDIT, NULL)) < 0)
		return r;
	return cv_db_certificate_list(v, out, n);
}

int cv_certificate_body(cv_vault *v, long number, char **json)
{
	return cv_db_certificate_body(v, number, json);
}

int cv_certificate_get(cv_vault *v, long number, char **json)
{
	char ids[32];
	int r;

	*json = NULL;
	snprintf(ids, sizeof(ids), "certificate-%ld", number);
	if ((r = cv_authorize(v, CV_ACT_AUDIT, ids)) < 0)
		return r;
	r = cv_certificate_body(v, number, json);
	if (r == 0)
		cv_audit(v, "certificate.show", 0, ids);
	return r;
}

int cv_certificate_signatures(cv_vault *v, long number, cv_certificate_sigs *out)
{
	cv_certsig_state st;
	char *body = NULL;
	json_t *j;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_authorize(v, CV_ACT_AUDIT, NULL)) < 0)
		return r;
	if ((r = cv_certificate_body(v, number, &body)) < 0)
		return r;
	j = json_loads(body, 0, NULL);
	r = cv_certsign_check(v, number, body, j && json_string_value(json_object_get(j, "run_by")) ?
			      json_string_value(json_object_get(j, "run_by")) : "", "signed", &st);
	json_decref(j);
	if (r == 0 && st.present) {
		snprintf(out->signed_by, sizeof(out->signed_by), "%s", st.signer);
		snprintf(out->signed_at, sizeof(out->signed_at), "%s", st.created);
		out->signed_ok = st.valid;
		snprintf(out->problem, sizeof(out->problem), "%s", st.why);
	}
	if (r == 0 && (r = cv_certsign_check(v, number, body, "", "countersigned", &st)) == 0 && st.present) {
		snprintf(out->countersigned_by, sizeof(out->countersigned_by), "%s", st.signer);
		snprintf(out->countersigned_at, sizeof(out->countersigned_at), "%s", st.created);
		out->countersigned_ok = st.valid;
		if (!st.valid)
			snprintf(out->problem, sizeof(out->problem), "%s", st.why);
	}
	free(body);
	return r;
}

int cv_purge_key_init(cv_vault *v, char fpr[48])
{
	int r;

	fpr[0] = '\0';
	if ((r = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0)
		return r;
	return cv_purgekey_create(v, fpr);
}

/* verify's walk along the chain. */
struct chain {
	cv_vault *v;
	void (*report)(void *hook, const char *what, const char *msg);
	void *hook;
	char prev[65];
	long expect;
	size_t count;
	size_t legacy;   /* unsigned, from before certificates were signed */
};

/* Records a certificate lists as destroyed must be gone from the index. */
static void check_gone(struct chain *ch, json_t *j, const char *what)
{
	json_t *recs = j ? json_object_get(j, "records") : NULL;
	char msg[256];
	size_t i;

	for (i = 0; recs && i < json_array_size(recs); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(recs, i), "id"));

		if (id && cv_db_record_exists(ch->v, id) == 1) {
			snprintf(msg, sizeof(msg), "lists record %.24s as destroyed, but the index still holds it", id);
			ch->report(ch->hook, what, msg);
		}
	}
}

/*
 * The purge event of the run that made certificate number (a part names its
 * run's index): 1 with the SHA-256 it names in sha, 0 when it names none (a
 * run from before events carried it), CV_ENOTFOUND when no event names the run.
 */
static int run_event(struct chain *ch, long number, json_t *j, char sha[65])
{
	json_t *part = j ? json_object_get(j, "part") : NULL;
	char word[48], ids[256], *h;
	int r;

	if (part)
		number = (long)json_integer_value(json_object_get(part, "index"));
	snprintf(word, sizeof(word), "certificate-%ld", number);
	if ((r = cv_db_audit_find(ch->v, "purge", word, ids, sizeof(ids))) == 0)
		r = cv_db_audit_find(ch->v, "purge.scheduled", word, ids, sizeof(ids));
	/* a single record erased by a manager (ops/record_erase.c) */
	if (r == 0)
		r = cv_db_audit_find(ch->v, "erase", word, ids, sizeof(ids));
	/* a closed case's personal data erased once its last record went (ops/case_erase.c) */
	if (r == 0)
		r = cv_db_audit_find(ch->v, "case.erase", word, ids, sizeof(ids));
	if (r <= 0)
		return r < 0 ? r : CV_ENOTFOUND;
	if (!(h = strstr(ids, "sha256-")))
		return 0;
	snprintf(sha, 65, "%.64s", h + 7);
	return 1;
}

/*
 * Signed by whoever ran the purge (a manager, or the purge key for the
 * schedule); a counter-signature, once a manager has made it, must hold too.
 * A scheduled run's certificate in a vault that had no purge key then has
 * the manager's counter-signature only; one from before certificates were
 * signed (legacy: its event names no hash) is counted for a notice.
 */
static void check_signatures(struct chain *ch, const cv_db_certificate_row *c, json_t *j, const char *what, int legacy)
{
	const char *run_by = j ? json_string_value(json_object_get(j, "run_by")) : NULL;
	cv_certsig_state st, cs;
	char msg[256];

	if (cv_certsign_check(ch->v, c->number, c->body, run_by ? run_by : "", "signed", &st) < 0 ||
	    cv_certsign_check(ch->v, c->number, c->body, "", "countersigned", &cs) < 0)
		return;
	if (st.present && !st.valid) {
		snprintf(msg, sizeof(msg), "its signature does not hold: %.200s", st.why);
		ch->report(ch->hook, what, msg);
	}
	if (cs.present && !cs.valid) {
		snprintf(msg, sizeof(msg), "its counter-signature does not hold: %.200s", cs.why);
		ch->report(ch->hook, what, msg);
	}
	if (!st.present && !cs.present && legacy)
		ch->legacy++;
	else if (!st.present && !cs.present)
		ch->report(ch->hook, what, "is not signed (a scheduled purge in a vault without a purge key: a manager's "
			   "next unlock counter-signs it; 'casevault purge-key init' makes the key)");
	else if (!st.present && (!run_by || strcmp(run_by, "schedule")))
		ch->report(ch->hook, what, "is not signed by the manager who ran the purge");
}

/*
 * The purge's audit event names the run's last certificate and its SHA-256
 * (each earlier one is fixed by the chain of previous_sha256), so a
 * certificate replaced with its hash recomputed in the index is caught by
 * the trail, which checkpoints sign.  1 when the run is from before events
 * named the hash (legacy).
 */
static int check_event(struct chain *ch, const cv_db_certificate_row *c, json_t *j, const char *what)
{
	char sha[65];
	int r = run_event(ch, c->number, j, sha);

	if (r == CV_ENOTFOUND)
		ch->report(ch->hook, what, "no purge event in the audit trail names it (inserted?)");
	else if (r == 1 && !json_object_get(j, "part") && strcmp(sha, c->sha256))
		ch->report(ch->hook, what, "is not the certificate its purge event names (its SHA-256 differs): replaced");
	return r == 0;
}

static void check_certificate(void *hook, const cv_db_certificate_row *c)
{
	struct chain *ch = hook;
	char sha[65], msg[256], what[32];
	json_t *j = json_loads(c->body, 0, NULL);
	const char *jprev;
	int exists;

	ch->count++;
	snprintf(what, sizeof(what), "certificate %ld", c->number);
	if (c->number != ch->expect) {
		snprintf(msg, sizeof(msg), "certificates %ld to %ld are missing (deleted?)", ch->expect, c->number - 1);
		ch->report(ch->hook, what, msg);
	}
	ch->expect = c->number + 1;
	cv_sha256_hex(c->body, strlen(c->body), sha);
	if (strcmp(sha, c->sha256))
		ch->report(ch->hook, what, "its text does not match its SHA-256: altered");
	jprev = j ? json_string_value(json_object_get(j, "previous_sha256")) : NULL;
	if (!j || json_integer_value(json_object_get(j, "number")) != c->number)
		ch->report(ch->hook, what, "is not a readable certificate or carries another number");
	if (strcmp(jprev ? jprev : "", ch->prev) || strcmp(c->prev_sha256, ch->prev))
		ch->report(ch->hook, what, "does not chain to the certificate before it (one was altered, removed or inserted)");
	if (!cv_cert_file_matches(ch->v, c->number, c->body, &exists))
		ch->report(ch->hook, what, exists ? "its file in certificates/ differs from the index: altered" :
			   "its file in certificates/ is missing");
	check_gone(ch, j, what);
	check_signatures(ch, c, j, what, check_event(ch, c, j, what));
	json_decref(j);
	snprintf(ch->prev, sizeof(ch->prev), "%s", sha);
}

int cv_verify_certificates(cv_vault *v, void (*report)(void *hook, const char *what, const char *msg),
			   void *hook, size_t *count)
{
	struct chain ch;
	int r;

	memset(&ch, 0, sizeof(ch));
	ch.v = v;
	ch.report = report;
	ch.hook = hook;
	ch.expect = 1;
	if ((r = cv_db_certificate_each(v, check_certificate, &ch)) < 0)
		return r;
	if (ch.legacy)
		cv_notice(v, "%zu certificate%s from before certificates were signed: unsigned, protected by the hash chain only",
			  ch.legacy, ch.legacy == 1 ? "" : "s");
	if (count)
		*count = ch.count;
	return 0;
}
