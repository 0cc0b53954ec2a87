/*
 * casevault record move|set|erase: correcting and erasing single records
 * (docs/legal-rules.md LR-18; docs/commands/record-*.md).
 */
#include <string.h>

#include "cli.h"
#include "casevault/common.h"
#include "casevault/correction.h"

#define FIX_OPTS \
	{ "reason", 0, "TEXT", "why (sealed in the corrections register)", "Reason" }, \
	{ "request", 0, "REQ", "the rights request this answers (REQ-...)", NULL }

static cv_fix_opts fix_opts(cli_ctx *c)
{
	return (cv_fix_opts){ cli_opt_value(c, "reason"), cli_opt_value(c, "request") };
}

/* What every correction reports; with --json the same facts. */
static json_t *fix_json(const cv_fix_report *rep)
{
	return json_pack("{s:b, s:s, s:s, s:s?, s:o, s:i, s:i, s:o?, s:s?}", "ok", 1, "record", rep->record_id,
			 "from_case", rep->from_case, "to_case", rep->to_case[0] ? rep->to_case : NULL,
			 "correction", cli_jid(rep->correction), "archives_rewritten", rep->archives_rewritten,
			 "archives_erased", rep->archives_erased,
			 "certificate", cli_jid(rep->certificate),
			 "certificate_sha256", rep->certificate ? rep->certificate_sha256 : NULL);
}

static const cli_opt move_opts[] = { FIX_OPTS, CLI_OPT_END };

static int cmd_record_move(cli_ctx *c)
{
	cv_fix_opts o = fix_opts(c);
	cv_fix_report rep;
	int r;

	if ((r = cv_record_move(c->v, c->argv[0], c->argv[1], &o, &rep)) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, fix_json(&rep), "record %s moved from %s to %s (correction %ld); its old archive was %s\n",
			rep.record_id, rep.from_case, rep.to_case, rep.correction,
			rep.archives_erased ? "erased" : "rewritten without it");
}

const cli_cmd cmd_record_move_spec = {
	"record move", cmd_record_move, NEEDS_VAULT, "RECORD CASE", 2, 2,
	"Move a misfiled record into the right case; its old archive keeps no copy.",
	move_opts, { NULL }
};

static const cli_opt set_opts[] = {
	{ "class", 0, "C", "the right record class (same section)", NULL },
	{ "title", 0, "T", "the right title", "Title" },
	{ "date", 0, "YYYY-MM-DD", "the right date of the event", NULL },
	FIX_OPTS, CLI_OPT_END
};

static int cmd_record_set(cli_ctx *c)
{
	cv_fix_opts o = fix_opts(c);
	cv_fix_report rep;
	int r;

	if (!cli_opt_value(c, "class") && !cli_opt_value(c, "title") && !cli_opt_value(c, "date"))
		return cli_fail(c, EXIT_USAGE, "record set needs --class C, --title T or --date YYYY-MM-DD; see 'casevault record set --help'");
	if ((r = cv_record_set(c->v, c->argv[0], cli_opt_value(c, "class"), cli_opt_value(c, "title"),
			       cli_opt_value(c, "date"), &o, &rep)) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, fix_json(&rep), "record %s corrected (correction %ld); its retention date was worked out again\n",
			rep.record_id, rep.correction);
}

const cli_cmd cmd_record_set_spec = {
	"record set", cmd_record_set, NEEDS_VAULT, "RECORD", 1, 1,
	"Correct a record's class, title or date; its retention is worked out again.",
	set_opts, { NULL }
};

static const cli_opt erase_opts[] = { FIX_OPTS, CLI_OPT_END };

static int cmd_record_erase(cli_ctx *c)
{
	cv_fix_opts o = fix_opts(c);
	cv_fix_report rep;
	int r;

	if (!o.reason)
		return cli_fail(c, EXIT_USAGE, "record erase needs --reason TEXT; see 'casevault record erase --help'");
	if ((r = cv_record_erase(c->v, c->argv[0], &o, &rep)) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, fix_json(&rep), "record %s erased: certificate %ld (sha256 %.16s)\n", rep.record_id,
			rep.certificate, rep.certificate_sha256);
}

const cli_cmd cmd_record_erase_spec = {
	"record erase", cmd_record_erase, NEEDS_VAULT, "RECORD", 1, 1,
	"Erase one record (manager): crypto-erased, with a signed certificate of destruction.",
	erase_opts, { NULL }
};
