/*
 * casevault - disclosure: decisions on the records in a request's scope,
 * the bundle and its fail-closed check, and the internal disclosure log
 * (the people named in a case: people.h; the redaction engine: redact.h)
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

#include "people.h"
#include "redact.h"

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
	const char *why;             /* a default's reason, static text (NULL: the policy's plain default) */
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
 * The same decision on each of count records, all or nothing: every record
 * is checked (scope, redactability, role) before any is written, then every
 * decision and its own request.decide event commit in one transaction.  A
 * record named twice is CV_EINVAL.
 */
int cv_request_decide_many(cv_vault *v, const char *req_id, const char *const *records, size_t count,
			   cv_decision d, const char *ground, const char *reason);

/*
 * File the document at path (type-checked like any filing) as a redacted
 * copy of record_id, in the same case, section and class, and disclose it
 * in the original's place.  copy_out gets the new record id.
 */
int cv_request_attach(cv_vault *v, const char *req_id, const char *record_id, const char *path,
		      char copy_out[16]);
/*
 * The same with the copy already open (fd, read from its start; path is
 * then only its name): casevaultd's worker never opens a path a client
 * named (docs/service.md, Named files).
 */
int cv_request_attach_fd(cv_vault *v, const char *req_id, const char *record_id, const char *path, int fd,
			 char copy_out[16]);

/* ---- the bundle ---- */

typedef struct {
	const char *out_path;        /* must not exist; with has_out_fd only the file's name, as given */
	/*
	 * A new, empty file the caller made (O_RDWR): casevaultd's client's
	 * (docs/service.md, Named files).  The bundle is written into it, and
	 * it is emptied if the bundle is refused; the caller removes it then.
	 */
	int has_out_fd;
	int out_fd;
	const char *recipient_key;   /* NULL: ZIP with AES-256; else an OpenPGP public key file */
	int has_recipient_fd, recipient_fd;  /* recipient_key already open (casevaultd, as out_fd) */
	const char *unreadable_withheld; /* comma-separated withheld records the check may go without, or NULL */
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
	char decided_by[24];         /* a staff id, or "policy" where the policy's default decided */
	char decided_at[32];         /* "" for a bundle logged before schema 23 with no decision found */
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
