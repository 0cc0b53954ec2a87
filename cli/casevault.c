/*
 * casevault - the program: the command line (cli/main.c), run here in
 * direct mode or sent to casevaultd when the vault is a service's.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv, NULL);
}
