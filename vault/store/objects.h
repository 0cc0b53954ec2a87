/*
 * casevault - where archive files live, behind a small backend interface
 * (docs/architecture.md, Archive files), as libgit2 keeps its objects
 * behind odb backends: the operations name archives, and only a backend
 * knows that today they are files in VAULT/archives.  An object store (S3,
 * a NAS share with its own locking) is then a new backend, not a change to
 * filing, the purge, verify or reading.
 *
 * An archive is written under a name nobody reads yet, synced, and then
 * published; a crash before the publish leaves only a half-written object,
 * which discard removes (the intent log names it: core/intent.c).
 */
#ifndef CV_STORE_OBJECTS_H
#define CV_STORE_OBJECTS_H

#include "base/handle.h"

typedef struct cv_objstore cv_objstore;

struct cv_objstore {
	/* Open a new, empty object for writing (0600); EEXIST is an error. */
	int (*create)(cv_objstore *o, cv_vault *v, const char *name, int *fd);
	/* Make a written and synced object visible under its name. */
	int (*publish)(cv_objstore *o, cv_vault *v, const char *name);
	/* Open a published object for reading; CV_ENOTFOUND when there is none. */
	int (*open)(cv_objstore *o, cv_vault *v, const char *name, int *fd);
	/* Remove the object and anything half-written under its name; 0 when already gone. */
	int (*discard)(cv_objstore *o, cv_vault *v, const char *name);
	/* Overwrite the object once with random bytes, then remove it (its key is gone already). */
	int (*shred)(cv_objstore *o, cv_vault *v, const char *name);
	/* Make publishes and removals durable. */
	int (*sync)(cv_objstore *o, cv_vault *v);
	/* Call fn with every name held, half-written ones too ("<prefix>name"); stops at fn's <0. */
	int (*list)(cv_objstore *o, cv_vault *v, int (*fn)(void *hook, const char *name), void *hook);
	/* Remove every half-written object; *n gets how many.  The caller holds the
	 * writer lock, so none is being written (docs/recovery.md, Interrupted commands). */
	int (*sweep)(cv_objstore *o, cv_vault *v, int *n);
	void (*free)(cv_objstore *o);
};

/* A backend keeping objects as files in dir (VAULT/archives), temporaries as ".tmp-NAME". */
cv_objstore *cv_objstore_local(const char *dir);

/* A name an object may have: what the vault itself makes (hex, a dot, letters), nothing else. */
int cv_object_name_ok(const char *name);

#endif
