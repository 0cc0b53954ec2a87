/*
 * casevault - the writer lock (one writer per vault; readers never wait).
 */
#ifndef CV_CORE_LOCK_H
#define CV_CORE_LOCK_H

#include "base/handle.h"

/* CV_ELOCKED when another process holds it and wait is 0. */
int cv_vault_lock_writer(cv_vault *v, int wait);
void cv_vault_unlock_writer(cv_vault *v);

/*
 * Run fn under the writer lock in one transaction: committed when fn
 * returns 0 or more, rolled back otherwise (with the audit event fn
 * recorded: both or neither).  The one way a small change is written.
 */
int cv_vault_write_tx(cv_vault *v, int (*fn)(cv_vault *v, void *arg), void *arg);

#endif
