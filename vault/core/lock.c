/*
 * casevault - the writer lock: one process changes a vault at a time
 * (flock on VAULT/.lock; readers never wait for it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/keys.h"
#include "core/blindupgrade.h"
#include "core/keyupgrade.h"
#include "core/lock.h"
#include "core/sweep.h"
#include "store/index.h"
#include "store/keystore.h"

int cv_vault_lock_writer(cv_vault *v, int wait)
{
	char *p;
	int r;

	if (v->lockfd >= 0)
		return 0;
	if (asprintf(&p, "%s/.lock", v->path) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	v->lockfd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(p);
	if (v->lockfd < 0)
		return cv_error(v, CV_ERROR, "cannot open the vault lock file: %s", strerror(errno));
	cv_crashpoint("writer-lock-wait");
	if (flock(v->lockfd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int e = errno;
		close(v->lockfd);
		v->lockfd = -1;
		if (e == EWOULDBLOCK)
			return cv_error(v, CV_ELOCKED, "another casevault process is writing to this vault; try again when it has finished");
		return cv_error(v, CV_ERROR, "cannot lock the vault: %s", strerror(e));
	}
	cv_sweep_leftovers(v);  /* nobody else writes now: remove what killed commands left */
	/* the key store: old keys moved out of vault.db, orphan keys deleted (store/keystore.h) */
	if ((r = cv_keystore_settle(v)) < 0) {
		cv_vault_unlock_writer(v);
		return r;
	}
	/*
	 * Rotations commit under this lock, so from here until it is released
	 * the section keys cannot change: check that the ones unlocked before
	 * waiting are still current (docs/architecture.md, Concurrency).  With
	 * them in hand, old unchecked archive key wraps are upgraded
	 * (docs/architecture.md, Keys).
	 */
	if ((r = cv_keys_refresh(v)) < 0 || (r = cv_keys_upgrade_wraps(v)) < 0 || (r = cv_blind_upgrade(v)) < 0)
		cv_vault_unlock_writer(v);
	else
		cv_crashpoint("writer-locked");
	return r;
}

void cv_vault_unlock_writer(cv_vault *v)
{
	if (v->lockfd >= 0) {
		close(v->lockfd);  /* releases the flock */
		v->lockfd = -1;
	}
}

int cv_vault_write_tx(cv_vault *v, int (*fn)(cv_vault *v, void *arg), void *arg)
{
	int r;

	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) == 0) {
		if ((r = fn(v, arg)) < 0)
			cv_index_rollback(v);
		else
			r = cv_index_commit(v);
	}
	cv_vault_unlock_writer(v);
	return r;
}
