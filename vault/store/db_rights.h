/*
 * casevault - the index side of the other rights (ops/request_rights.c;
 * docs/legal-rules.md LR-18): a request's kind and the records it names,
 * the restrictions it places and lifts.
 */
#ifndef CV_STORE_DB_RIGHTS_H
#define CV_STORE_DB_RIGHTS_H

#include <stddef.h>
#include "base/handle.h"

/* In the request's transaction: its kind and the records it names ("R-1 R-2", NULL: none). */
int cv_db_rights_set(cv_vault *v, const char *id, const char *kind, const char *records);
/* A standing restriction of record_id by request id. */
int cv_db_restriction_insert(cv_vault *v, const char *id, const char *record_id, const char *by, const char *at);
/* Lift request id's standing restrictions; *n gets how many. */
int cv_db_restriction_lift(cv_vault *v, const char *id, const char *by, const char *at, size_t *n);
/* The request whose restriction stands on record_id: 1 (req filled), 0 none, <0. */
int cv_db_restriction_find(cv_vault *v, const char *record_id, char req[24]);
/* Request id's kind (kind[16]): 1, 0 when there is no such request, <0. */
int cv_db_rights_kind(cv_vault *v, const char *id, char kind[16]);

#endif
