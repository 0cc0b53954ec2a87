/*
 * casevault - archive files: the pax container (libarchive) streamed
 * through a pipe into the OpenPGP encryption of crypto/stream.c (or an
 * encryption helper) and back; see archive.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "base/handle.h"
#include "base/util.h"
#include "crypto/helper.h"
#include "crypto/seal.h"
#include "crypto/stream.h"
#include "store/archive.h"
#include "store/objects.h"

#define CHUNK (256 * 1024)

static void block_sigpipe(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* ---- writing ---- */

struct wjob {
	int pipefd;
	int compress;
	cv_member_in *m;
	size_t n;
	cv_manifest_fn mf;
	void *hook;
	int err;               /* 0 or CV_E* */
	char msg[256];
};

static int add_entry(struct archive *a, const char *name, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return -1;
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : -1;
}

/*
 * Padding (docs/architecture.md, Sizes).  An archive often holds one
 * document, so its length would give away about how big that document is.
 * The stream handed to gpg is therefore padded to a Padmé length (Nikitin
 * et al., PETS 2019: at most about 12 % more, and only O(log log n) bits of
 * the length left), and never less than PAD_MIN, below which every archive
 * is as long: most notes and letters.  gpg adds no compression and an
 * overhead that depends only on the length of what it encrypts, so every
 * archive whose stream falls in one bucket has one ciphertext length.  The
 * padding goes after the end of the stream where stock tools skip it
 * (docs/recovery.md): a zstd skippable frame after a compressed stream
 * (libzstd and the zstd program skip such frames), and zero blocks after
 * an uncompressed tar's end-of-archive marker (tar's own record padding).
 * Its bytes are zeros: the OpenPGP encryption hides them like the rest.
 */
#define PAD_MIN 8192
#define SKIPPABLE_MAGIC 0x184D2A50u             /* zstd format, section 3.1.2 */
#define SKIPPABLE_HEADER 8
#define SKIPPABLE_MAX ((int64_t)1 << 30)        /* one frame's body, well under 4 GiB */

int64_t cv_archive_padded_size(int64_t len)
{
	int e, s;
	int64_t mask;

	if (len <= PAD_MIN)
		return PAD_MIN;
	e = 63 - __builtin_clzll((unsigned long long)len);   /* floor(log2 len) */
	s = 32 - __builtin_clz((unsigned)e);                 /* floor(log2 e) + 1 */
	mask = ((int64_t)1 << (e - s)) - 1;
	return (len + mask) & ~mask;
}

/* libarchive's output, counted: the padding needs the stream's length. */
struct counted {
	int fd;
	int64_t bytes;
};

static la_ssize_t counted_write(struct archive *a, void *hook, const void *buf, size_t len)
{
	struct counted *c = hook;

	if (cv_write_all(c->fd, buf, len) < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	c->bytes += (int64_t)len;
	return (la_ssize_t)len;
}

/* pad bytes of zeros, from buf (CHUNK zero bytes). */
static int write_zeros(int fd, const unsigned char *buf, int64_t pad)
{
	while (pad > 0) {
		size_t n = pad < CHUNK ? (size_t)pad : CHUNK;

		if (cv_write_all(fd, buf, n) < 0)
			return -1;
		pad -= (int64_t)n;
	}
	return 0;
}

/* Pad the stream of len bytes to its bucket (see above); buf is CHUNK bytes of scratch. */
static int pad_stream(int fd, int compressed, int64_t len, unsigned char *buf)
{
	int64_t pad = cv_archive_padded_size(len + SKIPPABLE_HEADER) - len;

	memset(buf, 0, CHUNK);
	if (!compressed)
		return write_zeros(fd, buf, pad);
	while (pad > 0) {
		int64_t body = pad - SKIPPABLE_HEADER;
		unsigned char h[SKIPPABLE_HEADER];
		int i;

		if (body > SKIPPABLE_MAX)  /* never leave less than a frame's header */
			body = pad - SKIPPABLE_HEADER - SKIPPABLE_MAX >= SKIPPABLE_HEADER ? SKIPPABLE_MAX : SKIPPABLE_MAX - SKIPPABLE_HEADER;
		for (i = 0; i < 4; i++) {  /* little-endian magic, then body length */
			h[i] = (unsigned char)(SKIPPABLE_MAGIC >> (8 * i));
			h[4 + i] = (unsigned char)((uint64_t)body >> (8 * i));
		}
		if (cv_write_all(fd, h, sizeof(h)) < 0 || write_zeros(fd, buf, body) < 0)
			return -1;
		pad -= SKIPPABLE_HEADER + body;
	}
	return 0;
}

static struct archive *open_stream(struct wjob *j, struct counted *out)
{
	struct archive *a = archive_write_new();

	if (!a)
		return NULL;
	archive_write_set_format_pax_restricted(a);
	if (j->compress) {
		archive_write_add_filter_zstd(a);
		archive_write_set_filter_option(a, "zstd", "compression-level", "1");
	} else {
		archive_write_add_filter_none(a);
	}
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open2(a, out, NULL, counted_write, NULL, NULL) != ARCHIVE_OK) {
		snprintf(j->msg, sizeof(j->msg), "cannot write the archive stream: %s",
			 archive_error_string(a) ? archive_error_string(a) : "unknown error");
		archive_write_free(a);
		return NULL;
	}
	return a;
}

static void *writer(void *arg)
{
	struct wjob *j = arg;
	struct counted out = { j->pipefd, 0 };
	struct archive *a = NULL;
	unsigned char *buf = malloc(CHUNK);
	char *json = NULL;
	cv_sha256 *md = NULL;
	size_t i;

	block_sigpipe();
	if (!buf || !(a = open_stream(j, &out))) {
		j->err = CV_ERROR;
		if (!j->msg[0])
			snprintf(j->msg, sizeof(j->msg), "out of memory");
		goto out;
	}
	for (i = 0; i < j->n; i++) {
		cv_member_in *m = &j->m[i];
		int64_t total = 0;
		ssize_t got;

		if (add_entry(a, m->name, m->size) < 0)
			goto aerr;
		/* one context for every member: each libgcrypt open polls the random pool */
		if (md)
			cv_sha256_reset(md);
		else if (!(md = cv_sha256_new())) {
			j->err = CV_ERROR;
			snprintf(j->msg, sizeof(j->msg), "cannot start SHA-256");
			goto out;
		}
		if (lseek(m->fd, 0, SEEK_SET) < 0)
			goto ioerr;
		while ((got = read(m->fd, buf, CHUNK)) > 0) {
			if (total + got > m->size)
				break;
			cv_sha256_write(md, buf, (size_t)got);
			if (archive_write_data(a, buf, (size_t)got) != got)
				goto aerr;
			total += got;
		}
		if (got < 0)
			goto ioerr;
		if (total != m->size) {
			j->err = CV_EINVAL;
			snprintf(j->msg, sizeof(j->msg), "a file changed size while it was being filed; file it again");
			goto out;
		}
		cv_sha256_final(md, m->sha256);
		cv_crashpoint("archive-member");
	}
	if (j->mf(j->hook, j->m, j->n, &json) < 0) {
		j->err = CV_ERROR;
		snprintf(j->msg, sizeof(j->msg), "cannot build the archive manifest");
		goto out;
	}
	if (add_entry(a, "manifest.json", (int64_t)strlen(json)) < 0 ||
	    archive_write_data(a, json, strlen(json)) != (ssize_t)strlen(json))
		goto aerr;
	if (archive_write_close(a) != ARCHIVE_OK)
		goto aerr;
	if (pad_stream(j->pipefd, j->compress, out.bytes, buf) < 0) {
		j->err = CV_ERROR;
		snprintf(j->msg, sizeof(j->msg), "cannot write the archive stream: %s", strerror(errno));
	}
	goto out;
ioerr:
	j->err = CV_ERROR;
	snprintf(j->msg, sizeof(j->msg), "cannot read a document: %s", strerror(errno));
	goto out;
aerr:
	j->err = CV_ERROR;
	snprintf(j->msg, sizeof(j->msg), "cannot write the archive stream: %s",
		 archive_error_string(a) ? archive_error_string(a) : "unknown error");
out:
	cv_sha256_free(md);
	if (a)
		archive_write_free(a);
	if (json) {
		explicit_bzero(json, strlen(json));
		free(json);
	}
	if (buf) {
		explicit_bzero(buf, CHUNK);
		free(buf);
	}
	close(j->pipefd);
	return NULL;
}

/*
 * With an encryption helper (v->helper, see helper.c) this thread writes the
 * pax stream into a pipe and the helper runs gpg; without one a writer
 * thread fills the pipe while this thread runs gpg.
 */
int cv_archive_write(cv_vault *v, const char *name, const char *key_hex, int compress,
		     cv_member_in *m, size_t n, cv_manifest_fn mf, void *hook,
		     int64_t *out_size, char out_sha[65])
{
	struct wjob job;
	pthread_t th;
	int fd, p[2] = { -1, -1 }, r;

	memset(&job, 0, sizeof(job));
	job.compress = compress;
	job.m = m;
	job.n = n;
	job.mf = mf;
	job.hook = hook;
	if ((r = v->objects->create(v->objects, v, name, &fd)) < 0)
		return r;
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = cv_error(v, CV_ERROR, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	job.pipefd = p[1];
	if (v->helper) {
		sigset_t set, old;

		if ((r = cv_helper_encrypt_begin(v, v->helper, key_hex, p[0], fd)) < 0)
			goto out;
		close(p[0]);
		p[0] = -1;
		p[1] = -1;  /* the writer closes it */
		/* a helper that fails stops reading: EPIPE, not SIGPIPE */
		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &set, &old);
		writer(&job);
		if (sigismember(&old, SIGPIPE) == 0) {
			struct timespec zero = { 0, 0 };
			sigset_t pend;

			sigpending(&pend);
			if (sigismember(&pend, SIGPIPE))
				sigtimedwait(&set, NULL, &zero);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
		}
		/* a helper's failure makes the writer fail too: report the cause */
		if ((r = cv_helper_encrypt_end(v, v->helper, out_size, out_sha)) < 0)
			goto out;
		if (job.err) {
			r = cv_error(v, job.err, "%s", job.msg);
			goto out;
		}
	} else {
		if (pthread_create(&th, NULL, writer, &job) != 0) {
			r = cv_error(v, CV_ERROR, "cannot start the archive writer");
			goto out;
		}
		p[1] = -1;  /* the writer closes it */
		r = cv_archive_encrypt_stream(v, key_hex, p[0], fd, out_size, out_sha);
		/* Unblock the writer whatever happened, then wait for it. */
		close(p[0]);
		p[0] = -1;
		pthread_join(th, NULL);
		if (job.err) {
			r = cv_error(v, job.err, "%s", job.msg);
			goto out;
		}
		if (r < 0)
			goto out;
	}
	if (fsync(fd) < 0) {
		r = cv_error(v, CV_ERROR, "cannot sync an archive file: %s%s", strerror(errno), cv_disk_hint(errno));
		goto out;
	}
	r = 0;
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	close(fd);
	if (r < 0)
		v->objects->discard(v->objects, v, name);
	return r;
}

/* ---- reading ---- */

struct rjob {
	int pipefd;
	cv_archive_reader *rd;
	int err;
	char msg[256];
};

static void drain(int fd)
{
	char buf[8192];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/*
 * The plaintext stream's members to rd.  Split from the decrypting reader
 * so that the tar and zstd reading of what a key opens is exercised alone
 * (tests/fuzz/fuzz_archive.c; docs/fuzzing.md).
 */
int cv_archive_read_stream(int fd, cv_archive_reader *rd, char *msg, size_t msglen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, err = 0;

	if (!a) {
		err = CV_ERROR;
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, CHUNK) != ARCHIVE_OK)
		goto aerr;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		int want;

		if (archive_entry_filetype(e) != AE_IFREG || !name) {
			err = CV_ECORRUPT;
			snprintf(msg, msglen, "an archive holds an unexpected member");
			goto out;
		}
		want = rd->entry(rd->hook, name, archive_entry_size(e));
		if (want < 0) {
			err = want;
			snprintf(msg, msglen, "stopped reading an archive");
			goto out;
		}
		if (want) {
			const void *buf;
			size_t size;
			la_int64_t off;

			while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
				if (size && rd->data(rd->hook, buf, size) < 0) {
					err = CV_ERROR;
					snprintf(msg, msglen, "cannot write a record out: %s", strerror(errno));
					goto out;
				}
			if (r != ARCHIVE_EOF)
				goto aerr;
			if (rd->end && (want = rd->end(rd->hook, name)) < 0) {
				err = CV_ERROR;
				snprintf(msg, msglen, "cannot finish a record");
				goto out;
			}
			/* the rest is drained, not unpacked: gpg still decrypts and checks it all */
			if (want == 1)
				goto out;
		} else {
			archive_read_data_skip(a);
		}
	}
	if (r != ARCHIVE_EOF)
		goto aerr;
	goto out;
aerr:
	err = CV_ECORRUPT;
	snprintf(msg, msglen, "an archive's contents are damaged: %s",
		 archive_error_string(a) ? archive_error_string(a) : "unknown error");
out:
	drain(fd);  /* never leave gpg blocked on a full pipe */
	if (a)
		archive_read_free(a);
	return err;
}

static void *reader(void *arg)
{
	struct rjob *j = arg;

	j->err = cv_archive_read_stream(j->pipefd, j->rd, j->msg, sizeof(j->msg));
	close(j->pipefd);
	return NULL;
}

int cv_archive_read(cv_vault *v, const char *name, const char *key_hex,
		    cv_archive_reader *rd, char out_sha[65])
{
	struct rjob job;
	pthread_t th;
	int fd, p[2] = { -1, -1 }, r;

	memset(&job, 0, sizeof(job));
	if ((r = v->objects->open(v->objects, v, name, &fd)) < 0)
		return r;
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = cv_error(v, CV_ERROR, "cannot make a pipe: %s", strerror(errno));
		close(fd);
		return r;
	}
	job.pipefd = p[0];
	job.rd = rd;
	if (pthread_create(&th, NULL, reader, &job) != 0) {
		r = cv_error(v, CV_ERROR, "cannot start the archive reader");
		close(p[0]);
		close(p[1]);
		close(fd);
		return r;
	}
	r = cv_archive_decrypt_stream(v, key_hex, fd, p[1], out_sha);
	/* the reader sees the end of the stream, whatever happened, and ends */
	close(p[1]);
	pthread_join(th, NULL);
	close(fd);
	if (r == 0 && job.err)
		r = cv_error(v, job.err, "%s", job.msg);
	return r;
}

/* ---- the files, through the backend ---- */

int cv_archive_publish(cv_vault *v, const char *name)
{
	return v->objects->publish(v->objects, v, name);
}

int cv_archive_discard(cv_vault *v, const char *name)
{
	return v->objects->discard(v->objects, v, name);
}

int cv_archive_shred(cv_vault *v, const char *name)
{
	return v->objects->shred(v->objects, v, name);
}

int cv_archive_sync(cv_vault *v)
{
	return v->objects->sync(v->objects, v);
}

int cv_archive_list(cv_vault *v, int (*fn)(void *hook, const char *name), void *hook)
{
	return v->objects->list(v->objects, v, fn, hook);
}

int cv_archive_sha256(cv_vault *v, const char *name, char out[65], int64_t *size)
{
	int fd, r;

	if ((r = v->objects->open(v->objects, v, name, &fd)) < 0)
		return r;
	return cv_fd_sha256_close(v, fd, out, size);
}

int cv_archive_sweep_tmp(cv_vault *v, int *n)
{
	*n = 0;
	if (!v->objects || !v->objects->sweep)
		return 0;
	return v->objects->sweep(v->objects, v, n);
}
