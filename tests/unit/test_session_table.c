/*
 * Unit tests for service/session_table.c: the session keeper's expiry and
 * lock-out rules (docs/service.md, Sessions), with the time given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "session_table.h"

static int live_texts;

static void *counted_alloc(size_t n)
{
	live_texts++;
	return malloc(n);
}

static void counted_free(void *p, size_t n)
{
	if (!p)
		return;
	memset(p, 0, n);
	live_texts--;
	free(p);
}

#define ID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define ID2 "2222222222222222222222222222222222222222222222222222222222222222"
#define T0 ((time_t)1800000000)

static size_t get(cvd_table *t, const char *staff, const char *id, time_t now, char *buf)
{
	memset(buf, 0, CVD_TEXT_MAX);
	return cvd_table_get(t, staff, id, buf, CVD_TEXT_MAX, now);
}

static int setup(void **state)
{
	cvd_table *t = malloc(sizeof(*t));

	cvd_table_init(t, counted_alloc, counted_free);
	live_texts = 0;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	cvd_table_end(*state, NULL);
	assert_int_equal(live_texts, 0);  /* every text wiped and freed */
	free(*state);
	return 0;
}

static void test_hit_and_slip_id(void **state)
{
	cvd_table *t = *state;
	char buf[CVD_TEXT_MAX];

	assert_int_equal(cvd_table_put(t, "S-0002", 1000, ID1, "slip text", 9, 600, T0), 0);
	assert_int_equal(get(t, "S-0002", ID1, T0 + 10, buf), 9);
	assert_memory_equal(buf, "slip text", 9);
	assert_int_equal(cvd_table_alive(t, 1000, T0 + 10), 1);
	assert_int_equal(cvd_table_alive(t, 1001, T0 + 10), 0);  /* another OS user's */
	/* a web session asks by staff id: people with no OS user (-1) do not keep each other alive */
	assert_int_equal(cvd_table_put(t, "S-0004", -1, ID1, "other", 5, 600, T0), 0);
	assert_int_equal(cvd_table_alive_staff(t, "S-0004", T0 + 10), 1);
	assert_int_equal(cvd_table_alive_staff(t, "S-0005", T0 + 10), 0);
	assert_int_equal(cvd_table_alive_staff(t, "", T0 + 10), 0);
	assert_int_equal(cvd_table_alive_staff(t, "S-0004", T0 + 600), 0);  /* idle */
	cvd_table_end(t, "S-0004");
	assert_int_equal(get(t, "S-0003", ID1, T0 + 10, buf), 0);  /* another person's: none */
	/* a rotated keyslip misses, and the old text is dropped */
	assert_int_equal(get(t, "S-0002", ID2, T0 + 10, buf), 0);
	assert_int_equal(get(t, "S-0002", ID1, T0 + 10, buf), 0);
	assert_int_equal(live_texts, 0);
}

static void test_idle_expiry(void **state)
{
	cvd_table *t = *state;
	char buf[CVD_TEXT_MAX];

	cvd_table_put(t, "S-0002", 1000, ID1, "x", 1, 600, T0);
	assert_int_equal(get(t, "S-0002", ID1, T0 + 599, buf), 1);   /* use restarts the idle time */
	assert_int_equal(get(t, "S-0002", ID1, T0 + 1198, buf), 1);
	cvd_table_expire(t, T0 + 1797);
	assert_int_equal(live_texts, 1);
	assert_int_equal(cvd_table_alive(t, 1000, T0 + 1797), 1);
	assert_int_equal(cvd_table_alive(t, 1000, T0 + 1798), 0);
	cvd_table_expire(t, T0 + 1798);  /* 600 s unused: wiped */
	assert_int_equal(live_texts, 0);
	assert_int_equal(get(t, "S-0002", ID1, T0 + 1798, buf), 0);
}

static void test_idle_capped_and_absolute(void **state)
{
	cvd_table *t = *state;
	char buf[CVD_TEXT_MAX];
	time_t now;

	cvd_table_put(t, "S-0002", 1000, ID1, "x", 1, 86400, T0);  /* an idle lock over 2 h counts as 2 h */
	assert_int_equal(get(t, "S-0002", ID1, T0 + 7199, buf), 1);
	cvd_table_put(t, "S-0003", 1000, ID1, "y", 1, 86400, T0);
	assert_int_equal(get(t, "S-0003", ID1, T0 + 7200, buf), 0);
	/* used every minute, a session still ends 2 h after the proof */
	for (now = T0 + 60; now < T0 + 7200; now += 60)
		assert_int_equal(get(t, "S-0002", ID1, now, buf), 1);
	assert_int_equal(get(t, "S-0002", ID1, T0 + 7200, buf), 0);
}

static void test_end_one_or_all(void **state)
{
	cvd_table *t = *state;
	char buf[CVD_TEXT_MAX];

	cvd_table_put(t, "S-0002", 1000, ID1, "a", 1, 600, T0);
	cvd_table_put(t, "S-0003", 1000, ID2, "b", 1, 600, T0);
	cvd_table_end(t, "S-0002");
	assert_int_equal(get(t, "S-0002", ID1, T0, buf), 0);
	assert_int_equal(get(t, "S-0003", ID2, T0, buf), 1);
	cvd_table_end(t, NULL);
	assert_int_equal(get(t, "S-0003", ID2, T0, buf), 0);
	assert_int_equal(live_texts, 0);
}

static void test_lockout(void **state)
{
	cvd_table *t = *state;
	time_t until = 0;
	int i;

	for (i = 1; i < CVD_STRIKES; i++)
		assert_int_equal(cvd_table_bad(t, "S-0002", T0 + i, &until), 0);
	assert_int_equal(cvd_table_locked(t, "S-0002", T0 + 5, &until), 0);
	assert_int_equal(cvd_table_bad(t, "S-0002", T0 + 10, &until), 1);
	assert_int_equal(until, T0 + 10 + CVD_LOCKOUT);
	assert_int_equal(cvd_table_locked(t, "S-0002", T0 + 10 + CVD_LOCKOUT - 1, &until), 1);
	assert_int_equal(cvd_table_locked(t, "S-0003", T0 + 11, &until), 0);  /* one person's only */
	/* a wrong one during the lock-out is not a new lock-out, nor does it extend it */
	assert_int_equal(cvd_table_bad(t, "S-0002", T0 + 20, &until), 0);
	assert_int_equal(until, T0 + 10 + CVD_LOCKOUT);
	assert_int_equal(cvd_table_locked(t, "S-0002", T0 + 10 + CVD_LOCKOUT, &until), 0);
	assert_int_equal(cvd_table_bad(t, "S-0002", T0 + 10 + CVD_LOCKOUT, &until), 0);  /* counting starts afresh */
}

static void test_strikes_window_and_proof(void **state)
{
	cvd_table *t = *state;
	time_t until = 0;
	int i;

	/* four wrong, then the window passes: four more do not lock out */
	for (i = 0; i < CVD_STRIKES - 1; i++)
		assert_int_equal(cvd_table_bad(t, "S-0002", T0 + i, &until), 0);
	for (i = 0; i < CVD_STRIKES - 1; i++)
		assert_int_equal(cvd_table_bad(t, "S-0002", T0 + CVD_STRIKE_WINDOW + i, &until), 0);
	/* a proof clears the count */
	cvd_table_put(t, "S-0002", 1000, ID1, "x", 1, 600, T0 + CVD_STRIKE_WINDOW + 10);
	assert_int_equal(cvd_table_bad(t, "S-0002", T0 + CVD_STRIKE_WINDOW + 11, &until), 0);
	assert_int_equal(cvd_table_locked(t, "S-0002", T0 + CVD_STRIKE_WINDOW + 12, &until), 0);
}

static void test_full_table_drops_least_used(void **state)
{
	cvd_table *t = *state;
	char staff[CVD_STAFF_LEN], buf[CVD_TEXT_MAX];
	int i;

	for (i = 0; i < CVD_SESSIONS; i++) {
		snprintf(staff, sizeof(staff), "S-%04d", i + 1);
		assert_int_equal(cvd_table_put(t, staff, 1000, ID1, "x", 1, 600, T0 + i), 0);
	}
	assert_int_equal(cvd_table_put(t, "S-9999", 1000, ID1, "y", 1, 600, T0 + 100), 0);
	assert_int_equal(live_texts, CVD_SESSIONS);
	assert_int_equal(get(t, "S-0001", ID1, T0 + 101, buf), 0);  /* the least recently used went */
	assert_int_equal(get(t, "S-0002", ID1, T0 + 101, buf), 1);
	assert_int_equal(get(t, "S-9999", ID1, T0 + 101, buf), 1);
}

static void test_bad_input(void **state)
{
	cvd_table *t = *state;
	char big[CVD_TEXT_MAX + 1], buf[CVD_TEXT_MAX];

	memset(big, 'x', sizeof(big));
	assert_int_equal(cvd_table_put(t, "S-0002", 1000, ID1, big, sizeof(big), 600, T0), -1);
	assert_int_equal(cvd_table_put(t, "", 1000, ID1, "x", 1, 600, T0), -1);
	assert_int_equal(cvd_table_put(t, "S-000000000000000000000000000000000000002", 1000, ID1, "x", 1, 600, T0), -1);
	assert_int_equal(get(t, "S-0002", ID1, T0, buf), 0);
	assert_int_equal(live_texts, 0);
}

/* Good signatures (casevault/session.h): a hit only for the exact key; the longest unused goes first. */
static void test_verified_signatures(void **state)
{
	cvd_table *t = *state;
	char key[CVD_SLIP_ID_LEN], fpr[CVD_FPR_LEN];
	int i;

	assert_int_equal(cvd_table_sig_put(t, ID1, "AAAA1111", T0), 0);
	assert_int_equal(cvd_table_sig_get(t, ID1, fpr, sizeof(fpr), T0 + 1), 1);
	assert_string_equal(fpr, "AAAA1111");
	assert_int_equal(cvd_table_sig_get(t, ID2, fpr, sizeof(fpr), T0 + 1), 0);
	assert_int_equal(cvd_table_sig_get(t, "", fpr, sizeof(fpr), T0 + 1), 0);
	assert_int_equal(cvd_table_sig_get(t, ID1, fpr, 4, T0 + 1), 0);   /* no room: no hit */
	assert_int_equal(cvd_table_sig_put(t, "short", "AAAA1111", T0), -1);
	assert_int_equal(cvd_table_sig_put(t, ID2, "", T0), -1);
	/* a full table: ID1, used last at T0 + 1, outlives the others until it is the longest unused */
	for (i = 0; i < CVD_VERIFIED; i++) {
		snprintf(key, sizeof(key), "%064d", i);
		assert_int_equal(cvd_table_sig_put(t, key, "BBBB2222", T0 + 2 + i), 0);
	}
	assert_int_equal(cvd_table_sig_get(t, ID1, fpr, sizeof(fpr), T0 + 1000), 0);
	snprintf(key, sizeof(key), "%064d", CVD_VERIFIED - 1);
	assert_int_equal(cvd_table_sig_get(t, key, fpr, sizeof(fpr), T0 + 1000), 1);
	snprintf(key, sizeof(key), "%064d", 0);
	assert_int_equal(cvd_table_sig_get(t, key, fpr, sizeof(fpr), T0 + 1000), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_and_slip_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_capped_and_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_one_or_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strikes_window_and_proof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_table_drops_least_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verified_signatures, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
