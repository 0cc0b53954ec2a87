/*
 * Unit tests for vault/ops/bundle_zip.c: the ZIP form's members made AE-2
 * on a file libarchive wrote as the bundle does, and the proof that the
 * file is the bytes the check read (docs/security.md, Subject access
 * bundles): a wrong hash, a wrong size or a central directory that does
 * not describe the members refuses it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "crypto/seal.h"
#include "ops/bundle.h"

typedef struct {
	int fd;
	cv_sha256 *md;
	int64_t n;
} sink;

static la_ssize_t sink_write(struct archive *a, void *hook, const void *buf, size_t len)
{
	sink *s = hook;

	(void)a;
	assert_int_equal(write(s->fd, buf, len), (ssize_t)len);
	cv_sha256_write(s->md, buf, len);
	s->n += (int64_t)len;
	return (la_ssize_t)len;
}

static void add(struct archive *w, const char *name, const char *text, int deflate)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(text));
	if (deflate)
		archive_write_zip_set_compression_deflate(w);
	else
		archive_write_zip_set_compression_store(w);
	assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(w, text, strlen(text)), (la_ssize_t)strlen(text));
	archive_entry_free(e);
}

/* An AES-256 ZIP of three members, written as bundle_write.c writes it; sha and n: of its bytes. */
static int make_zip(char sha[65], int64_t *n)
{
	char path[] = "/tmp/cvzip.XXXXXX";
	sink s = { mkstemp(path), cv_sha256_new(), 0 };
	struct archive *w = archive_write_new();

	assert_true(s.fd >= 0 && s.md);
	unlink(path);
	assert_int_equal(archive_write_set_format_zip(w), ARCHIVE_OK);
	assert_int_equal(archive_write_set_options(w, "zip:encryption=aes256"), ARCHIVE_OK);
	assert_int_equal(archive_write_set_passphrase(w, "unit-test-passphrase"), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_per_block(w, 0), ARCHIVE_OK);
	assert_int_equal(archive_write_open(w, &s, NULL, sink_write, NULL), ARCHIVE_OK);
	add(w, "letter.txt", "Dear Alex Example, here are the documents you asked for.", 1);
	add(w, "001.txt", "short", 0);
	add(w, "002.txt", "A note of a meeting about the annual review, stored as it is.", 0);
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
	cv_sha256_final(s.md, sha);
	cv_sha256_free(s.md);
	*n = s.n;
	return s.fd;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned char *slurp(int fd, size_t *n)
{
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char *p = malloc((size_t)end);

	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)end, 0), (ssize_t)end);
	*n = (size_t)end;
	return p;
}

/* Every central header: CRC 0 and an AES field of vendor version 2; returns how many. */
static int count_ae2(const unsigned char *z, size_t n)
{
	size_t i;
	int members = 0;

	for (i = 0; i + 46 <= n; i++) {
		size_t nl, xl, j;

		if (le32(z + i) != 0x02014b50u)
			continue;
		assert_int_equal(le32(z + i + 16), 0);
		nl = z[i + 28] | z[i + 29] << 8;
		xl = z[i + 30] | z[i + 31] << 8;
		for (j = i + 46 + nl; j + 4 <= i + 46 + nl + xl; j += 4 + (z[j + 2] | z[j + 3] << 8))
			if (z[j] == 0x01 && z[j + 1] == 0x99)
				assert_int_equal(z[j + 4], 2);
		members++;
	}
	return members;
}

static void test_ae2_of_the_checked_bytes(void **state)
{
	char sha[65], out[65], again[65];
	int64_t n;
	int fd = make_zip(sha, &n);
	size_t len;
	unsigned char *z;

	(void)state;
	assert_int_equal(cv_bundle_zip_ae2(NULL, fd, sha, n, out), 0);
	z = slurp(fd, &len);
	assert_int_equal(count_ae2(z, len), 3);
	/* the SHA-256 given back is the file's as it now is, not the check's */
	assert_int_equal(cv_sha256_hex(z, len, again), 0);
	assert_string_equal(out, again);
	assert_string_not_equal(out, sha);
	free(z);
	close(fd);
}

static void test_other_bytes_refused(void **state)
{
	char sha[65], out[65];
	int64_t n;
	int fd = make_zip(sha, &n);

	(void)state;
	sha[0] = sha[0] == '0' ? '1' : '0';
	assert_int_not_equal(cv_bundle_zip_ae2(NULL, fd, sha, n, out), 0);
	close(fd);
	fd = make_zip(sha, &n);
	assert_int_not_equal(cv_bundle_zip_ae2(NULL, fd, sha, n - 1, out), 0);
	close(fd);
}

/*
 * A central directory naming a member otherwise than its local header (7-Zip
 * would list a name the check never saw) is refused, even when the file is
 * the bytes the check read: the streamed check never reads that directory.
 */
static void test_central_directory_must_describe_the_members(void **state)
{
	char sha[65], out[65];
	int64_t n;
	int fd = make_zip(sha, &n);
	size_t len, i;
	unsigned char *z = slurp(fd, &len);

	(void)state;
	for (i = len - 22; i > 0 && le32(z + i) != 0x02014b50u; i--)
		;
	assert_true(i > 0);
	/* the last central header's name: 002.txt becomes 003.txt */
	assert_memory_equal(z + i + 46, "002.txt", 7);
	z[i + 48] = '3';
	assert_int_equal(pwrite(fd, z + i + 48, 1, (off_t)(i + 48)), 1);
	/* as if libarchive had written it so: the check read these very bytes */
	assert_int_equal(cv_sha256_hex(z, len, sha), 0);
	free(z);
	assert_int_not_equal(cv_bundle_zip_ae2(NULL, fd, sha, n, out), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ae2_of_the_checked_bytes),
		cmocka_unit_test(test_other_bytes_refused),
		cmocka_unit_test(test_central_directory_must_describe_the_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
