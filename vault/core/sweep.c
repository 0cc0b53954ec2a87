/*
 * casevault - nothing an interrupted command made survives it
 * (docs/architecture.md, Properties, 2; docs/recovery.md, Interrupted
 * commands).
 *
 * A command killed with SIGKILL (or by a power cut) cannot clean up after
 * itself.  What it may leave, and why each is safe to remove here:
 *   archives/.tmp-NAME   half-written archives of a filing or a purge
 *                        rewrite.  Both write them only while holding the
 *                        writer lock, which the caller has just taken, so
 *                        none is being written now.  (The pending intent
 *                        log, core/intent.c, still undoes the rest.)
 *   gnupg/sym-PID        an encryption helper's home (crypto/helper.c);
 *   gnupg/cvr-PID-XXXXXX a bundle's recipient home (crypto/bundle.c);
 *                        removed only when PID no longer runs, together
 *                        with any gpg or gpg-agent still working on them.
 * A bundle being written has no name to leave (ops/bundle_tmp.c).
 *
 * It runs each time a process takes the writer lock (core/lock.c): every
 * command that writes, and the open's recovery when the lock is free.
 */
#include <string.h>

#include "base/handle.h"
#include "core/sweep.h"
#include "crypto/bundle.h"
#include "crypto/helper.h"
#include "store/archive.h"

void cv_sweep_leftovers(cv_vault *v)
{
	char msg[sizeof(v->errmsg)];
	int n = 0;

	/* best effort: what cannot be removed now is tried by the next writer */
	memcpy(msg, v->errmsg, sizeof(msg));
	cv_archive_sweep_tmp(v, &n);
	cv_helper_sweep(v);
	cv_bundle_rcpt_sweep(v);
	memcpy(v->errmsg, msg, sizeof(msg));
}
