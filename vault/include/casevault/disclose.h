/*
 * casevault - disclosure: the people named in a case, linked cases, the
 * redaction engine, decisions on the records in a request's scope, the
 * bundle and its fail-closed check, and the internal disclosure log
 * (docs/legal-rules.md §7-§11; docs/architecture.md, Properties, 5).  See docs/requests.md and
 * docs/policy-redaction.md.
 *
 * Every function returns 0 or a negative CV_E* code with a one-line
 * message on the handle (cv_vault_errmsg) naming ids only, never names,
 * titles or record text.
 */
#ifndef CASEVAULT_DISCLOSE_H
#define CASEVAULT_DISCLOSE_H

#include <stddef.h>
#include <stdint.h>
#include "vault.h"

/* ---- people named in a case, linked cases ---- */

typedef enum {
	CV_PERSON_THIRD_PARTY = 0,  /* redacted (docs/legal-rules.md §7) */
	CV_PERSON_PROFESSIONAL,     /* acting in their role: disclosed (docs/legal-rules.md §7) */
	CV_PERSON_VOLUNTEER         /* redacted, with their phone and e-mail (docs/legal-rules.md §10) */
} cv_person_kind;

int cv_person_kind_parse(cv_person_kind *out, const char *s);  /* 0 or CV_EINVAL */
const char *cv_person_kind_name(cv_person_kind k);

typedef struct {
	long id;
	char case_id[24];
	cv_person_kind kind;
	char *name;                 /* unsealed */
	char *phone, *email, *role; /* unsealed, NULL when none */
	char added_by[24];
	char added_at[32];
} cv_person;

/*
 * Record that name appears in case_id's file (every field sealed under the
 * case key).  phone, email and role may be NULL.  *id_out gets its id.
 */
int cv_person_add(cv_vault *v, const char *case_id, const char *name, cv_person_kind kind,
		  const char *phone, const char *email, const char *role, long *id_out);
/* The people of case_id (unlocks).  Free with cv_person_list_free. */
int cv_person_list(cv_vault *v, const char *case_id, cv_person **out, size_t *n);
void cv_person_list_free(cv_person *list, size_t n);

/*
 * Mark cases a and b as the two sides of a separated family.  No record of
 * one is ever in the scope of a request on the other, and the other side's
 * parent is redacted like a third party.  CV_EEXISTS when already linked.
 */
int cv_case_link(cv_vault *v, const char *a, const char *b);
/* The cases linked to case_id (ids, malloc'd array of 24-char ids). */
int cv_case_links(cv_vault *v, const char *case_id, char (**out)[24], size_t *n);

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
size_t cv_fprint_count(const cv_fprint *fp);

/* ---- the redaction policy (policies/redaction.ini) ---- */

/* Check a redaction.ini file (casevault policy check): 0 or CV_EPOLICY with problems. */
int cv_redaction_check_file(const char *path, cv_problems *problems);
/* Check a disclosure-letter.txt template: unknown placeholders are problems. */
int cv_letter_check_file(const char *path, cv_problems *problems);

/* ---- decisions on the records in a request's scope ---- */

typedef enum {
	CV_DEC_NEEDED = 0,   /* a person must decide before a bundle can be made */
	CV_DEC_RELEASE,      /* disclosed as it is */
	CV_DEC_REDACT,       /* disclosed with automatic redaction (text records) */
	CV_DEC_WITHHOLD,     /* left out, with a ground (internal only) */
	CV_DEC_COPY          /* an attached redacted copy is disclosed in its place */
} cv_decision;

const char *cv_decision_name(cv_decision d);

typedef struct {
	char record_id[16];
	int section;                 /* cv_section */
	char class_name[64];
	char *title;                 /* unsealed; NULL when the actor lacks the section's key */
	char event_date[11];         /* "" when not unsealed */
	char mime[96];
	int text;                    /* a type whose words casevault reads (policy [text]) */
	cv_decision decision;
	int is_default;              /* from the policy, no one decided yet */
	char *ground;                /* withheld: the ground (unsealed when possible) */
	char *reason;
	char decided_by[24];
	char decided_at[32];
	char copy_record[16];        /* CV_DEC_COPY: the redacted copy's record id */
} cv_scope_item;

/*
 * Every record in scope of request req_id (its case's records, both
 * sections, never a linked case's; attached copies are listed with their
 * originals) with its decision.  Unlocks.  Free with cv_scope_free.
 */
int cv_request_scope(cv_vault *v, const char *req_id, cv_scope_item **out, size_t *n);
void cv_scope_free(cv_scope_item *items, size_t n);

/*
 * Record a decision on record_id for req_id.  reason is required;
 * CV_DEC_WITHHOLD needs a ground named in the policy's [grounds].
 * Releasing a child-protection record (release or redact) needs a cp-lead
 * or manager (docs/legal-rules.md §8).  CV_DEC_REDACT is for text records only.
 * CV_EREFUSED: outside the scope (another case, a linked case), closed
 * request, role.  CV_ENOTFOUND: no such request or record.
 */
int cv_request_decide(cv_vault *v, const char *req_id, const char *record_id, cv_decision d,
		      const char *ground, const char *reason);

/*
 * File the document at path (type-checked like any filing) as a redacted
 * copy of record_id, in the same case, section and class, and disclose it
 * in the original's place.  copy_out gets the new record id.
 */
int cv_request_attach(cv_vault *v, const char *req_id, const char *record_id, const char *path,
		      char copy_out[16]);

/* ---- the bundle ---- */

typedef struct {
	const char *out_path;        /* must not exist */
	const char *recipient_key;   /* NULL: ZIP with AES-256; else an OpenPGP public key file */
} cv_bundle_opts;

typedef struct {
	char passphrase[64];         /* ZIP form: shown once, never stored; wipe after use */
	char sha256[65];             /* of the bundle file */
	int64_t size;
	size_t members;              /* numbered records */
	long disclosure;             /* the disclosure log entry */
	char recipient_fpr[48];      /* OpenPGP form */
} cv_bundle_result;

/*
 * Build the bundle of req_id: refuses while any record needs a decision or
 * when out_path exists.  Records are decrypted to memory and pipes only;
 * the bundle is written beside out_path under a temporary name, reopened
 * and searched for every redaction term and for the distinctive text of
 * every withheld record (fail closed: a hit deletes it, CV_EREFUSED with
 * the record id), then renamed into place and logged.
 */
int cv_request_bundle(cv_vault *v, const char *req_id, const cv_bundle_opts *o, cv_bundle_result *res);

/* ---- the internal disclosure log ---- */

typedef struct {
	char record_id[16];
	char source_record[16];      /* the record whose bytes went out (a copy, or itself) */
	char outcome[12];            /* released | redacted | withheld */
	int number;                  /* 0 when withheld */
	char *ground;                /* unsealed when possible */
	char decided_by[24];
} cv_log_item;

typedef struct {
	long id;
	char request_id[24];
	char form[16];
	char sha256[65];
	int64_t size;
	long members;
	char built_by[24];
	char built_at[32];
	char policy_hash[65];
	cv_log_item *items;
	size_t nitems;
} cv_log_entry;

int cv_request_log(cv_vault *v, const char *req_id, cv_log_entry **out, size_t *n);
void cv_request_log_free(cv_log_entry *list, size_t n);

#endif
