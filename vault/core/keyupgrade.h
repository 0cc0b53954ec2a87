/*
 * casevault - upgrading old archive key wraps (cvkw1) to the checked wrap
 * (cvkw2, crypto/keywrap.c) once someone holding the section key writes.
 */
#ifndef CV_CORE_KEYUPGRADE_H
#define CV_CORE_KEYUPGRADE_H

#include "base/handle.h"

/*
 * Once the writer lock is held and the keys unlocked: re-wrap every cvkw1 row of
 * the sections whose current key is in hand, all in one transaction.  0 when
 * there was nothing to do or it is done; <0 (nothing changed) on failure.
 */
int cv_keys_upgrade_wraps(cv_vault *v);

#endif
