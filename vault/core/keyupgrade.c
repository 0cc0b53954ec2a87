/*
 * casevault - old archive key wraps upgraded in one go (docs/architecture.md,
 * Keys; Crash safety).  A vault made before the checked wrap holds "cvkw1:"
 * rows, which carry no integrity check.  The first command that holds both
 * the writer lock and a section key (core/lock.c, core/actor.c: whichever
 * it takes second) re-wraps every such row of that section as "cvkw2:" in
 * a single transaction: a crash before the commit
 * leaves every row as it was (the next writer starts again), after it every
 * row is new.  The write-ahead log is then checkpointed so the old wraps do
 * not linger in it.  A row wrapped under an older key generation or not well
 * formed is left alone for 'casevault verify' to report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/util.h"
#include "core/keyupgrade.h"
#include "crypto/keywrap.h"
#include "store/keystore.h"
#include "store/db_rotate.h"
#include "store/index.h"

typedef struct {
	long long aid;
	cv_section sec;
	int gen;
	char file[64];
	char *wrapped;
} old_wrap;

typedef struct {
	cv_vault *v;
	old_wrap *w;
	size_t n, cap;
} upgrade;

/* Collect one cvkw1 row whose section key is in hand, current generation. */
static int take_old(void *hook, const cv_db_archive_key *k)
{
	upgrade *u = hook;
	old_wrap *o;

	if (!k->wrapped || strncmp(k->wrapped, CV_WRAP1_TAG, 6) || !u->v->mkey[k->sec] ||
	    k->gen != u->v->mkey_gen[k->sec])
		return 0;
	if (CV_ARRAY_GROW(&u->w, &u->cap, u->n) < 0 || !(u->w[u->n].wrapped = strdup(k->wrapped)))
		return cv_error(u->v, CV_ERROR, "out of memory");
	o = &u->w[u->n++];
	o->aid = k->id;
	o->sec = k->sec;
	o->gen = k->gen;
	snprintf(o->file, sizeof(o->file), "%s", k->file);
	return 0;
}

/* Unwrap the old form and wrap again (the keys are in hand); a malformed row is skipped. */
static int rewrap_all(cv_vault *v, upgrade *u)
{
	unsigned char k[32];
	size_t i;
	int r, old;

	for (i = 0; i < u->n; i++) {
		old_wrap *o = &u->w[i];
		cv_wrap_ctx c = { cv_section_name(o->sec), o->gen, o->file };
		char *nw = malloc(CV_WRAPPED_LEN);

		if (!nw)
			return cv_error(v, CV_ERROR, "out of memory");
		if (cv_keyunwrap(v->mkey[o->sec], &c, o->wrapped, k, &old) < 0) {
			free(nw);
			nw = NULL;
		} else if ((r = cv_keywrap(v->mkey[o->sec], &c, k, nw)) < 0) {
			explicit_bzero(k, sizeof(k));
			free(nw);
			return cv_error(v, CV_ERROR, "cannot wrap the key of archive %s again (libgcrypt)", o->file);
		}
		explicit_bzero(k, sizeof(k));
		free(o->wrapped);
		o->wrapped = nw;
	}
	return 0;
}

static int write_all(cv_vault *v, const upgrade *u)
{
	size_t i;
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	for (i = 0; i < u->n; i++)
		if (u->w[i].wrapped && (r = cv_keystore_put(v, u->w[i].file, u->w[i].gen, u->w[i].wrapped)) < 0) {
			cv_index_rollback(v);
			return r;
		}
	cv_crashpoint("keywrap-upgrade-before-commit");
	if ((r = cv_index_commit(v)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	cv_crashpoint("keywrap-upgrade-after-commit");
	cv_db_rotate_checkpoint(v);
	return 0;
}

int cv_keys_upgrade_wraps(cv_vault *v)
{
	upgrade u = { v, NULL, 0, 0 };
	size_t i;
	int r;

	/* both the writer lock and the keys, whichever came second; never inside a caller's transaction */
	if (!v->unlocked || v->lockfd < 0 || cv_index_in_tx(v))
		return 0;
	if ((r = cv_db_rotate_archive_keys(v, take_old, &u)) == 0 && u.n && (r = rewrap_all(v, &u)) == 0)
		r = write_all(v, &u);
	for (i = 0; i < u.n; i++)
		free(u.w[i].wrapped);
	free(u.w);
	return r;
}
