/*
 * faultshim: an LD_PRELOAD library for the fault-injection harness
 * (docs/recovery.md, "Fault injection"; tests/README.md).
 *
 * It counts the calls through which casevault-direct changes what is on
 * disk -- write, pwrite, fsync, fdatasync, rename, renameat, unlink,
 * unlinkat, ftruncate: those SQLite's unix VFS and the vault's store make --
 * and at call number N either kills the process with SIGKILL (a power cut)
 * or fails that call with EIO or ENOSPC (a failing disk), so that a test
 * can stop a command at every point where it touches the disk.
 *
 * Only the casevault-direct process (its /proc/self/exe) is counted: not gpg,
 * gpg-agent or the encryption helper (other programs), and not a child
 * forked by GPGME before it execs gpg (another pid), so the count of a
 * clean run is the same from run to run.
 *
 * Environment:
 *   CV_FAULT=N:kill|N:eio|N:enospc   the fault, at call N (1 = the first)
 *   CV_FAULT_COUNT=FILE              where the number of calls is written
 *                                    when the process exits normally
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

enum fault { F_NONE, F_KILL, F_EIO, F_ENOSPC };

static pid_t active_pid;  /* the casevault-direct process; 0: not this program */
static unsigned long calls, at;
static enum fault kind;

__attribute__((constructor)) static void shim_init(void)
{
	const char *f = getenv("CV_FAULT");
	char exe[4096], *end;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	/* the program, not argv[0]: the thin client execs casevault-direct as "casevault" */
	if (n < 0)
		return;
	exe[n] = '\0';
	end = strrchr(exe, '/');
	if (strcmp(end ? end + 1 : exe, "casevault-direct"))
		return;
	active_pid = getpid();
	if (!f)
		return;
	at = strtoul(f, &end, 10);
	if (*end == ':' && !strcmp(end + 1, "kill"))
		kind = F_KILL;
	else if (*end == ':' && !strcmp(end + 1, "eio"))
		kind = F_EIO;
	else if (*end == ':' && !strcmp(end + 1, "enospc"))
		kind = F_ENOSPC;
}

__attribute__((destructor)) static void shim_report(void)
{
	const char *path = getenv("CV_FAULT_COUNT");
	FILE *fp;

	if (!active_pid || getpid() != active_pid || !path || !(fp = fopen(path, "w")))
		return;
	fprintf(fp, "%lu\n", calls);
	fclose(fp);
}

/* 0: make the call; -1: fail it (errno set).  Kills at the chosen call. */
static int fault_here(void)
{
	if (!active_pid || getpid() != active_pid)
		return 0;
	if (++calls != at || kind == F_NONE)
		return 0;
	if (kind == F_KILL)
		raise(SIGKILL);
	errno = kind == F_EIO ? EIO : ENOSPC;
	return -1;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n)
{
	return fault_here() ? -1 : REAL(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return fault_here() ? -1 : REAL(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	return fault_here() ? -1 : REAL(pwrite64)(fd, buf, n, off);
}

int fsync(int fd)
{
	return fault_here() ? -1 : REAL(fsync)(fd);
}

int fdatasync(int fd)
{
	return fault_here() ? -1 : REAL(fdatasync)(fd);
}

int rename(const char *from, const char *to)
{
	return fault_here() ? -1 : REAL(rename)(from, to);
}

int renameat(int fromdir, const char *from, int todir, const char *to)
{
	return fault_here() ? -1 : REAL(renameat)(fromdir, from, todir, to);
}

int unlink(const char *path)
{
	return fault_here() ? -1 : REAL(unlink)(path);
}

int unlinkat(int dir, const char *path, int flags)
{
	return fault_here() ? -1 : REAL(unlinkat)(dir, path, flags);
}

int ftruncate(int fd, off_t len)
{
	return fault_here() ? -1 : REAL(ftruncate)(fd, len);
}

int ftruncate64(int fd, off64_t len)
{
	return fault_here() ? -1 : REAL(ftruncate64)(fd, len);
}
