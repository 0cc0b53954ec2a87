/*
 * casevaultd - the drop folder (docs/intake.md): a process of the daemon
 * that watches a folder a scanner or a Samba share writes into, and takes
 * each complete file into the vault's intake tray (casevault/intake.h).
 */
#ifndef CVD_INTAKE_WATCH_H
#define CVD_INTAKE_WATCH_H

#include <sys/types.h>

/*
 * Check the folder (a directory owned by this account, closed to others'
 * reading) and fork its watcher, which closes lfd (the daemon's listening
 * socket): 0 with *pid, or -1 with a message on standard error.
 */
int cvd_intake_start(const char *vault_dir, const char *drop_dir, int lfd, pid_t *pid);

#endif
