/*
 * casevault - the duplicate index filled in for records filed before it
 * (docs/architecture.md, Sealed columns), once someone holding the section
 * key writes.
 */
#ifndef CV_CORE_BLINDUPGRADE_H
#define CV_CORE_BLINDUPGRADE_H

#include "base/handle.h"

/*
 * Once the writer lock is held and the keys unlocked: store the blind value
 * of every record of the unlocked sections that has none, all in one
 * transaction.  0 when there was nothing to do or it is done; <0 (nothing
 * changed) on failure.
 */
int cv_blind_upgrade(cv_vault *v);

#endif
