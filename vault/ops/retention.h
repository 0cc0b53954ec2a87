/*
 * casevault - retention's private declarations, shared with cases and the purge.
 */
#ifndef CV_RETENTION_PRIV_H
#define CV_RETENTION_PRIV_H

#include "base/handle.h"
#include "core/adopted.h"
#include "casevault/date.h"
#include "casevault/retention.h"

/*
 * 1 while records of a vault older than quarter dates may still carry an
 * exact date worked out from a date of birth (until a full recompute), 0
 * when not, <0 on error (docs/retention.md, "Dates from a date of birth").
 */
int cv_retention_dob_exact(cv_vault *v);

/* "case-closed+6y; event-date+6y" */
void cv_rules_text(const cv_class *cls, char *out, size_t len);

/*
 * The plan: every record due on as_of ("YYYY-MM-DD") with its status, and
 * for each whether its whole archive goes.  No unlock, no write.
 */
int cv_retention_plan(cv_vault *v, const char *as_of, cv_polcache *pc, cv_due **out, size_t *n);

/*
 * The same plan in chunks of whole archives, about CV_PLAN_CHUNK records
 * each (more only when one archive holds more), in the same order: fn gets
 * each chunk, which is freed when it returns; a negative return stops the
 * walk and is returned.  What the purge holds stays the same at any number
 * of records (docs/retention.md, "The purge at scale").
 */
#define CV_PLAN_CHUNK 1000
typedef int (*cv_plan_chunk_fn)(void *hook, cv_due *items, size_t n);
int cv_retention_plan_each(cv_vault *v, const char *as_of, cv_polcache *pc, cv_plan_chunk_fn fn, void *hook);

/*
 * Run fn under the writer lock in one transaction: committed when fn
 * returns 0, rolled back otherwise, so that a change and its audit event
 * are written both or neither (docs/architecture.md, Properties, 2 and 7).
 */

/* Today, or as_of checked ("YYYY-MM-DD" out). */
int cv_retention_as_of(cv_vault *v, const char *as_of, int allow_future, char out[11]);

/* Before a trigger changes: unlock what working out case_id's dates needs. */
int cv_retention_prepare(cv_vault *v, const char *case_id, int closed_known);  /* <0: as stored */
/* Inside the caller's transaction: recompute case_id's dates (NULL = all). */
int cv_retention_recompute_tx(cv_vault *v, const char *case_id, unsigned trig_mask,  /* 1 << cv_trigger; 0 = all */
			      size_t *changed, size_t *pending);

#endif
