/* casevault CLI: consent add, list, withdraw, due (docs/legal-rules.md LR-15). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "casevault/consent.h"

static const cli_opt add_opts[] = {
	{ "to", 0, "RECIPIENT", "the recipient the family agreed to (one of --to and --purpose)", "Recipient" },
	{ "purpose", 0, "P", "the purpose the family agreed to (one of --to and --purpose)", "Purpose" },
	{ "oral", 0, NULL, "consent given orally (by phone), noted on the contact log", NULL },
	{ "written", 0, "RECORD", "consent given on a written form, filed in the case as RECORD", NULL },
	{ "given", 0, "DATE", "the day consent was given (default: today)", NULL },
	{ "by", 0, "WHO", "parent or young-person (default: from the child's age)", NULL },
	CLI_OPT_END
};

static int cmd_consent_add(cli_ctx *c)
{
	cv_consent_opts o = { c->argv[0], cli_opt_value(c, "to"), cli_opt_value(c, "purpose"),
			      cli_opt_value(c, "written"), cli_opt_value(c, "given"), cli_opt_value(c, "by") };
	long id = 0;
	int r;

	if (cli_flag(c, "oral") == (o.written != NULL))
		return cli_fail(c, EXIT_USAGE, "say how consent was given: --oral or --written RECORD (one of them)");
	if (!o.recipient == !o.purpose)
		return cli_fail(c, EXIT_USAGE, "a consent covers one recipient (--to) or one purpose (--purpose): give one of them");
	if ((r = cv_consent_add(c->v, &o, &id)) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:o}", "ok", 1, "case", o.case_id, "consent", cli_jid(id)),
			"consent %ld recorded on %s\n", id, o.case_id);
}

const cli_cmd cmd_consent_add_spec = {
	"consent add", cmd_consent_add, NEEDS_VAULT, "CASE", 1, 1,
	"Record a family's consent to share, for one recipient or purpose (reviewed after 12 months).",
	add_opts, { NULL }
};

static json_t *consent_json(const void *item, int unused)
{
	const cv_consent *k = item;
	cv_date today;
	json_t *j;

	(void)unused;
	if (cv_date_today(&today) < 0)
		memset(&today, 0, sizeof(today));
	/* who gave it is a role (parent or young person), not a staff id: "giver", not a *_by (docs/json.md) */
	j = json_pack("{s:o, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s}", "id", cli_jid(k->id),
		      "case", k->case_id, "giver", k->given_by, "how", k->how,
		      "form_record", k->form_record[0] ? k->form_record : NULL, "scope_kind", k->scope_kind,
		      "given", k->given, "review_due", k->review_due,
		      "withdrawn_at", k->withdrawn[0] ? k->withdrawn : NULL,
		      "withdrawn_by", k->withdrawn[0] && k->withdrawn_by[0] ? k->withdrawn_by : NULL,
		      "status", cv_consent_status(k, &today), "recorded_by", k->recorded_by, "recorded_at", k->recorded_at);
	if (j)
		cli_jset(j, "scope", cli_jtext(k->scope));
	return j;
}

static void consent_text(const cv_consent *k)
{
	cv_date today;

	if (cv_date_today(&today) < 0)
		memset(&today, 0, sizeof(today));
	printf("%-4ld %-12s %-9s %s '%s'  given %s by the %s (%s%s%s)  review due %s%s%s\n", k->id, k->case_id,
	       cv_consent_status(k, &today), k->scope_kind, cli_show(k->scope), k->given, k->given_by, k->how,
	       k->form_record[0] ? ", form " : "", k->form_record, k->review_due,
	       k->withdrawn[0] ? "  withdrawn " : "", k->withdrawn);
}

static int print_consents(cli_ctx *c, cv_consent *list, size_t n, const char *none)
{
	size_t i;

	if (c->json)
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "consents",
				       cli_json_array(list, n, sizeof(*list), consent_json, 0)));
	else if (n == 0)
		printf("%s\n", none);
	for (i = 0; !c->json && i < n; i++)
		consent_text(&list[i]);
	cv_consent_list_free(list, n);
	return EXIT_OK;
}

static int cmd_consent_list(cli_ctx *c)
{
	cv_consent *list = NULL;
	size_t n = 0;
	int r = cv_consent_list(c->v, c->argv[0], &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	return print_consents(c, list, n, "no consent recorded");
}

const cli_cmd cmd_consent_list_spec = {
	"consent list", cmd_consent_list, NEEDS_VAULT, "CASE", 1, 1,
	"List a case's consents: scope, how, given, review due, withdrawn (unlocks the vault).",
	cli_no_opts, { NULL }
};

static const cli_opt due_opts[] = {
	{ "days", 0, "N", "consents whose review falls within N days (default 30), and those past it", NULL },
	CLI_OPT_END
};

static int cmd_consent_due(cli_ctx *c)
{
	const char *d = cli_opt_value(c, "days");
	cv_consent *list = NULL;
	size_t n = 0;
	long days = 30;
	char *end;
	int r;

	errno = 0;
	if (d && ((days = strtol(d, &end, 10)), errno || *end || !*d))
		return cli_fail(c, EXIT_USAGE, "--days must be a whole number of days, e.g. --days 30");
	if ((r = cv_consent_due(c->v, (int)(days > 100000 ? 100000 : days), &list, &n)) < 0)
		return cli_lib_fail(c, r);
	return print_consents(c, list, n, "no consent due for review");
}

const cli_cmd cmd_consent_due_spec = {
	"consent due", cmd_consent_due, NEEDS_VAULT, "", 0, 0,
	"List consents due for renewal within --days (30) or past their review (unlocks the vault).",
	due_opts, { NULL }
};

static const cli_opt withdraw_opts[] = {
	{ "date", 0, "DATE", "the day the family withdrew consent (default: today)", NULL },
	CLI_OPT_END
};

static int cmd_consent_withdraw(cli_ctx *c)
{
	char *end;
	long id;
	int r;

	errno = 0;
	id = strtol(c->argv[0], &end, 10);
	if (errno || *end || id <= 0)
		return cli_fail(c, EXIT_USAGE, "'%s' is not a consent number; 'casevault consent list CASE' shows them", c->argv[0]);
	if ((r = cv_consent_withdraw(c->v, id, cli_opt_value(c, "date"))) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:o}", "ok", 1, "consent", cli_jid(id)),
			"consent %ld withdrawn\n", id);
}

const cli_cmd cmd_consent_withdraw_spec = {
	"consent withdraw", cmd_consent_withdraw, NEEDS_VAULT, "CONSENT", 1, 1,
	"Record that a family withdrew a consent: nothing is shared under it from then on.",
	withdraw_opts, { NULL }
};
