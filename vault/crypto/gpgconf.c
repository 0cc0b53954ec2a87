/*
 * casevault - the vault's gpg.conf (gpgconf.h): written by init, checked
 * by verify, one text for both (docs/security.md).
 */
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
