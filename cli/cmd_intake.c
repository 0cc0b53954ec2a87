/*
 * casevault intake add|list|show|assign|reject: the intake tray
 * (casevault/intake.h; docs/commands/intake.md, docs/intake.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "casevault/intake.h"

static int cmd_intake_add(cli_ctx *c)
{
	const char *path = c->argv[0], *base = strrchr(path, '/');
	char id[16];
	int passed = cli_passed_fd(c, path), fd = passed, r;

	/* through casevaultd: the descriptor the client opened (docs/service.md, Named files) */
	if (fd < 0 && (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return cli_fail(c, EXIT_FAIL, "cannot read %s: %s", path, strerror(errno));
	r = cv_intake_add(c->v, fd, base ? base + 1 : path, id);
	if (fd != passed)
		close(fd);
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "intake", id), "%s\n", id);
}

const cli_cmd cmd_intake_add_spec = {
	"intake add", cmd_intake_add, NEEDS_VAULT, "FILE", 1, 1,
	"Put a document in the intake tray, encrypted, to be assigned to a case later.",
	cli_no_opts, { NULL }
};

static const cli_opt intake_list_opts[] = {
	{ "due", 0, NULL, "only the items unassigned for 30 days or more", NULL },
	CLI_OPT_END
};

static json_t *item_json(const void *item, int arg)
{
	const cv_intake_item *it = item;

	(void)arg;
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:i, s:b}", "id", it->id, "added_at", it->arrived,
			 "size", (json_int_t)it->size, "mime", it->mime, "source", it->source, "added_by", it->added_by,
			 "name", cli_jtext(it->name ? it->name : ""), "days", it->days, "due", it->days >= CV_INTAKE_DUE_DAYS);
}

static void print_items(const cv_intake_item *list, size_t n, int due)
{
	size_t i, shown = 0;

	for (i = 0; i < n; i++) {
		if (due && list[i].days < CV_INTAKE_DUE_DAYS)
			continue;
		printf("%s  %.10s  %-16s %9lld bytes  %-4s  %s%s\n", list[i].id, list[i].arrived, list[i].mime,
		       (long long)list[i].size, list[i].source, cli_show(list[i].name ? list[i].name : ""),
		       list[i].days >= CV_INTAKE_DUE_DAYS ? "  (due: waiting 30 days or more)" : "");
		shown++;
	}
	if (!shown)
		printf(due ? "no intake item has waited 30 days\n" : "the intake tray is empty\n");
}

static int cmd_intake_list(cli_ctx *c)
{
	cv_intake_item *list = NULL;
	size_t n = 0, i;
	int due = cli_flag(c, "due"), r = cv_intake_list(c->v, &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			if (!due || list[i].days >= CV_INTAKE_DUE_DAYS)
				cli_jpush(arr, item_json(&list[i], 0));
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "intake", arr));
	} else {
		print_items(list, n, due);
	}
	cv_intake_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_intake_list_spec = {
	"intake list", cmd_intake_list, NEEDS_VAULT, "", 0, 0,
	"List the intake tray: items waiting to be assigned to a case (caseworkers and above).",
	intake_list_opts, { NULL }
};

static const cli_opt intake_show_opts[] = {
	{ "output", 'o', "PATH", "write to a new file PATH (mode 0600, never over an existing file); default standard output", NULL },
	CLI_OPT_END
};

static int cmd_intake_show(cli_ctx *c)
{
	const char *out = cli_opt_value(c, "output");
	int passed = out ? cli_passed_fd(c, out) : -1, fd = 1, r;
	cv_intake_item info;

	memset(&info, 0, sizeof(info));
	if (out && (fd = passed) < 0 && (fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return cli_fail(c, EXIT_FAIL, errno == EEXIST ? "%s already exists; choose a new file name (casevault never "
				"overwrites)" : "cannot create %s: %s", out, strerror(errno));
	if (!out && (c->json || isatty(1)))
		return cli_fail(c, EXIT_USAGE, "intake show writes the document: give -o PATH, or send standard output to a file or program");
	r = cv_intake_show(c->v, c->argv[0], fd, &info);
	if (out && passed < 0) {
		if (r == 0 && fsync(fd) < 0)
			r = cli_fail(c, EXIT_FAIL, "cannot write %s: %s", out, strerror(errno));
		else if (r < 0)
			r = cli_lib_fail(c, r);
		close(fd);
		if (r != 0)
			unlink(out);
	} else if (r < 0) {
		r = cli_lib_fail(c, r);
	}
	if (r != 0) {
		cv_intake_release(&info);
		return r;
	}
	if (out)
		cli_done(c, json_pack("{s:b, s:s, s:s, s:s}", "ok", 1, "intake", info.id, "output", out, "mime", info.mime),
			 "casevault: wrote %s (%s, %lld bytes)\n", out, info.mime, (long long)info.size);
	cv_intake_release(&info);
	return EXIT_OK;
}

const cli_cmd cmd_intake_show_spec = {
	"intake show", cmd_intake_show, NEEDS_VAULT | EXPORTS_CONTENT, "ITEM", 1, 1,
	"Write an intake item's document out, to look at before assigning it (audited).",
	intake_show_opts, { NULL }
};

static const cli_opt intake_assign_opts[] = {
	{ "class", 0, "CLASS", "record class from the retention policy (required)", NULL },
	{ "cp", 0, NULL, "file into the separate child-protection file", NULL },
	{ "title", 0, "TITLE", "title (default: the file's original name); stored encrypted", "Title" },
	{ "date", 0, "DATE", "date of the event the document records, YYYY-MM-DD (default: today)", "Date of the event (YYYY-MM-DD)" },
	CLI_OPT_END
};

/* Every record an item became (an e-mail: its text, then each attachment, part of the first). */
static int assign_done(cli_ctx *c, const char *case_id, char (*recs)[16], size_t n)
{
	json_t *ids = json_array();
	char *more = calloc(n, 80);
	size_t i, o = 0;
	int r;

	for (i = 0; i < n; i++)
		json_array_append_new(ids, json_string(recs[i]));
	for (i = 1; more && i < n; i++)
		o += (size_t)snprintf(more + o, 80, "%s  %s  (attachment, part of %s)\n", recs[i], case_id, recs[0]);
	r = cli_done(c, json_pack("{s:b, s:s, s:s, s:s, s:o}", "ok", 1, "intake", c->argv[0], "record", recs[0],
				  "case", case_id, "records", ids),
		     "%s  %s  (from %s)\n%s", recs[0], case_id, c->argv[0], more ? more : "");
	free(more);
	return r;
}

static int cmd_intake_assign(cli_ctx *c)
{
	cv_intake_assign_opts o = { c->argv[1], cli_flag(c, "cp") ? CV_SECTION_CP : CV_SECTION_CASE,
				    cli_opt_value(c, "class"), cli_opt_value(c, "title"), cli_opt_value(c, "date") };
	char (*recs)[16] = NULL;
	size_t n = 0;
	int r;

	if (!o.class_name)
		return cli_fail(c, EXIT_USAGE, "intake assign needs --class CLASS; the classes are in the vault's policies/retention.ini");
	if ((r = cv_intake_assign_all(c->v, c->argv[0], &o, &recs, &n)) < 0) {
		free(recs);
		return cli_lib_fail(c, r);
	}
	r = assign_done(c, o.case_id, recs, n);
	free(recs);
	return r;
}

const cli_cmd cmd_intake_assign_spec = {
	"intake assign", cmd_intake_assign, NEEDS_VAULT, "ITEM CASE", 2, 2,
	"File an intake item into a case as a record; the item is then erased.",
	intake_assign_opts, { NULL }
};

static const cli_opt intake_reject_opts[] = {
	{ "reason", 0, "REASON", "junk, duplicate, wrong-office, unreadable or other (required; audited)", NULL },
	CLI_OPT_END
};

static int cmd_intake_reject(cli_ctx *c)
{
	int r;

	if (!cli_opt_value(c, "reason"))
		return cli_fail(c, EXIT_USAGE, "intake reject needs --reason: junk, duplicate, wrong-office, unreadable or other");
	if ((r = cv_intake_reject(c->v, c->argv[0], cli_opt_value(c, "reason"))) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "intake", c->argv[0]), "%s rejected and erased\n", c->argv[0]);
}

const cli_cmd cmd_intake_reject_spec = {
	"intake reject", cmd_intake_reject, NEEDS_VAULT, "ITEM", 1, 1,
	"Reject an intake item: it is erased (its key destroyed), audited with the reason.",
	intake_reject_opts, { NULL }
};
