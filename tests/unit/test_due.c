/*
 * Unit tests for vault/rules/due.c (the status a record gets once due), the
 * quarter rounding of dates worked out from a date of birth (rules/policy.c,
 * cv_retention_date) and the age rule of Sch 3 para 21 (redpolicy.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "casevault/date.h"
#include "casevault/policy.h"
#include "rules/due.h"
#include "rules/redpolicy.h"

/* A destroy-class record dated 2026-03-01, current rules, not held. */
static cv_due_facts plain(const char *as_of)
{
	cv_due_facts f = { "2026-03-01", as_of, 1, 0, 0, 0, 0, 0 };

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
			cv_due_facts f = { text[i], day, 1, 0, 0, 0, 0, 0 };
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

/*
 * Dates worked out from a date of birth (docs/legal-rules.md §12): 2,000
 * random dates of birth and closure dates, each with a second child born in
 * the same quarter and closed the same day, through the shipped schedule
 * (child protection, SEN/EHCP with its DOB + 31 years ceiling, a letter)
 * and two classes whose periods have months and days.  For each:
 *   (a) never due before the exact date of its rules, unless the ceiling
 *       forbids keeping it so long (then not before the ceiling's quarter);
 *   (b) never due after the exact ceiling;
 *   (c) a date the birth decides (not a closure's) is a quarter boundary;
 *   (d) two children born in one quarter get the same date when the birth
 *       decides it for both.
 * The exact dates are the same periods run from a trigger that is not a
 * birth (test_policy.c checks that arithmetic against worked examples).
 */
#define DOB_SEED 20261203u
#define DOB_RUNS 2000

/* The exact date of r from from: the same period run from a trigger that is no birth (never rounded). */
static void exact_rule(cv_date *out, const cv_retention_rule *r, const cv_date *from)
{
	cv_retention_facts f = { from, NULL, NULL, NULL, NULL };
	cv_class one;

	memset(&one, 0, sizeof(one));
	one.rules[0] = *r;
	one.rules[0].trigger = CV_TRIG_FILED;
	one.nrules = 1;
	assert_int_equal(cv_retention_date(out, &one, &f), 0);
}

static int quarter_boundary(const cv_date *d)
{
	return (d->m % 3 == 1 && d->d == 1) || (d->m % 3 == 0 && d->d == cv_date_days_in_month(d->y, d->m));
}

struct dob_case {
	cv_date dob, closed, got, floor, ceil, by_closure;
	int closure_decides;
};

/* The class's date for one child, its exact limits, and whether the closure decided it. */
static void dob_date(const cv_class *c, struct dob_case *k)
{
	cv_retention_facts f = { NULL, NULL, &k->closed, &k->dob, NULL };
	cv_date d;
	size_t i;

	assert_int_equal(cv_retention_date(&k->got, c, &f), 0);
	k->closure_decides = 0;
	for (i = 0; i < c->nrules; i++) {
		int by_dob = c->rules[i].trigger == CV_TRIG_CHILD_DOB;

		exact_rule(&d, &c->rules[i], by_dob ? &k->dob : &k->closed);
		if (i == 0 || cv_date_cmp(&d, &k->floor) > 0)
			k->floor = d;
		if (!by_dob && !cv_date_cmp(&d, &k->got))
			k->closure_decides = 1;
	}
	k->ceil.y = 0;
	if (c->has_ceiling)
		exact_rule(&k->ceil, &c->ceiling, &k->dob);
}

static void dob_check(const cv_class *c, const struct dob_case *k, size_t run)
{
	char g[11], b[11];

	cv_date_format(&k->got, g);
	cv_date_format(&k->dob, b);
	if (c->has_ceiling && cv_date_cmp(&k->floor, &k->ceil) > 0) {
		cv_date q = k->ceil;

		q.d = 1;
		q.m = (q.m - 1) / 3 * 3 + 1;
		if (cv_date_cmp(&k->got, &q) < 0)
			fail_msg("seed %u run %zu [%s] born %s: due %s, before the ceiling's quarter", DOB_SEED, run, c->name, b, g);
	} else if (cv_date_cmp(&k->got, &k->floor) < 0) {
		fail_msg("seed %u run %zu [%s] born %s: due %s, before its exact date", DOB_SEED, run, c->name, b, g);
	}
	if (c->has_ceiling && cv_date_cmp(&k->got, &k->ceil) > 0)
		fail_msg("seed %u run %zu [%s] born %s: due %s, after its ceiling", DOB_SEED, run, c->name, b, g);
	if (!k->closure_decides && !quarter_boundary(&k->got))
		fail_msg("seed %u run %zu [%s] born %s: due %s, no quarter boundary", DOB_SEED, run, c->name, b, g);
}

static void dob_classes(cv_class cls[5], cv_policy **pol)
{
	static const char *const shipped[] = { "cp-note", "sen-ehcp", "letter" };
	cv_retention_rule months = { CV_TRIG_CHILD_DOB, 18, 7, 0 }, days = { CV_TRIG_CHILD_DOB, 25, 0, 45 };
	cv_retention_rule closed = { CV_TRIG_CASE_CLOSED, 6, 0, 0 };
	cv_problems pr = CV_PROBLEMS_INIT;
	size_t i;

	assert_int_equal(cv_policy_load(pol, CV_TEST_SOURCE_DIR "/policies", &pr), 0);
	for (i = 0; i < 3; i++) {
		assert_non_null(cv_policy_class(*pol, shipped[i]));
		cls[i] = *cv_policy_class(*pol, shipped[i]);
	}
	assert_true(cls[1].has_ceiling);  /* SEN/EHCP: DOB + 31 years at most */
	memset(&cls[3], 0, sizeof(cls[3]));
	snprintf(cls[3].name, sizeof(cls[3].name), "months");
	cls[3].rules[0] = months;
	cls[3].rules[1] = closed;
	cls[3].nrules = 2;
	cls[4] = cls[3];
	snprintf(cls[4].name, sizeof(cls[4].name), "days-ceiling");
	cls[4].rules[0] = days;
	cls[4].has_ceiling = 1;
	cls[4].ceiling = (cv_retention_rule){ CV_TRIG_CHILD_DOB, 26, 0, 0 };
}

static void test_dob_quarters(void **state)
{
	cv_class cls[5];
	cv_policy *pol = NULL;
	uint32_t seed = DOB_SEED;
	cv_date b0, c0;
	size_t run, i;
	int decided = 0;

	(void)state;
	dob_classes(cls, &pol);
	assert_int_equal(cv_date_parse(&b0, "1995-01-01"), 0);
	for (run = 0; run < DOB_RUNS; run++) {
		struct dob_case k1, k2;

		cal_random_day(&seed, &b0, 30 * 366, &k1.dob);
		/* a second child born in the same quarter, both cases closed the same day */
		k2.dob = k1.dob;
		k2.dob.m = (k1.dob.m - 1) / 3 * 3 + 1 + (int)(cal_next(&seed) % 3);
		k2.dob.d = 1 + (int)(cal_next(&seed) % (uint32_t)cv_date_days_in_month(k2.dob.y, k2.dob.m));
		cv_date_add_days(&c0, &k1.dob, 92);
		cal_random_day(&seed, &c0, 28 * 366, &k1.closed);
		k2.closed = k1.closed;
		for (i = 0; i < 5; i++) {
			dob_date(&cls[i], &k1);
			dob_date(&cls[i], &k2);
			dob_check(&cls[i], &k1, run);
			dob_check(&cls[i], &k2, run);
			if (cls[i].rules[0].trigger == CV_TRIG_CHILD_DOB && !k1.closure_decides && !k2.closure_decides) {
				decided++;
				if (cv_date_cmp(&k1.got, &k2.got))
					fail_msg("seed %u run %zu [%s]: two children born in one quarter, two dates", DOB_SEED, run,
						 cls[i].name);
			}
		}
	}
	/* the births decided often enough for (c) and (d) to mean something */
	assert_true(decided > DOB_RUNS);
	cv_policy_free(pol);
}

/* The class's date for a child born dob whose case closed on closed must be want. */
static void expect_due(const cv_class *c, const char *dob, const char *closed, const char *want)
{
	cv_date b, cl, got;
	cv_retention_facts f = { NULL, NULL, &cl, &b, NULL };
	char out[11];

	assert_int_equal(cv_date_parse(&b, dob), 0);
	assert_int_equal(cv_date_parse(&cl, closed), 0);
	assert_int_equal(cv_retention_date(&got, c, &f), 0);
	cv_date_format(&got, out);
	assert_string_equal(out, want);
}

/* Fixed cases: a floor goes at its quarter's end, a ceiling at its quarter's start, closure dates exact. */
static void test_dob_quarters_fixed(void **state)
{
	cv_class c;
	cv_date closed, got;
	cv_retention_facts f = { NULL, NULL, &closed, NULL, NULL };

	(void)state;
	memset(&c, 0, sizeof(c));
	c.rules[0] = (cv_retention_rule){ CV_TRIG_CHILD_DOB, 25, 0, 0 };
	c.rules[1] = (cv_retention_rule){ CV_TRIG_CASE_CLOSED, 6, 0, 0 };
	c.nrules = 2;
	expect_due(&c, "2015-03-04", "2026-01-10", "2040-03-31");
	expect_due(&c, "2016-02-29", "2026-01-10", "2041-03-31");
	expect_due(&c, "2016-02-29", "2038-05-17", "2044-05-17");  /* the closure decides: exact */
	/* a ceiling of DOB + 31y binds: the first day of its quarter */
	c.has_ceiling = 1;
	c.ceiling = (cv_retention_rule){ CV_TRIG_CHILD_DOB, 31, 0, 0 };
	expect_due(&c, "2010-05-20", "2036-01-01", "2041-04-01");
	/* the closure's date inside the ceiling's quarter, before the exact ceiling: that date */
	expect_due(&c, "2010-05-20", "2035-05-02", "2041-05-02");
	/* the ceiling's trigger not known yet: no date */
	assert_int_equal(cv_date_parse(&closed, "2035-05-02"), 0);
	assert_int_equal(cv_retention_date(&got, &c, &f), CV_ENOTFOUND);
}

/* policy check refuses a child-dob rule within a quarter of a child-dob ceiling. */
static void test_dob_ceiling_check(void **state)
{
	static const char ft[] = "[application/pdf]\nextension = pdf\n";
	static const char good[] = "[sen]\nlabel = S\nsection = case\nrule = child-dob + 25y\n"
				   "rule = case-closed + 6y\nceiling = child-dob + 31y\naction = review\n";
	static const char near[] = "[sen]\nlabel = S\nsection = case\nrule = child-dob + 30y11m\n"
				   "ceiling = child-dob + 31y\naction = review\n";
	static const char twice[] = "[sen]\nlabel = S\nsection = case\nrule = child-dob + 25y\n"
				    "ceiling = child-dob + 31y\nceiling = child-dob + 30y\naction = review\n";
	cv_problems pr = CV_PROBLEMS_INIT;
	cv_policy *p = NULL;
	const cv_class *c;

	(void)state;
	assert_int_equal(cv_policy_load_mem(&p, good, strlen(good), ft, strlen(ft), &pr), 0);
	c = cv_policy_class(p, "sen");
	assert_true(c && c->has_ceiling && c->ceiling.years == 31 && c->nrules == 2);
	cv_policy_free(p);
	assert_int_equal(cv_policy_load_mem(&p, near, strlen(near), ft, strlen(ft), &pr), CV_EPOLICY);
	assert_int_equal(pr.n, 1);
	assert_non_null(strstr(pr.items[0].msg, "within a calendar quarter of the ceiling"));
	cv_problems_release(&pr);
	assert_int_equal(cv_policy_load_mem(&p, twice, strlen(twice), ft, strlen(ft), &pr), CV_EPOLICY);
	assert_non_null(strstr(pr.items[0].msg, "duplicate key 'ceiling'"));
	cv_problems_release(&pr);
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
		cmocka_unit_test(test_dob_quarters),
		cmocka_unit_test(test_dob_quarters_fixed),
		cmocka_unit_test(test_dob_ceiling_check),
		cmocka_unit_test(test_para21_parent_child_under_18),
		cmocka_unit_test(test_para21_not_for_the_child_or_an_adult),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
