/*
 * casevault - a staff member changes their own passphrase
 * (docs/commands/staff-passphrase.md; the keys: crypto/passwd.c).
 *
 * Only the person themself, and only with their current passphrase, even
 * when a session of theirs is unlocked: someone at an unlocked desk cannot
 * take the account over (docs/security.md, Passphrases).  A wrong current
 * passphrase counts towards the lock-out like any other.  After the change
 * the person's session ends and gpg-agent forgets their key, so the next
 * command proves the new passphrase.
 */
#include <stdio.h>
#include <string.h>

#include "base/handle.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/lock.h"
#include "core/slipcache.h"
#include "crypto/keymem.h"
#include "crypto/passwd.h"
#include "store/db_staff.h"
#include "store/index.h"
#include "casevault/session.h"
#include "casevault/staff.h"

#define PASS_MAX 1024

/* The acting person may change their passphrase: chosen, active, not locked out. */
static int may_change(cv_vault *v)
{
	int r, state;

	if (!v->actor[0] && (r = cv_vault_set_actor(v, NULL)) < 0)
		return r;
	if ((r = cv_vault_check_lockout(v)) < 0)
		return r;
	if ((state = cv_db_staff_state(v, v->actor)) < 0)
		return state;
	if (state != 2)
		return cv_error(v, CV_EREFUSED, "staff member %s has been revoked: there is no key to protect", v->actor);
	if (!v->pass_cb)
		return cv_error(v, CV_EINVAL, "changing your passphrase needs the current one: run the command at a "
				"terminal, or give it with --passphrase-file; nothing was changed");
	return 0;
}

/* The two passphrases, into old and next (PASS_MAX bytes each). */
static int ask_both(cv_vault *v, cv_passphrase_cb new_cb, void *new_hook, char *old, char *next)
{
	if (v->pass_cb(v->pass_hook, v->actor, 0, old, PASS_MAX) != 0)
		return cv_error(v, CV_EBADPASS, "your current passphrase was not given; nothing was changed");
	v->pass_given = 1;
	if (!new_cb || new_cb(new_hook, v->actor, 0, next, PASS_MAX) != 0)
		return cv_error(v, CV_EINVAL, "the new passphrase was not given; nothing was changed");
	old[PASS_MAX - 1] = next[PASS_MAX - 1] = '\0';
	if (!*next)
		return cv_error(v, CV_EINVAL, "the new passphrase is empty; choose one of at least a few words; "
				"nothing was changed");
	if (!strcmp(old, next))
		return cv_error(v, CV_EINVAL, "the new passphrase is the same as the current one; nothing was changed");
	return 0;
}

/* The event of a change or of a refused one, in a transaction of its own: the keys are already what they are. */
static int record(cv_vault *v, int outcome)
{
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_audit(v, "staff.passphrase", outcome, v->actor)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return cv_index_commit(v);
}

/*
 * The keys are changed: the event, then the session's end.  Either failing
 * says the passphrase is changed all the same, so nobody retries with the
 * old one and counts towards a lock-out.
 */
static int after_change(cv_vault *v)
{
	char why[sizeof(v->errmsg)];
	int r;

	if ((r = record(v, 0)) < 0) {
		snprintf(why, sizeof(why), "%s", v->errmsg);
		cv_vault_end_session(v);
		return cv_error(v, r, "your passphrase is changed, but its audit event could not be written (%s); "
				"tell a manager", why);
	}
	if ((r = cv_vault_end_session(v)) < 0) {
		snprintf(why, sizeof(why), "%s", v->errmsg);
		return cv_error(v, r, "your passphrase is changed, but your session could not be ended (%s); "
				"run 'casevault lock'", why);
	}
	return 0;
}

static int change(cv_vault *v, const char *old, const char *next)
{
	char why[sizeof(v->errmsg)];
	int r;

	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	r = cv_gpg_change_passphrase(v, v->actor_fpr, old, next);
	if (r == CV_EBADPASS) {
		snprintf(why, sizeof(why), "%s", v->errmsg);  /* the refusal's line, whatever the event's commit says */
		record(v, CV_EBADPASS);
		cv_error(v, CV_EBADPASS, "%s", why);
		r = cv_slipcache_failed(v, CV_EBADPASS);
	} else if (r == 0) {
		r = after_change(v);
	}
	cv_vault_unlock_writer(v);
	return r;
}

int cv_staff_change_passphrase(cv_vault *v, cv_passphrase_cb new_cb, void *new_hook)
{
	char *old = NULL, *next = NULL;
	int r;

	if ((r = may_change(v)) < 0)
		return r;
	old = cv_keymem_alloc(PASS_MAX);
	next = cv_keymem_alloc(PASS_MAX);
	if (!old || !next)
		r = cv_error(v, CV_ERROR, "out of secure memory");
	else if ((r = ask_both(v, new_cb, new_hook, old, next)) == 0)
		r = change(v, old, next);
	cv_keymem_free(old, PASS_MAX);
	cv_keymem_free(next, PASS_MAX);
	return r;
}
