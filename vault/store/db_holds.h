/*
 * casevault - the holds table (and the facts a hold needs: the held
 * record's case and section, whether a request is still open).  The hold
 * rows are casevault/retention.h's cv_hold; reasons are sealed
 * (docs/architecture.md, Sealed columns).
 */
#ifndef CV_STORE_DB_HOLDS_H
#define CV_STORE_DB_HOLDS_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/retention.h"

/* Record id's case ("" for none) and section: 1, 0 when there is no such record (no message). */
int cv_db_hold_target(cv_vault *v, const char *record_id, char case_id[24], cv_section *sec);

/* Insert a standing hold (case_id, record_id, ref: "" or NULL for none); the reason sealed under sec. */
int cv_db_hold_insert(cv_vault *v, const char *kind, const char *case_id, const char *record_id,
		      const char *ref, cv_section sec, const char *reason, const char *now, long *id);

/* Hold id: 1 with *released, kind and ref filled; 0 when there is none (no message). */
int cv_db_hold_get(cv_vault *v, long id, int *released, char kind[16], char ref[48]);

/* 1 when request ref is registered and still open, 0 when not, <0 on error. */
int cv_db_request_open(cv_vault *v, const char *ref);

/* Release hold id (kind NULL) or every standing hold of kind with ref; *n gets how many. */
int cv_db_hold_release(cv_vault *v, long id, const char *kind, const char *ref, const char *now, size_t *n);

/* Holds, newest first (standing only unless all); with unseal the reasons the keys open. */
int cv_db_hold_list(cv_vault *v, int all, int unseal, cv_hold **out, size_t *n);
/* Free a list of holds, wiping the reasons. */
void cv_db_hold_list_free(cv_hold *list, size_t n);

/* The first standing hold on record_id or on its case: 1 (with *by, may be NULL), 0, <0. */
int cv_db_hold_find(cv_vault *v, const char *record_id, const char *case_id, cv_hold *by);

#endif
