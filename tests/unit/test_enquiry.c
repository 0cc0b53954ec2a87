/*
 * Unit tests for vault/rules/enquiry.c: what an anonymous enquiry's text may
 * not hold (docs/commands/enquiry-add.md): UK phone numbers in their usual
 * forms, e-mail addresses, UK postcodes and the vault's names as whole
 * words; and what must pass (dates, years, ages, case ids, common words).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/enquiry.h"

static cv_enquiry_kind scan(const char *text)
{
	static const char *const names[] = { "Jane Example-Smith", "Tom Oakley", "Al" };

	return cv_enquiry_scan(text, names, 3, NULL);
}

static void test_phones(void **state)
{
	static const char *const yes[] = {
		"call me on 0151 443 3283 please", "mobile 07700 900123", "07700900123", "(0151) 443-3283",
		"+44 7700 900123", "+44 (0)151 443 3283", "ring 0044 20 7946 0018", "tel:020 7946 0018.",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (scan(yes[i]) != CV_ENQ_PHONE)
			fail_msg("not caught as a phone number: %s", yes[i]);
	}
}

static void test_email_postcode(void **state)
{
	size_t at = 0;

	(void)state;
	assert_int_equal(scan("write to parent.name+x@example.co.uk today"), CV_ENQ_EMAIL);
	assert_int_equal(scan("lives at L36 9YU"), CV_ENQ_POSTCODE);
	assert_int_equal(scan("postcode l369yu."), CV_ENQ_POSTCODE);
	assert_int_equal(scan("SW1A 1AA"), CV_ENQ_POSTCODE);
	assert_int_equal(scan("near M1 1AE"), CV_ENQ_POSTCODE);
	assert_int_equal(cv_enquiry_scan("x EC1A 1BB", NULL, 0, &at), CV_ENQ_POSTCODE);
	assert_int_equal(at, 2);
}

static void test_names(void **state)
{
	size_t at = 0;
	static const char *const names[] = { "Tom Oakley" };

	(void)state;
	assert_int_equal(scan("Mrs example-smith rang about an EHCP"), CV_ENQ_NAME);
	assert_int_equal(scan("asked about Tom's school"), CV_ENQ_NAME);
	assert_int_equal(scan("OAKLEY"), CV_ENQ_NAME);
	assert_int_equal(cv_enquiry_scan("re: tom oakley", names, 1, &at), CV_ENQ_NAME);
	assert_int_equal(at, 4);
	/* whole words only, and a name's words under 3 bytes are not matched alone */
	assert_int_equal(scan("tomorrow the oakleys' school; all fine"), CV_ENQ_CLEAN);
}

static void test_clean(void **state)
{
	static const char *const no[] = {
		"Parent asked how to request an EHC needs assessment; sent leaflet.",
		"Tribunal deadlines: appeal within 2 months of 01/02/2026 or 2026-03-04.",
		"Child aged 11, Year 7, SEN support since 2019; case C-2026-0001 not mentioned.",
		"Called from 0151 number? no.", "Ref 12345 67890", "",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (scan(no[i]) != CV_ENQ_CLEAN)
			fail_msg("a clean enquiry was flagged as %s: %s", cv_enquiry_kind_words(scan(no[i])), no[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_email_postcode),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
