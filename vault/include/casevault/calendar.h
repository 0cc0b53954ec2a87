/*
 * casevault - working-day calendar and subject access request due dates.
 *
 * A calendar is loaded from a human-edited INI policy file (shipped as
 * policies/calendar.ini; format in docs/policy-calendar.md):
 *
 *   [rules]      every England & Wales rule, each set to yes or no:
 *                  new-year       1 Jan                     }  a weekend day
 *                  christmas      25 Dec                    }  moves to the next
 *                  boxing-day     26 Dec                    }  free weekday
 *                  good-friday    Easter Sunday - 2 days
 *                  easter-monday  Easter Sunday + 1 day
 *                  early-may      first Monday of May
 *                  spring         last Monday of May
 *                  summer         last Monday of August
 *   [extra]      YYYY-MM-DD = name     a one-off bank holiday
 *   [removed]    YYYY-MM-DD = reason   a rule day that was not a holiday
 *                                      (e.g. a moved early-May holiday)
 *
 * A "holiday" here is a bank holiday as published (gov.uk): when Christmas
 * falls on a Saturday the holidays are Mon 27 and Tue 28 December, and
 * Sat 25 December itself is a weekend day, not a holiday.
 *
 * Loading is all or nothing: any problem makes the load fail with
 * CV_EPOLICY, and every problem is appended with the file and line number.
 *
 * Subject access (docs/legal-rules.md §1-§3): the clock starts at the latest of the facts
 * that apply; the request is due the same date a month later (clamped to the
 * month's last day), rolled to the next working day; an extension moves it
 * to the same date three months after the clock start, rolled the same way.
 */
#ifndef CASEVAULT_CALENDAR_H
#define CASEVAULT_CALENDAR_H

#include "common.h"
#include "date.h"

typedef struct cv_calendar cv_calendar;

/*
 * Load the calendar policy at path.  On success *out is a new calendar the
 * caller frees with cv_calendar_free.  On failure *out is NULL, problems
 * (which may be NULL) get every problem found, and the return is
 * CV_EPOLICY (malformed: unknown section or key, bad date or value, rule
 * not set, line too long, ...), CV_ENOTFOUND (no such file), CV_EINVAL
 * (not a regular file) or CV_ERROR (cannot read, out of memory).
 * Symbolic links are followed: the file is administrator-owned policy.
 */
int cv_calendar_load(cv_calendar **out, const char *path, cv_problems *problems);
/* Accepts NULL. */
void cv_calendar_free(cv_calendar *cal);

/*
 * Check a calendar policy file without keeping it (casevault policy check).
 * 0 when clean, otherwise the code cv_calendar_load would return, with
 * every problem appended to problems.
 */
int cv_calendar_check_file(const char *path, cv_problems *problems);

/* 1 if d is a bank holiday in cal, else 0 (also for an invalid date). */
int cv_calendar_is_holiday(const cv_calendar *cal, const cv_date *d);
/*
 * The holiday's name ("Easter Monday", "Christmas Day (substitute day)",
 * or the name given in [extra]), or NULL when d is not a holiday.  The
 * string belongs to cal (or is static) and lives until cv_calendar_free.
 */
const char *cv_calendar_holiday_name(const cv_calendar *cal, const cv_date *d);
/* 1 if d is Monday to Friday and not a holiday, else 0. */
int cv_calendar_is_working_day(const cv_calendar *cal, const cv_date *d);
/*
 * The first working day on or after d.  0, or CV_EINVAL when d is invalid
 * or no working day follows it before 9999-12-31.
 */
int cv_calendar_next_working_day(cv_date *out, const cv_calendar *cal, const cv_date *d);

/*
 * The facts that start a subject access request's clock (docs/legal-rules.md §1).
 * received is required; any other field is NULL when it does not apply
 * (no identity check needed, no fee, no clarification sought).  While the
 * office is still waiting for one of them the clock has not started, and
 * the caller must not compute a due date yet.
 */
typedef struct {
	const cv_date *received;
	const cv_date *identity_verified;
	const cv_date *fee_received;
	const cv_date *clarification_received;
} cv_sar_facts;

/*
 * The latest date that applies.  0, or CV_EINVAL (no received date, or a
 * date that is not a real day).
 */
int cv_calendar_sar_clock_start(cv_date *out, const cv_sar_facts *facts);

/*
 * Due date (docs/legal-rules.md §2): the same date one month after clock_start, or the last
 * day of that month if it has no such date, then the next working day.
 * 0, or CV_EINVAL (invalid date, NULL calendar).
 */
int cv_calendar_sar_due(cv_date *out, const cv_calendar *cal, const cv_date *clock_start);

/*
 * Extended due date (docs/legal-rules.md §3): as cv_calendar_sar_due but three months
 * after clock_start.  Says nothing about whether the extension is allowed:
 * see cv_calendar_sar_extend.
 */
int cv_calendar_sar_extended_due(cv_date *out, const cv_calendar *cal,
				 const cv_date *clock_start);

/* An extension request (docs/legal-rules.md §3). */
typedef struct {
	int complex;             /* the request is flagged complex */
	int one_of_several;      /* one of several requests from the requester */
	const char *reason;      /* the reasons given to the requester */
	const cv_date *notified; /* when the requester was told; NULL = not yet */
} cv_sar_extension;

/*
 * Validate an extension of the request whose clock started at clock_start.
 * Allowed only when it is complex or one of several, a reason (not blank)
 * was given, and the requester was told on or before the original due date
 * (cv_calendar_sar_due).  Returns 0 and sets *out to the extended due date,
 * CV_EREFUSED with every unmet condition appended to problems (which may be
 * NULL; messages carry no personal data), or CV_EINVAL for an invalid date,
 * NULL calendar or NULL ext.
 */
int cv_calendar_sar_extend(cv_date *out, const cv_calendar *cal, const cv_date *clock_start,
			   const cv_sar_extension *ext, cv_problems *problems);

#endif
