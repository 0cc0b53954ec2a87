/*
 * casevault - the writer lock (one writer per vault; readers never wait).
 */
#ifndef CV_CORE_LOCK_H
#define CV_CORE_LOCK_H

#include "base/handle.h"

/* CV_ELOCKED when another process holds it and wait is 0. */
int cv_vault_lock_writer(cv_vault *v, int wait);
void cv_vault_unlock_writer(cv_vault *v);

#endif
