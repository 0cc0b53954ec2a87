/*
 * casevault - the command a person types (docs/service.md, Speed).  This
 * small program holds the command line's parser, its option tables (a
 * generated copy of cli/commands.c without the commands) and the client of
 * casevaultd (cli/client.c), and none of the library: it starts in about a
 * millisecond, where the direct program loads some fifty shared libraries
 * first.  When a casevaultd serves the vault it sends the command there
 * itself; otherwise it hands the command line as given to the direct
 * program, casevault-direct, which parses it again and runs it: output,
 * messages and exit status are that program's.  casevault-direct is found
 * beside this program (a build tree) or in its libexec directory, relative
 * to /proc/self/exe, never through PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The command line as given: getopt permutes argv while the thin client parses it. */
static char **given;

/* casevault-direct beside this program (a build tree), else in its libexec directory: into out. */
static int find_direct(char *dir, size_t dirlen, char *out, size_t len)
{
	char *slash;
	ssize_t n = readlink("/proc/self/exe", dir, dirlen - 1);

	if (n <= 0) {
		snprintf(dir, dirlen, "(the directory of /proc/self/exe)");
		return -1;
	}
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	snprintf(out, len, "%s/casevault-direct", dir);
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, len, "%s/%s/casevault-direct", dir, CV_DIRECT_RELDIR);
	return access(out, X_OK);
}

/*
 * The direct program, in this process, on the command line as given; returns
 * only if it cannot start.  It is casevault's own second half, not a tool
 * standing in for a library: found beside this program or at its install
 * path relative to /proc/self/exe, never through PATH (docs/service.md,
 * Speed), so whoever could replace it could replace this program too.
 */
static int exec_direct(cli_ctx *c)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];

	if (find_direct(dir, sizeof(dir), path, sizeof(path)) < 0)
		return cli_fail(c, EXIT_FAIL, "cannot find casevault-direct in %s or %s/%s; reinstall casevault",
				dir, dir, CV_DIRECT_RELDIR);
	fflush(NULL);
	execv(path, given);
	return cli_fail(c, EXIT_FAIL, "cannot start %s: %s; reinstall casevault", path, strerror(errno));
}

/* The command needs the library: the direct program runs it (a vault of the person's own). */
int cli_begin(cli_ctx *c)
{
	return exec_direct(c);
}

void cli_end(cli_ctx *c, int r)
{
	(void)c;
	(void)r;
}

/*
 * import through casevaultd: the manifest is read with the filing's own
 * parser before anything is sent, which is the library's; the direct
 * program, acting as the client, does the whole command (nothing has been
 * sent yet, and the manifest's descriptor closes on exec).
 */
int cli_import_each_path(cli_ctx *c, int fd, cli_import_path_fn fn, void *hook)
{
	(void)fd;
	(void)fn;
	(void)hook;
	return exec_direct(c);
}

int main(int argc, char **argv)
{
	if (!(given = malloc(((size_t)argc + 1) * sizeof(char *)))) {
		fputs("casevault: out of memory\n", stderr);
		return EXIT_FAIL;
	}
	memcpy(given, argv, ((size_t)argc + 1) * sizeof(char *));
	return cli_main(argc, argv, NULL);
}
