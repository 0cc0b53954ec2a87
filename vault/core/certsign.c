/*
 * casevault - the purge-only key and the signatures on certificates of
 * destruction (certsign.h).
 *
 * The purge key is a sign-only OpenPGP key without a passphrase, for the
 * unattended purge, which has no staff passphrase.  Its secret lives in a
 * GnuPG home of its own, VAULT/purge-key (0700, the account that owns the
 * vault and runs the timer), never in VAULT/gnupg: no casevault operation on
 * the vault's keyring can sign with it, it has no staff row and no keyslip,
 * so it opens nothing and cannot act as anyone.  Its public part is in the
 * vault's keyring, and its fingerprint in meta purge_key, named by the audit
 * event that made it: moving it to another key means rewriting the trail
 * past a signed checkpoint (docs/architecture.md, The audit trail).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/certsign.h"
#include "crypto/gpg.h"
#include "crypto/purgekey.h"
#include "store/db_audit.h"
#include "store/db_checkpoints.h"
#include "store/db_meta.h"
#include "store/db_purge.h"
#include "store/db_staff.h"
#include "store/index.h"
#include "casevault/staff.h"

#define PURGE_HOME "purge-key"

static char *purgekey_home(cv_vault *v)
{
	char *p = NULL;

	return asprintf(&p, "%s/" PURGE_HOME, v->path) < 0 ? NULL : p;
}

int cv_purgekey_fpr(cv_vault *v, char fpr[48])
{
	return cv_db_meta_get(v, "purge_key", fpr, 48);
}

/* The key made, its fingerprint and the event that names it, in one transaction. */
static int purgekey_record(cv_vault *v, const char *fpr)
{
	char ids[64];
	int r;

	snprintf(ids, sizeof(ids), "purgekey-%s", fpr);
	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_db_meta_set(v, "purge_key", fpr, 0, "record the purge key")) < 0 ||
	    (r = cv_audit(v, "purgekey.init", 0, ids)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return cv_index_commit(v);
}

int cv_purgekey_create(cv_vault *v, char fpr[48])
{
	char *home = purgekey_home(v);
	int r;

	if (!home)
		return cv_error(v, CV_ERROR, "out of memory");
	if ((r = cv_purgekey_fpr(v, fpr)) != 0) {
		free(home);
		return r < 0 ? r : cv_error(v, CV_EREFUSED, "this vault already has a purge key (%.16s); nothing was changed", fpr);
	}
	if (mkdir(home, 0700) < 0) {
		r = cv_error(v, CV_EREFUSED, "cannot make %s: %s; if it is left from an earlier attempt, remove it and try again",
			     home, strerror(errno));
		free(home);
		return r;
	}
	if ((r = cv_gpg_purgekey_create(v, home, fpr, 48)) == 0)
		r = purgekey_record(v, fpr);
	if (r < 0) {
		cv_gpg_delete_key(v, fpr);  /* the public part copied into the vault's keyring, if it was */
		cv_rmtree(home, 0);
	}
	free(home);
	return r;
}

char *cv_sig_text(const char *sig, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, sig, len);
		s[len] = '\0';
	}
	return s;
}

/* sig over text is valid and made by the key fpr: 0, or CV_ECORRUPT with why. */
static int sig_by_key(cv_vault *v, const char *text, const char *sig, const char *fpr, char *why, size_t whylen)
{
	char *signer = NULL;
	int r = cv_gpg_verify_detached(v, text, strlen(text), sig, strlen(sig), &signer);

	if (r < 0)
		snprintf(why, whylen, "%s", v->errmsg);
	else if (strcasecmp(signer, fpr)) {
		snprintf(why, whylen, "signed by another key (%.16s) than the one it names", signer);
		r = CV_ECORRUPT;
	}
	free(signer);
	return r < 0 ? CV_ECORRUPT : 0;
}

int cv_sig_by_staff(cv_vault *v, const char *text, const char *sig, const char *id, const char *fpr,
		    const char *role, char *why, size_t whylen)
{
	cv_db_staff_actor row;
	char pk[48] = "";
	size_t n = 0;

	if (cv_db_staff_actors(v, id, -1, &row, 1, &n) < 0 || n != 1 || strcasecmp(row.fpr, fpr)) {
		snprintf(why, whylen, "the key that signed it (%.16s) is not %s's", fpr, id);
		return CV_ECORRUPT;
	}
	if (role && strcmp(row.role, role)) {
		snprintf(why, whylen, "%s is not a %s", id, role);
		return CV_ECORRUPT;
	}
	if (cv_purgekey_fpr(v, pk) > 0 && !strcasecmp(pk, fpr)) {
		snprintf(why, whylen, "signed by the purge key, which signs nothing as a staff member");
		return CV_ECORRUPT;
	}
	return sig_by_key(v, text, sig, fpr, why, whylen);
}

/* body signed by whoever signs for this run: the acting staff member or the purge key. */
static int sign_body(cv_vault *v, const char *body, int scheduled, cv_db_certsig *s)
{
	char *sig = NULL, *home = NULL;
	size_t len = 0;
	int r;

	if (scheduled) {
		if ((r = cv_purgekey_fpr(v, s->fpr)) <= 0)
			return r;
		snprintf(s->signer, sizeof(s->signer), "%s", CV_PURGE_SIGNER);
		if (!(home = purgekey_home(v)))
			return cv_error(v, CV_ERROR, "out of memory");
		r = cv_gpg_sign_in_home(v, home, s->fpr, body, strlen(body), &sig, &len);
		free(home);
	} else {
		snprintf(s->signer, sizeof(s->signer), "%s", v->actor);
		snprintf(s->fpr, sizeof(s->fpr), "%s", v->actor_fpr);
		r = cv_gpg_sign_detached(v, v->actor_fpr, body, strlen(body), &sig, &len);
	}
	if (r < 0)
		return r;
	s->sig = cv_sig_text(sig, len);
	cv_gpg_free(sig);
	return s->sig ? 1 : cv_error(v, CV_ERROR, "out of memory");
}

int cv_certsign_sign(cv_vault *v, long number, const char *body, int scheduled, const char *now)
{
	cv_db_certsig s;
	int r;

	memset(&s, 0, sizeof(s));
	s.number = number;
	snprintf(s.kind, sizeof(s.kind), "signed");
	snprintf(s.created, sizeof(s.created), "%s", now);
	if ((r = sign_body(v, body, scheduled, &s)) <= 0)
		return r;
	r = cv_db_certsig_insert(v, &s);
	free(s.sig);
	return r;
}

/* The purge key made this signature, and is the key the trail says was made. */
static int sig_by_purgekey(cv_vault *v, const char *body, const cv_db_certsig *s, char *why, size_t whylen)
{
	char pk[48] = "", ids[128], word[64];

	if (cv_purgekey_fpr(v, pk) <= 0 || strcasecmp(pk, s->fpr)) {
		snprintf(why, whylen, "signed by a key (%.16s) that is not the vault's purge key", s->fpr);
		return CV_ECORRUPT;
	}
	snprintf(word, sizeof(word), "purgekey-%s", pk);
	if (cv_db_audit_find(v, "purgekey.init", word, ids, sizeof(ids)) != 1) {
		snprintf(why, whylen, "the purge key %.16s is not the one the audit trail says was made", pk);
		return CV_ECORRUPT;
	}
	return sig_by_key(v, body, s->sig, s->fpr, why, whylen);
}

int cv_certsign_check(cv_vault *v, long number, const char *body, const char *run_by, const char *kind,
		      cv_certsig_state *st)
{
	cv_db_certsig s;
	int r, counter = !strcmp(kind, "countersigned");

	memset(st, 0, sizeof(*st));
	if ((r = cv_db_certsig_get(v, number, kind, &s)) <= 0)
		return r;
	st->present = 1;
	snprintf(st->signer, sizeof(st->signer), "%s", s.signer);
	snprintf(st->created, sizeof(st->created), "%s", s.created);
	if (!counter && strcmp(s.signer, CV_PURGE_SIGNER) && strcmp(s.signer, run_by))
		snprintf(st->why, sizeof(st->why), "signed by %s, but run by %s", s.signer, run_by);
	else if (!counter && !strcmp(s.signer, CV_PURGE_SIGNER) && strcmp(run_by, "schedule"))
		snprintf(st->why, sizeof(st->why), "signed by the purge key, but run by %s, not the schedule", run_by);
	else if (!counter && !strcmp(s.signer, CV_PURGE_SIGNER))
		st->valid = sig_by_purgekey(v, body, &s, st->why, sizeof(st->why)) == 0;
	else
		st->valid = cv_sig_by_staff(v, body, s.sig, s.signer, s.fpr, counter ? "manager" : NULL,
					    st->why, sizeof(st->why)) == 0;
	cv_db_certsig_release(&s);
	return 0;
}

/* One certificate of the scheduled purge, its purge-key signature checked, counter-signed by the acting manager. */
static int countersign_one(cv_vault *v, long number, const char *now)
{
	cv_certsig_state st;
	cv_db_certsig s;
	char *body = NULL, *sig = NULL;
	size_t len = 0;
	int r;

	if ((r = cv_db_certificate_body(v, number, &body)) < 0)
		return r;
	/* unsigned (a vault without a purge key then): the counter-signature is its only one */
	if ((r = cv_certsign_check(v, number, body, "schedule", "signed", &st)) < 0 || (st.present && !st.valid)) {
		free(body);
		return r < 0 ? r : cv_error(v, CV_ECORRUPT, "certificate %ld was not counter-signed: its signature does not hold (%s); "
					    "run 'casevault verify'", number, st.why);
	}
	r = cv_gpg_sign_detached(v, v->actor_fpr, body, strlen(body), &sig, &len);
	free(body);
	if (r < 0)
		return r;
	memset(&s, 0, sizeof(s));
	s.number = number;
	snprintf(s.kind, sizeof(s.kind), "countersigned");
	snprintf(s.signer, sizeof(s.signer), "%s", v->actor);
	snprintf(s.fpr, sizeof(s.fpr), "%s", v->actor_fpr);
	snprintf(s.created, sizeof(s.created), "%s", now);
	s.sig = cv_sig_text(sig, len);
	cv_gpg_free(sig);
	r = s.sig ? cv_db_certsig_insert(v, &s) : cv_error(v, CV_ERROR, "out of memory");
	free(s.sig);
	return r;
}

int cv_certsign_countersign(cv_vault *v)
{
	long numbers[64];
	char now[32];
	size_t n = 0, i;
	int r = 0;

	if (v->role != CV_ROLE_MANAGER || !v->actor_fpr[0])
		return 0;
	if ((r = cv_db_certsig_awaiting(v, numbers, 64, &n)) < 0 || n == 0)
		return r;
	cv_now_iso(now);
	for (i = 0; i < n && r == 0; i++)
		r = countersign_one(v, numbers[i], now);
	return r;
}
