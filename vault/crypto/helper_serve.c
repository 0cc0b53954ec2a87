/* casevault - the encryption helpers' protocol and service loop; see helper_serve.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gcrypt.h>

#include "base/util.h"
#include "crypto/helper_serve.h"
#include "casevault/common.h"

#define IO_BUFFER "262144"

int cv_helper_send_req(int sock, const struct cv_helper_req *rq, int in_fd, int out_fd)
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

int cv_helper_recv_req(int sock, struct cv_helper_req *rq, int fds[2])
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

void cv_helper_home_remove(const char *dir)
{
	char *p = NULL;

	if (asprintf(&p, "%s/key", dir) >= 0) {
		unlink(p);
		free(p);
	}
	if (asprintf(&p, "%s/gpg.conf", dir) >= 0) {
		unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* The text of the small file name in directory dir (the vault's gpg.conf), or NULL. */
static char *slurp_at(int dir, const char *name)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *buf = NULL, *n;
	size_t cap = 0, len = 0;
	ssize_t got = 1;

	while (fd >= 0 && got > 0) {
		if (len + 4096 + 1 > cap) {
			if (!(n = realloc(buf, cap = len + 4096 + 1)))
				break;
			buf = n;
		}
		got = read(fd, buf + len, 4096);
		len += got > 0 ? (size_t)got : 0;
	}
	if (fd >= 0)
		close(fd);
	if (got != 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* gpg.conf of the home: the vault's, then symmetric only, no agent, the key from the FIFO */
static int home_conf(struct cv_helper_home *hm)
{
	char *text = slurp_at(hm->parent, "gpg.conf");
	FILE *f = NULL;
	int fd, ok;

	fd = text ? openat(hm->dir, "gpg.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	if (fd >= 0 && !(f = fdopen(fd, "w")))
		close(fd);
	if (f)
		fprintf(f, "%s\n# casevault encryption helper (vault/helper.c): symmetric only, no agent\n"
			"no-keyring\nbatch\npinentry-mode loopback\npassphrase-file %s\n", text, hm->fifo_path);
	free(text);
	ok = f && fflush(f) == 0 && !ferror(f);
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* Open GNUPGHOME (the parent of path) and check it: a directory of this user's nobody else writes. */
static int home_parent(struct cv_helper_home *hm, const char *path, char *msg, size_t msglen)
{
	char *dir = strdup(path);
	struct stat sb;

	if (!dir || !strrchr(dir, '/'))
		goto bad;
	*strrchr(dir, '/') = '\0';
	hm->parent = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hm->parent < 0 || fstat(hm->parent, &sb) < 0 || sb.st_uid != geteuid() || (sb.st_mode & 022))
		goto bad;
	free(dir);
	return 0;
bad:
	snprintf(msg, msglen, "%s is not a GnuPG home of this user's that only this user can write", dir ? dir : path);
	free(dir);
	return -1;
}

int cv_helper_home_make(struct cv_helper_home *hm, const char *path, char *msg, size_t msglen)
{
	const char *name = strrchr(path, '/');
	char *want = hm->name;

	memset(hm, 0, sizeof(*hm));
	hm->parent = hm->dir = hm->fifo = -1;
	snprintf(want, sizeof(hm->name), "sym-%ld", (long)getpid());
	if (path[0] != '/' || !name || strcmp(name + 1, want)) {
		snprintf(msg, msglen, "%s is not this helper's GnuPG home (GNUPGHOME/%s)", path, want);
		return -1;
	}
	if (home_parent(hm, path, msg, msglen) < 0)
		goto fail;
	/* made here or refused: a home this process did not make is never used, nor removed */
	if (mkdirat(hm->parent, want, 0700) < 0) {
		snprintf(msg, msglen, "cannot make %s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (a helper uses only a home it makes itself)" : "");
		goto fail;
	}
	hm->made = 1;
	if (!(hm->path = strdup(path)) || asprintf(&hm->fifo_path, "%s/key", path) < 0) {
		hm->fifo_path = NULL;
		snprintf(msg, msglen, "out of memory");
		goto fail;
	}
	hm->dir = openat(hm->parent, want, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* O_RDWR: never blocks, and the pipe keeps what is written while we hold it */
	if (hm->dir < 0 || mkfifoat(hm->dir, "key", 0600) < 0 ||
	    (hm->fifo = openat(hm->dir, "key", O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    home_conf(hm) < 0) {
		snprintf(msg, msglen, "cannot set up %s: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	cv_helper_home_unmake(hm);
	return -1;
}

void cv_helper_home_unmake(struct cv_helper_home *hm)
{
	if (hm->fifo >= 0)
		close(hm->fifo);
	if (hm->made && hm->dir >= 0) {
		unlinkat(hm->dir, "key", 0);
		unlinkat(hm->dir, "gpg.conf", 0);
	}
	if (hm->made)
		unlinkat(hm->parent, hm->name, AT_REMOVEDIR);
	if (hm->dir >= 0)
		close(hm->dir);
	if (hm->parent >= 0)
		close(hm->parent);
	free(hm->path);
	free(hm->fifo_path);
	memset(hm, 0, sizeof(*hm));
	hm->parent = hm->dir = hm->fifo = -1;
}

void cv_fifo_drain(int fd)
{
	char junk[256];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
	explicit_bzero(junk, sizeof(junk));
}

int cv_fifo_put(int fd, const char *key_hex)
{
	char line[CV_HELPER_KEY_HEX + 2];
	size_t len = strlen(key_hex);
	ssize_t w;

	if (len > CV_HELPER_KEY_HEX)
		return -1;
	cv_fifo_drain(fd);  /* never a key a failed run left behind */
	memcpy(line, key_hex, len);
	line[len] = '\n';
	w = write(fd, line, len + 1);  /* under PIPE_BUF: all or nothing */
	explicit_bzero(line, sizeof(line));
	return w == (ssize_t)(len + 1) ? 0 : -1;
}

struct hashfd {
	int fd;
	gcry_md_hd_t md;
	int64_t count;
};

static ssize_t hashfd_write(void *h, const void *buf, size_t len)
{
	struct hashfd *o = h;

	if (cv_write_all(o->fd, buf, len) < 0)
		return -1;
	gcry_md_write(o->md, buf, len);
	o->count += (int64_t)len;
	return (ssize_t)len;
}

int cv_encrypt_hashed(gpgme_ctx_t ctx, gpgme_key_t recp[], gpgme_encrypt_flags_t flags,
		      int in_fd, int out_fd, int64_t *size, char sha[65], gpgme_error_t *err)
{
	struct gpgme_data_cbs cbs = { NULL, hashfd_write, NULL, NULL };
	struct hashfd ho = { out_fd, NULL, 0 };
	gpgme_data_t in = NULL, out = NULL;
	const unsigned char *d;
	int i;

	*err = gcry_md_open(&ho.md, GCRY_MD_SHA256, 0) ? gpgme_error(GPG_ERR_ENOMEM) : 0;
	if (*err)
		return -1;
	*err = gpgme_data_new_from_fd(&in, in_fd);
	if (!*err)
		*err = gpgme_data_new_from_cbs(&out, &cbs, &ho);
	/* GPGME copies between us and gpg 4 KiB at a time unless told otherwise */
	if (!*err)
		gpgme_data_set_flag(in, "io-buffer-size", IO_BUFFER);
	if (!*err)
		gpgme_data_set_flag(out, "io-buffer-size", IO_BUFFER);
	if (!*err)
		*err = gpgme_op_encrypt(ctx, recp, flags, in, out);
	if (!*err) {
		d = gcry_md_read(ho.md, GCRY_MD_SHA256);
		for (i = 0; i < 32; i++)
			sprintf(sha + 2 * i, "%02x", d[i]);
		sha[64] = '\0';
		*size = ho.count;
	}
	if (in)
		gpgme_data_release(in);
	if (out)
		gpgme_data_release(out);
	gcry_md_close(ho.md);
	return *err ? -1 : 0;
}

/*
 * The parent died (PR_SET_PDEATHSIG): take this helper's gpg with it.  GPGME
 * double-forks gpg, so it is no child of ours to wait for; it shares our
 * process group, which the helper leads (helper.c), and is killed with it
 * rather than left running with init as its parent (docs/recovery.md,
 * Interrupted commands).
 */
static void die_with_group(int sig)
{
	(void)sig;
	if (getpgrp() == getpid())
		kill(0, SIGKILL);
	_exit(1);
}

int cv_helper_serve(int sock, int fifo_fd, cv_helper_encrypt_fn enc, void *hook)
{
	struct cv_helper_req rq;
	struct cv_helper_rep rep;
	int fds[2], r;

	signal(SIGTERM, die_with_group);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	for (;;) {
		r = cv_helper_recv_req(sock, &rq, fds);
		if (r <= 0)
			return r;
		cv_crashpoint("helper-encrypt");  /* tests: a helper dies mid-filing */
		memset(&rep, 0, sizeof(rep));
		if (fifo_fd >= 0 && cv_fifo_put(fifo_fd, rq.key) < 0) {
			rep.status = CV_ERROR;
			snprintf(rep.msg, sizeof(rep.msg), "cannot hand an archive key to gpg: %s", strerror(errno));
		} else {
			rep.status = enc(hook, fifo_fd >= 0 ? NULL : rq.key, fds[0], fds[1], &rep.size, rep.sha,
					 rep.msg, sizeof(rep.msg));
		}
		if (fifo_fd >= 0)
			cv_fifo_drain(fifo_fd);
		explicit_bzero(&rq, sizeof(rq));
		/* close the pipe first: a writer blocked on it sees EPIPE, then reads the reply */
		close(fds[0]);
		close(fds[1]);
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
			return -1;
	}
}
