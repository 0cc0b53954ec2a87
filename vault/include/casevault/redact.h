/*
 * casevault - the redaction engine (streaming, bounded memory), the
 * fingerprints of withheld text, and checking the redaction policy and the
 * letter template (docs/policy-redaction.md).  Needs no vault.
 */
#ifndef CASEVAULT_REDACT_H
#define CASEVAULT_REDACT_H

#include <stddef.h>
#include "common.h"

/* ---- the redaction engine (streaming, bounded memory) ---- */

typedef struct cv_redactor cv_redactor;

enum {
	CV_TERM_REDACT = 0,   /* replace every occurrence */
	CV_TERM_PROTECT = 1   /* never touch an occurrence (the requester's own name) */
};

/*
 * A new redactor whose replacement text is marker (e.g. "[redacted]").
 * Matching is case-insensitive for ASCII letters; a term or pattern matches
 * only where it is not part of a longer word or number.
 */
int cv_redactor_new(cv_redactor **out, const char *marker);
void cv_redactor_free(cv_redactor *rd);
/*
 * A literal term.  Runs of white space in it match any run of white space
 * (a name broken across lines); a trailing "s" or "'s" is taken with it.
 * CV_EINVAL when empty or longer than 256 bytes.
 */
int cv_redactor_add_term(cv_redactor *rd, const char *term, int flags);
/* A phone number: its digits match with spaces, dots, dashes, brackets between. */
int cv_redactor_add_phone(cv_redactor *rd, const char *phone);
/*
 * Every variant of a person's name: the full name, first and last name,
 * the surname alone (>= surname_min letters, and each part of a double
 * surname) and the first name alone (>= first_min letters) unless
 * first_ok is 0.  Honorifics (Mr, Mrs, Ms, Miss, Mx, Dr) are skipped.
 */
int cv_redactor_add_name(cv_redactor *rd, const char *name, int surname_min, int first_min,
			 int (*first_ok)(void *hook, const char *first), void *hook);
/* A POSIX extended regular expression, case-insensitive.  CV_EINVAL with err filled. */
int cv_redactor_add_pattern(cv_redactor *rd, const char *regex, char *err, size_t errlen);

/* Where redacted text goes; return non-zero to stop. */
typedef int (*cv_sink_fn)(void *hook, const void *buf, size_t len);

/*
 * Stream a document through the redactor: output goes to sink (which may be
 * NULL: detection only).  Call cv_redactor_finish at the end of each
 * document; the redactor is then ready for the next one.  Memory is bounded
 * whatever the document size (a 64 KiB window with a 4 KiB overlap).
 * CV_ERROR when the sink failed, CV_EINVAL when the text holds NUL bytes
 * (not 8-bit text: it cannot be searched reliably).
 */
int cv_redactor_feed(cv_redactor *rd, const void *buf, size_t len, cv_sink_fn sink, void *hook);
int cv_redactor_finish(cv_redactor *rd, cv_sink_fn sink, void *hook);
/* Replacements (or detections) since the redactor was made. */
size_t cv_redactor_hits(const cv_redactor *rd);
size_t cv_redactor_term_count(const cv_redactor *rd);

/*
 * The distinct texts rd would replace in text (white space folded to one
 * space), for removing them from a document that cannot be rewritten as
 * text (a PDF).  rd's own state is untouched.  Free with
 * cv_redactor_matches_free.
 */
int cv_redactor_matches(const cv_redactor *rd, const char *text, size_t len, char ***out, size_t *n);
void cv_redactor_matches_free(char **m, size_t n);

/* Redact a whole string in memory; *out is malloc'd. */
int cv_redactor_string(cv_redactor *rd, const char *in, char **out);

/*
 * Fingerprints of withheld text (winnowed 40-character shingles of the
 * text folded to lower-case letters and digits), to find any passage of
 * about 55 such characters or more that reappears elsewhere.  Memory is
 * capped (about 16 MB): past the cap fingerprints are sampled.
 */
typedef struct cv_fprint cv_fprint;
int cv_fprint_new(cv_fprint **out);
void cv_fprint_free(cv_fprint *fp);
/* Add one withheld document, streamed; call cv_fprint_add_end after it. */
int cv_fprint_add(cv_fprint *fp, const void *buf, size_t len);
void cv_fprint_add_end(cv_fprint *fp);
/* Search streamed text; returns 1 once any fingerprint is seen, else 0. */
int cv_fprint_scan(cv_fprint *fp, const void *buf, size_t len);
void cv_fprint_scan_end(cv_fprint *fp);
/* Search one whole text, fp only read (safe beside a stream scanning fp in another thread). */
int cv_fprint_scan_text(const cv_fprint *fp, const void *buf, size_t len);
size_t cv_fprint_count(const cv_fprint *fp);

/* ---- the redaction policy (policies/redaction.ini) ---- */

/* Check a redaction.ini file (casevault policy check): 0 or CV_EPOLICY with problems. */
int cv_redaction_check_file(const char *path, cv_problems *problems);
/* Check a disclosure-letter.txt template: unknown placeholders are problems. */
int cv_letter_check_file(const char *path, cv_problems *problems);

#endif
