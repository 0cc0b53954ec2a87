/*
 * casevault - storage limitation: a closed case's personal data erased
 * once its last record is destroyed (docs/legal-rules.md §12;
 * docs/architecture.md, Storage limitation).
 */
#ifndef CV_OPS_CASE_ERASE_H
#define CV_OPS_CASE_ERASE_H

#include <stddef.h>
#include "base/handle.h"

/*
 * Erase every closed case whose records are all destroyed and that nothing
 * holds (a hold, an open request on it or on a linked case: skipped, with
 * a notice naming why), each in its own transaction with its certificate
 * and audit event; then the write-ahead log is emptied.  sched: the
 * unattended purge ("schedule", signed with the purge key).  *erased
 * (may be NULL) counts the cases erased.  Needs no key.
 */
int cv_case_erase_due(cv_vault *v, int sched, size_t *erased);

#endif
