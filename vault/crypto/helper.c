/*
 * casevault - encryption helpers: small single-threaded processes that run
 * gpg for a filing.
 *
 * Why: GPGME starts gpg with fork() (twice: an intermediate child reaps the
 * grandchild) from whichever thread calls it.  A filing process has several
 * writer threads and tens of megabytes of buffers (libarchive, zstd,
 * libmagic, GPGME's own); every fork write-protects all of that memory, and
 * every later write by any thread takes a copy-on-write fault and a TLB
 * shoot-down on the other core.  Measured on a 2,200-document import (perf
 * record -a), fork, copy-on-write and exit accounted for about a quarter of
 * all CPU time.  A helper forked before the writers start (and before any
 * section key is unlocked) has a small address space that nobody else
 * writes to, so its forks are cheap.
 *
 * Each helper serves one writer thread over a SOCK_SEQPACKET socket pair.
 * A request carries one archive key and two descriptors (the pipe the
 * writer streams the pax archive into, and the archive file); the helper
 * encrypts the one into the other with cv_archive_encrypt_stream and
 * replies with the ciphertext's size and SHA-256, or the error message.
 * A helper holds no descriptor of the parent's beyond its socket, writes
 * nothing to the terminal, and dies with its parent (PR_SET_PDEATHSIG).
 *
 * Each helper also runs gpg without gpg-agent.  Handing an archive key over
 * through loopback pinentry costs gpg a connection to the agent and a few
 * round trips per archive (about 1.2 ms, and the agent serves one request
 * at a time).  So a helper makes a GnuPG home of its own, GNUPGHOME/sym-PID:
 * the vault's gpg.conf plus "no-keyring" and "passphrase-file" naming a FIFO
 * in that directory.  Before each run the helper empties the FIFO and puts
 * the archive key in it; gpg reads it up to the newline.  The key exists
 * only in the pipe's kernel buffer, never in a file, and the directory is
 * 0700 inside the vault's 0700 GnuPG home.  The helper removes its home
 * when it exits; a home left by a killed helper is removed, and the gpg
 * still working in it stopped, by the next process to take the writer
 * lock (cv_helper_sweep, core/sweep.c).
 *
 * The fork executes the casevault-helper program (helper/main.c; see
 * helper_program below), which serves the same loop (helper_serve.c) from
 * a much smaller process.  The program makes the home itself
 * (cv_helper_home_make: refused if it exists), so that it only ever
 * removes a home it made.  Without the program the fork makes the home and
 * serves in-process; if the home cannot be made there, it hands keys over
 * through the agent as before.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/trusted.h"
#include "base/util.h"
#include "crypto/gpg.h"
#include "crypto/helper.h"
#include "crypto/helper_serve.h"
#include "crypto/stream.h"

struct cv_helper {
	pid_t pid;
	int sock;
	char *home;            /* its GnuPG home, GNUPGHOME/sym-PID (it may have none) */
};

static void close_from(int lo, int hi)
{
	/* close_range(2) where the kernel has it; a loop otherwise */
	if (lo > hi)
		return;
	if (close_range((unsigned)lo, (unsigned)hi, 0) < 0)
		for (int fd = lo; fd <= hi && fd < 65536; fd++)
			close(fd);
}

/* Whether process pid still runs (a zombie does not: a killed helper's parent may be slow to reap it). */
static int running(long pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "re"))) {
		if (access("/proc/self/stat", F_OK) == 0)
			return 0;  /* /proc works: there is no such process */
		return kill((pid_t)pid, 0) == 0 || errno == EPERM;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

/* Read up to len-1 bytes of a small /proc file; the count, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Whether process pid is this user's gpg or gpg-agent and one of its arguments is home or lies in it. */
static int works_on(const char *pid, const char *home)
{
	char path[64], comm[32], args[8192];
	size_t hl = strlen(home);
	struct stat sb;
	ssize_t n, i;

	snprintf(path, sizeof(path), "/proc/%s", pid);
	if (stat(path, &sb) < 0 || sb.st_uid != getuid())
		return 0;
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if (read_small(path, comm, sizeof(comm)) <= 0 || (strcmp(comm, "gpg\n") && strcmp(comm, "gpg-agent\n")))
		return 0;
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if ((n = read_small(path, args, sizeof(args))) <= 0)
		return 0;
	for (i = 0; i < n; i += (ssize_t)strlen(args + i) + 1)
		if (!strncmp(args + i, home, hl) && (args[i + hl] == '\0' || args[i + hl] == '/'))
			return 1;
	return 0;
}

/*
 * A gpg started with GNUPGHOME pointing at a helper's home opens the key
 * FIFO as it reads gpg.conf ("passphrase-file"), even for --version, and
 * that open waits for a writer.  Once the helper is dead nobody writes, and
 * its command line does not name the home, so works_on() cannot find it:
 * opening the FIFO for writing, then closing it, lets any such open return
 * and the reader see the end of the file, so it ends by itself.
 */
static void release_fifo_readers(const char *home)
{
	char *p = NULL;
	int fd;

	if (asprintf(&p, "%s/key", home) < 0)
		return;
	/* without O_TRUNC and with nothing written, whatever "key" is stays as it was */
	fd = open(p, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	free(p);
	if (fd >= 0)
		close(fd);
}

/*
 * Stop what still runs on the home of a dead process: its gpg-agent
 * (KILLAGENT, as gpgconf --kill would), then any gpg its death orphaned,
 * for example one a killed helper's gpg waits on the key FIFO for ever.
 * Only processes of this user whose command line names this home: the
 * home's own pid is dead, so they are leftovers of it.
 */
static void stop_leftover_processes(const char *home)
{
	DIR *d;
	struct dirent *e;

	cv_gpg_agent_kill(home);
	release_fifo_readers(home);
	if (!(d = opendir("/proc")))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && works_on(e->d_name, home))
			kill((pid_t)atol(e->d_name), SIGKILL);
	closedir(d);
}

/*
 * Remove GNUPGHOME/<prefix>PID[-...] homes whose process no longer runs,
 * and stop the gpg processes and agents they left (docs/recovery.md,
 * Interrupted commands).  A home whose pid runs (its owner, or a process
 * that reused the number) is left alone.
 */
void cv_gnupg_homes_sweep(cv_vault *v, const char *prefix)
{
	DIR *d = opendir(v->gnupghome);
	size_t pl = strlen(prefix);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end, *p = NULL;
		long pid;

		if (strncmp(e->d_name, prefix, pl))
			continue;
		pid = strtol(e->d_name + pl, &end, 10);
		if ((*end && *end != '-') || pid <= 0 || running(pid))
			continue;
		if (asprintf(&p, "%s/%s", v->gnupghome, e->d_name) >= 0) {
			stop_leftover_processes(p);
			cv_rmtree(p, 0);
			free(p);
		}
	}
	closedir(d);
}

/* Remove the GnuPG homes of helpers that no longer run. */
void cv_helper_sweep(cv_vault *v)
{
	cv_gnupg_homes_sweep(v, "sym-");
}

/*
 * The casevault-helper program (helper/main.c): the same service loop in a
 * process of its own that links GPGME and libgcrypt only.  GPGME forks
 * twice for every gpg run, and a fork's cost grows with the forking
 * process: a forked casevault maps some 140 regions (26 libraries) and
 * holds megabytes of the parent's heap, where the program maps about 40.
 * Measured with 200 symmetric encryptions through GPGME, 0.45 ms less CPU
 * per gpg run.  Taken from beside this executable (a build tree), else from
 * the install directory.  Without it the fork serves in-process.
 *
 * Every archive key and every document's plaintext passes through it, so
 * it is trusted by identity, not by name (docs/security.md, The encryption
 * helper program): the path is opened one component at a time from "/"
 * without following a symbolic link (O_PATH|O_NOFOLLOW), each directory
 * and the file checked through its descriptor (fstat), and the program
 * executed through that same descriptor (fexecve), so what was checked is
 * what runs: a link, or a file swapped in after the check, never does.
 */
struct program {
	int fd;                /* O_PATH descriptor of the checked program, or -1 */
	char path[4096];
	char why[160];         /* when fd < 0: why it is not used */
	int missing;           /* it, or a directory above it, does not exist */
};

/* Open pr->path by identity (base/trusted.c); 0, or -1 with pr->why (pr->missing when it is not there). */
static int program_open(struct program *pr)
{
	pr->fd = cv_trusted_open(pr->path, &pr->missing, pr->why, sizeof(pr->why));
	return pr->fd < 0 ? -1 : 0;
}

/* The program to execute, opened and checked (pr->fd), or pr->fd -1 and why in pr->why. */
static void helper_program(struct program *pr)
{
	ssize_t n;
	char *slash;

	/* beside this executable first: a build tree's own, never an older installed one */
	n = readlink("/proc/self/exe", pr->path, sizeof(pr->path) - 32);
	if (n > 0 && (pr->path[n] = '\0', slash = strrchr(pr->path, '/'))) {
		strcpy(slash + 1, "casevault-helper");
		if (program_open(pr) == 0 || !pr->missing)
			return;  /* one refused there is not replaced by an installed one */
	}
#ifdef CV_HELPER_PROGRAM
	snprintf(pr->path, sizeof(pr->path), "%s", CV_HELPER_PROGRAM);
	if (program_open(pr) == 0 || !pr->missing)
		return;
#endif
	snprintf(pr->why, sizeof(pr->why), "no casevault-helper beside casevault or installed");
}

/* CASEVAULT_DEBUG=helper: say on standard error which way each helper serves (tests, diagnosis). */
static void debug_program(const struct program *pr)
{
	const char *d = getenv("CASEVAULT_DEBUG");

	if (!d || !strstr(d, "helper"))
		return;
	if (pr->fd >= 0)
		fprintf(stderr, "casevault: debug: encryption helper: runs %s\n", pr->path);
	else
		fprintf(stderr, "casevault: debug: encryption helper: serves in-process (%s)\n", pr->why);
}

/* Execute the checked program through its descriptor; returns only if it did not start. */
static void program_exec(int prog, int sock, const char *home)
{
	char arg[16];
	char *argv[] = { (char *)"casevault-helper", arg, (char *)home, NULL };

	snprintf(arg, sizeof(arg), "%d", sock);
	if (fcntl(sock, F_SETFD, 0) == 0) {
		/*
		 * Through the descriptor: a script (#!) fails here, as its
		 * interpreter would open /proc/self/fd/N, closed on exec.
		 */
		fexecve(prog, argv, environ);
		fcntl(sock, F_SETFD, FD_CLOEXEC);  /* it did not start: serve here */
	}
	close(prog);
}

/* The in-process service: encrypt with this vault handle (helper_main). */
static int serve_in_process(void *hook, const char *key_hex, int in_fd, int out_fd,
			    int64_t *size, char sha[65], char *msg, size_t msglen)
{
	cv_vault *v = hook;
	int r;

	v->errmsg[0] = '\0';
	r = cv_archive_encrypt_stream(v, key_hex, in_fd, out_fd, size, sha);
	if (r < 0)
		snprintf(msg, msglen, "%s", v->errmsg);
	return r;
}

/* Move a descriptor the child keeps above the standard ones (a parent started without them); -1 stays. */
static int above_std(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	if ((fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
		_exit(1);
	return fd;
}

/*
 * The fork sets itself apart: it dies with the parent, leads its own process
 * group, and holds nothing of the parent's but its socket and the checked
 * program (not the vault lock, not stdout).
 */
static void helper_detach(int *sock, int *prog, pid_t parent)
{
	int devnull, lo, hi;

	/* die with the parent; it may already be gone */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	/* lead a process group: the gpg GPGME starts for us joins it and dies with us (helper_serve.c) */
	setpgid(0, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	*sock = above_std(*sock);
	*prog = above_std(*prog);
	if ((devnull = open("/dev/null", O_RDWR)) < 0)
		_exit(1);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	lo = *prog >= 0 && *prog < *sock ? *prog : *sock;
	hi = *prog > *sock ? *prog : *sock;
	close_from(3, lo - 1);
	close_from(lo + 1, hi - 1);
	close_from(hi + 1, ~0U >> 1);
}

/* This process's gpg runs use the helper's home from now on; -1 (home removed) if gpg cannot be pointed there. */
static int use_home(cv_vault *v, struct cv_helper_home *hm)
{
	char *vault_home = v->gnupghome;

	v->gnupghome = hm->path;
	if (cv_gpg_home(v) == 0)
		return 0;
	/* keep to the vault's home and the agent */
	cv_helper_home_unmake(hm);
	v->gnupghome = vault_home;
	if (cv_gpg_home(v) < 0)
		_exit(1);
	return -1;
}

static void __attribute__((noreturn)) helper_main(cv_vault *v, int sock, int prog, pid_t parent)
{
	struct cv_helper_home hm;
	char *home = NULL, msg[512];
	int own_home, r;

	helper_detach(&sock, &prog, parent);
	/* CASEVAULT_HELPER_HOME=0: hand keys over through gpg-agent (tests, diagnosis) */
	own_home = !(getenv("CASEVAULT_HELPER_HOME") && !strcmp(getenv("CASEVAULT_HELPER_HOME"), "0"));
	if (own_home) {
		/*
		 * gpg here reads a key from a FIFO and writes to GPGME: it
		 * never talks to a person or to gpg-agent (whose pinentry
		 * would take its language from gpg's).  The C locale spares
		 * each of its runs loading some thirteen locale files (about
		 * 0.15 ms of CPU).
		 */
		setenv("LC_ALL", "C", 1);
		if (asprintf(&home, "%s/sym-%ld", v->gnupghome, (long)getpid()) < 0)
			_exit(1);
		cv_helper_home_remove(home);  /* a dead helper with this pid left it */
		/*
		 * The small program, when there is one: it makes the home,
		 * serves until the socket closes, then removes the home.  This
		 * is casevault's own code (helper/main.c, helper_serve.c),
		 * which does every OpenPGP operation through GPGME as this
		 * process would; no shell or PATH search is involved.
		 */
		if (prog >= 0)
			program_exec(prog, sock, home);
		own_home = cv_helper_home_make(&hm, home, msg, sizeof(msg)) == 0 && use_home(v, &hm) == 0;
	} else if (prog >= 0) {
		close(prog);
	}
	r = cv_helper_serve(sock, own_home ? hm.fifo : -1, serve_in_process, v);
	if (own_home)
		cv_helper_home_unmake(&hm);
	_exit(r == 0 ? 0 : 1);
}

int cv_helper_start(cv_vault *v, cv_helper **out)
{
	cv_helper *h = calloc(1, sizeof(*h));
	struct program pr;
	pid_t parent = getpid();
	int sv[2];

	*out = NULL;
	if (!h)
		return cv_error(v, CV_ERROR, "out of memory");
	helper_program(&pr);
	debug_program(&pr);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		if (pr.fd >= 0)
			close(pr.fd);
		free(h);
		return cv_error(v, CV_ERROR, "cannot make a socket pair: %s", strerror(errno));
	}
	fflush(NULL);  /* nothing buffered is written twice */
	h->pid = fork();
	if (h->pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		if (pr.fd >= 0)
			close(pr.fd);
		free(h);
		return cv_error(v, CV_ERROR, "cannot start an encryption helper: %s", strerror(e));
	}
	if (h->pid == 0) {
		close(sv[0]);
		helper_main(v, sv[1], pr.fd, parent);
	}
	close(sv[1]);
	if (pr.fd >= 0)
		close(pr.fd);
	h->sock = sv[0];
	if (asprintf(&h->home, "%s/sym-%ld", v->gnupghome, (long)h->pid) < 0)
		h->home = NULL;
	*out = h;
	return 0;
}

void cv_helper_release(cv_helper *h)
{
	if (h && h->sock >= 0) {
		close(h->sock);  /* the helper reads end-of-file, removes its home and exits */
		h->sock = -1;
	}
}

void cv_helper_stop(cv_helper *h)
{
	int st;

	if (!h)
		return;
	cv_helper_release(h);
	while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (h->home && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		cv_helper_home_remove(h->home);  /* it died before it could */
	free(h->home);
	free(h);
}

int cv_helper_encrypt_begin(cv_vault *v, cv_helper *h, const char *key_hex, int in_fd, int out_fd)
{
	struct cv_helper_req rq;
	int r;

	memset(&rq, 0, sizeof(rq));
	if (strlen(key_hex) >= sizeof(rq.key))
		return cv_error(v, CV_ERROR, "an archive key has the wrong length");
	memcpy(rq.key, key_hex, strlen(key_hex));
	r = cv_helper_send_req(h->sock, &rq, in_fd, out_fd);
	explicit_bzero(&rq, sizeof(rq));
	if (r < 0)
		return cv_error(v, CV_ERROR, "cannot reach the encryption helper: %s", strerror(errno));
	return 0;
}

int cv_helper_encrypt_end(cv_vault *v, cv_helper *h, int64_t *size, char sha[65])
{
	struct cv_helper_rep rep;
	ssize_t n;

	do
		n = recv(h->sock, &rep, sizeof(rep), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rep))
		return cv_error(v, CV_ERROR, "the encryption helper process stopped unexpectedly; nothing was kept from it, so file again");
	if (rep.status < 0) {
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		return cv_error(v, rep.status, "%s", rep.msg[0] ? rep.msg : "cannot encrypt an archive");
	}
	rep.sha[64] = '\0';
	memcpy(sha, rep.sha, 65);
	*size = rep.size;
	return 0;
}
