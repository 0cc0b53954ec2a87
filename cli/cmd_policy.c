/* casevault policy check */
#include <string.h>

#include "cli.h"
#include "casevault/common.h"
#include "casevault/policy.h"
#include "casevault/retention.h"
#include "casevault/vault.h"

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

/* ---- classes ---- */

/* "event-date + 6y", "child-dob + 1y6m" (docs/policy-retention.md). */
static void rule_text(const cv_retention_rule *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s +", cv_trigger_name(r->trigger));

	if (n > 0 && (size_t)n < len && r->years)
		n += snprintf(buf + n, len - (size_t)n, " %dy", r->years);
	if (n > 0 && (size_t)n < len && r->months)
		n += snprintf(buf + n, len - (size_t)n, "%s%dm", r->years ? "" : " ", r->months);
	if (n > 0 && (size_t)n < len && (r->days || (!r->years && !r->months)))
		snprintf(buf + n, len - (size_t)n, "%s%dd", r->years || r->months ? "" : " ", r->days);
}

static json_t *class_json(const void *item, int arg)
{
	const cv_class *k = item;
	json_t *rules = json_array();
	char rt[64];
	size_t i;

	(void)arg;
	for (i = 0; i < k->nrules; i++) {
		rule_text(&k->rules[i], rt, sizeof(rt));
		cli_jpush(rules, json_string(rt));
	}
	if (k->has_ceiling)
		rule_text(&k->ceiling, rt, sizeof(rt));
	return json_pack("{s:s, s:o, s:s, s:s, s:o, s:s?}", "name", k->name, "label", cli_jtext(k->label),
			 "section", cv_section_name(k->section), "action", k->action == CV_ACTION_REVIEW ? "review" : "destroy",
			 "rules", rules, "ceiling", k->has_ceiling ? rt : NULL);
}

/* The record classes a document can be filed under (--class), from the vault's policy. */
static int cmd_classes(cli_ctx *c)
{
	const cv_policy *p = cv_vault_policy(c->v);
	size_t n = p ? cv_policy_class_count(p) : 0, i, j;
	char rt[64];

	if (!p)
		return cli_fail(c, EXIT_FAIL, "the vault's policy is not loaded; run 'casevault verify'");
	if (c->json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			cli_jpush(arr, class_json(cv_policy_class_at(p, i), 0));
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "classes", arr));
		return EXIT_OK;
	}
	printf("%-22s %-4s %-7s %-30s %s\n", "CLASS", "FILE", "ACTION", "KEPT UNTIL (the latest of)", "LABEL");
	for (i = 0; i < n; i++) {
		const cv_class *k = cv_policy_class_at(p, i);
		char rules[256] = "";
		size_t len = 0;

		for (j = 0; j < k->nrules && len < sizeof(rules); j++) {
			rule_text(&k->rules[j], rt, sizeof(rt));
			len += (size_t)snprintf(rules + len, sizeof(rules) - len, "%s%s", j ? ", " : "", rt);
		}
		if (k->has_ceiling && len < sizeof(rules)) {
			rule_text(&k->ceiling, rt, sizeof(rt));
			snprintf(rules + len, sizeof(rules) - len, " (at most %s)", rt);
		}
		printf("%-22s %-4s %-7s %-30s %s\n", k->name, cv_section_name(k->section),
		       k->action == CV_ACTION_REVIEW ? "review" : "destroy", rules, cli_show(k->label));
	}
	return EXIT_OK;
}

const cli_cmd cmd_classes_spec = {
	"classes", cmd_classes, NEEDS_VAULT, "", 0, 0,
	"List the record classes of the vault's policy (the values of --class) and how long each is kept.",
	cli_no_opts, { NULL }
};
