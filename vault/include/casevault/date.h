/*
 * casevault - civil dates (proleptic Gregorian, no time zone).
 *
 * Dates are plain values.  Two "add months/years" flavours exist because the
 * law rounds differently: a subject access request due date clamps to the
 * last day of a short month (docs/legal-rules.md §2), while a retention date must never
 * fall early, so a missing day rolls forward to the 1st of the next month
 * (docs/legal-rules.md §12: 29 Feb + 1 year = 1 Mar).
 */
#ifndef CASEVAULT_DATE_H
#define CASEVAULT_DATE_H

#include "common.h"

typedef struct {
	int y, m, d;   /* 1..9999, 1..12, 1..31 */
} cv_date;

/* Strict "YYYY-MM-DD" with a real calendar day.  0 or CV_EINVAL. */
int cv_date_parse(cv_date *out, const char *s);
/* Writes "YYYY-MM-DD" and a NUL into buf (at least 11 bytes). */
void cv_date_format(const cv_date *d, char buf[11]);
int cv_date_valid(const cv_date *d);
int cv_date_is_leap(int y);
int cv_date_days_in_month(int y, int m);
/* Days since 1970-01-01 (negative before). */
long cv_date_to_days(const cv_date *d);
void cv_date_from_days(cv_date *out, long days);
/* <0, 0, >0 like strcmp. */
int cv_date_cmp(const cv_date *a, const cv_date *b);
/* 0 = Monday ... 6 = Sunday. */
int cv_date_weekday(const cv_date *d);
void cv_date_add_days(cv_date *out, const cv_date *d, long n);
/* Same day n months on; a day the month lacks becomes its last day. */
void cv_date_add_months_clamp(cv_date *out, const cv_date *d, int n);
/* Same day n months on; a day the month lacks rolls to the 1st of the next. */
void cv_date_add_months_later(cv_date *out, const cv_date *d, int n);
/* n years on; 29 Feb becomes 1 Mar in a common year (never early). */
void cv_date_add_years_later(cv_date *out, const cv_date *d, int n);
/* Today's date in the local time zone, or $CASEVAULT_TODAY (YYYY-MM-DD) when set (tests). */
int cv_date_today(cv_date *out);

#endif
