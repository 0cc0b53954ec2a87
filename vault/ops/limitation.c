/*
 * casevault - storage limitation after each purge (ops/limitation.h).
 * Closed cases whose records are all destroyed lose their personal data
 * (ops/case_erase.c).  Anonymous enquiries are kept a year from the enquiry's date
 * (docs/legal-rules.md §12) and then destroyed by the same run that destroys
 * records, scheduled or by hand: their rows are deleted (the index runs with
 * secure_delete, and the write-ahead log is checkpointed so that no copy of
 * a sealed text stays in it), with one audit event naming how many.
 */
#include <stdio.h>
#include <string.h>

#include "base/handle.h"
#include "core/audit.h"
#include "core/lock.h"
#include "ops/case_erase.h"
#include "ops/limitation.h"
#include "store/db_enquiries.h"
#include "store/index.h"

struct expiring {
	const char *day;
	size_t n;
};

static int expire_tx(cv_vault *v, void *arg)
{
	struct expiring *e = arg;
	char ids[64];
	int r;

	if ((r = cv_db_enquiry_expire(v, e->day, &e->n)) < 0 || e->n == 0)
		return r;
	snprintf(ids, sizeof(ids), "enquiries %zu kept-until<=%s", e->n, e->day);
	return cv_audit(v, "enquiry.destroy", 0, ids);
}

int cv_limitation_after_purge(cv_vault *v, const char *day, int sched)
{
	struct expiring e = { day, 0 };
	char keep[sizeof(v->actor)];
	int r;

	memcpy(keep, v->actor, sizeof(keep));
	if (sched)
		snprintf(v->actor, sizeof(v->actor), "schedule");
	r = cv_vault_write_tx(v, expire_tx, &e);
	memcpy(v->actor, keep, sizeof(keep));
	if (r < 0)
		return r;
	if (e.n && (r = cv_index_checkpoint(v)) < 0)
		return r;
	if (e.n)
		cv_notice(v, "%zu anonymous enquir%s past %s year destroyed", e.n, e.n == 1 ? "y" : "ies",
			  e.n == 1 ? "its" : "their");
	/* a closed case whose last record this run destroyed loses its personal data too */
	return cv_case_erase_due(v, sched, NULL);
}
