/*
 * casevault - filing, the index side (filing_commit.h).  The intent log is
 * committed before any archive is written; the receipt, the archive and
 * record rows, the new retention dates and the audit event commit together
 * with the emptied intent log (docs/architecture.md, "Filing: the data flow").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/array.h"
#include "base/util.h"
#include "core/schedule.h"
#include "core/audit.h"
#include "core/checkpoint.h"
#include "core/deposit.h"
#include "core/intent.h"
#include "core/receipt.h"
#include "crypto/gpg.h"
#include "crypto/seal.h"
#include "ops/filing_commit.h"
#include "ops/retention.h"
#include "store/keystore.h"
#include "store/db_archives.h"
#include "store/db_parts.h"
#include "store/db_receipts.h"
#include "store/db_records.h"
#include "store/db_search.h"
#include "store/index.h"

static int retention_for(cv_vault *v, const cv_filing_group *g, const cv_file_item *it, const cv_date *today, char out[11])
{
	const cv_class *cls = cv_policy_class(v->policy, it->class_name);
	cv_date ev = *today, dob, closed;
	/* filing into the case is the latest contact with it */
	cv_retention_facts f = { today, &ev, NULL, NULL, today };
	cv_date res;

	out[0] = '\0';
	if (it->date)
		cv_date_parse(&ev, it->date);
	if (g->child_dob[0] && cv_date_parse(&dob, g->child_dob) == 0)
		f.child_dob = &dob;
	if (g->closed[0] && cv_date_parse(&closed, g->closed) == 0)
		f.case_closed = &closed;
	if (cls && cv_retention_date(&res, cls, &f) == 0)
		cv_date_format(&res, out);
	return 0;
}

/* Whether any class of the policy has a rule running from trigger t. */
static int policy_uses(const cv_policy *p, cv_trigger t)
{
	size_t i, k;

	for (i = 0; i < cv_policy_class_count(p); i++) {
		const cv_class *c = cv_policy_class_at(p, i);
		for (k = 0; k < c->nrules; k++)
			if (c->rules[k].trigger == t)
				return 1;
	}
	return 0;
}

/*
 * The receipt's signature, made while commit_all writes the rows: signing
 * takes a gpg run and a round trip to gpg-agent (about 12 ms), and the rows
 * need no signature until the receipt's own row is completed, just before
 * COMMIT.  The thread works on a copy of the handle (its own error buffer)
 * and touches nothing but GPGME; the main thread does not use GPGME until it
 * has joined it.  Without a thread the signature is made in line.
 */
typedef struct {
	cv_vault w;               /* private copy of the handle */
	const char *receipt;
	char *sig;                /* gpgme-allocated detached signature */
	size_t siglen;
	int r;
	pthread_t th;
	int threaded;
} signer;

static void *signer_run(void *arg)
{
	signer *sg = arg;

	sg->r = cv_gpg_sign_detached(&sg->w, sg->w.actor_fpr, sg->receipt, strlen(sg->receipt), &sg->sig, &sg->siglen);
	return NULL;
}

static void signer_start(signer *sg, cv_vault *v, const char *receipt)
{
	sg->w = *v;
	sg->w.errmsg[0] = '\0';
	sg->receipt = receipt;
	sg->sig = NULL;
	sg->siglen = 0;
	sg->r = 0;
	sg->threaded = pthread_create(&sg->th, NULL, signer_run, sg) == 0;
}

/* The signature as a string (malloc'd), or the signing error reported on v. */
static int signer_finish(signer *sg, cv_vault *v, char **sig)
{
	*sig = NULL;
	if (sg->threaded) {
		pthread_join(sg->th, NULL);
		sg->threaded = 0;
	} else if (sg->receipt) {
		signer_run(sg);
	}
	sg->receipt = NULL;
	if (sg->r < 0) {
		int r = cv_error(v, sg->r, "%s", sg->w.errmsg);

		explicit_bzero(&sg->w, sizeof(sg->w));
		return r;
	}
	explicit_bzero(&sg->w, sizeof(sg->w));
	*sig = malloc(sg->siglen + 1);
	if (*sig) {
		memcpy(*sig, sg->sig, sg->siglen);
		(*sig)[sg->siglen] = '\0';
	}
	cv_gpg_free(sg->sig);
	sg->sig = NULL;
	return *sig ? 0 : cv_error(v, CV_ERROR, "out of memory");
}

/* Wait for the signer and drop what it made (a commit that failed first). */
static void signer_discard(signer *sg)
{
	if (sg->threaded)
		pthread_join(sg->th, NULL);
	sg->threaded = 0;
	sg->receipt = NULL;
	cv_gpg_free(sg->sig);
	sg->sig = NULL;
	explicit_bzero(&sg->w, sizeof(sg->w));
}

/* One event for the call: the case(s) and every record id filed. */
static int audit_filing(cv_vault *v, const cv_filing_group *gs, size_t ng, cv_file_item *items)
{
	char *ids = NULL;
	size_t i, j, len = 0, cap = 0;
	int r;

	if (CV_ARRAY_GROW(&ids, &cap, 0) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	ids[0] = '\0';
	for (i = 0; i < ng; i++) {
		if (gs[i].failed)
			continue;
		for (j = 0; j <= gs[i].n; j++) {
			const char *id = j == 0 ? gs[i].case_id : items[gs[i].idx[j - 1]].record_id;
			size_t need = strlen(id) + 2;

			if (j == 0 && strstr(ids, id))
				continue;
			if (CV_ARRAY_GROW(&ids, &cap, len + need) < 0) {
				free(ids);
				return cv_error(v, CV_ERROR, "out of memory");
			}
			len += (size_t)sprintf(ids + len, "%s%s", len ? " " : "", id);
		}
	}
	r = cv_audit(v, "file", 0, ids);
	free(ids);
	return r;
}

/* The receipt of a filing: every archive it wrote (core/receipt.c). */
static char *receipt_json(cv_vault *v, const cv_filing_group *gs, size_t ng, const char *now)
{
	cv_receipt_archive *a = calloc(ng ? ng : 1, sizeof(*a));
	size_t i, n = 0;
	char *s;

	if (!a)
		return NULL;
	for (i = 0; i < ng; i++)
		if (!gs[i].failed)
			a[n++] = (cv_receipt_archive){ gs[i].file, gs[i].sha, gs[i].size };
	s = cv_receipt_json(v, NULL, a, n, now);
	free(a);
	return s;
}

/* The buffers a record row's fields point into. */
typedef struct {
	char *title;
	char ev[11], ret[11];
} row_text;

static void free_text(row_text *t, size_t n)
{
	size_t j;

	for (j = 0; t && j < n; j++)
		if (t[j].title) {
			explicit_bzero(t[j].title, strlen(t[j].title));
			free(t[j].title);
		}
	free(t);
}

/* Item it's row in archive archive_id, its fields in t. */
static int record_row(cv_vault *v, const cv_filing_group *g, size_t j, const cv_file_item *it, const cv_date *today,
		      const char *now, long long archive_id, row_text *t, cv_db_record_new *w)
{
	cv_date d;

	if (!(t->title = cv_filing_title(it)))
		return cv_error(v, CV_ERROR, "out of memory");
	if (it->date)
		snprintf(t->ev, sizeof(t->ev), "%s", it->date);
	else {
		cv_date_today(&d);
		cv_date_format(&d, t->ev);
	}
	retention_for(v, g, it, today, t->ret);
	w->id = it->record_id;
	w->case_id = g->case_id;
	w->section = g->section;
	w->class_name = it->class_name;
	w->archive_id = archive_id;
	w->member = g->m[j].name;
	w->mime = it->mime;
	w->size = g->m[j].size;
	w->title = t->title;
	w->sha256 = g->m[j].sha256;
	w->event_date = t->ev;
	w->filed_at = now;
	w->filed_by = v->actor;
	w->retain_until = t->ret;
	w->policy_hash = cv_policy_hash(v->policy);
	return 0;
}

/* The group's archive row and one row per record in it. */
static int commit_group(cv_vault *v, const cv_filing_group *g, const cv_file_item *items, const char *now,
			const cv_date *today, long long receipt_id)
{
	cv_db_archive_new a = { g->file, g->case_id, g->section, g->key_gen, g->wrapped, g->compress,
				g->size, g->sha, receipt_id, now };
	cv_db_record_new *rows = NULL;
	row_text *t = NULL;
	long long archive_id = 0;
	size_t j;
	int r = 0;

	if (!g->deposit && (r = cv_db_archive_insert(v, &a, &archive_id)) < 0)
		return r;
	rows = calloc(g->n ? g->n : 1, sizeof(*rows));
	t = calloc(g->n ? g->n : 1, sizeof(*t));
	if (!rows || !t)
		r = cv_error(v, CV_ERROR, "out of memory");
	for (j = 0; r == 0 && j < g->n; j++)
		r = record_row(v, g, j, &items[g->idx[j]], today, now, archive_id, &t[j], &rows[j]);
	if (r == 0)  /* a deposit's rows wait, sealed under its own key, until adopted */
		r = g->deposit ? cv_deposit_file(v, &a, rows, g->n, g->dseal) : cv_db_records_insert(v, rows, g->n);
	/* the records' word sets for search, sealed under their section key (docs/security.md, Search) */
	for (j = 0; r == 0 && g->words && j < g->n; j++)
		if (g->words[j])
			r = cv_db_words_put(v, rows[j].id, g->section, g->words[j]);
	free(rows);
	free_text(t, g->n);
	return r;
}

/* The case's last contact moved: dates that run from it move too (each case once). */
static int recompute_last_contact(cv_vault *v, const cv_filing_group *gs, size_t ng)
{
	size_t i, k;
	int r, seen;

	if (!policy_uses(v->policy, CV_TRIG_LAST_CONTACT))
		return 0;
	for (i = 0; i < ng; i++) {
		for (k = 0, seen = 0; k < i; k++)
			if (!gs[k].failed && !strcmp(gs[k].case_id, gs[i].case_id))
				seen = 1;
		if (!gs[i].failed && !seen && !gs[i].deposit &&
		    (r = cv_retention_recompute_tx(v, gs[i].case_id, 1u << CV_TRIG_LAST_CONTACT, NULL, NULL)) < 0)
			return r;
	}
	return 0;
}

/*
 * The archive keys go to the key store in a commit of their own, before the
 * index commit that files the archives: a crash between leaves keys no
 * archive row names, which the next writer sweeps (store/keystore.h).
 */
static int store_keys(cv_vault *v, const cv_filing_group *gs, size_t ng)
{
	size_t i;
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	for (i = 0; i < ng; i++)
		/* a deposit's key waits in its deposits row until adoption (core/deposit.c) */
		if (!gs[i].failed && !gs[i].deposit &&
		    (r = cv_keystore_put(v, gs[i].file, gs[i].key_gen, gs[i].wrapped)) < 0) {
			cv_index_rollback(v);
			return r;
		}
	if ((r = cv_index_commit(v)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	cv_crashpoint("filing-keys-stored");
	cv_keystore_flush(v);  /* while the receipt's signer runs: the close then syncs no key-store log */
	return 0;
}

/* An e-mail's attachments name its record (cv_file_item.part_of), in the filing's own commit. */
static int link_parts(cv_vault *v, const cv_filing_group *gs, size_t ng, const cv_file_item *items)
{
	const cv_file_item *it;
	size_t i, j;
	int r;

	for (i = 0; i < ng; i++)
		for (j = 0; !gs[i].failed && !gs[i].deposit && j < gs[i].n; j++) {
			it = &items[gs[i].idx[j]];
			if (it->part_of && (r = cv_db_parts_add(v, it->record_id, items[it->part_of - 1].record_id)) < 0)
				return r;
		}
	return 0;
}

static int commit_all(cv_vault *v, cv_filing_group *gs, size_t ng, cv_file_item *items, const char *now,
		      const char *receipt, signer *sg, char **sigp, const cv_date *today)
{
	long long receipt_id;
	size_t i;
	int r;

	if ((r = store_keys(v, gs, ng)) < 0 || (r = cv_index_begin(v)) < 0) {
		signer_discard(sg);
		return r;
	}
	/* the signature is filled in last, once the signer is done; dates are sealed under the schedule key */
	if ((r = cv_schedule_ensure(v)) < 0 ||
	    (r = cv_db_receipt_insert(v, v->actor, now, receipt, &receipt_id)) < 0)
		goto fail;
	for (i = 0; i < ng; i++)
		if (!gs[i].failed && (r = commit_group(v, &gs[i], items, now, today, receipt_id)) < 0)
			goto fail;
	if ((r = link_parts(v, gs, ng, items)) < 0 ||
	    (r = cv_intent_clear(v)) < 0 ||
	    (r = recompute_last_contact(v, gs, ng)) < 0 ||
	    (r = audit_filing(v, gs, ng, items)) < 0 ||
	    (v->filing_also && (r = v->filing_also(v, v->filing_also_arg)) < 0) ||
	    /* a checkpoint that is due is signed now, beside the receipt's signer, and commits with the rows */
	    (r = cv_checkpoint_in_tx(v)) < 0 ||
	    (r = signer_finish(sg, v, sigp)) < 0 ||
	    (r = cv_db_receipt_set_sig(v, receipt_id, *sigp)) < 0)
		goto fail;
	cv_crashpoint("filing-before-commit");
	return cv_index_commit(v);
fail:
	cv_index_rollback(v);
	signer_discard(sg);  /* the first error stands */
	return r;
}

int cv_filing_commit(cv_vault *v, cv_filing_group *gs, size_t ng, cv_file_item *items, const char *now,
		     const cv_date *today)
{
	signer sg = { .receipt = NULL, .sig = NULL, .threaded = 0 };
	char *receipt, *sig = NULL;
	int r;

	/* One signed receipt for everything this call wrote, signed while the rows are written. */
	receipt = receipt_json(v, gs, ng, now);
	if (!receipt)
		return cv_error(v, CV_ERROR, "out of memory");
	signer_start(&sg, v, receipt);
	r = commit_all(v, gs, ng, items, now, receipt, &sg, &sig, today);
	free(receipt);
	free(sig);
	return r;
}

int cv_filing_begin_pending(cv_vault *v, cv_filing_group *gs, size_t ng, cv_file_item *items, const char *now)
{
	size_t i, j;
	long seq, want = 0;
	int r;

	for (i = 0; i < ng; i++)
		if (!gs[i].failed)
			want += (long)gs[i].n;
	if ((r = cv_index_begin(v)) < 0)
		return r;
	/* one block of record ids, in filing order */
	if (want > 0 && (r = cv_index_next_ids(v, "record", want, &seq)) < 0)
		goto fail;
	for (i = 0; i < ng; i++) {
		if (gs[i].failed)
			continue;
		if ((r = cv_intent_new_archive(v, gs[i].file, now, "start the filing")) < 0)
			goto fail;
		for (j = 0; j < gs[i].n; j++)
			snprintf(items[gs[i].idx[j]].record_id, sizeof(items[0].record_id), "R-%06ld", seq++);
	}
	return cv_index_commit(v);
fail:
	cv_index_rollback(v);
	return r;
}

void cv_filing_clear_pending(cv_vault *v)
{
	cv_intent_clear(v);
}
