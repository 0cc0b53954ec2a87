/*
 * Unit tests of the retention API (retention.h) against a real vault: the
 * error codes of holds, the due list, review and the purge, the last good
 * policy kept by hash.  End-to-end properties (crypto-shred, crashes, dates
 * for every trigger) are proved by tests/cli/t_purge*.sh and t_retention.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/util.h"
#include "core/keys.h"
#include "casevault/case.h"
#include "casevault/purge.h"
#include "casevault/retention.h"
#define TV_PREFIX "cvr"
#include "testvault.h"
#include "testutil.h"

/* The last good policy is loaded from text: same classes, same hash. */
static void test_policy_load_mem(void **state)
{
	cv_policy *a = NULL, *b = NULL;
	size_t rl, fl;
	char *r = tu_slurp(CV_TEST_SOURCE_DIR "/policies/retention.ini", &rl);
	char *f = tu_slurp(CV_TEST_SOURCE_DIR "/policies/filetypes.ini", &fl);
	cv_problems probs = CV_PROBLEMS_INIT;

	(void)state;
	assert_int_equal(cv_policy_load(&a, CV_TEST_SOURCE_DIR "/policies", NULL), 0);
	assert_int_equal(cv_policy_load_mem(&b, r, rl, f, fl, NULL), 0);
	assert_string_equal(cv_policy_hash(a), cv_policy_hash(b));
	assert_int_equal(cv_policy_class_count(a), cv_policy_class_count(b));
	cv_policy_free(b);
	b = NULL;
	assert_int_equal(cv_policy_load_mem(&b, "[x]\nrule = nope + 1y\n", 21, f, fl, &probs), CV_EPOLICY);
	assert_true(probs.n > 0);
	assert_int_equal(probs.items[0].line, 1);
	cv_problems_release(&probs);
	cv_policy_free(a);
	free(r);
	free(f);
}

static void test_hold_errors(void **state)
{
	cv_vault *v = tv_open();
	char cid[24];
	long id = 0, id2 = 0;
	size_t n = 0;
	cv_hold *list = NULL;

	(void)state;
	assert_int_equal(cv_case_open(v, "P", "K", "2010-01-01", 1, NULL, cid), 0);
	assert_int_equal(cv_hold_place(v, CV_HOLD_HOLD, "X-1", "r", NULL, &id), CV_EINVAL);
	assert_int_equal(cv_hold_place(v, CV_HOLD_HOLD, cid, "", NULL, &id), CV_EINVAL);
	assert_int_equal(cv_hold_place(v, CV_HOLD_HOLD, cid, "two\nlines", NULL, &id), CV_EINVAL);
	assert_int_equal(cv_hold_place(v, CV_HOLD_HOLD, "C-1999-0001", "r", NULL, &id), CV_ENOTFOUND);
	assert_int_equal(cv_hold_place(v, CV_HOLD_HOLD, "R-999999", "r", NULL, &id), CV_ENOTFOUND);
	assert_int_equal(cv_hold_place(v, CV_HOLD_HOLD, cid, "Tribunal", NULL, &id), 0);
	/* A request is a hold of kind 'request' with its reference; no reason needed. */
	assert_int_equal(cv_hold_place(v, CV_HOLD_REQUEST, cid, NULL, "SAR-0001", &id2), 0);
	assert_int_equal(cv_hold_list(v, 0, 1, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[1].id, id);
	assert_non_null(list[1].reason);
	assert_string_equal(list[1].reason, "Tribunal");
	assert_string_equal(cv_hold_kind_name(list[0].kind), "request");
	assert_string_equal(list[0].ref, "SAR-0001");
	cv_hold_list_free(list, n);
	assert_int_equal(cv_hold_release(v, 9999), CV_ENOTFOUND);
	assert_int_equal(cv_hold_release(v, id), 0);
	assert_int_equal(cv_hold_release(v, id), CV_EREFUSED);
	n = 0;
	assert_int_equal(cv_hold_release_ref(v, CV_HOLD_REQUEST, "SAR-0001", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cv_hold_release_ref(v, CV_HOLD_REQUEST, "", &n), CV_EINVAL);
	assert_int_equal(cv_hold_list(v, 0, 0, &list, &n), 0);
	assert_int_equal(n, 0);
	cv_hold_list_free(list, n);
	assert_int_equal(cv_hold_list(v, 1, 0, &list, &n), 0);
	assert_int_equal(n, 2);
	cv_hold_list_free(list, n);
	cv_vault_close(v);
}

static void test_due_purge_review_errors(void **state)
{
	cv_vault *v = tv_open();
	cv_due *due = NULL;
	cv_purge_report rep;
	char *body = NULL;
	size_t n = 9;

	(void)state;
	assert_int_equal(cv_retention_due(v, "2026-02-30", &due, &n), CV_EINVAL);
	assert_int_equal(cv_retention_due(v, "2999-01-01", &due, &n), 0);
	cv_due_list_free(due, n);
	assert_int_equal(cv_purge(v, "2999-01-01", 0, &rep), CV_EREFUSED);
	cv_purge_report_release(&rep);
	assert_int_equal(cv_purge(v, "2999-01-01", CV_PURGE_DRY_RUN, &rep), 0);
	assert_int_equal(rep.certificate, 0);
	cv_purge_report_release(&rep);
	assert_int_equal(cv_purge(v, NULL, CV_PURGE_SCHEDULED, &rep), 0);
	assert_int_equal(rep.destroyed, 0);
	assert_int_equal(rep.certificate, 0);  /* nothing destroyed: no certificate */
	cv_purge_report_release(&rep);
	assert_int_equal(cv_certificate_get(v, 1, &body), CV_ENOTFOUND);
	assert_int_equal(cv_review_approve(v, "R-999999"), CV_ENOTFOUND);
	assert_int_equal(cv_review_defer(v, "R-999999", "2999-01-01", "why"), CV_ENOTFOUND);
	assert_int_equal(cv_review_defer(v, "R-999999", "2999-13-01", "why"), CV_EINVAL);
	assert_int_equal(cv_review_defer(v, "R-999999", "2999-01-01", ""), CV_EINVAL);
	assert_string_equal(cv_due_status_name(CV_DUE_HELD), "held");
	cv_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_load_mem),
		cmocka_unit_test(test_hold_errors),
		cmocka_unit_test(test_due_purge_review_errors),
	};

	return cmocka_run_group_tests(tests, tv_group_setup, tv_group_teardown);
}
