/*
 * casevault CLI: the quality of a new staff passphrase (init, staff add).
 *
 * A staff key's passphrase is all that stands between a copy of the vault's
 * gnupg/ and the records it unlocks (docs/security.md, "Passphrases"), so a
 * new one is checked with libpwquality before anything is made: at least
 * CLI_PASS_MIN characters, not based on a dictionary word (cracklib), not a
 * palindrome or a run of one character.  The system's pwquality.conf is not
 * read: the vault's rule is the same on every machine it is set up on.
 */
#include <pwquality.h>
#include <string.h>

#include "cli.h"

int cli_pass_weak(const char *pass, char *buf, size_t len)
{
	pwquality_settings_t *s = pwquality_default_settings();
	void *aux = NULL;
	int r;

	if (!s)
		return snprintf(buf, len, "cannot check it (out of memory)"), 1;
	pwquality_set_int_value(s, PWQ_SETTING_MIN_LENGTH, CLI_PASS_MIN);
	r = pwquality_check(s, pass, NULL, NULL, &aux);
	if (r < 0)
		pwquality_strerror(buf, len, r, aux);
	pwquality_free_settings(s);
	return r < 0;
}

int cli_new_passphrase_ok(cli_ctx *c, cv_passphrase_cb cb, void *hook, const char *what)
{
	char pass[1024], why[256];
	int weak;

	if (cb(hook, "", 0, pass, sizeof(pass)) < 0)
		return cli_fail(c, EXIT_USAGE, "cannot read %s", what);
	weak = cli_pass_weak(pass, why, sizeof(why));
	explicit_bzero(pass, sizeof(pass));
	if (weak)
		return cli_fail(c, EXIT_USAGE, "the passphrase in %s is too weak (%s): use at least %d characters, "
				"e.g. four or more unrelated words, not based on a dictionary word; nothing was changed",
				what, why, CLI_PASS_MIN);
	return 0;
}
