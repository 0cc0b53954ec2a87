/* casevault CLI: share (docs/legal-rules.md LR-15, LR-17). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "casevault/share.h"

static const cli_opt share_opts[] = {
	{ "to", 0, "RECIPIENT", "the recipient, as the family's consent names them", "Recipient" },
	{ "purpose", 0, "P", "the purpose, as the family's consent names it", "Purpose" },
	{ "output", 'o', "FILE", "the bundle to write (must not exist)", NULL },
	{ "records", 0, "RECORDS", "share only these records (comma-separated ids; default: the whole case file)", NULL },
	{ "recipient", 0, "KEYFILE", "encrypt to this OpenPGP public key instead of a passphrase", NULL },
	{ "show-passphrase", 0, NULL, "print the ZIP's passphrase on standard output (default: the terminal only)", NULL },
	{ "passphrase-file", 0, "FILE", "write the ZIP's passphrase to this new file (mode 0600; must not exist)", NULL },
	CLI_OPT_END
};

static void share_opts_fill(cli_ctx *c, cv_share_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->case_id = c->argv[0];
	o->recipient = cli_opt_value(c, "to");
	o->purpose = cli_opt_value(c, "purpose");
	o->records = cli_opt_value(c, "records");
	o->out.out_path = cli_opt_value(c, "output");
	o->out.out_fd = cli_passed_fd(c, o->out.out_path);
	o->out.has_out_fd = o->out.out_fd >= 0;
	o->out.recipient_key = cli_opt_value(c, "recipient");
	o->out.recipient_fd = cli_passed_fd(c, o->out.recipient_key);
	o->out.has_recipient_fd = o->out.recipient_fd >= 0;
}

static int share_print(cli_ctx *c, const cv_share_opts *o, cv_bundle_result *res, long consent, const cli_pass_dest *d)
{
	if (c->json) {
		json_t *j = json_pack("{s:b, s:s, s:o, s:s, s:s, s:I, s:I}", "ok", 1, "case", o->case_id,
				      "consent", cli_jid(consent), "file", o->out.out_path, "sha256", res->sha256,
				      "size", (json_int_t)res->size, "documents", (json_int_t)res->members);
		if (j && o->out.recipient_key)
			json_object_set_new(j, "recipient", json_string(res->recipient_fpr));
		else if (j && d->show)
			json_object_set_new(j, "passphrase", json_string(res->passphrase));
		if (!j)
			return cli_fail(c, EXIT_FAIL, "%s was written, but its result could not be printed (out of memory)", o->out.out_path);
		cli_json_out(j);
		return EXIT_OK;
	}
	printf("%s: %s written under consent %ld (%zu document%s, SHA-256 %s)\n", o->case_id, o->out.out_path, consent,
	       res->members, res->members == 1 ? "" : "s", res->sha256);
	if (o->out.recipient_key)
		printf("encrypted to OpenPGP key %s\n", res->recipient_fpr);
	else if (d->show)
		printf("passphrase (shown once, never stored; send it by another channel, e.g. phone): %s\n", res->passphrase);
	else
		printf("passphrase %s %s (send it by another channel, e.g. phone)\n", d->path ? "written to" : "shown on the",
		       d->path ? d->path : "terminal");
	return EXIT_OK;
}

static int cmd_share(cli_ctx *c)
{
	cv_share_opts o;
	cv_bundle_result res;
	cli_pass_dest d;
	long consent = 0;
	int r;

	if (!cli_opt_value(c, "output"))
		return cli_fail(c, EXIT_USAGE, "share needs -o FILE");
	if (!cli_opt_value(c, "to") && !cli_opt_value(c, "purpose"))
		return cli_fail(c, EXIT_USAGE, "share needs --to RECIPIENT or --purpose P: what the family's consent covers");
	if ((r = cli_pass_dest_open(c, &d)) != 0)
		return r;
	share_opts_fill(c, &o);
	if ((r = cv_share(c->v, &o, &res, &consent)) < 0) {
		cli_pass_dest_close(&d, 1);
		return cli_lib_fail(c, r);
	}
	r = o.out.recipient_key ? EXIT_OK : cli_pass_deliver(c, &d, res.passphrase, o.out.out_path);
	cli_pass_dest_close(&d, 0);
	if (r == EXIT_OK)
		r = share_print(c, &o, &res, consent, &d);
	explicit_bzero(res.passphrase, sizeof(res.passphrase));
	return r;
}

const cli_cmd cmd_share_spec = {
	"share", cmd_share, NEEDS_VAULT | EXPORTS_CONTENT, "CASE", 1, 1,
	"Share case records under the family's consent: an encrypted bundle, checked before it is kept.",
	share_opts, { NULL }
};
