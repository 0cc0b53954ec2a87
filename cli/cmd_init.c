/* casevault init, casevault lock */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "casevault/common.h"

static const cli_opt init_opts[] = {
	{ "name", 0, "NAME", "display name of the first manager (stored encrypted)", "Your name" },
	{ "policies", 0, "DIR", "copy policy files from DIR (default: the installed policies)", NULL },
	{ "no-passphrase", 0, NULL, "make the manager's key without a passphrase: throwaway test or demo vaults only", NULL },
	{ "test-clock", 0, NULL, "a test vault: CASEVAULT_TODAY may set its today (real vaults refuse it)", NULL },
	{ "idle", 0, "SECONDS", "idle lock: how long an unlock is remembered (default 600, ten minutes)", NULL },
	{ "policy-version", 0, "VERSION", "version of the confidentiality policy the first manager agrees to (default 1)", NULL },
	{ "service", 0, NULL, "a vault for casevaultd: owned by a dedicated account with no login shell, mode 0700", NULL },
	{ "owner", 0, "ACCOUNT", "with --service, run as root: make DIR for ACCOUNT and initialise it as ACCOUNT", NULL },
	CLI_OPT_END
};

/*
 * init --service as root: the passphrase file is read now, while root may
 * read it; the rest of init runs as the service account.
 */
static char root_pass[1024];
static int root_pass_read;

static int remembered_pass_cb(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize)
{
	(void)hook;
	(void)staff_id;
	if (prev_was_bad)
		return -1;
	snprintf(buf, bufsize, "%s", root_pass);
	return 0;
}

/* An account no one logs in as: its shell is nologin or false (docs/service.md, Setting it up). */
static int no_login_shell(const struct passwd *pw)
{
	const char *b = strrchr(pw->pw_shell, '/');

	b = b ? b + 1 : pw->pw_shell;
	return !strcmp(b, "nologin") || !strcmp(b, "false");
}

/* 1 when the directory holds nothing but . and .. */
static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return d && n == 0;
}

/*
 * Root waits while its child, become the account, makes the vault: a refused
 * init leaves nothing behind (docs/commands/init.md), and the directory root
 * made is root's to remove, as the account cannot in a parent it may not
 * write.  Returns in the child; the parent exits with the child's status.
 */
static void owner_child(cli_ctx *c, int made, const struct stat *was)
{
	pid_t pid = fork();
	int st = 0, r;

	if (pid == 0)
		return;
	explicit_bzero(root_pass, sizeof(root_pass));  /* the child has its copy; root holds none while it waits */
	if (pid < 0)
		r = cli_fail(c, EXIT_FAIL, "cannot start the process that makes the vault: %s", strerror(errno));
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid > 0)
		r = WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_FAIL;
	if (r != 0 && made)
		rmdir(c->vault_dir);  /* only if empty: what the library wrote on a refusal, it removed */
	else if (r != 0 && chown(c->vault_dir, was->st_uid, was->st_gid) == 0)
		chmod(c->vault_dir, was->st_mode & 07777);  /* an empty directory taken goes back as it was */
	_exit(r);
}

/*
 * As root: DIR made (or an empty one taken: root never hands over what is in
 * a directory) 0700 for the account, then a child process becomes it.
 */
static int become_owner(cli_ctx *c, const struct passwd *pw)
{
	struct stat sb;
	int made;

	if (c->passphrase_file && cli_passphrase_cb((void *)c->passphrase_file, "", 0, root_pass, sizeof(root_pass)) < 0)
		return cli_fail(c, EXIT_FAIL, "cannot read the passphrase file %s", c->passphrase_file);
	root_pass_read = c->passphrase_file != NULL;
	made = mkdir(c->vault_dir, 0700) == 0;
	if (!made && errno != EEXIST)
		return cli_fail(c, EXIT_FAIL, "cannot create %s: %s (check the parent directory exists)", c->vault_dir, strerror(errno));
	if (lstat(c->vault_dir, &sb) < 0 || !S_ISDIR(sb.st_mode) || !empty_dir(c->vault_dir))
		return cli_fail(c, EXIT_FAIL, "cannot initialise %s: it is not a new or empty directory; choose one", c->vault_dir);
	if (chown(c->vault_dir, pw->pw_uid, pw->pw_gid) < 0 || chmod(c->vault_dir, 0700) < 0) {
		if (made)
			rmdir(c->vault_dir);
		return cli_fail(c, EXIT_FAIL, "cannot give %s to %s: %s", c->vault_dir, pw->pw_name, strerror(errno));
	}
	fflush(NULL);
	owner_child(c, made, &sb);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0 ||
	    getuid() != pw->pw_uid || setenv("HOME", pw->pw_dir, 1) < 0)
		return cli_fail(c, EXIT_FAIL, "cannot become the account %s: %s", pw->pw_name, strerror(errno));
	return 0;
}

/*
 * init --service: the vault casevaultd serves belongs to a dedicated account
 * that alone can open it (docs/service.md); its first manager is registered
 * for that account, which the scheduled purge runs as too.  Run as that
 * account, or as root with --owner.  Returns 0, or the exit status of a refusal.
 */
static int service_account(cli_ctx *c, const char *owner)
{
	struct passwd *pw;
	int root = geteuid() == 0;

	if (root && !owner)
		return cli_fail(c, EXIT_USAGE, "init --service makes a vault for a service account, never root's: "
				"add --owner ACCOUNT (e.g. casevault), or run it as that account");
	if (root && (!(pw = getpwnam(owner)) || pw->pw_uid == 0))
		return cli_fail(c, EXIT_USAGE, "--owner %s: no such account, or root; make it first: "
				"useradd --system --shell /usr/sbin/nologin %s", owner, owner);
	if (!root && !(pw = getpwuid(getuid())))
		return cli_fail(c, EXIT_FAIL, "the OS user %ld has no account entry", (long)getuid());
	if (owner && strcmp(owner, pw->pw_name))
		return cli_fail(c, EXIT_USAGE, "--owner %s: this runs as %s; run it as root to make the vault for %s",
				owner, pw->pw_name, owner);
	if (!no_login_shell(pw))
		return cli_fail(c, EXIT_USAGE, "the account %s has a login shell (%s): a service vault belongs to a "
				"dedicated account no one logs in as (useradd --system --shell /usr/sbin/nologin casevault)",
				pw->pw_name, pw->pw_shell);
	return root ? become_owner(c, pw) : 0;
}

static int cmd_init(cli_ctx *c)
{
	cv_init_opts o;
	cv_vault *v = NULL;
	int r;

	if (c->argc == 1)
		c->vault_dir = c->argv[0];  /* an explicit DIR beats CASEVAULT_DIR */
	if (!c->vault_dir)
		return cli_fail(c, EXIT_USAGE, "no vault directory given; use 'casevault init DIR' or -C DIR");
	if (cli_opt_value(c, "owner") && !cli_flag(c, "service"))
		return cli_fail(c, EXIT_USAGE, "--owner goes with --service (a vault for casevaultd)");
	/* before anything is made (as root too: the file is read as cli_passphrase_cb will) */
	if (c->passphrase_file && !cli_flag(c, "no-passphrase") &&
	    (r = cli_new_passphrase_ok(c, cli_passphrase_cb, (void *)c->passphrase_file, c->passphrase_file)) != 0)
		return r;
	if (cli_flag(c, "service") && (r = service_account(c, cli_opt_value(c, "owner"))) != 0)
		return r;
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
	r = cv_vault_init(&v, c->vault_dir, &o, root_pass_read ? remembered_pass_cb : c->passphrase_file ? cli_passphrase_cb : NULL,
			  (void *)c->passphrase_file);
	explicit_bzero(root_pass, sizeof(root_pass));
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
	if (cli_flag(c, "service") && chmod(cv_vault_path(v), 0700) < 0) {  /* casevaultd refuses a vault open to others */
		cv_vault_close(v);
		return cli_fail(c, EXIT_FAIL, "cannot close %s to other accounts (chmod 700): %s", c->vault_dir, strerror(errno));
	}
	r = cli_done(c, json_pack("{s:b, s:o, s:s, s:b, s:b}", "ok", 1, "vault", cli_jtext(cv_vault_path(v)), "staff", cv_vault_actor(v),
			"test_clock", cv_vault_test_clock(v), "service", cli_flag(c, "service")),
			"initialised %s%svault %s; first manager is %s\n", cv_vault_test_clock(v) ? "test " : "",
			cli_flag(c, "service") ? "service " : "", cv_vault_path(v), cv_vault_actor(v));
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
