/*
 * casevault - the front end's cache of unlocked keyslips, as cv_keys_unlock
 * uses it (casevault/session.h; docs/service.md, Sessions).
 */
#ifndef CV_CORE_SLIPCACHE_H
#define CV_CORE_SLIPCACHE_H

#include <stddef.h>
#include "base/handle.h"

/* 1 and the actor's cached keyslip text in *text (secure memory, NUL-terminated, *len bytes), or 0. */
int cv_slipcache_get(cv_vault *v, const char *slip_id, char **text, size_t *len);
/* Hand the cache the text gpg decrypted for the actor. */
void cv_slipcache_put(cv_vault *v, const char *slip_id, const char *text, size_t len);
/*
 * After a failed decrypt (r): a passphrase the actor gave that was wrong
 * is counted; the one that locks them out is audited (staff.lockout) and
 * its refusal returned.  Otherwise r.
 */
int cv_slipcache_failed(cv_vault *v, int r);

#endif
