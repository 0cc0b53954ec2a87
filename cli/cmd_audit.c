/* casevault CLI: audit show, audit verify (managers and auditors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "casevault/audit.h"
#include "casevault/export.h"

static const cli_opt show_opts[] = {
	{ "since", 0, "DATE", "events on or after DATE (YYYY-MM-DD)", NULL },
	{ "actor", 0, "STAFF-ID", "events by this person", NULL },
	{ "record", 0, "ID", "events naming this record (or case, staff or request id)", NULL },
	CLI_OPT_END
};

static json_t *event_json(const void *item, int arg)
{
	const cv_audit_event *e = item;

	(void)arg;
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:s}", "seq", (json_int_t)e->seq, "acted_at", e->time,
			 "acted_by", cli_jtext(e->actor), "action", cli_jtext(e->action), "ids", cli_jwords(e->ids),
			 "outcome", cli_jtext(e->outcome), "hash", e->hash);
}

/*
 * A record.export event's purpose, opened for a reader who may read its
 * record's section (casevault/export.h); NULL for any other event, an
 * auditor, or a purpose erased with its case.  Free with drop_text.
 */
static char *export_purpose(cli_ctx *c, const cv_audit_event *e)
{
	char *p = NULL;
	long id;

	if (strcmp(e->action, "record.export") || strcmp(e->outcome, "ok") || sscanf(e->ids, "export-%ld", &id) != 1 ||
	    cv_export_purpose(c->v, id, &p) < 0)
		return NULL;
	return p;
}

static void drop_text(char *p)
{
	if (p)
		explicit_bzero(p, strlen(p));
	free(p);
}

static int cmd_audit_show(cli_ctx *c)
{
	cv_audit_filter f = { cli_opt_value(c, "since"), cli_opt_value(c, "actor"), cli_opt_value(c, "record") };
	cv_audit_event *list;
	size_t n, i;
	json_t *arr = json_array();
	int r = cv_audit_list(c->v, &f, &list, &n);

	if (r < 0) {
		json_decref(arr);
		return cli_lib_fail(c, r);
	}
	for (i = 0; i < n; i++) {
		char *purpose = export_purpose(c, &list[i]);
		json_t *o;

		if (c->json) {
			o = event_json(&list[i], 0);
			if (o && purpose)
				cli_jset(o, "purpose", cli_jtext(purpose));
			cli_jpush(arr, o);
		} else {
			printf("%6ld  %s  %-7s %-16s %-8s %s%s%s\n", list[i].seq, list[i].time, cli_show(list[i].actor),
			       cli_show(list[i].action), cli_show(list[i].outcome), cli_show(list[i].ids),
			       purpose ? "  purpose: " : "", purpose ? cli_show(purpose) : "");
		}
		drop_text(purpose);
	}
	if (c->json)
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "events", arr));
	else
		json_decref(arr);
	cv_audit_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_audit_show_spec = {
	"audit show", cmd_audit_show, NEEDS_VAULT, "", 0, 0,
	"Show the audit trail (managers and auditors).",
	show_opts, { NULL }
};

static const cli_opt verify_opts[] = {
	{ "expect", 0, "HEAD", "a head (SEQ:HASH) printed by an earlier audit verify and kept outside the vault: it must still be in the chain", NULL },
	CLI_OPT_END
};

/* What is proven by a signature and what only by the chain (docs/commands/audit-verify.md). */
static void print_verified(const cv_audit_report *rep, const char *expect)
{
	printf("ok: %ld events, chain and anchor intact%s%s\nhead: %s\n", rep->events,
	       expect ? "; still holds the head " : "", expect ? expect : "", rep->head[0] ? rep->head : "(empty trail)");
	if (!rep->proven)
		printf("proven: no signed checkpoint yet; every event is chained but unsigned\n");
	else if (rep->proven == rep->events)
		printf("proven: up to event %ld (the last) by checkpoint %ld signed by %s at %s\n", rep->proven,
		       rep->checkpoint, rep->proven_by, rep->proven_at);
	else
		printf("proven: up to event %ld by checkpoint %ld signed by %s at %s; events after %ld are chained but unsigned\n",
		       rep->proven, rep->checkpoint, rep->proven_by, rep->proven_at, rep->proven);
}

static int cmd_audit_verify(cli_ctx *c)
{
	cv_audit_report rep;
	const char *expect = cli_opt_value(c, "expect");
	int r = expect ? cv_audit_verify_since(c->v, expect, &rep) : cv_audit_verify(c->v, &rep);

	if (r == CV_EINVAL)
		return cli_fail_lib(c, EXIT_USAGE, r, "%s", cv_vault_errmsg(c->v));
	if (r < 0 && r != CV_ECORRUPT)
		return cli_lib_fail(c, r);
	if (c->json)
		cli_json_out(json_pack("{s:b, s:I, s:I, s:o, s:s, s:I, s:I, s:I, s:s, s:s}", "ok", r == 0, "events",
				       (json_int_t)rep.events, "first_bad", (json_int_t)rep.first_bad, "problem",
				       cli_jtext(rep.problem), "head", rep.head, "checkpoints", (json_int_t)rep.checkpoints,
				       "proven", (json_int_t)rep.proven, "checkpoint", (json_int_t)rep.checkpoint,
				       "proven_by", rep.proven_by, "proven_at", rep.proven_at));
	else if (r == 0)
		print_verified(&rep, expect);
	else
		printf("BROKEN at event %ld: %s\n", rep.first_bad, cli_show(rep.problem));
	if (r < 0)
		fprintf(stderr, "casevault: the audit trail has been tampered with at event %ld; see docs/recovery.md\n", rep.first_bad);
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

const cli_cmd cmd_audit_verify_spec = {
	"audit verify", cmd_audit_verify, NEEDS_VAULT, "", 0, 0,
	"Check the audit trail's hash chain and anchor; say where it breaks.",
	verify_opts, { NULL }
};
