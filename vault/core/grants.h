/*
 * casevault - signed role grants (docs/architecture.md, Keys; docs/security.md).
 *
 * Who holds which role, sections and key is a statement signed by a
 * manager's key, checked back to the anchor: the first manager's key, whose
 * fingerprint travels inside every keyslip (core/keys.c) and is bound by an
 * HMAC under each section master key.  The staff table is only an index of
 * the grants: wherever a key is unlocked or a keyslip written, the verified
 * grant decides.
 */
#ifndef CV_CORE_GRANTS_H
#define CV_CORE_GRANTS_H

#include "base/handle.h"

typedef struct {
	long seq;
	char staff[16];
	char role[16];
	char fpr[48];
	char signer[48];
	char revoked[32];      /* "" while in force */
	int sections;          /* bit (1 << cv_section) per section */
	long os_uid;           /* -1: none */
	char digest[65];       /* SHA-256 of the signed statement */
} cv_grant;

/*
 * Sign g (its seq is taken here) with signer's key and store it, in the
 * caller's transaction.
 */
int cv_grants_sign(cv_vault *v, const char *signer_fpr, cv_grant *g);
/*
 * id's newest grant, its signature and its signer's chain back to the
 * anchor checked: 0 with *g, CV_ENOTFOUND without one, CV_ECORRUPT (the
 * message says why) when it does not hold.
 */
int cv_grants_current(cv_vault *v, const char *id, cv_grant *g);
/*
 * A keyslip has just opened: the anchor it names must agree with every
 * section key it holds, and the actor's grant must hold and agree with
 * their staff row; the actor's role is then the grant's.  A keyslip with no
 * anchor passes only while the vault has no grants at all (grants_upgrade.h).
 */
int cv_grants_check_actor(cv_vault *v);
/*
 * The sections of mask a keyslip for id, to key fpr, may carry: those of
 * id's valid grant for that key, 0 (with a notice) without one.
 */
int cv_grants_slip_mask(cv_vault *v, const char *id, const char *fpr, int mask, int *out, cv_grant *g);
/* Bind the anchor to each section key of mask held (meta anchor.mac.SECTION), in a transaction. */
int cv_grants_pin_anchor(cv_vault *v, int mask);
/*
 * Record the anchor this unlock checked (meta anchor.fpr), for those who
 * hold no keyslip to read it from (a volunteer, cv_grants_vouch).
 */
int cv_grants_record_anchor(cv_vault *v);
/*
 * Key fpr may vouch for a fact of the sections in mask: its newest grant
 * holds (signature, signers back to the anchor), is in force and includes
 * them.  0, or CV_ECORRUPT/CV_EREFUSED with why.  Without a keyslip (a
 * volunteer) the anchor and vault id are those the last key holder's
 * unlock recorded (docs/security.md, Signed grants).
 */
int cv_grants_vouch(cv_vault *v, const char *fpr, int mask);
/* The vault's id into v->vault_id, made and stored when it has none yet. */
int cv_grants_vault_id(cv_vault *v);
/* verify: each unsigned, altered or stale grant, as (what, message) to fn. */
void cv_grants_verify(cv_vault *v, void (*fn)(void *hook, const char *what, const char *msg), void *hook);

#endif
