/*
 * casevaultd - the vault as a service (docs/service.md): the daemon owns the
 * vault under its own account and runs each client's command line, in a
 * worker process of its own, with the command table casevault uses.
 */
#ifndef CVD_SERVICE_H
#define CVD_SERVICE_H

typedef struct {
	const char *vault_dir;   /* the vault this daemon serves (real path) */
	int request_timeout;     /* seconds to receive a whole request */
	int max_clients;         /* connections served at once */
	int keeper_fd;           /* the session keeper's socket (session.h), -1 when it is not running */
} cvd_config;

/*
 * Serve one accepted connection, in the process forked for it: receive the
 * request (within the time limit), learn the peer from the kernel, run the
 * command in a worker and send the reply.  Never returns.
 */
void cvd_serve_connection(const cvd_config *cfg, int conn) __attribute__((noreturn));
/*
 * A spare connection process, forked before its client connects: it forks
 * its worker at once, which opens the vault, then waits on ctl for the
 * connection the daemon hands it (SCM_RIGHTS), and serves it as
 * cvd_serve_connection does.  End of file on ctl: it ends, unused
 * (docs/service.md, Speed).  Never returns.
 */
void cvd_spare_connection(const cvd_config *cfg, int ctl) __attribute__((noreturn));
/*
 * The bytes of iov and nfds descriptors (SCM_RIGHTS: at least one, at most
 * a request's own and two more) in one message on sock; 0 or -1.
 */
struct iovec;
int cvd_send_fds(int sock, struct iovec *iov, int niov, const int *fds, int nfds, int flags);

#endif
