/*
 * casevault - the signed receipt: the one record, signed by the actor, of
 * the archive files a command wrote (a filing, or the purge's rewrites).
 * verify checks every archive against the receipt that names it, and the
 * audit trail against the head each receipt names (docs/architecture.md,
 * Crash safety).
 */
#ifndef CV_CORE_RECEIPT_H
#define CV_CORE_RECEIPT_H

#include <stddef.h>
#include <stdint.h>
#include "base/handle.h"

typedef struct {
	const char *file;
	const char *sha256;   /* of the ciphertext */
	int64_t size;
} cv_receipt_archive;

/*
 * The receipt's body (canonical JSON, keys sorted): format, the actor and
 * their key, the time, what it is for (purpose, NULL for a filing), the
 * archives, and the head of the audit trail as it stands.  NULL when out of
 * memory.
 */
char *cv_receipt_json(cv_vault *v, const char *purpose, const cv_receipt_archive *a, size_t n,
		      const char *now);

#endif
