/* casevault - small file-system helpers. */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *rm_top;
static int rm_keep_top;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	if (ftw->level == 0 && rm_keep_top)
		return 0;
	return remove(path) < 0 ? 0 : 0;  /* best effort */
}

/* Remove a directory tree (not following symlinks); keep_top keeps path itself. */
int cv_rmtree(const char *path, int keep_top)
{
	rm_top = path;
	rm_keep_top = keep_top;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Fault injection for the crash tests: when $CASEVAULT_CRASHPOINT names this
 * point, the process kills itself with SIGKILL, as a power cut would.
 */
void cv_crashpoint(const char *name)
{
	const char *want = getenv("CASEVAULT_CRASHPOINT");

	if (want && !strcmp(want, name))
		raise(SIGKILL);
}

/* What to add to a message about a failed write: the disk is full, and what to do. */
const char *cv_disk_hint(int err)
{
	if (err == ENOSPC || err == EDQUOT)
		return "; the disk holding the vault is full: free some space there and try again";
	return "";
}

/* Write all of buf to fd, through short writes and EINTR.  0, or -1 with errno set. */
int cv_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}
