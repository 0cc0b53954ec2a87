/* casevault CLI: backup and restore (docs/commands/backup.md, restore.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "casevault/backup.h"
#include "casevault/common.h"

/* The backup passphrase: the first line of FILE (kept apart from the backups, docs/recovery.md). */
static int read_secret(cli_ctx *c, char *buf, size_t size)
{
	const char *path = cli_opt_value(c, "secret-file");
	FILE *f;
	size_t n;

	if (!path)
		return cli_fail(c, EXIT_USAGE, "%s needs --secret-file FILE, the file holding the backup passphrase",
				c->cmd->name);
	f = fopen(path, "re");
	if (!f)
		return cli_fail(c, EXIT_USAGE, "cannot read the backup passphrase file %s", path);
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (!n)
		return cli_fail(c, EXIT_USAGE, "the backup passphrase file %s is empty", path);
	return 0;
}

static const cli_opt backup_opts[] = {
	{ "keys", 0, "FILE", "also write the key-store backup to FILE (keep it only keystore_backup_days)", NULL },
	{ "secret-file", 0, "FILE", "the file holding the backup passphrase (required)", NULL },
	CLI_OPT_END
};

static int cmd_backup(cli_ctx *c)
{
	cv_backup_opts o = { c->argv[0], cli_opt_value(c, "keys"), NULL };
	cv_backup_result res;
	char secret[1024];
	int r;

	if ((r = read_secret(c, secret, sizeof(secret))) != 0)
		return r;
	o.secret = secret;
	r = cv_backup(c->v, &o, &res);
	explicit_bzero(secret, sizeof(secret));
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:I, s:I, s:I, s:s, s:s?, s:s?}", "ok", 1, "backup", o.dest,
				     "archives", (json_int_t)res.archives, "files", (json_int_t)res.files,
				     "bytes", (json_int_t)res.bytes, "sha256", res.sha256,
				     "keys", o.keys_dest, "keys_sha256", o.keys_dest ? res.keys_sha256 : NULL),
			"backed up and checked: %s (%zu archives, %zu files, sha256 %s)%s%s%s\n", o.dest, res.archives,
			res.files, res.sha256, o.keys_dest ? "; key store: " : "", o.keys_dest ? o.keys_dest : "",
			o.keys_dest ? "" : "; no key-store backup (--keys FILE): this backup alone opens no archive");
}

const cli_cmd cmd_backup_spec = {
	"backup", cmd_backup, NEEDS_VAULT | EXPORTS_CONTENT, "FILE", 1, 1,
	"Write an encrypted, checked backup of the vault, and of its key store with --keys (managers only).",
	backup_opts, { NULL }
};

static const cli_opt restore_opts[] = {
	{ "keys", 0, "FILE", "the key-store backup (required)", NULL },
	{ "secret-file", 0, "FILE", "the file holding the backup passphrase (required)", NULL },
	CLI_OPT_END
};

static int cmd_restore(cli_ctx *c)
{
	cv_backup_result res;
	char secret[1024], err[512];
	int r;

	if ((r = read_secret(c, secret, sizeof(secret))) != 0)
		return r;
	r = cv_restore(c->argv[0], cli_opt_value(c, "keys"), c->argv[1], secret, &res, err, sizeof(err));
	explicit_bzero(secret, sizeof(secret));
	if (r < 0)
		return cli_fail_lib(c, r == CV_EINVAL ? EXIT_USAGE : EXIT_FAIL, r, "%s; nothing was restored", err);
	return cli_done(c, json_pack("{s:b, s:s, s:I, s:I}", "ok", 1, "vault", c->argv[1],
				     "archives", (json_int_t)res.archives, "files", (json_int_t)res.files),
			"restored into %s and checked (%zu archives, %zu files); now run: casevault -C %s verify\n",
			c->argv[1], res.archives, res.files, c->argv[1]);
}

const cli_cmd cmd_restore_spec = {
	"restore", cmd_restore, 0, "FILE DIR", 2, 2,
	"Restore a backup and its key-store backup into a new directory, and check it.",
	restore_opts, { NULL }
};
