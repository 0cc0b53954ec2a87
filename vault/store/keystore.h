/*
 * casevault - the key store: VAULT/keys.db, a second SQLite file attached
 * to the index connection as "ks", holding every wrapped archive key apart
 * from vault.db, so that backups of vault.db hold no usable key
 * (docs/architecture.md, Keys, Crash safety).
 *
 * A transaction over both files is not atomic in WAL mode, so no
 * transaction writes both: keys are written in a key-store transaction that
 * commits before the index transaction that needs them, and deleted after
 * the index transaction that stopped needing them.  A row is live while
 * archives has a row of the same file and key generation; any other row is
 * an orphan (a filing killed before its commit, a purge or rotation killed
 * after its commit) and is swept under the writer lock.
 */
#ifndef CV_STORE_KEYSTORE_H
#define CV_STORE_KEYSTORE_H

#include "base/handle.h"

/*
 * SQL for the wrapped key of the archives row A (an alias or "archives"):
 * the key store's, or, in a vault not yet moved, the old column's.
 */
#define CV_KS_WRAPPED(A) \
	"coalesce((SELECT k.wrapped_key FROM ks.archive_keys k WHERE k.file = " A ".file AND k.key_gen = " A \
	".key_gen), nullif(" A ".wrapped_key, ''))"

/* Attach VAULT/keys.db (made 0600 when missing) to the open index. */
int cv_keystore_attach(cv_vault *v);
/* Store a wrapped key (in the caller's transaction, which must write only the key store). */
int cv_keystore_put(cv_vault *v, const char *file, int gen, const char *wrapped);
/*
 * Under the writer lock: move keys still in vault.db's archives.wrapped_key
 * to the key store (copy and commit, then blank and commit, then checkpoint:
 * safe to redo after a crash at any point), and delete orphan keys.
 */
int cv_keystore_settle(cv_vault *v);
/* Under the writer lock only: delete orphan keys (the caller checkpoints). */
int cv_keystore_sweep(cv_vault *v);
/* Copy the key store's committed log into keys.db (PASSIVE), so that the close has none to copy. */
void cv_keystore_flush(cv_vault *v);
/* Delete the keys of the archives in the shred intent log (after the purge's commit). */
int cv_keystore_drop_shredded(cv_vault *v);

#endif
