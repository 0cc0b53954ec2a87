/*
 * casevault - civil dates (proleptic Gregorian, no time zone).
 *
 * Day numbers use Howard Hinnant's days_from_civil / civil_from_days
 * ("chrono-Compatible Low-Level Date Algorithms"), in long arithmetic so
 * that no intermediate can overflow for any int field.  Every result is
 * kept inside the representable range 0001-01-01 .. 9999-12-31: arithmetic
 * that would leave it saturates at the nearer end rather than producing a
 * date that cv_date_valid rejects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "casevault/date.h"




#define CV_YEAR_MIN 1
#define CV_YEAR_MAX 9999

/* 0001-01-01 and 9999-12-31 as days since 1970-01-01. */
#define CV_DAYS_MIN (-719162L)
#define CV_DAYS_MAX 2932896L

int cv_date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cv_date_days_in_month(int y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && cv_date_is_leap(y))
		return 29;
	return dim[m - 1];
}

int cv_date_valid(const cv_date *d)
{
	if (!d)
		return 0;
	if (d->y < CV_YEAR_MIN || d->y > CV_YEAR_MAX)
		return 0;
	if (d->m < 1 || d->m > 12)
		return 0;
	return d->d >= 1 && d->d <= cv_date_days_in_month(d->y, d->m);
}

static int two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int cv_date_parse(cv_date *out, const char *s)
{
	cv_date d;
	int i;

	if (!out || !s || strlen(s) != 10)
		return CV_EINVAL;
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return CV_EINVAL;
		} else if (s[i] < '0' || s[i] > '9') {
			/* not isdigit(): that is locale-dependent */
			return CV_EINVAL;
		}
	}
	d.y = two_digits(s) * 100 + two_digits(s + 2);
	d.m = two_digits(s + 5);
	d.d = two_digits(s + 8);
	if (!cv_date_valid(&d))
		return CV_EINVAL;
	*out = d;
	return 0;
}

/*
 * A date outside the printable range comes out as "0000-00-00", which
 * cv_date_parse rejects, so it cannot pass for a real date.
 */
void cv_date_format(const cv_date *d, char buf[11])
{
	int n;

	if (!d || d->y < 0 || d->y > CV_YEAR_MAX || d->m < 0 || d->m > 99 ||
	    d->d < 0 || d->d > 99) {
		memcpy(buf, "0000-00-00", 11);
		return;
	}
	n = snprintf(buf, 11, "%04d-%02d-%02d", d->y, d->m, d->d);
	if (n != 10)
		memcpy(buf, "0000-00-00", 11);
}

static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;                                  /* [0, 399] */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

long cv_date_to_days(const cv_date *d)
{
	return days_from_civil(d->y, d->m, d->d);
}

void cv_date_from_days(cv_date *out, long days)
{
	long z, era, doe, yoe, y, doy, mp, d, m;

	if (days < CV_DAYS_MIN)
		days = CV_DAYS_MIN;
	else if (days > CV_DAYS_MAX)
		days = CV_DAYS_MAX;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;                                     /* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
	mp = (5 * doy + 2) / 153;                                   /* [0, 11] */
	d = doy - (153 * mp + 2) / 5 + 1;                           /* [1, 31] */
	m = mp < 10 ? mp + 3 : mp - 9;                              /* [1, 12] */
	out->y = (int)(y + (m <= 2));
	out->m = (int)m;
	out->d = (int)d;
}

int cv_date_cmp(const cv_date *a, const cv_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

int cv_date_weekday(const cv_date *d)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	long w = (cv_date_to_days(d) + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

void cv_date_add_days(cv_date *out, const cv_date *d, long n)
{
	long days = cv_date_to_days(d);

	/* Saturate before adding so that a huge n cannot overflow. */
	if (n > CV_DAYS_MAX - days)
		days = CV_DAYS_MAX;
	else if (n < CV_DAYS_MIN - days)
		days = CV_DAYS_MIN;
	else
		days += n;
	cv_date_from_days(out, days);
}

/*
 * Move d by n months (n may be any long).  Returns 1 and sets *y and *m to
 * the target month, or 0 after writing the saturated end of the range to out.
 */
static int target_month(cv_date *out, const cv_date *d, long n, int *y, int *m)
{
	long total = (long)d->y * 12 + (d->m - 1);
	long lo = (long)CV_YEAR_MIN * 12, hi = (long)CV_YEAR_MAX * 12 + 11;

	if (n > hi - total) {
		out->y = CV_YEAR_MAX;
		out->m = 12;
		out->d = 31;
		return 0;
	}
	if (n < lo - total) {
		out->y = CV_YEAR_MIN;
		out->m = 1;
		out->d = 1;
		return 0;
	}
	total += n;
	*y = (int)(total / 12);
	*m = (int)(total % 12) + 1;
	return 1;
}

void cv_date_add_months_clamp(cv_date *out, const cv_date *d, int n)
{
	int y, m, dim;

	if (!target_month(out, d, n, &y, &m))
		return;
	dim = cv_date_days_in_month(y, m);
	out->y = y;
	out->m = m;
	out->d = d->d > dim ? dim : d->d;
}

static void add_months_later(cv_date *out, const cv_date *d, long n)
{
	int y, m, day = d->d;

	if (!target_month(out, d, n, &y, &m))
		return;
	if (day > cv_date_days_in_month(y, m)) {
		/* The day does not exist: the 1st of the following month. */
		day = 1;
		if (++m > 12) {
			m = 1;
			if (++y > CV_YEAR_MAX) {
				y = CV_YEAR_MAX;
				m = 12;
				day = 31;
			}
		}
	}
	out->y = y;
	out->m = m;
	out->d = day;
}

void cv_date_add_months_later(cv_date *out, const cv_date *d, int n)
{
	add_months_later(out, d, n);
}

void cv_date_add_years_later(cv_date *out, const cv_date *d, int n)
{
	add_months_later(out, d, (long)n * 12);
}

int cv_date_today(cv_date *out)
{
	const char *env = getenv("CASEVAULT_TODAY");
	struct tm tm;
	time_t now;

	if (env)
		return cv_date_parse(out, env);
	now = time(NULL);
	if (now == (time_t)-1 || !localtime_r(&now, &tm))
		return CV_ERROR;
	out->y = tm.tm_year + 1900;
	out->m = tm.tm_mon + 1;
	out->d = tm.tm_mday;
	return cv_date_valid(out) ? 0 : CV_ERROR;
}
