/*
 * casevault - policy files: record classes with their retention rules, and
 * the allow-list of document types.
 *
 * A policy directory holds human-edited INI files (parsed with inih):
 *   retention.ini  one [class-name] section per record class:
 *                    label   = Case note            (required)
 *                    section = case | cp            (required)
 *                    rule    = TRIGGER + PERIOD     (one or more lines)
 *                    ceiling = TRIGGER + PERIOD     (optional: kept at most so long)
 *                    action  = destroy | review     (required)
 *                  TRIGGER is filed, event-date, case-closed, child-dob or
 *                  last-contact; PERIOD is e.g. 6y, 18m, 30d, 1y6m.
 *   filetypes.ini  one [MIME/TYPE] section per admitted type:
 *                    extension   = pdf              (required, no dot)
 *                    compressible = yes | no        (default no)
 *                    label       = PDF document     (optional)
 *                    max_size    = 64M              (optional: bytes, K, M or G;
 *                                                    default and ceiling CV_FILETYPE_MAX_SIZE)
 *   calendar.ini   bank holidays (see calendar.h); not loaded here.
 *
 * Loading is all or nothing: any problem in any file makes cv_policy_load
 * fail with CV_EPOLICY and lists every problem with its file and line.
 */
#ifndef CASEVAULT_POLICY_H
#define CASEVAULT_POLICY_H

#include <stdint.h>

#include "common.h"
#include "date.h"

typedef enum {
	CV_TRIG_FILED = 0,
	CV_TRIG_EVENT_DATE,
	CV_TRIG_CASE_CLOSED,
	CV_TRIG_CHILD_DOB,
	CV_TRIG_LAST_CONTACT
} cv_trigger;

typedef enum { CV_ACTION_DESTROY = 0, CV_ACTION_REVIEW = 1 } cv_action;

typedef struct {
	cv_trigger trigger;
	int years, months, days;
} cv_retention_rule;

#define CV_RETENTION_RULES_MAX 8

typedef struct {
	char name[64];         /* [a-z0-9-], 1-63 chars */
	char label[128];
	cv_section section;
	cv_action action;
	size_t nrules;
	cv_retention_rule rules[CV_RETENTION_RULES_MAX];
	int has_ceiling;       /* an "at most" that no rule extends (docs/legal-rules.md §12) */
	cv_retention_rule ceiling;
} cv_class;

typedef struct {
	char mime[128];        /* e.g. "application/pdf" */
	char ext[16];          /* e.g. "pdf" */
	char label[64];
	int compressible;
	int64_t max_size;      /* larger documents are refused before they are read */
} cv_filetype;

/*
 * The largest document of any type (256 MiB): a bundle reads each member
 * whole into memory to clean and redact it (vault/formats, CV_FMT_MAX), so
 * a larger one could be filed but never disclosed.
 */
#define CV_FILETYPE_MAX_SIZE ((int64_t)256 << 20)

typedef struct cv_policy cv_policy;

/*
 * Load retention.ini and filetypes.ini from dir.  On success *out is a new
 * policy the caller frees with cv_policy_free.  On failure returns CV_EPOLICY
 * (or CV_ENOTFOUND when a file is missing) and appends every problem to
 * problems (which may be NULL).
 */
int cv_policy_load(cv_policy **out, const char *dir, cv_problems *problems);
void cv_policy_free(cv_policy *p);
/*
 * The same from the two files' texts in memory (retention.ini, then
 * filetypes.ini); problems name those two files.  Used to fall back to the
 * last good policy kept in the index.
 */
int cv_policy_load_mem(cv_policy **out, const char *retention, size_t rlen,
		       const char *filetypes, size_t flen, cv_problems *problems);

/* Lower-case hex SHA-256 (64 chars) over retention.ini then filetypes.ini. */
const char *cv_policy_hash(const cv_policy *p);

/* Days a key-store backup is kept ([backups] keystore_backup_days; 35 when unset). */
int cv_policy_keystore_backup_days(const cv_policy *p);
/* Days after which doctor reports the last backup as too old ([backups] backup_every_days; 7 when unset). */
int cv_policy_backup_every_days(const cv_policy *p);

size_t cv_policy_class_count(const cv_policy *p);
const cv_class *cv_policy_class_at(const cv_policy *p, size_t i);
/* NULL when no such class. */
const cv_class *cv_policy_class(const cv_policy *p, const char *name);

/* NULL when the MIME type is not on the allow-list. */
const cv_filetype *cv_policy_filetype(const cv_policy *p, const char *mime);
size_t cv_policy_filetype_count(const cv_policy *p);
const cv_filetype *cv_policy_filetype_at(const cv_policy *p, size_t i);

/*
 * Check one policy file, choosing the checker from its base name
 * (retention.ini, filetypes.ini, calendar.ini).  Returns 0 when clean,
 * CV_EPOLICY when problems were appended, CV_ENOTFOUND / CV_EINVAL when the
 * file is missing or of an unknown kind.
 */
int cv_policy_check_file(const char *path, cv_problems *problems);

/* The facts a retention date is computed from; NULL = not known yet. */
typedef struct {
	const cv_date *filed;
	const cv_date *event_date;
	const cv_date *case_closed;
	const cv_date *child_dob;
	const cv_date *last_contact;
} cv_retention_facts;

/*
 * Apply every rule of cls to facts; the latest date wins, but never past the
 * class's ceiling, if it has one.  Years and months are added with the
 * "never early" rounding (29 Feb + 1y = 1 Mar).  A date that runs from the
 * child's date of birth is moved to a calendar-quarter boundary so that the
 * day a record falls due does not date a birth: a rule's date to the last
 * day of its quarter (later, never early), the ceiling's to the first day of
 * its quarter (earlier, never late) but not below the rules' exact dates
 * while they are within the ceiling (docs/legal-rules.md §12).
 * Returns 0 and sets *out when every rule's trigger is known, CV_ENOTFOUND
 * when some trigger is not known yet (e.g. the case is still open: the
 * record is kept until it is), CV_EINVAL when the class has no rules.
 */
int cv_retention_date(cv_date *out, const cv_class *cls, const cv_retention_facts *facts);

/*
 * The last day a record of cls may be kept: its ceiling, moved to the first
 * day of its quarter as cv_retention_date moves it.  0 and *out, or
 * CV_ENOTFOUND when cls has no ceiling or the ceiling's trigger is not known.
 */
int cv_retention_ceiling(cv_date *out, const cv_class *cls, const cv_retention_facts *facts);

const char *cv_trigger_name(cv_trigger t);
const char *cv_action_name(cv_action a);

#endif
