/*
 * casevault - archive files: a pax stream (libarchive) encrypted as one OpenPGP
 * message (GPGME), streamed through a pipe and a worker thread so that
 * memory stays flat whatever the document size and plaintext never touches
 * the disk.
 */
#ifndef CV_ARCHIVE_H
#define CV_ARCHIVE_H

#include <stdint.h>
#include "base/handle.h"

typedef struct {
	int fd;               /* open regular file, read from its start */
	char name[64];        /* member name inside the archive */
	int64_t size;         /* expected size; a change while filing is an error */
	char sha256[65];      /* out: SHA-256 of the bytes written */
} cv_member_in;

/* Builds the manifest once every member's hash is known; *json is malloc'd. */
typedef int (*cv_manifest_fn)(void *hook, const cv_member_in *m, size_t n, char **json);

/*
 * Write members plus "manifest.json" into a new archive file, name, not yet
 * visible (the backend's create), encrypted under key_hex, zstd-compressed
 * when compress is set.  The file is synced; the caller publishes it
 * (cv_archive_publish) and then syncs (cv_archive_sync).  On failure
 * nothing is left.
 */
int cv_archive_write(cv_vault *v, const char *name, const char *key_hex, int compress,
		     cv_member_in *m, size_t n, cv_manifest_fn mf, void *hook,
		     int64_t *out_size, char out_sha[65]);

/*
 * The length an archive's stream is padded to before encryption: a Padmé
 * length, at least 8 KiB (docs/architecture.md, Sizes).  The writer pads a
 * stream of n bytes to cv_archive_padded_size(n + 8), room for a zstd
 * skippable frame's header.
 */
int64_t cv_archive_padded_size(int64_t len);

typedef struct {
	/* Called per member: return 1 to receive its bytes, 0 to skip, <0 to stop. */
	int (*entry)(void *hook, const char *name, int64_t size);
	int (*data)(void *hook, const void *buf, size_t len);
	/* After a member's bytes: 0 to go on, 1 when nothing more is wanted (the rest is not unpacked), <0 to stop. */
	int (*end)(void *hook, const char *name);
	void *hook;
} cv_archive_reader;

/*
 * Decrypt the archive file name with key_hex and stream its members to rd.
 * out_sha (may be NULL) receives the SHA-256 of the ciphertext read.
 * CV_ECORRUPT when decryption or the integrity check fails; the callbacks
 * may have seen data by then, so callers commit nothing before success.
 */
int cv_archive_read(cv_vault *v, const char *name, const char *key_hex,
		    cv_archive_reader *rd, char out_sha[65]);

/*
 * The members of a decrypted archive stream (tar, zstd-compressed or not)
 * read from fd to its end: 0, or CV_ECORRUPT / CV_ERROR with one line in msg.
 */
int cv_archive_read_stream(int fd, cv_archive_reader *rd, char *msg, size_t msglen);

/* The archive files themselves, through the vault's backend (store/objects.h). */
int cv_archive_publish(cv_vault *v, const char *name);   /* written and synced: now visible */
int cv_archive_discard(cv_vault *v, const char *name);   /* gone, half-written copy too */
int cv_archive_shred(cv_vault *v, const char *name);     /* overwritten, then gone */
int cv_archive_sync(cv_vault *v);                        /* publishes and removals durable */
int cv_archive_sha256(cv_vault *v, const char *name, char out[65], int64_t *size);
/* Remove half-written archives (.tmp-NAME) killed writers left; only with the writer lock held. */
int cv_archive_sweep_tmp(cv_vault *v, int *n);
int cv_archive_list(cv_vault *v, int (*fn)(void *hook, const char *name), void *hook);

#endif
