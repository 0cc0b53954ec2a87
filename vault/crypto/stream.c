/*
 * casevault - symmetric OpenPGP encryption and decryption of a byte stream
 * under an archive key (GPGME), hashing the ciphertext as it passes so that
 * the index can record and later check it; see stream.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gcrypt.h>

#include "base/handle.h"
#include "base/hex.h"
#include "crypto/gpg.h"
#include "crypto/helper_serve.h"
#include "crypto/seal.h"
#include "crypto/stream.h"

#define CHUNK (256 * 1024)
#define IO_BUFFER "262144"

struct hashfd {
	int fd;
	gcry_md_hd_t md;
	int64_t count;
};

static ssize_t hashfd_read(void *h, void *buf, size_t len)
{
	struct hashfd *o = h;
	ssize_t r;

	do
		r = read(o->fd, buf, len);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		if (o->md)
			gcry_md_write(o->md, buf, (size_t)r);
		o->count += r;
	}
	return r;
}

int cv_archive_encrypt_stream(cv_vault *v, const char *key_hex, int in_fd, int out_fd,
			      int64_t *out_size, char out_sha[65])
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t err;
	int r;

	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	if (key_hex)
		cv_gpg_use_secret(ctx, key_hex);
	r = cv_encrypt_hashed(ctx, NULL, GPGME_ENCRYPT_SYMMETRIC | GPGME_ENCRYPT_NO_COMPRESS,
			      in_fd, out_fd, out_size, out_sha, &err) < 0
		? cv_gpg_err(v, err, "cannot encrypt an archive") : 0;
	gpgme_release(ctx);
	return r;
}

/* gpg's error for a damaged or wrongly keyed archive reads as damage, not a failure to run. */
static int decrypt_err(cv_vault *v, gpgme_error_t err)
{
	int r = cv_gpg_err(v, err, "cannot decrypt an archive");

	return r == CV_ERROR ? CV_ECORRUPT : r;
}

int cv_archive_decrypt_stream(cv_vault *v, const char *key_hex, int in_fd, int out_fd,
			      char out_sha[65])
{
	struct gpgme_data_cbs cbs = { hashfd_read, NULL, NULL, NULL };
	struct hashfd hi = { in_fd, NULL, 0 };
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t err = 0;
	int r;

	/*
	 * The ciphertext's hash only when the caller wants it: a 'get' has
	 * checked the whole file against the index before (ops/record.c), and
	 * hashing the archive a second time was a sixth of its instructions
	 * (docs/service.md, Speed).
	 */
	if (out_sha && gcry_md_open(&hi.md, GCRY_MD_SHA256, 0))
		return cv_error(v, CV_ERROR, "cannot start SHA-256");
	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0) {
		gcry_md_close(hi.md);
		return r;
	}
	cv_gpg_use_secret(ctx, key_hex);
	err = gpgme_data_new_from_cbs(&in, &cbs, &hi);
	if (!err)
		err = gpgme_data_new_from_fd(&out, out_fd);
	if (!err)
		gpgme_data_set_flag(in, "io-buffer-size", IO_BUFFER);
	if (!err)
		gpgme_data_set_flag(out, "io-buffer-size", IO_BUFFER);
	if (!err)
		err = gpgme_op_decrypt(ctx, in, out);
	r = err ? decrypt_err(v, err) : 0;
	if (r == 0 && out_sha)
		cv_hex_encode(gcry_md_read(hi.md, GCRY_MD_SHA256), 32, out_sha);
	gpgme_data_release(in);
	gpgme_data_release(out);
	gpgme_release(ctx);
	gcry_md_close(hi.md);
	return r;
}

int cv_fd_sha256(int fd, char out[65], int64_t *size)
{
	unsigned char *buf;
	gcry_md_hd_t md;
	int64_t total = 0;
	ssize_t n;

	buf = malloc(CHUNK);
	if (!buf || gcry_md_open(&md, GCRY_MD_SHA256, 0)) {
		free(buf);
		errno = ENOMEM;
		return -1;
	}
	while ((n = read(fd, buf, CHUNK)) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		gcry_md_write(md, buf, (size_t)n);
		total += n;
	}
	free(buf);
	if (n < 0) {
		int e = errno;

		gcry_md_close(md);
		errno = e;
		return -1;
	}
	cv_hex_encode(gcry_md_read(md, GCRY_MD_SHA256), 32, out);
	gcry_md_close(md);
	if (size)
		*size = total;
	return 0;
}

int cv_fd_sha256_close(cv_vault *v, int fd, char out[65], int64_t *size)
{
	int r = cv_fd_sha256(fd, out, size), e = errno;

	close(fd);
	if (r < 0)
		return cv_error(v, CV_ERROR, "cannot read an archive file: %s", strerror(e));
	return 0;
}

int cv_file_sha256(cv_vault *v, const char *path, char out[65], int64_t *size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return cv_error(v, errno == ENOENT ? CV_ENOTFOUND : CV_ERROR, "cannot open an archive file: %s", strerror(errno));
	return cv_fd_sha256_close(v, fd, out, size);
}
