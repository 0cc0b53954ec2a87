/* casevault ls, get, verify */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cli.h"
#include "casevault/case.h"
#include "casevault/common.h"
#include "casevault/record.h"
#include "casevault/export.h"

static const cli_opt ls_opts[] = {
	{ "cp", 0, NULL, "list the child-protection file instead of the case file", NULL },
	CLI_OPT_END
};

static json_t *record_json(const void *item, int arg)
{
	const cv_record *rec = item;

	(void)arg;
	/* a title stored before text was checked still lists, with U+FFFD (docs/commands/README.md) */
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:I, s:s?, s:s?}", "id", rec->id, "class", rec->class_name,
			 "title", cli_jtext(rec->title), "date", rec->event_date, "filed_at", rec->filed_at, "filed_by", rec->filed_by,
			 "mime", rec->mime, "size", (json_int_t)rec->size,
			 "retain_until", rec->retain_until[0] ? rec->retain_until : NULL,
			 "part_of", rec->part_of[0] ? rec->part_of : NULL);
}

/* An erased case says so where its records were (docs/legal-rules.md LR-12, storage limitation). */
static void ls_erased(cli_ctx *c, json_t *j)
{
	cv_case k;

	if (cv_case_get(c->v, &k, c->argv[0], 0) < 0 || !k.erased[0])
		return;
	if (j)
		cli_jset(j, "erased", json_pack("{s:s, s:o}", "on", k.erased, "certificate", cli_jid(k.erase_certificate)));
	else
		printf("case %s was erased on %s (certificate %ld): its records were destroyed, then its personal data\n",
		       k.id, k.erased, k.erase_certificate);
}

static int cmd_ls(cli_ctx *c)
{
	cv_record *list;
	size_t n, i;
	int r = cv_record_list(c->v, c->argv[0], cli_flag(c, "cp") ? CV_SECTION_CP : CV_SECTION_CASE, &list, &n);
	json_t *j;

	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json) {
		j = json_pack("{s:b, s:s, s:s, s:o}", "ok", 1, "case", c->argv[0],
			      "section", cli_flag(c, "cp") ? "cp" : "case",
			      "records", cli_json_array(list, n, sizeof(*list), record_json, 0));
		if (n == 0)
			ls_erased(c, j);
		cli_json_out(j);
	} else if (n == 0) {
		printf("no records in the %s of %s\n", cli_flag(c, "cp") ? "child-protection (CP) file" : "case file", c->argv[0]);
		ls_erased(c, NULL);
	} else
		printf("%-8s  %-10s  %-14s %-24s %9s  %s\n", "RECORD", "DATE", "CLASS", "TYPE", "BYTES", "TITLE");
	for (i = 0; !c->json && i < n; i++)
		printf("%s  %s  %-14s %-24s %9lld  %s%s%s%s\n", list[i].id, list[i].event_date, list[i].class_name,
		       list[i].mime, (long long)list[i].size, cli_show(list[i].title),
		       list[i].part_of[0] ? "  (part of " : "", list[i].part_of, list[i].part_of[0] ? ")" : "");
	cv_record_list_free(list, n);
	return EXIT_OK;
}

const cli_cmd cmd_ls_spec = {
	"ls", cmd_ls, NEEDS_VAULT, "CASE", 1, 1,
	"List the records of a case (titles are decrypted).",
	ls_opts, { NULL }
};

static const cli_opt get_opts[] = {
	{ "output", 'o', "PATH", "write to a new file PATH (mode 0600, never over an existing file); default standard output", NULL },
	{ "accept-damaged-receipt", 0, NULL, "read a record whose filing receipt's signature fails, checked by its hashes alone (audited)", NULL },
	{ "purpose", 0, "TEXT", "why the record leaves the vault (required with -o), recorded (sealed) and audited before it is written out", "Purpose of the export" },
	CLI_OPT_END
};

/*
 * To a terminal: only text (a scan or a PDF would fill the screen with
 * bytes), and only once checked in anonymous memory (a failed check would
 * otherwise come after the bytes).  cmd_get refuses other types before
 * decrypting; this checks again on what the read returned.
 */
static int show_on_terminal(cli_ctx *c, int mfd, const cv_record *info)
{
	char buf[65536];
	ssize_t n;

	if (strncmp(info->mime, "text/", 5))
		return cli_fail(c, EXIT_USAGE, "%s is %s, not text; write it to a file with -o PATH", info->id, info->mime);
	if (lseek(mfd, 0, SEEK_SET) < 0)
		return cli_fail(c, EXIT_FAIL, "cannot read the document back: %s", strerror(errno));
	while ((n = read(mfd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			break;
	explicit_bzero(buf, sizeof(buf));
	if (n != 0)
		return cli_fail(c, EXIT_FAIL, "cannot write the document to the terminal: %s", strerror(errno));
	return EXIT_OK;
}

/*
 * Record the export of the record with its --purpose (casevault/export.h).
 * A file (-o) always has one (need_purpose); standard output is a view,
 * traced by its read's own audit event (record.get), unless a purpose is
 * given (docs/commands/get.md, "Purpose").
 */
static int export_first(cli_ctx *c, const char *dest)
{
	int r;

	if (!cli_opt_value(c, "purpose"))
		return EXIT_OK;
	if ((r = cv_export_record(c->v, c->argv[0], cli_opt_value(c, "purpose"), dest, NULL)) < 0)
		return cli_lib_fail(c, r);
	return EXIT_OK;
}

/*
 * Every way out is governed (docs/legal-rules.md §17): a record written to a
 * file leaves the vault, so it says why before anything is created, decrypted
 * or audited.
 */
static int need_purpose(cli_ctx *c, const char *out)
{
	if (!out || cli_opt_value(c, "purpose"))
		return EXIT_OK;
	return cli_fail(c, EXIT_USAGE, "get -o needs --purpose TEXT, why the record leaves the vault, e.g. "
			"casevault get %s -o copy.pdf --purpose \"tribunal bundle\"", c->argv[0]);
}

static int cmd_get(cli_ctx *c)
{
	const char *out = cli_opt_value(c, "output");
	char *tmp = NULL, *dcopy = NULL;
	cv_record info;
	int fd = 1, r, tty = 0, unsigned_read, passed = cli_passed_fd(c, out);
	size_t noted;

	if ((r = need_purpose(c, out)) != EXIT_OK)
		return r;
	if (passed >= 0) {
		/* through casevaultd: the new 0600 file the client made (docs/service.md, Named files) */
		fd = passed;
	} else if (out) {
		if (access(out, F_OK) == 0 || errno != ENOENT)
			return cli_fail(c, EXIT_FAIL, "%s already exists; choose a new file name (casevault never overwrites)", out);
		dcopy = strdup(out);
		if (!dcopy || asprintf(&tmp, "%s/.casevault-get-XXXXXX", dirname(dcopy)) < 0) {
			free(dcopy);
			return cli_fail(c, EXIT_FAIL, "out of memory");
		}
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0) {
			r = cli_fail(c, EXIT_FAIL, "cannot create a file beside %s: %s", out, strerror(errno));
			goto out;
		}
		fchmod(fd, 0600);
	} else if (c->json) {
		return cli_fail(c, EXIT_USAGE, "get --json needs -o PATH (the document cannot share standard output with JSON)");
	} else if (isatty(1)) {
		char mime[96];

		/* refuse before decrypting anything: the type is kept in clear */
		if ((r = cv_record_mime(c->v, c->argv[0], mime)) < 0)
			return cli_lib_fail(c, r);
		if (strncmp(mime, "text/", 5))
			return cli_fail(c, EXIT_USAGE, "%s is %s, not text; write it to a file with -o PATH", c->argv[0], mime);
		tty = 1;
		fd = memfd_create("casevault-get", MFD_CLOEXEC);
		if (fd < 0)
			return cli_fail(c, EXIT_FAIL, "cannot hold the document in memory: %s", strerror(errno));
	}
	/*
	 * A file takes the content out of the vault: an export, recorded with its
	 * purpose before anything is decrypted (docs/legal-rules.md §17).  A
	 * purpose given for standard output is recorded too, at the terminal as
	 * well: that is how a manager reads a restricted record (LR-18).
	 */
	if ((r = export_first(c, out || passed >= 0 ? "file" : tty ? "terminal" : "stdout")) != EXIT_OK)
		goto out;
	noted = strlen(cv_vault_notice(c->v));
	r = cv_record_get_flags(c->v, c->argv[0], fd, cli_flag(c, "accept-damaged-receipt") ? CV_GET_DAMAGED_RECEIPT : 0, &info);
	if (r < 0) {
		r = cli_lib_fail(c, r);
		goto out;
	}
	if (strlen(cv_vault_notice(c->v)) > noted)  /* read with a damaged receipt: only the new note */
		fprintf(stderr, "casevault: note: %s\n", cv_vault_notice(c->v) + noted + (noted ? 2 : 0));
	unsigned_read = strlen(cv_vault_notice(c->v)) > noted;
	if (out) {
		if (fsync(fd) < 0 || (passed < 0 && link(tmp, out) < 0)) {
			r = cli_fail(c, EXIT_FAIL, "cannot write %s: %s", out, strerror(errno));
			cv_record_release(&info);
			goto out;
		}
		if (c->json)
			cli_json_out(json_pack("{s:b, s:s, s:s, s:s, s:I, s:b}", "ok", 1, "record", info.id, "output", out,
					       "mime", info.mime, "size", (json_int_t)info.size, "signature_checked", !unsigned_read));
		else
			fprintf(stderr, "casevault: wrote %s (%s, %lld bytes; %s)\n", out, info.mime, (long long)info.size,
				unsigned_read ? "hashes checked, not its damaged receipt's signature" : "hash and signature checked");
	}
	r = tty ? show_on_terminal(c, fd, &info) : EXIT_OK;
	cv_record_release(&info);
out:
	if ((out || tty) && fd >= 0 && fd != passed)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dcopy);
	return r;
}

const cli_cmd cmd_get_spec = {
	"get", cmd_get, NEEDS_VAULT | EXPORTS_CONTENT, "RECORD", 1, 1,
	"Write a record's document out after checking its hash and signature.",
	get_opts, { NULL }
};

static const cli_opt verify_opts[] = { CLI_OPT_END };

static json_t *problem_json(const void *item, int arg)
{
	const cv_verify_problem *p = item;

	(void)arg;
	return json_pack("{s:o, s:o}", "what", cli_jtext(p->what), "problem", cli_jtext(p->msg));
}

static int cmd_verify(cli_ctx *c)
{
	cv_verify_report rep;
	size_t i;
	size_t seen = strlen(cv_vault_notice(c->v));
	int r = cv_verify(c->v, &rep);

	cli_notices_from(c, seen);

	if (r < 0 && r != CV_ECORRUPT) {
		cv_verify_report_release(&rep);
		return cli_lib_fail(c, r);
	}
	if (c->json) {
		json_t *arr = cli_json_array(rep.problems, rep.nproblems, sizeof(*rep.problems), problem_json, 0);

		cli_json_out(json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:b, s:o}", "ok", rep.nproblems == 0,
				       "archives", (json_int_t)rep.archives, "records", (json_int_t)rep.records,
				       "receipts", (json_int_t)rep.receipts, "sealed_only", (json_int_t)rep.sealed_only,
				       "not_ocred", (json_int_t)rep.not_ocred,
				       "test_clock", cv_vault_test_clock(c->v), "problems", arr));
	} else {
		for (i = 0; i < rep.nproblems; i++)
			printf("PROBLEM %s: %s\n", cli_show(rep.problems[i].what), cli_show(rep.problems[i].msg));
		printf("%s: %zu archives, %zu records, %zu receipts checked; %zu problem%s\n",
		       rep.nproblems ? "FAILED" : "ok", rep.archives, rep.records, rep.receipts,
		       rep.nproblems, rep.nproblems == 1 ? "" : "s");
		if (rep.sealed_only)
			printf("note: %zu archive%s of a section you hold no key for (child-protection) checked against "
			       "their signed receipts without decrypting\n", rep.sealed_only, rep.sealed_only == 1 ? "" : "s");
		if (rep.not_ocred)
			printf("note: %zu scan%s filed when OCR could not run (its English data missing): %s words are not "
			       "searchable and a request asks a person about %s (docs/ocr.md)\n", rep.not_ocred,
			       rep.not_ocred == 1 ? " was" : "s were", rep.not_ocred == 1 ? "its" : "their",
			       rep.not_ocred == 1 ? "it" : "each");
		if (cv_vault_test_clock(c->v))
			printf("note: a test vault (init --test-clock): CASEVAULT_TODAY can change its dates; keep no real records in it\n");
	}
	r = rep.nproblems ? EXIT_FAIL : EXIT_OK;
	if (rep.nproblems)
		fprintf(stderr, "casevault: verify found %zu problem%s; see docs/recovery.md\n", rep.nproblems,
			rep.nproblems == 1 ? "" : "s");
	cv_verify_report_release(&rep);
	return r;
}

const cli_cmd cmd_verify_spec = {
	"verify", cmd_verify, NEEDS_VAULT, "", 0, 0,
	"Check every archive, signature and record hash, and look for orphan files or rows.",
	verify_opts, { NULL }
};
