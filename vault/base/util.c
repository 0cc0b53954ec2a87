/* casevault - small file-system and time helpers (util.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

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
static int stopped_once;  /* a test's stop point stops a process once */

void cv_crashpoint(const char *name)
{
	const char *want = getenv("CASEVAULT_CRASHPOINT");
	size_t n = strlen(name);

	if (!want || strncmp(want, name, n))
		return;
	if (!want[n]) {
		raise(SIGKILL);
	} else if (!strcmp(want + n, ":stop") && !stopped_once) {
		/* a test lets another command run here, then continues this one, which then runs on */
		stopped_once = 1;
		raise(SIGSTOP);
	}
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

int cv_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

void cv_now_iso(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * SQLite's write-ahead log keeps its index in shared memory and does not
 * work over a network file system, see sqlite.org/wal.html; flock and the
 * gpg-agent socket kept in the vault fare no better.  Offices keep files on
 * a NAS, and WSL shows Windows drives over 9p.  So init refuses such a
 * place, and every open of a vault already there says so.
 */
const char *cv_network_fs(long f_type)
{
	switch ((uint32_t)f_type) {
	case 0x6969u: return "NFS";
	case 0x517Bu: return "SMB";
	case 0xFF534D42u: return "CIFS";
	case 0xFE534D42u: return "SMB2";
	case 0x01021997u: return "9p";
	case 0x5346414Fu: return "AFS";
	case 0x00C36400u: return "Ceph";
	case 0x73757245u: return "Coda";
	case 0x564Cu: return "NCP";
	default: return NULL;
	}
}

/*
 * Whether this process runs one thread.  A helper is a fork that goes on
 * running library code, which is only safe when no other thread could hold
 * a lock at the moment of the fork: a program that calls cv_file from one of
 * several threads gets no helpers (its writers run gpg themselves).
 */
int cv_single_threaded(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	int n = -1;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n == 1;
}
