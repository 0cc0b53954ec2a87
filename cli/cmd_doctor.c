/*
 * casevault doctor: the health check (docs/commands/doctor.md).  One line
 * per check, "STATE  CHECK  what was found; what to do"; exit 1 when any
 * check needs doing, so that a daily cron job or monitoring can mail it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "casevault/doctor.h"

static json_t *item_json(const void *item, int arg)
{
	const cv_doctor_item *it = item;

	(void)arg;
	return json_pack("{s:s, s:s, s:s}", "check", it->check, "state", cv_doctor_state_name(it->state),
			 "text", it->text);
}

static int cmd_doctor(cli_ctx *c)
{
	/* tests point it at a tree that stands for / (tests/cli/t_doctor.sh) */
	cv_doctor_opts o = { getenv("CASEVAULT_SYSTEMD_ROOT") };
	cv_doctor_item *items = NULL;
	size_t n = 0, i, todo = 0;
	int r = cv_doctor(c->v, &o, &items, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	for (i = 0; i < n; i++)
		todo += items[i].state == CV_DOCTOR_TODO;
	if (c->json) {
		/* "ok": the checks ran; "todo" counts what needs doing (the exit status says the same) */
		cli_json_out(json_pack("{s:b, s:I, s:o}", "ok", 1, "todo", (json_int_t)todo,
				       "checks", cli_json_array(items, n, sizeof(*items), item_json, 0)));
	} else {
		for (i = 0; i < n; i++)
			printf("%-7s %-16s %s\n", cv_doctor_state_name(items[i].state), items[i].check, items[i].text);
		if (todo)
			printf("%zu %s doing (the lines marked todo)\n", todo, todo == 1 ? "thing needs" : "things need");
		else
			printf("all is well\n");
	}
	free(items);
	return todo ? EXIT_FAIL : EXIT_OK;
}

const cli_cmd cmd_doctor_spec = {
	"doctor", cmd_doctor, NEEDS_VAULT, "", 0, 0,
	"Check the vault's upkeep: purge, backups, timer, policy, attestations, consents, disk, permissions (managers).",
	cli_no_opts, { NULL }
};
