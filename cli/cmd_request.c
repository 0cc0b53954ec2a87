/* casevault CLI: request open, list, show, decide, attach, extend, pause, resume, verify-id, bundle, log, close, lift. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "casevault/date.h"
#include "casevault/disclose.h"
#include "casevault/request.h"

/* ---- request open ---- */

static const cli_opt open_opts[] = {
	{ "requester", 0, "NAME", "the person asking (sealed in the index)", "Requester's name" },
	{ "relationship", 0, "REL", "client, other-parent, child or representative", NULL },
	{ "received", 0, "DATE", "the date the request was received, YYYY-MM-DD", NULL },
	{ "id-verified", 0, "DATE", "the date the requester's identity was verified, when it had to be", NULL },
	{ "pr-confirmed", 0, NULL, "other-parent: you checked they hold parental responsibility", NULL },
	{ "authority-confirmed", 0, NULL, "representative: you checked the client's written authority", NULL },
	{ "kind", 0, "KIND", "access (default), rectification, erasure, restriction or objection", NULL },
	{ "records", 0, "IDS", "the records the request names, ids separated by commas (a restriction restricts them)", NULL },
	CLI_OPT_END
};

static int cmd_request_open(cli_ctx *c)
{
	cv_request_opts o;
	cv_request q;
	char id[24];
	int r;

	memset(&o, 0, sizeof(o));
	if (!cli_opt_value(c, "requester") || !cli_opt_value(c, "relationship") || !cli_opt_value(c, "received"))
		return cli_fail(c, EXIT_USAGE, "request open needs --requester NAME, --relationship REL and --received DATE");
	if (cv_relationship_parse(&o.relationship, cli_opt_value(c, "relationship")) < 0)
		return cli_fail(c, EXIT_USAGE, "--relationship must be client, other-parent, child or representative");
	o.case_id = c->argv[0];
	o.requester = cli_opt_value(c, "requester");
	o.received = cli_opt_value(c, "received");
	o.id_verified = cli_opt_value(c, "id-verified");
	o.authority_confirmed = o.relationship == CV_REL_OTHER_PARENT ? cli_flag(c, "pr-confirmed") :
				o.relationship == CV_REL_REPRESENTATIVE ? cli_flag(c, "authority-confirmed") : 0;
	o.kind = cli_opt_value(c, "kind");
	o.records = cli_opt_value(c, "records");
	r = cv_request_open(c->v, &o, id);
	if (r < 0)
		return cli_lib_fail(c, r);
	if ((r = cv_request_get(c->v, &q, id, 0)) < 0)
		return cli_lib_fail(c, r);
	if (strcmp(q.kind, "access"))
		r = cli_done(c, json_pack("{s:b, s:s, s:s, s:s, s:s, s:s}", "ok", 1, "request", id, "case", q.case_id,
				"kind", q.kind, "clock_start", q.clock_start, "due", q.due),
				"%s (%s) opened on %s; clock started %s; due %s%s\n", id, q.kind, q.case_id, q.clock_start,
				q.due, strcmp(q.kind, "restriction") ? "" : "; its records are restricted until it is lifted");
	else
		r = cli_done(c, json_pack("{s:b, s:s, s:s, s:s, s:s, s:s}", "ok", 1, "request", id, "case", q.case_id,
				"kind", q.kind, "clock_start", q.clock_start, "due", q.due),
				"%s opened on %s; clock started %s; due %s (case %s is held until it is closed)\n",
				id, q.case_id, q.clock_start, q.due, q.case_id);
	cv_request_release(&q);
	return r;
}

const cli_cmd cmd_request_open_spec = {
	"request open", cmd_request_open, NEEDS_VAULT, "CASE", 1, 1,
	"Register a subject access request, work out its due date and hold its case.",
	open_opts, { NULL }
};

/* ---- request list ---- */

static json_t *req_json(const void *item, int arg)
{
	const cv_request *q = item;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s?, s:I, s:b, s:s?, s:s?}",
			      "id", q->id, "case", q->case_id, "relationship", cv_relationship_name(q->relationship),
			      "received", q->received, "id_verified", q->id_verified[0] ? q->id_verified : NULL,
			      "clock_start", q->clock_start, "due", q->due,
			      "extended_due", q->extended_due[0] ? q->extended_due : NULL,
			      "days_left", (json_int_t)q->days_left, "overdue", !q->closed_at[0] && !q->paused_since[0] && q->days_left < 0,
			      "closed_at", q->closed_at[0] ? q->closed_at : NULL,
			      "closed_by", q->closed_at[0] && q->closed_by[0] ? q->closed_by : NULL);
	(void)arg;
	cli_jset(j, "kind", cli_jtext(q->kind));
	if (q->requester)
		cli_jset(j, "requester", cli_jtext(q->requester));
	if (q->paused_since[0]) {
		cli_jset(j, "paused_since", cli_jtext(q->paused_since));
		if (q->pause_reason)
			cli_jset(j, "pause_reason", cli_jtext(q->pause_reason));
	}
	if (q->extended_due[0]) {
		cli_jset(j, "original_due", cli_jtext(q->original_due));
		cli_jset(j, "extension_notified", cli_jtext(q->ext_notified));
		cli_jset(j, "extension_grounds", cli_jtext(q->ext_grounds));
		if (q->ext_reason)
			cli_jset(j, "extension_reason", cli_jtext(q->ext_reason));
	}
	return j;
}

static const cli_opt list_opts[] = {
	{ "all", 0, NULL, "also list closed requests", NULL },
	{ "names", 0, NULL, "also show the requesters' names (unlocks the vault)", NULL },
	CLI_OPT_END
};

static int cmd_request_list(cli_ctx *c)
{
	cv_request *list;
	size_t n, i;
	int names = cli_flag(c, "names");
	int r = cv_request_list(c->v, cli_flag(c, "all"), names, &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "requests",
				       cli_json_array(list, n, sizeof(*list), req_json, 0)));
	} else {
		if (n == 0)
			printf("no open requests\n");
		for (i = 0; i < n; i++) {
			const cv_request *q = &list[i];
			char left[48];

			if (q->closed_at[0])
				snprintf(left, sizeof(left), "closed %.10s", q->closed_at);
			else if (q->paused_since[0])
				snprintf(left, sizeof(left), "paused since %s", q->paused_since);
			else if (q->days_left < 0)
				snprintf(left, sizeof(left), "OVERDUE by %ld day%s", -q->days_left, q->days_left == -1 ? "" : "s");
			else if (q->days_left == 0)
				snprintf(left, sizeof(left), "due today");
			else
				snprintf(left, sizeof(left), "%ld day%s left", q->days_left, q->days_left == 1 ? "" : "s");
			printf("%-14s %-12s due %s%s  %-20s received %s  %s", q->id, q->case_id, q->due,
			       q->extended_due[0] ? " (extended)" : "", left, q->received, cv_relationship_name(q->relationship));
			if (strcmp(q->kind, "access"))
				printf("  %s", q->kind);
			if (names)
				printf("  %s", cli_show(q->requester));
			printf("\n");
		}
	}
	cv_request_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_request_list_spec = {
	"request list", cmd_request_list, NEEDS_VAULT, "", 0, 0,
	"List open subject access requests by due date, overdue ones marked.",
	list_opts, { NULL }
};

/* ---- request show ---- */

static int cmd_request_show(cli_ctx *c)
{
	cv_request q;
	cv_scope_item *items = NULL;
	size_t n = 0, i, need = 0;
	int r = cv_request_get(c->v, &q, c->argv[0], 1);

	if (r < 0)
		return cli_lib_fail(c, r);
	if ((r = cv_request_scope(c->v, c->argv[0], &items, &n)) < 0) {
		cv_request_release(&q);
		return cli_lib_fail(c, r);
	}
	for (i = 0; i < n; i++)
		if (items[i].decision == CV_DEC_NEEDED)
			need++;
	if (c->json) {
		json_t *j = req_json(&q, 0), *arr = json_array();
		for (i = 0; i < n; i++) {
			const cv_scope_item *s = &items[i];
			json_t *it = json_pack("{s:s, s:s, s:s, s:o, s:s?, s:s, s:b, s:s, s:b}",
					       "record", s->record_id, "section", s->section ? "cp" : "case",
					       "class", s->class_name, "title", cli_jtext(s->title),
					       "date", s->event_date[0] ? s->event_date : NULL, "mime", s->mime,
					       "text", s->text, "decision", cv_decision_name(s->decision), "default", s->is_default);
			if (s->ground)
				cli_jset(it, "ground", cli_jtext(s->ground));
			if (s->reason)
				cli_jset(it, "reason", cli_jtext(s->reason));
			if (!s->is_default) {
				cli_jset(it, "decided_by", cli_jtext(s->decided_by));
				cli_jset(it, "decided_at", cli_jtext(s->decided_at));
			}
			if (s->copy_record[0])
				cli_jset(it, "copy", cli_jtext(s->copy_record));
			if (s->why)
				cli_jset(it, "why", cli_jtext(s->why));
			cli_jpush(arr, it);
		}
		cli_jset(j, "records", arr);
		cli_jset(j, "awaiting_decision", json_integer((json_int_t)need));
		cli_json_out(json_pack("{s:b, s:o}", "ok", 1, "request", j));
	} else {
		printf("request       %s (%s)\nrequester     %s (%s)\nreceived      %s%s%s\nclock start   %s\ndue           %s%s\n",
		       q.id, q.closed_at[0] ? "closed" : "open", cli_show(q.requester), cv_relationship_name(q.relationship),
		       q.received, q.id_verified[0] ? ", identity verified " : "", q.id_verified, q.clock_start, q.due,
		       q.extended_due[0] ? " (extended)" : "");
		if (q.extended_due[0])
			printf("extension     %s, requester told %s: %s\n", q.ext_grounds, q.ext_notified, q.ext_reason ? cli_show(q.ext_reason) : "");
		if (q.paused_since[0])
			printf("paused        since %s (the due date moves when it resumes): %s\n", q.paused_since,
			       q.pause_reason ? cli_show(q.pause_reason) : "");
		printf("case          %s\n\n", q.case_id);
		for (i = 0; i < n; i++) {
			const cv_scope_item *s = &items[i];
			char dec[128];

			if (s->decision == CV_DEC_WITHHOLD)
				snprintf(dec, sizeof(dec), "withhold (%s)", s->ground ? s->ground : "?");
			else if (s->decision == CV_DEC_COPY)
				snprintf(dec, sizeof(dec), "redacted copy %s", s->copy_record);
			else
				snprintf(dec, sizeof(dec), "%s", s->decision == CV_DEC_NEEDED ? "NEEDS A DECISION" : cv_decision_name(s->decision));
			printf("%-9s %-4s %-10s %-16s %-34s %s%s%s\n", s->record_id, s->section ? "cp" : "case",
			       s->event_date[0] ? s->event_date : "-", s->class_name, dec,
			       s->is_default ? "[default] " : "", s->title ? cli_show(s->title) : "(child-protection file)",
			       s->is_default ? "" : "");
			if (s->why)
				printf("%-9s needs a decision: %s\n", "", cli_show(s->why));
		}
		printf("\n%zu record%s in scope; %zu await%s a decision\n", n, n == 1 ? "" : "s", need, need == 1 ? "s" : "");
	}
	cv_scope_free(items, n);
	cv_request_release(&q);
	return EXIT_OK;
}

const cli_cmd cmd_request_show_spec = {
	"request show", cmd_request_show, NEEDS_VAULT, "REQ", 1, 1,
	"Show a request and every record in its scope with its decision.",
	cli_no_opts, { NULL }
};

/* ---- request decide ---- */

static const cli_opt decide_opts[] = {
	{ "release", 0, NULL, "disclose the record as it is (no automatic redaction)", NULL },
	{ "redact", 0, NULL, "disclose it with automatic redaction (text records)", NULL },
	{ "withhold", 0, "GROUND", "leave it out on this ground (see [grounds] in redaction.ini)", NULL },
	{ "reason", 0, "R", "why (required; sealed in the index)", "Reason for the decision" },
	CLI_OPT_END
};

/* What was decided, one line a record (text) or their ids (JSON). */
static int decide_done(cli_ctx *c, const char *said)
{
	json_t *recs = json_array();
	int i;

	for (i = 1; i < c->argc; i++)
		cli_jpush(recs, json_string(c->argv[i]));
	if (c->json) {
		/* "record": the first, as when decide took one */
		cli_json_out(json_pack("{s:b, s:s, s:s, s:o, s:s}", "ok", 1, "request", c->argv[0], "record", c->argv[1],
				       "records", recs, "decision", said));
		return EXIT_OK;
	}
	json_decref(recs);
	for (i = 1; i < c->argc; i++)
		printf("%s: %s %s\n", c->argv[0], c->argv[i], said);
	return EXIT_OK;
}

static int cmd_request_decide(cli_ctx *c)
{
	int rel = cli_flag(c, "release"), red = cli_flag(c, "redact");
	const char *wh = cli_opt_value(c, "withhold");
	cv_decision d;
	int r;

	if (rel + red + (wh != NULL) != 1)
		return cli_fail(c, EXIT_USAGE, "request decide needs exactly one of --release, --redact or --withhold GROUND");
	if (!cli_opt_value(c, "reason"))
		return cli_fail(c, EXIT_USAGE, "request decide needs --reason R");
	d = rel ? CV_DEC_RELEASE : red ? CV_DEC_REDACT : CV_DEC_WITHHOLD;
	r = cv_request_decide_many(c->v, c->argv[0], (const char *const *)c->argv + 1, (size_t)c->argc - 1, d, wh,
				   cli_opt_value(c, "reason"));
	if (r < 0)
		return cli_lib_fail(c, r);
	return decide_done(c, c->json ? cv_decision_name(d) : rel ? "released" : red ? "released with redaction" : "withheld");
}

const cli_cmd cmd_request_decide_spec = {
	"request decide", cmd_request_decide, NEEDS_VAULT, "REQ RECORD...", 2, 64,
	"Record one decision on one or more records of a request, all or none (child-protection: cp-lead or manager).",
	decide_opts, { NULL }
};

/* ---- request attach ---- */

static int cmd_request_attach(cli_ctx *c)
{
	char copy[16];
	/* through casevaultd the copy is the descriptor the client passed (docs/service.md, Named files) */
	int r = cv_request_attach_fd(c->v, c->argv[0], c->argv[1], c->argv[2], cli_passed_fd(c, c->argv[2]), copy);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:s, s:s}", "ok", 1, "request", c->argv[0], "record", c->argv[1], "copy", copy),
			"%s: %s filed as the redacted copy of %s\n", c->argv[0], copy, c->argv[1]);
}

const cli_cmd cmd_request_attach_spec = {
	"request attach", cmd_request_attach, NEEDS_VAULT, "REQ RECORD PATH", 3, 3,
	"File a redacted copy of a record; the bundle discloses it in the original's place.",
	cli_no_opts, { NULL }
};

/* ---- request extend ---- */

static const cli_opt extend_opts[] = {
	{ "reason", 0, "R", "the reasons given to the requester (required; sealed)", "Reasons given to the requester" },
	{ "notified", 0, "DATE", "when the requester was told, YYYY-MM-DD (on or before the original due date)", NULL },
	{ "complex", 0, NULL, "the request is complex", NULL },
	{ "several", 0, NULL, "the request is one of several from the requester", NULL },
	CLI_OPT_END
};

static int cmd_request_extend(cli_ctx *c)
{
	char due[11];
	int r;

	if (!cli_opt_value(c, "reason") || !cli_opt_value(c, "notified"))
		return cli_fail(c, EXIT_USAGE, "request extend needs --reason R and --notified DATE");
	r = cv_request_extend(c->v, c->argv[0], cli_opt_value(c, "reason"), cli_opt_value(c, "notified"),
			      cli_flag(c, "complex"), cli_flag(c, "several"), due);
	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:s}", "ok", 1, "request", c->argv[0], "due", due),
			"%s extended: now due %s\n", c->argv[0], due);
}

const cli_cmd cmd_request_extend_spec = {
	"request extend", cmd_request_extend, NEEDS_VAULT, "REQ", 1, 1,
	"Extend a request by up to two months (complex or one of several; requester told in time).",
	extend_opts, { NULL }
};

/* ---- request pause, resume, verify-id: the clock (docs/legal-rules.md LR-1) ---- */

static const cli_opt pause_opts[] = {
	{ "reason", 0, "TEXT", "what the office is waiting for: clarification, identity, fee (sealed)", "What the office is waiting for" },
	{ "date", 0, "D", "the day the clock stopped, YYYY-MM-DD (default: today)", NULL },
	CLI_OPT_END
};

static const cli_opt clock_opts[] = {
	{ "date", 0, "D", "the day it happened, YYYY-MM-DD (default: today)", NULL },
	CLI_OPT_END
};

static const char *clock_date(cli_ctx *c, char buf[11])
{
	const char *d = cli_opt_value(c, "date");
	cv_date today;

	if (d)
		return d;
	/* a bad CASEVAULT_TODAY: the library says so */
	if (cv_date_today(&today) < 0)
		return "";
	cv_date_format(&today, buf);
	return buf;
}

static int cmd_request_pause(cli_ctx *c)
{
	char today[11];
	const char *d = clock_date(c, today);
	int r;

	if (!cli_opt_value(c, "reason"))
		return cli_fail(c, EXIT_USAGE, "request pause needs --reason TEXT (what the office is waiting for)");
	if ((r = cv_request_pause(c->v, c->argv[0], cli_opt_value(c, "reason"), d)) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:s}", "ok", 1, "request", c->argv[0], "paused_since", d),
			"%s paused since %s: the clock is stopped until 'casevault request resume %s'\n", c->argv[0], d, c->argv[0]);
}

const cli_cmd cmd_request_pause_spec = {
	"request pause", cmd_request_pause, NEEDS_VAULT, "REQ", 1, 1,
	"Stop a request's clock while the office waits for a clarification, identity or a fee.",
	pause_opts, { NULL }
};

static int cmd_request_clock(cli_ctx *c, int verify)
{
	char today[11], due[11];
	const char *d = clock_date(c, today);
	int r = verify ? cv_request_verify_id(c->v, c->argv[0], d, due) : cv_request_resume(c->v, c->argv[0], d, due);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:s, s:s}", "ok", 1, "request", c->argv[0], "clock_start", d, "due", due),
			"%s: %s %s; now due %s\n", c->argv[0], verify ? "identity verified" : "clock restarted", d, due);
}

static int cmd_request_resume(cli_ctx *c)
{
	return cmd_request_clock(c, 0);
}

static int cmd_request_verify_id(cli_ctx *c)
{
	return cmd_request_clock(c, 1);
}

const cli_cmd cmd_request_resume_spec = {
	"request resume", cmd_request_resume, NEEDS_VAULT, "REQ", 1, 1,
	"Restart a paused request's clock: the due date is worked out from the resume date.",
	clock_opts, { NULL }
};

const cli_cmd cmd_request_verify_id_spec = {
	"request verify-id", cmd_request_verify_id, NEEDS_VAULT, "REQ", 1, 1,
	"Record an identity check made after registration: the clock starts from its date.",
	clock_opts, { NULL }
};

/* ---- request bundle ---- */

static const cli_opt bundle_opts[] = {
	{ "output", 'o', "FILE", "the bundle to write (must not exist)", NULL },
	{ "recipient", 0, "KEYFILE", "encrypt to this OpenPGP public key instead of a passphrase", NULL },
	{ "show-passphrase", 0, NULL, "print the ZIP's passphrase on standard output (default: the terminal only)", NULL },
	{ "passphrase-file", 0, "FILE", "write the ZIP's passphrase to this new file (mode 0600; must not exist)", NULL },
	{ "unreadable-withheld", 0, "RECORDS", "go without these withheld records' words in the check (comma-separated ids; they cannot be read)", NULL },
	CLI_OPT_END
};

/*
 * Where the ZIP's passphrase goes, settled before anything is built
 * (docs/security.md, Subject access bundles): the terminal (/dev/tty) by
 * default, so that it never lands in scrollback of a redirected stdout,
 * logs or cron mail; standard output or a new 0600 file only when asked.
 */
int cli_pass_dest_open(cli_ctx *c, cli_pass_dest *d)
{
	d->tty = d->file = -1;
	d->show = cli_flag(c, "show-passphrase");
	d->path = cli_opt_value(c, "passphrase-file");
	d->passed = 0;
	if (cli_opt_value(c, "recipient")) {
		if (d->show || d->path)
			return cli_fail(c, EXIT_USAGE, "--show-passphrase and --passphrase-file are for the ZIP form; an OpenPGP bundle (--recipient) has no passphrase");
		return 0;
	}
	if (d->path && (d->file = cli_passed_fd(c, d->path)) >= 0) {
		d->passed = 1;  /* docs/service.md, Named files */
	} else if (d->path) {
		d->file = open(d->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d->file < 0)
			return cli_fail(c, EXIT_FAIL, "cannot create the passphrase file %s: %s; give a new file's name (casevault never overwrites)",
					d->path, strerror(errno));
	} else if (!d->show) {
		d->tty = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (d->tty < 0)
			return cli_fail(c, EXIT_USAGE, "no terminal to show the bundle's passphrase on: use --passphrase-file FILE (or --show-passphrase to print it on standard output); nothing was written");
	}
	return 0;
}

/* After a refusal: the passphrase file made for it goes (it is empty). */
void cli_pass_dest_close(cli_pass_dest *d, int failed)
{
	if (d->file >= 0 && !d->passed) {
		close(d->file);
		if (failed)
			unlink(d->path);
	}
	if (d->tty >= 0)
		close(d->tty);
}

/* The passphrase to the terminal or the file (stdout is printed with the result). */
int cli_pass_deliver(cli_ctx *c, cli_pass_dest *d, const char *pass, const char *out)
{
	if (d->tty >= 0 && dprintf(d->tty, "passphrase for %s (shown once, never stored; send it by another channel, e.g. phone): %s\n", out, pass) < 0)
		return cli_fail(c, EXIT_FAIL, "%s was written but its passphrase could not be shown on the terminal (%s): delete it and build the bundle again with --passphrase-file FILE",
				out, strerror(errno));
	if (d->file >= 0 && (dprintf(d->file, "%s\n", pass) != (int)strlen(pass) + 1 || fsync(d->file) < 0))
		return cli_fail(c, EXIT_FAIL, "%s was written but its passphrase could not be written to %s (%s): delete both and build the bundle again",
				out, d->path, strerror(errno));
	return EXIT_OK;
}

static int cmd_request_bundle(cli_ctx *c)
{
	cv_bundle_opts o;
	cv_bundle_result res;
	cli_pass_dest d;
	int r;

	if (!cli_opt_value(c, "output"))
		return cli_fail(c, EXIT_USAGE, "request bundle needs -o FILE");
	if ((r = cli_pass_dest_open(c, &d)) != 0)
		return r;
	o.out_path = cli_opt_value(c, "output");
	o.out_fd = cli_passed_fd(c, o.out_path);
	o.has_out_fd = o.out_fd >= 0;
	o.recipient_key = cli_opt_value(c, "recipient");
	o.recipient_fd = cli_passed_fd(c, o.recipient_key);
	o.has_recipient_fd = o.recipient_fd >= 0;
	o.unreadable_withheld = cli_opt_value(c, "unreadable-withheld");
	r = cv_request_bundle(c->v, c->argv[0], &o, &res);
	if (r < 0) {
		cli_pass_dest_close(&d, 1);
		return cli_lib_fail(c, r);
	}
	r = o.recipient_key ? EXIT_OK : cli_pass_deliver(c, &d, res.passphrase, o.out_path);
	cli_pass_dest_close(&d, 0);
	if (r != EXIT_OK) {
		explicit_bzero(res.passphrase, sizeof(res.passphrase));
		return r;
	}
	if (c->json) {
		json_t *j = json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:o}", "ok", 1, "request", c->argv[0],
				      "file", o.out_path, "sha256", res.sha256, "size", (json_int_t)res.size,
				      "documents", (json_int_t)res.members, "disclosure", cli_jid(res.disclosure));
		if (j && o.recipient_key)
			json_object_set_new(j, "recipient", json_string(res.recipient_fpr));
		else if (j && d.show)
			json_object_set_new(j, "passphrase", json_string(res.passphrase));
		if (!j) {
			explicit_bzero(res.passphrase, sizeof(res.passphrase));
			return cli_fail(c, EXIT_FAIL, "%s was written, but its result could not be printed (out of memory)", o.out_path);
		}
		cli_json_out(j);
	} else {
		printf("%s: %s written (%zu document%s, SHA-256 %s)\n", c->argv[0], o.out_path, res.members,
		       res.members == 1 ? "" : "s", res.sha256);
		if (o.recipient_key)
			printf("encrypted to OpenPGP key %s\n", res.recipient_fpr);
		else if (d.show)
			printf("passphrase (shown once, never stored; send it by another channel, e.g. phone): %s\n", res.passphrase);
		else
			printf("passphrase %s %s (send it by another channel, e.g. phone)\n", d.path ? "written to" : "shown on the", d.path ? d.path : "terminal");
	}
	explicit_bzero(res.passphrase, sizeof(res.passphrase));
	return EXIT_OK;
}

const cli_cmd cmd_request_bundle_spec = {
	"request bundle", cmd_request_bundle, NEEDS_VAULT | EXPORTS_CONTENT, "REQ", 1, 1,
	"Write the disclosure bundle (AES-256 ZIP, or OpenPGP to --recipient), checked before it is kept.",
	bundle_opts, { NULL }
};

/* ---- request log ---- */

static int cmd_request_log(cli_ctx *c)
{
	cv_log_entry *list = NULL;
	size_t n = 0, i, j;
	int r = cv_request_log(c->v, c->argv[0], &list, &n);

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		json_t *arr = json_array();
		for (i = 0; i < n; i++) {
			json_t *items = json_array();
			for (j = 0; j < list[i].nitems; j++) {
				const cv_log_item *li = &list[i].items[j];
				json_t *it = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "record", li->record_id, "source", li->source_record,
						       "outcome", li->outcome, "decided_by", li->decided_by,
						       "decided_at", li->decided_at[0] ? li->decided_at : NULL);
				if (li->number)
					cli_jset(it, "number", json_integer(li->number));
				if (li->ground)
					cli_jset(it, "ground", cli_jtext(li->ground));
				cli_jpush(items, it);
			}
			cli_jpush(arr, json_pack("{s:o, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:o}",
				"disclosure", cli_jid(list[i].id), "form", list[i].form, "sha256", list[i].sha256,
				"size", (json_int_t)list[i].size, "documents", (json_int_t)list[i].members,
				"built_by", list[i].built_by, "built_at", list[i].built_at, "policy", list[i].policy_hash,
				"records", items));
		}
		cli_json_out(json_pack("{s:b, s:s, s:o}", "ok", 1, "request", c->argv[0], "bundles", arr));
	} else {
		if (n == 0)
			printf("no bundle made for %s yet\n", c->argv[0]);
		for (i = 0; i < n; i++) {
			printf("bundle %ld  %s  by %s  %s  %ld document%s\n  SHA-256 %s\n", list[i].id, list[i].built_at,
			       list[i].built_by, list[i].form, list[i].members, list[i].members == 1 ? "" : "s", list[i].sha256);
			for (j = 0; j < list[i].nitems; j++) {
				const cv_log_item *li = &list[i].items[j];
				char num[16] = "-";
				if (li->number)
					snprintf(num, sizeof(num), "%d", li->number);
				printf("  %-9s %-9s %5s  %-10s %s  %s\n", li->record_id,
				       strcmp(li->source_record, li->record_id) ? li->source_record : "",
				       num, li->outcome, li->decided_by, li->decided_at);
				if (li->ground)
					printf("            ground: %s\n", cli_show(li->ground));
			}
		}
	}
	cv_request_log_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_request_log_spec = {
	"request log", cmd_request_log, NEEDS_VAULT, "REQ", 1, 1,
	"Show the internal disclosure log of a request: what went out, what was withheld and why.",
	cli_no_opts, { NULL }
};

/* ---- request close ---- */

static int cmd_request_close(cli_ctx *c)
{
	int r = cv_request_close(c->v, c->argv[0]);

	if (r < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s}", "ok", 1, "request", c->argv[0]),
			"%s closed; the hold on its case is released\n", c->argv[0]);
}

const cli_cmd cmd_request_close_spec = {
	"request close", cmd_request_close, NEEDS_VAULT, "REQ", 1, 1,
	"Close a request and release the hold on its case.",
	cli_no_opts, { NULL }
};

/* ---- request lift (docs/legal-rules.md LR-18) ---- */

static int cmd_request_lift(cli_ctx *c)
{
	size_t n = 0;
	int r;

	if ((r = cv_request_lift(c->v, c->argv[0], &n)) < 0)
		return cli_lib_fail(c, r);
	return cli_done(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "request", c->argv[0], "lifted", (json_int_t)n),
			"%s: restriction lifted from %zu record%s\n", c->argv[0], n, n == 1 ? "" : "s");
}

const cli_cmd cmd_request_lift_spec = {
	"request lift", cmd_request_lift, NEEDS_VAULT, "REQ", 1, 1,
	"Lift a restriction request's restriction: its records may be processed again.",
	cli_no_opts, { NULL }
};
