/*
 * casevault - nothing an interrupted command made survives it
 * (docs/architecture.md, Properties, 2; docs/recovery.md, Interrupted
 * commands).
 *
 * A command killed with SIGKILL (or by a power cut) cannot clean up after
 * itself.  What it may leave, and why each is safe to remove here:
 *   archives/.tmp-NAME   half-written archives of a filing or a purge
 *                        rewrite.  Both write them only while holding the
 *                        writer lock, which the caller has just taken, so
 *                        none is being written now.  (The pending intent
 *                        log, core/intent.c, still undoes the rest.)
 *   gnupg/sym-PID        an encryption helper's home (crypto/helper.c);
 *   gnupg/cvr-PID-XXXXXX a bundle's recipient home (crypto/bundle.c);
 *                        removed only when PID no longer runs, together
 *                        with any gpg or gpg-agent still working on them.
 *   backup-tmp.XXXXXX    a backup's staging directory (ops/backup.c): it
 *                        holds a copy of the key store, which would keep a
 *                        purged archive's key alive (docs/architecture.md,
 *                        Keys) until the next backup; removed as soon as
 *                        no process holds its owner lock.
 *   intake/NAME.tmp      an intake item's file being written (ops/intake.c),
 *                        only while holding the writer lock; the item has
 *                        no key or row yet, so nothing else names it.
 * A bundle being written has no name to leave (ops/bundle_tmp.c).
 *
 * It runs each time a process takes the writer lock (core/lock.c): every
 * command that writes, and the open's recovery when the lock is free.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/sweep.h"
#include "crypto/bundle.h"
#include "crypto/helper.h"
#include "store/archive.h"

/* dir is a staging directory nobody works in: its owner lock is free (or it has none yet). */
static int stage_abandoned(const char *dir)
{
	char *own;
	int fd, free_lock;

	if (asprintf(&own, "%s/owner", dir) < 0)
		return 0;
	fd = open(own, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(own);
	if (fd < 0) {
		/* no owner file: a stage being made this moment, or one whose maker died at once (empty) */
		struct stat st;

		return stat(dir, &st) == 0 && st.st_mtime < time(NULL) - 600;
	}
	free_lock = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return free_lock;
}

void cv_sweep_backup_stages(cv_vault *v)
{
	DIR *d = opendir(v->path);
	struct dirent *e;
	char *dir;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, CV_BACKUP_STAGE_PREFIX, strlen(CV_BACKUP_STAGE_PREFIX)) ||
		    asprintf(&dir, "%s/%s", v->path, e->d_name) < 0)
			continue;
		if (stage_abandoned(dir))
			cv_rmtree(dir, 0);
		free(dir);
	}
	if (d)
		closedir(d);
}

static void sweep_intake_tmp(cv_vault *v)
{
	char *dir, *path;
	struct dirent *e;
	DIR *d;

	if (asprintf(&dir, "%s/intake", v->path) < 0)
		return;
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len <= 4 || strcmp(e->d_name + len - 4, ".tmp") || asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			continue;
		unlink(path);
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
}

void cv_sweep_leftovers(cv_vault *v)
{
	char msg[sizeof(v->errmsg)];
	int n = 0;

	/* best effort: what cannot be removed now is tried by the next writer */
	memcpy(msg, v->errmsg, sizeof(msg));
	cv_archive_sweep_tmp(v, &n);
	cv_helper_sweep(v);
	cv_bundle_rcpt_sweep(v);
	cv_sweep_backup_stages(v);
	sweep_intake_tmp(v);
	memcpy(v->errmsg, msg, sizeof(msg));
}
