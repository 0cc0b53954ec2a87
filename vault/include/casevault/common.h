/*
 * casevault - common definitions shared by every module.
 *
 * Error convention (libgit2 style): functions return int, 0 on success,
 * one of the negative CV_E* codes below for failures a caller acts on,
 * CV_ERROR (-1) for the rest.  A human-readable message lives on the vault
 * handle (cv_vault_errmsg) or, for modules that run without a vault
 * (date, policy), in a caller-supplied cv_problems list.
 */
#ifndef CASEVAULT_COMMON_H
#define CASEVAULT_COMMON_H

#include <stddef.h>

enum {
	CV_OK = 0,
	CV_ERROR = -1,       /* anything else: I/O, library failure */
	CV_ENOTFOUND = -2,   /* no such vault, case, record, class, staff */
	CV_EEXISTS = -3,     /* would overwrite something that exists */
	CV_EREFUSED = -4,    /* a rule forbids it (policy, role, consent) */
	CV_EBADPASS = -5,    /* wrong passphrase or no usable key */
	CV_ECORRUPT = -6,    /* integrity check failed */
	CV_EHELD = -7,       /* under a hold or an open request */
	CV_EINVAL = -8,      /* malformed input (date, file, argument) */
	CV_ELOCKED = -9,     /* another process holds the vault lock */
	CV_EPOLICY = -10     /* a policy file is malformed */
};

/* Sections of a case file. */
typedef enum {
	CV_SECTION_CASE = 0,  /* the main case file */
	CV_SECTION_CP = 1     /* the separate child-protection file */
} cv_section;

#define CV_SECTION_COUNT 2

const char *cv_section_name(cv_section s);          /* "case" / "cp" */
int cv_section_parse(cv_section *out, const char *s); /* 0 or CV_EINVAL */

/*
 * A list of problems found in an input file, each with its line number
 * (0 when the problem concerns the whole file).  Used by policy checks.
 */
typedef struct {
	char *file;     /* owned; may be NULL */
	int line;
	char *msg;      /* owned */
} cv_problem;

typedef struct {
	cv_problem *items;
	size_t n;
	size_t alloc;
} cv_problems;

#define CV_PROBLEMS_INIT { NULL, 0, 0 }

/* Append a problem (printf-style message).  Returns 0 or CV_ERROR on OOM. */
int cv_problems_add(cv_problems *p, const char *file, int line,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Free every item; the struct may be reused afterwards. */
void cv_problems_release(cv_problems *p);

#endif
