/*
 * casevault - command runner: global options, the command table, option
 * parsing from per-command tables (so --help and docs/ cannot drift), and
 * one place that turns library codes into exit status and messages.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
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
#include "casevault/text.h"

const cli_opt cli_no_opts[] = { CLI_OPT_END };

static const cli_opt global_opts[] = {
	{ "vault", 'C', "DIR", "the vault directory (default: $CASEVAULT_DIR)", NULL },
	{ "json", 0, NULL, "machine-readable output on standard output", NULL },
	{ "as", 0, "STAFF-ID", "act as this staff member (default: the one registered for this OS user)", NULL },
	{ "passphrase-file", 0, "FILE", "read the staff passphrase from FILE (default: $CASEVAULT_PASSPHRASE_FILE, else pinentry)", NULL },
	{ "help", 'h', NULL, "show this help", NULL },
	CLI_OPT_END
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

/*
 * JSON fails closed (docs/commands/README.md, "Text and JSON"): the first
 * jansson call that fails, anywhere in a command, is recorded here; the
 * output is then an error and the exit status 1, never a document that
 * says "ok" without one of its items.
 */
static int json_failed;

void cli_jset(json_t *obj, const char *key, json_t *val)
{
	cv_json_set(&json_failed, obj, key, val);
}

void cli_jpush(json_t *arr, json_t *val)
{
	cv_json_push(&json_failed, arr, val);
}

int cli_json_failed(void)
{
	return json_failed;
}

/* Text shown by cli_show that had to be mended, freed at exit. */
static char **mended;
static size_t nmended;

static const char *mend(const char *s, int kind)
{
	char **nm, *d;

	if (!s || cv_text_check_str(s, kind, NULL) == CV_TEXT_OK)
		return s;
	if (!(d = cv_text_display(s, kind)) || !(nm = realloc(mended, (nmended + 1) * sizeof(*nm)))) {
		free(d);
		return "\xef\xbf\xbd";  /* out of memory: the value shows as one U+FFFD, its line stays */
	}
	mended = nm;
	mended[nmended++] = d;
	return d;
}

const char *cli_show(const char *s)
{
	return mend(s, CV_TEXT_LINE);
}

json_t *cli_jtext(const char *s)
{
	return s ? json_string(mend(s, CV_TEXT_ANY)) : json_null();
}

static void forget_mended(void)
{
	while (nmended > 0)
		free(mended[--nmended]);
	free(mended);
	mended = NULL;
}

json_t *cli_jid(long id)
{
	char buf[24];

	if (!id)
		return json_null();
	snprintf(buf, sizeof(buf), "%ld", id);
	return json_string(buf);
}

json_t *cli_jwords(const char *s)
{
	json_t *arr = json_array();
	const char *p = s ? s : "";

	while (arr && *p) {
		size_t n = strcspn(p, " ");
		char *w = n ? strndup(p, n) : NULL;

		if (n && !w)
			json_failed = 1;  /* out of memory: never a list short of an id */
		else if (n)
			cli_jpush(arr, cli_jtext(w));
		free(w);
		p += n;
		p += strspn(p, " ");
	}
	if (!arr)
		json_failed = 1;
	return arr;
}

void cli_json_out(json_t *j)
{
	char *s = j && !json_failed ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	if (!s) {
		json_failed = 1;
		fputs("{\"ok\": false, \"code\": \"json\", \"error\": \"the JSON output could not be made (an item could not be encoded); "
		      "nothing was printed rather than an incomplete list\", \"exit\": 1}\n", stdout);
		fprintf(stderr, "casevault: the JSON output could not be made (an item could not be encoded); "
			"run the command without --json, and 'casevault verify'\n");
		return;
	}
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
}

json_t *cli_json_array(const void *items, size_t n, size_t size, cli_item_json fn, int arg)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		json_failed = 1;
	for (i = 0; arr && i < n; i++)
		cli_jpush(arr, fn((const char *)items + i * size, arg));
	return arr;
}

int cli_done(cli_ctx *c, json_t *j, const char *fmt, ...)
{
	va_list ap;

	if (c->json) {
		cli_json_out(j);
		return EXIT_OK;
	}
	json_decref(j);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	return EXIT_OK;
}

/*
 * The one table of error codes a script matches in --json output
 * (docs/json.md, Errors): the library's CV_E* code where the failure came
 * from the library, else the exit status (1 "failed", 2 "usage").
 */
static const struct {
	int lib;
	const char *code;
} error_codes[] = {
	{ CV_ENOTFOUND, "not-found" },
	{ CV_EEXISTS, "exists" },
	{ CV_EREFUSED, "refused" },
	{ CV_EBADPASS, "bad-passphrase" },
	{ CV_ECORRUPT, "corrupt" },
	{ CV_EHELD, "held" },
	{ CV_EINVAL, "invalid" },
	{ CV_ELOCKED, "locked" },
	{ CV_EPOLICY, "bad-policy" },
};

const char *cli_error_code(int lib_code, int exit_code)
{
	size_t i;

	for (i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (error_codes[i].lib == lib_code)
			return error_codes[i].code;
	return exit_code == EXIT_USAGE ? "usage" : "failed";
}

__attribute__((format(printf, 4, 0)))
static int vfail(cli_ctx *c, int exit_code, int lib_code, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* one line, always */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	/* a message may quote a value that is not UTF-8 (the value refused) */
	fprintf(stderr, "casevault: %s\n", cli_show(msg));
	if ((c && c->json) || json_mode) {
		/* printed even after a failed JSON call: this error is the answer then */
		int failed = json_failed;

		json_failed = 0;
		cli_json_out(json_pack("{s:b, s:s, s:o, s:i}", "ok", 0, "code", cli_error_code(lib_code, exit_code),
				       "error", cli_jtext(msg), "exit", exit_code));
		json_failed |= failed;
	}
	return exit_code;
}

int cli_fail(cli_ctx *c, int exit_code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, exit_code, 0, fmt, ap);
	va_end(ap);
	return r;
}

int cli_fail_lib(cli_ctx *c, int exit_code, int lib_code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, exit_code, lib_code, fmt, ap);
	va_end(ap);
	return r;
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

/*
 * Personal values given as "-" (see cli_opt.personal): read from standard
 * input, one line each, in the order their words stand on the command line,
 * after a prompt when standard input is a terminal.  Read one byte at a time
 * so that nothing after the last line is taken: note reads the rest as its
 * text, and several commands can share one input, each taking its lines.
 */
#define STDIN_VALUE_MAX 131071  /* the longest single argument Linux passes (MAX_ARG_STRLEN - 1) */

struct stdin_value {
	size_t pos;  /* its word's place on the command line */
	int opt;     /* index in cmd->opts, or -1 for a positional argument */
	int arg;     /* index in c->argv when opt < 0 */
};

static char *stdin_values[CLI_MAX_OPTS + CLI_PERSONAL_ARGS];
static size_t nstdin_values;

/* The place of the command-line word that holds p: the word itself, or its
 * value part ("--parent=-", "-x-"); getopt permutes argv, words is a copy. */
static size_t word_of(char *const *words, int nwords, const char *p)
{
	int k;

	for (k = 0; k < nwords; k++) {
		const char *eq = strchr(words[k], '=');

		if (p == words[k] || (eq && p == eq + 1) ||
		    (words[k][0] == '-' && words[k][1] && words[k][1] != '-' && p == words[k] + 2))
			return (size_t)k;
	}
	return (size_t)nwords;
}

/* The personal values given as "-", in command-line order. */
static size_t collect_stdin_values(const cli_ctx *c, char *const *words, int nwords, struct stdin_value *sv)
{
	const cli_cmd *cmd = c->cmd;
	size_t n = 0, i, j;

	for (i = 0; cmd->opts && cmd->opts[i].name; i++)
		if (cmd->opts[i].personal && c->val[i] && !strcmp(c->val[i], "-")) {
			sv[n].pos = word_of(words, nwords, c->val[i]);
			sv[n].opt = (int)i;
			sv[n++].arg = -1;
		}
	for (i = 0; i < CLI_PERSONAL_ARGS && (int)i < c->argc; i++)
		if (cmd->personal_args[i] && !strcmp(c->argv[i], "-")) {
			sv[n].pos = word_of(words, nwords, c->argv[i]);
			sv[n].opt = -1;
			sv[n++].arg = (int)i;
		}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && sv[j - 1].pos > sv[j].pos; j--) {
			struct stdin_value t = sv[j];
			sv[j] = sv[j - 1];
			sv[j - 1] = t;
		}
	return n;
}

/* Word number i (from 0) of a command's argument synopsis ("CASE NAME"). */
void cli_arg_word(const cli_cmd *cmd, int i, char *buf, size_t len)
{
	const char *p = cmd->args ? cmd->args : "";
	size_t l;

	for (;;) {
		p += strspn(p, " ");
		l = strcspn(p, " ");
		if (!i-- || !*p)
			break;
		p += l;
	}
	snprintf(buf, len, "%.*s", (int)l, p);
}

static void wipe_free(char *buf, size_t len)
{
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
}

/* One value: a new string, or an exit code (one line already reported). */
static int read_stdin_value(cli_ctx *c, const struct stdin_value *sv, char **out)
{
	const cli_cmd *cmd = c->cmd;
	char label[80], word[32], *buf = NULL, ch;
	size_t len = 0, alloc = 0;
	int newline = 0, nul = 0, tty = isatty(0);
	ssize_t got;

	if (sv->opt >= 0) {
		snprintf(label, sizeof(label), "--%s", cmd->opts[sv->opt].name);
	} else {
		cli_arg_word(cmd, sv->arg, word, sizeof(word));
		snprintf(label, sizeof(label), "the %s argument", word);
	}
	if (tty) {
		fprintf(stderr, "%s: ", sv->opt >= 0 ? cmd->opts[sv->opt].personal : cmd->personal_args[sv->arg]);
		fflush(stderr);
	}
	for (;;) {
		got = read(0, &ch, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			wipe_free(buf, alloc);
			return cli_fail(c, EXIT_FAIL, "cannot read the value of %s from standard input: %s", label, strerror(e));
		}
		if (got == 0)
			break;
		if (ch == '\n') {
			newline = 1;
			break;
		}
		if (len == STDIN_VALUE_MAX) {
			wipe_free(buf, alloc);
			return cli_fail(c, EXIT_USAGE, "the line for %s on standard input is longer than %d bytes; give a shorter value",
					label, STDIN_VALUE_MAX);
		}
		if (len + 1 >= alloc) {
			/* grow by hand: realloc could leave a copy of the value behind unwiped */
			size_t na = alloc ? alloc * 2 : 128;
			char *nb = malloc(na);

			if (!nb) {
				wipe_free(buf, alloc);
				return cli_fail(c, EXIT_FAIL, "out of memory");
			}
			if (buf)
				memcpy(nb, buf, len);
			wipe_free(buf, alloc);
			buf = nb;
			alloc = na;
		}
		if (!ch)
			nul = 1;
		buf[len++] = ch;
	}
	if (len && buf[len - 1] == '\r')
		len--;
	if (!len || nul) {
		wipe_free(buf, alloc);
		if (nul)
			return cli_fail(c, EXIT_USAGE, "the line for %s on standard input holds a NUL byte; give the value as text", label);
		if (tty && !newline)
			fputc('\n', stderr);  /* Ctrl-D left the cursor after the prompt */
		if (tty)
			return cli_fail(c, EXIT_USAGE, "nothing was typed for %s; type the value at the prompt, then Enter", label);
		if (newline)
			return cli_fail(c, EXIT_USAGE, "the line for %s on standard input is empty; give each '-' value on its own line, in command-line order", label);
		return cli_fail(c, EXIT_USAGE, "standard input ended before the value of %s; give one line for each '-' value, in command-line order", label);
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/*
 * A date option or argument (DATE, D) must be written YYYY-MM-DD.
 * 01/02/2019 is 1 February in the UK and 2 January elsewhere: it is
 * refused, never guessed, with the form to type (docs/commands/README.md,
 * "Dates").  Whether the date is real (no 30 February) is the library's
 * check.  0, or 1 with the one-line reason in msg.
 */
static int date_problem(const char *label, const char *val, int personal, char *msg, size_t len)
{
	int d = 0, m = 0, y = 0, end = 0;
	size_t i;

	for (i = 0; val[i] && i < 10; i++)
		if (!(i == 4 || i == 7 ? val[i] == '-' : val[i] >= '0' && val[i] <= '9'))
			break;
	if (i == 10 && !val[10])
		return 0;
	/* a date of birth is personal data: neither it nor its numbers go in the message */
	if (personal)
		snprintf(msg, len, "%s is not a date written YYYY-MM-DD: write dates as YYYY-MM-DD "
			 "(e.g. 2019-02-01 for 1 February 2019)", label);
	else if (sscanf(val, "%2d%*[/.-]%2d%*[/.-]%4d%n", &d, &m, &y, &end) == 3 && !val[end] && y >= 1000)
		snprintf(msg, len, "%s '%s' is not a date written YYYY-MM-DD: write dates as YYYY-MM-DD "
			 "(e.g. %04d-%02d-%02d); day and month are never guessed", label, val, y, m, d);
	else
		snprintf(msg, len, "%s '%s' is not a date written YYYY-MM-DD: write dates as YYYY-MM-DD "
			 "(e.g. 2019-02-01 for 1 February 2019)", label, val);
	return 1;
}

static int is_date_word(const char *w)
{
	return w && (!strcmp(w, "DATE") || !strcmp(w, "D"));
}

static int check_date(cli_ctx *c, const char *label, const char *val, int personal)
{
	char msg[512];

	return date_problem(label, val, personal, msg, sizeof(msg)) ? cli_fail_lib(c, EXIT_USAGE, CV_EINVAL, "%s", msg) : 0;
}

/* Tries at a prompt before a badly written value ends the command. */
#define PROMPT_TRIES 3

/*
 * One "-" value; at a terminal a date not written YYYY-MM-DD is asked for
 * again (up to PROMPT_TRIES times), so the values typed before it are not
 * lost (docs/commands/README.md, "Keeping personal data off the command line").
 */
static int read_checked_value(cli_ctx *c, const struct stdin_value *sv, char **out)
{
	char word[32], label[80], msg[512];
	int r, tries;

	if (sv->opt >= 0) {
		snprintf(word, sizeof(word), "%s", c->cmd->opts[sv->opt].arg ? c->cmd->opts[sv->opt].arg : "");
		snprintf(label, sizeof(label), "--%s", c->cmd->opts[sv->opt].name);
	} else {
		cli_arg_word(c->cmd, sv->arg, word, sizeof(word));
		snprintf(label, sizeof(label), "the %s argument", word);
	}
	for (tries = 1;; tries++) {
		if ((r = read_stdin_value(c, sv, out)) != 0)
			return r;
		if (!isatty(0) || !is_date_word(word) || !date_problem(label, *out, 1, msg, sizeof(msg)))
			return 0;
		wipe_free(*out, strlen(*out));
		*out = NULL;
		if (tries == PROMPT_TRIES)
			return cli_fail_lib(c, EXIT_USAGE, CV_EINVAL, "%s", msg);
		fprintf(stderr, "casevault: %s; try again\n", msg);
	}
}

/* Replace every "-" of a personal value by the line read for it. */
static int read_stdin_values(cli_ctx *c, const struct stdin_value *sv, size_t n)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		char *v = NULL;

		if ((r = read_checked_value(c, &sv[i], &v)) != 0)
			return r;
		stdin_values[nstdin_values++] = v;
		if (sv[i].opt >= 0)
			c->val[sv[i].opt] = v;
		else
			c->argv[sv[i].arg] = v;
	}
	return 0;
}

static void forget_stdin_values(void)
{
	while (nstdin_values > 0) {
		char *v = stdin_values[--nstdin_values];
		wipe_free(v, strlen(v));
	}
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

/* Which values are personal data, and how to keep them off the command line. */
static void print_personal(FILE *f, const cli_cmd *cmd)
{
	const cli_opt *o;
	char word[32];
	int i, n = 0;

	for (i = 0; i < CLI_PERSONAL_ARGS; i++)
		if (cmd->personal_args[i]) {
			cli_arg_word(cmd, i, word, sizeof(word));
			fprintf(f, "%s%s", n++ ? ", " : "\npersonal data: ", word);
		}
	for (o = cmd->opts; o && o->name; o++)
		if (o->personal)
			fprintf(f, "%s--%s", n++ ? ", " : "\npersonal data: ", o->name);
	if (n)
		fprintf(f, ".\nGive - instead of such a value to type it at a prompt, or to read it from standard\n"
			   "input (one line each, in command-line order): it then stays out of your shell\n"
			   "history and of the process list that every local user can read.\n");
}

static void usage_cmd(FILE *f, const cli_cmd *cmd)
{
	fprintf(f, "usage: casevault %s%s%s [options]\n\n%s\n\noptions:\n", cmd->name,
		cmd->args && *cmd->args ? " " : "", cmd->args ? cmd->args : "", cmd->summary);
	print_opts(f, cmd->opts);
	print_personal(f, cmd);
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
	for (i = 0; cli_commands[i]; i++)
		fprintf(f, "  %-20s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fprintf(f, "\n'casevault COMMAND --help' describes a command, 'casevault --version' tells the version;\n"
		   "docs/ has the manual.\n");
}

static const cli_cmd *find_cmd(int argc, char **argv, int *consumed)
{
	int i;

	for (i = 0; cli_commands[i]; i++) {
		/* "file", "case open", "case person add": one word of argv per word of the name */
		const char *n = cli_commands[i]->name;
		int w = 0;

		while (w < argc) {
			const char *sp = strchr(n, ' ');
			size_t l = sp ? (size_t)(sp - n) : strlen(n);

			if (strlen(argv[w]) != l || strncmp(argv[w], n, l))
				break;
			w++;
			if (!sp) {
				*consumed = w;
				return cli_commands[i];
			}
			n = sp + 1;
		}
	}
	return NULL;
}

/* Decrypted documents and keys pass through this process. */
static void harden_process(void)
{
	struct rlimit rl;

	signal(SIGPIPE, SIG_IGN);
	umask(077);
	/* No core dumps, and no ptrace by other processes of the same user. */
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Imports hold one descriptor per document of a case. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* A global option that takes a value, by name: where it goes in c. */
static const char **global_slot(cli_ctx *c, const char *name)
{
	if (!strcmp(name, "vault"))
		return &c->vault_dir;
	if (!strcmp(name, "as"))
		return &c->as;
	if (!strcmp(name, "passphrase-file"))
		return &c->passphrase_file;
	return NULL;
}

/*
 * Leading global options before the command word (-C DIR, --as=ID...).
 * Returns the index of the command word, or -1 after printing the help.
 */
static int leading_globals(cli_ctx *c, int argc, char **argv)
{
	static const char *const valued[] = { "vault", "as", "passphrase-file" };
	int first = 1;
	size_t k;

	while (first < argc && argv[first][0] == '-') {
		const char *a = argv[first];
		int took = 0;

		if (!strcmp(a, "--json")) {
			c->json = json_mode = 1;
			took = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_all(stdout);
			return -1;
		} else if (!strcmp(a, "--version")) {
			printf("casevault %s\n", CASEVAULT_VERSION);
			return -1;
		} else if (!strcmp(a, "-C") && first + 1 < argc) {
			c->vault_dir = argv[first + 1];
			took = 2;
		}
		for (k = 0; !took && k < sizeof(valued) / sizeof(valued[0]); k++) {
			size_t n = strlen(valued[k]);

			if (strncmp(a, "--", 2) || strncmp(a + 2, valued[k], n))
				continue;
			if (a[2 + n] == '=') {
				*global_slot(c, valued[k]) = a + 3 + n;
				took = 1;
			} else if (!a[2 + n] && first + 1 < argc) {
				*global_slot(c, valued[k]) = argv[first + 1];
				took = 2;
			}
		}
		if (!took)
			break;
		first += took;
	}
	return first;
}

/* Add one option table to the getopt tables; its entries are numbered from base. */
static void add_opts(const cli_opt *opts, int base, struct option *lopts, int *nl, char *shorts, int *ns)
{
	int i;

	for (i = 0; opts && opts[i].name; i++) {
		lopts[*nl].name = opts[i].name;
		lopts[*nl].has_arg = opts[i].arg ? required_argument : no_argument;
		lopts[*nl].flag = NULL;
		lopts[*nl].val = base + i;
		(*nl)++;
		if (opts[i].shortopt) {
			shorts[(*ns)++] = (char)opts[i].shortopt;
			if (opts[i].arg)
				shorts[(*ns)++] = ':';
		}
	}
}

/* A short option's number in the getopt tables (1000 + i: the command's, 2000 + i: global). */
static int short_to_index(const cli_cmd *cmd, int opt)
{
	int i;

	for (i = 0; cmd->opts && cmd->opts[i].name; i++)
		if (cmd->opts[i].shortopt == opt)
			return 1000 + i;
	for (i = 0; global_opts[i].name; i++)
		if (global_opts[i].shortopt == opt)
			return 2000 + i;
	return opt;
}

static void set_option(cli_ctx *c, const cli_cmd *cmd, int opt, int *help)
{
	if (opt >= 2000) {
		const char *gn = global_opts[opt - 2000].name;
		const char **slot = global_slot(c, gn);

		if (slot)
			*slot = optarg;
		else if (!strcmp(gn, "json"))
			c->json = json_mode = 1;
		else if (!strcmp(gn, "help"))
			*help = 1;
	} else if (opt >= 1000) {
		c->val[opt - 1000] = cmd->opts[opt - 1000].arg ? optarg : "1";
	}
}

/*
 * The command's options and arguments (words after the command name).
 * 0, -1 after printing the command's help, or an exit status.
 */
static int parse_command(cli_ctx *c, const cli_cmd *cmd, int sub_argc, char **sub_argv,
			 struct stdin_value *sv, size_t *nsv)
{
	struct option lopts[2 * CLI_MAX_OPTS + 1];
	char shorts[64], **words;
	int nl = 0, ns = 0, opt, idx, help = 0;

	shorts[ns++] = ':';
	add_opts(cmd->opts, 1000, lopts, &nl, shorts, &ns);
	add_opts(global_opts, 2000, lopts, &nl, shorts, &ns);
	memset(&lopts[nl], 0, sizeof(lopts[nl]));
	shorts[ns] = '\0';
	/* the words in their order: getopt permutes sub_argv */
	if (!(words = malloc((size_t)sub_argc * sizeof(char *))))
		return cli_fail(c, EXIT_FAIL, "out of memory");
	memcpy(words, sub_argv, (size_t)sub_argc * sizeof(char *));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(sub_argc, sub_argv, shorts, lopts, &idx)) != -1) {
		if (opt == '?' || opt == ':') {
			const char *bad = sub_argv[optind - 1];

			free(words);
			return cli_fail(c, EXIT_USAGE, "%s option '%s' for 'casevault %s'; see 'casevault %s --help'",
					opt == ':' ? "missing value for" : "unknown", bad, cmd->name, cmd->name);
		}
		set_option(c, cmd, opt < 1000 ? short_to_index(cmd, opt) : opt, &help);
	}
	c->argc = sub_argc - optind;
	c->argv = sub_argv + optind;
	*nsv = collect_stdin_values(c, words, sub_argc, sv);
	free(words);
	if (help) {
		usage_cmd(stdout, cmd);
		return -1;
	}
	return 0;
}

/* An empty environment variable or option is no value. */
static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static int settle_globals(cli_ctx *c)
{
	int r;

	if (c->svc) {  /* the service's vault, the client's passphrase (cli/svcmode.c) */
		if ((r = cli_service_refuse(c)) != 0)
			return r;
		c->vault_dir = c->svc->vault_dir;
		return 0;
	}
	if (!c->vault_dir)
		c->vault_dir = getenv("CASEVAULT_DIR");
	c->vault_dir = nonempty(c->vault_dir);
	if (!c->passphrase_file)
		c->passphrase_file = getenv("CASEVAULT_PASSPHRASE_FILE");
	c->passphrase_file = nonempty(c->passphrase_file);
	if (c->passphrase_file && access(c->passphrase_file, R_OK) < 0)
		return cli_fail(c, EXIT_USAGE, "cannot read the passphrase file %s: %s", c->passphrase_file, strerror(errno));
	return 0;
}

/*
 * "casevault case --help", "casevault request": the first word of several
 * commands on its own lists them on f (NULL: only whether it is a group);
 * 1 for a group, 0 when word names none.
 */
static int usage_group(FILE *f, const char *word)
{
	size_t l = strlen(word);
	int i, n = 0;

	for (i = 0; cli_commands[i]; i++)
		if (!strncmp(cli_commands[i]->name, word, l) && cli_commands[i]->name[l] == ' ') {
			if (f && !n)
				fprintf(f, "usage: casevault %s SUBCOMMAND [ARGS]\n\n", word);
			if (f)
				fprintf(f, "  %-20s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
			n++;
		}
	if (f && n)
		fprintf(f, "\n'casevault %s SUBCOMMAND --help' describes one.\n", word);
	return n > 0;
}

/* Edit distance (insert, delete, change, swap two neighbours), for did-you-mean. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[32][32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

/* The command word closest to a mistyped one (at most 2 edits), or NULL. */
static const char *nearest_word(const char *word)
{
	const char *best = NULL;
	char first[32];
	size_t bd = 3, d;
	int i;

	for (i = 0; cli_commands[i]; i++) {
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(cli_commands[i]->name, " "), cli_commands[i]->name);
		if ((d = distance(word, first)) < bd) {
			bd = d;
			best = cli_commands[i]->name;
		}
	}
	return best;
}

static int unknown_command(cli_ctx *c, const char *word)
{
	const char *near = nearest_word(word);
	char first[32];

	if (!near)
		return cli_fail(c, EXIT_USAGE, "unknown command '%s'; see 'casevault --help'", word);
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(near, " "), near);
	return cli_fail(c, EXIT_USAGE, "unknown command '%s'; did you mean '%s'? see 'casevault --help'", word, first);
}

/* Whether a command names a new file to write (cli/svcmode.c's table of file words). */
static int writes_file(const cli_cmd *cmd)
{
	const cli_file_word *w = cli_file_word_of(cmd, NULL);
	int i;

	if (w && w->write)
		return 1;
	for (i = 0; cmd->opts && cmd->opts[i].name; i++)
		if ((w = cli_file_word_of(cmd, cmd->opts[i].name)) && w->write)
			return 1;
	return 0;
}

/* An option table as JSON: [{"name": "--class", "short": "", "arg": "CLASS"}, ...]. */
static json_t *opts_json(const cli_opt *opts)
{
	json_t *arr = json_array();
	char sh[3] = "";
	int i;

	for (i = 0; opts && opts[i].name; i++) {
		sh[0] = '\0';
		if (opts[i].shortopt)
			snprintf(sh, sizeof(sh), "-%c", opts[i].shortopt);
		cli_jpush(arr, json_pack("{s:s+, s:s, s:s}", "name", "--", opts[i].name, "short", sh,
					 "arg", opts[i].arg ? opts[i].arg : ""));
	}
	return arr;
}

/*
 * 'casevault help --commands' (not listed: for tests and tools): the command
 * table as JSON, with whether each command writes record content out of the
 * vault (EXPORTS_CONTENT) and whether it writes a named file, so that a test
 * can run every way out and see its audit event (docs/legal-rules.md §17);
 * with each command's options and the global ones, from which the build
 * generates the bash completion (packaging/gen-completion.py).
 */
static void commands_json(void)
{
	json_t *arr = json_array();
	int i;

	for (i = 0; cli_commands[i]; i++)
		cli_jpush(arr, json_pack("{s:s, s:s, s:s, s:b, s:b, s:o}", "name", cli_commands[i]->name,
					 "args", cli_commands[i]->args ? cli_commands[i]->args : "",
					 "summary", cli_commands[i]->summary ? cli_commands[i]->summary : "",
					 "exports", (cli_commands[i]->flags & EXPORTS_CONTENT) != 0,
					 "writes_file", writes_file(cli_commands[i]),
					 "options", opts_json(cli_commands[i]->opts)));
	cli_json_out(json_pack("{s:b, s:o, s:o}", "ok", 1, "commands", arr,
			       "global_options", opts_json(global_opts)));
}

/* The command word(s), or a usage answer; NULL with *status set when done. */
static const cli_cmd *choose_command(cli_ctx *c, int argc, char **argv, int first, int *consumed, int *status)
{
	const cli_cmd *cmd;

	*status = EXIT_OK;
	if (first >= argc) {
		usage_all(stderr);
		*status = EXIT_USAGE;
		return NULL;
	}
	if (!strcmp(argv[first], "help")) {
		if (first + 1 < argc && !strcmp(argv[first + 1], "--commands"))
			commands_json();
		else if (first + 1 < argc && (cmd = find_cmd(argc - first - 1, argv + first + 1, consumed)))
			usage_cmd(stdout, cmd);
		else
			usage_all(stdout);
		return NULL;
	}
	cmd = find_cmd(argc - first, argv + first, consumed);
	if (cmd)
		return cmd;
	/* a group's word alone, or with --help: its subcommands */
	if (first + 1 == argc || !strcmp(argv[first + 1], "--help") || !strcmp(argv[first + 1], "-h")) {
		int help = first + 1 < argc;

		if (usage_group(help ? stdout : stderr, argv[first])) {
			*status = help ? EXIT_OK : EXIT_USAGE;
			return NULL;
		}
	} else if (usage_group(NULL, argv[first])) {
		*status = cli_fail(c, EXIT_USAGE, "unknown subcommand 'casevault %s %s'; see 'casevault %s --help'",
				   argv[first], argv[first + 1], argv[first]);
		return NULL;
	}
	*status = unknown_command(c, argv[first]);
	return NULL;
}

/*
 * Whether a value named by an argument word ("TITLE", "PATH...", "KEYFILE")
 * is a file name: those are the file system's bytes, not text, and are
 * left as they are.
 */
int cli_is_path_word(const char *w)
{
	return strstr(w, "PATH") || strstr(w, "FILE") || strstr(w, "DIR") || strstr(w, ".csv");
}

/* The kind of text an argument word holds: only a note's text may run over lines (reasons are one line). */
static int text_kind(const char *w)
{
	return !strcmp(w, "TEXT") ? CV_TEXT_LINES : CV_TEXT_LINE;
}

/* One value: 0, or the usage error naming it (docs/commands/README.md, "Text and JSON"). */
static int check_text(cli_ctx *c, const char *label, const char *word, const char *val)
{
	size_t at = 0;
	int why = cv_text_check_str(val, text_kind(word), &at);

	if (why == CV_TEXT_OK)
		return 0;
	if (why == CV_TEXT_NOT_UTF8)
		return cli_fail_lib(c, EXIT_USAGE, CV_EINVAL, "%s is not UTF-8 (byte %zu, 0x%02x); type it in UTF-8 or convert it "
				"(e.g. iconv -f windows-1252 -t utf-8)", label, at + 1, (unsigned char)val[at]);
	return cli_fail_lib(c, EXIT_USAGE, CV_EINVAL, "%s holds a control character (byte %zu, 0x%02x)%s; give it as plain text",
			label, at + 1, (unsigned char)val[at],
			text_kind(word) == CV_TEXT_LINE ? " and must be one line" : "");
}

/*
 * Every text value of the command line and of its "-" lines is UTF-8 with
 * no control characters (tab and newline in reasons and notes) before the
 * command runs, so that nothing else is stored, printed or put in JSON.
 */
static int check_text_values(cli_ctx *c)
{
	const cli_cmd *cmd = c->cmd;
	char label[80], word[32];
	int i, r;

	for (i = 0; cmd->opts && cmd->opts[i].name; i++) {
		if (!cmd->opts[i].arg || !c->val[i] || cli_is_path_word(cmd->opts[i].arg))
			continue;
		snprintf(label, sizeof(label), "--%s", cmd->opts[i].name);
		if ((r = check_text(c, label, cmd->opts[i].arg, c->val[i])) != 0)
			return r;
		if (is_date_word(cmd->opts[i].arg) && (r = check_date(c, label, c->val[i], cmd->opts[i].personal != NULL)) != 0)
			return r;
	}
	for (i = 0; i < c->argc; i++) {
		cli_arg_word(cmd, i, word, sizeof(word));
		if (!*word || strstr(word, "..."))  /* the rest are of the last word's kind */
			break;
		if (cli_is_path_word(word))
			continue;
		snprintf(label, sizeof(label), "the %s argument", word);
		if ((r = check_text(c, label, word, c->argv[i])) != 0)
			return r;
		if (is_date_word(word) && (r = check_date(c, label, c->argv[i],
							  i < CLI_PERSONAL_ARGS && cmd->personal_args[i])) != 0)
			return r;
	}
	return 0;
}

/* The command line as given, for the client (getopt permutes argv). */
static int given_argc;
static char **given_argv;

/*
 * A vault this OS user may not enter is another account's, most likely a
 * service vault (docs/service.md): the command goes to casevaultd at its
 * usual socket when there is one, else the answer says so rather than
 * "no vault at ...".  1 when answered (*status set), else 0.
 */
static int not_mine(cli_ctx *c, int *status)
{
	if (access(c->vault_dir, X_OK) == 0 || errno != EACCES)
		return 0;
	if (access(CLI_DEFAULT_SOCKET, F_OK) == 0 && given_argv)
		*status = cli_client_run(CLI_DEFAULT_SOCKET, given_argc, given_argv, c);
	else
		*status = cli_fail(c, EXIT_FAIL, "permission denied: the vault at %s belongs to another OS account; reach a "
				   "service vault through casevaultd (CASEVAULT_SOCKET=PATH), or run casevault as the vault's owner",
				   c->vault_dir);
	return 1;
}

/*
 * Whether standard output is a pipe nobody reads any more.  SIGPIPE is
 * ignored (harden_process), so a write to it fails with EPIPE; stdio may
 * have met that on an earlier write and left errno since, so ask the pipe.
 */
static int reader_gone(void)
{
	struct pollfd p = { 1, POLLOUT, 0 };
	struct stat sb;

	return fstat(1, &sb) == 0 && S_ISFIFO(sb.st_mode) && poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* The command's exit status once its output is flushed. */
static int flushed(int r)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE || reader_gone())
			return r;  /* "... | head": the reader stopped reading (docs/commands/README.md, Exit status) */
		fprintf(stderr, "casevault: cannot write output: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	return json_failed && r == EXIT_OK ? EXIT_FAIL : r;
}

/* Run the command; stdout is flushed, then the vault closed, on every path. */
static int run(cli_ctx *c, const cli_cmd *cmd, struct stdin_value *sv, size_t nsv)
{
	int r;

	if (!c->svc && (cmd->flags & NEEDS_VAULT) && c->vault_dir && not_mine(c, &r))
		return r;
	r = cli_begin(c);
	/* Values given as "-" are read last, so that a wrong vault or staff
	 * member is reported before anyone types a name. */
	if (r == 0)
		r = read_stdin_values(c, sv, nsv);
	if (r == 0)
		r = check_text_values(c);
	if (r == 0)
		r = cmd->fn(c);
	forget_stdin_values();
	r = flushed(r);
	cli_end(c, r);
	return r;
}

/* The client's copy of the command line as given (freed at exit). */
static void keep_given(int argc, char **argv)
{
	if ((given_argv = malloc(((size_t)argc + 1) * sizeof(char *)))) {
		memcpy(given_argv, argv, ((size_t)argc + 1) * sizeof(char *));
		given_argc = argc;
	}
}

static void forget_given(void)
{
	free(given_argv);
	given_argv = NULL;
}

int cli_main(int argc, char **argv, const cli_service *svc)
{
	struct stdin_value sv[CLI_MAX_OPTS + CLI_PERSONAL_ARGS];
	const cli_cmd *cmd;
	const char *sock;
	cli_ctx c;
	int first, consumed = 0, r;
	size_t nsv = 0;

	harden_process();
	atexit(forget_mended);
	memset(&c, 0, sizeof(c));
	c.svc = svc;
	if (!svc) {
		keep_given(argc, argv);
		atexit(forget_given);
	}
	if ((first = leading_globals(&c, argc, argv)) < 0)
		return EXIT_OK;
	if (!(cmd = choose_command(&c, argc, argv, first, &consumed, &r)))
		return r;
	c.cmd = cmd;
	r = parse_command(&c, cmd, argc - first - consumed + 1, argv + first + consumed - 1, sv, &nsv);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (c.argc < cmd->min_args || (cmd->max_args >= 0 && c.argc > cmd->max_args))
		return cli_fail(&c, EXIT_USAGE, "usage: casevault %s %s; see 'casevault %s --help'",
				cmd->name, cmd->args ? cmd->args : "", cmd->name);
	/* the client parses first: it opens the files the command line names (docs/service.md, Named files) */
	if (!svc && (sock = cli_client_socket()))
		return cli_client_run(sock, given_argc, given_argv, &c);
	if ((r = settle_globals(&c)) != 0)
		return r;
	return run(&c, cmd, sv, nsv);
}
