/*
 * casevault-helper - the encryption helper as a program of its own.
 *
 * A filing forks one helper per archive writer (vault/helper.c).  The fork
 * makes the helper's GnuPG home (GNUPGHOME/sym-PID: gpg.conf and the key
 * FIFO) and then executes this program, which links GPGME and libgcrypt
 * only, so that GPGME's two forks per gpg run copy a small process instead
 * of casevault with its 26 libraries.  It serves the parent over the socket
 * it is given (vault/helper_serve.c) until the parent closes it, then
 * removes the home.  It is not meant to be run by hand:
 *
 *     casevault-helper SOCKET-FD HOME
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gcrypt.h>
#include <gpgme.h>

#include "casevault/common.h"
#include "crypto/helper_serve.h"
#include "base/util.h"

static int encrypt_one(void *hook, const char *key_hex, int in_fd, int out_fd,
		       int64_t *size, char sha[65], char *msg, size_t msglen)
{
	gpgme_error_t err;

	(void)key_hex;  /* NULL: the key is in the FIFO, where gpg.conf's passphrase-file points */
	if (cv_encrypt_hashed(hook, NULL, GPGME_ENCRYPT_SYMMETRIC | GPGME_ENCRYPT_NO_COMPRESS,
			      in_fd, out_fd, size, sha, &err) == 0)
		return 0;
	snprintf(msg, msglen, "cannot encrypt an archive: %s%s", gpgme_strerror(err),
		 cv_disk_hint(gpgme_err_code_to_errno(gpgme_err_code(err))));
	return CV_ERROR;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 0, 0 };
	struct stat sb;
	gpgme_ctx_t ctx = NULL;
	char *end, *fifo = NULL;
	const char *base;
	long sock;
	int fd, r;

	/* archive keys pass through here: no core dumps, no ptrace by the same user */
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (argc != 3 || !*argv[1] || (sock = strtol(argv[1], &end, 10), *end) || sock < 3 || sock > 65535 ||
	    fstat((int)sock, &sb) < 0 || !S_ISSOCK(sb.st_mode) || argv[2][0] != '/') {
		fprintf(stderr, "casevault-helper: this program is started by casevault, not by hand\n");
		return 2;
	}
	/* only a helper home that vault/helper.c made (GNUPGHOME/sym-PID, with its key FIFO): it is removed at the end */
	base = strrchr(argv[2], '/') + 1;
	if (strncmp(base, "sym-", 4) || !base[4] || strspn(base + 4, "0123456789") != strlen(base + 4) ||
	    asprintf(&fifo, "%s/key", argv[2]) < 0)
		fifo = NULL;
	if (!fifo || lstat(fifo, &sb) < 0 || !S_ISFIFO(sb.st_mode)) {
		free(fifo);
		fprintf(stderr, "casevault-helper: %s is not an encryption helper's GnuPG home\n", argv[2]);
		return 2;
	}
	fcntl((int)sock, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	setenv("LC_ALL", "C", 1);
	setenv("GNUPGHOME", argv[2], 1);
	fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	free(fifo);
	gpgme_set_global_flag("disable-gpgconf", "1");
	if (fd < 0 || !gcry_check_version(GCRYPT_VERSION) || !gpgme_check_version(NULL) || gpgme_new(&ctx)) {
		cv_helper_home_remove(argv[2]);
		return 1;
	}
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	gpgme_set_armor(ctx, 0);
	gpgme_set_offline(ctx, 1);
	r = cv_helper_serve((int)sock, fd, encrypt_one, ctx);
	gpgme_release(ctx);
	close(fd);
	cv_helper_home_remove(argv[2]);
	return r == 0 ? 0 : 1;
}
