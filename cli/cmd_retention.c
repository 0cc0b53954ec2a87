/*
 * casevault hold add|release|list, retention due|recompute, review
 * [approve|defer], purge, certificates list|show, case reopen|set-dob.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "casevault/intake.h"
#include "casevault/case.h"
#include "casevault/common.h"
#include "casevault/purge.h"
#include "casevault/retention.h"

static json_t *hold_json(const void *item, int arg)
{
	const cv_hold *h = item;

	(void)arg;
	return json_pack("{s:o, s:s, s:s?, s:s?, s:o, s:o, s:s, s:s, s:s?, s:s?}",
			 "id", cli_jid(h->id), "kind", cv_hold_kind_name(h->kind),
			 "case", h->case_id[0] ? h->case_id : NULL, "record", h->record_id[0] ? h->record_id : NULL,
			 "ref", cli_jtext(h->ref[0] ? h->ref : NULL), "reason", cli_jtext(h->reason),
			 "placed_by", h->placed_by, "placed_at", h->placed_at,
			 "released_by", h->released_by[0] ? h->released_by : NULL,
			 "released_at", h->released_at[0] ? h->released_at : NULL);
}

static const char *hold_target(const cv_hold *h)
{
	return h->record_id[0] ? h->record_id : h->case_id;
}

/* ---- hold ---- */

static const cli_opt hold_add_opts[] = {
	{ "reason", 0, "R", "why the records must be kept (required; sealed in the index)", "Reason for the hold" },
	{ "moratorium", 0, NULL, "a moratorium flag (IICSA; docs/legal-rules.md LR-13): blocks disposal while it stands", NULL },
	CLI_OPT_END
};

static int cmd_hold_add(cli_ctx *c)
{
	long id = 0;
	int r;

	if (!cli_opt_value(c, "reason"))
		return cli_fail(c, EXIT_USAGE, "hold add needs --reason R");
	r = cv_hold_place(c->v, cli_flag(c, "moratorium") ? CV_HOLD_MORATORIUM : CV_HOLD_HOLD, c->argv[0],
			  cli_opt_value(c, "reason"), NULL, &id);
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:o, s:s, s:s}", "ok", 1, "hold", cli_jid(id), "target", c->argv[0],
			"kind", cli_flag(c, "moratorium") ? "moratorium" : "hold"),
			"hold %ld placed on %s%s\n", id, c->argv[0], cli_flag(c, "moratorium") ? " (moratorium)" : "");
}

const cli_cmd cmd_hold_add_spec = {
	"hold add", cmd_hold_add, NEEDS_VAULT, "CASE|RECORD", 1, 1,
	"Put a case or a record on hold: nothing held is ever destroyed.",
	hold_add_opts, { NULL }
};

static int parse_id(cli_ctx *c, const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *end || *out <= 0)
		return cli_fail(c, EXIT_USAGE, "'%s' is not a number; see 'casevault %s --help'", s, c->cmd->name);
	return 0;
}

static int cmd_hold_release(cli_ctx *c)
{
	long id;
	int r;

	if ((r = parse_id(c, c->argv[0], &id)) != 0)
		return r;
	r = cv_hold_release(c->v, id);
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:o}", "ok", 1, "hold", cli_jid(id)),
			"hold %ld released\n", id);
}

const cli_cmd cmd_hold_release_spec = {
	"hold release", cmd_hold_release, NEEDS_VAULT, "ID", 1, 1,
	"Release a hold; its records fall back to the schedule.",
	cli_no_opts, { NULL }
};

static const cli_opt hold_list_opts[] = {
	{ "all", 0, NULL, "also list released holds", NULL },
	{ "reasons", 0, NULL, "also show the reasons (unlocks the vault)", NULL },
	CLI_OPT_END
};

static int cmd_hold_list(cli_ctx *c)
{
	cv_hold *list;
	size_t n, i;
	int r = cv_hold_list(c->v, cli_flag(c, "all"), cli_flag(c, "reasons"), &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "holds",
				       cli_json_array(list, n, sizeof(*list), hold_json, 0)));
	} else {
		for (i = 0; i < n; i++) {
			const cv_hold *h = &list[i];
			printf("%-5ld %-10s %-12s placed %s by %s", h->id, cv_hold_kind_name(h->kind), hold_target(h),
			       h->placed_at, h->placed_by);
			if (h->ref[0])
				printf("  ref %s", cli_show(h->ref));
			if (h->released_at[0])
				printf("  released %s by %s", h->released_at, h->released_by);
			if (h->reason)
				printf("  reason: %s", cli_show(h->reason));
			printf("\n");
		}
		if (n == 0)
			printf("no holds\n");
	}
	cv_hold_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_hold_list_spec = {
	"hold list", cmd_hold_list, NEEDS_VAULT, "", 0, 0,
	"List the holds that stand (ids, targets, who and when).",
	hold_list_opts, { NULL }
};

/* ---- the due list ---- */

static json_t *due_json(const void *item, int arg)
{
	const cv_due *d = item;
	json_t *j = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
			      "id", d->id, "case", d->case_id[0] ? d->case_id : NULL, "section", cv_section_name(d->section),
			      "class", d->class_name, "retain_until", d->retain_until, "status", cv_due_status_name(d->status),
			      "policy_hash", d->policy_hash, "archive", d->archive, "whole_archive", d->whole);
	(void)arg;
	if (d->status == CV_DUE_HELD)
		cli_jset(j, "held_by", json_pack("{s:o, s:s, s:o}", "hold", cli_jid(d->hold.id),
			"kind", cv_hold_kind_name(d->hold.kind), "ref", cli_jtext(d->hold.ref[0] ? d->hold.ref : NULL)));
	if (d->status == CV_DUE_APPROVED)
		cli_jset(j, "approved_by", cli_jtext(d->approved_by));
	return j;
}

static void due_line(const cv_due *d)
{
	printf("%s  %-12s %-4s %-16s due %s  %s", d->id, d->case_id[0] ? d->case_id : "-", cv_section_name(d->section),
	       d->class_name, d->retain_until, cv_due_status_name(d->status));
	if (d->status == CV_DUE_HELD)
		printf(" (%s %ld on %s%s%s)", cv_hold_kind_name(d->hold.kind), d->hold.id, hold_target(&d->hold),
		       d->hold.ref[0] ? ", ref " : "", cli_show(d->hold.ref));
	if (d->status == CV_DUE_APPROVED)
		printf(" (by %s)", d->approved_by);
	if ((d->status == CV_DUE_DESTROY || d->status == CV_DUE_APPROVED) && !d->whole)
		printf(" (its archive must be rewritten: needs an unlock)");
	printf("\n");
}

static const cli_opt due_opts[] = {
	{ "as-of", 0, "DATE", "what is due on DATE, YYYY-MM-DD (default: today; a later date forecasts)", NULL },
	CLI_OPT_END
};

typedef int (*due_list_fn)(cv_vault *v, const char *as_of, cv_due **out, size_t *n);

/* retention due and review print the same list; only the empty line differs. */
static int print_due_list(cli_ctx *c, due_list_fn list_fn, const char *none)
{
	cv_due *list;
	size_t n, i;
	int r = list_fn(c->v, cli_opt_value(c, "as-of"), &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "records",
				       cli_json_array(list, n, sizeof(*list), due_json, 0)));
	} else {
		for (i = 0; i < n; i++)
			due_line(&list[i]);
		if (n == 0)
			printf("%s\n", none);
	}
	cv_due_list_free(list, n);
	return EXIT_OK;
}

static int cmd_retention_due(cli_ctx *c)
{
	size_t waiting = 0;
	int r = print_due_list(c, cv_retention_due, "nothing is due");

	/* intake items have their own short retention (docs/intake.md, Retention): a person decides */
	if (r == EXIT_OK && cv_intake_due_count(c->v, &waiting) == 0 && waiting)
		fprintf(stderr, "casevault: the intake tray: %zu item%s waiting %d days or more; assign or reject %s "
			"('casevault intake list --due')\n", waiting, waiting == 1 ? "" : "s", CV_INTAKE_DUE_DAYS,
			waiting == 1 ? "it" : "them");
	return r;
}

const cli_cmd cmd_retention_due_spec = {
	"retention due", cmd_retention_due, NEEDS_VAULT, "", 0, 0,
	"List what is due for destruction, what is held (and by what) and what awaits review.",
	due_opts, { NULL }
};

static int cmd_retention_recompute(cli_ctx *c)
{
	size_t changed = 0, pending = 0;
	int r = cv_retention_recompute(c->v, c->argc ? c->argv[0] : NULL, &changed, &pending);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json)
		cli_json_out(json_pack("{s:b, s:I, s:I}", "ok", 1, "changed", (json_int_t)changed, "pending", (json_int_t)pending));
	else {
		printf("%zu retention date%s changed\n", changed, changed == 1 ? "" : "s");
		if (pending)
			printf("%zu record%s left without a date: their section's key is not yours (ask a colleague who holds it)\n",
			       pending, pending == 1 ? "" : "s");
	}
	return EXIT_OK;
}

const cli_cmd cmd_retention_recompute_spec = {
	"retention recompute", cmd_retention_recompute, NEEDS_VAULT, "[CASE]", 0, 1,
	"Work retention dates out again under the current policy (after a policy change).",
	cli_no_opts, { NULL }
};

/* ---- review ---- */

static int cmd_review(cli_ctx *c)
{
	return print_due_list(c, cv_review_list, "nothing awaits review");
}

const cli_cmd cmd_review_spec = {
	"review", cmd_review, NEEDS_VAULT, "", 0, 0,
	"List records of review classes (child protection...) that are due: a manager decides.",
	due_opts, { NULL }
};

static int cmd_review_approve(cli_ctx *c)
{
	int r = cv_review_approve(c->v, c->argv[0]);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "record", c->argv[0]),
			"destruction of %s approved; the next purge destroys it unless it is held\n", c->argv[0]);
}

const cli_cmd cmd_review_approve_spec = {
	"review approve", cmd_review_approve, NEEDS_VAULT, "RECORD", 1, 1,
	"Approve the destruction of a due record of a review class (manager).",
	cli_no_opts, { NULL }
};

static const cli_opt defer_opts[] = {
	{ "until", 0, "DATE", "keep the record until DATE, YYYY-MM-DD (required; after today)", NULL },
	{ "reason", 0, "R", "why it is kept longer (required; sealed in the index)", "Reason for keeping it" },
	CLI_OPT_END
};

static int cmd_review_defer(cli_ctx *c)
{
	int r;

	if (!cli_opt_value(c, "until") || !cli_opt_value(c, "reason"))
		return cli_fail(c, EXIT_USAGE, "review defer needs --until DATE and --reason R");
	r = cv_review_defer(c->v, c->argv[0], cli_opt_value(c, "until"), cli_opt_value(c, "reason"));
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:s}", "ok", 1, "record", c->argv[0], "until", cli_opt_value(c, "until")),
			"%s kept until %s\n", c->argv[0], cli_opt_value(c, "until"));
}

const cli_cmd cmd_review_defer_spec = {
	"review defer", cmd_review_defer, NEEDS_VAULT, "RECORD", 1, 1,
	"Keep a record of a review class until a later date, with a reason (manager).",
	defer_opts, { NULL }
};

/* ---- purge ---- */

static const cli_opt purge_opts[] = {
	{ "dry-run", 0, NULL, "show what would be destroyed; change nothing at all", NULL },
	{ "as-of", 0, "DATE", "destroy what is due on DATE (default: today; a later date only with --dry-run)", NULL },
	{ "scheduled", 0, NULL, "unattended run (systemd timer): never asks for a passphrase, prints one log line", NULL },
	{ "yes", 0, NULL, "destroy without asking first (at a terminal, purge lists what is due and asks for yes)", NULL },
	CLI_OPT_END
};

static void summary(char *buf, size_t len, const cv_purge_report *rep, int dry)
{
	size_t n = (size_t)snprintf(buf, len, "%s %zu record%s in %zu archive%s%s%s",
		dry ? "would destroy" : "destroyed", rep->destroyed, rep->destroyed == 1 ? "" : "s",
		rep->archives_destroyed + rep->archives_rewritten,
		rep->archives_destroyed + rep->archives_rewritten == 1 ? "" : "s",
		rep->archives_rewritten ? (dry ? " (some by a rewrite)" : " (some rewritten)") : "",
		"");
	if (n < len && rep->certificate)
		n += (size_t)snprintf(buf + n, len - n, " (certificate %ld, sha256 %.16s)", rep->certificate, rep->certificate_sha256);
	if (n < len)
		snprintf(buf + n, len - n, "; kept: %zu held, %zu awaiting review, %zu stale date%s, %zu unknown class%s, %zu pending a rewrite%s",
			 rep->held, rep->review, rep->stale, rep->stale == 1 ? "" : "s", rep->unknown,
			 rep->unknown == 1 ? "" : "es", rep->pending,
			 rep->policy_unadopted ? "; WARNING: the policy files changed and no manager adopted them, the adopted policy was used" :
			 rep->policy_fallback ? "; WARNING: the policy files are invalid, the last good policy was used" : "");
}

/*
 * Each record due as the purge walks its plan: a line at once, or (--json)
 * its object into a temporary file that the report splices in at the end,
 * so that neither the purge nor this command holds the list
 * (docs/retention.md, "The purge at scale").
 */
struct purge_out {
	int sched;                 /* or already listed: no line per record */
	FILE *json;
	size_t n;
	int failed;
};

static void purge_each(void *hook, const cv_due *d)
{
	struct purge_out *o = hook;
	json_t *j;

	if (!o->json) {
		if (!o->sched)
			due_line(d);
		return;
	}
	j = due_json(d, 0);
	if (!j || fputs(o->n++ ? ",\n" : "\n", o->json) < 0 ||
	    json_dumpf(j, o->json, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		o->failed = 1;
	json_decref(j);
}

/* The report with its "records" (last, empty in head) filled from the temporary file. */
static int purge_json_out(cli_ctx *c, json_t *head, struct purge_out *o)
{
	char *s = json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER), *open_at, buf[8192];
	size_t got;

	json_decref(head);
	open_at = s ? strrchr(s, '[') : NULL;
	if (!open_at || o->failed || cli_json_failed() || fflush(o->json) != 0 || fseek(o->json, 0, SEEK_SET) != 0) {
		free(s);
		return cli_fail(c, EXIT_FAIL, "the purge ran but its JSON report could not be written (temporary file): "
				"see 'casevault certificates list' for what it destroyed");
	}
	fwrite(s, 1, (size_t)(open_at - s) + 1, stdout);
	while ((got = fread(buf, 1, sizeof(buf), o->json)) > 0)
		fwrite(buf, 1, got, stdout);
	fputs(o->n ? "\n]\n}\n" : "]\n}\n", stdout);
	free(s);
	return EXIT_OK;
}

/*
 * At a terminal, a purge that would destroy something lists it first (a dry
 * run) and goes on only when "yes" is typed (docs/commands/purge.md,
 * "Confirmation").  Elsewhere nobody could answer: scripts and the systemd
 * unit (--scheduled) run as asked.  1 to go on; 0 with *status set.
 */
static int confirm_purge(cli_ctx *c, const char *as_of, int *status)
{
	struct purge_out o = { c->json, NULL, 0, 0 };
	cv_purge_report rep;
	char line[768], answer[16] = "";
	int r = cv_purge_each(c->v, as_of, CV_PURGE_DRY_RUN, &rep, purge_each, &o);
	size_t n = rep.destroyed;

	if (r < 0)
		*status = cli_lib_fail(c, r);
	else
		summary(line, sizeof(line), &rep, 1);
	cv_purge_report_release(&rep);
	if (r < 0 || n == 0)
		return r >= 0;  /* nothing to destroy: the purge itself says so */
	fprintf(stderr, "%s\nDestroy these %zu record%s for good? Type yes to go on: ", line, n, n == 1 ? "" : "s");
	fflush(stdout);
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin) && !strcmp(answer, "yes\n"))
		return 1;
	*status = cli_fail(c, EXIT_FAIL, "purge cancelled: nothing was destroyed (type yes at the prompt, or give --yes)");
	return 0;
}

static int cmd_purge(cli_ctx *c)
{
	cv_purge_report rep;
	int dry = cli_flag(c, "dry-run"), sched = cli_flag(c, "scheduled");
	const char *as_of = cli_opt_value(c, "as-of");
	struct purge_out o = { sched, NULL, 0, 0 };
	char line[768];
	int r;

	if (!dry && !sched && !cli_flag(c, "yes") && isatty(0) && isatty(2)) {
		if (!confirm_purge(c, as_of, &r))
			return r;
		o.sched = 1;  /* listed above */
	}
	if (c->json && !(o.json = tmpfile()))
		return cli_fail(c, EXIT_FAIL, "cannot make a temporary file for the JSON report: %s; nothing was done "
				"(is /tmp writable?)", strerror(errno));
	r = cv_purge_each(c->v, as_of, (dry ? CV_PURGE_DRY_RUN : 0) | (sched ? CV_PURGE_SCHEDULED : 0), &rep,
			  purge_each, &o);
	if (r < 0) {
		if (sched)
			r = cli_fail(c, EXIT_FAIL, "purge FAILED: %s", cv_vault_errmsg(c->v));
		else
			r = cli_lib_fail(c, r);
		cv_purge_report_release(&rep);
		if (o.json)
			fclose(o.json);
		return r;
	}
	if (rep.another_running) {
		if (c->json)
			cli_json_out(json_pack("{s:b, s:b}", "ok", 1, "another_running", 1));
		else
			printf("casevault purge: another purge is running on this vault; nothing done\n");
		cv_purge_report_release(&rep);
		if (o.json)
			fclose(o.json);
		return EXIT_OK;
	}
	summary(line, sizeof(line), &rep, dry);
	r = EXIT_OK;
	if (c->json) {
		/* a dry run says what it WOULD do, in keys of their own (docs/json.md, Dry runs) */
		r = purge_json_out(c, json_pack("{s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s?, s:b, s:o}",
			"ok", !(sched && (rep.pending || rep.policy_fallback)), "dry_run", dry,
			dry ? "would_destroy" : "destroyed", (json_int_t)rep.destroyed,
			dry ? "would_erase_archives" : "archives_erased", (json_int_t)rep.archives_destroyed,
			dry ? "would_rewrite_archives" : "archives_rewritten", (json_int_t)rep.archives_rewritten,
			"held", (json_int_t)rep.held, "awaiting_review", (json_int_t)rep.review, "stale", (json_int_t)rep.stale,
			"unknown_class", (json_int_t)rep.unknown, "pending_rewrite", (json_int_t)rep.pending,
			"certificate", cli_jid(rep.certificate),
			"certificate_sha256", rep.certificate ? rep.certificate_sha256 : NULL,
			"policy_fallback", rep.policy_fallback, "records", json_array()), &o);
	} else if (sched) {
		printf("casevault purge: %s\n", line);
	} else {
		printf("%s\n", line);
	}
	/* Unattended: work left undone (a rewrite waiting for an unlock, a broken policy file) is a failure to look at. */
	if (r == EXIT_OK && sched && (rep.pending || rep.policy_fallback))
		r = EXIT_FAIL;
	cv_purge_report_release(&rep);
	if (o.json)
		fclose(o.json);
	return r;
}

const cli_cmd cmd_purge_spec = {
	"purge", cmd_purge, NEEDS_VAULT, "", 0, 0,
	"Destroy every record that is due, not held and (review classes) approved, with a certificate.",
	purge_opts, { NULL }
};

/* ---- certificates ---- */

static json_t *cert_json(const void *item, int arg)
{
	const cv_certificate *k = item;

	(void)arg;
	return json_pack("{s:o, s:s, s:s, s:I, s:s}", "number", cli_jid(k->number), "run_at", k->created,
			 "run_by", k->run_by, "records", (json_int_t)k->records, "sha256", k->sha256);
}

static int cmd_cert_list(cli_ctx *c)
{
	cv_certificate *list;
	size_t n, i;
	int r = cv_certificate_list(c->v, &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "certificates",
				       cli_json_array(list, n, sizeof(*list), cert_json, 0)));
	} else {
		for (i = 0; i < n; i++)
			printf("%-5ld %s  %-9s %6ld record%s  sha256 %.16s\n", list[i].number, list[i].created, list[i].run_by,
			       list[i].records, list[i].records == 1 ? " " : "s", list[i].sha256);
		if (n == 0)
			printf("no certificates yet\n");
	}
	free(list);
	return EXIT_OK;
}

const cli_cmd cmd_certificates_list_spec = {
	"certificates list", cmd_cert_list, NEEDS_VAULT, "", 0, 0,
	"List the certificates of destruction.",
	cli_no_opts, { NULL }
};

/* Who signed it and whether that holds, as JSON. */
static json_t *sigs_json(const cv_certificate_sigs *s)
{
	return json_pack("{s:o, s:o, s:b, s:o, s:o, s:b, s:o}",
			 "signed_by", s->signed_by[0] ? json_string(s->signed_by) : json_null(),
			 "signed_at", s->signed_by[0] ? json_string(s->signed_at) : json_null(), "signed_ok", s->signed_ok,
			 "countersigned_by", s->countersigned_by[0] ? json_string(s->countersigned_by) : json_null(),
			 "countersigned_at", s->countersigned_by[0] ? json_string(s->countersigned_at) : json_null(),
			 "countersigned_ok", s->countersigned_ok, "problem", s->problem[0] ? cli_jtext(s->problem) : json_null());
}

/* The same in words, one line. */
static void sigs_line(long n, const cv_certificate_sigs *s)
{
	if (!s->signed_by[0])
		printf("certificate %ld: NOT signed\n", n);
	else
		printf("certificate %ld: signed by %s at %s%s%s%s%s%s%s\n", n, cli_show(s->signed_by), s->signed_at,
		       s->signed_ok ? "" : " (the signature does NOT hold)",
		       s->countersigned_by[0] ? "; counter-signed by " : !strcmp(s->signed_by, "purge-key") ?
		       "; awaiting a manager's counter-signature" : "",
		       s->countersigned_by[0] ? cli_show(s->countersigned_by) : "", s->countersigned_by[0] ? " at " : "",
		       s->countersigned_at, s->countersigned_by[0] && !s->countersigned_ok ? " (does NOT hold)" : "");
	if (s->problem[0])
		printf("  %s\n", cli_show(s->problem));
}

static const cli_opt cert_show_opts[] = {
	{ "signatures", 0, NULL, "print who signed and counter-signed it, and whether that holds, instead of its text", NULL },
	CLI_OPT_END
};

static int cmd_cert_show(cli_ctx *c)
{
	cv_certificate_sigs sigs;
	char *body = NULL;
	json_t *j;
	long n;
	int r;

	if ((r = parse_id(c, c->argv[0], &n)) != 0)
		return r;
	if ((r = cv_certificate_get(c->v, n, &body)) < 0 || (r = cv_certificate_signatures(c->v, n, &sigs)) < 0) {
		free(body);
		return cli_lib_fail(c, r);
	}
	if (!c->json) {
		if (cli_flag(c, "signatures"))
			sigs_line(n, &sigs);
		else
			fputs(body, stdout);
		free(body);
		return EXIT_OK;
	}
	j = json_loads(body, 0, NULL);
	free(body);
	if (!j)
		return cli_fail(c, EXIT_FAIL, "certificate %ld is not valid JSON in the index; run 'casevault verify' "
				"and see docs/recovery.md", n);
	cli_json_out(json_pack("{s:b, s:o, s:o}", "ok", 1, "certificate", j, "signatures", sigs_json(&sigs)));
	return EXIT_OK;
}

const cli_cmd cmd_certificates_show_spec = {
	"certificates show", cmd_cert_show, NEEDS_VAULT, "N", 1, 1,
	"Print one certificate of destruction (JSON, as kept in the index and in certificates/).",
	cert_show_opts, { NULL }
};

/* ---- purge-key init ---- */

static int cmd_purge_key_init(cli_ctx *c)
{
	char fpr[48];
	int r = cv_purge_key_init(c->v, fpr);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "fingerprint", fpr),
			"purge key %s made; the scheduled purge signs its certificates with it\n", fpr);
}

const cli_cmd cmd_purge_key_init_spec = {
	"purge-key init", cmd_purge_key_init, NEEDS_VAULT, "", 0, 0,
	"Make the vault's purge-only key, which signs the scheduled purge's certificates (managers).",
	cli_no_opts, { NULL }
};

/* ---- case reopen, case set-dob ---- */

static int cmd_case_reopen(cli_ctx *c)
{
	size_t changed = 0;
	int r = cv_case_reopen(c->v, c->argv[0], &changed);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "case", c->argv[0], "dates_changed", (json_int_t)changed),
			"reopened %s (%zu retention date%s cleared)\n", c->argv[0], changed, changed == 1 ? "" : "s");
}

const cli_cmd cmd_case_reopen_spec = {
	"case reopen", cmd_case_reopen, NEEDS_VAULT, "CASE", 1, 1,
	"Reopen a closed case; dates that run from its closure are unknown again (records kept).",
	cli_no_opts, { NULL }
};

static int cmd_case_set_dob(cli_ctx *c)
{
	size_t changed = 0;
	int r = cv_case_set_dob(c->v, c->argv[0], c->argv[1], &changed);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "case", c->argv[0], "dates_changed", (json_int_t)changed),
			"date of birth corrected for %s (%zu retention date%s changed)\n", c->argv[0], changed, changed == 1 ? "" : "s");
}

const cli_cmd cmd_case_set_dob_spec = {
	"case set-dob", cmd_case_set_dob, NEEDS_VAULT, "CASE DATE", 2, 2,
	"Correct the child's date of birth; retention dates are worked out again.",
	cli_no_opts, { NULL, "Child's date of birth (YYYY-MM-DD)" }
};
