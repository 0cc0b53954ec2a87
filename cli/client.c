/*
 * casevault - the client of casevaultd (docs/service.md).  A service vault
 * belongs to the service's account; this process, run by a member of staff
 * under their own account, sends the command line and its own standard
 * streams to the daemon, which runs the same command table on them: output,
 * --json and exit status are the direct mode's by construction.  The client
 * reads its own passphrase file and opens nothing of the vault.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cli.h"
#include "proto.h"

const char *cli_client_socket(void)
{
	const char *s = getenv("CASEVAULT_SOCKET");

	return s && *s ? s : NULL;
}

static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "casevault: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* The first line of the passphrase file, as cli_passphrase_cb reads it. */
static int read_passphrase(const char *path, char **out)
{
	char buf[CV_PROTO_MAX_PASSPHRASE + 2];

	if (!cli_passphrase_cb((void *)path, NULL, 0, buf, sizeof(buf)))
		*out = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (!*out)
		return say("cannot read the passphrase file %s: %s", path, strerror(errno ? errno : ENOMEM));
	return 0;
}

/* Which global option a word is, and its value ("--vault=X" or the next word). */
static int global_word(char **argv, int i, int argc, const char **name, const char **val)
{
	static const char *const names[] = { "passphrase-file", "vault", NULL };
	const char *a = argv[i];
	int k;

	if (!strcmp(a, "-C") && i + 1 < argc) {
		*name = "vault";
		*val = argv[i + 1];
		return 2;
	}
	for (k = 0; names[k]; k++) {
		size_t n = strlen(names[k]);

		if (strncmp(a, "--", 2) || strncmp(a + 2, names[k], n))
			continue;
		*name = names[k];
		if (a[2 + n] == '=') {
			*val = a + 3 + n;
			return 1;
		}
		if (!a[2 + n] && i + 1 < argc) {
			*val = argv[i + 1];
			return 2;
		}
	}
	return 0;
}

/*
 * The request: the words, less the options the client itself serves (its
 * passphrase file, which it reads; the vault, which names the daemon's).
 */
static int build_request(int argc, char **argv, cv_proto_request *rq)
{
	const char *pf = getenv("CASEVAULT_PASSPHRASE_FILE"), *name, *val;
	char real[PATH_MAX];
	int i, took, ended = 0;

	if (!(rq->argv = calloc((size_t)argc + 1, sizeof(char *))))
		return say("out of memory");
	for (i = 1; i < argc; i += took ? took : 1) {
		took = ended ? 0 : global_word(argv, i, argc, &name, &val);
		ended |= !strcmp(argv[i], "--");
		if (!took)
			rq->argv[rq->argc++] = argv[i];
		else if (!strcmp(name, "passphrase-file"))
			pf = val;
		else
			rq->vault = realpath(val, real) ? strdup(real) : strdup(val);
	}
	return pf && *pf ? read_passphrase(pf, &rq->passphrase) : 0;
}

static int send_request(int fd, const char *msg, size_t len)
{
	int fds[CV_PROTO_NFDS] = { 0, 1, 2 };
	char cbuf[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	ssize_t n;

	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	/* the descriptors ride on the first byte; the rest follows as it fits */
	while ((n = sendmsg(fd, &mh, MSG_NOSIGNAL)) < 0)
		if (errno != EINTR)
			return -1;
	for (msg += n, len -= (size_t)n; len; msg += n, len -= (size_t)n) {
		while ((n = send(fd, msg, len, MSG_NOSIGNAL)) < 0)
			if (errno != EINTR)
				return -1;
	}
	return 0;
}

static int read_all(int fd, char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		if ((n = read(fd, buf, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The reply: the command's exit status, after printing the daemon's own error if any. */
static int read_reply(int fd, const char *sock)
{
	unsigned char hdr[4];
	char *buf = NULL, error[1024];
	size_t len;
	int code = EXIT_FAIL;

	if (read_all(fd, (char *)hdr, 4) < 0 || cv_proto_frame_len(hdr, &len) < 0 ||
	    !(buf = malloc(len)) || read_all(fd, buf, len) < 0 || cv_proto_parse_reply(buf, len, &code, error, sizeof(error)) < 0) {
		free(buf);
		return say("casevaultd at %s ended the request without an answer; run 'casevault verify' "
			   "and try again, or ask the vault's administrator", sock);
	}
	free(buf);
	if (*error)
		say("%s", error);
	return code < 0 || code > 255 ? EXIT_FAIL : code;
}

static int connect_to(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int cli_client_run(const char *sock, int argc, char **argv)
{
	cv_proto_request rq = { 0 };
	char err[160], *msg = NULL;
	size_t len = 0;
	int fd = -1, r;

	cv_proto_wipe_json_memory();
	if ((r = build_request(argc, argv, &rq)) == 0 && !(msg = cv_proto_make_request(&rq, &len, err, sizeof(err))))
		r = say("%s", err);
	if (r == 0 && (fd = connect_to(sock)) < 0)
		r = say("cannot reach casevaultd at %s: %s; is the service running? (unset CASEVAULT_SOCKET to use a vault "
			"of your own directly)", sock, strerror(errno));
	if (r == 0 && send_request(fd, msg, len) < 0)
		r = say("cannot send the request to casevaultd at %s: %s", sock, strerror(errno));
	if (r == 0)
		r = read_reply(fd, sock);
	if (msg)
		explicit_bzero(msg, len);
	free(msg);
	rq.argc = 0;  /* the words are argv's */
	free(rq.argv);
	rq.argv = NULL;
	cv_proto_request_free(&rq);
	if (fd >= 0)
		close(fd);
	return r;
}
