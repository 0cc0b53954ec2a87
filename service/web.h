/*
 * casevaultd - the web interface (docs/web.md).  The web process parses
 * HTTP and keeps the web sessions; it holds no vault and no key.  Every page
 * that touches the vault is made by a worker forked for it, which opens the
 * vault as the signed-in staff member with their session from the keeper
 * and calls the library's public API, as a CLI command does.
 */
#ifndef CVD_WEB_H
#define CVD_WEB_H

#include <sys/types.h>
#include "web_html.h"

#define WEB_MAX_FILES 32
#define WEB_IDLE_DEFAULT 600

/*
 * Fork the web process listening on 127.0.0.1:port for the vault at
 * vault_dir (other_fd, the daemon's socket, is closed in it).  0 and *pid,
 * or -1 with errno.
 */
int cvd_web_start(const char *vault_dir, int keeper_fd, int port, int idle, int other_fd, pid_t *pid);

/* What a worker is asked to make (docs/web.md, Pages). */
typedef struct {
	const char *vault_dir;
	int keeper_fd;
	const char *method;        /* "GET", "POST" */
	const char *url;
	const char *staff;         /* the signed-in staff member, or the id given at sign-in */
	long uid;                  /* the OS user their grant names */
	int role;                  /* cv_role */
	const char *csrf;          /* the session's token, for the page's forms */
	const char *passphrase;    /* sign-in only */
	const char *cls, *title, *text;  /* form fields */
	int nfiles;
	int fds[WEB_MAX_FILES];    /* uploaded documents, in memory (memfd) */
	const char *names[WEB_MAX_FILES];
} web_req;

enum { WEB_HTML = 0, WEB_DOWNLOAD, WEB_REDIRECT, WEB_ENDED, WEB_SIGNED_IN };

/* What a worker made: the head, then the body follows on the pipe. */
typedef struct {
	int status;                /* HTTP status */
	int kind;
	char staff[32];            /* WEB_SIGNED_IN: who, their OS user and role */
	long uid;
	int role;
	char location[96];         /* WEB_REDIRECT */
	char filename[200];        /* WEB_DOWNLOAD: safe for the header */
	char message[400];         /* sign-in refused: why, in one line */
} web_head;

/* In the worker: make the page (web_pages.c). */
void web_make(const web_req *rq, web_head *h, web_buf *body, int *doc_fd);

#endif
