/* Unit tests for vault/date.c: civil dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "casevault/date.h"

static cv_date D(int y, int m, int d)
{
	cv_date r = { y, m, d };

	return r;
}

/* Compare as strings so that a failure prints both dates. */
#define assert_date(got, y, m, d) do {				\
		char g_[11], w_[11];				\
		cv_date want_ = D(y, m, d);			\
		cv_date_format(&(got), g_);			\
		cv_date_format(&want_, w_);			\
		assert_string_equal(g_, w_);			\
	} while (0)

static void test_parse_valid(void **state)
{
	cv_date d;

	assert_int_equal(cv_date_parse(&d, "2026-09-03"), 0);
	assert_int_equal(d.y, 2026);
	assert_int_equal(d.m, 9);
	assert_int_equal(d.d, 3);
	assert_int_equal(cv_date_parse(&d, "2024-02-29"), 0);
	assert_date(d, 2024, 2, 29);
	assert_int_equal(cv_date_parse(&d, "2000-02-29"), 0);
	assert_date(d, 2000, 2, 29);
	assert_int_equal(cv_date_parse(&d, "0001-01-01"), 0);
	assert_date(d, 1, 1, 1);
	assert_int_equal(cv_date_parse(&d, "9999-12-31"), 0);
	assert_date(d, 9999, 12, 31);
	assert_int_equal(cv_date_parse(&d, "2026-04-30"), 0);
	assert_date(d, 2026, 4, 30);
}

static void test_parse_strict(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-09", "2026-9-03", "2026-09-3", "26-09-03",
		"2026/09/03", "2026.09.03", "20260903", "2026-09-03 ",
		" 2026-09-03", "2026-09-03x", "2026-09-03\n", "+026-09-03",
		"-026-09-03", "2026-0a-03", "2026-09-0x", "2026--9-03",
		"2026-09- 3", "0000-01-01", "10000-01-01", "2026-00-10",
		"2026-13-01", "2026-01-00", "2026-01-32", "2026-04-31",
		"2026-06-31", "2026-09-31", "2026-11-31", "2026-02-29",
		"2025-02-29", "1900-02-29", "2100-02-29", "2024-02-30",
		"\xef\xbc\x92\x30\x32\x36-09-03",
	};
	cv_date d = { 1999, 9, 9 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cv_date_parse(&d, bad[i]) != CV_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		/* a failed parse leaves *out alone */
		assert_date(d, 1999, 9, 9);
	}
	assert_int_equal(cv_date_parse(&d, NULL), CV_EINVAL);
	assert_int_equal(cv_date_parse(NULL, "2026-09-03"), CV_EINVAL);
}

static void test_format(void **state)
{
	char buf[11];
	cv_date d = D(7, 3, 4);

	memset(buf, 'x', sizeof(buf));
	cv_date_format(&d, buf);
	assert_string_equal(buf, "0007-03-04");
	d = D(2026, 12, 31);
	cv_date_format(&d, buf);
	assert_string_equal(buf, "2026-12-31");
	/* out of range: a marker that does not parse */
	d = D(12026, 1, 1);
	cv_date_format(&d, buf);
	assert_string_equal(buf, "0000-00-00");
	d = D(2026, -1, 1);
	cv_date_format(&d, buf);
	assert_string_equal(buf, "0000-00-00");
	assert_int_equal(cv_date_parse(&d, buf), CV_EINVAL);
}

static void test_valid(void **state)
{
	cv_date d;

	d = D(2024, 2, 29);
	assert_true(cv_date_valid(&d));
	d = D(2025, 2, 29);
	assert_false(cv_date_valid(&d));
	d = D(0, 1, 1);
	assert_false(cv_date_valid(&d));
	d = D(10000, 1, 1);
	assert_false(cv_date_valid(&d));
	d = D(2026, 0, 1);
	assert_false(cv_date_valid(&d));
	d = D(2026, 13, 1);
	assert_false(cv_date_valid(&d));
	d = D(2026, 1, 0);
	assert_false(cv_date_valid(&d));
	d = D(2026, 4, 31);
	assert_false(cv_date_valid(&d));
	assert_false(cv_date_valid(NULL));
}

static void test_leap_years(void **state)
{
	assert_true(cv_date_is_leap(2024));
	assert_true(cv_date_is_leap(2028));
	assert_true(cv_date_is_leap(2000));
	assert_true(cv_date_is_leap(1600));
	assert_false(cv_date_is_leap(2025));
	assert_false(cv_date_is_leap(2026));
	assert_false(cv_date_is_leap(1900));
	assert_false(cv_date_is_leap(2100));
}

static void test_days_in_month(void **state)
{
	static const int common[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int m;

	for (m = 1; m <= 12; m++) {
		assert_int_equal(cv_date_days_in_month(2026, m), common[m - 1]);
		assert_int_equal(cv_date_days_in_month(2024, m),
				 m == 2 ? 29 : common[m - 1]);
	}
	assert_int_equal(cv_date_days_in_month(1900, 2), 28);
	assert_int_equal(cv_date_days_in_month(2000, 2), 29);
	assert_int_equal(cv_date_days_in_month(2026, 0), 0);
	assert_int_equal(cv_date_days_in_month(2026, 13), 0);
}

static void test_day_numbers(void **state)
{
	cv_date d;

	d = D(1970, 1, 1);
	assert_int_equal(cv_date_to_days(&d), 0);
	d = D(1969, 12, 31);
	assert_int_equal(cv_date_to_days(&d), -1);
	d = D(2000, 3, 1);
	assert_int_equal(cv_date_to_days(&d), 11017);
	d = D(2026, 9, 3);
	assert_int_equal(cv_date_to_days(&d), 20699);
	d = D(1, 1, 1);
	assert_int_equal(cv_date_to_days(&d), -719162);
	d = D(9999, 12, 31);
	assert_int_equal(cv_date_to_days(&d), 2932896);

	cv_date_from_days(&d, 0);
	assert_date(d, 1970, 1, 1);
	cv_date_from_days(&d, 11016);
	assert_date(d, 2000, 2, 29);
	cv_date_from_days(&d, -1);
	assert_date(d, 1969, 12, 31);
}

/* Every day of the range round-trips and follows the day before it. */
static void test_day_numbers_whole_range(void **state)
{
	cv_date d, prev = D(1, 1, 1);
	long n;

	for (n = -719162; n <= 2932896; n++) {
		cv_date_from_days(&d, n);
		if (!cv_date_valid(&d) || cv_date_to_days(&d) != n)
			fail_msg("day %ld does not round-trip", n);
		if (n > -719162) {
			int next = (prev.d < cv_date_days_in_month(prev.y, prev.m))
				? d.y == prev.y && d.m == prev.m && d.d == prev.d + 1
				: d.d == 1 && (prev.m < 12 ? d.y == prev.y && d.m == prev.m + 1
						: d.y == prev.y + 1 && d.m == 1);
			if (!next)
				fail_msg("day %ld does not follow day %ld", n, n - 1);
		}
		prev = d;
	}
}

static void test_cmp(void **state)
{
	cv_date a = D(2026, 9, 3), b = D(2026, 9, 4), c = D(2026, 10, 1), e = D(2027, 1, 1);

	assert_true(cv_date_cmp(&a, &b) < 0);
	assert_true(cv_date_cmp(&b, &a) > 0);
	assert_true(cv_date_cmp(&b, &c) < 0);
	assert_true(cv_date_cmp(&c, &e) < 0);
	assert_true(cv_date_cmp(&e, &a) > 0);
	assert_int_equal(cv_date_cmp(&a, &a), 0);
}

static void test_weekday(void **state)
{
	cv_date d;

	d = D(1970, 1, 1);
	assert_int_equal(cv_date_weekday(&d), 3);   /* Thursday */
	d = D(2026, 9, 3);
	assert_int_equal(cv_date_weekday(&d), 3);   /* Thu 3 Sep 2026 (docs/legal-rules.md §2) */
	d = D(2026, 10, 3);
	assert_int_equal(cv_date_weekday(&d), 5);   /* Saturday */
	d = D(2026, 10, 4);
	assert_int_equal(cv_date_weekday(&d), 6);   /* Sunday */
	d = D(2026, 10, 5);
	assert_int_equal(cv_date_weekday(&d), 0);   /* Monday */
	d = D(2026, 2, 28);
	assert_int_equal(cv_date_weekday(&d), 5);   /* Saturday (docs/legal-rules.md §2) */
	d = D(2026, 12, 30);
	assert_int_equal(cv_date_weekday(&d), 2);   /* Wednesday */
	d = D(2000, 1, 1);
	assert_int_equal(cv_date_weekday(&d), 5);
	d = D(1969, 12, 28);
	assert_int_equal(cv_date_weekday(&d), 6);   /* before the epoch */
	d = D(1, 1, 1);
	assert_int_equal(cv_date_weekday(&d), 0);   /* proleptic Gregorian */
	d = D(9999, 12, 31);
	assert_int_equal(cv_date_weekday(&d), 4);
}

static void test_add_days(void **state)
{
	cv_date d = D(2026, 9, 3), r;

	cv_date_add_days(&r, &d, 30);
	assert_date(r, 2026, 10, 3);
	cv_date_add_days(&r, &d, 0);
	assert_date(r, 2026, 9, 3);
	cv_date_add_days(&r, &d, -3);
	assert_date(r, 2026, 8, 31);
	d = D(2024, 2, 28);
	cv_date_add_days(&r, &d, 1);
	assert_date(r, 2024, 2, 29);
	cv_date_add_days(&r, &d, 2);
	assert_date(r, 2024, 3, 1);
	d = D(2025, 2, 28);
	cv_date_add_days(&r, &d, 1);
	assert_date(r, 2025, 3, 1);
	d = D(2026, 12, 31);
	cv_date_add_days(&r, &d, 1);
	assert_date(r, 2027, 1, 1);
	cv_date_add_days(&r, &d, 365);
	assert_date(r, 2027, 12, 31);
	/* out and in may be the same object */
	cv_date_add_days(&d, &d, -365);
	assert_date(d, 2025, 12, 31);
	/* the range saturates instead of overflowing */
	d = D(9999, 12, 31);
	cv_date_add_days(&r, &d, 1);
	assert_date(r, 9999, 12, 31);
	d = D(1, 1, 1);
	cv_date_add_days(&r, &d, -1);
	assert_date(r, 1, 1, 1);
	d = D(2026, 1, 1);
	cv_date_add_days(&r, &d, 9223372036854775807L);
	assert_date(r, 9999, 12, 31);
	cv_date_add_days(&r, &d, -9223372036854775807L - 1);
	assert_date(r, 1, 1, 1);
}

static void test_add_months_clamp(void **state)
{
	cv_date d, r;

	d = D(2024, 1, 31);            /* leap year: 29 Feb */
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2024, 2, 29);
	d = D(2026, 1, 31);            /* common year: 28 Feb */
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2026, 2, 28);
	d = D(2024, 1, 30);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2024, 2, 29);
	d = D(2024, 1, 29);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2024, 2, 29);
	d = D(2025, 1, 29);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2025, 2, 28);
	d = D(2026, 3, 29);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2026, 4, 29);
	d = D(2026, 3, 30);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2026, 4, 30);
	d = D(2026, 3, 31);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2026, 4, 30);
	d = D(2024, 8, 31);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2024, 9, 30);
	d = D(2026, 8, 31);
	cv_date_add_months_clamp(&r, &d, 3);
	assert_date(r, 2026, 11, 30);
	d = D(2025, 11, 30);
	cv_date_add_months_clamp(&r, &d, 3);
	assert_date(r, 2026, 2, 28);
	d = D(2026, 12, 15);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 2027, 1, 15);
	cv_date_add_months_clamp(&r, &d, 12);
	assert_date(r, 2027, 12, 15);
	cv_date_add_months_clamp(&r, &d, -12);
	assert_date(r, 2025, 12, 15);
	d = D(2026, 1, 15);
	cv_date_add_months_clamp(&r, &d, -1);
	assert_date(r, 2025, 12, 15);
	d = D(2024, 3, 31);
	cv_date_add_months_clamp(&r, &d, -1);
	assert_date(r, 2024, 2, 29);
	d = D(2025, 3, 31);
	cv_date_add_months_clamp(&r, &d, -1);
	assert_date(r, 2025, 2, 28);
	d = D(2026, 9, 3);
	cv_date_add_months_clamp(&r, &d, 0);
	assert_date(r, 2026, 9, 3);
	/* saturates at the ends of the range */
	d = D(9999, 12, 1);
	cv_date_add_months_clamp(&r, &d, 1);
	assert_date(r, 9999, 12, 31);
	d = D(1, 1, 31);
	cv_date_add_months_clamp(&r, &d, -2147483647 - 1);
	assert_date(r, 1, 1, 1);
}

static void test_add_months_later(void **state)
{
	cv_date d, r;

	d = D(2026, 1, 31);            /* no 31 Feb: 1 Mar */
	cv_date_add_months_later(&r, &d, 1);
	assert_date(r, 2026, 3, 1);
	d = D(2024, 1, 31);
	cv_date_add_months_later(&r, &d, 1);
	assert_date(r, 2024, 3, 1);
	d = D(2024, 1, 29);            /* 29 Feb exists in 2024 */
	cv_date_add_months_later(&r, &d, 1);
	assert_date(r, 2024, 2, 29);
	d = D(2025, 1, 29);
	cv_date_add_months_later(&r, &d, 1);
	assert_date(r, 2025, 3, 1);
	d = D(2026, 8, 31);
	cv_date_add_months_later(&r, &d, 1);
	assert_date(r, 2026, 10, 1);
	d = D(2026, 3, 31);
	cv_date_add_months_later(&r, &d, 1);
	assert_date(r, 2026, 5, 1);
	d = D(2026, 10, 31);           /* rolls into the next year */
	cv_date_add_months_later(&r, &d, 1);
	assert_date(r, 2026, 12, 1);
	d = D(2026, 12, 31);
	cv_date_add_months_later(&r, &d, -1);
	assert_date(r, 2026, 12, 1);
	d = D(2026, 9, 3);
	cv_date_add_months_later(&r, &d, 18);
	assert_date(r, 2028, 3, 3);
}

static void test_add_years_later(void **state)
{
	cv_date d, r;

	d = D(2024, 2, 29);            /* docs/legal-rules.md §12: never early */
	cv_date_add_years_later(&r, &d, 1);
	assert_date(r, 2025, 3, 1);
	cv_date_add_years_later(&r, &d, 4);
	assert_date(r, 2028, 2, 29);
	cv_date_add_years_later(&r, &d, -1);
	assert_date(r, 2023, 3, 1);
	cv_date_add_years_later(&r, &d, 76);   /* 2100 is not a leap year */
	assert_date(r, 2100, 3, 1);
	d = D(2000, 2, 29);            /* child DOB + 25 years */
	cv_date_add_years_later(&r, &d, 25);
	assert_date(r, 2025, 3, 1);
	cv_date_add_years_later(&r, &d, 31);
	assert_date(r, 2031, 3, 1);
	d = D(2023, 2, 28);
	cv_date_add_years_later(&r, &d, 1);
	assert_date(r, 2024, 2, 28);
	d = D(2026, 9, 3);
	cv_date_add_years_later(&r, &d, 6);
	assert_date(r, 2032, 9, 3);
	d = D(9998, 2, 1);
	cv_date_add_years_later(&r, &d, 2147483647);
	assert_date(r, 9999, 12, 31);
}

static void test_today_env(void **state)
{
	cv_date d;

	assert_int_equal(setenv("CASEVAULT_TODAY", "2026-09-03", 1), 0);
	assert_int_equal(cv_date_today(&d), 0);
	assert_date(d, 2026, 9, 3);
	assert_int_equal(setenv("CASEVAULT_TODAY", "2024-02-29", 1), 0);
	assert_int_equal(cv_date_today(&d), 0);
	assert_date(d, 2024, 2, 29);
	/* set but invalid: an error, never a silent fall-back to the clock */
	assert_int_equal(setenv("CASEVAULT_TODAY", "2026-02-29", 1), 0);
	assert_int_equal(cv_date_today(&d), CV_EINVAL);
	assert_int_equal(setenv("CASEVAULT_TODAY", "3 Sep 2026", 1), 0);
	assert_int_equal(cv_date_today(&d), CV_EINVAL);
	assert_int_equal(setenv("CASEVAULT_TODAY", "", 1), 0);
	assert_int_equal(cv_date_today(&d), CV_EINVAL);
	assert_int_equal(unsetenv("CASEVAULT_TODAY"), 0);
}

static void test_today_clock(void **state)
{
	struct tm before, after;
	time_t t0, t1;
	cv_date d;

	assert_int_equal(unsetenv("CASEVAULT_TODAY"), 0);
	t0 = time(NULL);
	assert_int_equal(cv_date_today(&d), 0);
	t1 = time(NULL);
	assert_non_null(localtime_r(&t0, &before));
	assert_non_null(localtime_r(&t1, &after));
	assert_true(cv_date_valid(&d));
	/* equal to the local date at one end of the call (midnight may pass) */
	assert_true((d.y == before.tm_year + 1900 && d.m == before.tm_mon + 1 &&
		     d.d == before.tm_mday) ||
		    (d.y == after.tm_year + 1900 && d.m == after.tm_mon + 1 &&
		     d.d == after.tm_mday));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_day_numbers),
		cmocka_unit_test(test_day_numbers_whole_range),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_add_days),
		cmocka_unit_test(test_add_months_clamp),
		cmocka_unit_test(test_add_months_later),
		cmocka_unit_test(test_add_years_later),
		cmocka_unit_test(test_today_env),
		cmocka_unit_test(test_today_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
