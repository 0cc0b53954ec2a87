/*
 * casevault-helper - the encryption helper as a program of its own.
 *
 * A filing forks one helper per archive writer (vault/helper.c).  The fork
 * executes this program (through a descriptor it checked: crypto/helper.c),
 * which links GPGME and libgcrypt only, so that GPGME's two forks per gpg
 * run copy a small process instead of casevault with its 26 libraries.  It
 * makes its own GnuPG home (GNUPGHOME/sym-PID: gpg.conf and the key FIFO),
 * serves the parent over the socket it is given (vault/helper_serve.c)
 * until the parent closes it, then removes that home.  It is not meant to
 * be run by hand:
 *
 *     casevault-helper SOCKET-FD GNUPGHOME/sym-PID
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

/* GNUPGHOME for GPGME's version check: the vault's home, the parent of GNUPGHOME/sym-PID. */
static void setenv_parent_home(const char *home)
{
	char *p = strdup(home), *slash;

	if (p && (slash = strrchr(p, '/')) && slash != p) {
		*slash = '\0';
		setenv("GNUPGHOME", p, 1);
	}
	free(p);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 0, 0 };
	struct cv_helper_home hm;
	struct stat sb;
	gpgme_ctx_t ctx = NULL;
	char *end, msg[512];
	long sock;
	int r;

	/* archive keys pass through here: no core dumps, no ptrace by the same user */
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (argc != 3 || !*argv[1] || (sock = strtol(argv[1], &end, 10), *end) || sock < 3 || sock > 65535 ||
	    fstat((int)sock, &sb) < 0 || !S_ISSOCK(sb.st_mode)) {
		fprintf(stderr, "casevault-helper: this program is started by casevault, not by hand\n");
		return 2;
	}
	/*
	 * The home is made here, GNUPGHOME/sym-PID with this process's own
	 * id, and refused if it exists: this program removes its home when
	 * it ends, and must never remove files it did not make (someone's
	 * directory given by hand).
	 */
	/*
	 * GPGME runs "gpg --version" once, at gpgme_new: before the home and
	 * its gpg.conf exist, so that this gpg never opens the key FIFO (it
	 * would wait for ever if this process died meanwhile).
	 */
	setenv("LC_ALL", "C", 1);
	setenv_parent_home(argv[2]);
	gpgme_set_global_flag("disable-gpgconf", "1");
	if (!gcry_check_version(GCRYPT_VERSION) || !gpgme_check_version(NULL) || gpgme_new(&ctx))
		return 1;
	if (cv_helper_home_make(&hm, argv[2], msg, sizeof(msg)) < 0) {
		fprintf(stderr, "casevault-helper: %s; it changed nothing\n", msg);
		gpgme_release(ctx);
		return 2;
	}
	fcntl((int)sock, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	setenv("GNUPGHOME", hm.path, 1);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	gpgme_set_armor(ctx, 0);
	gpgme_set_offline(ctx, 1);
	r = cv_helper_serve((int)sock, hm.fifo, encrypt_one, ctx);
	gpgme_release(ctx);
	cv_helper_home_unmake(&hm);
	return r == 0 ? 0 : 1;
}
