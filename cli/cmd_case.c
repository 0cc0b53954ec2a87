/* casevault CLI: case open, list, show, close; case person add, list; case link. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "casevault/assign.h"
#include "casevault/case.h"
#include "casevault/disclose.h"

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
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "case", id),
			"%s\n", id);
}

const cli_cmd cmd_case_open_spec = {
	"case open", cmd_case_open, NEEDS_VAULT, "", 0, 0,
	"Open a case for a parent or carer with parental responsibility.",
	open_opts, { NULL }
};

static json_t *case_json(const void *item, int full)
{
	const cv_case *k = item;
	json_t *j = json_pack("{s:s, s:s, s:s?, s:I, s:I}", "id", k->id, "opened", k->opened,
			      "closed", k->closed[0] ? k->closed : NULL,
			      "records", (json_int_t)k->records_case, "cp_records", (json_int_t)k->records_cp);
	/* storage limitation: said plainly wherever the case is (docs/legal-rules.md LR-12) */
	if (k->erased[0])
		cli_jset(j, "erased", json_pack("{s:s, s:o}", "on", k->erased, "certificate", cli_jid(k->erase_certificate)));
	if (full && k->parent) {
		cli_jset(j, "parent", cli_jtext(k->parent));
		cli_jset(j, "child", cli_jtext(k->child));
		cli_jset(j, "child_dob", cli_jtext(k->child_dob));
		cli_jset(j, "pr_confirmed_by", cli_jtext(k->pr_confirmed_by));
		cli_jset(j, "pr_confirmed_at", cli_jtext(k->pr_confirmed_at));
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
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "cases",
				       cli_json_array(list, n, sizeof(*list), case_json, names)));
	} else {
		for (i = 0; i < n; i++) {
			printf("%-12s opened %s%s%s  %ld record%s", list[i].id, list[i].opened,
			       list[i].closed[0] ? "  closed " : "", list[i].closed,
			       list[i].records_case, list[i].records_case == 1 ? "" : "s");
			if (list[i].erased[0])
				printf("  erased %s", list[i].erased);
			else if (names)
				printf("  %s (child %s)", cli_show(list[i].parent), cli_show(list[i].child));
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

/* The case's caseworkers and, for a manager, its linked cases (docs/security.md, Case assignment). */
static void team_json(json_t *j, const cv_case_team *t)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < t->nstaff; i++)
		cli_jpush(a, json_string(t->staff[i]));
	cli_jset(j, "caseworkers", a);
	if (!t->linked)
		return;
	a = json_array();
	for (i = 0; i < t->nlinked; i++)
		cli_jpush(a, json_string(t->linked[i]));
	cli_jset(j, "linked", a);
}

static void team_text(const cv_case_team *t)
{
	size_t i;

	printf("caseworkers  ");
	for (i = 0; i < t->nstaff; i++)
		printf(" %s", t->staff[i]);
	printf("%s\n", t->nstaff ? "" : " (none: managers and cp-leads only)");
	if (!t->linked)
		return;
	printf("linked       ");
	for (i = 0; i < t->nlinked; i++)
		printf(" %s", t->linked[i]);
	printf("%s\n", t->nlinked ? "" : " (none)");
}

static int cmd_case_show(cli_ctx *c)
{
	cv_case_team t;
	cv_case k;
	int r = cv_case_get(c->v, &k, c->argv[0], 1);

	if (r == 0 && (r = cv_case_team_get(c->v, c->argv[0], &t)) < 0)
		cv_case_release(&k);
	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		json_t *j = case_json(&k, 1);

		team_json(j, &t);
		/* the confidentiality notice and contact preference go wherever the case is shown */
		if ((r = cli_case_show_notices(c, k.id, j)) == EXIT_OK)
			cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "case", j));
		else
			json_decref(j);
	} else {
		printf("case          %s\nparent        %s\nchild         %s (born %s)\n"
		       "PR confirmed  by %s at %s\nopened        %s\nclosed        %s\n"
		       "records       %ld in the case file, %ld in the child-protection file\n",
		       k.id, cli_show(k.parent), cli_show(k.child), k.child_dob, k.pr_confirmed_by, k.pr_confirmed_at,
		       k.opened, k.closed[0] ? k.closed : "(open)", k.records_case, k.records_cp);
		if (k.erased[0])
			printf("erased        on %s (certificate %ld): every record was destroyed, then the names, date of birth,\n"
			       "              people and reasons; ids and dates of events remain\n", k.erased, k.erase_certificate);
		team_text(&t);
		r = cli_case_show_notices(c, k.id, NULL);
	}
	cv_case_team_free(&t);
	cv_case_release(&k);
	return r;
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
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "case", c->argv[0]),
			"closed %s\n", c->argv[0]);
}

const cli_cmd cmd_case_close_spec = {
	"case close", cmd_case_close, NEEDS_VAULT, "CASE", 1, 1,
	"Close a case; retention periods that run from closure start then.",
	close_opts, { NULL }
};

/* ---- case person add|list, case link ---- */

static const cli_opt person_opts[] = {
	{ "kind", 0, "KIND", "third-party, professional or volunteer (required)", NULL },
	{ "phone", 0, "P", "their phone number (redacted for third parties and volunteers)", "Phone number" },
	{ "email", 0, "E", "their e-mail address (redacted for third parties and volunteers)", "E-mail address" },
	{ "role", 0, "ROLE", "a professional's role, e.g. SENCO", "Role" },
	CLI_OPT_END
};

static int cmd_case_person_add(cli_ctx *c)
{
	cv_person_kind k;
	long id = 0;
	int r;

	if (!cli_opt_value(c, "kind"))
		return cli_fail(c, EXIT_USAGE, "case person add needs --kind third-party|professional|volunteer");
	if (cv_person_kind_parse(&k, cli_opt_value(c, "kind")) < 0)
		return cli_fail(c, EXIT_USAGE, "--kind must be third-party, professional or volunteer");
	r = cv_person_add(c->v, c->argv[0], c->argv[1], k, cli_opt_value(c, "phone"), cli_opt_value(c, "email"),
			  cli_opt_value(c, "role"), &id);
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:o, s:s}", "ok", 1, "case", c->argv[0], "person", cli_jid(id),
			"kind", cv_person_kind_name(k)),
			"person %ld (%s) recorded on %s\n", id, cv_person_kind_name(k), c->argv[0]);
}

const cli_cmd cmd_case_person_add_spec = {
	"case person add", cmd_case_person_add, NEEDS_VAULT, "CASE NAME", 2, 2,
	"Record a person named in a case file, so that redaction knows whom to remove.",
	person_opts, { NULL, "Person's name" }
};

static json_t *person_json(const void *item, int arg)
{
	const cv_person *p = item;

	(void)arg;
	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:s}", "id", cli_jid(p->id),
			 "kind", cv_person_kind_name(p->kind), "name", cli_jtext(p->name), "phone", cli_jtext(p->phone),
			 "email", cli_jtext(p->email), "role", cli_jtext(p->role), "added_by", p->added_by, "added_at", p->added_at);
}

static int cmd_case_person_list(cli_ctx *c)
{
	cv_person *list = NULL;
	size_t n = 0, i;
	int r = cv_person_list(c->v, c->argv[0], &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		cli_json_out(json_pack("{s:b, s:s, s:o}", "ok", 1, "case", c->argv[0], "people",
				       cli_json_array(list, n, sizeof(*list), person_json, 0)));
	} else {
		if (n == 0)
			printf("no people recorded on %s\n", c->argv[0]);
		for (i = 0; i < n; i++)
			printf("%-4ld %-12s %s%s%s%s%s%s%s\n", list[i].id, cv_person_kind_name(list[i].kind), cli_show(list[i].name),
			       list[i].role ? ", " : "", list[i].role ? cli_show(list[i].role) : "",
			       list[i].phone ? ", " : "", list[i].phone ? cli_show(list[i].phone) : "",
			       list[i].email ? ", " : "", list[i].email ? cli_show(list[i].email) : "");
	}
	cv_person_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_case_person_list_spec = {
	"case person list", cmd_case_person_list, NEEDS_VAULT, "CASE", 1, 1,
	"List the people recorded on a case (unlocks the vault).",
	cli_no_opts, { NULL }
};

static int cmd_case_link(cli_ctx *c)
{
	int r = cv_case_link(c->v, c->argv[0], c->argv[1]);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:[s, s]}", "ok", 1, "linked", c->argv[0], c->argv[1]),
			"linked %s and %s\n", c->argv[0], c->argv[1]);
}

const cli_cmd cmd_case_link_spec = {
	"case link", cmd_case_link, NEEDS_VAULT, "CASE CASE", 2, 2,
	"Mark two cases as the two sides of a separated family (never disclosed across).",
	cli_no_opts, { NULL }
};

/* ---- case assign|unassign ---- */

static int cmd_case_assign(cli_ctx *c)
{
	int r = cv_case_assign(c->v, c->argv[0], c->argv[1]);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:s}", "ok", 1, "case", c->argv[0], "assigned", c->argv[1]),
			"assigned %s to %s\n", c->argv[1], c->argv[0]);
}

const cli_cmd cmd_case_assign_spec = {
	"case assign", cmd_case_assign, NEEDS_VAULT, "CASE STAFF", 2, 2,
	"Assign a caseworker to a case (managers; never to both of two linked cases).",
	cli_no_opts, { NULL }
};

static int cmd_case_unassign(cli_ctx *c)
{
	int r = cv_case_unassign(c->v, c->argv[0], c->argv[1]);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:s}", "ok", 1, "case", c->argv[0], "unassigned", c->argv[1]),
			"unassigned %s from %s\n", c->argv[1], c->argv[0]);
}

const cli_cmd cmd_case_unassign_spec = {
	"case unassign", cmd_case_unassign, NEEDS_VAULT, "CASE STAFF", 2, 2,
	"Take a caseworker off a case (managers).",
	cli_no_opts, { NULL }
};
