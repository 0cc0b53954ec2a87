/*
 * casevault refer, refer list: child-protection referrals
 * (docs/legal-rules.md §16), a register apart from subject access requests.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "casevault/refer.h"

static const cli_opt refer_opts[] = {
	{ "to", 0, "AGENCY", "who receives the referral (e.g. the local authority's child protection officer)", NULL },
	{ "reason", 0, "TEXT", "why the concern is referred (sealed under the child-protection key)", "Reason for the referral" },
	{ "basis", 0, "TEXT", "the legal basis for sharing without consent", NULL },
	{ "records", 0, "R", "a record referred; more record ids may follow, separated by commas or as further words", NULL },
	{ "date", 0, "DATE", "the day the referral was made (default: today)", NULL },
	CLI_OPT_END
};

/* The --records value split on commas and spaces, then the words after CASE. */
static int collect_records(cli_ctx *c, char **buf, const char ***ids, size_t *n)
{
	const char *opt = cli_opt_value(c, "records");
	size_t cap = (opt ? strlen(opt) : 0) + (size_t)c->argc + 1;
	char *tok, *save = NULL;
	int i;

	*n = 0;
	if (!(*ids = calloc(cap, sizeof(**ids))) || !(*buf = strdup(opt ? opt : "")))
		return cli_fail(c, EXIT_FAIL, "out of memory");
	for (tok = strtok_r(*buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		(*ids)[(*n)++] = tok;
	for (i = 1; i < c->argc; i++)
		(*ids)[(*n)++] = c->argv[i];
	return 0;
}

static int cmd_refer(cli_ctx *c)
{
	cv_referral_new ref = { c->argv[0], cli_opt_value(c, "to"), cli_opt_value(c, "reason"),
				cli_opt_value(c, "basis"), NULL, 0, cli_opt_value(c, "date") };
	const char **ids = NULL;
	char *buf = NULL;
	long id = 0;
	int r;

	if (!ref.agency || !ref.reason || !ref.basis || !cli_opt_value(c, "records"))
		return cli_fail(c, EXIT_USAGE, "refer needs --to AGENCY, --reason TEXT, --basis TEXT and --records R...; "
				"see 'casevault refer --help'");
	if ((r = collect_records(c, &buf, &ids, &ref.nrecords)) == 0) {
		ref.records = ids;
		if ((r = cv_refer(c->v, &ref, &id)) < 0)
			r = cli_lib_fail(c, r);
		else
			r = cli_done(c, json_pack("{s:b, s:o, s:s, s:I}", "ok", 1, "referral", cli_jid(id),
					"case", c->argv[0], "records", (json_int_t)ref.nrecords),
				"referral %ld of %s recorded (%zu record%s)\n", id, c->argv[0], ref.nrecords,
				ref.nrecords == 1 ? "" : "s");
	}
	free(ids);
	free(buf);
	return r;
}

const cli_cmd cmd_refer_spec = {
	"refer", cmd_refer, NEEDS_VAULT, "CASE [RECORD...]", 1, -1,
	"Record a child-protection referral: to whom, why, the legal basis, which records.",
	refer_opts, { NULL }
};

static json_t *referral_json(const void *item, int arg)
{
	const cv_referral *f = item;
	json_t *recs = json_array();
	char *copy = strdup(f->records ? f->records : ""), *tok, *save = NULL;

	(void)arg;
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok && recs; tok = strtok_r(NULL, " ", &save))
		cli_jpush(recs, json_string(tok));
	if (!copy) {
		json_decref(recs);
		recs = NULL;  /* out of memory: the item fails and --json fails closed */
	}
	free(copy);
	return json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", cli_jid(f->id),
			 "case", f->case_id, "date", f->date, "recorded_by", f->by, "recorded_at", f->at,
			 "to", cli_jtext(f->agency), "reason", cli_jtext(f->reason), "basis", cli_jtext(f->basis),
			 "records", recs);
}

static int cmd_refer_list(cli_ctx *c)
{
	cv_referral *list;
	size_t n, i;
	int r = cv_refer_list(c->v, c->argc ? c->argv[0] : NULL, &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "referrals",
				       cli_json_array(list, n, sizeof(*list), referral_json, 0)));
	} else {
		for (i = 0; i < n; i++) {
			const cv_referral *f = &list[i];

			printf("referral %ld  %s  %s  by %s  to: %s\n", f->id, f->case_id, f->date, f->by, cli_show(f->agency));
			printf("  reason: %s\n  basis: %s\n", cli_show(f->reason), cli_show(f->basis));
			printf("  records: %s\n", cli_show(f->records));
		}
		if (n == 0)
			printf("no referrals\n");
	}
	cv_refer_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_refer_list_spec = {
	"refer list", cmd_refer_list, NEEDS_VAULT, "[CASE]", 0, 1,
	"List the child-protection referrals (of one case, or all).",
	cli_no_opts, { NULL }
};
