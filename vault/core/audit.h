/*
 * casevault - the audit trail: one event per action (ids only, never
 * personal data), hash-chained, anchored in audit.head.
 */
#ifndef CV_CORE_AUDIT_H
#define CV_CORE_AUDIT_H

#include "base/handle.h"

/* Append one event.  Inside a transaction the event commits with it and
 * the anchor follows on commit (an on-commit hook). */
int cv_audit(cv_vault *v, const char *action, int outcome, const char *ids);
/* The same once the outcome is known: v->errmsg is kept; returns outcome. */
int cv_audit_keep(cv_vault *v, const char *action, int outcome, const char *ids);
int cv_audit_sync_head(cv_vault *v);
/* What audit.head says: CV_ENOTFOUND without one, CV_ECORRUPT when unreadable. */
int cv_audit_read_head(cv_vault *v, long *seq, char hash[65]);
int cv_audit_head(cv_vault *v, long *seq, char hash[65]);
/* The chain: hash of one event given the previous hash (hex). */
int cv_audit_event_hash(long seq, const char *time, const char *actor, const char *action,
			const char *ids, const char *outcome, const char *prev, char out[65]);

#endif
