/*
 * casevault - audit checkpoints: at unlock (one in CV_CHECKPOINT_EVERY
 * events), and at the end of every consequential command, the acting staff
 * member's key signs the head of the audit trail, so that an owner of the
 * index who edits, deletes or inserts events and recomputes every hash is
 * caught up to the last checkpoint (docs/architecture.md, The audit trail).
 */
#ifndef CV_CORE_CHECKPOINT_H
#define CV_CORE_CHECKPOINT_H

#include "base/handle.h"

/*
 * How often an unlock signs: when CV_CHECKPOINT_EVERY events or more came
 * since the newest checkpoint, or it is CV_CHECKPOINT_AGE seconds old or
 * more, or there is none.  A signature is one more gpg process (about as
 * long as the unlock itself when the agent has the passphrase cached), so
 * signing at every unlock would slow a short command such as ls by some 40 %;
 * one unlock in ten keeps it within a few per cent, and audit verify says
 * which events the newest checkpoint does not cover yet.  1 signs at every
 * unlock that follows an event.
 */
#define CV_CHECKPOINT_EVERY 10
#define CV_CHECKPOINT_AGE 600

/*
 * After a staff key was unlocked: sign the trail's head (at most once per
 * command, as above) at the command's end (cv_vault_finish, while the key is
 * still unlocked) and, for a manager, counter-sign the scheduled purge's
 * certificates now.  A command holding the writer lock signs after its own
 * commit instead (cv_checkpoint_event), so the checkpoint covers its events
 * too.  Never fails the unlock: a failure is a notice, and a later unlock
 * signs.
 */
void cv_checkpoint_on_unlock(cv_vault *v);

/*
 * After cv_audit appended an event for action (v->on_audit, set by the
 * unlock, so the audit module needs no checkpoint): when the action is
 * consequential (a disclosure, a purge or erasure, a staff or grant change,
 * a hold, a request decision, the trail shown), sign the head once the
 * event's transaction commits, while the actor's key is unlocked, whatever
 * the cadence; and a writer's routine checkpoint (above).  The signature is
 * made after the commit, so it never fails the change: a failure is a notice.
 */
int cv_checkpoint_event(cv_vault *v, const char *action);

/*
 * Inside the caller's open transaction, after its audit event: sign the
 * routine checkpoint now if it is due (a filing, while its receipt is signed
 * in another thread), so that it commits with the change.
 */
int cv_checkpoint_in_tx(cv_vault *v);

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
