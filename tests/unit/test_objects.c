/*
 * The local backend for archive files (store/objects.h): what a filing, a
 * purge and verify rely on, and what it refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/util.h"
#include "store/objects.h"

typedef struct {
	cv_vault v;
	char dir[64];
	cv_objstore *o;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/cvobjXXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(cv_global_init(), 0);
	f->o = cv_objstore_local(f->dir);
	assert_non_null(f->o);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	f->o->free(f->o);
	assert_int_equal(cv_rmtree(f->dir, 0), 0);
	free(f);
	return 0;
}

static int exists(fixture *f, const char *name)
{
	char p[128];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	return lstat(p, &sb) == 0;
}

static void put(fixture *f, const char *name, const char *text)
{
	int fd = -1;

	assert_int_equal(f->o->create(f->o, &f->v, name, &fd), 0);
	assert_int_equal(cv_write_all(fd, text, strlen(text)), 0);
	close(fd);
}

/* Written under a temporary name, visible only once published. */
static void publish_makes_visible(void **state)
{
	fixture *f = *state;
	char buf[16] = "";
	int fd = -1;

	put(f, "ab12.pgp", "sealed");
	assert_true(exists(f, ".tmp-ab12.pgp"));
	assert_int_equal(f->o->open(f->o, &f->v, "ab12.pgp", &fd), CV_ENOTFOUND);
	assert_int_equal(f->o->publish(f->o, &f->v, "ab12.pgp"), 0);
	assert_false(exists(f, ".tmp-ab12.pgp"));
	assert_int_equal(f->o->open(f->o, &f->v, "ab12.pgp", &fd), 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	close(fd);
	assert_string_equal(buf, "sealed");
	assert_int_equal(f->o->sync(f->o, &f->v), 0);
	/* a second object of the same name is an error, not an overwrite */
	assert_int_equal(f->o->create(f->o, &f->v, "ab12.pgp", &fd), 0);
	close(fd);
	assert_int_not_equal(f->o->create(f->o, &f->v, "ab12.pgp", &fd), 0);
}

/* Discard removes the object and its half-written copy; shred removes it too. */
static void discard_and_shred_remove(void **state)
{
	fixture *f = *state;

	put(f, "c0.pgp", "half");
	assert_int_equal(f->o->discard(f->o, &f->v, "c0.pgp"), 0);
	assert_false(exists(f, ".tmp-c0.pgp"));
	assert_int_equal(f->o->discard(f->o, &f->v, "c0.pgp"), 0);  /* already gone: fine */
	put(f, "d1.pgp", "to be destroyed");
	assert_int_equal(f->o->publish(f->o, &f->v, "d1.pgp"), 0);
	assert_int_equal(f->o->shred(f->o, &f->v, "d1.pgp"), 0);
	assert_false(exists(f, "d1.pgp"));
}

static int count_names(void *hook, const char *name)
{
	(void)name;
	(*(int *)hook)++;
	return 0;
}

static void list_sees_every_name(void **state)
{
	fixture *f = *state;
	int n = 0;

	put(f, "e1.pgp", "x");
	assert_int_equal(f->o->publish(f->o, &f->v, "e1.pgp"), 0);
	put(f, "e2.pgp", "y");  /* half-written: listed too, for verify's orphan check */
	assert_int_equal(f->o->list(f->o, &f->v, count_names, &n), 0);
	assert_int_equal(n, 2);
}

/* Names come from the index: one that could leave the directory is damage, and a link is not followed. */
static void refuses_bad_names_and_links(void **state)
{
	fixture *f = *state;
	char target[96], link[96];
	int fd = -1;

	assert_int_equal(f->o->open(f->o, &f->v, "../etc/passwd", &fd), CV_ECORRUPT);
	assert_int_equal(f->o->create(f->o, &f->v, "a/b", &fd), CV_ECORRUPT);
	assert_int_equal(f->o->discard(f->o, &f->v, ".tmp-x"), CV_ECORRUPT);
	assert_int_equal(f->o->shred(f->o, &f->v, ""), CV_ECORRUPT);
	snprintf(target, sizeof(target), "%s/outside", f->dir);
	fd = open(target, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(cv_write_all(fd, "keep me", 7), 0);
	close(fd);
	snprintf(link, sizeof(link), "%s/l1.pgp", f->dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(f->o->open(f->o, &f->v, "l1.pgp", &fd), CV_ERROR);
	assert_int_not_equal(f->o->shred(f->o, &f->v, "l1.pgp"), 0);
	fd = open(target, O_RDONLY);
	{
		char buf[8] = "";

		assert_int_equal(read(fd, buf, 7), 7);
		assert_string_equal(buf, "keep me");
	}
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(publish_makes_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(discard_and_shred_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(list_sees_every_name, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_bad_names_and_links, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
