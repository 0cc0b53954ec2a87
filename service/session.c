/*
 * casevaultd - the session keeper and its clients (session.h;
 * docs/service.md, Sessions).
 *
 * The keeper holds no vault and runs no gpg: it answers one small message
 * at a time from the table (session_table.c) and replies on a socket the
 * worker passes with each message, so that no worker reads another's reply.
 * It trusts any process that holds its socket: only the daemon's own
 * processes do (the socket is inherited, never named in the file system),
 * and they run as the service account, which can read the vault anyway.
 * What protects a person's session from another person is the worker: it
 * asks only for the staff member the kernel's SO_PEERCRED uid resolves to
 * (docs/security.md, The service).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "proto.h"
#include "session.h"
#include "session_table.h"

enum { OP_GET = 1, OP_PUT, OP_BAD, OP_LOCKED, OP_END, OP_END_ALL, OP_ALIVE, OP_SIG_GET, OP_SIG_PUT };

typedef struct {
	int op;
	long uid;          /* the OS user the worker serves (SO_PEERCRED) */
	long idle;
	size_t len;
	char staff[CVD_STAFF_LEN];
	char slip_id[CVD_SLIP_ID_LEN];
	char text[CVD_TEXT_MAX];
} cvd_msg;

typedef struct {
	int yes;           /* a hit, a lock-out */
	long long until;   /* the lock-out's end */
	size_t len;
	char text[CVD_TEXT_MAX];
} cvd_reply;

static volatile sig_atomic_t keeper_stopping;

static void keeper_term(int sig)
{
	(void)sig;
	keeper_stopping = 1;
}

static void answer(cvd_table *t, const cvd_msg *m, cvd_reply *r)
{
	time_t now = time(NULL), until = 0;

	memset(r, 0, sizeof(*r));
	if (m->op == OP_GET)
		r->yes = (r->len = cvd_table_get(t, m->staff, m->slip_id, r->text, sizeof(r->text), now)) > 0;
	else if (m->op == OP_PUT)
		r->yes = cvd_table_put(t, m->staff, m->uid, m->slip_id, m->text, m->len, m->idle, now) == 0;
	else if (m->op == OP_ALIVE)
		r->yes = m->staff[0] ? cvd_table_alive_staff(t, m->staff, now) : cvd_table_alive(t, m->uid, now);
	else if (m->op == OP_BAD)
		r->yes = cvd_table_bad(t, m->staff, now, &until);
	else if (m->op == OP_LOCKED)
		r->yes = cvd_table_locked(t, m->staff, now, &until);
	else if (m->op == OP_END || m->op == OP_END_ALL)
		cvd_table_end(t, m->op == OP_END ? m->staff : NULL);
	else if (m->op == OP_SIG_GET)
		r->yes = cvd_table_sig_get(t, m->slip_id, r->text, CVD_FPR_LEN, now);
	else if (m->op == OP_SIG_PUT && memchr(m->text, '\0', sizeof(m->text)))
		r->yes = cvd_table_sig_put(t, m->slip_id, m->text, now) == 0;
	r->until = (long long)until;
}

/* One message and the socket to answer on (-1 when none came); 0 when every worker's end is gone. */
static ssize_t receive(int fd, cvd_msg *m, int *reply_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	*reply_fd = -1;
	for (cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(reply_fd, CMSG_DATA(cm), sizeof(int));
	if (n > 0 && ((size_t)n != sizeof(*m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))) {
		if (*reply_fd >= 0)
			close(*reply_fd);
		*reply_fd = -1;  /* not one of ours: ignored */
	}
	return n;
}

static void __attribute__((noreturn)) keeper_run(int fd)
{
	cvd_table t;
	cvd_msg *m = cv_secure_alloc(sizeof(cvd_msg));
	cvd_reply *r = cv_secure_alloc(sizeof(cvd_reply));
	struct pollfd p = { fd, POLLIN, 0 };
	int reply_fd;
	ssize_t n;

	cvd_table_init(&t, cv_secure_alloc, cv_secure_free);
	while (m && r && !keeper_stopping) {
		cvd_table_expire(&t, time(NULL));  /* wiped when due, not when next asked */
		if (poll(&p, 1, 1000) <= 0)
			continue;
		if ((n = receive(fd, m, &reply_fd)) == 0)
			break;  /* the daemon is gone */
		if (n < 0 || reply_fd < 0)
			continue;
		answer(&t, m, r);
		send(reply_fd, r, sizeof(*r), MSG_NOSIGNAL | MSG_DONTWAIT);
		close(reply_fd);
		explicit_bzero(m, sizeof(*m));
		explicit_bzero(r, sizeof(*r));
	}
	cvd_table_end(&t, NULL);
	cv_secure_free(m, sizeof(cvd_msg));
	cv_secure_free(r, sizeof(cvd_reply));
	_exit(0);
}

int cvd_keeper_start(int other_fd, pid_t *pid)
{
	struct sigaction sa;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fflush(NULL);
	if ((*pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (*pid > 0) {
		close(sv[1]);
		return sv[0];
	}
	close(sv[0]);
	if (other_fd >= 0)
		close(other_fd);
	prctl(PR_SET_NAME, "casevaultd-keep", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);  /* sessions die with the daemon */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = keeper_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_DFL);
	if (getppid() == 1 || cv_global_init() < 0)  /* secure memory for the keyslips */
		_exit(1);
	keeper_run(sv[1]);
}

void cvd_keeper_stop(pid_t pid, int fd)
{
	if (fd >= 0)
		close(fd);
	if (pid > 0 && kill(pid, SIGTERM) == 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

/* ---- the worker's side: one exchange per call, on a socket of its own */

typedef struct {
	int fd;
	long uid;
} client;

static client the_client = { -1, -1 };

void *cvd_session_ctx(int fd, long uid)
{
	the_client.fd = fd;
	the_client.uid = uid;
	return &the_client;
}

/* m to the keeper, its answer in r: 0, or -1 when the keeper is not there (no session then). */
static int ask(const client *c, const cvd_msg *m, cvd_reply *r)
{
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct pollfd p;
	int sv[2], ok;

	if (c->fd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	ok = cv_proto_send_fds(c->fd, &iov, 1, &sv[1], 1, MSG_DONTWAIT) == (ssize_t)sizeof(*m);
	close(sv[1]);
	p.fd = sv[0];
	p.events = POLLIN;
	ok = ok && poll(&p, 1, 2000) > 0 && recv(sv[0], r, sizeof(*r), 0) == (ssize_t)sizeof(*r);
	close(sv[0]);
	return ok ? 0 : -1;
}

/*
 * One exchange about staff (NULL: none), message and reply in secure
 * memory: fill (may be NULL) completes the message, read (may be NULL)
 * turns the reply into the result; 0 when the keeper did not answer.
 */
typedef struct {
	int (*fill)(cvd_msg *m, const void *arg);
	long (*read)(const cvd_reply *r, void *arg);
} exchange_ops;

static long exchange(void *ctx, int op, const char *staff, const exchange_ops *ops, void *arg)
{
	cvd_msg *m = cv_secure_alloc(sizeof(cvd_msg));
	cvd_reply *r = cv_secure_alloc(sizeof(cvd_reply));
	long out = 0;

	if (m && r && (!staff || strlen(staff) < CVD_STAFF_LEN)) {
		memset(m, 0, sizeof(*m));
		m->op = op;
		m->uid = ((const client *)ctx)->uid;
		if (staff)
			strcpy(m->staff, staff);
		if ((!ops->fill || ops->fill(m, arg) == 0) && ask(ctx, m, r) == 0 && ops->read)
			out = ops->read(r, arg);
	}
	cv_secure_free(m, sizeof(cvd_msg));
	cv_secure_free(r, sizeof(cvd_reply));
	return out;
}

struct slip_arg {
	const char *slip_id;
	const char *text;  /* put */
	char *buf;         /* get */
	size_t len;        /* put: the text's; get: buf's size */
	long idle;
};

static int fill_slip(cvd_msg *m, const void *arg)
{
	const struct slip_arg *a = arg;

	if (strlen(a->slip_id) >= CVD_SLIP_ID_LEN || (a->text && a->len > sizeof(m->text)))
		return -1;
	strcpy(m->slip_id, a->slip_id);
	if (a->text) {
		memcpy(m->text, a->text, a->len);
		m->len = a->len;
		m->idle = a->idle;
	}
	return 0;
}

static long read_text(const cvd_reply *r, void *arg)
{
	struct slip_arg *a = arg;

	if (!r->yes || r->len > a->len || r->len > sizeof(r->text))
		return 0;
	memcpy(a->buf, r->text, r->len);
	return (long)r->len;
}

static size_t op_get(void *ctx, const char *staff_id, const char *slip_id, char *buf, size_t bufsize)
{
	static const exchange_ops ops = { fill_slip, read_text };
	struct slip_arg a = { slip_id, NULL, buf, bufsize, 0 };
	long n = exchange(ctx, OP_GET, staff_id, &ops, &a);

	return n > 0 ? (size_t)n : 0;
}

static void op_put(void *ctx, const char *staff_id, const char *slip_id, const char *text, size_t len, long idle)
{
	static const exchange_ops ops = { fill_slip, NULL };
	struct slip_arg a = { slip_id, text, NULL, len, idle };

	exchange(ctx, OP_PUT, staff_id, &ops, &a);
}

struct why_arg {
	const char *staff;
	char *why;
	size_t whylen;
};

/* The one line a locked-out person reads (docs/service.md, Sessions); 1 when locked out. */
static long read_why(const cvd_reply *r, void *arg)
{
	struct why_arg *a = arg;
	char when[32];
	time_t until = (time_t)r->until;
	struct tm tm;

	if (!r->yes)
		return 0;
	strftime(when, sizeof(when), "%H:%M UTC", gmtime_r(&until, &tm));
	snprintf(a->why, a->whylen, "staff member %s is locked out after %d wrong passphrases until %s; try again "
		 "then, or ask a manager to check the audit trail (staff.lockout) and the service's administrator "
		 "(restarting casevaultd lifts it)", a->staff, CVD_STRIKES, when);
	return 1;
}

static const exchange_ops why_ops = { NULL, read_why };

static int op_bad(void *ctx, const char *staff_id, char *why, size_t whylen)
{
	struct why_arg a = { staff_id, why, whylen };

	return (int)exchange(ctx, OP_BAD, staff_id, &why_ops, &a);
}

static int op_locked(void *ctx, const char *staff_id, char *why, size_t whylen)
{
	struct why_arg a = { staff_id, why, whylen };

	return (int)exchange(ctx, OP_LOCKED, staff_id, &why_ops, &a);
}

static void op_end(void *ctx, const char *staff_id)
{
	static const exchange_ops none = { NULL, NULL };

	exchange(ctx, staff_id ? OP_END : OP_END_ALL, staff_id, &none, NULL);
}

/* A good signature's key (and, to file it, its signer) in the message; the signer from the reply. */
struct sig_arg {
	const char *key;
	const char *fpr;   /* put */
	char *buf;         /* get */
	size_t len;
};

static int fill_sig(cvd_msg *m, const void *arg)
{
	const struct sig_arg *a = arg;

	if (strlen(a->key) >= CVD_SLIP_ID_LEN || (a->fpr && strlen(a->fpr) >= CVD_FPR_LEN))
		return -1;
	strcpy(m->slip_id, a->key);
	if (a->fpr)
		strcpy(m->text, a->fpr);
	return 0;
}

static long read_sig(const cvd_reply *r, void *arg)
{
	struct sig_arg *a = arg;

	if (!r->yes || !memchr(r->text, '\0', CVD_FPR_LEN) || strlen(r->text) >= a->len)
		return 0;
	strcpy(a->buf, r->text);
	return 1;
}

static int op_sig_get(void *ctx, const char *key, char *fpr, size_t fprlen)
{
	static const exchange_ops ops = { fill_sig, read_sig };
	struct sig_arg a = { key, NULL, fpr, fprlen };

	return (int)exchange(ctx, OP_SIG_GET, NULL, &ops, &a);
}

static void op_sig_put(void *ctx, const char *key, const char *fpr)
{
	static const exchange_ops ops = { fill_sig, NULL };
	struct sig_arg a = { key, fpr, NULL, 0 };

	exchange(ctx, OP_SIG_PUT, NULL, &ops, &a);
}

/* Before the worker starts, so before libgcrypt: no secret travels, ordinary memory is fine. */
static int alive(void *ctx, const char *staff)
{
	cvd_msg m;
	cvd_reply r;

	memset(&m, 0, sizeof(m));
	m.op = OP_ALIVE;
	m.uid = ((const client *)ctx)->uid;
	if (staff && strlen(staff) < sizeof(m.staff))
		strcpy(m.staff, staff);
	return ask(ctx, &m, &r) == 0 && r.yes;
}

int cvd_session_alive(void *ctx)
{
	return alive(ctx, NULL);
}

int cvd_session_alive_for(void *ctx, const char *staff)
{
	return staff && *staff && alive(ctx, staff);
}

const cv_slip_cache cvd_session_ops = { op_get, op_put, op_bad, op_locked, op_end, op_sig_get, op_sig_put };
