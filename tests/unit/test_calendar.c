/*
 * Unit tests for vault/calendar.c: the shipped England & Wales calendar,
 * subject access request due dates (docs/legal-rules.md §1-§3), and policy file errors.
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

#include "casevault/calendar.h"
#include "testutil.h"

#define SHIPPED CV_TEST_SOURCE_DIR "/policies/calendar.ini"

static cv_calendar *cal;   /* the shipped calendar, loaded once */

/* A day and its holiday name in the shipped calendar (NULL: not a holiday). */
struct named_day {
	int d[3];
	const char *name;
};

static void assert_names(const struct named_day *rows, size_t n)
{
	const char *got;
	cv_date d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = DA(rows[i].d);
		got = cv_calendar_holiday_name(cal, &d);
		if (rows[i].name ? !got || strcmp(got, rows[i].name) : got != NULL)
			fail_msg("row %zu: %04d-%02d-%02d is \"%s\", want \"%s\"", i,
				 d.y, d.m, d.d, got ? got : "(none)",
				 rows[i].name ? rows[i].name : "(none)");
	}
}

static int load_shipped(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;
	size_t i;
	int ret = cv_calendar_load(&cal, SHIPPED, &p);

	for (i = 0; i < p.n; i++)
		print_error("%s:%d: %s\n", p.items[i].file, p.items[i].line, p.items[i].msg);
	cv_problems_release(&p);
	return ret == 0 && cal ? 0 : -1;
}

static int free_shipped(void **state)
{
	cv_calendar_free(cal);
	cal = NULL;
	return 0;
}

/* ---- the shipped calendar ---- */

/* Every holiday the calendar computes for year y, as "YYYY-MM-DD" lines. */
static void holidays_of_year(char *out, size_t size, int y)
{
	cv_date d = D(y, 1, 1);
	size_t len = 0;

	out[0] = '\0';
	while (d.y == y) {
		if (cv_calendar_is_holiday(cal, &d)) {
			assert_true(len + 12 < size);
			cv_date_format(&d, out + len);
			len += 10;
			out[len++] = ' ';
			out[len] = '\0';
		}
		cv_date_add_days(&d, &d, 1);
	}
}

/* docs/legal-rules.md §2: exactly these, no more, no fewer. */
static void test_bank_holidays_2025_2027(void **state)
{
	char got[512];

	holidays_of_year(got, sizeof(got), 2025);
	assert_string_equal(got,
		"2025-01-01 2025-04-18 2025-04-21 2025-05-05 "
		"2025-05-26 2025-08-25 2025-12-25 2025-12-26 ");
	holidays_of_year(got, sizeof(got), 2026);
	assert_string_equal(got,
		"2026-01-01 2026-04-03 2026-04-06 2026-05-04 "
		"2026-05-25 2026-08-31 2026-12-25 2026-12-28 ");
	holidays_of_year(got, sizeof(got), 2027);
	assert_string_equal(got,
		"2027-01-01 2027-03-26 2027-03-29 2027-05-03 "
		"2027-05-31 2027-08-30 2027-12-27 2027-12-28 ");
}

/* The one-off and moved days of the shipped [extra] and [removed]. */
static void test_shipped_one_off_days(void **state)
{
	char got[512];
	cv_date d;

	holidays_of_year(got, sizeof(got), 2020);   /* early May moved to Fri 8 May */
	assert_string_equal(got,
		"2020-01-01 2020-04-10 2020-04-13 2020-05-08 "
		"2020-05-25 2020-08-31 2020-12-25 2020-12-28 ");
	holidays_of_year(got, sizeof(got), 2022);
	assert_string_equal(got,
		"2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 "
		"2022-06-03 2022-08-29 2022-09-19 2022-12-26 2022-12-27 ");
	holidays_of_year(got, sizeof(got), 2023);
	assert_string_equal(got,
		"2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 "
		"2023-05-29 2023-08-28 2023-12-25 2023-12-26 ");
	d = D(2020, 5, 4);
	assert_true(cv_calendar_is_working_day(cal, &d));
	assert_null(cv_calendar_holiday_name(cal, &d));
	d = D(2022, 9, 19);
	assert_string_equal(cv_calendar_holiday_name(cal, &d),
			    "Bank holiday for the State Funeral of Queen Elizabeth II");
}

/* Easter moves; check Good Friday and Easter Monday on known Easters. */
static void test_easter(void **state)
{
	static const int easter[][3] = {
		{ 1818, 3, 22 }, { 1943, 4, 25 }, { 2000, 4, 23 }, { 2008, 3, 23 },
		{ 2011, 4, 24 }, { 2019, 4, 21 }, { 2024, 3, 31 }, { 2038, 4, 25 },
		{ 2285, 3, 22 },
	};
	size_t i;

	for (i = 0; i < sizeof(easter) / sizeof(easter[0]); i++) {
		cv_date sun = D(easter[i][0], easter[i][1], easter[i][2]), d;

		cv_date_add_days(&d, &sun, -2);
		assert_string_equal(cv_calendar_holiday_name(cal, &d), "Good Friday");
		cv_date_add_days(&d, &sun, 1);
		assert_string_equal(cv_calendar_holiday_name(cal, &d), "Easter Monday");
		cv_date_add_days(&d, &sun, -1);
		assert_null(cv_calendar_holiday_name(cal, &d));
	}
}

static void test_substitute_days(void **state)
{
	static const struct named_day rows[] = {
		/* Christmas 2027 on a Saturday: Sat 25 and Sun 26 are weekend days */
		{ { 2027, 12, 27 }, "Christmas Day (substitute day)" },
		{ { 2027, 12, 28 }, "Boxing Day (substitute day)" },
		/* Christmas 2022 on a Sunday: Boxing Day Mon 26, Christmas Tue 27 */
		{ { 2022, 12, 26 }, "Boxing Day" },
		{ { 2022, 12, 27 }, "Christmas Day (substitute day)" },
		/* Christmas 2026 on a Friday: Boxing Day moves to Mon 28 */
		{ { 2026, 12, 25 }, "Christmas Day" },
		{ { 2026, 12, 28 }, "Boxing Day (substitute day)" },
		/* New Year on a Saturday (2028) and a Sunday (2023) */
		{ { 2028, 1, 3 }, "New Year's Day (substitute day)" },
		{ { 2023, 1, 2 }, "New Year's Day (substitute day)" },
	};
	cv_date d;

	assert_names(rows, NROWS(rows));
	d = D(2027, 12, 25);
	assert_false(cv_calendar_is_holiday(cal, &d));
	assert_false(cv_calendar_is_working_day(cal, &d));
	d = D(2028, 1, 1);
	assert_false(cv_calendar_is_holiday(cal, &d));
}

static void test_working_days(void **state)
{
	/* 1: a working day */
	static const struct day_num rows[] = {
		{ { 2026, 9, 3 }, 1 },          /* Thursday */
		{ { 2026, 10, 2 }, 1 },         /* Friday */
		{ { 2026, 10, 3 }, 0 },         /* Saturday */
		{ { 2026, 10, 4 }, 0 },         /* Sunday */
		{ { 2026, 8, 31 }, 0 },         /* summer bank holiday, a Monday */
		{ { 2026, 2, 29 }, 0 },         /* not a date */
	};
	static const struct named_day names[] = {
		{ { 2026, 8, 31 }, "Summer bank holiday" },
		{ { 2026, 5, 4 }, "Early May bank holiday" },
		{ { 2026, 5, 25 }, "Spring bank holiday" },
	};
	cv_date d;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		d = DA(rows[i].d);
		if (!cv_calendar_is_working_day(cal, &d) != !rows[i].v)
			fail_msg("row %zu: working day should be %ld", i, rows[i].v);
	}
	assert_names(names, NROWS(names));
	d = D(2026, 10, 3);
	assert_false(cv_calendar_is_holiday(cal, &d));
	d = D(2026, 2, 29);
	assert_false(cv_calendar_is_holiday(cal, &d));
	d = D(2026, 9, 3);
	assert_false(cv_calendar_is_working_day(NULL, &d));
}

static void test_next_working_day(void **state)
{
	static const struct {
		int in[3];
		int want[3];
	} rows[] = {
		{ { 2026, 9, 3 }, { 2026, 9, 3 } },     /* already a working day */
		{ { 2026, 10, 3 }, { 2026, 10, 5 } },   /* Saturday -> Monday */
		{ { 2026, 4, 3 }, { 2026, 4, 7 } },     /* Good Friday -> Tuesday after Easter Monday */
		{ { 2027, 12, 25 }, { 2027, 12, 29 } }, /* Sat, Sun, two substitute days */
		{ { 2026, 12, 31 }, { 2026, 12, 31 } }, /* a Thursday */
		{ { 2027, 1, 1 }, { 2027, 1, 4 } },
	};
	cv_date d, r;
	size_t i;

	for (i = 0; i < NROWS(rows); i++) {
		d = DA(rows[i].in);
		assert_int_equal(cv_calendar_next_working_day(&r, cal, &d), 0);
		assert_date(r, rows[i].want[0], rows[i].want[1], rows[i].want[2]);
	}

	r = D(1, 2, 3);
	d = D(2026, 2, 30);
	assert_int_equal(cv_calendar_next_working_day(&r, cal, &d), CV_EINVAL);
	d = D(2026, 9, 3);
	assert_int_equal(cv_calendar_next_working_day(&r, NULL, &d), CV_EINVAL);
	assert_date(r, 1, 2, 3);
}

/* ---- subject access: clock start (docs/legal-rules.md §1) ---- */

static void test_clock_start(void **state)
{
	/* received, identity verified, fee received, clarification; year 0 is "not known" */
	static const struct {
		int f[4][3];
		int rc;
		int want[3];
	} rows[] = {
		{ { { 2026, 1, 5 } }, 0, { 2026, 1, 5 } },
		{ { { 2026, 1, 5 }, { 2026, 1, 20 } }, 0, { 2026, 1, 20 } },
		/* fee earlier than identity: identity wins */
		{ { { 2026, 1, 5 }, { 2026, 1, 20 }, { 2026, 1, 12 } }, 0, { 2026, 1, 20 } },
		{ { { 2026, 1, 5 }, { 2026, 1, 20 }, { 2026, 1, 12 }, { 2026, 1, 27 } }, 0,
		  { 2026, 1, 27 } },
		/* each fact alone can be the latest */
		{ { { 2026, 1, 5 }, { 0 }, { 2026, 1, 12 } }, 0, { 2026, 1, 12 } },
		{ { { 2026, 1, 5 }, { 0 }, { 0 }, { 2026, 1, 27 } }, 0, { 2026, 1, 27 } },
		/* identity already verified before the request: receipt starts it */
		{ { { 2026, 1, 5 }, { 2025, 12, 1 } }, 0, { 2026, 1, 5 } },
		/* no receipt; a date that does not exist */
		{ { { 0 }, { 2026, 1, 20 } }, CV_EINVAL, { 0 } },
		{ { { 2026, 1, 5 }, { 0 }, { 2026, 2, 29 } }, CV_EINVAL, { 0 } },
		{ { { 2026, 2, 29 } }, CV_EINVAL, { 0 } },
	};
	cv_date dates[4], r;
	const cv_date *p[4];
	cv_sar_facts f;
	size_t i, k;

	for (i = 0; i < NROWS(rows); i++) {
		for (k = 0; k < 4; k++) {
			dates[k] = DA(rows[i].f[k]);
			p[k] = rows[i].f[k][0] ? &dates[k] : NULL;
		}
		f = (cv_sar_facts){ p[0], p[1], p[2], p[3] };
		r = D(1, 2, 3);
		assert_int_equal(cv_calendar_sar_clock_start(&r, &f), rows[i].rc);
		if (rows[i].rc == 0)
			assert_date(r, rows[i].want[0], rows[i].want[1], rows[i].want[2]);
		else
			assert_date(r, 1, 2, 3);
	}
	assert_int_equal(cv_calendar_sar_clock_start(&r, NULL), CV_EINVAL);
	assert_date(r, 1, 2, 3);
}

/* ---- subject access: due date (docs/legal-rules.md §2) ---- */

static const struct {
	int start[3];
	int due[3];
	int extended[3];
	const char *why;
} due_cases[] = {
	/* the three examples in docs/legal-rules.md §2 */
	{ { 2026, 9, 3 }, { 2026, 10, 5 }, { 2026, 12, 3 }, "Sat 3 Oct -> Mon 5 Oct" },
	{ { 2026, 1, 31 }, { 2026, 3, 2 }, { 2026, 4, 30 }, "28 Feb is a Saturday" },
	{ { 2026, 11, 30 }, { 2026, 12, 30 }, { 2027, 3, 1 }, "Wed 30 Dec" },
	/* month ends, leap and common years */
	{ { 2024, 1, 31 }, { 2024, 2, 29 }, { 2024, 4, 30 }, "31 Jan, leap" },
	{ { 2025, 1, 31 }, { 2025, 2, 28 }, { 2025, 4, 30 }, "31 Jan, common" },
	{ { 2024, 1, 30 }, { 2024, 2, 29 }, { 2024, 4, 30 }, "30 Jan, leap" },
	{ { 2025, 1, 29 }, { 2025, 2, 28 }, { 2025, 4, 29 }, "29 Jan, common" },
	{ { 2025, 1, 30 }, { 2025, 2, 28 }, { 2025, 4, 30 }, "30 Jan, common" },
	{ { 2024, 3, 29 }, { 2024, 4, 29 }, { 2024, 7, 1 }, "29 Mar, leap" },
	{ { 2024, 3, 30 }, { 2024, 4, 30 }, { 2024, 7, 1 }, "30 Mar, leap" },
	{ { 2024, 3, 31 }, { 2024, 4, 30 }, { 2024, 7, 1 }, "31 Mar, leap" },
	{ { 2025, 3, 29 }, { 2025, 4, 29 }, { 2025, 6, 30 }, "29 Mar, common" },
	{ { 2025, 3, 30 }, { 2025, 4, 30 }, { 2025, 6, 30 }, "30 Mar, common" },
	{ { 2025, 3, 31 }, { 2025, 4, 30 }, { 2025, 6, 30 }, "31 Mar, common" },
	{ { 2026, 3, 29 }, { 2026, 4, 29 }, { 2026, 6, 29 }, "29 Mar 2026" },
	{ { 2026, 3, 30 }, { 2026, 4, 30 }, { 2026, 6, 30 }, "30 Mar 2026" },
	{ { 2026, 3, 31 }, { 2026, 4, 30 }, { 2026, 6, 30 }, "31 Mar 2026" },
	{ { 2024, 8, 31 }, { 2024, 9, 30 }, { 2024, 12, 2 }, "31 Aug, leap" },
	{ { 2025, 8, 31 }, { 2025, 9, 30 }, { 2025, 12, 1 }, "31 Aug, common" },
	{ { 2026, 8, 31 }, { 2026, 9, 30 }, { 2026, 11, 30 }, "31 Aug 2026" },
	{ { 2025, 11, 30 }, { 2025, 12, 30 }, { 2026, 3, 2 }, "30 Nov -> 28 Feb, Sat" },
	/* received the day before a bank holiday */
	{ { 2026, 4, 2 }, { 2026, 5, 5 }, { 2026, 7, 2 }, "day before Good Friday" },
	{ { 2025, 4, 17 }, { 2025, 5, 19 }, { 2025, 7, 17 }, "day before Good Friday" },
	{ { 2026, 8, 30 }, { 2026, 9, 30 }, { 2026, 11, 30 }, "day before summer holiday" },
	{ { 2025, 12, 31 }, { 2026, 2, 2 }, { 2026, 3, 31 }, "day before New Year" },
	{ { 2026, 12, 24 }, { 2027, 1, 25 }, { 2027, 3, 24 }, "day before Christmas" },
	/* due date lands on a holiday */
	{ { 2026, 11, 25 }, { 2026, 12, 29 }, { 2027, 2, 25 }, "due on Christmas Day" },
	{ { 2027, 11, 25 }, { 2027, 12, 29 }, { 2028, 2, 25 }, "due Sat, then 2 subs" },
	{ { 2027, 4, 30 }, { 2027, 6, 1 }, { 2027, 7, 30 }, "Sun, then spring holiday" },
	{ { 2026, 1, 5 }, { 2026, 2, 5 }, { 2026, 4, 7 }, "extension lands on Easter" },
	{ { 2026, 9, 25 }, { 2026, 10, 26 }, { 2026, 12, 29 }, "extension on Christmas" },
	{ { 2026, 7, 31 }, { 2026, 9, 1 }, { 2026, 11, 2 }, "31 Aug holiday" },
};

static void test_due_dates(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(due_cases) / sizeof(due_cases[0]); i++) {
		cv_date start = D(due_cases[i].start[0], due_cases[i].start[1],
				  due_cases[i].start[2]), due, ext;
		char s[11], got[11], want[11];
		cv_date w;

		cv_date_format(&start, s);
		assert_int_equal(cv_calendar_sar_due(&due, cal, &start), 0);
		w = D(due_cases[i].due[0], due_cases[i].due[1], due_cases[i].due[2]);
		cv_date_format(&due, got);
		cv_date_format(&w, want);
		if (strcmp(got, want))
			fail_msg("start %s (%s): due %s, want %s", s, due_cases[i].why, got, want);
		assert_true(cv_calendar_is_working_day(cal, &due));

		assert_int_equal(cv_calendar_sar_extended_due(&ext, cal, &start), 0);
		w = D(due_cases[i].extended[0], due_cases[i].extended[1],
		      due_cases[i].extended[2]);
		cv_date_format(&ext, got);
		cv_date_format(&w, want);
		if (strcmp(got, want))
			fail_msg("start %s (%s): extended %s, want %s", s, due_cases[i].why,
				 got, want);
	}
}

/* The clock start, not receipt, is what the due date runs from. */
static void test_due_from_clock_start(void **state)
{
	cv_date received = D(2026, 1, 5), id = D(2026, 1, 20), start, due;
	cv_sar_facts f = { &received, &id, NULL, NULL };

	assert_int_equal(cv_calendar_sar_clock_start(&start, &f), 0);
	assert_int_equal(cv_calendar_sar_due(&due, cal, &start), 0);
	assert_date(due, 2026, 2, 20);
}

static void test_due_invalid(void **state)
{
	cv_date bad = D(2026, 2, 29), ok = D(2026, 9, 3), end = D(9999, 12, 1), r = D(1, 2, 3);

	assert_int_equal(cv_calendar_sar_due(&r, cal, &bad), CV_EINVAL);
	assert_int_equal(cv_calendar_sar_due(&r, NULL, &ok), CV_EINVAL);
	assert_int_equal(cv_calendar_sar_due(&r, cal, NULL), CV_EINVAL);
	assert_int_equal(cv_calendar_sar_due(&r, cal, &end), CV_EINVAL);
	assert_int_equal(cv_calendar_sar_extended_due(&r, cal, &bad), CV_EINVAL);
	assert_int_equal(cv_calendar_sar_extended_due(&r, NULL, &ok), CV_EINVAL);
	end = D(9999, 10, 1);
	assert_int_equal(cv_calendar_sar_extended_due(&r, cal, &end), CV_EINVAL);
	assert_date(r, 1, 2, 3);
}

/* ---- subject access: extensions (docs/legal-rules.md §3) ---- */

static int problem_contains(const cv_problems *p, const char *needle)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strstr(p->items[i].msg, needle))
			return 1;
	return 0;
}

static void test_extension_allowed(void **state)
{
	cv_date start = D(2026, 9, 3), told = D(2026, 10, 5), early = D(2026, 9, 10), r;
	cv_sar_extension ext = { 1, 0, "the request covers ten years of case files", &told };
	cv_problems p = CV_PROBLEMS_INIT;

	/* told on the (rolled) original due date itself */
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, &p), 0);
	assert_date(r, 2026, 12, 3);
	assert_int_equal(p.n, 0);
	/* one of several instead of complex; told early; no problem list */
	ext = (cv_sar_extension){ 0, 1, "three linked requests", &early };
	r = D(1, 2, 3);
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, NULL), 0);
	assert_date(r, 2026, 12, 3);
	/* both flags */
	ext.complex = 1;
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, &p), 0);
	assert_int_equal(p.n, 0);
	/* extended date rolls like the due date: 31 Jan -> 30 Apr */
	start = D(2026, 1, 31);
	told = D(2026, 3, 2);
	ext = (cv_sar_extension){ 1, 0, "complex", &told };
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, &p), 0);
	assert_date(r, 2026, 4, 30);
	cv_problems_release(&p);
}

/* The extension is refused with one problem, whose message contains needle. */
static void expect_refused(const cv_date *start, const cv_sar_extension *ext, const char *needle)
{
	cv_problems p = CV_PROBLEMS_INIT;
	cv_date r = D(1, 2, 3);

	assert_int_equal(cv_calendar_sar_extend(&r, cal, start, ext, &p), CV_EREFUSED);
	assert_int_equal(p.n, 1);
	assert_true(problem_contains(&p, needle));
	cv_problems_release(&p);
	assert_date(r, 1, 2, 3);
}

static void test_extension_refused(void **state)
{
	cv_date start = D(2026, 9, 3), told = D(2026, 9, 20), late = D(2026, 10, 6);
	cv_date unrolled = D(2026, 10, 3), r = D(1, 2, 3);
	cv_sar_extension ext;
	cv_problems p = CV_PROBLEMS_INIT;

	/* neither complex nor one of several */
	ext = (cv_sar_extension){ 0, 0, "we are busy", &told };
	expect_refused(&start, &ext, "neither flagged complex nor one of several");

	/* no reason, and a blank one */
	ext = (cv_sar_extension){ 1, 0, NULL, &told };
	expect_refused(&start, &ext, "no reason");
	ext.reason = " \t\n";
	expect_refused(&start, &ext, "no reason");

	/* not told yet */
	ext = (cv_sar_extension){ 1, 0, "complex", NULL };
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, &p), CV_EREFUSED);
	assert_int_equal(p.n, 1);
	assert_true(problem_contains(&p, "has not been told"));
	assert_true(problem_contains(&p, "2026-10-05"));
	cv_problems_release(&p);

	/* told the day after the original due date */
	ext.notified = &late;
	expect_refused(&start, &ext, "after the original due date 2026-10-05");

	/* the unrolled date (Sat 3 Oct) is not the due date: still allowed */
	ext.notified = &unrolled;
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, &p), 0);
	assert_date(r, 2026, 12, 3);
	r = D(1, 2, 3);

	/* everything wrong: every reason is listed */
	ext = (cv_sar_extension){ 0, 0, "", &late };
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, &p), CV_EREFUSED);
	assert_int_equal(p.n, 3);
	assert_null(p.items[0].file);
	assert_int_equal(p.items[0].line, 0);
	cv_problems_release(&p);
	/* refused without a problem list too */
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, NULL), CV_EREFUSED);
	/* a refusal never sets the extended date */
	assert_date(r, 1, 2, 3);
}

static void test_extension_invalid(void **state)
{
	cv_date start = D(2026, 9, 3), told = D(2026, 9, 20), bad = D(2026, 9, 31), r;
	cv_sar_extension ext = { 1, 0, "complex", &told };

	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, NULL, NULL), CV_EINVAL);
	assert_int_equal(cv_calendar_sar_extend(&r, NULL, &start, &ext, NULL), CV_EINVAL);
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &bad, &ext, NULL), CV_EINVAL);
	ext.notified = &bad;
	assert_int_equal(cv_calendar_sar_extend(&r, cal, &start, &ext, NULL), CV_EINVAL);
}

/* ---- policy files ---- */

static const char rules_ok[] =
	"[rules]\n"
	"new-year = yes\n"
	"good-friday = yes\n"
	"easter-monday = yes\n"
	"early-may = yes\n"
	"spring = yes\n"
	"summer = yes\n"
	"christmas = yes\n"
	"boxing-day = yes\n";          /* lines 1-9 */

/* Write text to a new temporary file; returns its path (free it). */
static char *write_tmp(const char *text)
{
	char *path;
	FILE *f;
	int fd;

	assert_true(asprintf(&path, "%s/test_calendar_XXXXXX.ini", CV_TEST_BINARY_DIR) > 0);
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Load text as a calendar file: it must fail with want, listing problems. */
static void load_text(const char *text, int want, cv_problems *p, char **path_out)
{
	cv_calendar *c = (cv_calendar *)1;
	char *path = write_tmp(text);

	assert_int_equal(cv_calendar_load(&c, path, p), want);
	if (want)
		assert_null(c);
	cv_calendar_free(c);
	/* the checker gives the same verdict */
	if (p) {
		cv_problems q = CV_PROBLEMS_INIT;

		assert_int_equal(cv_calendar_check_file(path, &q), want);
		assert_int_equal(q.n, p->n);
		cv_problems_release(&q);
	}
	if (path_out) {
		*path_out = path;
	} else {
		unlink(path);
		free(path);
	}
}

static void assert_problem(const cv_problems *p, int line, const char *needle)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->items[i].line == line && strstr(p->items[i].msg, needle))
			return;
	for (i = 0; i < p->n; i++)
		print_error("  line %d: %s\n", p->items[i].line, p->items[i].msg);
	fail_msg("no problem on line %d containing \"%s\"", line, needle);
}

static void test_check_shipped(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;

	assert_int_equal(cv_calendar_check_file(SHIPPED, &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(cv_calendar_check_file(SHIPPED, NULL), 0);
}

static void test_custom_file(void **state)
{
	char text[1024];
	cv_calendar *c;
	char *path;
	cv_date d;

	/* comments, CRLF line ends, a rule turned off, an extra day */
	assert_true(snprintf(text, sizeof(text),
		"; an office calendar\r\n"
		"# another comment\r\n"
		"%s"
		"\r\n"
		"[extra]\r\n"
		"2026-06-15 = Office closed for the move ; inline comment\r\n",
		"[rules]\r\nnew-year = yes\r\ngood-friday = yes\r\neaster-monday = no\r\n"
		"early-may = yes\r\nspring = yes\r\nsummer = yes\r\nchristmas = yes\r\n"
		"boxing-day = yes\r\n") < (int)sizeof(text));
	path = write_tmp(text);
	assert_int_equal(cv_calendar_load(&c, path, NULL), 0);
	assert_non_null(c);
	d = D(2026, 6, 15);
	assert_string_equal(cv_calendar_holiday_name(c, &d), "Office closed for the move");
	assert_false(cv_calendar_is_working_day(c, &d));
	d = D(2026, 4, 6);              /* Easter Monday is off in this file */
	assert_true(cv_calendar_is_working_day(c, &d));
	d = D(2026, 4, 3);
	assert_false(cv_calendar_is_working_day(c, &d));
	cv_calendar_free(c);
	unlink(path);
	free(path);
}

static void test_bad_date(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;
	char text[1024], *path;

	assert_true(snprintf(text, sizeof(text), "%s\n[extra]\n"
			     "2026-06-15 = fine\n"        /* line 12 */
			     "2026-02-29 = no such day\n" /* line 13 */
			     "15/06/2026 = wrong format\n", /* line 14 */
			     rules_ok) < (int)sizeof(text));
	load_text(text, CV_EPOLICY, &p, &path);
	assert_int_equal(p.n, 2);
	assert_problem(&p, 13, "'2026-02-29' in [extra] is not a date");
	assert_problem(&p, 14, "'15/06/2026' in [extra] is not a date");
	assert_string_equal(p.items[0].file, path);
	unlink(path);
	free(path);
	cv_problems_release(&p);

	assert_true(snprintf(text, sizeof(text), "%s[removed]\n2020-5-4 = moved\n",
			     rules_ok) < (int)sizeof(text));
	load_text(text, CV_EPOLICY, &p, NULL);
	assert_int_equal(p.n, 1);
	assert_problem(&p, 11, "'2020-5-4' in [removed] is not a date");
	cv_problems_release(&p);
}

static void test_unknown_key(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;

	load_text("; comment\n"
		  "[rules]\n"
		  "new-year = yes\n"
		  "good-friday = yes\n"
		  "easter-monday = yes\n"
		  "early-may = yes\n"
		  "whit-monday = yes\n"        /* line 7 */
		  "spring = yes\n"
		  "summer = yes\n"
		  "christmas = yes\n"
		  "boxing-day = yes\n",
		  CV_EPOLICY, &p, NULL);
	assert_int_equal(p.n, 1);
	assert_problem(&p, 7, "unknown rule 'whit-monday'");
	cv_problems_release(&p);
}

static void test_unknown_section(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;
	char text[1024];

	/* the header's line, even for an empty section */
	assert_true(snprintf(text, sizeof(text), "%s[holidays]\n2026-06-15 = x\n[Extra]\n",
			     rules_ok) < (int)sizeof(text));
	load_text(text, CV_EPOLICY, &p, NULL);
	assert_int_equal(p.n, 2);
	assert_problem(&p, 10, "unknown section [holidays]");
	assert_problem(&p, 12, "unknown section [Extra]");
	cv_problems_release(&p);

	load_text("new-year = yes\n", CV_EPOLICY, &p, NULL);
	assert_problem(&p, 1, "outside any section");
	assert_problem(&p, 0, "no [rules] section");
	cv_problems_release(&p);
}

static void test_rule_values(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;

	load_text("[rules]\n"
		  "new-year = yes\n"
		  "good-friday = true\n"       /* line 3 */
		  "easter-monday = yes\n"
		  "early-may = yes\n"
		  "spring = yes\n"
		  "summer = yes\n"
		  "christmas = yes\n"
		  "new-year = no\n",           /* line 9; boxing-day never set */
		  CV_EPOLICY, &p, NULL);
	assert_int_equal(p.n, 3);
	assert_problem(&p, 3, "rule 'good-friday' must be yes or no, not 'true'");
	assert_problem(&p, 9, "rule 'new-year' is already set on line 2");
	assert_problem(&p, 1, "rule 'boxing-day' is not set");
	cv_problems_release(&p);
}

static void test_days_that_do_nothing(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;
	char text[1024];

	assert_true(snprintf(text, sizeof(text), "%s"
		"[extra]\n"                              /* line 10 */
		"2026-06-13 = a Saturday\n"              /* 11 */
		"2026-12-25 = Christmas again\n"         /* 12 */
		"2026-06-15 = fine\n"                    /* 13 */
		"2026-06-15 = twice\n"                   /* 14 */
		"2026-06-16 =\n"                         /* 15 */
		"2026-05-04 = moved and back\n"          /* 16 */
		"[removed]\n"                            /* 17 */
		"2020-05-05 = typo for the 4th\n"        /* 18 */
		"2026-05-04 = moved\n"                   /* 19 */
		"2026-05-25 =    \n",                    /* 20 */
		rules_ok) < (int)sizeof(text));
	load_text(text, CV_EPOLICY, &p, NULL);
	assert_problem(&p, 11, "is a Saturday");
	assert_problem(&p, 12, "already a holiday under [rules] (Christmas Day)");
	assert_problem(&p, 14, "2026-06-15 is already in [extra] on line 13");
	assert_problem(&p, 15, "needs a name");
	assert_problem(&p, 16, "2026-05-04 is also in [removed] on line 19");
	assert_problem(&p, 18, "2020-05-05 in [removed] is not a holiday under [rules]");
	assert_problem(&p, 20, "needs a reason");
	assert_int_equal(p.n, 7);
	cv_problems_release(&p);
}

static void test_syntax_and_long_lines(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;
	char text[2048], longname[300];

	assert_true(snprintf(text, sizeof(text), "%s[extra]\n2026-06-15 fine\n",
			     rules_ok) < (int)sizeof(text));
	load_text(text, CV_EPOLICY, &p, NULL);
	assert_int_equal(p.n, 1);
	assert_problem(&p, 11, "expected [section] or key = value");
	cv_problems_release(&p);

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_true(snprintf(text, sizeof(text), "%s[extra]\n2026-06-15 = %s\n2026-06-16 = ok\n",
			     rules_ok, longname) < (int)sizeof(text));
	load_text(text, CV_EPOLICY, &p, NULL);
	assert_int_equal(p.n, 1);
	assert_problem(&p, 11, "line is longer than");
	cv_problems_release(&p);
}

static void test_file_errors(void **state)
{
	cv_problems p = CV_PROBLEMS_INIT;
	cv_calendar *c = (cv_calendar *)1;

	assert_int_equal(cv_calendar_load(&c, CV_TEST_BINARY_DIR "/no-such-calendar.ini", &p),
			 CV_ENOTFOUND);
	assert_null(c);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.items[0].line, 0);
	cv_problems_release(&p);
	assert_int_equal(cv_calendar_check_file(CV_TEST_BINARY_DIR "/no-such-calendar.ini", NULL),
			 CV_ENOTFOUND);
	assert_int_equal(cv_calendar_load(&c, CV_TEST_BINARY_DIR, &p), CV_EINVAL);
	assert_null(c);
	assert_problem(&p, 0, "not a regular file");
	cv_problems_release(&p);
	load_text("", CV_EPOLICY, &p, NULL);
	assert_problem(&p, 0, "no [rules] section");
	cv_problems_release(&p);
	cv_calendar_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bank_holidays_2025_2027),
		cmocka_unit_test(test_shipped_one_off_days),
		cmocka_unit_test(test_easter),
		cmocka_unit_test(test_substitute_days),
		cmocka_unit_test(test_working_days),
		cmocka_unit_test(test_next_working_day),
		cmocka_unit_test(test_clock_start),
		cmocka_unit_test(test_due_dates),
		cmocka_unit_test(test_due_from_clock_start),
		cmocka_unit_test(test_due_invalid),
		cmocka_unit_test(test_extension_allowed),
		cmocka_unit_test(test_extension_refused),
		cmocka_unit_test(test_extension_invalid),
		cmocka_unit_test(test_check_shipped),
		cmocka_unit_test(test_custom_file),
		cmocka_unit_test(test_bad_date),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_rule_values),
		cmocka_unit_test(test_days_that_do_nothing),
		cmocka_unit_test(test_syntax_and_long_lines),
		cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, load_shipped, free_shipped);
}
