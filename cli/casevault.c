/*
 * casevault-direct - the program of the direct mode: the command line
 * (cli/main.c) with the library, run on a vault of the person's own.  The
 * command a person types is the thin client (cli/thin.c), which hands the
 * command line over to this program when no casevaultd serves the vault
 * (docs/service.md, Speed).
 */
#include <sys/prctl.h>

#include "cli.h"

int main(int argc, char **argv)
{
	/* the process keeps the name people and tools know it by (ps, /proc/PID/comm) */
	prctl(PR_SET_NAME, "casevault", 0, 0, 0);
	return cli_main(argc, argv, NULL);
}
