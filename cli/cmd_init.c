/* casevault init, casevault lock */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "casevault/common.h"

static const cli_opt init_opts[] = {
	{ "name", 0, "NAME", "display name of the first manager (stored encrypted)", "Your name" },
	{ "policies", 0, "DIR", "copy policy files from DIR (default: the installed policies)", NULL },
	{ "no-passphrase", 0, NULL, "make the manager's key without a passphrase: throwaway test or demo vaults only", NULL },
	{ "test-clock", 0, NULL, "a test vault: CASEVAULT_TODAY may set its today (real vaults refuse it)", NULL },
	{ "idle", 0, "SECONDS", "idle lock: how long an unlock is remembered (default 600, ten minutes)", NULL },
	{ "policy-version", 0, "VERSION", "version of the confidentiality policy the first manager agrees to (default 1)", NULL },
	CLI_OPT_END
};

static int cmd_init(cli_ctx *c)
{
	cv_init_opts o;
	cv_vault *v = NULL;
	int r;

	if (c->argc == 1)
		c->vault_dir = c->argv[0];  /* an explicit DIR beats CASEVAULT_DIR */
	if (!c->vault_dir)
		return cli_fail(c, EXIT_USAGE, "no vault directory given; use 'casevault init DIR' or -C DIR");
	memset(&o, 0, sizeof(o));
	o.staff_name = cli_opt_value(c, "name");
	o.policy_dir = cli_opt_value(c, "policies");
	o.no_passphrase = cli_flag(c, "no-passphrase");
	o.test_clock = cli_flag(c, "test-clock");
	o.policy_version = cli_opt_value(c, "policy-version");
	if (cli_opt_value(c, "idle")) {
		char *end;
		o.idle_seconds = strtol(cli_opt_value(c, "idle"), &end, 10);
		if (*end || o.idle_seconds < 1 || o.idle_seconds > 86400)
			return cli_fail(c, EXIT_USAGE, "--idle takes a number of seconds from 1 to 86400");
	}
	r = cv_vault_init(&v, c->vault_dir, &o, c->passphrase_file ? cli_passphrase_cb : NULL,
			  (void *)c->passphrase_file);
	if (r < 0) {
		char buf[512];
		const char *m = buf;

		/* copy the message out: the handle is freed before it is printed */
		snprintf(buf, sizeof(buf), "%s", v ? cv_vault_errmsg(v) : "");
		if (!*m && r == CV_EEXISTS)
			m = "a vault or other files already exist there; refusing to initialise over them (choose an empty or new directory)";
		else if (!*m && r == CV_EINVAL)
			m = "the vault path is too long for gpg-agent's sockets; choose a shorter path";
		else if (!*m)
			m = "cannot create the vault directory (check the parent directory exists and is writable)";
		cv_vault_close(v);
		return cli_fail(c, EXIT_FAIL, "cannot initialise %s: %s", c->vault_dir, m);
	}
	r = cli_done(c, json_pack("{s:b, s:o, s:s, s:b}", "ok", 1, "vault", cli_jtext(cv_vault_path(v)), "staff", cv_vault_actor(v),
			"test_clock", cv_vault_test_clock(v)),
			"initialised %svault %s; first manager is %s\n", cv_vault_test_clock(v) ? "test " : "",
			cv_vault_path(v), cv_vault_actor(v));
	cv_vault_close(v);
	return r;
}

const cli_cmd cmd_init_spec = {
	"init", cmd_init, 0, "[DIR]", 0, 1,
	"Create a new vault with its first manager and the two section master keys.",
	init_opts, { NULL }
};

static const cli_opt lock_opts[] = {
	{ "idle", 0, "SECONDS", "also set the idle lock: remember an unlock this long from now on (managers)", NULL },
	CLI_OPT_END
};

static int cmd_lock(cli_ctx *c)
{
	int r;

	if (cli_opt_value(c, "idle")) {
		char *end;
		long s = strtol(cli_opt_value(c, "idle"), &end, 10);

		if (*end || s < 1 || s > 86400)
			return cli_fail(c, EXIT_USAGE, "--idle takes a number of seconds from 1 to 86400");
		r = cv_vault_set_idle(c->v, s);
	} else if (c->svc) {
		/* through casevaultd: the caller's own session only (docs/service.md, Sessions) */
		if ((r = cv_vault_end_session(c->v)) == 0)
			return cli_done(c, json_pack("{s:b}", "ok", 1),
					"locked: your session is ended and your cached passphrase forgotten\n");
	} else {
		r = cv_vault_forget(c->v);
	}

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b}", "ok", 1),
			"locked: cached passphrases for this vault are forgotten\n");
}

const cli_cmd cmd_lock_spec = {
	"lock", cmd_lock, NEEDS_VAULT | NEEDS_GPGCONF, "", 0, 0,
	"Forget every cached passphrase for this vault now (the idle lock, at once).",
	lock_opts, { NULL }
};
