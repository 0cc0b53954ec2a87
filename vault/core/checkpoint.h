/*
 * casevault - audit checkpoints: at each unlock the acting staff member's
 * key signs the head of the audit trail, so that an owner of the index who
 * edits, deletes or inserts events and recomputes every hash is caught up
 * to the last checkpoint (docs/architecture.md, The audit trail).
 */
#ifndef CV_CORE_CHECKPOINT_H
#define CV_CORE_CHECKPOINT_H

#include "base/handle.h"

/*
 * After a staff key was unlocked: sign the trail's head (once per command:
 * nothing when no event came since the last checkpoint) and, for a manager,
 * counter-sign what the purge key signed alone.  Never fails the unlock:
 * a failure is a notice, and the next unlock signs.
 */
void cv_checkpoint_on_unlock(cv_vault *v);

/* What the checkpoints prove of a trail of events (audit verify). */
typedef struct {
	long count;              /* checkpoints */
	long proven;             /* the event the newest valid checkpoint signs; 0: none */
	long number;             /* that checkpoint */
	char staff[32], created[32];
	long bad_seq;            /* the event where a checkpoint and the trail disagree; 0: none */
	char problem[256];
} cv_checkpoint_check;

/* Check every checkpoint against the trail (events long) and the newest one's signature; <0 only when unreadable. */
int cv_checkpoint_verify(cv_vault *v, long events, cv_checkpoint_check *out);

#endif
