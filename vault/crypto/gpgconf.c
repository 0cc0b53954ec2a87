/*
 * casevault - the vault's gpg.conf (gpgconf.h): written by init, checked
 * by verify, one text for both (docs/security.md); and stopping a GnuPG
 * home's agent without gpgconf.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "crypto/gpgconf.h"

const char cv_gpg_conf_text[] =
	"# casevault: settings for the vault's own GnuPG home.\n"
	"# Archive and wrapping keys are random 256-bit strings, so there is\n"
	"# nothing to stretch: a salted (not iterated) S2K is enough and fast.\n"
	"s2k-mode 1\n"
	"s2k-digest-algo SHA256\n"
	"s2k-cipher-algo AES256\n"
	"cipher-algo AES256\n"
	"digest-algo SHA256\n"
	"personal-cipher-preferences AES256\n"
	"# Never keep archive keys in gpg-agent's cache.\n"
	"no-symkey-cache\n"
	"# Parallel gpg runs would queue on the lock of GNUPGHOME/random_seed;\n"
	"# the kernel's getrandom() seeds libgcrypt without it.\n"
	"no-random-seed-file\n"
	"no-greeting\n"
	"no-auto-key-locate\n"
	"no-auto-key-retrieve\n";

/* One line of the agent's answer ("OK ..." or "ERR ..."): 1 when it is OK. */
static int agent_ok(int fd)
{
	char buf[256];
	size_t n = 0;
	ssize_t k;

	while (n < sizeof(buf) - 1 && (k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0) {
		n += (size_t)k;
		if (memchr(buf, '\n', n))
			break;
	}
	return n >= 2 && !strncmp(buf, "OK", 2);
}

/*
 * The Assuan exchange 'gpgconf --kill gpg-agent' makes, on the home's own
 * socket: GPGME's Assuan engine needs gpgconf, which a command that must
 * start fast has turned off (cv_global_init_ex), so the agent of a home a
 * command made (the purge key's, a helper's) would stay behind.
 */
void cv_gpgconf_kill_agent(const char *home)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/S.gpg-agent", home) >= (int)sizeof(sa.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	/* nothing listening is fine: there is no agent to stop */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && agent_ok(fd) &&
	    send(fd, "KILLAGENT\n", 10, MSG_NOSIGNAL) == 10)
		agent_ok(fd);
	close(fd);
}
