/*
 * Unit tests of the library API against a real vault: real gpg (temporary
 * short-path GNUPGHOME inside the vault), real SQLite, real libmagic.
 * Every error code the library returns is provoked here at least once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "base/util.h"
#include "core/keys.h"
#include "core/lock.h"
#include "crypto/seal.h"
#include "crypto/stream.h"
#include "store/archive.h"
#include "casevault/case.h"
#include "casevault/record.h"
#include "testvault.h"

static int setup(void **state)
{
	(void)state;
	tv_make("cvu", "Unit Manager", NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tv_remove();
	return 0;
}

static cv_vault *open_v(void)
{
	cv_vault *v = NULL;

	assert_int_equal(cv_vault_open(&v, tv_path), 0);
	return v;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_open_errors(void **state)
{
	cv_vault *v = NULL;
	cv_init_opts o = { CV_TEST_SOURCE_DIR "/policies", NULL, 1, NULL, 0, 0 };
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/nothing-here", tv_dir);
	assert_int_equal(cv_vault_open(&v, p), CV_ENOTFOUND);
	assert_non_null(strstr(cv_vault_errmsg(v), "no vault"));
	cv_vault_close(v);
	v = NULL;
	assert_int_equal(cv_vault_init(&v, tv_path, &o, NULL, NULL), CV_EEXISTS);
	cv_vault_close(v);
}

static void test_case_lifecycle(void **state)
{
	cv_vault *v = open_v();
	cv_case c, *list;
	size_t n;
	char id[24];

	(void)state;
	assert_int_equal(cv_case_open(v, "Ann Parent", "Ben Child", "2014-02-03", 0, NULL, id), CV_EREFUSED);
	assert_non_null(strstr(cv_vault_errmsg(v), "parental responsibility"));
	assert_int_equal(cv_case_open(v, "Ann Parent", "Ben Child", "2014-02-30", 1, NULL, id), CV_EINVAL);
	assert_int_equal(cv_case_open(v, "", "Ben Child", "2014-02-03", 1, NULL, id), CV_EINVAL);
	assert_int_equal(cv_case_open(v, "Ann Parent", "Ben Child", "2014-02-03", 1, "2026-01-05", id), 0);
	assert_string_equal(id, "C-2026-0001");
	assert_int_equal(cv_case_get(v, &c, id, 1), 0);
	assert_string_equal(c.parent, "Ann Parent");
	assert_string_equal(c.child, "Ben Child");
	assert_string_equal(c.child_dob, "2014-02-03");
	assert_string_equal(c.opened, "2026-01-05");
	assert_string_equal(c.closed, "");
	cv_case_release(&c);
	assert_int_equal(cv_case_get(v, &c, "C-1900-0001", 0), CV_ENOTFOUND);
	assert_int_equal(cv_case_list(v, &list, &n, 0), 0);
	assert_int_equal(n, 1);
	assert_null(list[0].parent);   /* not unsealed */
	cv_case_list_free(list, n);
	assert_int_equal(cv_case_close(v, id, "2025-12-31"), CV_EINVAL);  /* before opening */
	assert_int_equal(cv_case_close(v, id, "2026-03-01"), 0);
	assert_int_equal(cv_case_close(v, id, NULL), CV_EREFUSED);        /* already closed */
	cv_vault_close(v);
}

/* A document to file into the case file of case_id. */
static cv_file_item doc_item(const char *case_id, const char *class_name, const char *path, int line)
{
	return (cv_file_item){ .case_id = case_id, .section = CV_SECTION_CASE, .class_name = class_name,
			       .path = path, .line = line };
}

/* Get record_id into a new file tv_dir/name: its bytes must be want; *rec for the caller to check and release. */
static void get_expect(cv_vault *v, const char *record_id, const char *name, const char *want, cv_record *rec)
{
	char out[128], buf[256];
	ssize_t got;
	int fd;

	snprintf(out, sizeof(out), "%s/%s", tv_dir, name);
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(cv_record_get(v, record_id, fd, rec), 0);
	close(fd);
	fd = open(out, O_RDONLY);
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(got > 0);
	buf[got] = '\0';
	assert_string_equal(buf, want);
}

/* Two letters filed together must be refused with want, neither filed. */
static void file_pair_refused(cv_vault *v, cv_file_item it[3], const char *id, const char *a, const char *b, int want)
{
	size_t nf = 1;

	memset(it, 0, 3 * sizeof(*it));
	it[0] = doc_item(id, "letter", a, 1);
	it[1] = doc_item(id, "letter", b, 2);
	assert_int_equal(cv_file(v, it, 2, 0, NULL, NULL, &nf), want);
	assert_int_equal(nf, 0);
}

static void test_file_and_get(void **state)
{
	cv_vault *v = open_v();
	cv_file_item it[3];
	cv_record rec;
	char a[128], b[128], id[24];
	size_t nf = 0;

	(void)state;
	assert_int_equal(cv_case_open(v, "Cat Parent", "Dan Child", "2016-06-06", 1, NULL, id), 0);
	snprintf(a, sizeof(a), "%s/a.txt", tv_dir);
	snprintf(b, sizeof(b), "%s/b.sh", tv_dir);
	write_file(a, "A note about the annual review.\n");
	write_file(b, "#!/bin/sh\necho not a document\n");

	/* One bad file: nothing is filed, and the bad one is named. */
	file_pair_refused(v, it, id, a, b, CV_EREFUSED);
	assert_non_null(strstr(cv_vault_errmsg(v), "text/x-shellscript"));
	assert_int_equal(it[1].status, CV_EREFUSED);

	/* Unknown class, unknown case, wrong section (status is an input too: reset it). */
	it[0].status = 0;
	it[0].class_name = "nope";
	assert_int_equal(cv_file(v, it, 1, 0, NULL, NULL, NULL), CV_ENOTFOUND);
	it[0].status = 0;
	it[0].class_name = "letter";
	it[0].case_id = "C-1900-0001";
	assert_int_equal(cv_file(v, it, 1, 0, NULL, NULL, NULL), CV_ENOTFOUND);
	it[0].status = 0;
	it[0].case_id = id;
	it[0].section = CV_SECTION_CP;
	assert_int_equal(cv_file(v, it, 1, 0, NULL, NULL, NULL), CV_EREFUSED);
	it[0].status = 0;
	it[0].section = CV_SECTION_CASE;

	/* A good document and a CP note in one call: two archives. */
	it[1] = (cv_file_item){ .case_id = id, .section = CV_SECTION_CP, .class_name = "cp-note",
				.text = "Concern raised by school.", .text_len = 25, .line = 2 };
	assert_int_equal(cv_file(v, it, 2, 0, NULL, NULL, &nf), 0);
	assert_int_equal(nf, 2);
	assert_string_equal(it[0].mime, "text/plain");
	assert_string_equal(it[0].record_id, "R-000001");  /* refused calls allocate no id */

	get_expect(v, it[0].record_id, "out.txt", "A note about the annual review.\n", &rec);
	assert_string_equal(rec.title, "a.txt");
	assert_string_equal(rec.class_name, "letter");
	cv_record_release(&rec);
	assert_int_equal(cv_record_get(v, "R-999999", 1, NULL), CV_ENOTFOUND);
	cv_vault_close(v);
}

/* A second thread that only waits: the process is no longer single-threaded. */
static pthread_mutex_t idle_mu = PTHREAD_MUTEX_INITIALIZER;
static void *idle_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_mu);
	pthread_mutex_unlock(&idle_mu);
	return NULL;
}

/* Filing from a many-threaded caller forks no encryption helper and still works. */
static void test_file_threaded_caller(void **state)
{
	cv_vault *v = open_v();
	cv_file_item it[1];
	cv_record rec;
	char a[128], id[24];
	pthread_t th;
	size_t nf = 0;

	(void)state;
	assert_int_equal(cv_single_threaded(), 1);
	assert_int_equal(cv_case_open(v, "Eve Parent", "Fay Child", "2017-07-07", 1, NULL, id), 0);
	snprintf(a, sizeof(a), "%s/threaded.txt", tv_dir);
	write_file(a, "Filed while another thread ran.\n");
	pthread_mutex_lock(&idle_mu);
	assert_int_equal(pthread_create(&th, NULL, idle_thread, NULL), 0);
	assert_int_equal(cv_single_threaded(), 0);
	memset(it, 0, sizeof(it));
	it[0] = doc_item(id, "letter", a, 1);
	/* a helper would kill itself at this crash point and fail the filing */
	setenv("CASEVAULT_CRASHPOINT", "helper-encrypt", 1);
	assert_int_equal(cv_file(v, it, 1, 0, NULL, NULL, &nf), 0);
	unsetenv("CASEVAULT_CRASHPOINT");
	pthread_mutex_unlock(&idle_mu);
	pthread_join(th, NULL);
	assert_int_equal(nf, 1);
	get_expect(v, it[0].record_id, "threaded-out.txt", "Filed while another thread ran.\n", &rec);
	cv_record_release(&rec);
	cv_vault_close(v);
}

static size_t count_records(cv_vault *v, const char *case_id)
{
	cv_record *list = NULL;
	size_t n = 0;

	assert_int_equal(cv_record_list(v, case_id, CV_SECTION_CASE, &list, &n), 0);
	cv_record_list_free(list, n);
	return n;
}

/*
 * Duplicates through the API: refused in one call (CV_EEXISTS, nothing
 * filed), skipped in import mode with duplicate_of / duplicate_line set,
 * filed with CV_FILE_ALLOW_DUPLICATES; CV_FILE_CHECK_ONLY files nothing.
 */
static void test_duplicates_and_check(void **state)
{
	cv_vault *v = open_v();
	cv_file_item it[3];
	char a[128], a2[128], b[128], id[24], mime[96], first[16];
	size_t nf = 0;

	(void)state;
	assert_int_equal(cv_case_open(v, "Gil Parent", "Hal Child", "2015-05-05", 1, NULL, id), 0);
	snprintf(a, sizeof(a), "%s/dup-a.txt", tv_dir);
	snprintf(a2, sizeof(a2), "%s/dup-a-copy.txt", tv_dir);
	snprintf(b, sizeof(b), "%s/dup-b.txt", tv_dir);
	write_file(a, "The same letter, twice.\n");
	write_file(a2, "The same letter, twice.\n");
	write_file(b, "Another letter, longer.\n");
	memset(it, 0, sizeof(it));
	it[0] = doc_item(id, "letter", a, 1);
	assert_int_equal(cv_file(v, it, 1, 0, NULL, NULL, &nf), 0);
	snprintf(first, sizeof(first), "%s", it[0].record_id);
	assert_int_equal(cv_record_mime(v, first, mime), 0);
	assert_string_equal(mime, "text/plain");

	/* a copy under another name: refused, nothing filed, the record named */
	file_pair_refused(v, it, id, b, a2, CV_EEXISTS);
	assert_non_null(strstr(cv_vault_errmsg(v), "already filed"));
	assert_int_equal(count_records(v, id), 1);

	/* a check files nothing and says what would happen */
	memset(it, 0, sizeof(it));
	it[0] = doc_item(id, "letter", a2, 1);
	it[1] = doc_item(id, "letter", b, 2);
	it[2] = doc_item(id, "report", b, 3);
	assert_int_equal(cv_file(v, it, 3, CV_FILE_PER_CASE | CV_FILE_CHECK_ONLY, NULL, NULL, &nf), 0);
	assert_int_equal(nf, 0);
	assert_int_equal(count_records(v, id), 1);
	assert_true(it[0].status == 0 && it[0].duplicate_of[0] && !it[0].record_id[0]);
	assert_true(it[1].status == 0 && !it[1].duplicate_of[0] && !it[1].duplicate_line);
	assert_true(it[2].status == 0 && !it[2].duplicate_of[0] && it[2].duplicate_line == 2);

	/* import mode: the copy and the repeat are skipped, the new one filed */
	assert_int_equal(cv_file(v, it, 3, CV_FILE_PER_CASE, NULL, NULL, &nf), 0);
	assert_int_equal(nf, 1);
	assert_int_equal(count_records(v, id), 2);
	assert_string_equal(it[0].duplicate_of, first);
	assert_true(it[1].record_id[0]);
	assert_string_equal(it[2].duplicate_of, it[1].record_id);
	assert_int_equal(it[2].duplicate_line, 2);

	/* and on purpose, a second copy */
	memset(it, 0, sizeof(it));
	it[0] = doc_item(id, "letter", a2, 1);
	assert_int_equal(cv_file(v, it, 1, CV_FILE_ALLOW_DUPLICATES, NULL, NULL, &nf), 0);
	assert_int_equal(count_records(v, id), 3);
	cv_vault_close(v);
}

static void test_seal(void **state)
{
	cv_vault *v = open_v();
	unsigned char *blob = NULL;
	size_t len = 0;
	char *plain = NULL;

	(void)state;
	assert_int_equal(cv_vault_unlock(v), 0);
	assert_int_equal(cv_seal_str(v, CV_SECTION_CASE, "t.c:1", "Eve Parent", &blob, &len), 0);
	assert_null(memmem(blob, len, "Eve", 3));
	assert_int_equal(cv_unseal(v, CV_SECTION_CASE, "t.c:1", blob, len, &plain, NULL), 0);
	assert_string_equal(plain, "Eve Parent");
	free(plain);
	/* bound to its context, its section and every byte */
	assert_int_equal(cv_unseal(v, CV_SECTION_CASE, "t.c:2", blob, len, &plain, NULL), CV_ECORRUPT);
	assert_int_equal(cv_unseal(v, CV_SECTION_CP, "t.c:1", blob, len, &plain, NULL), CV_ECORRUPT);
	blob[len / 2] ^= 1;
	assert_int_equal(cv_unseal(v, CV_SECTION_CASE, "t.c:1", blob, len, &plain, NULL), CV_ECORRUPT);
	assert_int_equal(cv_unseal(v, CV_SECTION_CASE, "t.c:1", blob, 5, &plain, NULL), CV_ECORRUPT);
	free(blob);
	/* a locked section refuses */
	cv_keys_wipe(v);
	v->unlocked = 1;  /* pretend unlocked with no keys: as a role without the section */
	assert_int_equal(cv_seal_str(v, CV_SECTION_CP, "t.c:1", "x", &blob, &len), CV_EREFUSED);
	cv_vault_close(v);
}

/* Network file systems (where SQLite's WAL is unsafe) are named; local ones are not. */
static void test_network_fs(void **state)
{
	struct statfs sf;

	(void)state;
	assert_string_equal(cv_network_fs(0x6969), "NFS");
	assert_string_equal(cv_network_fs((long)0xFF534D42u), "CIFS");
	assert_string_equal(cv_network_fs((long)0xFE534D42u), "SMB2");
	assert_string_equal(cv_network_fs(0x01021997), "9p");
	assert_null(cv_network_fs(0xEF53));       /* ext2/3/4 */
	assert_null(cv_network_fs(0x58465342));   /* xfs */
	assert_null(cv_network_fs(0x01021994));   /* tmpfs */
	assert_null(cv_network_fs(0x9123683E));   /* btrfs */
	/* and the place the tests run is local: init works there (every other test) */
	assert_int_equal(statfs(tv_dir, &sf), 0);
	assert_null(cv_network_fs((long)sf.f_type));
}

static void test_locking(void **state)
{
	cv_vault *a = open_v(), *b = open_v();

	(void)state;
	assert_int_equal(cv_vault_lock_writer(a, 0), 0);
	assert_int_equal(cv_vault_lock_writer(b, 0), CV_ELOCKED);
	cv_vault_unlock_writer(a);
	assert_int_equal(cv_vault_lock_writer(b, 0), 0);
	cv_vault_close(a);
	cv_vault_close(b);
}

static void test_bad_passphrase(void **state)
{
	cv_vault *v = NULL;
	cv_init_opts o = { CV_TEST_SOURCE_DIR "/policies", NULL, 0, NULL, 0, 0 };
	char p[128];
	static int calls;
	int cb(void *hook, const char *staff, int bad, char *buf, size_t n);

	(void)state;
	snprintf(p, sizeof(p), "%s/pv", tv_dir);
	assert_int_equal(cv_vault_init(&v, p, &o, cb, "right one"), 0);
	cv_vault_close(v);
	tv_sh("GNUPGHOME=%s/gnupg gpgconf --kill all", p);
	assert_int_equal(cv_vault_open(&v, p), 0);
	cv_vault_set_passphrase_cb(v, cb, "wrong one");
	assert_int_equal(cv_vault_unlock(v), CV_EBADPASS);
	cv_vault_set_passphrase_cb(v, cb, "right one");
	assert_int_equal(cv_vault_unlock(v), 0);
	cv_vault_close(v);
	tv_sh("GNUPGHOME=%s/gnupg gpgconf --kill all", p);
	(void)calls;
}

int cb(void *hook, const char *staff, int bad, char *buf, size_t n)
{
	(void)staff;
	if (bad)
		return -1;
	snprintf(buf, n, "%s", (const char *)hook);
	return 0;
}

/*
 * Two vaults in one process.  GNUPGHOME names the GnuPG home of the vault
 * opened last (gpg.c, cv_gpg_home); the other's gpg runs must still use its
 * own home, where its keys are: its keyslip opens nowhere else.
 */
static void test_two_vaults(void **state)
{
	cv_vault *a = open_v(), *b = NULL;
	cv_init_opts o = { CV_TEST_SOURCE_DIR "/policies", "Second Manager", 1, NULL, 0, 0 };
	char p[128], id[24];
	cv_case c;

	(void)state;
	snprintf(p, sizeof(p), "%s/v2", tv_dir);
	assert_int_equal(cv_vault_init(&b, p, &o, NULL, NULL), 0);
	assert_non_null(getenv("GNUPGHOME"));
	assert_string_equal(getenv("GNUPGHOME"), b->gnupghome);
	assert_string_not_equal(a->gnupghome, b->gnupghome);
	assert_int_equal(cv_case_open(a, "Ann Two", "Ben Two", "2014-02-03", 1, NULL, id), 0);
	assert_int_equal(cv_case_get(a, &c, id, 1), 0);
	assert_string_equal(c.parent, "Ann Two");
	cv_case_release(&c);
	assert_int_equal(cv_case_open(b, "Cat Three", "Dan Three", "2015-02-03", 1, NULL, id), 0);
	assert_int_equal(cv_case_get(b, &c, id, 1), 0);
	assert_string_equal(c.child, "Dan Three");
	cv_case_release(&c);
	/* this process was set up without gpgconf (cv_global_init): forgetting says so, not "locked" */
	assert_int_equal(cv_vault_forget(a), CV_ERROR);
	assert_non_null(strstr(cv_vault_errmsg(a), "CV_INIT_GPGCONF"));
	cv_vault_close(a);
	cv_vault_close(b);
	tv_sh("GNUPGHOME=%s/gnupg gpgconf --kill all", p);
}

static void test_bad_policy(void **state)
{
	cv_vault *v = NULL;

	(void)state;
	tv_sh("cp %s/policies/retention.ini %s/ret.bak && printf '[broken\\n' >> %s/policies/retention.ini",
	   tv_path, tv_dir, tv_path);
	/* the vault keeps running on the last good policy it recorded, and says so */
	assert_int_equal(cv_vault_open(&v, tv_path), 0);
	assert_non_null(strstr(cv_vault_notice(v), "retention.ini"));
	cv_vault_close(v);
	tv_sh("cp %s/ret.bak %s/policies/retention.ini", tv_dir, tv_path);
}

/* Another connection commits to the file (a write that leaves nothing behind). */
static void commit_elsewhere(const char *file)
{
	char db[160];
	sqlite3 *h = NULL;

	snprintf(db, sizeof(db), "%s/%s", tv_path, file);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE unit_t(x); DROP TABLE unit_t;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/*
 * cv_vault_current, for a vault opened before its command came (casevaultd,
 * docs/service.md, Speed): a handle stays current only while nobody else
 * commits to the index or the key store or changes a policy file or the
 * audit trail's head, and for max_age seconds.
 */
static void test_current(void **state)
{
	static const char *const changes[] = { "index", "keys", "policy", "head" };
	cv_vault *a = open_v(), *b = open_v();
	char id[24];
	size_t i;

	(void)state;
	assert_int_equal(cv_vault_current(a, 300), 1);
	assert_int_equal(cv_vault_current(b, 300), 1);  /* two readers */
	assert_int_equal(cv_case_open(a, "Ann Own", "Ben Own", "2014-02-03", 1, NULL, id), 0);
	assert_int_equal(cv_vault_current(b, 300), 0);  /* a case opened through a */
	cv_vault_close(a);
	cv_vault_close(b);
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		a = open_v();
		assert_int_equal(cv_vault_current(a, 300), 1);
		if (i == 0)
			commit_elsewhere("vault.db");
		else if (i == 1)
			commit_elsewhere("keys.db");
		else if (i == 2)
			tv_sh("cp -p %s/policies/filetypes.ini %s/ft && mv %s/ft %s/policies/filetypes.ini",
			      tv_path, tv_dir, tv_dir, tv_path);
		else
			tv_sh("cp -p %s/audit.head %s/h && mv %s/h %s/audit.head", tv_path, tv_dir, tv_dir, tv_path);
		if (cv_vault_current(a, 300) != 0)
			fail_msg("a handle stayed current after a change to the %s", changes[i]);
		cv_vault_close(a);
	}
	a = open_v();
	sleep(2);
	assert_int_equal(cv_vault_current(a, 1), 0);
	assert_int_equal(cv_vault_current(a, 300), 1);
	cv_vault_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_case_lifecycle),
		cmocka_unit_test(test_file_and_get),
		cmocka_unit_test(test_file_threaded_caller),
		cmocka_unit_test(test_duplicates_and_check),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_network_fs),
		cmocka_unit_test(test_locking),
		cmocka_unit_test(test_bad_passphrase),
		cmocka_unit_test(test_bad_policy),
		cmocka_unit_test(test_two_vaults),
		cmocka_unit_test(test_current),
	};

	setenv("CASEVAULT_POLICY_DIR", CV_TEST_SOURCE_DIR "/policies", 1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
