/*
 * casevault - the schedule key: a random 256-bit key that seals the exact
 * retention dates (docs/architecture.md, Sealed columns; docs/retention.md).
 * It is kept twice: in the index sealed under the case key (whoever unlocks
 * the case section seals and reads dates), and as VAULT/purge/schedule.key,
 * readable only by the account that runs the unattended purge.
 */
#ifndef CV_CORE_SCHEDULE_H
#define CV_CORE_SCHEDULE_H

#include "base/handle.h"

/*
 * With the case key held (else nothing is done): make the schedule key if
 * the index has none and seal the clear retention dates an older vault
 * has; seal the exact sizes still in clear of each section whose key is
 * held; and after the commit write VAULT/purge/schedule.key if it is missing
 * or stale.  The caller holds the writer lock and the transaction.
 */
int cv_schedule_ensure(cv_vault *v);
/*
 * Make the schedule key usable for reading dates: from the index when the
 * case key is held, else from VAULT/purge/schedule.key; with may_unlock,
 * else by unlocking the actor's keys.  0 also for a vault that has no
 * schedule key yet (its dates are still clear); CV_EREFUSED when it has
 * one and none of these gives it.
 */
int cv_schedule_require(cv_vault *v, int may_unlock);
/* Wipe and free the schedule key held by the handle. */
void cv_schedule_wipe(cv_vault *v);

#endif
