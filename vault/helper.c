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
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cv_archive.h"

struct cv_helper {
	pid_t pid;
	int sock;
};

struct helper_req {
	char key[CV_KEY_LEN * 2 + 1];
};

struct helper_rep {
	int32_t status;        /* 0 or a CV_E* code */
	int64_t size;
	char sha[65];
	char msg[512];
};

static int send_req(int sock, const struct helper_req *rq, int in_fd, int out_fd)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec io = { (void *)rq, sizeof(*rq) };
	struct msghdr mh;
	struct cmsghdr *c;
	int fds[2] = { in_fd, out_fd };
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	mh.msg_iov = &io;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*rq) ? 0 : -1;
}

/* 1: a request with its two descriptors; 0: the parent closed the socket; -1: junk. */
static int recv_req(int sock, struct helper_req *rq, int fds[2])
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec io = { rq, sizeof(*rq) };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &io;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	c = CMSG_FIRSTHDR(&mh);
	if (n != (ssize_t)sizeof(*rq) || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
	rq->key[sizeof(rq->key) - 1] = '\0';
	return 1;
}

static void close_from(int lo, int hi)
{
	/* close_range(2) where the kernel has it; a loop otherwise */
	if (lo > hi)
		return;
	if (close_range((unsigned)lo, (unsigned)hi, 0) < 0)
		for (int fd = lo; fd <= hi && fd < 65536; fd++)
			close(fd);
}

static void __attribute__((noreturn)) helper_main(cv_vault *v, int sock, pid_t parent)
{
	struct helper_req rq;
	struct helper_rep rep;
	int fds[2], devnull, r;

	/* die with the parent; it may already be gone */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* nothing of the parent's but the socket: not the vault lock, not stdout */
	devnull = open("/dev/null", O_RDWR);
	if (devnull < 0)
		_exit(1);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	close_from(3, sock - 1);
	close_from(sock + 1, ~0U >> 1);
	for (;;) {
		r = recv_req(sock, &rq, fds);
		if (r <= 0)
			_exit(r == 0 ? 0 : 1);
		cv_crashpoint("helper-encrypt");  /* tests: a helper dies mid-filing */
		memset(&rep, 0, sizeof(rep));
		v->errmsg[0] = '\0';
		rep.status = cv_archive_encrypt_stream(v, rq.key, fds[0], fds[1], &rep.size, rep.sha);
		explicit_bzero(&rq, sizeof(rq));
		/* close the pipe first: a writer blocked on it sees EPIPE, then reads the reply */
		close(fds[0]);
		close(fds[1]);
		if (rep.status < 0)
			snprintf(rep.msg, sizeof(rep.msg), "%s", v->errmsg);
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
			_exit(1);
	}
}

int cv_helper_start(cv_vault *v, cv_helper **out)
{
	cv_helper *h = calloc(1, sizeof(*h));
	pid_t parent = getpid();
	int sv[2];

	*out = NULL;
	if (!h)
		return cv_error(v, CV_ERROR, "out of memory");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free(h);
		return cv_error(v, CV_ERROR, "cannot make a socket pair: %s", strerror(errno));
	}
	fflush(NULL);  /* nothing buffered is written twice */
	h->pid = fork();
	if (h->pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		free(h);
		return cv_error(v, CV_ERROR, "cannot start an encryption helper: %s", strerror(e));
	}
	if (h->pid == 0) {
		close(sv[0]);
		helper_main(v, sv[1], parent);
	}
	close(sv[1]);
	h->sock = sv[0];
	*out = h;
	return 0;
}

void cv_helper_stop(cv_helper *h)
{
	int st;

	if (!h)
		return;
	close(h->sock);  /* the helper reads end-of-file and exits */
	while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
		;
	free(h);
}

int cv_helper_encrypt_begin(cv_vault *v, cv_helper *h, const char *key_hex, int in_fd, int out_fd)
{
	struct helper_req rq;
	int r;

	memset(&rq, 0, sizeof(rq));
	if (strlen(key_hex) >= sizeof(rq.key))
		return cv_error(v, CV_ERROR, "an archive key has the wrong length");
	memcpy(rq.key, key_hex, strlen(key_hex));
	r = send_req(h->sock, &rq, in_fd, out_fd);
	explicit_bzero(&rq, sizeof(rq));
	if (r < 0)
		return cv_error(v, CV_ERROR, "cannot reach the encryption helper: %s", strerror(errno));
	return 0;
}

int cv_helper_encrypt_end(cv_vault *v, cv_helper *h, int64_t *size, char sha[65])
{
	struct helper_rep rep;
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
