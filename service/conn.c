/*
 * casevaultd - one connection (docs/protocol.md): the request, who sent it,
 * the worker that runs it, the reply.  This process is forked per
 * connection, and the command runs in a further worker, so that a request
 * that crashes, hangs or is killed costs only its own client: this process
 * still answers that client, and the daemon goes on serving the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "proto.h"
#include "service.h"
#include "session.h"

struct incoming {
	int conn;
	time_t deadline;
	int fds[CV_PROTO_NFDS + CV_PROTO_MAX_FILES];  /* the standard three, then the named files */
	int nfds;        /* descriptors received (extra ones are closed at once) */
	char *buf;       /* the request's JSON */
	size_t len;
};

static void reply(int conn, int code, const char *error)
{
	size_t len = 0, off = 0;
	char *msg = cv_proto_make_reply(code, error, &len);
	ssize_t n;

	while (msg && off < len) {
		if ((n = send(conn, msg + off, len - off, MSG_NOSIGNAL)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(msg);
}

/*
 * The client is sent the reason, then what it still sends is read and
 * dropped for a moment: a Unix socket closed with unread bytes resets the
 * peer, which would lose the reply.
 */
static void __attribute__((noreturn)) refuse(struct incoming *in, const char *why)
{
	struct pollfd p = { in->conn, POLLIN, 0 };
	char sink[4096];
	int i;

	fprintf(stderr, "casevaultd: request refused: %s\n", why);
	reply(in->conn, EXIT_USAGE, why);
	shutdown(in->conn, SHUT_WR);
	for (i = 0; i < 64 && poll(&p, 1, 100) > 0 && read(in->conn, sink, sizeof(sink)) > 0; i++)
		;
	_exit(EXIT_USAGE);
}

/*
 * Keep up to CV_PROTO_NFDS + CV_PROTO_MAX_FILES descriptors passed with the
 * bytes, each above the standard three (the worker's dup2 must not close a
 * file's); close any others.
 */
static void take_fds(struct incoming *in, struct msghdr *mh)
{
	struct cmsghdr *cm;
	size_t i, n;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (fd <= 2) {
				int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);

				close(fd);
				fd = high;
			}
			if (in->nfds < CV_PROTO_NFDS + CV_PROTO_MAX_FILES)
				in->fds[in->nfds] = fd;
			else if (fd >= 0)
				close(fd);
			in->nfds++;
		}
	}
}

/* Exactly len bytes into buf before the deadline, or a refusal. */
static void receive(struct incoming *in, char *buf, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int) * (CV_PROTO_NFDS + CV_PROTO_MAX_FILES + 8))];
	struct pollfd p = { in->conn, POLLIN, 0 };
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;
	long left;

	while (len) {
		if ((left = (long)(in->deadline - time(NULL))) <= 0 || poll(&p, 1, (int)(left * 1000)) == 0)
			refuse(in, "the request did not arrive in time; send it whole at once");
		iov.iov_base = buf;
		iov.iov_len = len;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(in->conn, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
			continue;
		if (n == 0)
			refuse(in, "the request ended before its announced length (truncated)");
		if (n < 0)
			refuse(in, "the request could not be read");
		take_fds(in, &mh);
		if (mh.msg_flags & MSG_CTRUNC)
			refuse(in, "too many descriptors were passed; pass standard input, output and error, then one per listed file");
		buf += n;
		len -= (size_t)n;
	}
}

static void read_request(struct incoming *in, int timeout)
{
	unsigned char hdr[4];

	in->deadline = time(NULL) + timeout;
	receive(in, (char *)hdr, 4);
	if (cv_proto_frame_len(hdr, &in->len) < 0)
		refuse(in, "the request's length is 0 or over the limit of 65536 bytes");
	if (!(in->buf = malloc(in->len)))
		refuse(in, "out of memory");
	receive(in, in->buf, in->len);
}

/*
 * The descriptors match the request: the standard three, then one per
 * listed file, each a regular file open the way the list says (a new file
 * to write is empty): a raw request cannot claim a file it did not pass.
 */
static void check_fds(struct incoming *in, const cv_proto_request *rq)
{
	char why[200];
	struct stat sb;
	int i, acc;

	if (in->nfds < CV_PROTO_NFDS)
		refuse(in, "pass exactly three descriptors (standard input, output and error) with the request, then one per listed file");
	if (in->nfds != CV_PROTO_NFDS + rq->nfiles) {
		snprintf(why, sizeof(why), "the request lists %d files but %d descriptors came after the standard three; "
			 "pass exactly one per listed file", rq->nfiles, in->nfds - CV_PROTO_NFDS);
		refuse(in, why);
	}
	for (i = 0; i < rq->nfiles; i++) {
		int fd = in->fds[CV_PROTO_NFDS + i], fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;

		/* an O_PATH descriptor opens nothing: it is not a file passed to read or write */
		acc = fl < 0 || (fl & O_PATH) ? -1 : fl & O_ACCMODE;
		if (acc < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
		    (rq->files[i].write ? acc == O_RDONLY || sb.st_size != 0 : acc == O_WRONLY)) {
			snprintf(why, sizeof(why), "file %d of the request is not a regular file open to %s", i,
				 rq->files[i].write ? "write, new and empty" : "read");
			refuse(in, why);
		}
	}
}

/* Where the worker answers its connection process, and where its messages go once it has. */
struct early {
	int fd;   /* the status pipe; -1 once answered */
	int log;  /* the daemon's own standard error */
};

/*
 * The command's output is flushed: the client's streams are given back (a
 * reader of its output sees the end now) and the status goes to the
 * connection process, which answers the client at once.  What the command
 * still does (its end: cv_vault_finish, the vault's close) and the
 * process's exit are not the client's to wait for; a message written then
 * goes to the daemon's log (docs/service.md, Speed).
 */
static void answer_early(void *ctx, int code)
{
	struct early *e = ctx;
	unsigned char b = (unsigned char)code;
	int null;

	if (e->fd < 0)
		return;
	fflush(NULL);
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(e->log >= 0 ? e->log : null, 2);
		close(null);
	}
	while (write(e->fd, &b, 1) < 0 && errno == EINTR)
		;
	close(e->fd);
	e->fd = -1;
}

static void __attribute__((noreturn)) run_worker(const cvd_config *cfg, struct incoming *in,
						  cv_proto_request *rq, long uid, int done_fd, cv_vault *spare)
{
	cli_passed_file files[CV_PROTO_MAX_FILES];
	void *sessions = cvd_session_ctx(cfg->keeper_fd, uid);
	struct early early = { done_fd, fcntl(2, F_DUPFD_CLOEXEC, 3) };
	cli_service svc = { .uid = uid, .vault_dir = cfg->vault_dir, .passphrase = rq->passphrase,
			    .files = files, .nfiles = rq->nfiles,
			    .sessions = &cvd_session_ops, .sessions_ctx = sessions,
			    .session_alive = cvd_session_alive(sessions), .conn = in->conn, .open_many = rq->open_many,
			    .answer = answer_early, .answer_ctx = &early, .spare = spare };
	char **argv = calloc((size_t)rq->argc + 2, sizeof(char *));
	int i;

	for (i = 0; i < rq->nfiles; i++) {
		files[i].word = rq->argv[rq->files[i].arg];
		files[i].name = rq->files[i].name;
		files[i].fd = in->fds[CV_PROTO_NFDS + i];
		files[i].write = rq->files[i].write;
	}
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	prctl(PR_SET_NAME, "casevaultd-work", 0, 0, 0);
	for (i = 0; i < CV_PROTO_NFDS; i++)
		if (dup2(in->fds[i], i) < 0)
			_exit(EXIT_FAIL);
	for (i = 0; i < CV_PROTO_NFDS; i++)
		if (in->fds[i] > 2)
			close(in->fds[i]);
	/* kept: import asks the client for each document over it; this process replies only after the worker ends */
	fcntl(in->conn, F_SETFD, FD_CLOEXEC);
	if (!argv)
		_exit(EXIT_FAIL);
	argv[0] = "casevault";
	memcpy(argv + 1, rq->argv, (size_t)rq->argc * sizeof(char *));
	i = cli_main(rq->argc + 1, argv, &svc);
	answer_early(&early, i);  /* a command that ended before its output was flushed (a refusal) */
	exit(i);
}

/* The peer's OS user, as the kernel saw it connect. */
static long peer_uid(struct incoming *in)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(in->conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		refuse(in, "the kernel does not say who connected (SO_PEERCRED)");
	return (long)cred.uid;
}

/* The answer for a worker that ended: its exit status, or a line saying it was stopped. */
static void answer(int conn, int status, pid_t pid)
{
	char why[200];

	if (WIFEXITED(status)) {
		reply(conn, WEXITSTATUS(status), NULL);
		return;
	}
	snprintf(why, sizeof(why), "the request was stopped (signal %d) before it finished; what it changed is kept "
		 "only if it committed (docs/architecture.md, Crash safety); run 'casevault verify'",
		 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	fprintf(stderr, "casevaultd: worker %ld: %s\n", (long)pid, why);
	reply(conn, EXIT_FAIL, why);
}

/* The status the worker sent once its command returned; 0 if it ended without one (it was stopped). */
static int worker_status(int fd, int *code)
{
	unsigned char b;
	ssize_t n;

	while ((n = read(fd, &b, 1)) < 0 && errno == EINTR)
		;
	close(fd);
	*code = b;
	return n == 1;
}

/*
 * A spare: a connection process forked ahead of its client, with its
 * worker forked too and the vault already opened in it (docs/service.md,
 * Speed).  sock: this process's end of a socket to that worker, -1 once
 * the worker is gone.
 */
struct spare {
	pid_t pid;
	int sock;
};

/* What the connection process sends its spare worker, before the request's JSON. */
struct handoff {
	long uid;
	size_t len;
};

#define HANDOFF_NFDS CV_PROTO_MAX_PASS
/* How often an idle spare checks that the vault it holds is still current. */
#define SPARE_CHECK_S 1

/*
 * The request, as received, to the spare's worker: the JSON (the worker
 * parses it again: nothing but bytes crosses), the peer's uid, and the
 * status pipe, the connection and the client's descriptors.
 */
int cvd_send_fds(int sock, struct iovec *iov, int niov, const int *fds, int nfds, int flags)
{
	ssize_t want = 0;
	int i;

	for (i = 0; i < niov; i++)
		want += (ssize_t)iov[i].iov_len;
	return nfds >= 1 && cv_proto_send_fds(sock, iov, niov, fds, nfds, flags) == want ? 0 : -1;
}

static int hand_over(struct spare *sp, const struct incoming *in, long uid, int done_fd)
{
	struct handoff h = { uid, in->len };
	struct iovec iov[2] = { { &h, sizeof(h) }, { in->buf, in->len } };
	int fds[HANDOFF_NFDS], n = 0, i, r;

	fds[n++] = done_fd;
	fds[n++] = in->conn;
	for (i = 0; i < in->nfds; i++)
		fds[n++] = in->fds[i];
	r = cvd_send_fds(sp->sock, iov, 2, fds, n, 0);
	close(sp->sock);
	sp->sock = -1;
	return r;
}

/* The worker for this request: the spare's, or a new one.  Its pid, or -1. */
static pid_t start_worker(const cvd_config *cfg, struct incoming *in, cv_proto_request *rq, long uid,
			  int done[2], struct spare *sp)
{
	pid_t pid;

	if (sp && sp->sock >= 0 && hand_over(sp, in, uid, done[1]) == 0)
		return sp->pid;
	if (sp && sp->pid > 0 && kill(sp->pid, SIGKILL) == 0)
		waitpid(sp->pid, NULL, 0);  /* a spare that did not take the request does nothing else */
	if ((pid = fork()) == 0) {
		close(done[0]);
		explicit_bzero(in->buf, in->len);  /* the request is parsed: no raw copy of a passphrase stays */
		run_worker(cfg, in, rq, uid, done[1], NULL);
	}
	return pid;
}

static void __attribute__((noreturn)) serve(const cvd_config *cfg, int conn, struct spare *sp)
{
	struct incoming in = { .conn = conn };
	cv_proto_request rq;
	char err[256];
	long uid;
	int status, i, done[2], answered, code;
	pid_t pid;

	for (i = 0; i < CV_PROTO_NFDS + CV_PROTO_MAX_FILES; i++)
		in.fds[i] = -1;
	signal(SIGCHLD, SIG_DFL);
	prctl(PR_SET_NAME, "casevaultd-conn", 0, 0, 0);
	read_request(&in, cfg->request_timeout);
	if (cv_proto_parse_request(in.buf, in.len, &rq, err, sizeof(err)) < 0)
		refuse(&in, err);
	check_fds(&in, &rq);
	uid = peer_uid(&in);
	if (rq.vault && strcmp(rq.vault, cfg->vault_dir)) {
		snprintf(err, sizeof(err), "this casevaultd serves the vault at %.80s, not %.80s", cfg->vault_dir, rq.vault);
		refuse(&in, err);
	}
	if (pipe2(done, O_CLOEXEC) < 0 || (pid = start_worker(cfg, &in, &rq, uid, done, sp)) < 0)
		refuse(&in, "the service cannot start a worker now (fork failed); try again");
	explicit_bzero(in.buf, in.len);
	close(done[1]);
	cv_proto_request_free(&rq);
	for (i = 0; i < CV_PROTO_NFDS + CV_PROTO_MAX_FILES; i++)
		if (in.fds[i] >= 0)
			close(in.fds[i]);
	answered = worker_status(done[0], &code);
	if (answered)
		reply(conn, code, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(EXIT_FAIL);
	if (!answered)
		answer(conn, status, pid);
	_exit(0);
}

void cvd_serve_connection(const cvd_config *cfg, int conn)
{
	serve(cfg, conn, NULL);
}

/* n descriptors (at most max) from a message on sock into fds; the count, or -1 when none came. */
static int recv_fds(int sock, void *buf, size_t len, ssize_t *got, int *fds, int max)
{
	char cbuf[CMSG_SPACE(sizeof(int) * HANDOFF_NFDS)];
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int n = 0;

	while ((*got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (*got <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int i, k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + (size_t)i * sizeof(int), sizeof(int));
			if (n < max)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

/*
 * The vault as the spare holds it: v while it is current, else closed and
 * opened again.  Closed, a handle that was the vault's last connection
 * empties SQLite's log into the index, as every command's end does: a
 * change someone else committed meanwhile is not left in the log at rest
 * (docs/service.md, Speed).  NULL when the vault does not open.
 */
static cv_vault *spare_vault(const cvd_config *cfg, cv_vault *v)
{
	if (v && cv_vault_current(v, CLI_SPARE_MAX_AGE - SPARE_CHECK_S * 2))
		return v;
	cv_vault_close(v);
	if (cv_vault_open(&v, cfg->vault_dir) < 0) {
		cv_vault_close(v);
		return NULL;
	}
	return v;
}

/* 1 when something came on sock (a request, or its end) within SPARE_CHECK_S seconds. */
static int request_waits(int sock)
{
	struct pollfd p = { sock, POLLIN, 0 };

	return poll(&p, 1, SPARE_CHECK_S * 1000) != 0;
}

/*
 * The spare's worker: the library set up and the vault opened before any
 * request (no key: a session's keys come with the request's person), then
 * it waits for the one request its connection process hands over.  A vault
 * that did not open is not an error here: the command opens it again and
 * says what is wrong.
 */
static void __attribute__((noreturn)) spare_worker(const cvd_config *cfg, int sock)
{
	static char buf[sizeof(struct handoff) + 65536];
	int fds[HANDOFF_NFDS], n, i;
	struct incoming in = { .conn = -1 };
	struct handoff h;
	cv_proto_request rq;
	cv_vault *v = NULL;
	char err[256];
	ssize_t got;

	signal(SIGTERM, SIG_DFL);
	prctl(PR_SET_NAME, "casevaultd-idle", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  /* unused, it ends with its connection process */
	v = cv_global_init_ex(0) < 0 ? NULL : spare_vault(cfg, NULL);
	while (!request_waits(sock))
		v = spare_vault(cfg, v);
	n = recv_fds(sock, buf, sizeof(buf), &got, fds, HANDOFF_NFDS);
	if (n < 2 + CV_PROTO_NFDS || (size_t)got < sizeof(h)) {
		cv_vault_close(v);
		_exit(0);  /* no request: the daemon stopped, or this spare was not needed */
	}
	memcpy(&h, buf, sizeof(h));
	if (h.len != (size_t)got - sizeof(h) ||
	    cv_proto_parse_request(buf + sizeof(h), h.len, &rq, err, sizeof(err)) < 0)
		_exit(EXIT_FAIL);
	explicit_bzero(buf, sizeof(buf));
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);  /* the connection process waits for it from now on */
	in.conn = fds[1];
	for (i = 0; i < CV_PROTO_NFDS + CV_PROTO_MAX_FILES; i++)
		in.fds[i] = i + 2 < n ? fds[i + 2] : -1;
	in.nfds = n - 2;
	run_worker(cfg, &in, &rq, h.uid, fds[0], v);
}

void cvd_spare_connection(const cvd_config *cfg, int ctl)
{
	struct spare sp = { -1, -1 };
	int s[2], conn;
	char b;
	ssize_t got;

	signal(SIGCHLD, SIG_DFL);
	prctl(PR_SET_NAME, "casevaultd-idle", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  /* unused, it ends with the daemon */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s) == 0) {
		if ((sp.pid = fork()) == 0) {
			close(ctl);
			close(s[0]);
			spare_worker(cfg, s[1]);
		}
		close(s[1]);
		sp.sock = sp.pid > 0 ? s[0] : -1;
		if (sp.pid < 0)
			close(s[0]);
	}
	if (recv_fds(ctl, &b, 1, &got, &conn, 1) != 1) {
		close(sp.sock);  /* its worker closes the vault and ends */
		if (sp.pid > 0)
			waitpid(sp.pid, NULL, 0);
		_exit(0);
	}
	close(ctl);
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);  /* a connection now: it answers its client as any does */
	serve(cfg, conn, &sp);
}
