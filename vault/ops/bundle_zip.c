/*
 * casevault - the ZIP form's members made WinZip AE-2 after libarchive has
 * written them (docs/security.md, Subject access bundles; docs/legal-rules.md
 * §11).
 *
 * libarchive (3.6.2 and later) writes AE-1 for every AES member of 20 bytes
 * or more: the CRC-32 of the plaintext stays in the local header's data
 * descriptor and in the central directory, readable without the
 * passphrase, and a short text (a name in the letter) can be confirmed by
 * guessing against it.  It has no option to write AE-2.  AE-2 says "CRC
 * not used": the member's integrity is the AES HMAC-SHA1 over the
 * ciphertext, which every reader checks.  So, on the finished file (the ZIP
 * form's file is seekable: bundle_tmp.c), the central directory is walked
 * from the end-of-central-directory record (Zip64 too) and, for every
 * member, the CRC is set to 0 in the central header, the local header and
 * the data descriptor, and the 0x9901 extra field's vendor version to 2.
 * Anything unexpected refuses the bundle: a member that is not AES
 * (method 99 with a 0x9901 field) never goes out.
 *
 * The check read the bytes as they were written, from a pipe, going
 * through the local headers (bundle_check.c).  So here the central
 * directory, which readers such as 7-Zip use, must describe exactly those
 * members: each local header where the one before it ended, with the
 * central header's flags, method, time and name, the last ending where the
 * directory starts.  And one pass over the finished file gives its SHA-256
 * and that of the file with every changed byte put back, which must be
 * the check's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handle.h"
#include "crypto/seal.h"
#include "ops/bundle.h"

#define ZSIG_LOCAL   0x04034b50u
#define ZSIG_CENTRAL 0x02014b50u
#define ZSIG_DESC    0x08074b50u
#define ZSIG_EOCD    0x06054b50u
#define ZSIG_Z64LOC  0x07064b50u
#define ZSIG_Z64EOCD 0x06064b50u
#define ZIP_AES      99
#define ZEXTRA_AES   0x9901
#define ZEXTRA_Z64   0x0001
#define ZCD_MAX      ((uint64_t)1 << 30)  /* a central directory larger than this is not ours */

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* All n bytes at off, read (wr 0) or written (wr 1); -1 on any error or end of file. */
static int zio(int fd, void *buf, size_t n, uint64_t off, int wr)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = wr ? pwrite(fd, p, n, (off_t)off) : pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int zread(int fd, void *buf, size_t n, uint64_t off)
{
	return zio(fd, buf, n, off, 0);
}

static int zwrite(int fd, const void *buf, size_t n, uint64_t off)
{
	return zio(fd, (void *)buf, n, off, 1);
}

/* The data of extra field id within ext[0..len), or NULL; *dlen its length. */
static unsigned char *extra_find(unsigned char *ext, size_t len, uint16_t id, size_t *dlen)
{
	size_t p = 0;

	while (p + 4 <= len) {
		size_t n = le16(ext + p + 2);

		if (p + 4 + n > len)
			return NULL;
		if (le16(ext + p) == id) {
			*dlen = n;
			return ext + p + 4;
		}
		p += 4 + n;
	}
	return NULL;
}

/*
 * Every byte changed, with what it was: the file with them put back must be
 * exactly the bytes the check read (bundle_check.c), and the central
 * directory, which a streamed check never reads, must describe exactly the
 * members it read, one after the other.
 */
typedef struct {
	uint64_t off;
	unsigned char old[4];
	unsigned char len;
} zpatch;

typedef struct {
	int fd;
	zpatch *p;
	size_t n, cap;
	uint64_t next;          /* where the next member's local header must start */
} zctx;

/* Remember len bytes at off as they are in buf, then set them to 0 (or, for a version, 2). */
static int zset(zctx *z, uint64_t off, unsigned char *buf, size_t len, int version)
{
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 256;
		zpatch *np = realloc(z->p, cap * sizeof(*np));
		if (!np)
			return -1;
		z->p = np;
		z->cap = cap;
	}
	z->p[z->n].off = off;
	z->p[z->n].len = (unsigned char)len;
	memcpy(z->p[z->n].old, buf, len);
	z->n++;
	memset(buf, 0, len);
	if (version)
		buf[0] = 2;
	return 0;
}

/* The AES field (vendor version, "AE", strength, method) at base+ext: vendor version 2. */
static int aes_to_ae2(zctx *z, unsigned char *ext, size_t len, uint64_t base)
{
	size_t n = 0;
	unsigned char *a = extra_find(ext, len, ZEXTRA_AES, &n);

	if (!a || n != 7 || a[2] != 'A' || a[3] != 'E' || (le16(a) != 1 && le16(a) != 2))
		return -1;
	return zset(z, base + (uint64_t)(a - ext), a, 2, 1);
}

typedef struct {
	uint64_t cd_off, cd_size, count;
} zip_end;

/* The end-of-central-directory record, and the Zip64 one when it is there. */
static int find_end(int fd, uint64_t fsize, zip_end *z)
{
	unsigned char tail[22 + 65535], loc[20], e64[56];
	size_t len = fsize < sizeof(tail) ? (size_t)fsize : sizeof(tail);
	size_t i;
	uint64_t at;

	if (len < 22 || zread(fd, tail, len, fsize - len) < 0)
		return -1;
	for (i = len - 22 + 1; i-- > 0;)
		if (le32(tail + i) == ZSIG_EOCD && i + 22 + le16(tail + i + 20) == len)
			break;
	if (i == (size_t)-1)
		return -1;
	z->count = le16(tail + i + 10);
	z->cd_size = le32(tail + i + 12);
	z->cd_off = le32(tail + i + 16);
	at = fsize - len + i;
	if (at < 20 || zread(fd, loc, 20, at - 20) < 0 || le32(loc) != ZSIG_Z64LOC)
		return 0;
	if (zread(fd, e64, 56, le64(loc + 8)) < 0 || le32(e64) != ZSIG_Z64EOCD)
		return -1;
	z->count = le64(e64 + 32);
	z->cd_size = le64(e64 + 40);
	z->cd_off = le64(e64 + 48);
	return 0;
}

/* The data descriptor after a member's data (Zip64 when its local header has the field): no CRC; *end past it. */
static int patch_desc(zctx *z, uint64_t off, int z64, uint64_t csize, uint64_t limit, uint64_t *end)
{
	unsigned char d[24];
	size_t dlen = z64 ? 24 : 16;

	/* libarchive always signs its data descriptors: one without is not its own */
	if (off + dlen > limit || zread(z->fd, d, dlen, off) < 0 || le32(d) != ZSIG_DESC ||
	    (z64 ? le64(d + 8) : le32(d + 8)) != csize || zset(z, off + 4, d + 4, 4, 0) < 0)
		return -1;
	*end = off + dlen;
	return zwrite(z->fd, d + 4, 4, off + 4);
}

/*
 * One member's local header (and data descriptor): no CRC, AE-2.  It must
 * follow the one before it and agree with its central header c (flags,
 * method, time, date, name).
 */
static int patch_local(zctx *z, const unsigned char *c, uint64_t off, uint64_t csize, uint64_t limit)
{
	unsigned char h[30], ext[65535], name[65535];
	size_t zl = 0;
	uint64_t nlen, xlen, end;

	if (off != z->next || zread(z->fd, h, 30, off) < 0 || le32(h) != ZSIG_LOCAL || le16(h + 8) != ZIP_AES ||
	    memcmp(h + 6, c + 8, 8) || le16(h + 26) != le16(c + 28))
		return -1;
	nlen = le16(h + 26);
	xlen = le16(h + 28);
	end = off + 30 + nlen + xlen + csize;
	if (end > limit || zread(z->fd, name, (size_t)nlen, off + 30) < 0 || memcmp(name, c + 46, (size_t)nlen) ||
	    zread(z->fd, ext, (size_t)xlen, off + 30 + nlen) < 0 || aes_to_ae2(z, ext, (size_t)xlen, off + 30 + nlen) < 0 ||
	    zset(z, off + 14, h + 14, 4, 0) < 0)
		return -1;
	if (zwrite(z->fd, h, 30, off) < 0 || zwrite(z->fd, ext, (size_t)xlen, off + 30 + nlen) < 0)
		return -1;
	if ((le16(h + 6) & 8) && patch_desc(z, end, extra_find(ext, (size_t)xlen, ZEXTRA_Z64, &zl) != NULL, csize, limit, &end) < 0)
		return -1;
	z->next = end;
	return 0;
}

/* One central header at cd[p]: no CRC, AE-2, then its local header; *next past it. */
static int patch_member(zctx *zc, unsigned char *cd, size_t size, size_t p, uint64_t cd_off, size_t *next)
{
	unsigned char *h = cd + p, *ext, *z;
	size_t nlen, xlen, clen, zlen = 0, k = 0;
	uint64_t csize, usize, loff;

	if (p + 46 > size || le32(h) != ZSIG_CENTRAL || le16(h + 10) != ZIP_AES)
		return -1;
	nlen = le16(h + 28);
	xlen = le16(h + 30);
	clen = le16(h + 32);
	if (p + 46 + nlen + xlen + clen > size)
		return -1;
	ext = h + 46 + nlen;
	if (aes_to_ae2(zc, ext, xlen, cd_off + p + 46 + nlen) < 0 || zset(zc, cd_off + p + 16, h + 16, 4, 0) < 0)
		return -1;
	usize = le32(h + 24);
	csize = le32(h + 20);
	loff = le32(h + 42);
	/* Zip64: each field present in the order of the spec when its 32-bit one is full */
	z = extra_find(ext, xlen, ZEXTRA_Z64, &zlen);
	if (usize == 0xffffffffu)
		k += 8;
	if (csize == 0xffffffffu) {
		if (!z || k + 8 > zlen)
			return -1;
		csize = le64(z + k);
		k += 8;
	}
	if (loff == 0xffffffffu) {
		if (!z || k + 8 > zlen)
			return -1;
		loff = le64(z + k);
	}
	*next = p + 46 + nlen + xlen + clen;
	return patch_local(zc, h, loff, csize, cd_off);
}

static int patch_all(zctx *zc, uint64_t fsize)
{
	zip_end z;
	unsigned char *cd;
	size_t p = 0;
	uint64_t i;
	int r = -1;

	if (find_end(zc->fd, fsize, &z) < 0 || z.cd_size > ZCD_MAX || z.cd_off + z.cd_size > fsize || !z.count)
		return -1;
	if (!(cd = malloc(z.cd_size ? (size_t)z.cd_size : 1)))
		return -1;
	if (zread(zc->fd, cd, (size_t)z.cd_size, z.cd_off) < 0)
		goto out;
	for (i = 0; i < z.count; i++)
		if (patch_member(zc, cd, (size_t)z.cd_size, p, z.cd_off, &p) < 0)
			goto out;
	/* the members end where the central directory starts: nothing between or hidden */
	if (p == z.cd_size && zc->next == z.cd_off && zwrite(zc->fd, cd, (size_t)z.cd_size, z.cd_off) == 0)
		r = 0;
out:
	free(cd);
	return r;
}

static int cmp_patch(const void *x, const void *y)
{
	const zpatch *a = x, *b = y;

	return a->off < b->off ? -1 : a->off > b->off;
}

/* Put the old bytes back into buf (the file's bytes from off); *k: the first patch not yet wholly before it. */
static void unpatch(const zctx *z, size_t *k, unsigned char *buf, uint64_t off, size_t n)
{
	size_t i, j;

	for (i = *k; i < z->n && z->p[i].off < off + n; i++)
		for (j = 0; j < z->p[i].len; j++)
			if (z->p[i].off + j >= off && z->p[i].off + j < off + n)
				buf[z->p[i].off + j - off] = z->p[i].old[j];
	while (*k < z->n && z->p[*k].off + z->p[*k].len <= off + n)
		(*k)++;
}

/* One pass over the file: the SHA-256 of what goes out, and of it with the old bytes put back. */
static int hash_both(const zctx *z, char sha[65], char before[65], int64_t *size)
{
	cv_sha256 *h1 = cv_sha256_new(), *h2 = cv_sha256_new();
	unsigned char *buf = malloc(1 << 20);
	uint64_t off = 0;
	size_t k = 0;
	ssize_t n = 0;

	while (h1 && h2 && buf && (n = pread(z->fd, buf, 1 << 20, (off_t)off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		cv_sha256_write(h1, buf, (size_t)n);
		unpatch(z, &k, buf, off, (size_t)n);
		cv_sha256_write(h2, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (h1 && h2 && buf && n == 0) {
		cv_sha256_final(h1, sha);
		cv_sha256_final(h2, before);
		*size = (int64_t)off;
	}
	cv_sha256_free(h1);
	cv_sha256_free(h2);
	free(buf);
	return n == 0 && *size >= 0 ? 0 : -1;
}

int cv_bundle_zip_ae2(cv_vault *v, int fd, const char *checked_sha, int64_t checked_size, char sha[65])
{
	zctx z = { .fd = fd };
	struct stat sb;
	char before[65] = "";
	int64_t size = -1;
	int r = 0;

	if (fstat(fd, &sb) < 0 || patch_all(&z, (uint64_t)sb.st_size) < 0)
		r = cv_error(v, CV_ERROR, "cannot mark the bundle's members AES AE-2 (no CRC): the ZIP libarchive wrote is not as expected; nothing was written");
	else if (qsort(z.p, z.n, sizeof(*z.p), cmp_patch), hash_both(&z, sha, before, &size) < 0)
		r = cv_error(v, CV_ERROR, "cannot hash the bundle: %s", strerror(errno));
	/* what goes out is what was checked, but for the CRCs and versions set here */
	else if (size != checked_size || strcmp(before, checked_sha))
		r = cv_error(v, CV_ERROR, "the bundle file is not the bytes its check read (%lld of %lld bytes); nothing was written",
			     (long long)size, (long long)checked_size);
	free(z.p);
	return r;
}
