/*
 * Unit tests of the deposit key (crypto/deposit.c; docs/architecture.md,
 * Keys): HKDF-SHA256 against RFC 5869's vectors, X25519 against RFC 7748's,
 * and the deposit wrap and seal: they round-trip only with the right master
 * key, section and archive file, and a flipped bit is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <gcrypt.h>

#include "crypto/deposit.h"
#include "crypto/keywrap.h"
#include "casevault/vault.h"

static void unhex(const char *h, unsigned char *out)
{
	size_t i, n = strlen(h) / 2;

	for (i = 0; i < n; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static void tohex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* RFC 5869, A.1 and A.3 (no salt, no info). */
static void test_hkdf_rfc5869(void **state)
{
	unsigned char ikm[22], salt[13], info[10], okm[42];
	char hex[85];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	unhex("000102030405060708090a0b0c", salt);
	unhex("f0f1f2f3f4f5f6f7f8f9", info);
	assert_int_equal(cv_hkdf_sha256(ikm, 22, salt, 13, (const char *)info, 10, okm, 42), 0);
	tohex(okm, 42, hex);
	assert_string_equal(hex, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
	assert_int_equal(cv_hkdf_sha256(ikm, 22, "", 0, "", 0, okm, 42), 0);
	tohex(okm, 42, hex);
	assert_string_equal(hex, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

/* RFC 7748, 6.1: the public key of a known secret and a shared secret, through libgcrypt. */
static void test_x25519_rfc7748(void **state)
{
	unsigned char a[32], bpub[32], out[32];
	char hex[65];

	(void)state;
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bpub);
	assert_int_equal(gcry_ecc_mul_point(GCRY_ECC_CURVE25519, out, a, NULL), 0);
	tohex(out, 32, hex);
	assert_string_equal(hex, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	assert_int_equal(gcry_ecc_mul_point(GCRY_ECC_CURVE25519, out, a, bpub), 0);
	tohex(out, 32, hex);
	assert_string_equal(hex, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

static const char *FILE_A = "0123456789abcdef0123456789abcdef.pgp";

static void test_wrap_round_trip(void **state)
{
	unsigned char master[32], pub[32], key[32], got[32], seal[32], seal2[32];
	char w[CV_DEPOSIT_WRAPPED_LEN], w2[CV_DEPOSIT_WRAPPED_LEN];

	(void)state;
	memset(master, 0x42, 32);
	memset(key, 0x17, 32);
	assert_int_equal(cv_deposit_public(master, "case", pub), 0);
	assert_int_equal(cv_deposit_wrap(pub, FILE_A, key, w, seal), 0);
	assert_int_equal(strlen(w), CV_DEPOSIT_WRAPPED_LEN - 1);
	assert_int_equal(strncmp(w, CV_DEPOSIT_TAG, 6), 0);
	assert_int_equal(cv_deposit_unwrap(master, "case", FILE_A, w, got, seal2), 0);
	assert_memory_equal(got, key, 32);
	assert_memory_equal(seal, seal2, 32);
	/* a fresh ephemeral key each time: two wraps of one key differ */
	assert_int_equal(cv_deposit_wrap(pub, FILE_A, key, w2, seal), 0);
	assert_string_not_equal(w, w2);
}

static void test_wrap_refused(void **state)
{
	unsigned char master[32], other[32], pub[32], key[32], got[32], seal[32];
	char w[CV_DEPOSIT_WRAPPED_LEN];

	(void)state;
	memset(master, 0x42, 32);
	memset(other, 0x43, 32);
	memset(key, 0x17, 32);
	assert_int_equal(cv_deposit_public(master, "case", pub), 0);
	assert_int_equal(cv_deposit_wrap(pub, FILE_A, key, w, seal), 0);
	assert_int_equal(cv_deposit_unwrap(other, "case", FILE_A, w, got, seal), -3);
	assert_int_equal(cv_deposit_unwrap(master, "cp", FILE_A, w, got, seal), -3);
	assert_int_equal(cv_deposit_unwrap(master, "case", "ffff.pgp", w, got, seal), -3);
	w[100] = w[100] == '0' ? '1' : '0';
	assert_int_equal(cv_deposit_unwrap(master, "case", FILE_A, w, got, seal), -3);
	w[10] = 'x';
	assert_int_equal(cv_deposit_unwrap(master, "case", FILE_A, w, got, seal), -2);
	assert_int_equal(cv_deposit_unwrap(master, "case", FILE_A, "cvkw1:00", got, seal), -2);
}

static void test_seal(void **state)
{
	unsigned char seal[32], *b = NULL;
	size_t n = 0, plen = 0;
	char *p = NULL;

	(void)state;
	memset(seal, 7, 32);
	assert_int_equal(cv_deposit_seal(seal, "deposits.records:F", "hello", 5, &b, &n), 0);
	assert_int_equal(n, 1 + 12 + 5 + 16);
	assert_int_equal(cv_deposit_unseal(seal, "deposits.records:F", b, n, &p, &plen), 0);
	assert_string_equal(p, "hello");
	free(p);
	assert_int_equal(cv_deposit_unseal(seal, "deposits.records:G", b, n, &p, NULL), -3);
	b[14] ^= 1;
	assert_int_equal(cv_deposit_unseal(seal, "deposits.records:F", b, n, &p, NULL), -3);
	free(b);
}

static int global_setup(void **state)
{
	(void)state;
	return cv_global_init() == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_x25519_rfc7748),
		cmocka_unit_test(test_wrap_round_trip),
		cmocka_unit_test(test_wrap_refused),
		cmocka_unit_test(test_seal),
	};

	return cmocka_run_group_tests(tests, global_setup, NULL);
}
