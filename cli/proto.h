/*
 * The casevaultd protocol (docs/protocol.md): one request and one reply per
 * connection, each a frame of a 4-byte big-endian length and that many
 * bytes of JSON.  Shared by the client (cli/client.c) and the daemon
 * (service/), which parses what any local account may send it: every limit
 * is checked here, before anything is acted on.
 */
#ifndef CV_PROTO_H
#define CV_PROTO_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#define CV_PROTO_VERSION 1
#define CV_PROTO_MAX_MSG (64 * 1024)    /* bytes of JSON in one frame */
#define CV_PROTO_MAX_ARGS 256           /* words of the command line */
#define CV_PROTO_MAX_PASSPHRASE 1024
#define CV_PROTO_NFDS 3                 /* the client's stdin, stdout and stderr */
#define CV_PROTO_MAX_FILES 64           /* named files the client opened and passes after those */
/* the most descriptors one message carries: a hand-over to a worker, its two and the client's */
#define CV_PROTO_MAX_PASS (2 + CV_PROTO_NFDS + CV_PROTO_MAX_FILES)

/*
 * sendmsg of iov with nfds descriptors (0 to CV_PROTO_MAX_PASS) riding on
 * its first byte (SCM_RIGHTS), never raising SIGPIPE, again after EINTR:
 * what sendmsg returned.  The one sender of descriptors, for the client,
 * the daemon and its processes.
 */
ssize_t cv_proto_send_fds(int sock, struct iovec *iov, int niov, const int *fds, int nfds, int flags);

/*
 * A file the client opened itself and passes as a descriptor (docs/service.md,
 * "Named files"): the daemon never opens a path a client names.
 */
typedef struct {
	int arg;            /* the word of argv whose value names it */
	int write;          /* 1: a new file the client created for the command to write; 0: read */
	char *name;         /* the name as given: the end of that word, owned */
} cv_proto_file;

typedef struct {
	int argc;
	char **argv;        /* argc words and a NULL, owned */
	char *passphrase;   /* from the client's passphrase file, or NULL; wiped when freed */
	char *vault;        /* the vault directory the client named, or NULL */
	cv_proto_file *files; /* nfiles entries: descriptor CV_PROTO_NFDS + i of the message is files[i] */
	int nfiles;
	int open_many;      /* import: documents the client opens for one ask (1 to CV_PROTO_OPEN_MANY), or 0 */
} cv_proto_request;

/* The length a frame header announces: 0, or -1 when it is 0 or over CV_PROTO_MAX_MSG. */
int cv_proto_frame_len(const unsigned char hdr[4], size_t *len);
/* Parse a request's JSON: 0, or -1 with a one-line reason in err. */
int cv_proto_parse_request(const char *buf, size_t len, cv_proto_request *rq, char *err, size_t errlen);
void cv_proto_request_free(cv_proto_request *rq);
/* A whole frame (header and JSON), malloc'd, or NULL with a reason in err. */
char *cv_proto_make_request(const cv_proto_request *rq, size_t *len, char *err, size_t errlen);
char *cv_proto_make_reply(int exit_code, const char *error, size_t *len);
/* Parse a reply's JSON: 0 with the exit status and the error ("" for none), or -1. */
int cv_proto_parse_reply(const char *buf, size_t len, int *exit_code, char *error, size_t errlen);
/*
 * import through the service (docs/protocol.md, "Documents of a manifest"):
 * while its worker runs, the daemon asks the client for one document the
 * manifest names, {"v": 1, "open": PATH}, or, when the request said
 * "open_many": K, for up to K at once, {"v": 1, "open": [PATH, ...]}.  The
 * client answers {"v": 1, "errno": E, "count": N} with N descriptors: those
 * of the first N paths, which it opened; E is the errno of its open of the
 * next one (0 when all N were opened).
 */
#define CV_PROTO_OPEN_TIMEOUT 10        /* seconds the worker waits for a document's answer */
#define CV_PROTO_OPEN_MANY 64           /* the most documents one ask names */
/* One path as a string; more than one (at most CV_PROTO_OPEN_MANY) as an array. */
char *cv_proto_make_open(char *const *paths, size_t n, size_t *len);
/*
 * A frame from the daemon: 1 and the paths asked for (*paths malloc'd, free
 * with cv_proto_paths_free), 0 for the reply, -1 neither.
 */
int cv_proto_parse_open(const char *buf, size_t len, char ***paths, size_t *n);
void cv_proto_paths_free(char **paths, size_t n);
char *cv_proto_make_opened(int err, size_t count, size_t *len);
/* The client's answer: 0 with *err and *count (the descriptors that came with it), or -1. */
int cv_proto_parse_opened(const char *buf, size_t len, int *err, size_t *count);
/* Free memory jansson held wiped (a passphrase passes through it); call once at start. */
void cv_proto_wipe_json_memory(void);

#endif
