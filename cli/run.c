/*
 * casevault - the commands' side of the command line: the library opened
 * and closed around a command, and who acts.  Linked into the direct
 * program (casevault-direct) and casevaultd's workers, never into the thin
 * client (cli/thin.c), which starts in about a millisecond because it
 * loads none of the library (docs/service.md, Speed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "casevault/common.h"
#include "casevault/retention.h"

int cli_lib_fail(cli_ctx *c, int r)
{
	const char *m = c->v ? cv_vault_errmsg(c->v) : "";

	if (!m || !*m)
		m = "failed";
	/* every library refusal is exit 1; exit 2 is for the command line itself */
	return cli_fail_lib(c, EXIT_FAIL, r, "%s", m);
}

void cli_notices(cli_ctx *c)
{
	cli_notices_from(c, 0);
}

void cli_notices_from(cli_ctx *c, size_t from)
{
	const char *n = c->v ? cv_vault_notice(c->v) : "";
	size_t len = strlen(n);

	if (from < c->notices_shown)
		from = c->notices_shown;
	if (len <= from)
		return;
	c->notices_shown = len;
	n += from;
	n += strspn(n, "; ");
	fprintf(stderr, "casevault: note: %s\n", cli_show(n));
}

/* The vault the worker opened before the request, when nothing changed since (docs/service.md, Speed). */
static int take_spare(cli_ctx *c)
{
	cv_vault *s = c->svc ? c->svc->spare : NULL;

	if (!s)
		return 0;
	if (strcmp(cv_vault_path(s), c->vault_dir) || !cv_vault_current(s, CLI_SPARE_MAX_AGE)) {
		cv_vault_close(s);
		return 0;
	}
	c->v = s;
	return 1;
}

static int open_vault(cli_ctx *c)
{
	int r;

	if (!c->vault_dir)
		return cli_fail(c, EXIT_USAGE, "no vault given; use -C DIR or set CASEVAULT_DIR");
	r = take_spare(c) ? 0 : cv_vault_open(&c->v, c->vault_dir);
	if (r < 0)
		return cli_lib_fail(c, r);
	cli_notices(c);
	cv_retention_follow_deposits(c->v);
	if (c->svc)
		return cli_service_actor(c);
	if (c->passphrase_file)
		cv_vault_set_passphrase_cb(c->v, cli_passphrase_cb, (void *)c->passphrase_file);
	if (c->as && (r = cv_vault_set_actor(c->v, c->as)) < 0)
		return cli_lib_fail(c, r);
	return 0;
}

int cli_begin(cli_ctx *c)
{
	unsigned init = c->cmd->flags & NEEDS_GPGCONF ? CV_INIT_GPGCONF : 0;

	/*
	 * Finishing a revocation a crash left needs gpg-agent, reached only
	 * with gpgconf (about 0.12 s): every command pays it while one is left,
	 * and only then (docs/recovery.md, An interrupted revocation).
	 */
	if (!init && !cv_global_gpgconf() && (c->cmd->flags & NEEDS_VAULT) && cv_vault_revoke_pending(c->vault_dir) == 1)
		init = CV_INIT_GPGCONF;
	/*
	 * --as may name someone other than the person registered for this OS
	 * user, who then proves their passphrase afresh: gpg-agent must forget
	 * the cached one first, and is reached only with gpgconf (a few more
	 * short processes at start-up, paid only when --as is given;
	 * docs/security.md, Proving who acts).
	 */
	if (c->as)
		init = CV_INIT_GPGCONF;
	/*
	 * Through casevaultd a person without a live session proves the
	 * passphrase afresh: gpg-agent forgets their key's cached one first,
	 * likewise.  With one, the command runs no gpg at all and starts
	 * without gpgconf (docs/service.md, Sessions).
	 */
	if (c->svc && c->svc->sessions && !c->svc->session_alive)
		init = CV_INIT_GPGCONF;
	if (cv_global_init_ex(init) < 0)
		return cli_fail(c, EXIT_FAIL, "cannot initialise GnuPG/libgcrypt; is gnupg installed?");
	return c->cmd->flags & NEEDS_VAULT ? open_vault(c) : 0;
}

/*
 * Through casevaultd the client is answered before the command's end: what
 * the library leaves for it (a reader's audit checkpoint, a gpg signature)
 * is not the person's to wait for (docs/service.md, Speed).
 */
void cli_end(cli_ctx *c, int r)
{
	/* what the library noted on the way (an unlock that made this manager the anchor), once */
	if (r == EXIT_OK)
		cli_notices_from(c, 0);
	if (c->svc && c->svc->answer)
		c->svc->answer(c->svc->answer_ctx, r);
	cv_vault_finish(c->v);
	if (r == EXIT_OK)
		cli_notices_from(c, 0);
	cv_vault_close(c->v);
	c->v = NULL;
}

/*
 * Read one line from the client's terminal (its standard input), not echoed.
 * Echo goes off, and what was typed before goes, before the prompt is shown:
 * a passphrase typed once the prompt is there is never flushed or echoed.
 */
int cli_prompt_hidden(const char *prompt, char *buf, size_t bufsize)
{
	struct termios old, quiet;
	size_t len = 0;
	char ch;
	int echo_off;

	echo_off = tcgetattr(0, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	fputs(prompt, stderr);
	fflush(stderr);
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
	return cli_tty_passphrase_cb(NULL, staff_id, 0, buf, bufsize);
}

int cli_tty_passphrase_cb(void *hook, const char *staff_id, int prev_was_bad, char *buf, size_t bufsize)
{
	char prompt[80];

	(void)hook;
	if (prev_was_bad || !isatty(0))
		return -1;
	snprintf(prompt, sizeof(prompt), "Passphrase of staff member %s: ", staff_id ? staff_id : "");
	return cli_prompt_hidden(prompt, buf, bufsize);
}

int cli_service_actor(cli_ctx *c)
{
	const char *me;
	int r;

	cv_vault_set_os_uid(c->v, c->svc->uid);
	cv_vault_set_passphrase_cb(c->v, service_passphrase, (void *)c->svc);
	if ((r = cv_vault_set_actor(c->v, NULL)) == CV_ENOTFOUND)
		return cli_fail_lib(c, EXIT_FAIL, r, "OS user %ld is no staff member of this vault; a manager registers you "
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

