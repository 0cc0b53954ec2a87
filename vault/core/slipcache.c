/*
 * casevault - the front end's cache of unlocked keyslips (casevault/session.h).
 *
 * casevaultd proves a person's passphrase once and keeps their keyslip's
 * text until the idle lock, 'casevault lock' or two hours
 * (docs/service.md, Sessions).  This file is the library's side: the
 * cache is keyed by the keyslip's own SHA-256, so a rotated or replaced
 * keyslip misses; on a miss gpg-agent first forgets the person's cached
 * passphrase, so that a miss always means proving the passphrase afresh
 * (docs/security.md, The service).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "core/audit.h"
#include "core/slipcache.h"
#include "crypto/gpg.h"
#include "crypto/keymem.h"

void cv_vault_set_slip_cache(cv_vault *v, const cv_slip_cache *ops, void *ctx)
{
	v->slip_cache = ops;
	v->slip_cache_ctx = ctx;
}

void *cv_secure_alloc(size_t n)
{
	return cv_keymem_alloc(n);
}

void cv_secure_free(void *p, size_t n)
{
	cv_keymem_free(p, n);
}

/* The vault's idle lock: default-cache-ttl of its gpg-agent.conf (core/vault.c writes it), else 600. */
static long idle_seconds(cv_vault *v)
{
	char *p = NULL, line[128];
	long idle = 600, n;
	FILE *f;

	if (asprintf(&p, "%s/gpg-agent.conf", v->gnupghome) < 0)
		return idle;
	if ((f = fopen(p, "re"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "default-cache-ttl %ld", &n) == 1 && n > 0)
				idle = n;
		fclose(f);
	}
	free(p);
	return idle;
}

int cv_slipcache_get(cv_vault *v, const char *slip_id, char **text, size_t *len)
{
	char *buf;
	size_t n;
	int r;

	if (!v->slip_cache)
		return 0;
	if (!(buf = cv_keymem_alloc(CV_SLIP_TEXT_MAX + 1)))
		return cv_error(v, CV_ERROR, "out of secure memory");
	n = v->slip_cache->get(v->slip_cache_ctx, v->actor, slip_id, buf, CV_SLIP_TEXT_MAX);
	if (n > 0 && n <= CV_SLIP_TEXT_MAX) {
		buf[n] = '\0';
		*text = buf;
		*len = n;
		return 1;
	}
	cv_keymem_free(buf, CV_SLIP_TEXT_MAX + 1);
	if ((r = cv_vault_check_lockout(v)) < 0)  /* locked out since the request began: no gpg at all */
		return r;
	/*
	 * gpg-agent may still hold the passphrase the session outlived: prove it
	 * afresh.  A front end that knew the person's session was alive when the
	 * command began starts without gpgconf (cv_global_init_ex): a miss then
	 * is a keyslip rotated under a live session, whose proof the agent's
	 * cache may stand for, as it does in direct mode.
	 */
	if (cv_gpgconf_enabled() && (r = cv_gpg_agent_forget_key(v, v->actor_fpr)) < 0)
		return cv_error(v, r, "cannot make gpg-agent ask staff member %s's passphrase afresh (%s); nothing was done",
				v->actor, v->errmsg);
	return 0;
}

void cv_slipcache_put(cv_vault *v, const char *slip_id, const char *text, size_t len)
{
	if (v->slip_cache && len <= CV_SLIP_TEXT_MAX)
		v->slip_cache->put(v->slip_cache_ctx, v->actor, slip_id, text, len, idle_seconds(v));
}

int cv_slipcache_failed(cv_vault *v, int r)
{
	char why[sizeof(v->errmsg)];

	if (r != CV_EBADPASS || !v->slip_cache || !v->pass_given)
		return r;
	if (!v->slip_cache->bad(v->slip_cache_ctx, v->actor, why, sizeof(why)))
		return r;
	cv_audit(v, "staff.lockout", CV_EBADPASS, v->actor);
	return cv_error(v, CV_EREFUSED, "%s", why);
}

int cv_vault_check_lockout(cv_vault *v)
{
	char why[sizeof(v->errmsg)];

	if (!v->slip_cache || !v->actor[0] || !v->slip_cache->locked(v->slip_cache_ctx, v->actor, why, sizeof(why)))
		return 0;
	cv_audit(v, "staff.lockout-refused", CV_EREFUSED, v->actor);
	return cv_error(v, CV_EREFUSED, "%s", why);
}
