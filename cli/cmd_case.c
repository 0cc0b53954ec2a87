/* casevault case open|list|show|close */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "casevault/case.h"

static const cli_opt open_opts[] = {
	{ "parent", 0, "NAME", "the parent or carer the service works with", "Parent's name" },
	{ "child", 0, "NAME", "the child or young person", "Child's name" },
	{ "child-dob", 0, "DATE", "the child's date of birth, YYYY-MM-DD", "Child's date of birth (YYYY-MM-DD)" },
	{ "pr-confirmed", 0, NULL, "confirm you have checked the parent has parental responsibility (required)", NULL },
	{ "opened", 0, "DATE", "date the case was opened (default: today)", NULL },
	CLI_OPT_END
};

static int cmd_case_open(cli_ctx *c)
{
	char id[24];
	int r;

	if (!cli_flag(c, "pr-confirmed"))
		return cli_fail(c, EXIT_FAIL, "refused: the service works only with people who hold parental responsibility; check it, then add --pr-confirmed");
	if (!cli_opt_value(c, "parent") || !cli_opt_value(c, "child") || !cli_opt_value(c, "child-dob"))
		return cli_fail(c, EXIT_USAGE, "case open needs --parent NAME, --child NAME and --child-dob YYYY-MM-DD");
	r = cv_case_open(c->v, cli_opt_value(c, "parent"), cli_opt_value(c, "child"),
			 cli_opt_value(c, "child-dob"), 1, cli_opt_value(c, "opened"), id);
	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json)
		cli_json_out(json_pack("{s:b, s:s}", "ok", 1, "case", id));
	else
		printf("%s\n", id);
	return EXIT_OK;
}

const cli_cmd cmd_case_open_spec = {
	"case open", cmd_case_open, NEEDS_VAULT, "", 0, 0,
	"Open a case for a parent or carer with parental responsibility.",
	open_opts, { NULL }
};

static json_t *case_json(const cv_case *k, int full)
{
	json_t *j = json_pack("{s:s, s:s, s:s?, s:I, s:I}", "id", k->id, "opened", k->opened,
			      "closed", k->closed[0] ? k->closed : NULL,
			      "records", (json_int_t)k->records_case, "cp_records", (json_int_t)k->records_cp);
	if (full && k->parent) {
		json_object_set_new(j, "parent", json_string(k->parent));
		json_object_set_new(j, "child", json_string(k->child));
		json_object_set_new(j, "child_dob", json_string(k->child_dob));
		json_object_set_new(j, "pr_confirmed_by", json_string(k->pr_confirmed_by));
		json_object_set_new(j, "pr_confirmed_at", json_string(k->pr_confirmed_at));
	}
	return j;
}

static const cli_opt list_opts[] = {
	{ "names", 0, NULL, "also show names (unlocks the vault)", NULL },
	CLI_OPT_END
};

static int cmd_case_list(cli_ctx *c)
{
	cv_case *list;
	size_t n, i;
	int names = cli_flag(c, "names");
	int r = cv_case_list(c->v, &list, &n, names);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		json_t *arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, case_json(&list[i], names));
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "cases", arr));
	} else {
		for (i = 0; i < n; i++) {
			printf("%-12s opened %s%s%s  %ld record%s", list[i].id, list[i].opened,
			       list[i].closed[0] ? "  closed " : "", list[i].closed,
			       list[i].records_case, list[i].records_case == 1 ? "" : "s");
			if (names)
				printf("  %s (child %s)", list[i].parent, list[i].child);
			printf("\n");
		}
	}
	cv_case_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_case_list_spec = {
	"case list", cmd_case_list, NEEDS_VAULT, "", 0, 0,
	"List cases (ids and dates; --names to show names).",
	list_opts, { NULL }
};

static const cli_opt show_opts[] = { CLI_OPT_END };

static int cmd_case_show(cli_ctx *c)
{
	cv_case k;
	int r = cv_case_get(c->v, &k, c->argv[0], 1);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "case", case_json(&k, 1)));
	} else {
		printf("case          %s\nparent        %s\nchild         %s (born %s)\n"
		       "PR confirmed  by %s at %s\nopened        %s\nclosed        %s\n"
		       "records       %ld in the case file, %ld in the child-protection file\n",
		       k.id, k.parent, k.child, k.child_dob, k.pr_confirmed_by, k.pr_confirmed_at,
		       k.opened, k.closed[0] ? k.closed : "(open)", k.records_case, k.records_cp);
	}
	cv_case_release(&k);
	return EXIT_OK;
}

const cli_cmd cmd_case_show_spec = {
	"case show", cmd_case_show, NEEDS_VAULT, "CASE", 1, 1,
	"Show a case's details.",
	show_opts, { NULL }
};

static const cli_opt close_opts[] = {
	{ "date", 0, "DATE", "closing date (default: today)", NULL },
	CLI_OPT_END
};

static int cmd_case_close(cli_ctx *c)
{
	int r = cv_case_close(c->v, c->argv[0], cli_opt_value(c, "date"));

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json)
		cli_json_out(json_pack("{s:b, s:s}", "ok", 1, "case", c->argv[0]));
	else
		printf("closed %s\n", c->argv[0]);
	return EXIT_OK;
}

const cli_cmd cmd_case_close_spec = {
	"case close", cmd_case_close, NEEDS_VAULT, "CASE", 1, 1,
	"Close a case; retention periods that run from closure start then.",
	close_opts, { NULL }
};
