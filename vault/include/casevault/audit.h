/*
 * casevault - the audit trail: a hash chain of events.
 *
 * Every command that reads, files, exports, shares, decides or destroys
 * appends one event: time, acting staff id, action, the ids involved and
 * the outcome ("ok", "refused", "failed").  Events hold ids and codes only,
 * never names, titles or file names.  Each event carries the SHA-256 of the
 * previous one; the head (sequence number and hash) is also kept outside the
 * index, in VAULT/audit.head, so that cutting events off the end is
 * detected as well as editing, deleting, inserting or reordering them.
 *
 * What is not recorded: a command refused for bad input before any
 * authorised action (unknown case, malformed date, wrong passphrase) - it
 * changes nothing, not even the trail.
 */
#ifndef CASEVAULT_AUDIT_H
#define CASEVAULT_AUDIT_H

#include "vault.h"

typedef struct {
	long seq;
	char time[32];       /* UTC, ISO 8601 */
	char actor[24];      /* staff id */
	char action[32];     /* e.g. "record.get" */
	char *ids;           /* space-separated ids, may be "" */
	char outcome[16];    /* ok | refused | failed */
	char hash[65];
} cv_audit_event;

typedef struct {
	const char *since;   /* YYYY-MM-DD, or NULL */
	const char *actor;   /* staff id, or NULL */
	const char *id;      /* a record, case, staff or request id, or NULL */
} cv_audit_filter;

/* Events matching f, oldest first; free with cv_audit_list_free. */
int cv_audit_list(cv_vault *v, const cv_audit_filter *f, cv_audit_event **out, size_t *n);
void cv_audit_list_free(cv_audit_event *list, size_t n);

typedef struct {
	long events;
	long first_bad;      /* sequence number of the first problem, 0 if none */
	char problem[256];
	char head[96];       /* "SEQ:HASH" of the last event checked, "" for an empty trail */
	/* signed checkpoints: events 1..proven are proven by checkpoint number, signed by proven_by at proven_at */
	long checkpoints;
	long proven;         /* 0: no valid checkpoint */
	long checkpoint;
	char proven_by[32];
	char proven_at[32];
} cv_audit_report;

/*
 * Check the chain and its anchor.  0 when intact; CV_ECORRUPT with the
 * report saying where it breaks (edited, deleted, inserted, reordered or
 * truncated events).
 */
int cv_audit_verify(cv_vault *v, cv_audit_report *rep);

/*
 * The same, and the head recorded earlier outside the vault ("SEQ:HASH",
 * the hash in full or its first 16 or more hex digits) must still be in the
 * chain: a copy of the vault rolled back to before it, or a trail cut back
 * and re-anchored by someone who can write every file of the vault, fails.
 * CV_EINVAL when expect is malformed.
 */
int cv_audit_verify_since(cv_vault *v, const char *expect, cv_audit_report *rep);

#endif
