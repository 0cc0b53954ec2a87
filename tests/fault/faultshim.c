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
 *   CV_FAULT=site:HEX/K:KIND         the fault at the K-th call from site HEX
 *                                    (as CV_FAULT_SITES writes it): for a
 *                                    command whose number of calls varies
 *                                    from run to run (threads, pipes)
 *   CV_FAULT_COUNT=FILE              where the number of calls is written
 *                                    when the process exits normally
 *   CV_FAULT_SITES=FILE              one line appended per counted call:
 *                                    "N function site", site being a hash
 *                                    of the call stack (below)
 *
 * A site is the code path of a call: up to SITE_FRAMES return addresses of
 * its stack, each as the name of its object file and its offset from that
 * object's load base (dladdr), so that it is the same from run to run under
 * address-space randomisation.  The calls of a loop share a site; the sweep
 * by site (docs/recovery.md, "Fault injection") tries the first and the
 * last call of each.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

enum fault { F_NONE, F_KILL, F_EIO, F_ENOSPC };

static pid_t active_pid;  /* the casevault-direct process; 0: not this program */
static unsigned long calls, at;
static uint64_t at_site;         /* CV_FAULT=site:...: the site, and its calls to wait */
static unsigned long site_left;
static enum fault kind;
static const char *sites_path;
/* set while the shim records a site: a call made then is the shim's own */
static __thread int in_shim;

#define SITE_FRAMES 24
#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

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
	sites_path = getenv("CV_FAULT_SITES");
	if (f && !strncmp(f, "site:", 5)) {
		at_site = strtoull(f + 5, &end, 16);
		site_left = *end == '/' ? strtoul(end + 1, &end, 10) : 0;
		f = end;   /* ":KIND" */
	}
	if (sites_path || at_site) {
		/* the first backtrace() loads libgcc_s (opens, reads, allocates):
		 * here, not inside the first counted call */
		void *warm[2];

		in_shim = 1;
		backtrace(warm, 2);
		in_shim = 0;
	}
	if (!f)
		return;
	if (!at_site)
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

/* FNV-1a, 64 bits, over LEN bytes of P into H */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

/* the site of the current call: its stack, each frame as object + offset */
static uint64_t site_key(void)
{
	void *frames[SITE_FRAMES];
	int n = backtrace(frames, SITE_FRAMES), i;
	uint64_t h = 14695981039346656037ULL;

	for (i = 0; i < n; i++) {
		Dl_info info;
		const char *obj;
		uintptr_t off;

		if (!dladdr(frames[i], &info) || !info.dli_fname) {
			h = fnv(h, "?", 1);   /* no object: its address is not stable */
			continue;
		}
		obj = strrchr(info.dli_fname, '/');
		obj = obj ? obj + 1 : info.dli_fname;
		off = (uintptr_t)frames[i] - (uintptr_t)info.dli_fbase;
		h = fnv(h, obj, strlen(obj) + 1);
		h = fnv(h, &off, sizeof(off));
	}
	return h;
}

/* appends "N NAME SITE" to CV_FAULT_SITES; opened per line, as the program
 * may close or reuse any descriptor the shim kept */
static void record_site(const char *name, uint64_t key)
{
	char line[128];
	int fd, len, saved = errno;
	ssize_t w;

	in_shim = 1;
	len = snprintf(line, sizeof(line), "%lu %s %016llx\n", calls, name, (unsigned long long)key);
	fd = open(sites_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		w = REAL(write)(fd, line, (size_t)len);   /* a short record: the sweep's line count differs */
		(void)w;
		close(fd);
	}
	errno = saved;
	in_shim = 0;
}

/* 0: make the call; -1: fail it (errno set).  Kills at the chosen call. */
static int fault_here(const char *name)
{
	uint64_t key = 0;

	if (!active_pid || getpid() != active_pid || in_shim)
		return 0;
	++calls;
	if (sites_path || at_site) {   /* one key for both, taken at the same depth */
		int saved = errno;

		in_shim = 1;
		key = site_key();
		in_shim = 0;
		errno = saved;
	}
	if (sites_path)
		record_site(name, key);
	if (at_site && site_left && key == at_site && --site_left == 0)
		at = calls;   /* CV_FAULT=site:HEX/K:KIND: this is the K-th call from that site */
	if (calls != at || kind == F_NONE)
		return 0;
	if (kind == F_KILL)
		raise(SIGKILL);
	errno = kind == F_EIO ? EIO : ENOSPC;
	return -1;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	return fault_here("write") ? -1 : REAL(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return fault_here("pwrite") ? -1 : REAL(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	return fault_here("pwrite64") ? -1 : REAL(pwrite64)(fd, buf, n, off);
}

int fsync(int fd)
{
	return fault_here("fsync") ? -1 : REAL(fsync)(fd);
}

int fdatasync(int fd)
{
	return fault_here("fdatasync") ? -1 : REAL(fdatasync)(fd);
}

int rename(const char *from, const char *to)
{
	return fault_here("rename") ? -1 : REAL(rename)(from, to);
}

int renameat(int fromdir, const char *from, int todir, const char *to)
{
	return fault_here("renameat") ? -1 : REAL(renameat)(fromdir, from, todir, to);
}

int unlink(const char *path)
{
	return fault_here("unlink") ? -1 : REAL(unlink)(path);
}

int unlinkat(int dir, const char *path, int flags)
{
	return fault_here("unlinkat") ? -1 : REAL(unlinkat)(dir, path, flags);
}

int ftruncate(int fd, off_t len)
{
	return fault_here("ftruncate") ? -1 : REAL(ftruncate)(fd, len);
}

int ftruncate64(int fd, off64_t len)
{
	return fault_here("ftruncate64") ? -1 : REAL(ftruncate64)(fd, len);
}
