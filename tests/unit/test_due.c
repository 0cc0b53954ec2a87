/* Unit tests for vault/rules/due.c (the status a record gets once due) and the age rule of Sch 3 para 21 (redpolicy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "casevault/date.h"
#include "rules/due.h"
#include "rules/redpolicy.h"

/* A destroy-class record dated 2026-03-01, current rules, not held. */
static cv_due_facts plain(const char *as_of)
{
	cv_due_facts f = { "2026-03-01", as_of, 1, 0, 0, 0, 0 };

	return f;
}

static cv_due_status decide(const cv_due_facts *f)
{
	cv_due_status s = (cv_due_status)-1;

	assert_int_equal(cv_due_decide(f, &s), 1);
	return s;
}

static void test_not_due_the_day_before(void **state)
{
	cv_due_facts f = plain("2026-02-28");
	cv_due_status s = CV_DUE_HELD;

	assert_int_equal(cv_due_decide(&f, &s), 0);
	assert_int_equal(s, CV_DUE_HELD);  /* untouched */
	/* nothing due counts, whatever else holds */
	f.held = 1;
	f.class_known = 0;
	assert_int_equal(cv_due_decide(&f, &s), 0);
	/* across a month and a year */
	f = plain("2025-12-31");
	assert_int_equal(cv_due_decide(&f, &s), 0);
}

static void test_due_the_day_of_and_after(void **state)
{
	cv_due_facts f = plain("2026-03-01");

	assert_int_equal(decide(&f), CV_DUE_DESTROY);
	f.as_of = "2026-03-02";
	assert_int_equal(decide(&f), CV_DUE_DESTROY);
	f.as_of = "2031-01-01";
	assert_int_equal(decide(&f), CV_DUE_DESTROY);
}

static void test_no_date_is_kept(void **state)
{
	cv_due_facts f = plain("2099-12-31");
	cv_due_status s;

	f.retain_until = NULL;
	assert_int_equal(cv_due_decide(&f, &s), 0);
	f.retain_until = "";
	assert_int_equal(cv_due_decide(&f, &s), 0);
}

static void test_unknown_class_first(void **state)
{
	cv_due_facts f = plain("2026-03-01");

	f.class_known = 0;
	assert_int_equal(decide(&f), CV_DUE_UNKNOWN_CLASS);
	f.rules_differ = f.held = f.review_class = f.approved = 1;
	assert_int_equal(decide(&f), CV_DUE_UNKNOWN_CLASS);
}

static void test_stale_before_held(void **state)
{
	cv_due_facts f = plain("2026-03-01");

	f.rules_differ = 1;
	assert_int_equal(decide(&f), CV_DUE_STALE);
	f.held = f.review_class = f.approved = 1;
	assert_int_equal(decide(&f), CV_DUE_STALE);
}

static void test_held(void **state)
{
	cv_due_facts f = plain("2026-03-01");

	f.held = 1;
	assert_int_equal(decide(&f), CV_DUE_HELD);
	/* a hold wins over a manager's approval */
	f.review_class = f.approved = 1;
	assert_int_equal(decide(&f), CV_DUE_HELD);
}

static void test_review(void **state)
{
	cv_due_facts f = plain("2026-03-01");

	f.review_class = 1;
	assert_int_equal(decide(&f), CV_DUE_REVIEW);
	f.approved = 1;
	assert_int_equal(decide(&f), CV_DUE_APPROVED);
	/* an approval means nothing for a class that is not reviewed */
	f.review_class = 0;
	assert_int_equal(decide(&f), CV_DUE_DESTROY);
}

static void test_deferred_review(void **state)
{
	/* a deferral moved retain_until to 2027-06-30: due again that day only */
	cv_due_facts f = plain("2027-06-29");

	f.retain_until = "2027-06-30";
	f.review_class = 1;
	{
		cv_due_status s;
		assert_int_equal(cv_due_decide(&f, &s), 0);
	}
	f.as_of = "2027-06-30";
	assert_int_equal(decide(&f), CV_DUE_REVIEW);
}

static void test_goes_and_pending(void **state)
{
	assert_true(cv_due_goes(CV_DUE_DESTROY));
	assert_true(cv_due_goes(CV_DUE_APPROVED));
	assert_false(cv_due_goes(CV_DUE_HELD));
	assert_false(cv_due_goes(CV_DUE_REVIEW));
	assert_false(cv_due_goes(CV_DUE_STALE));
	assert_false(cv_due_goes(CV_DUE_UNKNOWN_CLASS));
	assert_false(cv_due_goes(CV_DUE_PENDING));
	assert_int_equal(cv_due_rewrite_blocked(CV_DUE_DESTROY), CV_DUE_PENDING);
	assert_int_equal(cv_due_rewrite_blocked(CV_DUE_APPROVED), CV_DUE_PENDING);
	assert_int_equal(cv_due_rewrite_blocked(CV_DUE_HELD), CV_DUE_HELD);
	assert_int_equal(cv_due_rewrite_blocked(CV_DUE_REVIEW), CV_DUE_REVIEW);
	assert_string_equal(cv_due_status_name(CV_DUE_PENDING), "pending-rewrite");
}

static void test_same_rules(void **state)
{
	cv_retention_rule r1[2] = { { CV_TRIG_CASE_CLOSED, 6, 0, 0 }, { CV_TRIG_EVENT_DATE, 6, 0, 0 } };
	cv_retention_rule r2[2] = { { CV_TRIG_CASE_CLOSED, 6, 0, 0 }, { CV_TRIG_EVENT_DATE, 6, 0, 1 } };
	cv_class a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memcpy(a.rules, r1, sizeof(r1));
	a.nrules = 2;
	memcpy(b.rules, r1, sizeof(r1));
	b.nrules = 2;
	assert_true(cv_class_same_rules(&a, &b));
	memcpy(b.rules, r2, sizeof(r2));
	assert_false(cv_class_same_rules(&a, &b));
	memcpy(b.rules, r1, sizeof(r1));
	b.nrules = 1;
	assert_false(cv_class_same_rules(&a, &b));
	assert_false(cv_class_same_rules(&a, NULL));
	assert_false(cv_class_same_rules(NULL, &b));
}

/* docs/legal-rules.md §8: Sch 3 para 21 covers a parent's request about a child under 18. */
static void test_para21_parent_child_under_18(void **state)
{
	(void)state;
	assert_int_equal(cv_rpolicy_para21(1, "2015-02-01", "2026-11-02"), 1);
	/* the day before the 18th birthday: still a child */
	assert_int_equal(cv_rpolicy_para21(1, "2008-11-03", "2026-11-02"), 1);
	/* born 29 February: 18 on 1 March in a common year, so 28 February is still under 18 */
	assert_int_equal(cv_rpolicy_para21(1, "2008-02-29", "2026-02-28"), 1);
}

static void test_para21_not_for_the_child_or_an_adult(void **state)
{
	(void)state;
	/* the child's own request, or anyone without parental responsibility */
	assert_int_equal(cv_rpolicy_para21(0, "2015-02-01", "2026-11-02"), 0);
	/* 18 on the day the request was received, and after */
	assert_int_equal(cv_rpolicy_para21(1, "2008-11-02", "2026-11-02"), 0);
	assert_int_equal(cv_rpolicy_para21(1, "2008-02-29", "2026-03-01"), 0);
	assert_int_equal(cv_rpolicy_para21(1, "2000-01-01", "2026-11-02"), 0);
	/* an unknown or unreadable date of birth never assumes the exemption */
	assert_int_equal(cv_rpolicy_para21(1, "", "2026-11-02"), 0);
	assert_int_equal(cv_rpolicy_para21(1, NULL, "2026-11-02"), 0);
	assert_int_equal(cv_rpolicy_para21(1, "2015-02-30", "2026-11-02"), 0);
}

/*
 * A test calendar (docs/retention.md): 400 records with exact dates
 * (a date of birth + 25 years, or near the runs), 2,000 random run days in
 * order; each run destroys what cv_due_decide sends (cv_due_goes).  No
 * record goes before its exact date, and each goes on the first run on or
 * after it.  The seed is fixed and printed on failure.
 */
#define CAL_SEED 20261202u
#define CAL_RECORDS 400
#define CAL_RUNS 2000

static uint32_t cal_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int cal_day_cmp(const void *a, const void *b)
{
	return cv_date_cmp(a, b);
}

static void cal_random_day(uint32_t *seed, const cv_date *base, long span, cv_date *out)
{
	cv_date_add_days(out, base, (long)(cal_next(seed) % (uint32_t)span));
}

static void test_calendar_never_early(void **state)
{
	static cv_date runs[CAL_RUNS];
	cv_date base, dates[CAL_RECORDS], dob;
	char text[CAL_RECORDS][11], day[11];
	int gone[CAL_RECORDS] = { 0 };
	uint32_t seed = CAL_SEED;
	size_t i, k;

	(void)state;
	assert_int_equal(cv_date_parse(&base, "2030-01-01"), 0);
	for (i = 0; i < CAL_RECORDS; i++) {
		if (i % 2 == 0) {
			cv_date b;

			/* DOB + 25 years, as the policy's month arithmetic does it (29 February: the 28th) */
			assert_int_equal(cv_date_parse(&b, "2005-01-01"), 0);
			cal_random_day(&seed, &b, 15 * 366, &dob);
			cv_date_add_months_clamp(&dates[i], &dob, 25 * 12);
		} else {
			cal_random_day(&seed, &base, 20 * 366, &dates[i]);
		}
		cv_date_format(&dates[i], text[i]);
	}
	for (k = 0; k < CAL_RUNS; k++)
		cal_random_day(&seed, &base, 20 * 366, &runs[k]);
	qsort(runs, CAL_RUNS, sizeof(runs[0]), cal_day_cmp);
	for (k = 0; k < CAL_RUNS; k++) {
		cv_date_format(&runs[k], day);
		for (i = 0; i < CAL_RECORDS; i++) {
			cv_due_facts f = { text[i], day, 1, 0, 0, 0, 0 };
			cv_due_status st;

			if (gone[i] || !cv_due_decide(&f, &st) || !cv_due_goes(st))
				continue;
			if (cv_date_cmp(&dates[i], &runs[k]) > 0)
				fail_msg("seed %u: record %zu dated %s destroyed early on %s", CAL_SEED, i, text[i], day);
			if (k > 0 && cv_date_cmp(&dates[i], &runs[k - 1]) <= 0)
				fail_msg("seed %u: record %zu dated %s kept past the run of %s", CAL_SEED, i, text[i], day);
			gone[i] = 1;
		}
	}
	for (i = 0; i < CAL_RECORDS; i++)
		if (!gone[i] && cv_date_cmp(&dates[i], &runs[CAL_RUNS - 1]) <= 0)
			fail_msg("seed %u: record %zu dated %s never destroyed", CAL_SEED, i, text[i]);
	/* the shared comparison: no date is never reached; the exact day is */
	assert_false(cv_due_reached(NULL, "2030-01-01"));
	assert_false(cv_due_reached("", "2030-01-01"));
	assert_false(cv_due_reached("2030-01-02", "2030-01-01"));
	assert_true(cv_due_reached("2030-01-01", "2030-01-01"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_due_the_day_before),
		cmocka_unit_test(test_calendar_never_early),
		cmocka_unit_test(test_due_the_day_of_and_after),
		cmocka_unit_test(test_no_date_is_kept),
		cmocka_unit_test(test_unknown_class_first),
		cmocka_unit_test(test_stale_before_held),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_review),
		cmocka_unit_test(test_deferred_review),
		cmocka_unit_test(test_goes_and_pending),
		cmocka_unit_test(test_same_rules),
		cmocka_unit_test(test_para21_parent_child_under_18),
		cmocka_unit_test(test_para21_not_for_the_child_or_an_adult),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
