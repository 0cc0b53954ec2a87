/*
 * casevault - the intent logs (pending, shred) and the certificate rows
 * that crash recovery reads (docs/architecture.md, Crash safety).  Filing
 * and the purge write the logs; core/intent.c reads and clears them.
 */
#ifndef CV_STORE_DB_INTENT_H
#define CV_STORE_DB_INTENT_H

#include "base/handle.h"

/* 1 when the pending log names any file, 0 when not or unreadable. */
int cv_db_intent_pending_any(cv_vault *v);
/* Each file named in pending that no archive row took; fn returns <0 to stop. */
int cv_db_intent_pending_orphans(cv_vault *v, int (*fn)(void *hook, const char *file), void *hook);
int cv_db_intent_pending_clear(cv_vault *v);
/* Name file in the pending log, in the caller's transaction; what names the command in an error. */
int cv_db_intent_pending_add(cv_vault *v, const char *file, const char *now, const char *what);

/* 1 when the shred log names any file, 0 when not or unreadable. */
int cv_db_intent_shred_any(cv_vault *v);
/* 1 when file is named in the shred log, 0 when not or unreadable. */
int cv_db_intent_shred_has(cv_vault *v, const char *file);
/* Each file named in shred, and whether an archive row still uses it; fn returns <0 to stop. */
int cv_db_intent_shred_each(cv_vault *v, int (*fn)(void *hook, const char *file, int live), void *hook);
int cv_db_intent_shred_clear(cv_vault *v);

/* The newest certificate: fn called once with it (not at all when there is none). */
int cv_db_intent_cert_last(cv_vault *v, int (*fn)(void *hook, long number, const char *body), void *hook);
/* Every certificate, oldest first; fn returns <0 to stop (and that is returned). */
int cv_db_intent_cert_each(cv_vault *v, int (*fn)(void *hook, long number, const char *body), void *hook);

/* Revocation intents: delete the secret key of fpr (staff_id's), in the caller's transaction. */
int cv_db_intent_revoke_add(cv_vault *v, const char *fpr, const char *staff_id);
/* 1 when any revocation intent is unfinished (for staff_id: _has). */
int cv_db_intent_revoke_any(cv_vault *v);
int cv_db_intent_revoke_has(cv_vault *v, const char *staff_id);
/* Each unfinished one; fn returns <0 to stop. */
int cv_db_intent_revoke_each(cv_vault *v, int (*fn)(void *hook, const char *fpr, const char *staff_id), void *hook);
int cv_db_intent_revoke_clear(cv_vault *v, const char *fpr);
/* Every revoked staff member (id, fingerprint), whose secret key must be gone once their intent is done. */
int cv_db_intent_revoked_each(cv_vault *v, int (*fn)(void *hook, const char *staff_id, const char *fpr), void *hook);
/* 1 when the index file dbpath holds a revocation intent; read without a handle or cv_global_init. */
int cv_db_intent_revoke_probe(const char *dbpath);

#endif
