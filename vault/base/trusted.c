/*
 * casevault - opening a file by identity (base/trusted.h; docs/security.md,
 * The encryption helper program): what was checked is what the caller runs
 * or loads through the descriptor, so a link, or a file swapped in after
 * the check, never is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/trusted.h"

/* Why a directory or the file may not be trusted, or NULL: owned by root or this user, nobody else writes it. */
static const char *untrusted(const struct stat *sb, int is_dir)
{
	if (S_ISLNK(sb->st_mode))
		return "a symbolic link";
	if (is_dir ? !S_ISDIR(sb->st_mode) : !S_ISREG(sb->st_mode))
		return is_dir ? "not a directory" : "not a regular file";
	if (sb->st_uid != 0 && sb->st_uid != geteuid())
		return "owned by another user";
	/* a sticky directory (/tmp) lets nobody else rename or remove what is ours in it */
	if ((sb->st_mode & 022) && !(is_dir && (sb->st_mode & S_ISVTX)))
		return "writable by group or others";
	return NULL;
}

struct walk {
	const char *path;
	int missing;
	char *why;
	size_t whylen;
};

/* Open one component below dir without following a link and check it; the descriptor, or -1 with w->why. */
static int open_checked(struct walk *w, int dir, const char *name, size_t upto, int is_dir)
{
	struct stat sb;
	const char *why;
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) < 0) {
		w->missing = errno == ENOENT;
		why = strerror(errno);
	} else
		why = untrusted(&sb, is_dir);
	if (!why)
		return fd;
	if (fd >= 0)
		close(fd);
	snprintf(w->why, w->whylen, "%.*s: %s", (int)upto, w->path, why);
	return -1;
}

int cv_trusted_open(const char *path, int *missing, char *why, size_t whylen)
{
	struct walk w = { path, 0, why, whylen };
	char buf[4096], *p, *next;
	int dir, fd;

	*missing = 0;
	if (path[0] != '/' || snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		snprintf(why, whylen, "%s: not an absolute path", path);
		return -1;
	}
	dir = open_checked(&w, AT_FDCWD, "/", 1, 1);
	for (p = buf + 1; dir >= 0; p = next) {
		if ((next = strchr(p, '/')))
			*next++ = '\0';
		fd = open_checked(&w, dir, p, (size_t)(p - buf) + strlen(p), next != NULL);
		close(dir);
		if (!next) {
			*missing = w.missing;
			return fd;
		}
		dir = fd;
	}
	*missing = w.missing;
	return -1;
}
