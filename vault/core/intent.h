/*
 * casevault - the intent logs (pending, shred) and crash recovery; see intent.c.
 */
#ifndef CV_CORE_INTENT_H
#define CV_CORE_INTENT_H

#include <stddef.h>
#include "base/handle.h"

/* The files a crashed filing or rewrite left (named in pending); the caller
 * holds the writer lock and has no intents of its own in pending yet. */
int cv_pending_recover(cv_vault *v);
/* Both intent logs, when the writer lock is had within wait_ms; 1 when it was not. */
int cv_vault_recover(cv_vault *v, int wait_ms);

/* Whether an interrupted purge left work (shred intents, missing certificate files). */
int cv_purge_needs_recovery(cv_vault *v);
/* Finish an interrupted purge; the caller holds the writer lock. */
int cv_purge_recover(cv_vault *v);
/* 1 when file is an archive being destroyed (named in the shred intent log). */
int cv_purge_is_shredding(cv_vault *v, const char *file);
/* Overwrite and remove the files named in shred; <0 when something is left for next time. */
int cv_shred_finish(cv_vault *v, size_t *nfiles);
/* certificates/N.json written atomically; whether it exists with exactly body. */
int cv_cert_file_write(cv_vault *v, long number, const char *body);
int cv_cert_file_matches(cv_vault *v, long number, const char *body, int *exists);

/*
 * Name a new archive file (random, never reused) and record it in the
 * pending log, inside the caller's transaction, before its first byte is
 * written: one way for filing and the purge's rewrites.  name gets
 * 32 hex digits and ".pgp".
 */
int cv_intent_new_archive(cv_vault *v, char name[40], const char *now, const char *what);
/* The pending log is done with: the caller's commit made its files archives, or they were removed. */
int cv_intent_clear(cv_vault *v);

/*
 * Finish revocations (docs/architecture.md, Crash safety): delete the secret
 * key each revocation intent names, then clear the intent; only staff_id's
 * when given.  *finished gets how many were done; <0 (with a notice) when a
 * key could not be deleted, whose intent stays for the next writer.
 */
int cv_revoke_finish(cv_vault *v, const char *staff_id, int *finished);

#endif
