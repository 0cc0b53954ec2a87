/*
 * casevault - the rows behind a subject access request's disclosure
 * (docs/legal-rules.md §7-§11): the records in its scope, decisions, the
 * archives the bundle reads, and the disclosure log.
 *
 * Sealed fields of a section whose key the actor has not unlocked come
 * back NULL rather than as an error: a case worker sees the scope of a
 * request with child-protection titles left blank.  Whether the actor may
 * read them at all is decided before these calls (ops/).
 */
#ifndef CV_STORE_DB_DISCLOSE_H
#define CV_STORE_DB_DISCLOSE_H

#include <stddef.h>
#include <stdint.h>
#include "base/handle.h"
#include "casevault/disclose.h"

/* A record of a case, as the scope lists it. */
typedef struct {
	char record_id[16];
	cv_section section;
	char class_name[64];
	char *title;             /* opened, or NULL; the callback takes it */
	char *event_date;        /* opened, or NULL; the callback takes it */
	char mime[96];
	long seq;
	int64_t size;
	long long archive;
	char member[64];
} cv_db_scope_row;

/* Every record of case_id that is not a redacted copy, in filing order. */
int cv_db_scope_each(cv_vault *v, const char *case_id,
		     int (*fn)(void *hook, const cv_db_scope_row *r), void *hook);

/* What goes out for a record: the record itself or its redacted copy. */
typedef struct {
	char id[16];
	char mime[96];
	int64_t size;
	long long archive;
	char member[64];
	cv_section section;
} cv_db_source;

/* 1 and *out filled, or 0 when there is no record id. */
int cv_db_disclose_source(cv_vault *v, const char *id, cv_db_source *out);
/* A record's case, section, type and class: 1, or 0 when there is none. */
int cv_db_disclose_record(cv_vault *v, const char *id, char case_id[24], cv_section *sec,
			  char mime[96], char cls[64]);
/* 1 when id is a redacted copy, orig getting the record it stands for; else 0. */
int cv_db_disclose_copy_of(cv_vault *v, const char *id, char orig[16]);
/* A record's title, hash or event date, opened (NULL when none or not unlocked). */
int cv_db_disclose_sealed(cv_vault *v, const char *id, cv_section sec, const char *column, char **out);
/* A record's SHA-256 (opened) and size, for checking its bytes as they pass. */
int cv_db_disclose_hash(cv_vault *v, const char *id, cv_section sec, char **sha, int64_t *size);

typedef struct {
	char file[64];
	char sha256[65];
	char *wrapped_key;       /* malloc'd */
	int key_gen;
	long long receipt;
	cv_section section;
} cv_db_archive;

/* 1 and *out filled, 0 when there is no archive aid. */
int cv_db_disclose_archive(cv_vault *v, long long aid, cv_db_archive *out);

/* The latest decision on a record of a request. */
typedef struct {
	char decision[16];
	char *ground, *reason;   /* opened, or NULL */
	char copy_record[16];
	char decided_by[24];
	char decider_role[16];
	char decided_at[32];
} cv_db_decision;

/* 1 and *out filled, or 0 when no one has decided on it yet. */
int cv_db_decision_latest(cv_vault *v, const char *req_id, const char *record_id, cv_db_decision *out);

typedef struct {
	const char *request_id, *record_id;
	cv_section section;
	const char *decision;
	const char *ground;          /* NULL: none */
	const char *reason;
	const char *copy_record;     /* NULL: none */
	const char *decided_by, *decider_role, *decided_at;
	const char *policy_hash;
} cv_db_decision_new;

/* Insert; ground and reason are sealed under the record's section key. */
int cv_db_decision_insert(cv_vault *v, const cv_db_decision_new *d);

/* The disclosure log: one row per bundle, one item per record in scope. */
typedef struct {
	const char *request_id, *form, *sha256;
	int64_t size;
	long members;
	const char *built_by, *built_at, *policy_hash;
} cv_db_disclosure_new;

typedef struct {
	const char *record_id, *source_record, *outcome;
	int number;                  /* 0: none (withheld) */
	const char *decided_by, *decided_at;
	cv_section section;
	const char *ground;          /* NULL: none */
} cv_db_disclosure_item_new;

int cv_db_disclosure_insert(cv_vault *v, const cv_db_disclosure_new *d, long long *id_out);
int cv_db_disclosure_item_insert(cv_vault *v, long long disclosure_id, const cv_db_disclosure_item_new *it);
/*
 * The bundles of req_id with their items.  need_key is told each item's
 * section before its ground is opened (a child-protection ground may need
 * the key unlocked first).  Free with cv_db_disclosure_list_free.
 */
int cv_db_disclosure_list(cv_vault *v, const char *req_id, void (*need_key)(cv_vault *v, cv_section s),
			  cv_log_entry **out, size_t *n);
void cv_db_disclosure_list_free(cv_log_entry *list, size_t n);

#endif
