/*
 * casevault - a command run by casevaultd for a client (docs/service.md):
 * the same command table as the direct mode, with three differences.  The
 * acting staff member is the one whose grant names the client's OS user,
 * and no one else (--as may only name them); the service never opens a
 * file a client named (no confused deputy: the service account can read
 * what the client cannot), it uses the descriptors the client opened and
 * passed; and a passphrase comes from the request or from
 * the client's own terminal, never from the service's gpg-agent pinentry.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "cli.h"
#include "proto.h"

/*
 * The files a client may name through the service, which it opens itself
 * and passes as descriptors (docs/service.md, "Named files"); every other
 * value that names a file is refused, so an option added later that names
 * one is refused until it is listed here.  For a new file, "exists" is the
 * direct mode's refusal of an existing one, word for word.
 */
static const cli_file_word file_words[] = {
	{ "file", NULL, 0, NULL },
	{ "staff add", "key", 0, NULL },
	{ "staff add", "new-passphrase-file", 0, NULL },
	{ "staff passphrase", "new-passphrase-file", 0, NULL },
	{ "get", "output", 1, "%s already exists; choose a new file name (casevault never overwrites)" },
	{ "request bundle", "output", 1, "%s already exists; casevault never overwrites a file: choose another name" },
	{ "request bundle", "recipient", 0, NULL },
	{ "request attach", NULL, 0, NULL },
	/* the manifest; the documents it names are asked of the client one by one (cli_service_open_doc) */
	{ "import", NULL, 0, NULL },
	{ "request bundle", "passphrase-file", 1, "cannot create the passphrase file %s: File exists; give a new "
	  "file's name (casevault never overwrites)" },
	{ "share", "output", 1, "%s already exists; casevault never overwrites a file: choose another name" },
	{ "share", "recipient", 0, NULL },
	{ "share", "passphrase-file", 1, "cannot create the passphrase file %s: File exists; give a new "
	  "file's name (casevault never overwrites)" },
	{ "intake add", NULL, 0, NULL },
	{ "intake show", "output", 1, "%s already exists; choose a new file name (casevault never overwrites)" },
	{ NULL, NULL, 0, NULL }
};

const cli_file_word *cli_file_word_of(const cli_cmd *cmd, const char *opt)
{
	const cli_file_word *w;

	for (w = file_words; w->cmd; w++)
		if (!strcmp(w->cmd, cmd->name) && (opt && w->opt ? !strcmp(opt, w->opt) : !opt && !w->opt))
			return w;
	return NULL;
}

int cli_service_refuse_path(cli_ctx *c, const char *what, const char *word)
{
	const char *hint = !strcmp(what, "--output")
		? "leave it out to write to standard output (> FILE), or run the command in direct mode as the vault's owner"
		: "run the command in direct mode as the vault's owner";

	return cli_fail(c, EXIT_FAIL, "'casevault %s' through casevaultd cannot take %s (%s): the service never opens "
			"a file a client names (docs/service.md); %s", c->cmd->name, what, word, hint);
}

int cli_each_path(cli_ctx *c, cli_path_fn fn, void *hook)
{
	const cli_cmd *cmd = c->cmd;
	char what[80], word[32];
	int i, r, rest = 0;

	for (i = 0; cmd->opts && cmd->opts[i].name; i++) {
		if (!cmd->opts[i].arg || !c->val[i] || !cli_is_path_word(cmd->opts[i].arg))
			continue;
		snprintf(what, sizeof(what), "--%s", cmd->opts[i].name);
		if ((r = fn(c, cli_file_word_of(cmd, cmd->opts[i].name), what, cmd->opts[i].arg, c->val[i], hook)) != 0)
			return r;
	}
	for (i = 0; i < c->argc; i++) {
		if (!rest)
			cli_arg_word(cmd, i, word, sizeof(word));
		if (!*word)
			break;
		rest = strstr(word, "...") != NULL;  /* the rest are of the last word's kind */
		if (cli_is_path_word(word) &&
		    (r = fn(c, cli_file_word_of(cmd, NULL), "a file name", word, c->argv[i], hook)) != 0)
			return r;
	}
	return 0;
}

/* The descriptor the client passed for this value (a pointer into a word of the request). */
static const cli_passed_file *passed(const cli_service *s, const char *val)
{
	int i;

	for (i = 0; s && i < s->nfiles; i++) {
		const char *w = s->files[i].word;
		size_t wl = strlen(w), nl = strlen(s->files[i].name);

		if (val == w + wl - nl && !strcmp(val, s->files[i].name))
			return &s->files[i];
	}
	return NULL;
}

int cli_passed_fd(const cli_ctx *c, const char *val)
{
	const cli_passed_file *f = val ? passed(c->svc, val) : NULL;

	return f ? f->fd : -1;
}

int cli_passed_passphrase_cb(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize)
{
	int fd = (int)(intptr_t)hook;
	ssize_t n;
	size_t len = 0;

	(void)staff_id;
	if (prev_was_bad || bufsize == 0)
		return -1;
	/* the first line, as cli_passphrase_cb reads a named file; an empty file is an empty passphrase */
	while (len + 1 < bufsize && (n = pread(fd, buf + len, 1, (off_t)len)) == 1 && buf[len] != '\n')
		len++;
	buf[len] = '\0';
	while (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return 0;
}

/* A value that names a file: a descriptor the client passed for it, else refused. */
static int worker_path(cli_ctx *c, const cli_file_word *fw, const char *what, const char *word, const char *val,
		       void *hook)
{
	const cli_passed_file *f = passed(c->svc, val);

	(void)hook;
	if (!fw)
		return cli_service_refuse_path(c, what, word);
	if (!f || f->write != fw->write)
		return cli_fail(c, EXIT_USAGE, "no %s descriptor was passed for %s (%s); the casevault client opens the files "
				"it names and passes them (docs/protocol.md)", fw->write ? "writable" : "readable", what, word);
	return 0;
}

int cli_service_refuse(cli_ctx *c)
{
	if (c->vault_dir || c->passphrase_file)
		return cli_fail(c, EXIT_FAIL, "casevaultd serves its own vault and takes the passphrase in the request; "
				"give -C and --passphrase-file to casevault, not in a raw request");
	return cli_each_path(c, worker_path, NULL);
}

/* The descriptors an answer brings: up to cap kept in fds, any further one closed. */
struct got_fds {
	int *fds;
	size_t cap, n;
};

static void take_fds(struct msghdr *mh, struct got_fds *g)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t i, k = cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS
			? (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;

		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (g->n < g->cap)
				g->fds[g->n++] = fd;
			else
				close(fd);
		}
	}
}

/* len bytes of the client's answer before the deadline, and the descriptors that come with them. */
static int answer_bytes(int conn, char *buf, size_t len, time_t deadline, struct got_fds *g)
{
	char cbuf[CMSG_SPACE(sizeof(int) * (CV_PROTO_OPEN_MANY + 1))];
	struct pollfd p = { conn, POLLIN, 0 };
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;
	long left;

	while (len) {
		if ((left = (long)(deadline - time(NULL))) <= 0 || poll(&p, 1, (int)(left * 1000)) <= 0)
			return errno = ETIMEDOUT, -1;
		iov.iov_base = buf;
		iov.iov_len = len;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return errno = n == 0 ? EPIPE : errno, -1;
		take_fds(&mh, g);
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_all(int conn, const char *msg, size_t len)
{
	ssize_t n;

	for (; len; msg += n, len -= (size_t)n)
		while ((n = send(conn, msg, len, MSG_NOSIGNAL)) < 0)
			if (errno != EINTR)
				return -1;
	return 0;
}

size_t cli_service_open_many(const cli_ctx *c)
{
	return c->svc->open_many > 0 ? (size_t)c->svc->open_many : 1;
}

/* One ask and its answer: how many were opened (their descriptors in g), and *err; -1 when the exchange failed. */
static int ask_docs(int conn, char *const *paths, size_t n, struct got_fds *g, int *err)
{
	unsigned char hdr[4];
	char *msg, body[256];
	size_t len = 0, count = 0;
	time_t deadline = time(NULL) + CV_PROTO_OPEN_TIMEOUT;
	int r = -1;

	if (!(msg = cv_proto_make_open(paths, n, &len)) || send_all(conn, msg, len) < 0 ||
	    answer_bytes(conn, (char *)hdr, 4, deadline, g) < 0 || cv_proto_frame_len(hdr, &len) < 0 ||
	    len > sizeof(body) || answer_bytes(conn, body, len, deadline, g) < 0 ||
	    cv_proto_parse_opened(body, len, err, &count) < 0 || count != g->n || count > n ||
	    (count == n) != (*err == 0))
		*err = errno ? errno : EPROTO;
	else
		r = 0;
	free(msg);
	return r;
}

/*
 * The worker never opens the path: it asks the client, which opens it as
 * the person who runs the command and passes the descriptor.  A client
 * that does not answer in CV_PROTO_OPEN_TIMEOUT seconds, or answers
 * wrongly, fails these documents and every later one: the connection is
 * not trusted again (the filing refuses their cases as unreadable).  The
 * filing's threads open their groups' documents at once
 * (vault/ops/filing_pool.c): one question and its answer at a time.
 */
size_t cli_service_open_docs(const cli_ctx *c, char *const *paths, size_t n, int *fds, int *err)
{
	static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
	static int broken;
	struct got_fds g = { fds, 0, 0 };

	*err = 0;
	if (n > cli_service_open_many(c))
		n = cli_service_open_many(c);
	g.cap = n;
	pthread_mutex_lock(&one);
	errno = 0;
	if (broken || ask_docs(c->svc->conn, paths, n, &g, err) < 0) {
		*err = broken ? EPIPE : *err;
		broken = 1;
		while (g.n)
			close(fds[--g.n]);
	}
	pthread_mutex_unlock(&one);
	return g.n;
}
