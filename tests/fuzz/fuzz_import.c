/*
 * libFuzzer target: the CSV manifest of `casevault import` (cli/cmd_file.c),
 * through cli_import_each_path, the pass that reads the whole manifest
 * before anything is filed (libcsv, the byte-order mark, the UTF-8 and NUL
 * checks, --encoding, the field length cap; docs/commands/import.md).  The
 * first input byte picks --encoding (none, windows-1252, iso-8859-1); the
 * rest is the file.  Every path handed on must be a whole C string.  Build
 * with -DBUILD_FUZZERS=ON and clang; run: scripts/fuzz.sh SECONDS
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"

extern const cli_cmd cmd_import_spec;

static int each(void *hook, const char *path)
{
	size_t *n = hook;

	if (!path || strlen(path) > 64 * 1024 + 4096)
		abort();
	(*n)++;
	return 0;
}

static int encoding_index(void)
{
	int i;

	for (i = 0; cmd_import_spec.opts[i].name; i++)
		if (!strcmp(cmd_import_spec.opts[i].name, "encoding"))
			return i;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const enc[] = { NULL, "windows-1252", "iso-8859-1" };
	static char name[] = "/tmp/cvfuzz/manifest.csv";
	char *argv[] = { name, NULL };
	cli_ctx c;
	size_t paths = 0;
	int fd;

	if (size < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	c.cmd = &cmd_import_spec;
	c.argc = 1;
	c.argv = argv;
	c.val[encoding_index()] = enc[data[0] % 3];
	if ((fd = memfd_create("cvfuzz", MFD_CLOEXEC)) < 0)
		abort();
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	lseek(fd, 0, SEEK_SET);
	cli_import_each_path(&c, fd, each, &paths);
	close(fd);
	return 0;
}
