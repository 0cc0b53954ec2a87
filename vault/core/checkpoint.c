/*
 * casevault - audit checkpoints (checkpoint.h).
 *
 * A checkpoint is a statement, signed (detached, GPGME) by the staff member
 * whose key was just unlocked:
 *
 *     casevault-checkpoint/1
 *     number N
 *     seq S            the trail's last event when it was made
 *     hash H           that event's hash (which covers every event before it)
 *     staff ID
 *     fpr FPR
 *     created TIME
 *     previous P       SHA-256 of checkpoint N-1's statement, "-" for the first
 *
 * Each names the one before, so the newest signature fixes every earlier
 * statement: verifying it (one gpg call) proves them all, and a checkpoint
 * removed from the middle breaks the chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/certsign.h"
#include "core/checkpoint.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/seal.h"
#include "store/db_audit.h"
#include "store/db_checkpoints.h"
#include "store/index.h"

static char *statement(const cv_db_checkpoint *c)
{
	char *s = NULL;

	if (asprintf(&s, "casevault-checkpoint/1\nnumber %ld\nseq %ld\nhash %s\nstaff %s\nfpr %s\ncreated %s\nprevious %s\n",
		     c->number, c->seq, c->hash, c->staff_id, c->fpr, c->created, c->prev[0] ? c->prev : "-") < 0)
		return NULL;
	return s;
}

static int statement_sha(cv_vault *v, const cv_db_checkpoint *c, char out[65])
{
	char *s = statement(c);

	if (!s)
		return cv_error(v, CV_ERROR, "out of memory");
	cv_sha256_hex(s, strlen(s), out);
	free(s);
	return 0;
}

/* The row, in the caller's transaction or in one of its own. */
static int store(cv_vault *v, const cv_db_checkpoint *c)
{
	int r;

	if (cv_index_in_tx(v))
		return cv_db_checkpoint_insert(v, c);
	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_db_checkpoint_insert(v, c)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return cv_index_commit(v);
}

/* The newest checkpoint is CV_CHECKPOINT_AGE seconds old or more (or its time unreadable). */
static int stale(const cv_db_checkpoint *last)
{
	struct tm tm;
	time_t made;

	memset(&tm, 0, sizeof(tm));
	if (!strptime(last->created, "%Y-%m-%dT%H:%M:%SZ", &tm) || (made = timegm(&tm)) == (time_t)-1)
		return 1;
	return time(NULL) - made >= CV_CHECKPOINT_AGE;
}

/*
 * Sign the head (in the caller's transaction, if one is open) when it is
 * due: every event since the newest checkpoint (every 1: a consequential
 * command's own), or CV_CHECKPOINT_EVERY of them, or an old one (checkpoint.h).
 */
/* 1 when a checkpoint is due (c gets the head, last the newest checkpoint if *have), 0 if not, or an error. */
static int due(cv_vault *v, long every, cv_db_checkpoint *c, cv_db_checkpoint *last, int *have)
{
	memset(c, 0, sizeof(*c));
	if (!v->actor[0] || !v->actor_fpr[0] || cv_audit_head(v, &c->seq, c->hash) < 0 || c->seq == 0)
		return 0;
	if ((*have = cv_db_checkpoint_last(v, last)) < 0)
		return *have;
	return !(*have && (last->seq >= c->seq || (c->seq - last->seq < every && !stale(last))));
}

static int checkpoint_make(cv_vault *v, long every)
{
	cv_db_checkpoint last, c;
	char *text = NULL, *sig = NULL;
	size_t len = 0;
	int r, have = 0;

	if ((r = due(v, every, &c, &last, &have)) <= 0)
		return r;
	if (have && (r = statement_sha(v, &last, c.prev)) < 0)
		return r;
	c.number = have ? last.number + 1 : 1;
	snprintf(c.staff_id, sizeof(c.staff_id), "%s", v->actor);
	snprintf(c.fpr, sizeof(c.fpr), "%s", v->actor_fpr);
	cv_now_iso(c.created);
	if (!(text = statement(&c)))
		return cv_error(v, CV_ERROR, "out of memory");
	cv_crashpoint("checkpoint-sign");  /* tests: through casevaultd a reader's client has its answer by now */
	r = cv_gpg_sign_detached(v, v->actor_fpr, text, strlen(text), &sig, &len);
	free(text);
	if (r < 0)
		return r;
	c.sig = cv_sig_text(sig, len);
	cv_gpg_free(sig);
	if (!c.sig)
		return cv_error(v, CV_ERROR, "out of memory");
	r = store(v, &c);
	free((char *)c.sig);
	return r;
}

/* A failed signature is a notice, never the command's failure: a later unlock signs. */
static int sign_quietly(cv_vault *v, long every)
{
	char keep[sizeof(v->errmsg)];

	memcpy(keep, v->errmsg, sizeof(keep));
	if (checkpoint_make(v, every) < 0)
		cv_notice(v, "the audit checkpoint could not be signed (%s); the next unlock signs one", v->errmsg);
	memcpy(v->errmsg, keep, sizeof(keep));
	return 0;
}

/*
 * A command that does not hold the writer lock signs at its unlock only if
 * it can take the lock at once: two readers signing together would both
 * number theirs N+1, and a reader's insert would queue behind a writer's
 * transaction, which under load (eight clients of casevaultd, docs/service.md,
 * Concurrency) can outlast the index's busy wait.  Skipping loses nothing:
 * the writer signs after its own commit, and the next unlock signs.
 */
static void sign_unless_writing(cv_vault *v)
{
	char keep[sizeof(v->errmsg)];
	cv_db_checkpoint c, last;
	int have = 0, r;

	if (!v->unlocked)
		return;
	memcpy(keep, v->errmsg, sizeof(keep));
	if (due(v, CV_CHECKPOINT_EVERY, &c, &last, &have) > 0 && cv_vault_lock_writer(v, 0) == 0) {
		/* the index busy with other readers' events (SQLite's lock, not ours) is left to the next unlock too */
		if ((r = checkpoint_make(v, CV_CHECKPOINT_EVERY)) < 0 && r != CV_ELOCKED)
			cv_notice(v, "the audit checkpoint could not be signed (%s); the next unlock signs one", v->errmsg);
		cv_vault_unlock_writer(v);
	}
	memcpy(v->errmsg, keep, sizeof(keep));
}

/* The end's signature asks nobody (sign_at_end). */
static int ask_nobody(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t len)
{
	(void)hook;
	(void)staff_id;
	(void)prev_was_bad;
	(void)buf;
	(void)len;
	return -1;
}

/*
 * A reader's routine checkpoint, at the command's end (cv_vault_finish).
 * Nobody is asked for a passphrase then: if gpg-agent no longer holds it
 * (an idle lock that struck during a long command), the signature fails
 * quietly as a notice and the next unlock signs, as after any failure.
 */
static void sign_at_end(cv_vault *v)
{
	cv_passphrase_cb cb = v->pass_cb;
	void *hook = v->pass_hook;

	v->pass_cb = ask_nobody;
	v->pass_hook = NULL;
	sign_unless_writing(v);
	v->pass_cb = cb;
	v->pass_hook = hook;
}

void cv_checkpoint_on_unlock(cv_vault *v)
{
	char keep[sizeof(v->errmsg)];

	/*
	 * A writer signs after its own commit instead, covering its events too
	 * (cv_checkpoint_event); a reader at its end, once its output is out
	 * (cv_vault_finish): gpg-agent's signature costs a key derivation,
	 * about 0.3 s, which the person need not wait for.
	 */
	if (v->lockfd < 0)
		v->at_end = sign_at_end;
	memcpy(keep, v->errmsg, sizeof(keep));
	if (cv_certsign_countersign(v) < 0)
		cv_notice(v, "%s", v->errmsg);
	memcpy(v->errmsg, keep, sizeof(keep));
}

/*
 * The actions after which the command signs the head at once, while the
 * actor's key is unlocked (docs/architecture.md, The audit trail): what is
 * disclosed, destroyed, granted or held, how a request was decided, and the
 * trail shown to someone outside.  Deleting their events is then caught even
 * before anyone else unlocks.
 */
static int consequential(const char *action)
{
	static const char *const kinds[] = { "request.bundle", "request.decide", "disclose", "share", "refer",
					     "purge", "erase", "staff.", "grant", "role", "hold.", "audit.show", NULL };
	size_t i;

	for (i = 0; kinds[i]; i++)
		if (!strncmp(action, kinds[i], strlen(kinds[i])))
			return 1;
	return 0;
}

static int after_consequential(cv_vault *v)
{
	return v->unlocked ? sign_quietly(v, 1) : 0;
}

static int after_routine(cv_vault *v)
{
	return v->unlocked ? sign_quietly(v, CV_CHECKPOINT_EVERY) : 0;
}

int cv_checkpoint_event(cv_vault *v, const char *action)
{
	int r = 0, intx = cv_index_in_tx(v);

	if (consequential(action))  /* signs every event since the last checkpoint: the routine one too */
		r = intx ? cv_index_on_commit(v, after_consequential) : after_consequential(v);
	else if (v->lockfd >= 0)
		r = intx ? cv_index_on_commit(v, after_routine) : after_routine(v);
	return r;
}

int cv_checkpoint_in_tx(cv_vault *v)
{
	if (!v->unlocked || !cv_index_in_tx(v))
		return 0;
	return sign_quietly(v, CV_CHECKPOINT_EVERY);
}

/* ---- audit verify ---- */

struct walk {
	cv_vault *v;
	long events;
	cv_checkpoint_check *out;
	cv_db_checkpoint last;   /* the newest seen; sig malloc'd */
	char prev[65];           /* its statement's SHA-256 */
	int r;
};

static int bad(struct walk *w, const cv_db_checkpoint *c, const char *what)
{
	w->out->bad_seq = c->seq > 0 ? c->seq : 1;
	snprintf(w->out->problem, sizeof(w->out->problem), "checkpoint %ld (signed by %.31s at %.31s) %.150s",
		 c->number, c->staff_id, c->created, what);
	return 1;
}

static int check_one(void *hook, const cv_db_checkpoint *c)
{
	struct walk *w = hook;
	int r;

	w->out->count++;
	if (c->number != w->out->count || strcmp(c->prev, w->prev))
		return bad(w, c, "does not follow the checkpoint before it: checkpoints were deleted or edited");
	if (c->seq > w->events) {
		char what[120];

		snprintf(what, sizeof(what), "names event %ld, which the trail no longer holds: events were cut off after it was signed",
			 c->seq);
		bad(w, c, what);
		w->out->bad_seq = w->events + 1;  /* the first event missing */
		return 1;
	}
	if (c->seq < w->last.seq)
		return bad(w, c, "names an earlier event than the checkpoint before it: checkpoints were edited");
	if ((r = cv_db_audit_has(w->v, c->seq, c->hash, 0)) < 0)
		return w->r = r;
	if (!r)
		return bad(w, c, "does not match the trail: events up to it were edited, deleted or inserted after it was signed");
	free((char *)w->last.sig);
	w->last = *c;
	if (!(w->last.sig = strdup(c->sig)))
		return w->r = cv_error(w->v, CV_ERROR, "out of memory");
	return (w->r = statement_sha(w->v, c, w->prev)) < 0 ? 1 : 0;
}

/* The newest checkpoint's signature: it covers every statement before it. */
static void check_newest(struct walk *w)
{
	cv_db_checkpoint *c = &w->last;
	char why[160], what[200], *text = statement(c);

	if (!text) {
		w->r = cv_error(w->v, CV_ERROR, "out of memory");
		return;
	}
	if (cv_sig_by_staff(w->v, text, c->sig, c->staff_id, c->fpr, NULL, why, sizeof(why)) < 0) {
		snprintf(what, sizeof(what), "is not validly signed (%s)", why);
		bad(w, c, what);
	} else {
		w->out->proven = c->seq;
		w->out->number = c->number;
		snprintf(w->out->staff, sizeof(w->out->staff), "%s", c->staff_id);
		snprintf(w->out->created, sizeof(w->out->created), "%s", c->created);
	}
	free(text);
}

int cv_checkpoint_verify(cv_vault *v, long events, cv_checkpoint_check *out)
{
	struct walk w;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	w.v = v;
	w.events = events;
	w.out = out;
	if ((r = cv_db_checkpoint_each(v, check_one, &w)) < 0 || w.r < 0) {
		free((char *)w.last.sig);
		return r < 0 ? r : w.r;
	}
	if (!out->bad_seq && w.last.number)
		check_newest(&w);
	free((char *)w.last.sig);
	return w.r < 0 ? w.r : 0;
}
