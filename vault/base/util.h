/*
 * casevault - small file-system and time helpers with no vault knowledge.
 */
#ifndef CV_BASE_UTIL_H
#define CV_BASE_UTIL_H

#include <stddef.h>




/* Write all of buf (short writes, EINTR); 0 or -1 with errno. */
int cv_write_all(int fd, const void *buf, size_t len);
int cv_rmtree(const char *path, int keep_top);
/* Tests kill a command here (CASEVAULT_CRASH_AT=name): crash consistency. */
void cv_crashpoint(const char *name);
/* "" or, for ENOSPC/EDQUOT, what to do about a full disk (appended to messages) */
const char *cv_disk_hint(int err);
int cv_fsync_dir(const char *dir);
/* "NFS", "SMB", "9p"...: a statfs f_type where the vault is not safe; NULL for a local one */
const char *cv_network_fs(long f_type);
void cv_now_iso(char out[32]);               /* UTC, seconds, "...Z" */

/* 1 when this process runs one thread (helpers and GNUPGHOME changes need it). */
int cv_single_threaded(void);

#endif
