/*
 * Unit tests for the retention edge cases in the rules layer
 * (docs/legal-rules.md §12-§14): an approval of destruction is void once a
 * hold or a moratorium has stood on the record since it was given (a fresh
 * review is needed); SEN/EHCP material is never kept past the child's date
 * of birth + 31 years, even when the case closes after the child is 25.
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

/* A review-class record due on 2026-03-01, asked about on 2026-06-01. */
static cv_due_status decide(int approved, int held_since, int held)
{
	cv_due_facts f = { "2026-03-01", "2026-06-01", 1, 0, held, 1, approved, held_since };
	cv_due_status s = (cv_due_status)-1;

	assert_int_equal(cv_due_decide(&f, &s), 1);
	return s;
}

static void test_approval_stands(void **state)
{
	(void)state;
	assert_int_equal(decide(1, 0, 0), CV_DUE_APPROVED);
	assert_true(cv_due_goes(decide(1, 0, 0)));
}

static void test_approval_void_after_hold(void **state)
{
	(void)state;
	/* a hold or moratorium since the approval, now released: awaiting a fresh review */
	assert_int_equal(decide(1, 1, 0), CV_DUE_REVIEW);
	assert_false(cv_due_goes(decide(1, 1, 0)));
	/* still standing: held, whatever the approval */
	assert_int_equal(decide(1, 1, 1), CV_DUE_HELD);
	/* no approval: awaiting review as before */
	assert_int_equal(decide(0, 0, 0), CV_DUE_REVIEW);
}

static cv_date D(int y, int m, int d)
{
	cv_date x = { y, m, d };

	return x;
}

/* The shipped schedule's SEN/EHCP class: closure + 6 years, DOB + 25, at most DOB + 31 years. */
static void test_sen_ceiling_late_closure(void **state)
{
	cv_policy *p = NULL;
	cv_problems probs;
	const cv_class *c;
	cv_date filed = D(2020, 1, 1), dob = D(2010, 5, 6), closed = D(2038, 6, 1), out;
	cv_retention_facts f = { &filed, &filed, &closed, &dob, &filed };

	(void)state;
	memset(&probs, 0, sizeof(probs));
	assert_int_equal(cv_policy_load(&p, CV_TEST_SOURCE_DIR "/policies", &probs), 0);
	c = cv_policy_class(p, "sen-ehcp");
	assert_non_null(c);
	/* the child is 28 at closure; closure + 6 would be 2044: the ceiling, DOB + 31 = 2041-05-06, wins */
	assert_int_equal(cv_retention_date(&out, c, &f), 0);
	assert_true(cv_date_cmp(&out, &(cv_date){ 2041, 5, 6 }) <= 0);
	assert_true(cv_date_cmp(&out, &(cv_date){ 2041, 4, 1 }) >= 0);  /* the ceiling's quarter start */
	cv_policy_free(p);
	cv_problems_release(&probs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_approval_stands),
		cmocka_unit_test(test_approval_void_after_hold),
		cmocka_unit_test(test_sen_ceiling_late_closure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
