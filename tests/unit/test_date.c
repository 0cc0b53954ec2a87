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
#include "testutil.h"

/* Fails naming the row, so that a table reports which case broke. */
static void assert_row(const char *what, size_t row, const cv_date *got, const int want[3])
{
	char g[11], w[11];
	cv_date wd = DA(want);

	cv_date_format(got, g);
	cv_date_format(&wd, w);
	if (strcmp(g, w))
		fail_msg("%s row %zu: got %s, want %s", what, row, g, w);
}

static void test_parse_valid(void **state)
{
	static const struct {
		const char *text;
		int want[3];
	} ok[] = {
		{ "2026-09-03", { 2026, 9, 3 } }, { "2024-02-29", { 2024, 2, 29 } },
		{ "2000-02-29", { 2000, 2, 29 } }, { "0001-01-01", { 1, 1, 1 } },
		{ "9999-12-31", { 9999, 12, 31 } }, { "2026-04-30", { 2026, 4, 30 } },
	};
	cv_date d;
	size_t i;

	for (i = 0; i < NROWS(ok); i++) {
		assert_int_equal(cv_date_parse(&d, ok[i].text), 0);
		assert_row("parse", i, &d, ok[i].want);
	}
	/* the fields themselves, not only their printed form */
	assert_int_equal(cv_date_parse(&d, "2026-09-03"), 0);
	assert_int_equal(d.y, 2026);
	assert_int_equal(d.m, 9);
	assert_int_equal(d.d, 3);
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
	static const struct day_num rows[] = {
		{ { 2024, 2, 29 }, 1 }, { { 2025, 2, 29 }, 0 }, { { 0, 1, 1 }, 0 },
		{ { 10000, 1, 1 }, 0 }, { { 2026, 0, 1 }, 0 }, { { 2026, 13, 1 }, 0 },
		{ { 2026, 1, 0 }, 0 }, { { 2026, 4, 31 }, 0 },
	};
	cv_date d;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		d = DA(rows[i].d);
		if (!cv_date_valid(&d) != !rows[i].v)
			fail_msg("valid row %zu: want %ld", i, rows[i].v);
	}
	assert_false(cv_date_valid(NULL));
}

static void test_leap_years(void **state)
{
	static const int leap[] = { 2024, 2028, 2000, 1600 };
	static const int common[] = { 2025, 2026, 1900, 2100 };
	size_t i;

	for (i = 0; i < NROWS(leap); i++)
		assert_true(cv_date_is_leap(leap[i]));
	for (i = 0; i < NROWS(common); i++)
		assert_false(cv_date_is_leap(common[i]));
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
	static const struct day_num to[] = {
		{ { 1970, 1, 1 }, 0 }, { { 1969, 12, 31 }, -1 }, { { 2000, 3, 1 }, 11017 },
		{ { 2026, 9, 3 }, 20699 }, { { 1, 1, 1 }, -719162 },
		{ { 9999, 12, 31 }, 2932896 },
	}, from[] = {
		{ { 1970, 1, 1 }, 0 }, { { 2000, 2, 29 }, 11016 }, { { 1969, 12, 31 }, -1 },
	};
	cv_date d;
	size_t i;

	for (i = 0; i < NROWS(to); i++) {
		d = DA(to[i].d);
		assert_int_equal(cv_date_to_days(&d), to[i].v);
	}
	for (i = 0; i < NROWS(from); i++) {
		cv_date_from_days(&d, from[i].v);
		assert_row("from_days", i, &d, from[i].d);
	}
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
	/* 0 is Monday */
	static const struct day_num rows[] = {
		{ { 1970, 1, 1 }, 3 },          /* Thursday */
		{ { 2026, 9, 3 }, 3 },          /* Thu 3 Sep 2026 (docs/legal-rules.md §2) */
		{ { 2026, 10, 3 }, 5 },         /* Saturday */
		{ { 2026, 10, 4 }, 6 },         /* Sunday */
		{ { 2026, 10, 5 }, 0 },         /* Monday */
		{ { 2026, 2, 28 }, 5 },         /* Saturday (docs/legal-rules.md §2) */
		{ { 2026, 12, 30 }, 2 },        /* Wednesday */
		{ { 2000, 1, 1 }, 5 },
		{ { 1969, 12, 28 }, 6 },        /* before the epoch */
		{ { 1, 1, 1 }, 0 },             /* proleptic Gregorian */
		{ { 9999, 12, 31 }, 4 },
	};
	cv_date d;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		d = DA(rows[i].d);
		assert_int_equal(cv_date_weekday(&d), rows[i].v);
	}
}

enum arith_op { ADD_DAYS, ADD_MONTHS_CLAMP, ADD_MONTHS_LATER, ADD_YEARS_LATER };

/* A function, a date, a count and the date the function must give. */
static const struct {
	enum arith_op op;
	int in[3];
	long n;
	int want[3];
} arith[] = {
	/* add_days */
	{ ADD_DAYS, { 2026, 9, 3 }, 30, { 2026, 10, 3 } },
	{ ADD_DAYS, { 2026, 9, 3 }, 0, { 2026, 9, 3 } },
	{ ADD_DAYS, { 2026, 9, 3 }, -3, { 2026, 8, 31 } },
	{ ADD_DAYS, { 2024, 2, 28 }, 1, { 2024, 2, 29 } },
	{ ADD_DAYS, { 2024, 2, 28 }, 2, { 2024, 3, 1 } },
	{ ADD_DAYS, { 2025, 2, 28 }, 1, { 2025, 3, 1 } },
	{ ADD_DAYS, { 2026, 12, 31 }, 1, { 2027, 1, 1 } },
	{ ADD_DAYS, { 2026, 12, 31 }, 365, { 2027, 12, 31 } },
	/* the range saturates instead of overflowing */
	{ ADD_DAYS, { 9999, 12, 31 }, 1, { 9999, 12, 31 } },
	{ ADD_DAYS, { 1, 1, 1 }, -1, { 1, 1, 1 } },
	{ ADD_DAYS, { 2026, 1, 1 }, 9223372036854775807L, { 9999, 12, 31 } },
	{ ADD_DAYS, { 2026, 1, 1 }, -9223372036854775807L - 1, { 1, 1, 1 } },
	/* add_months_clamp */
	{ ADD_MONTHS_CLAMP, { 2024, 1, 31 }, 1, { 2024, 2, 29 } },   /* leap year: 29 Feb */
	{ ADD_MONTHS_CLAMP, { 2026, 1, 31 }, 1, { 2026, 2, 28 } },   /* common year: 28 Feb */
	{ ADD_MONTHS_CLAMP, { 2024, 1, 30 }, 1, { 2024, 2, 29 } },
	{ ADD_MONTHS_CLAMP, { 2024, 1, 29 }, 1, { 2024, 2, 29 } },
	{ ADD_MONTHS_CLAMP, { 2025, 1, 29 }, 1, { 2025, 2, 28 } },
	{ ADD_MONTHS_CLAMP, { 2026, 3, 29 }, 1, { 2026, 4, 29 } },
	{ ADD_MONTHS_CLAMP, { 2026, 3, 30 }, 1, { 2026, 4, 30 } },
	{ ADD_MONTHS_CLAMP, { 2026, 3, 31 }, 1, { 2026, 4, 30 } },
	{ ADD_MONTHS_CLAMP, { 2024, 8, 31 }, 1, { 2024, 9, 30 } },
	{ ADD_MONTHS_CLAMP, { 2026, 8, 31 }, 3, { 2026, 11, 30 } },
	{ ADD_MONTHS_CLAMP, { 2025, 11, 30 }, 3, { 2026, 2, 28 } },
	{ ADD_MONTHS_CLAMP, { 2026, 12, 15 }, 1, { 2027, 1, 15 } },
	{ ADD_MONTHS_CLAMP, { 2026, 12, 15 }, 12, { 2027, 12, 15 } },
	{ ADD_MONTHS_CLAMP, { 2026, 12, 15 }, -12, { 2025, 12, 15 } },
	{ ADD_MONTHS_CLAMP, { 2026, 1, 15 }, -1, { 2025, 12, 15 } },
	{ ADD_MONTHS_CLAMP, { 2024, 3, 31 }, -1, { 2024, 2, 29 } },
	{ ADD_MONTHS_CLAMP, { 2025, 3, 31 }, -1, { 2025, 2, 28 } },
	{ ADD_MONTHS_CLAMP, { 2026, 9, 3 }, 0, { 2026, 9, 3 } },
	/* saturates at the ends of the range */
	{ ADD_MONTHS_CLAMP, { 9999, 12, 1 }, 1, { 9999, 12, 31 } },
	{ ADD_MONTHS_CLAMP, { 1, 1, 31 }, -2147483647L - 1, { 1, 1, 1 } },
	/* add_months_later */
	{ ADD_MONTHS_LATER, { 2026, 1, 31 }, 1, { 2026, 3, 1 } },    /* no 31 Feb: 1 Mar */
	{ ADD_MONTHS_LATER, { 2024, 1, 31 }, 1, { 2024, 3, 1 } },
	{ ADD_MONTHS_LATER, { 2024, 1, 29 }, 1, { 2024, 2, 29 } },   /* 29 Feb exists in 2024 */
	{ ADD_MONTHS_LATER, { 2025, 1, 29 }, 1, { 2025, 3, 1 } },
	{ ADD_MONTHS_LATER, { 2026, 8, 31 }, 1, { 2026, 10, 1 } },
	{ ADD_MONTHS_LATER, { 2026, 3, 31 }, 1, { 2026, 5, 1 } },
	{ ADD_MONTHS_LATER, { 2026, 10, 31 }, 1, { 2026, 12, 1 } },  /* rolls into the next year */
	{ ADD_MONTHS_LATER, { 2026, 12, 31 }, -1, { 2026, 12, 1 } },
	{ ADD_MONTHS_LATER, { 2026, 9, 3 }, 18, { 2028, 3, 3 } },
	/* add_years_later */
	/* docs/legal-rules.md §12: never early */
	{ ADD_YEARS_LATER, { 2024, 2, 29 }, 1, { 2025, 3, 1 } },
	{ ADD_YEARS_LATER, { 2024, 2, 29 }, 4, { 2028, 2, 29 } },
	{ ADD_YEARS_LATER, { 2024, 2, 29 }, -1, { 2023, 3, 1 } },
	{ ADD_YEARS_LATER, { 2024, 2, 29 }, 76, { 2100, 3, 1 } },   /* 2100 is not a leap year */
	{ ADD_YEARS_LATER, { 2000, 2, 29 }, 25, { 2025, 3, 1 } },   /* child DOB + 25 years */
	{ ADD_YEARS_LATER, { 2000, 2, 29 }, 31, { 2031, 3, 1 } },
	{ ADD_YEARS_LATER, { 2023, 2, 28 }, 1, { 2024, 2, 28 } },
	{ ADD_YEARS_LATER, { 2026, 9, 3 }, 6, { 2032, 9, 3 } },
	{ ADD_YEARS_LATER, { 9998, 2, 1 }, 2147483647, { 9999, 12, 31 } },
};

/* Every row of arith for op. */
static void run_arith(enum arith_op op)
{
	cv_date d, r;
	size_t i;

	for (i = 0; i < NROWS(arith); i++) {
		if (arith[i].op != op)
			continue;
		d = DA(arith[i].in);
		switch (op) {
		case ADD_DAYS:
			cv_date_add_days(&r, &d, arith[i].n);
			break;
		case ADD_MONTHS_CLAMP:
			cv_date_add_months_clamp(&r, &d, (int)arith[i].n);
			break;
		case ADD_MONTHS_LATER:
			cv_date_add_months_later(&r, &d, (int)arith[i].n);
			break;
		case ADD_YEARS_LATER:
			cv_date_add_years_later(&r, &d, (int)arith[i].n);
			break;
		}
		assert_row("arith", i, &r, arith[i].want);
	}
}

static void test_add_days(void **state)
{
	cv_date d = D(2026, 12, 31);

	run_arith(ADD_DAYS);
	/* out and in may be the same object */
	cv_date_add_days(&d, &d, -365);
	assert_date(d, 2025, 12, 31);
}

static void test_add_months_clamp(void **state)
{
	run_arith(ADD_MONTHS_CLAMP);
}

static void test_add_months_later(void **state)
{
	run_arith(ADD_MONTHS_LATER);
}

static void test_add_years_later(void **state)
{
	run_arith(ADD_YEARS_LATER);
}

static void test_today_env(void **state)
{
	/* set but invalid: an error, never a silent fall-back to the clock */
	static const struct {
		const char *env;
		int rc;
		int want[3];
	} rows[] = {
		{ "2026-09-03", 0, { 2026, 9, 3 } }, { "2024-02-29", 0, { 2024, 2, 29 } },
		{ "2026-02-29", CV_EINVAL, { 0 } }, { "3 Sep 2026", CV_EINVAL, { 0 } },
		{ "", CV_EINVAL, { 0 } },
	};
	cv_date d;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		assert_int_equal(setenv("CASEVAULT_TODAY", rows[i].env, 1), 0);
		assert_int_equal(cv_date_today(&d), rows[i].rc);
		if (rows[i].rc == 0)
			assert_row("today", i, &d, rows[i].want);
	}
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
