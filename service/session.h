/*
 * casevaultd - sessions (docs/service.md, Sessions): a person proves their
 * passphrase once, and the session keeper, a process of the daemon's own,
 * keeps their unlocked keyslip in secure memory until the idle lock,
 * 'casevault lock' or two hours; repeated wrong passphrases lock them out
 * for a while.  Workers reach the keeper over an inherited SOCK_SEQPACKET
 * socket and hand the library the keeper as its cv_slip_cache.
 */
#ifndef CVD_SESSION_H
#define CVD_SESSION_H

#include <sys/types.h>
#include "casevault/session.h"

/*
 * Fork the keeper (other_fd, the daemon's listening socket, is closed in
 * it).  Returns the workers' end of its socket (*pid the keeper), or -1.
 */
int cvd_keeper_start(int other_fd, pid_t *pid);
/* Stop the keeper (it wipes every session) and close fd. */
void cvd_keeper_stop(pid_t pid, int fd);

/* For a worker: the keeper at fd as the library's slip cache. */
extern const cv_slip_cache cvd_session_ops;
/* The client of the keeper at fd for a worker serving OS user uid. */
void *cvd_session_ctx(int fd, long uid);
/* 1 when that OS user holds a live session now. */
int cvd_session_alive(void *ctx);
/*
 * 1 when staff holds a live session now, whatever OS user proved it: a web
 * session's person may have no OS user (docs/web.md, Who acts).
 */
int cvd_session_alive_for(void *ctx, const char *staff);

#endif
