/* casevault policy check */
#include <string.h>

#include "cli.h"
#include "casevault/common.h"
#include "casevault/policy.h"
#include "casevault/retention.h"

static const cli_opt check_opts[] = { CLI_OPT_END };

static int cmd_policy_check(cli_ctx *c)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	json_t *arr = json_array();
	int i, bad = 0, r;
	size_t k;

	for (i = 0; i < c->argc; i++) {
		size_t before = probs.n;

		r = cv_policy_check_file(c->argv[i], &probs);
		if (r == CV_ENOTFOUND || r == CV_EINVAL) {
			if (probs.n == before)
				cv_problems_add(&probs, c->argv[i], 0, r == CV_ENOTFOUND ? "cannot read the file" :
						"unknown kind of policy file (expected retention.ini, filetypes.ini or calendar.ini)");
		}
		if (r < 0)
			bad = 1;
		else if (!c->json)
			printf("%s: ok\n", c->argv[i]);
	}
	for (k = 0; k < probs.n; k++) {
		const cv_problem *p = &probs.items[k];
		if (c->json)
			cli_jpush(arr, json_pack("{s:o, s:i, s:o}", "file", cli_jtext(p->file ? p->file : ""),
						 "line", p->line, "problem", cli_jtext(p->msg)));
		else
			fprintf(stderr, "%s:%d: %s\n", p->file ? cli_show(p->file) : "?", p->line, cli_show(p->msg));
	}
	if (c->json)
		cli_json_out(json_pack("{s:b, s:o}", "ok", !bad, "problems", arr));
	else
		json_decref(arr);
	cv_problems_release(&probs);
	return bad ? EXIT_FAIL : EXIT_OK;
}

const cli_cmd cmd_policy_check_spec = {
	"policy check", cmd_policy_check, 0, "FILE...", 1, -1,
	"Check policy files and report every problem with its line number.",
	check_opts, { NULL }
};

static const cli_opt adopt_opts[] = { CLI_OPT_END };

static int cmd_policy_adopt(cli_ctx *c)
{
	char old_hash[80], new_hash[80];
	int r = cv_policy_adopt(c->v, old_hash, new_hash);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json)
		cli_json_out(json_pack("{s:b, s:b, s:s, s:s}", "ok", 1, "changed", strcmp(old_hash, new_hash) != 0,
				       "previous", old_hash, "policy", new_hash));
	else if (!strcmp(old_hash, new_hash))
		printf("the policy files hold the adopted policy already (%.12s); nothing to adopt\n", new_hash);
	else
		printf("adopted policy %.12s (was %.12s); records filed before keep their dates until "
		       "'casevault retention recompute' (those whose rules changed are kept as stale)\n", new_hash, old_hash);
	return EXIT_OK;
}

const cli_cmd cmd_policy_adopt_spec = {
	"policy adopt", cmd_policy_adopt, NEEDS_VAULT, "", 0, 0,
	"Adopt the edited policy files as the vault's schedule (manager); until then a change is not used.",
	adopt_opts, { NULL }
};
