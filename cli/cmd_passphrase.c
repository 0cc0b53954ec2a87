/*
 * casevault CLI: staff passphrase, a person changes their own passphrase
 * (docs/commands/staff-passphrase.md).
 *
 * The new passphrase comes from --new-passphrase-file, checked for quality
 * before anything is asked of gpg, or is typed twice at the terminal, asked
 * again (three tries) while the two differ or it is too weak.  The current
 * one is asked by the library, at the terminal unless --passphrase-file
 * gives it, even while a session is unlocked.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "casevault/session.h"
#include "casevault/staff.h"

#define TRIES 3

static const cli_opt passphrase_opts[] = {
	{ "new-passphrase-file", 0, "FILE", "read the new passphrase from FILE (default: typed twice at the terminal)", NULL },
	CLI_OPT_END
};

/* The new passphrase typed twice; 0, or -1 after TRIES refusals (each said on standard error). */
static int typed_new(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize)
{
	char again[1024], why[256];
	int i, weak;

	(void)hook;
	(void)staff_id;
	if (prev_was_bad || !isatty(0))
		return -1;
	for (i = 0; i < TRIES; i++) {
		cli_prompt_hidden("New passphrase: ", buf, bufsize);
		cli_prompt_hidden("The new passphrase again: ", again, sizeof(again));
		weak = cli_pass_weak(buf, why, sizeof(why));
		if (strcmp(buf, again))
			fprintf(stderr, "casevault: the two did not match; type the new passphrase again\n");
		else if (weak)
			fprintf(stderr, "casevault: that passphrase is too weak (%s): use at least %d characters, e.g. four "
				"or more unrelated words\n", why, CLI_PASS_MIN);
		else
			break;
	}
	explicit_bzero(again, sizeof(again));
	if (i < TRIES)
		return 0;
	explicit_bzero(buf, bufsize);
	return -1;
}

/* Where the new passphrase comes from: the named (or passed) file, checked now, or the terminal. */
static int new_source(cli_ctx *c, cv_passphrase_cb *cb, void **hook)
{
	const char *file = cli_opt_value(c, "new-passphrase-file");

	if (cli_passed_fd(c, file) >= 0) {  /* through casevaultd: docs/service.md, Named files */
		*cb = cli_passed_passphrase_cb;
		*hook = (void *)(intptr_t)cli_passed_fd(c, file);
	} else if (file) {
		if (access(file, R_OK) < 0)
			return cli_fail(c, EXIT_USAGE, "cannot read %s; nothing was changed", file);
		*cb = cli_passphrase_cb;
		*hook = (void *)file;
	} else if (isatty(0)) {
		*cb = typed_new;
		*hook = NULL;
		return 0;
	} else {
		return cli_fail(c, EXIT_USAGE, "no terminal to type the new passphrase at: give it with "
				"--new-passphrase-file FILE; nothing was changed");
	}
	return cli_new_passphrase_ok(c, *cb, *hook, file);
}

static int cmd_staff_passphrase(cli_ctx *c)
{
	cv_passphrase_cb cb = NULL;
	void *hook = NULL;
	int r;

	if ((r = new_source(c, &cb, &hook)) != 0)
		return r;
	/* the current passphrase: --passphrase-file or the service's request set one; else the terminal */
	if (!c->svc && !c->passphrase_file)
		cv_vault_set_passphrase_cb(c->v, cli_tty_passphrase_cb, NULL);
	if ((r = cv_staff_change_passphrase(c->v, cb, hook)) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "staff", cv_vault_actor(c->v)),
			"changed: the passphrase of staff member %s; your session is ended, use the new "
			"passphrase from now on\n", cv_vault_actor(c->v));
}

const cli_cmd cmd_staff_passphrase_spec = {
	"staff passphrase", cmd_staff_passphrase, NEEDS_VAULT | NEEDS_GPGCONF, "", 0, 0,
	"Change your own passphrase (asks for the current one, then the new one twice).",
	passphrase_opts, { NULL }
};
