/*
 * Unit tests of the audit trail's hash chain (docs/architecture.md,
 * Properties, 7); the archive key wrap's are in test_keywrap.c.
 *
 * The expected values are worked out here from the documented layouts with
 * libgcrypt directly, and checked against vectors computed once outside
 * casevault, so a change to either layout fails.  The chain is also
 * checked on a real throwaway vault: deleting or editing an event in the
 * index is caught by cv_audit_verify.
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
#include <gcrypt.h>
#include <sqlite3.h>

#include "core/audit.h"
#include "casevault/audit.h"
#include "casevault/vault.h"
#include "testvault.h"

/* ---- the event hash ---------------------------------------------------- */

static void hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* SHA-256 of "casevault-audit/1\n<seq>\n<time>\n<actor>\n<action>\n<ids>\n<outcome>\n<prev>\n". */
static void expected_hash(long seq, const char *time, const char *actor, const char *action,
			  const char *ids, const char *outcome, const char *prev, char out[65])
{
	unsigned char d[32];
	char *s = NULL;
	int len = asprintf(&s, "casevault-audit/1\n%ld\n%s\n%s\n%s\n%s\n%s\n%s\n",
			   seq, time, actor, action, ids, outcome, prev);

	assert_true(len > 0);
	gcry_md_hash_buffer(GCRY_MD_SHA256, d, s, (size_t)len);
	hex(d, sizeof(d), out);
	free(s);
}

typedef struct {
	long seq;
	const char *f[6];  /* time, actor, action, ids, outcome, prev */
} event;

static void hash_of(const event *e, char out[65])
{
	assert_int_equal(cv_audit_event_hash(e->seq, e->f[0], e->f[1], e->f[2], e->f[3], e->f[4], e->f[5], out), 0);
}

static void test_event_hash_known(void **state)
{
	/* computed once with Python's hashlib from the same layout */
	static const char first_kat[] = "bfe346057d8f50e83dc5513aa344868b94c3becfa6b7a6526eb61680ec21f148";
	static const char second_kat[] = "79c7c2fe70534b82fbd4890442a1158adf5d42beb1dbc0da89e311c4091275c1";
	event first = { 1, { "2026-01-02T03:04:05Z", "S-0001", "vault.init", "S-0001", "ok", "" } };
	event second = { 2, { "2026-01-02T03:04:06Z", "S-0002", "record.get", "R-2026-0001 C-2026-0001", "refused", NULL } };
	char got[65], want[65];

	(void)state;
	hash_of(&first, got);
	expected_hash(1, "2026-01-02T03:04:05Z", "S-0001", "vault.init", "S-0001", "ok", "", want);
	assert_string_equal(got, want);
	assert_string_equal(got, first_kat);

	second.f[5] = first_kat;  /* chained to the first */
	hash_of(&second, got);
	expected_hash(2, "2026-01-02T03:04:06Z", "S-0002", "record.get", "R-2026-0001 C-2026-0001", "refused",
		      first_kat, want);
	assert_string_equal(got, want);
	assert_string_equal(got, second_kat);
}

static void test_event_hash_every_field(void **state)
{
	event base = { 7, { "2026-05-06T07:08:09Z", "S-0003", "case.open", "C-2026-0004", "ok",
			    "0000000000000000000000000000000000000000000000000000000000000000" } };
	char h0[65], h[65];
	int i;

	(void)state;
	hash_of(&base, h0);
	{
		event e = base;

		e.seq = 8;
		hash_of(&e, h);
		assert_string_not_equal(h, h0);
	}
	for (i = 0; i < 6; i++) {
		event e = base;
		char changed[80];

		snprintf(changed, sizeof(changed), "%sx", base.f[i]);
		e.f[i] = changed;
		hash_of(&e, h);
		assert_string_not_equal(h, h0);
	}
	/* a field boundary moved ("a\nb" + "c" vs "a" + "b\nc") is a different event too */
	{
		event e = base;

		e.f[2] = "case.open\nC-2026-0004";
		e.f[3] = "";
		hash_of(&e, h);
		assert_string_not_equal(h, h0);
	}
}

/* ---- a real vault ------------------------------------------------------- */

/* A fresh vault with a few events: init, then three verifications. */
static int vault_setup(void **state)
{
	cv_vault *v = NULL;
	cv_audit_report rep;
	int i;

	(void)state;
	tv_make("cva", "Chain Manager", NULL);
	assert_int_equal(cv_vault_open(&v, tv_path), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(cv_audit_verify(v, &rep), 0);
	cv_vault_close(v);
	return 0;
}

static int vault_teardown(void **state)
{
	(void)state;
	tv_remove();
	return 0;
}

/* Run one statement on the closed vault's index, as someone with the file would. */
static void tamper(const char *sql)
{
	char db[128];
	sqlite3 *h = NULL;

	snprintf(db, sizeof(db), "%s/vault.db", tv_path);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(h), 1);
	sqlite3_close(h);
}

/* cv_audit_verify's verdict on the vault as it is now: its code, the report and the message. */
static int verify_now(cv_audit_report *rep, char msg[512])
{
	cv_vault *v = NULL;
	int r;

	assert_int_equal(cv_vault_open(&v, tv_path), 0);
	r = cv_audit_verify(v, rep);
	snprintf(msg, 512, "%s", cv_vault_errmsg(v));
	cv_vault_close(v);
	return r;
}

static void test_chain_intact(void **state)
{
	cv_audit_report rep;
	char msg[512];

	(void)state;
	assert_int_equal(verify_now(&rep, msg), 0);
	assert_true(rep.events >= 4);
	assert_int_equal(rep.first_bad, 0);
	assert_true(strchr(rep.head, ':') != NULL);
}

static void test_chain_event_edited(void **state)
{
	cv_audit_report rep;
	char msg[512];

	(void)state;
	tamper("UPDATE audit SET outcome = 'refused' WHERE seq = 2");
	assert_int_equal(verify_now(&rep, msg), CV_ECORRUPT);
	assert_int_equal(rep.first_bad, 2);
	assert_non_null(strstr(rep.problem, "has been edited"));
	assert_non_null(strstr(msg, "the audit trail is broken at event 2"));
}

static void test_chain_event_deleted(void **state)
{
	cv_audit_report rep;
	char msg[512];

	(void)state;
	tamper("DELETE FROM audit WHERE seq = 2");
	assert_int_equal(verify_now(&rep, msg), CV_ECORRUPT);
	assert_int_equal(rep.first_bad, 3);
	assert_non_null(strstr(rep.problem, "event 2 is missing (deleted) before event 3"));
}

/*
 * The setup's last command signed a checkpoint at its end, naming its own
 * event, the last (docs/architecture.md, The audit trail): that checkpoint
 * catches the cut.
 */
static void test_chain_last_event_deleted(void **state)
{
	cv_audit_report rep;
	char msg[512];

	(void)state;
	tamper("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
	assert_int_equal(verify_now(&rep, msg), CV_ECORRUPT);
	assert_non_null(strstr(rep.problem, "which the trail no longer holds"));
}

/* Its checkpoint deleted too, the chain itself is whole; the anchor in audit.head knows it was longer. */
static void test_chain_last_event_and_checkpoint_deleted(void **state)
{
	cv_audit_report rep;
	char msg[512];

	(void)state;
	tamper("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
	tamper("DELETE FROM checkpoints WHERE seq > (SELECT max(seq) FROM audit)");
	assert_int_equal(verify_now(&rep, msg), CV_ECORRUPT);
	assert_non_null(strstr(rep.problem, "cut off the end"));
}

static int global_setup(void **state)
{
	(void)state;
	return cv_global_init() == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_hash_known),
		cmocka_unit_test(test_event_hash_every_field),
		cmocka_unit_test_setup_teardown(test_chain_intact, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_chain_event_edited, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_chain_event_deleted, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_chain_last_event_deleted, vault_setup, vault_teardown),
		cmocka_unit_test_setup_teardown(test_chain_last_event_and_checkpoint_deleted, vault_setup, vault_teardown),
	};

	return cmocka_run_group_tests(tests, global_setup, NULL);
}
