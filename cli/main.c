/*
 * casevault - command runner: global options, the command table, option
 * parsing from per-command tables (so --help and docs/ cannot drift), and
 * one place that turns library codes into exit status and messages.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli.h"
#include "casevault/common.h"

static const cli_opt global_opts[] = {
	{ "vault", 'C', "DIR", "the vault directory (default: $CASEVAULT_DIR)", NULL },
	{ "json", 0, NULL, "machine-readable output on standard output", NULL },
	{ "as", 0, "STAFF-ID", "act as this staff member (default: the one registered for this OS user)", NULL },
	{ "passphrase-file", 0, "FILE", "read the staff passphrase from FILE (default: $CASEVAULT_PASSPHRASE_FILE, else pinentry)", NULL },
	{ "help", 'h', NULL, "show this help", NULL },
	CLI_OPT_END
};

static const cli_cmd *commands[] = {
	&cmd_init_spec,
	&cmd_case_open_spec, &cmd_case_list_spec, &cmd_case_show_spec, &cmd_case_close_spec,
	&cmd_file_spec, &cmd_note_spec, &cmd_import_spec,
	&cmd_ls_spec, &cmd_get_spec, &cmd_verify_spec,
	&cmd_policy_check_spec, &cmd_lock_spec,
	&cmd_staff_add_spec, &cmd_staff_list_spec, &cmd_staff_attest_spec, &cmd_staff_revoke_spec,
	&cmd_audit_show_spec, &cmd_audit_verify_spec,
	&cmd_case_reopen_spec, &cmd_case_set_dob_spec,
	&cmd_hold_add_spec, &cmd_hold_release_spec, &cmd_hold_list_spec,
	&cmd_retention_due_spec, &cmd_retention_recompute_spec,
	&cmd_review_approve_spec, &cmd_review_defer_spec, &cmd_review_spec,  /* two-word forms first */
	&cmd_purge_spec, &cmd_certificates_list_spec, &cmd_certificates_show_spec,
	&cmd_case_person_add_spec, &cmd_case_person_list_spec, &cmd_case_link_spec,
	&cmd_request_open_spec, &cmd_request_list_spec, &cmd_request_show_spec, &cmd_request_decide_spec,
	&cmd_request_attach_spec, &cmd_request_extend_spec, &cmd_request_bundle_spec, &cmd_request_log_spec,
	&cmd_request_close_spec,
	NULL
};

static int json_mode;

const char *cli_opt_value(const cli_ctx *c, const char *name)
{
	int i;

	for (i = 0; c->cmd->opts && c->cmd->opts[i].name; i++)
		if (!strcmp(c->cmd->opts[i].name, name))
			return c->val[i];
	return NULL;
}

int cli_flag(const cli_ctx *c, const char *name)
{
	return cli_opt_value(c, name) != NULL;
}

void cli_json_out(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(j);
}

int cli_fail(cli_ctx *c, int exit_code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one line, always */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "casevault: %s\n", msg);
	if ((c && c->json) || json_mode)
		cli_json_out(json_pack("{s:b, s:s, s:i}", "ok", 0, "error", msg, "exit", exit_code));
	return exit_code;
}

int cli_lib_fail(cli_ctx *c, int r)
{
	const char *m = c->v ? cv_vault_errmsg(c->v) : "";

	if (!m || !*m)
		m = "failed";
	(void)r;  /* every library refusal is exit 1; exit 2 is for the command line itself */
	return cli_fail(c, EXIT_FAIL, "%s", m);
}

void cli_notices(cli_ctx *c)
{
	if (c->v && *cv_vault_notice(c->v))
		fprintf(stderr, "casevault: note: %s\n", cv_vault_notice(c->v));
}

int cli_passphrase_cb(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize)
{
	const char *path = hook;
	FILE *f;
	size_t len;

	(void)staff_id;
	if (prev_was_bad)
		return -1;
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, (int)bufsize, f)) {
		buf[0] = '\0';  /* an empty file is an empty passphrase */
	}
	fclose(f);
	len = strlen(buf);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return 0;
}

static void print_opts(FILE *f, const cli_opt *o)
{
	char left[64];

	for (; o && o->name; o++) {
		if (o->shortopt)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shortopt, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
}

static void usage_cmd(FILE *f, const cli_cmd *cmd)
{
	fprintf(f, "usage: casevault %s%s%s [options]\n\n%s\n\noptions:\n", cmd->name,
		cmd->args && *cmd->args ? " " : "", cmd->args ? cmd->args : "", cmd->summary);
	print_opts(f, cmd->opts);
	fprintf(f, "\nglobal options:\n");
	print_opts(f, global_opts);
	fprintf(f, "\nexit status: 0 ok, 1 refused or failed, 2 usage error\n");
}

static void usage_all(FILE *f)
{
	int i;

	fprintf(f, "usage: casevault [-C DIR] [--json] [--as STAFF-ID] COMMAND [ARGS]\n\n"
		   "casevault keeps a confidential office's case records encrypted, indexed and\n"
		   "on a retention schedule.  Commands:\n\n");
	for (i = 0; commands[i]; i++)
		fprintf(f, "  %-20s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n'casevault COMMAND --help' describes a command; docs/ has the manual.\n");
}

static const cli_cmd *find_cmd(int argc, char **argv, int *consumed)
{
	int i;

	for (i = 0; commands[i]; i++) {
		/* "file", "case open", "case person add": one word of argv per word of the name */
		const char *n = commands[i]->name;
		int w = 0;

		while (w < argc) {
			const char *sp = strchr(n, ' ');
			size_t l = sp ? (size_t)(sp - n) : strlen(n);

			if (strlen(argv[w]) != l || strncmp(argv[w], n, l))
				break;
			w++;
			if (!sp) {
				*consumed = w;
				return commands[i];
			}
			n = sp + 1;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct option lopts[2 * CLI_MAX_OPTS + 1];
	char shorts[64];
	cli_ctx c;
	const cli_cmd *cmd;
	int first = 1, consumed = 0, nl = 0, ns = 0, i, r, opt, idx, nopts = 0, help = 0;
	struct rlimit rl;

	signal(SIGPIPE, SIG_IGN);
	umask(077);
	/* Decrypted documents and keys pass through this process: no core dumps,
	 * and no ptrace by other processes of the same user. */
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Imports hold one descriptor per document of a case. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&c, 0, sizeof(c));
	/* Leading global options before the command word. */
	while (first < argc && argv[first][0] == '-') {
		if (!strcmp(argv[first], "--json")) {
			c.json = json_mode = 1;
			first++;
		} else if ((!strcmp(argv[first], "-C") || !strcmp(argv[first], "--vault")) && first + 1 < argc) {
			c.vault_dir = argv[first + 1];
			first += 2;
		} else if (!strncmp(argv[first], "--vault=", 8)) {
			c.vault_dir = argv[first] + 8;
			first++;
		} else if (!strncmp(argv[first], "--as=", 5)) {
			c.as = argv[first] + 5;
			first++;
		} else if (!strncmp(argv[first], "--passphrase-file=", 18)) {
			c.passphrase_file = argv[first] + 18;
			first++;
		} else if (!strcmp(argv[first], "--as") && first + 1 < argc) {
			c.as = argv[first + 1];
			first += 2;
		} else if (!strcmp(argv[first], "--passphrase-file") && first + 1 < argc) {
			c.passphrase_file = argv[first + 1];
			first += 2;
		} else if (!strcmp(argv[first], "-h") || !strcmp(argv[first], "--help")) {
			usage_all(stdout);
			return EXIT_OK;
		} else {
			break;
		}
	}
	if (first >= argc) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[first], "help")) {
		if (first + 1 < argc && (cmd = find_cmd(argc - first - 1, argv + first + 1, &consumed))) {
			usage_cmd(stdout, cmd);
			return EXIT_OK;
		}
		usage_all(stdout);
		return EXIT_OK;
	}
	cmd = find_cmd(argc - first, argv + first, &consumed);
	if (!cmd)
		return cli_fail(&c, EXIT_USAGE, "unknown command '%s'; see 'casevault --help'", argv[first]);
	c.cmd = cmd;

	/* Build getopt tables: the command's options, then the global ones. */
	shorts[ns++] = '+';  /* placeholder, replaced below */
	ns = 0;
	shorts[ns++] = ':';
	for (i = 0; cmd->opts && cmd->opts[i].name; i++, nopts++) {
		lopts[nl].name = cmd->opts[i].name;
		lopts[nl].has_arg = cmd->opts[i].arg ? required_argument : no_argument;
		lopts[nl].flag = NULL;
		lopts[nl].val = 1000 + i;
		nl++;
		if (cmd->opts[i].shortopt) {
			shorts[ns++] = (char)cmd->opts[i].shortopt;
			if (cmd->opts[i].arg)
				shorts[ns++] = ':';
		}
	}
	for (i = 0; global_opts[i].name; i++) {
		lopts[nl].name = global_opts[i].name;
		lopts[nl].has_arg = global_opts[i].arg ? required_argument : no_argument;
		lopts[nl].flag = NULL;
		lopts[nl].val = 2000 + i;
		nl++;
		if (global_opts[i].shortopt) {
			shorts[ns++] = (char)global_opts[i].shortopt;
			if (global_opts[i].arg)
				shorts[ns++] = ':';
		}
	}
	memset(&lopts[nl], 0, sizeof(lopts[nl]));
	shorts[ns] = '\0';

	{
		int sub_argc = argc - first - consumed + 1;
		char **sub_argv = argv + first + consumed - 1;

		optind = 1;
		opterr = 0;
		while ((opt = getopt_long(sub_argc, sub_argv, shorts, lopts, &idx)) != -1) {
			if (opt == '?' || opt == ':') {
				const char *bad = sub_argv[optind - 1];
				return cli_fail(&c, EXIT_USAGE, "%s option '%s' for 'casevault %s'; see 'casevault %s --help'",
						opt == ':' ? "missing value for" : "unknown", bad, cmd->name, cmd->name);
			}
			if (opt < 1000) {
				/* map short options to the table entry */
				for (i = 0; cmd->opts && cmd->opts[i].name; i++)
					if (cmd->opts[i].shortopt == opt) {
						opt = 1000 + i;
						break;
					}
				if (opt < 1000)
					for (i = 0; global_opts[i].name; i++)
						if (global_opts[i].shortopt == opt) {
							opt = 2000 + i;
							break;
						}
			}
			if (opt >= 2000) {
				const char *gn = global_opts[opt - 2000].name;
				if (!strcmp(gn, "vault"))
					c.vault_dir = optarg;
				else if (!strcmp(gn, "json"))
					c.json = json_mode = 1;
				else if (!strcmp(gn, "as"))
					c.as = optarg;
				else if (!strcmp(gn, "passphrase-file"))
					c.passphrase_file = optarg;
				else if (!strcmp(gn, "help"))
					help = 1;
			} else if (opt >= 1000) {
				c.val[opt - 1000] = cmd->opts[opt - 1000].arg ? optarg : "1";
			}
		}
		if (help) {
			usage_cmd(stdout, cmd);
			return EXIT_OK;
		}
		c.argc = sub_argc - optind;
		c.argv = sub_argv + optind;
	}
	(void)nopts;
	if (c.argc < cmd->min_args || (cmd->max_args >= 0 && c.argc > cmd->max_args))
		return cli_fail(&c, EXIT_USAGE, "usage: casevault %s %s; see 'casevault %s --help'",
				cmd->name, cmd->args ? cmd->args : "", cmd->name);
	if (!c.vault_dir)
		c.vault_dir = getenv("CASEVAULT_DIR");
	if (c.vault_dir && !*c.vault_dir)
		c.vault_dir = NULL;
	if (!c.passphrase_file)
		c.passphrase_file = getenv("CASEVAULT_PASSPHRASE_FILE");
	if (c.passphrase_file && !*c.passphrase_file)
		c.passphrase_file = NULL;
	if (c.passphrase_file && access(c.passphrase_file, R_OK) < 0)
		return cli_fail(&c, EXIT_USAGE, "cannot read the passphrase file %s: %s", c.passphrase_file, strerror(errno));

	if (cv_global_init() < 0)
		return cli_fail(&c, EXIT_FAIL, "cannot initialise GnuPG/libgcrypt; is gnupg installed?");
	if (cmd->flags & NEEDS_VAULT) {
		if (!c.vault_dir)
			return cli_fail(&c, EXIT_USAGE, "no vault given; use -C DIR or set CASEVAULT_DIR");
		r = cv_vault_open(&c.v, c.vault_dir);
		if (r < 0) {
			r = cli_lib_fail(&c, r);
			cv_vault_close(c.v);
			return r;
		}
		cli_notices(&c);
		if (c.passphrase_file)
			cv_vault_set_passphrase_cb(c.v, cli_passphrase_cb, (void *)c.passphrase_file);
		if (c.as && (r = cv_vault_set_actor(c.v, c.as)) < 0) {
			r = cli_lib_fail(&c, r);
			cv_vault_close(c.v);
			return r;
		}
	}
	r = cmd->fn(&c);
	cv_vault_close(c.v);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "casevault: cannot write output: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	return r;
}
