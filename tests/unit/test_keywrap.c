/*
 * Unit tests of the archive key wrap (docs/architecture.md, Keys;
 * docs/recovery.md): the standards it is built from, checked against their
 * published vectors (RFC 5869 test case 1, RFC 5649 section 6), the cvkw2
 * layout worked out here from those blocks, a round trip, and refusals of
 * an altered wrap or one moved to another archive, section or generation.
 * The first wrap (cvkw1) is still read, to upgrade old vaults: its known
 * answer stays here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <gcrypt.h>

#include "base/hex.h"
#include "casevault/vault.h"
#include "crypto/keywrap.h"

static void unhex(const char *h, unsigned char *out)
{
	assert_int_equal(cv_hex_decode(h, strlen(h) / 2, out), 0);
}

static void fill(unsigned char *b, unsigned char from)
{
	int i;

	for (i = 0; i < 32; i++)
		b[i] = (unsigned char)(from + i);
}

static void test_hkdf_rfc5869_case1(void **state)
{
	unsigned char ikm[22], salt[13], info[10], okm[42], want[42];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	unhex("000102030405060708090a0b0c", salt);
	unhex("f0f1f2f3f4f5f6f7f8f9", info);
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", want);
	assert_int_equal(cv_hkdf_sha256(ikm, sizeof(ikm), salt, sizeof(salt), info, sizeof(info), okm, sizeof(okm)), 0);
	assert_memory_equal(okm, want, sizeof(want));
}

static void kwp_vector(const char *key_hex, const char *wrap_hex)
{
	unsigned char kek[24], key[20], want[32], got[32], back[32];
	size_t klen = strlen(key_hex) / 2, wlen = strlen(wrap_hex) / 2, n = 0;

	unhex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", kek);
	unhex(key_hex, key);
	unhex(wrap_hex, want);
	assert_int_equal(cv_aes_kwp_wrap(kek, 24, key, klen, got, &n), 0);
	assert_int_equal(n, wlen);
	assert_memory_equal(got, want, wlen);
	assert_int_equal(cv_aes_kwp_unwrap(kek, 24, want, wlen, back, &n), 0);
	assert_int_equal(n, klen);
	assert_memory_equal(back, key, klen);
	want[wlen - 1] ^= 0x01;         /* one flipped bit fails the check */
	assert_int_equal(cv_aes_kwp_unwrap(kek, 24, want, wlen, back, &n), -3);
}

static void test_kwp_rfc5649(void **state)
{
	(void)state;
	kwp_vector("c37b7e6492584340bed12207808941155068f738",
		   "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
	kwp_vector("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f");
}

/* cvkw2 from its documented parts: HKDF(master, no salt, label|section|gen|file), then KWP. */
static void test_keywrap_layout(void **state)
{
	static const char info[] = "casevault archive-key wrap v2|cp|3|A-000042.gpg";
	unsigned char master[32], key[32], kek[32], w[40], back[32];
	char got[CV_WRAPPED_LEN], want[CV_WRAPPED_LEN];
	cv_wrap_ctx c = { "cp", 3, "A-000042.gpg" };
	size_t n = 0;
	int old = -1;

	(void)state;
	fill(master, 0x00);
	fill(key, 0xa0);
	assert_int_equal(cv_hkdf_sha256(master, 32, NULL, 0, (const unsigned char *)info, strlen(info), kek, 32), 0);
	assert_int_equal(cv_aes_kwp_wrap(kek, 32, key, 32, w, &n), 0);
	assert_int_equal(n, 40);
	memcpy(want, "cvkw2:", 6);
	cv_hex_encode(w, 40, want + 6);
	assert_int_equal(cv_keywrap(master, &c, key, got), 0);
	assert_string_equal(got, want);
	assert_int_equal(strlen(got), CV_WRAPPED_LEN - 1);
	assert_int_equal(cv_keyunwrap(master, &c, got, back, &old), 0);
	assert_int_equal(old, 0);
	assert_memory_equal(back, key, 32);
}

static void test_keywrap_round_trip(void **state)
{
	unsigned char master[32], key[32], back[32];
	char w1[CV_WRAPPED_LEN], w2[CV_WRAPPED_LEN];
	cv_wrap_ctx c = { "case", 1, "A-000001.gpg" }, d = c;
	int i, old;

	(void)state;
	for (i = 0; i < 8; i++) {
		gcry_randomize(master, 32, GCRY_STRONG_RANDOM);
		gcry_randomize(key, 32, GCRY_STRONG_RANDOM);
		assert_int_equal(cv_keywrap(master, &c, key, w1), 0);
		assert_int_equal(cv_keyunwrap(master, &c, w1, back, &old), 0);
		assert_memory_equal(back, key, 32);
		/* another archive's wrap of the same key differs */
		d.file = "A-000002.gpg";
		assert_int_equal(cv_keywrap(master, &d, key, w2), 0);
		assert_string_not_equal(w1, w2);
	}
}

static void flip(char *w, size_t at)
{
	w[at] = w[at] == '0' ? '1' : '0';
}

static void test_keywrap_refused(void **state)
{
	unsigned char master[32], other[32], key[32], back[32];
	char w[CV_WRAPPED_LEN], t[CV_WRAPPED_LEN + 8];
	cv_wrap_ctx c = { "case", 2, "A-000007.gpg" }, d;
	size_t i;
	int old;

	(void)state;
	fill(master, 0x10);
	fill(key, 0x20);
	assert_int_equal(cv_keywrap(master, &c, key, w), 0);
	/* a flipped bit anywhere in the wrap is refused, never a wrong key */
	for (i = 6; i < CV_WRAPPED_LEN - 1; i++) {
		strcpy(t, w);
		flip(t, i);
		assert_int_equal(cv_keyunwrap(master, &c, t, back, &old), -3);
	}
	/* the wrap is bound to its archive, section and generation, and master key */
	d = c; d.file = "A-000008.gpg";
	assert_int_equal(cv_keyunwrap(master, &d, w, back, &old), -3);
	d = c; d.section = "cp";
	assert_int_equal(cv_keyunwrap(master, &d, w, back, &old), -3);
	d = c; d.gen = 3;
	assert_int_equal(cv_keyunwrap(master, &d, w, back, &old), -3);
	memcpy(other, master, 32);
	other[0] ^= 1;
	assert_int_equal(cv_keyunwrap(other, &c, w, back, &old), -3);
	/* malformed */
	assert_int_equal(cv_keyunwrap(master, &c, NULL, back, &old), -2);
	assert_int_equal(cv_keyunwrap(master, &c, "", back, &old), -2);
	strcpy(t, w);
	t[0] = 'C';
	assert_int_equal(cv_keyunwrap(master, &c, t, back, &old), -2);
	strcpy(t, w);
	t[10] = 'g';
	assert_int_equal(cv_keyunwrap(master, &c, t, back, &old), -2);
	snprintf(t, sizeof(t), "%s00", w);
	assert_int_equal(cv_keyunwrap(master, &c, t, back, &old), -2);
}

/* cvkw1 (read for the upgrade): master 00..1f, key a0..bf, nonce 40..5f, computed once with Python's hashlib. */
static void test_keywrap1_known(void **state)
{
	static const char kat[] =
		"cvkw1:404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f:"
		"b9583881833d5c286dc8f4fcfa788936e96697cc307349185aa27d07d6ec9766";
	unsigned char master[32], key[32], back[32];
	cv_wrap_ctx c = { "case", 1, "A-000001.gpg" };
	int old = 0;

	(void)state;
	fill(master, 0x00);
	fill(key, 0xa0);
	assert_int_equal(cv_keyunwrap(master, &c, kat, back, &old), 0);
	assert_int_equal(old, 1);
	assert_memory_equal(back, key, 32);
	assert_int_equal(cv_keyunwrap(master, &c, "cvkw1:00", back, &old), -2);
}

static int global_setup(void **state)
{
	(void)state;
	return cv_global_init() == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hkdf_rfc5869_case1),
		cmocka_unit_test(test_kwp_rfc5649),
		cmocka_unit_test(test_keywrap_layout),
		cmocka_unit_test(test_keywrap_round_trip),
		cmocka_unit_test(test_keywrap_refused),
		cmocka_unit_test(test_keywrap1_known),
	};

	return cmocka_run_group_tests(tests, global_setup, NULL);
}
