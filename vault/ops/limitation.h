/*
 * casevault - storage limitation after a purge (docs/legal-rules.md §12,
 * §14): anonymous enquiries past their year are destroyed, and closed
 * cases whose records are all destroyed lose their personal data.
 */
#ifndef CV_OPS_LIMITATION_H
#define CV_OPS_LIMITATION_H

#include "base/handle.h"

/* After a purge run on day (not a dry run); sched: the unattended run, audited as "schedule". */
int cv_limitation_after_purge(cv_vault *v, const char *day, int sched);

#endif
