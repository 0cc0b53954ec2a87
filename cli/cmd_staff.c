/* casevault CLI: staff add, list, attest, revoke (audit: cmd_audit.c). */
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "casevault/audit.h"
#include "casevault/common.h"
#include "casevault/staff.h"

static const cli_opt add_opts[] = {
	{ "role", 0, "ROLE", "manager, caseworker, cp-lead, volunteer or auditor (required)", NULL },
	{ "key", 0, "FILE", "import this OpenPGP secret key instead of making one", NULL },
	{ "new-passphrase-file", 0, "FILE", "the new person's own passphrase (default: pinentry asks them)", NULL },
	{ "os-user", 0, "USER", "the OS user (name or uid) who acts as this person by default", NULL },
	{ "no-passphrase", 0, NULL, "make the key without a passphrase: throwaway test or demo vaults only", NULL },
	CLI_OPT_END
};

static int cmd_staff_add(cli_ctx *c)
{
	cv_staff_opts o;
	const char *u = cli_opt_value(c, "os-user");
	char id[16];
	int r;

	memset(&o, 0, sizeof(o));
	o.name = c->argv[0];
	o.os_uid = -1;
	if (!cli_opt_value(c, "role") || cv_role_parse(&o.role, cli_opt_value(c, "role")) < 0)
		return cli_fail(c, EXIT_USAGE, "staff add needs --role manager|caseworker|cp-lead|volunteer|auditor");
	if (u) {
		struct passwd *pw = getpwnam(u);
		char *end;
		long uid = strtol(u, &end, 10);

		if (pw)
			o.os_uid = (long)pw->pw_uid;
		else if (*u && !*end && uid >= 0)
			o.os_uid = uid;
		else
			return cli_fail(c, EXIT_USAGE, "no OS user '%s' on this machine", u);
	}
	o.key_file = cli_opt_value(c, "key");
	o.key_fd = cli_passed_fd(c, o.key_file);  /* through casevaultd: docs/service.md, Named files */
	o.has_key_fd = o.key_fd >= 0;
	o.no_passphrase = cli_flag(c, "no-passphrase");
	if (cli_passed_fd(c, cli_opt_value(c, "new-passphrase-file")) >= 0) {
		o.new_pass_cb = cli_passed_passphrase_cb;
		o.new_pass_hook = (void *)(intptr_t)cli_passed_fd(c, cli_opt_value(c, "new-passphrase-file"));
	} else if (cli_opt_value(c, "new-passphrase-file")) {
		if (access(cli_opt_value(c, "new-passphrase-file"), R_OK) < 0)
			return cli_fail(c, EXIT_USAGE, "cannot read %s", cli_opt_value(c, "new-passphrase-file"));
		o.new_pass_cb = cli_passphrase_cb;
		o.new_pass_hook = (void *)cli_opt_value(c, "new-passphrase-file");
	}
	if (o.new_pass_cb && !o.no_passphrase && !o.key_file &&
	    (r = cli_new_passphrase_ok(c, o.new_pass_cb, o.new_pass_hook, cli_opt_value(c, "new-passphrase-file"))) != 0)
		return r;
	r = cv_staff_add(c->v, &o, id);
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:s}", "ok", 1, "staff", id, "role", cv_role_name(o.role)),
			"%s\n", id);
}

const cli_cmd cmd_staff_add_spec = {
	"staff add", cmd_staff_add, NEEDS_VAULT, "NAME", 1, 1,
	"Add a member of staff with their own key and the keyslips their role allows (managers only).",
	add_opts, { "New staff member's name" }
};

static const cli_opt list_opts[] = {
	{ "names", 0, NULL, "also show names (managers only; unlocks the vault)", NULL },
	CLI_OPT_END
};

static json_t *staff_json(const void *item, int arg)
{
	const cv_staff *s = item;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "id", s->id,
			      "role", cv_role_name(s->role), "added_at", s->created,
			      "added_by", s->added_by[0] ? s->added_by : NULL,
			      "attested", s->attested[0] ? s->attested : NULL,
			      "policy_version", s->policy_version[0] ? s->policy_version : NULL,
			      "revoked", s->revoked[0] ? s->revoked : NULL,
			      "revoked_by", s->revoked_by[0] ? s->revoked_by : NULL);

	(void)arg;
	if (s->name)
		cli_jset(j, "name", cli_jtext(s->name));
	return j;
}

static int cmd_staff_list(cli_ctx *c)
{
	cv_staff *list;
	size_t n, i;
	int names = cli_flag(c, "names");
	int r = cv_staff_list(c->v, &list, &n, names);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json)
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "staff",
				       cli_json_array(list, n, sizeof(*list), staff_json, 0)));
	else
		for (i = 0; i < n; i++)
			printf("%-7s %-10s attested %-10s%s%s%s%s\n", list[i].id, cv_role_name(list[i].role),
			       list[i].attested[0] ? list[i].attested : "never",
			       list[i].revoked[0] ? "  REVOKED " : "", list[i].revoked,
			       list[i].name ? "  " : "", list[i].name ? cli_show(list[i].name) : "");
	cv_staff_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_staff_list_spec = {
	"staff list", cmd_staff_list, NEEDS_VAULT, "", 0, 0,
	"List staff: id, role, last attestation, revocation.",
	list_opts, { NULL }
};

static const cli_opt attest_opts[] = {
	{ "date", 0, "DATE", "the day they agreed (default: today)", NULL },
	{ "policy-version", 0, "VERSION", "version of the confidentiality policy agreed to (default: the last one recorded)", NULL },
	CLI_OPT_END
};

static int cmd_staff_attest(cli_ctx *c)
{
	int r = cv_staff_attest(c->v, c->argv[0], cli_opt_value(c, "date"), cli_opt_value(c, "policy-version"));

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "staff", c->argv[0]),
			"recorded: %s agreed to the confidentiality policy\n", c->argv[0]);
}

const cli_cmd cmd_staff_attest_spec = {
	"staff attest", cmd_staff_attest, NEEDS_VAULT, "STAFF-ID", 1, 1,
	"Record that a person agreed to the confidentiality policy (renew every 12 months).",
	attest_opts, { NULL }
};

static const cli_opt revoke_opts[] = { CLI_OPT_END };

static int cmd_staff_revoke(cli_ctx *c)
{
	size_t n = 0, seen = strlen(cv_vault_notice(c->v));
	int r = cv_staff_revoke(c->v, c->argv[0], &n);

	cli_notices_from(c, seen);
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "staff", c->argv[0], "archive_keys_rewrapped", (json_int_t)n),
			"revoked %s: keyslips removed, section keys rotated (%zu archive keys re-wrapped)\n", c->argv[0], n);
}

const cli_cmd cmd_staff_revoke_spec = {
	"staff revoke", cmd_staff_revoke, NEEDS_VAULT | NEEDS_GPGCONF, "STAFF-ID", 1, 1,
	"Revoke a person: remove their keyslips and rotate the keys they held.",
	revoke_opts, { NULL }
};
