/*
 * casevault enquiry add|list: the anonymous enquiry log (casevault/enquiry.h;
 * docs/commands/enquiry-add.md).
 */
#include <stdio.h>

#include "cli.h"
#include "casevault/enquiry.h"

static const cli_opt enquiry_add_opts[] = {
	{ "text", 0, "TEXT", "what was asked and answered, with no personal details (sealed)", "Enquiry text" },
	{ "date", 0, "DATE", "the day of the enquiry (default: today); it is kept a year from this day", NULL },
	{ "confirm", 0, NULL, "log it although the text looks like it holds personal details", NULL },
	CLI_OPT_END
};

static int cmd_enquiry_add(cli_ctx *c)
{
	cv_enquiry_kind found = CV_ENQ_CLEAN;
	long id = 0;
	int r;

	if (!cli_opt_value(c, "text"))
		return cli_fail(c, EXIT_USAGE, "enquiry add needs --text TEXT (or --text - to read it); see 'casevault enquiry add --help'");
	r = cv_enquiry_add(c->v, cli_opt_value(c, "text"), cli_opt_value(c, "date"), cli_flag(c, "confirm"), &found, &id);
	if (r < 0)
		return cli_lib_fail(c, r);
	if (found != CV_ENQ_CLEAN)
		fprintf(stderr, "casevault: warning: the enquiry text looks like it holds %s; logged as confirmed\n",
			cv_enquiry_kind_words(found));
	return cli_done(c, json_pack("{s:b, s:o, s:b}", "ok", 1, "enquiry", cli_jid(id), "confirmed", found != CV_ENQ_CLEAN),
			"enquiry %ld logged\n", id);
}

const cli_cmd cmd_enquiry_add_spec = {
	"enquiry add", cmd_enquiry_add, NEEDS_VAULT, "", 0, 0,
	"Log an anonymous enquiry: no case, no personal details; kept a year.",
	enquiry_add_opts, { NULL }
};

static json_t *enquiry_json(const void *item, int arg)
{
	const cv_enquiry *e = item;

	(void)arg;
	return json_pack("{s:o, s:s, s:s, s:s, s:s, s:b, s:o}", "id", cli_jid(e->id), "date", e->date,
			 "retain_until", e->retain_until, "logged_by", e->by, "logged_at", e->at, "confirmed", e->confirmed,
			 "text", cli_jtext(e->text));
}

static int cmd_enquiry_list(cli_ctx *c)
{
	cv_enquiry *list;
	size_t n, i;
	int r = cv_enquiry_list(c->v, &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "enquiries",
				       cli_json_array(list, n, sizeof(*list), enquiry_json, 0)));
	} else {
		for (i = 0; i < n; i++)
			printf("enquiry %ld  %s  kept until %s  by %s%s\n  %s\n", list[i].id, list[i].date,
			       list[i].retain_until, list[i].by, list[i].confirmed ? "  (confirmed)" : "",
			       cli_show(list[i].text));
		if (n == 0)
			printf("no enquiries\n");
	}
	cv_enquiry_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_enquiry_list_spec = {
	"enquiry list", cmd_enquiry_list, NEEDS_VAULT, "", 0, 0,
	"List the anonymous enquiries kept, with their text.",
	cli_no_opts, { NULL }
};
