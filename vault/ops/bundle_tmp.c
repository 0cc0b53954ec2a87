/*
 * casevault - the bundle's file before it is named (bundle.h, cv_btmp):
 * nothing an interrupted `request bundle` wrote may survive it
 * (docs/architecture.md, Properties, 2; docs/security.md, Subject access
 * bundles).
 *
 * The bundle is written to an unnamed file in the folder of -o (O_TMPFILE):
 * the kernel removes it whatever stops the process, SIGKILL included, and
 * it gets a name only when linked to -o after the disclosure log that
 * records it is committed (bundle.c, step 5).  Where the file system has no
 * O_TMPFILE (some network and FUSE file systems), a named temporary
 * .casevault-bundle-XXXXXX is used instead, and SIGTERM, SIGINT and SIGHUP
 * remove it before the process ends; only SIGKILL or a power cut can leave
 * that one behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/util.h"
#include "ops/bundle.h"

static const int held_signals[3] = { SIGTERM, SIGINT, SIGHUP };

/* The named temporary a signal must remove (one bundle at a time per process). */
static char named_tmp[PATH_MAX];
static struct sigaction prev_action[3];

static void remove_and_reraise(int sig)
{
	int i;

	if (named_tmp[0])
		unlink(named_tmp);
	for (i = 0; i < 3; i++)
		if (held_signals[i] == sig)
			sigaction(sig, &prev_action[i], NULL);
	raise(sig);  /* delivered on return, with the program's own disposition */
}

static void catch_signals(const char *path)
{
	struct sigaction sa;
	int i;

	snprintf(named_tmp, sizeof(named_tmp), "%s", path);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = remove_and_reraise;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(held_signals[i], &sa, &prev_action[i]);
}

static void release_signals(void)
{
	int i;

	for (i = 0; i < 3; i++)
		sigaction(held_signals[i], &prev_action[i], NULL);
	named_tmp[0] = '\0';
}

void cv_btmp_hold_signals(sigset_t *old)
{
	sigset_t set;
	int i;

	sigemptyset(&set);
	for (i = 0; i < 3; i++)
		sigaddset(&set, held_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static int open_named(cv_vault *v, const char *dir, const char *out_path, cv_btmp *t)
{
	if (snprintf(t->path, sizeof(t->path), "%s/.casevault-bundle-XXXXXX", dir) >= (int)sizeof(t->path))
		return cv_error(v, CV_EINVAL, "the folder of %s has too long a name", out_path);
	/* the handler is in place before the name exists */
	catch_signals(t->path);
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd < 0) {
		int e = errno;

		release_signals();
		t->path[0] = '\0';
		return cv_error(v, CV_ERROR, "cannot create a file beside %s: %s%s", out_path, strerror(e), cv_disk_hint(e));
	}
	snprintf(named_tmp, sizeof(named_tmp), "%s", t->path);
	t->named = 1;
	fchmod(t->fd, 0600);
	return 0;
}

int cv_btmp_open(cv_vault *v, const char *dir, const char *out_path, cv_btmp *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (t->fd >= 0 && access("/proc/self/fd", X_OK) == 0) {
		/* its one name until it is linked: the fail-closed check reopens it there */
		snprintf(t->path, sizeof(t->path), "/proc/self/fd/%d", t->fd);
		return 0;
	}
	if (t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
	} else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return cv_error(v, CV_ERROR, "cannot create a file beside %s: %s%s", out_path, strerror(errno), cv_disk_hint(errno));
	return open_named(v, dir, out_path, t);
}

/*
 * casevaultd's worker never opens the path a client named (docs/service.md,
 * Named files): the client made the file, and removes it if the command
 * fails; what the bundle wrote is cut off before (cv_btmp_close).
 */
int cv_btmp_given(cv_vault *v, int fd, const char *out_path, cv_btmp *t)
{
	struct stat sb;
	int acc = fcntl(fd, F_GETFL);

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size != 0 || acc < 0 || (acc & O_ACCMODE) != O_RDWR)
		return cv_error(v, CV_EINVAL, "%s is not a new, empty file open to read and write", out_path);
	if ((t->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return cv_error(v, CV_ERROR, "cannot write %s: %s", out_path, strerror(errno));
	t->given = 1;
	return 0;
}

int cv_btmp_place(cv_vault *v, cv_btmp *t, const char *dir, const char *out_path)
{
	int r;

	if (t->given)
		return 0;  /* the caller's file has its name */
	if (t->named)
		r = link(t->path, out_path);
	else
		r = linkat(AT_FDCWD, t->path, AT_FDCWD, out_path, AT_SYMLINK_FOLLOW);
	if (r < 0)
		return errno == EEXIST ? cv_error(v, CV_EEXISTS, "%s appeared while the bundle was made", out_path)
				       : cv_error(v, CV_ERROR, "cannot name the bundle %s: %s%s", out_path, strerror(errno), cv_disk_hint(errno));
	cv_fsync_dir(dir);
	return 0;
}

void cv_btmp_close(cv_btmp *t, const char *dir, int failed)
{
	/* nothing of a refused bundle stays in the caller's file */
	if (t->given && failed && t->fd >= 0 && ftruncate(t->fd, 0) == 0)
		fsync(t->fd);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->named) {
		unlink(t->path);
		cv_fsync_dir(dir);
		release_signals();
		t->named = 0;
	}
	t->path[0] = '\0';
}
