/*
 * casevault - a command run by casevaultd for a client (docs/service.md):
 * the same command table as the direct mode, with three differences.  The
 * acting staff member is the one whose grant names the client's OS user,
 * and no one else (--as may only name them); the service never opens a
 * file a client named (no confused deputy: the service account can read
 * what the client cannot); and a passphrase comes from the request or from
 * the client's own terminal, never from the service's gpg-agent pinentry.
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

/* 0, or the refusal of a value that names a file. */
static int refuse_path(cli_ctx *c, const char *what, const char *word)
{
	const char *hint = !strcmp(what, "--output")
		? "leave it out to write to standard output (> FILE), or run the command in direct mode as the vault's owner"
		: "run the command in direct mode as the vault's owner";

	return cli_fail(c, EXIT_FAIL, "'casevault %s' through casevaultd cannot take %s (%s): the service never opens "
			"a file a client names (docs/service.md); %s", c->cmd->name, what, word, hint);
}

int cli_service_refuse(cli_ctx *c)
{
	const cli_cmd *cmd = c->cmd;
	char what[80], word[32];
	int i;

	if (c->vault_dir || c->passphrase_file)
		return cli_fail(c, EXIT_FAIL, "casevaultd serves its own vault and takes the passphrase in the request; "
				"give -C and --passphrase-file to casevault, not in a raw request");
	for (i = 0; cmd->opts && cmd->opts[i].name; i++) {
		if (!cmd->opts[i].arg || !c->val[i] || !cli_is_path_word(cmd->opts[i].arg))
			continue;
		snprintf(what, sizeof(what), "--%s", cmd->opts[i].name);
		return refuse_path(c, what, cmd->opts[i].arg);
	}
	for (i = 0; i < c->argc; i++) {
		cli_arg_word(cmd, i, word, sizeof(word));
		if (!*word)
			break;
		if (cli_is_path_word(word))
			return refuse_path(c, "a file name", word);
		if (strstr(word, "..."))
			break;
	}
	return 0;
}

/* Read one line from the client's terminal (its standard input), not echoed. */
static int prompt_tty(const char *staff_id, char *buf, size_t bufsize)
{
	struct termios old, quiet;
	size_t len = 0;
	char ch;
	int echo_off;

	fprintf(stderr, "Passphrase of staff member %s: ", staff_id ? staff_id : "");
	fflush(stderr);
	echo_off = tcgetattr(0, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	while (read(0, &ch, 1) == 1 && ch != '\n')
		if (len + 1 < bufsize)
			buf[len++] = ch;
	buf[len] = '\0';
	if (echo_off)
		tcsetattr(0, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return 0;
}

static int service_passphrase(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize)
{
	const cli_service *s = hook;

	if (prev_was_bad)
		return -1;
	if (s->passphrase) {
		snprintf(buf, bufsize, "%s", s->passphrase);
		return 0;
	}
	if (!isatty(0))
		return -1;
	return prompt_tty(staff_id, buf, bufsize);
}

int cli_service_actor(cli_ctx *c)
{
	const char *me;
	int r;

	cv_vault_set_os_uid(c->v, c->svc->uid);
	cv_vault_set_passphrase_cb(c->v, service_passphrase, (void *)c->svc);
	if ((r = cv_vault_set_actor(c->v, NULL)) == CV_ENOTFOUND)
		return cli_fail(c, EXIT_FAIL, "OS user %ld is no staff member of this vault; a manager registers you "
				"with 'casevault staff add --os-user'", c->svc->uid);
	if (r < 0)
		return cli_lib_fail(c, r);
	/* the session of this person only: the actor comes from SO_PEERCRED (docs/service.md, Sessions) */
	cv_vault_set_slip_cache(c->v, c->svc->sessions, c->svc->sessions_ctx);
	if ((r = cv_vault_check_lockout(c->v)) < 0)
		return cli_lib_fail(c, r);
	me = cv_vault_actor(c->v);
	if (c->as && strcmp(c->as, me))
		return cli_fail(c, EXIT_FAIL, "through casevaultd each person acts as themselves: OS user %ld is staff "
				"member %s, so --as %s is refused; %s must run the command from their own account",
				c->svc->uid, me, c->as, c->as);
	return 0;
}
