/*
 * casevault - the encryption helpers' protocol and service loop (helper_serve.c).
 *
 * Shared by the library (helper.c: the parent's side, and the forked helper
 * that runs in-process) and by the small casevault-helper program
 * (helper/main.c), which a forked helper executes when it is installed.  It
 * needs GPGME, libgcrypt and libc only: no vault handle, no SQLite.
 */
#ifndef CV_HELPER_SERVE_H
#define CV_HELPER_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <gpgme.h>




#define CV_HELPER_KEY_HEX 64            /* an archive key: 256 bits in hex */

struct cv_helper_req {
	char key[CV_HELPER_KEY_HEX + 1];
};

struct cv_helper_rep {
	int32_t status;        /* 0 or a CV_E* code */
	int64_t size;
	char sha[65];
	char msg[512];
};

/* One request: the archive key and two descriptors (plaintext pipe, archive file). */
int cv_helper_send_req(int sock, const struct cv_helper_req *rq, int in_fd, int out_fd);
/* 1: a request with its two descriptors; 0: the parent closed the socket; -1: junk. */
int cv_helper_recv_req(int sock, struct cv_helper_req *rq, int fds[2]);

/* Remove a helper's GnuPG home DIR: its key FIFO, its gpg.conf, the directory. */
void cv_helper_home_remove(const char *dir);

/*
 * A helper's own GnuPG home, made by the helper itself (docs/architecture.md,
 * Encryption helpers): path is GNUPGHOME/sym-PID, PID this process's id,
 * and the directory must not exist yet.  GNUPGHOME must be a directory of
 * this user's that nobody else can write.  What is made: the directory
 * (0700), the key FIFO (held open in fifo) and gpg.conf (the vault's plus
 * the helper's lines).  cv_helper_home_unmake removes only what was made.
 */
struct cv_helper_home {
	int parent, dir, fifo;  /* descriptors: GNUPGHOME, the home, the key FIFO; -1 when not open */
	int made;               /* the home directory was made by this process */
	char name[32];          /* sym-PID */
	char *path;             /* GNUPGHOME/sym-PID */
	char *fifo_path;
};
/* 0, or -1 with a one-line reason in msg (nothing is left behind) */
int cv_helper_home_make(struct cv_helper_home *hm, const char *path, char *msg, size_t msglen);
void cv_helper_home_unmake(struct cv_helper_home *hm);

/* The key FIFO of a helper's GnuPG home: emptied, or holding one key and a newline. */
void cv_fifo_drain(int fd);
int cv_fifo_put(int fd, const char *key_hex);

/*
 * Encrypt in_fd into out_fd with ctx (to recp with flags: for an archive
 * NULL and GPGME_ENCRYPT_SYMMETRIC | GPGME_ENCRYPT_NO_COMPRESS, the key
 * coming from the passphrase source ctx is set up with), counting and
 * hashing (SHA-256) the ciphertext as it is written.  0, or -1 with *err
 * set.  Neither descriptor is closed.
 */
int cv_encrypt_hashed(gpgme_ctx_t ctx, gpgme_key_t recp[], gpgme_encrypt_flags_t flags,
		      int in_fd, int out_fd, int64_t *size, char sha[65], gpgme_error_t *err);

/*
 * The service loop.  For each request: the key goes into fifo_fd (when
 * fifo_fd >= 0; otherwise enc gets the key), enc encrypts, the FIFO is
 * emptied, both descriptors are closed, the reply is sent.  Returns 0 when
 * the parent closes the socket, -1 on a broken request or reply.
 */
typedef int (*cv_helper_encrypt_fn)(void *hook, const char *key_hex, int in_fd, int out_fd,
				    int64_t *size, char sha[65], char *msg, size_t msglen);
int cv_helper_serve(int sock, int fifo_fd, cv_helper_encrypt_fn enc, void *hook);

#endif
