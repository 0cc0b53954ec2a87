/*
 * casevaultd - the drop folder's watcher (intake_watch.h; docs/intake.md).
 *
 * A file is taken only when it is complete: inotify's IN_CLOSE_WRITE or
 * IN_MOVED_TO (a rename into place) wakes the watcher at once, a scan every
 * second finds what was there before it started, and before a file is
 * read a read lease (F_SETLEASE) is taken, which the kernel refuses while
 * any process has the file open for writing.  Without CAP_LEASE a lease on
 * another account's file is refused: the watcher then waits until the
 * file has not changed for QUIET seconds (docs/intake.md says how to give
 * the service CAP_LEASE).  The lease is held while the file is read, so
 * nobody can write it meanwhile.
 *
 * Each file goes through cv_intake_take (checked as 'file' checks a
 * document, encrypted in memory, fsynced) and is then unlinked; a refused
 * one is moved to rejected/ (0700) with a .reason file beside it.  A vault
 * that cannot take it now (no intake key published yet, the disk) leaves it
 * for the next scan.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "casevault/intake.h"
#include "casevault/vault.h"
#include "intake_watch.h"

#define QUIET 3          /* seconds unchanged before a file without a lease is taken */
#define RETRY 30         /* seconds before a vault failure is tried again */

typedef struct {
	const char *vault;
	int dir;             /* the drop folder */
	int rejected;        /* its rejected/ */
	time_t retry_after;  /* after a failure of the vault's */
} watch;

/*
 * One line to the journal.  Never a file's name: a scan is often named for the
 * child ("Sam Smith EHCP.pdf"), and the tray seals the name (docs/intake.md);
 * a line says "a file" and the item's id once it has one.
 */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "casevaultd: intake: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A library message for the journal, or a stand-in when it names the file. */
static const char *unnamed(const char *msg, const char *name)
{
	return strstr(msg, name) ? "the vault cannot take it yet (the message names the file, so it is not logged)" : msg;
}

/* Move a refused file to rejected/ with a .reason file (both 0600 there, behind a 0700 folder). */
static void set_aside(watch *w, const char *name, int fd, const char *why)
{
	char dest[NAME_MAX + 32], reason[NAME_MAX + 48];
	int rfd;

	snprintf(dest, sizeof(dest), "%ld-%s", (long)time(NULL), name);
	snprintf(reason, sizeof(reason), "%s.reason", dest);
	fchmod(fd, 0600);  /* refused only when we own it; the 0700 folder guards it either way */
	if (renameat(w->dir, name, w->rejected, dest) < 0) {
		say("cannot move a refused file to rejected/: %s", strerror(errno));
		return;
	}
	rfd = openat(w->rejected, reason, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (rfd >= 0) {
		dprintf(rfd, "%s\n", why);
		fsync(rfd);
		close(rfd);
	}
	fsync(w->rejected);
	say("a file was refused and moved to rejected/; its .reason file there says why");
}

/*
 * 1 when nobody has the file open for writing (a lease was granted; the
 * caller releases it), or, with no lease to be had, when it has not changed
 * for QUIET seconds; 0 to wait.
 */
static int complete(int fd, const struct stat *sb)
{
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
		return 1;
	if (errno == EAGAIN || errno == EBUSY)
		return 0;  /* open for writing somewhere */
	return time(NULL) - sb->st_mtime >= QUIET && time(NULL) - sb->st_ctime >= QUIET;
}

/* Take one file into the tray: 1 taken or set aside, 0 left for later. */
static int take(watch *w, cv_vault *v, const char *name, int fd)
{
	char id[16];
	int refused = 0;

	if (cv_intake_take(v, fd, name, "drop", id, &refused) == 0) {
		if (unlinkat(w->dir, name, 0) < 0)
			say("%s is in the tray but its file in the drop folder cannot be removed: %s", id, strerror(errno));
		fsync(w->dir);
		say("a file was taken as %s", id);
		return 1;
	}
	if (refused) {
		set_aside(w, name, fd, cv_vault_errmsg(v));
		return 1;
	}
	say("a file waits: %s", unnamed(cv_vault_errmsg(v), name));
	w->retry_after = time(NULL) + RETRY;
	return 0;
}

/* Files that are not documents: hidden ones (a client's temporary files) and our own folder. */
static int skipped(const struct dirent *e)
{
	return e->d_name[0] == '.' || !strcmp(e->d_name, "rejected") || !strncmp(e->d_name, "~$", 2);
}

/* One file of a scan; *v is opened on the first file ready. */
static void consider(watch *w, cv_vault **v, const char *name)
{
	struct stat sb;
	int fd = openat(w->dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		if (errno == EACCES) {  /* the writer's mode keeps the service out: said, then tried again later */
			say("a file waits: the service's account may not read it (docs/intake.md, Set-up)");
			w->retry_after = time(NULL) + RETRY;
		}
		return;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (errno != ENOENT)
			set_aside(w, name, fd, "not a regular file");
	} else if (complete(fd, &sb)) {
		if (*v || cv_vault_open(v, w->vault) == 0) {
			take(w, *v, name, fd);
		} else {
			say("a file waits: %s", *v ? unnamed(cv_vault_errmsg(*v), name) : "cannot open the vault");
			cv_vault_close(*v);
			*v = NULL;
			w->retry_after = time(NULL) + RETRY;
		}
	}
	fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);
}

static void scan(watch *w)
{
	cv_vault *v = NULL;
	struct dirent *e;
	DIR *d;
	int fd = dup(w->dir);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d)) && time(NULL) >= w->retry_after)
		if (!skipped(e) && (e->d_type == DT_REG || e->d_type == DT_UNKNOWN || e->d_type == DT_LNK))
			consider(w, &v, e->d_name);
	closedir(d);
	cv_vault_close(v);
}

static void __attribute__((noreturn)) watch_loop(watch *w, int ino)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = { ino, POLLIN, 0 };

	for (;;) {
		/* an event says a file was closed or renamed in: scan now; otherwise each second */
		if (poll(&p, 1, 1000) > 0)
			while (read(ino, buf, sizeof(buf)) > 0)
				;
		scan(w);
	}
}

/* The folder: ours, a directory, nobody else may list or read it (docs/intake.md, Set-up). */
static int check_folder(const char *path, int *dir)
{
	struct stat sb;

	*dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dir < 0 || fstat(*dir, &sb) < 0) {
		fprintf(stderr, "casevaultd: cannot open the drop folder %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (sb.st_uid != geteuid() || (sb.st_mode & (S_IRGRP | S_IROTH | S_IWOTH))) {
		fprintf(stderr, "casevaultd: the drop folder %s must belong to this account, and the scanner's group may "
			"write but not list it (chmod 1730, docs/intake.md)\n", path);
		return -1;
	}
	return 0;
}

int cvd_intake_start(const char *vault_dir, const char *drop_dir, int lfd, pid_t *pid)
{
	watch w = { vault_dir, -1, -1, 0 };
	int ino;

	if (check_folder(drop_dir, &w.dir) < 0)
		return -1;
	if ((mkdirat(w.dir, "rejected", 0700) < 0 && errno != EEXIST) ||
	    (w.rejected = openat(w.dir, "rejected", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(ino, drop_dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
		fprintf(stderr, "casevaultd: cannot watch the drop folder %s: %s\n", drop_dir, strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((*pid = fork()) < 0) {
		fprintf(stderr, "casevaultd: cannot start the drop folder's watcher: %s\n", strerror(errno));
		return -1;
	}
	if (*pid > 0) {
		close(ino);
		close(w.dir);
		close(w.rejected);
		return 0;
	}
	if (lfd >= 0)
		close(lfd);  /* the clients' socket is the daemon's */
	prctl(PR_SET_NAME, "casevaultd-drop", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (cv_global_init() < 0)
		_exit(1);
	watch_loop(&w, ino);
}
