/*
 * casevault - re-issuing keyslips under signed grants (grants_upgrade.c;
 * docs/security.md, Signed grants).
 */
#ifndef CV_CORE_GRANTS_UPGRADE_H
#define CV_CORE_GRANTS_UPGRADE_H

#include "base/handle.h"

/*
 * A vault from before grants, unlocked by a manager holding every section
 * key: under the writer lock and in one transaction, they become the anchor,
 * sign a grant for every active staff row and rewrite every keyslip.  0 and
 * nothing done in any other case (or inside another transaction).
 */
int cv_grants_upgrade(cv_vault *v);
/*
 * In a revocation's transaction: id's grant is revoked by a signed
 * statement, the grants id signed are signed again by the actor, and the
 * actor becomes the anchor when id was it.
 */
int cv_grants_revoke(cv_vault *v, const char *id);

#endif
