/*
 * casevault - the client of casevaultd (docs/service.md).  A service vault
 * belongs to the service's account; this process, run by a member of staff
 * under their own account, sends the command line and its own standard
 * streams to the daemon, which runs the same command table on them: output,
 * --json and exit status are the direct mode's by construction.  The client
 * reads its own passphrase file and opens nothing of the vault; the files
 * the command line names it opens itself, as the person who runs it, and
 * passes as descriptors (docs/service.md, "Named files").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
static int build_request(int argc, char **argv, cv_proto_request *rq, const cli_ctx *c)
{
	const char *pf = getenv("CASEVAULT_PASSPHRASE_FILE"), *name, *val;
	char real[PATH_MAX];
	int i, took, ended = 0;

	if (!(rq->argv = calloc((size_t)argc + 1, sizeof(char *))))
		return say("out of memory");
	for (i = 1; i < argc; i += took ? took : 1) {
		took = ended ? 0 : global_word(argv, i, argc, &name, &val);
		/* only what the parser took as the global option: "request bundle --passphrase-file" is its own */
		if (took && val != (!strcmp(name, "vault") ? c->vault_dir : c->passphrase_file))
			took = 0;
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

/* The named files the client opened for the request, by descriptor after the standard three. */
struct opened {
	cv_proto_request *rq;
	int fds[CV_PROTO_NFDS + CV_PROTO_MAX_FILES];
	struct stat st[CV_PROTO_MAX_FILES];  /* what a new file is, so that only it is removed */
};

/* A frame, the descriptors riding on its first byte (none: a plain send). */
static int send_fds(int fd, const char *msg, size_t len, const int *fds, size_t nfd)
{
	struct iovec iov = { (void *)msg, len };
	ssize_t n;

	/* the descriptors ride on the first byte; the rest follows as it fits */
	if ((n = cv_proto_send_fds(fd, &iov, 1, fds, (int)nfd, 0)) < 0)
		return -1;
	for (msg += n, len -= (size_t)n; len; msg += n, len -= (size_t)n) {
		while ((n = send(fd, msg, len, MSG_NOSIGNAL)) < 0)
			if (errno != EINTR)
				return -1;
	}
	return 0;
}

static int send_request(int fd, const char *msg, size_t len, const struct opened *op)
{
	return send_fds(fd, msg, len, op->fds, CV_PROTO_NFDS + (size_t)op->rq->nfiles);
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

/*
 * The documents a manifest names (import): the only paths the client opens
 * when the daemon asks, sorted for bsearch.
 */
struct doclist {
	char **path;
	size_t n, alloc;
};

static int add_doc(void *hook, const char *path)
{
	struct doclist *d = hook;

	if (d->n == d->alloc) {
		size_t na = d->alloc ? d->alloc * 2 : 256;
		char **np = reallocarray(d->path, na, sizeof(char *));

		if (!np)
			return -1;
		d->path = np;
		d->alloc = na;
	}
	if (!(d->path[d->n] = strdup(path)))
		return -1;
	d->n++;
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_docs(struct doclist *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->path[i]);
	free(d->path);
}

/*
 * The daemon asks for documents of the manifest: each opened as direct
 * mode opens it (vault/ops/filing_docs.c), as the person who runs the
 * command, all passed in one answer and closed at once.  The first that
 * cannot be opened ends the answer with its errno (the worker asks for it
 * again alone, to learn which errno is its own); a path the manifest does
 * not name is refused (EPERM): the client passes nothing else.
 */
static int serve_docs(int conn, const struct doclist *docs, char *const *paths, size_t n)
{
	int fds[CV_PROTO_OPEN_MANY], err = 0, r;
	size_t k;
	char *msg;
	size_t len = 0;

	for (k = 0; k < n && k < CV_PROTO_OPEN_MANY && !err; k++) {
		err = EPERM;
		if (docs && bsearch(&paths[k], docs->path, docs->n, sizeof(char *), cmp_path)) {
			fds[k] = open(paths[k], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			err = fds[k] < 0 ? errno : 0;
		}
	}
	k -= err != 0;
	r = (msg = cv_proto_make_opened(err, k, &len)) ? send_fds(conn, msg, len, fds, k) : -1;
	free(msg);
	while (k)
		close(fds[--k]);
	return r;
}

/* The most documents this process can hold open for one answer: its descriptor limit's spare, halved. */
static int open_many(void)
{
	struct rlimit rl;
	long spare;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return CV_PROTO_OPEN_MANY;
	spare = ((long)rl.rlim_cur - 16) / 2;
	return spare < 1 ? 1 : spare > CV_PROTO_OPEN_MANY ? CV_PROTO_OPEN_MANY : (int)spare;
}

/* The reply: the command's exit status, after printing the daemon's own error if any. */
static int read_reply(int fd, const char *sock, const struct doclist *docs)
{
	unsigned char hdr[4];
	char *buf = NULL, **paths = NULL, error[1024];
	size_t len, n = 0;
	int code = EXIT_FAIL, asked;

	for (;;) {
		if (read_all(fd, (char *)hdr, 4) < 0 || cv_proto_frame_len(hdr, &len) < 0 ||
		    !(buf = malloc(len)) || read_all(fd, buf, len) < 0 ||
		    (asked = cv_proto_parse_open(buf, len, &paths, &n)) < 0 ||
		    (asked && serve_docs(fd, docs, paths, n) < 0) ||
		    (!asked && cv_proto_parse_reply(buf, len, &code, error, sizeof(error)) < 0)) {
			free(buf);
			cv_proto_paths_free(paths, n);
			return say("casevaultd at %s ended the request without an answer; run 'casevault verify' "
				   "and try again, or ask the vault's administrator", sock);
		}
		free(buf);
		cv_proto_paths_free(paths, n);
		buf = NULL;
		paths = NULL;
		if (!asked)
			break;
	}
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

/* The word of the request whose value val is (the whole word, or the end of "--output=NAME"). */
static int word_of(const cv_proto_request *rq, const char *val)
{
	int k;

	for (k = 0; k < rq->argc; k++) {
		size_t wl = strlen(rq->argv[k]);

		if (val >= rq->argv[k] && val <= rq->argv[k] + wl && val + strlen(val) == rq->argv[k] + wl)
			return k;
	}
	return -1;
}

/* A file to read, opened as direct mode opens a document (vault/ops/filing_docs.c), with its words. */
static int open_input(cli_ctx *c, const char *val)
{
	struct stat sb;
	int fd = open(val, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), e = errno;

	if (fd < 0 && e == ELOOP)
		return cli_fail(c, EXIT_FAIL, "%s is a symbolic link; file the document it points to", val), -1;
	if (fd < 0 && e == ENOENT)
		return cli_fail(c, EXIT_FAIL, "%s: no such file", val), -1;
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd < 0 || fstat(fd, &sb) < 0)
			cli_fail(c, EXIT_FAIL, "cannot read %s: %s", val, strerror(fd < 0 ? e : errno));
		else if (S_ISDIR(sb.st_mode))
			cli_fail(c, EXIT_FAIL, "%s is a directory; give the documents inside it", val);
		else
			cli_fail(c, EXIT_FAIL, "%s is not a regular file (a pipe, device or socket); save it to a file first", val);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* A new file for the command's output: never over an existing one, 0600, the client's own. */
static int open_output(cli_ctx *c, const cli_file_word *fw, const char *val)
{
	int fd = open(val, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	const char *at = fw->exists ? strstr(fw->exists, "%s") : NULL;

	if (fd < 0 && errno == EEXIST && at)  /* the words around the name, as direct mode says them */
		cli_fail(c, EXIT_FAIL, "%.*s%s%s", (int)(at - fw->exists), fw->exists, val, at + 2);
	else if (fd < 0)
		cli_fail(c, EXIT_FAIL, "cannot create %s: %s", val, strerror(errno));
	return fd;
}

/* One value of the command line that names a file: opened and listed in the request, or refused. */
static int open_named(cli_ctx *c, const cli_file_word *fw, const char *what, const char *word, const char *val,
		      void *hook)
{
	struct opened *op = hook;
	cv_proto_request *rq = op->rq;
	cv_proto_file *f = &rq->files[rq->nfiles];
	int fd, arg = word_of(rq, val);

	if (!fw)
		return cli_service_refuse_path(c, what, word);
	if (rq->nfiles == CV_PROTO_MAX_FILES)
		return cli_fail(c, EXIT_USAGE, "casevaultd takes at most %d named files in one command; give them in "
				"several commands", CV_PROTO_MAX_FILES);
	if (arg < 0)
		return cli_fail(c, EXIT_USAGE, "%s (%s) is not a word of the command line as given", what, word);
	if ((fd = fw->write ? open_output(c, fw, val) : open_input(c, val)) < 0)
		return EXIT_FAIL;
	op->fds[CV_PROTO_NFDS + rq->nfiles] = fd;
	fstat(fd, &op->st[rq->nfiles]);
	f->arg = arg;
	f->write = fw->write;
	f->name = (char *)val;
	rq->nfiles++;
	return 0;
}

/*
 * The descriptors are closed; when the command failed, each new file the
 * client made for it is removed, as the direct mode leaves no partial
 * file, if the name still is that file.
 */
static void close_opened(struct opened *op, int failed)
{
	cv_proto_request *rq = op->rq;
	struct stat sb;
	int i;

	for (i = 0; i < rq->nfiles; i++) {
		if (failed && rq->files[i].write && lstat(rq->files[i].name, &sb) == 0 &&
		    sb.st_dev == op->st[i].st_dev && sb.st_ino == op->st[i].st_ino)
			unlink(rq->files[i].name);
		close(op->fds[CV_PROTO_NFDS + i]);
	}
	rq->nfiles = 0;
}

static int talk(const char *sock, const char *msg, size_t len, const struct opened *op, const struct doclist *docs)
{
	int fd, r;

	if ((fd = connect_to(sock)) < 0)
		return say("cannot reach casevaultd at %s: %s; is the service running? (unset CASEVAULT_SOCKET to use a "
			   "vault of your own directly)", sock, strerror(errno));
	if (send_request(fd, msg, len, op) < 0)
		r = say("cannot send the request to casevaultd at %s: %s", sock, strerror(errno));
	else
		r = read_reply(fd, sock, docs);
	close(fd);
	return r;
}

int cli_client_run(const char *sock, int argc, char **argv, cli_ctx *c)
{
	cv_proto_request rq = { 0 };
	cv_proto_file files[CV_PROTO_MAX_FILES];
	struct opened op = { &rq, { 0, 1, 2 }, { { 0 } } };
	struct doclist docs = { NULL, 0, 0 };
	char err[160], *msg = NULL;
	size_t len = 0;
	int r;

	cv_proto_wipe_json_memory();
	rq.files = files;
	if (!argv)
		return say("out of memory");
	if ((r = build_request(argc, argv, &rq, c)) == 0)
		r = cli_each_path(c, open_named, &op);
	/* import: the manifest is read here first, with its parser, and refused before connecting */
	if (r == 0 && !strcmp(c->cmd->name, "import") && rq.nfiles == 1 &&
	    (r = cli_import_each_path(c, op.fds[CV_PROTO_NFDS], add_doc, &docs)) == 0) {
		qsort(docs.path, docs.n, sizeof(char *), cmp_path);
		rq.open_many = open_many();
	}
	if (r == 0 && !(msg = cv_proto_make_request(&rq, &len, err, sizeof(err))))
		r = say("%s", err);
	if (r == 0)
		r = talk(sock, msg, len, &op, &docs);
	free_docs(&docs);
	close_opened(&op, r != 0);
	if (msg)
		explicit_bzero(msg, len);
	free(msg);
	rq.argc = 0;  /* the words, and the files' names, are argv's */
	free(rq.argv);
	rq.argv = NULL;
	rq.files = NULL;
	cv_proto_request_free(&rq);
	return r;
}
