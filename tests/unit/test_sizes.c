/*
 * Unit tests of what the index and the archive files show of a document
 * (docs/architecture.md, Sealed columns, Sizes): the Padmé length an
 * archive's stream is padded to, and the duplicate index's blind value
 * (its standard building blocks are checked against openssl by
 * tests/cli/t_blind.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "casevault/vault.h"
#include "crypto/blind.h"
#include "store/archive.h"

static void test_padme_known(void **state)
{
	(void)state;
	/* the floor: every stream up to 8 KiB */
	assert_int_equal(cv_archive_padded_size(1), 8192);
	assert_int_equal(cv_archive_padded_size(8192), 8192);
	/* E = 13, S = 4: multiples of 2^9 */
	assert_int_equal(cv_archive_padded_size(8193), 8704);
	/* E = 16, S = 5: multiples of 2^11 */
	assert_int_equal(cv_archive_padded_size(100000), 100352);
	assert_int_equal(cv_archive_padded_size(1 << 20), 1 << 20);
	/* E = 20, S = 5: multiples of 2^15 */
	assert_int_equal(cv_archive_padded_size((1 << 20) + 1), (1 << 20) + (1 << 15));
	/* E = 40, S = 6: multiples of 2^34 */
	assert_true(cv_archive_padded_size(((int64_t)1 << 40) + 1) == ((int64_t)1 << 40) + ((int64_t)1 << 34));
}

/* Never shorter, at most 1/16 more above the floor, monotone, a fixed point, few lengths. */
static void test_padme_bounds(void **state)
{
	int64_t len, prev = 0, p, buckets = 0, last = 0;

	(void)state;
	for (len = 8193; len < ((int64_t)1 << 24); len += 1 + len / 4099) {
		p = cv_archive_padded_size(len);
		assert_true(p >= len);
		assert_true(p - len <= len / 16);
		assert_true(p >= prev);
		assert_true(cv_archive_padded_size(p) == p);
		assert_true(p % 512 == 0);  /* whole tar blocks when the stream is uncompressed */
		prev = p;
	}
	for (len = 65536; len <= 131072; len++) {
		p = cv_archive_padded_size(len);
		if (p != last)
			buckets++;
		last = p;
	}
	assert_true(buckets <= 33);  /* 64 to 128 KiB: 32 lengths (and 128 KiB itself) */
}

static void test_blind_value(void **state)
{
	static const char sha[] = "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e";
	unsigned char master[32], other[32];
	char a[65], b[65];
	int i;

	(void)state;
	for (i = 0; i < 32; i++) {
		master[i] = (unsigned char)i;
		other[i] = (unsigned char)(i + 1);
	}
	assert_int_equal(cv_blind_value(master, "case", 1, "C-2026-0001", sha, a), 0);
	assert_int_equal((int)strlen(a), CV_BLIND_HEX);
	assert_int_equal(cv_blind_value(master, "case", 1, "C-2026-0001", sha, b), 0);
	assert_string_equal(a, b);  /* a function of its inputs: the index can be searched */
	assert_int_equal(cv_blind_value(master, "case", 1, "C-2026-0002", sha, b), 0);
	assert_string_not_equal(a, b);  /* siblings' cases are not linked */
	assert_int_equal(cv_blind_value(master, "cp", 1, "C-2026-0001", sha, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(cv_blind_value(master, "case", 2, "C-2026-0001", sha, b), 0);
	assert_string_not_equal(a, b);  /* a rotation changes every value */
	assert_int_equal(cv_blind_value(other, "case", 1, "C-2026-0001", sha, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(cv_blind_value(master, "case", 1, "C-2026-0001", "a591", b), -2);
	assert_int_equal(cv_blind_value(master, "case", 1, "C-2026-0001", NULL, b), -2);
}

/* The cache gives the uncached value, and follows a new key, section or generation at once. */
static void test_blind_cached(void **state)
{
	static const char sha[] = "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e";
	unsigned char master[32];
	cv_blind_cache *c = cv_blind_cache_new();
	char want[65], got[65];
	int i, gen;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 32; i++)
		master[i] = (unsigned char)(i * 7);
	for (gen = 1; gen <= 2; gen++)
		for (i = 0; i < 3; i++) {
			const char *cid = i == 1 ? "C-2026-0002" : "C-2026-0001";

			assert_int_equal(cv_blind_value(master, "case", gen, cid, sha, want), 0);
			assert_int_equal(cv_blind_cached(c, 0, master, "case", gen, cid, sha, got), 0);
			assert_string_equal(want, got);
		}
	master[5] ^= 1;  /* a rotation or another vault: the slot must not answer with the old K */
	assert_int_equal(cv_blind_value(master, "case", 2, "C-2026-0001", sha, want), 0);
	assert_int_equal(cv_blind_cached(c, 0, master, "case", 2, "C-2026-0001", sha, got), 0);
	assert_string_equal(want, got);
	assert_int_equal(cv_blind_value(master, "cp", 2, "C-2026-0001", sha, want), 0);
	assert_int_equal(cv_blind_cached(c, 0, master, "cp", 2, "C-2026-0001", sha, got), 0);
	assert_string_equal(want, got);
	assert_int_equal(cv_blind_cached(c, 1, master, "cp", 2, "C-2026-0001", "a591", got), -2);
	assert_int_equal(cv_blind_cached(NULL, 0, master, "cp", 2, "C-2026-0001", sha, got), 0);
	assert_string_equal(want, got);
	cv_blind_cache_free(c);
}

static int global_setup(void **state)
{
	(void)state;
	return cv_global_init() == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_padme_known),
		cmocka_unit_test(test_padme_bounds),
		cmocka_unit_test(test_blind_value),
		cmocka_unit_test(test_blind_cached),
	};

	return cmocka_run_group_tests(tests, global_setup, NULL);
}
