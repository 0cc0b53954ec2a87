/*
 * casevault case notice, case contact: the confidentiality notice and the
 * contact preference of a case (casevault/notice.h), and how `case show`
 * shows them.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "casevault/notice.h"

static const cli_opt notice_opts[] = {
	{ "told", 0, "DATE", "the day the parent was told the service is confidential (default: today)", NULL },
	{ "how", 0, "WAY", "oral, phone, written, letter, email or leaflet (required)", NULL },
	{ "policy-version", 0, "V", "the version of the confidentiality policy they were told of (required)", NULL },
	CLI_OPT_END
};

static int cmd_case_notice(cli_ctx *c)
{
	long id = 0;
	int r;

	if (!cli_opt_value(c, "how") || !cli_opt_value(c, "policy-version"))
		return cli_fail(c, EXIT_USAGE, "case notice needs --how WAY and --policy-version V; see 'casevault case notice --help'");
	r = cv_notice_add(c->v, c->argv[0], cli_opt_value(c, "told"), cli_opt_value(c, "how"),
			  cli_opt_value(c, "policy-version"), &id);
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:o}", "ok", 1, "case", c->argv[0], "notice", cli_jid(id)),
			"notice %ld recorded on %s\n", id, c->argv[0]);
}

const cli_cmd cmd_case_notice_spec = {
	"case notice", cmd_case_notice, NEEDS_VAULT, "CASE", 1, 1,
	"Record that the parent was told the service is confidential: when, how, which policy.",
	notice_opts, { NULL }
};

static const cli_opt contact_opts[] = {
	{ "message-ok", 0, "ANSWER", "yes or no: whether a detailed message may be left (required)", NULL },
	{ "how", 0, "WAY", "how to contact the parent: phone, email, letter or text", NULL },
	CLI_OPT_END
};

static int cmd_case_contact(cli_ctx *c)
{
	const char *ok = cli_opt_value(c, "message-ok");
	int r;

	if (!ok || (strcmp(ok, "yes") && strcmp(ok, "no")))
		return cli_fail(c, EXIT_USAGE, "case contact needs --message-ok yes or --message-ok no; see 'casevault case contact --help'");
	r = cv_contact_set(c->v, c->argv[0], !strcmp(ok, "yes"), cli_opt_value(c, "how"));
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:b}", "ok", 1, "case", c->argv[0], "message_ok", !strcmp(ok, "yes")),
			"contact preference of %s recorded: %s\n", c->argv[0],
			!strcmp(ok, "yes") ? "a detailed message may be left" : "no detailed message");
}

const cli_cmd cmd_case_contact_spec = {
	"case contact", cmd_case_contact, NEEDS_VAULT, "CASE", 1, 1,
	"Record whether a detailed message may be left for the parent, and how to contact them.",
	contact_opts, { NULL }
};

static json_t *notice_json(const void *item, int arg)
{
	const cv_case_notice *n = item;

	(void)arg;
	return json_pack("{s:o, s:s, s:s, s:s, s:s, s:s}", "id", cli_jid(n->id), "told", n->told, "how", n->how,
			 "policy_version", n->policy_version, "recorded_by", n->by, "recorded_at", n->at);
}

/* What case show adds: the notices and the contact preference, as text or into j. */
int cli_case_show_notices(cli_ctx *c, const char *case_id, json_t *j)
{
	cv_contact_pref cp;
	cv_case_notice *list = NULL;
	size_t n = 0, i;
	int r;

	if ((r = cv_notice_list(c->v, case_id, &list, &n)) < 0 || (r = cv_contact_get(c->v, case_id, &cp)) < 0) {
		cv_notice_list_free(list, n);  /* NULL, 0 when the list failed */
		return cli_lib_fail(c, r);
	}
	if (j) {
		cli_jset(j, "notices", cli_json_array(list, n, sizeof(*list), notice_json, 0));
		cli_jset(j, "contact", cp.set ? json_pack("{s:b, s:s?, s:s, s:s}", "message_ok", cp.message_ok,
				"how", cp.how[0] ? cp.how : NULL, "set_by", cp.by, "set_at", cp.at) : json_null());
	} else {
		for (i = 0; i < n; i++)
			printf("told          %s, %s, policy %s (recorded by %s)\n", list[i].told, list[i].how,
			       list[i].policy_version, list[i].by);
		if (n == 0)
			printf("told          (no confidentiality notice recorded)\n");
		printf("messages      %s%s%s\n", !cp.set ? "no preference recorded: leave no detailed message" :
		       cp.message_ok ? "a detailed message may be left" : "no detailed message",
		       cp.how[0] ? "; contact by " : "", cp.how);
	}
	cv_notice_list_free(list, n);
	return EXIT_OK;
}
