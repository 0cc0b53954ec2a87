/*
 * Unit tests' shared helpers: civil dates written as D(y, m, d) and
 * compared as strings (so that a failure prints both dates), and a text
 * file written or read whole.  Header-only: include it after <cmocka.h>.
 */
#ifndef CV_TESTUTIL_H
#define CV_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/date.h"

static cv_date D(int y, int m, int d) __attribute__((unused));
static cv_date D(int y, int m, int d)
{
	cv_date r = { y, m, d };

	return r;
}

/* A row's date, given as { y, m, d } in a table of cases. */
static cv_date DA(const int a[3]) __attribute__((unused));
static cv_date DA(const int a[3])
{
	return D(a[0], a[1], a[2]);
}

/* A table row: a date and the number a function must give for it. */
struct day_num {
	int d[3];
	long v;
};

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

#define assert_date(got, y, m, d) do {				\
		char g_[11], w_[11];				\
		cv_date want_ = D(y, m, d);			\
		cv_date_format(&(got), g_);			\
		cv_date_format(&want_, w_);			\
		assert_string_equal(g_, w_);			\
	} while (0)

/* Write (mode "w") or append ("a") text to path; every step must succeed. */
static void tu_write(const char *path, const char *mode, const char *text) __attribute__((unused));
static void tu_write(const char *path, const char *mode, const char *text)
{
	FILE *fp = fopen(path, mode);

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* The whole of path, NUL-terminated, its length in *len (free it). */
static char *tu_slurp(const char *path, size_t *len) __attribute__((unused));
static char *tu_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

#endif
