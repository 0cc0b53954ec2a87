/* casevault policy check */
#include <string.h>

#include "cli.h"
#include "casevault/common.h"
#include "casevault/policy.h"

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
			json_array_append_new(arr, json_pack("{s:s, s:i, s:s}", "file", p->file ? p->file : "",
							     "line", p->line, "problem", p->msg));
		else
			fprintf(stderr, "%s:%d: %s\n", p->file ? p->file : "?", p->line, p->msg);
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
