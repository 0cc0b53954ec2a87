/* casevault file, note, import */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <csv.h>

#include "cli.h"
#include "casevault/common.h"
#include "casevault/record.h"
#include "casevault/text.h"

static int is_skipped(const cv_file_item *it)
{
	return it->status == 0 && !it->record_id[0] && (it->duplicate_of[0] || it->duplicate_line);
}

/* Why a document was (or would be) skipped, for the report on standard error. */
static void say_skipped(const cv_file_item *it, int check)
{
	const char *verb = check ? "would be skipped" : "skipped";

	if (it->duplicate_line && it->duplicate_of[0])
		fprintf(stderr, "casevault: line %d: %s: the same document as line %d, filed as %s\n",
			it->line, verb, it->duplicate_line, it->duplicate_of);
	else if (it->duplicate_line)
		fprintf(stderr, "casevault: line %d: %s: the same document as line %d\n", it->line, verb, it->duplicate_line);
	else
		fprintf(stderr, "casevault: line %d: %s: the same document is already filed in %s as %s\n",
			it->line, verb, it->case_id, it->duplicate_of);
}

/* The report's three lists, by index: filed (or would be), skipped, refused. */
static const char *list_name(int k, int check)
{
	return k == 0 ? (check ? "would_file" : "filed") : k == 1 ? "skipped" : "errors";
}

/* One document's JSON report and the list (*k) it belongs to. */
static json_t *item_json(const cv_file_item *it, int check, int *k)
{
	json_t *o;

	if (it->status == 0 && (it->record_id[0] || (check && !is_skipped(it)))) {
		o = json_pack("{s:o, s:s, s:i}", "case", cli_jtext(it->case_id), "mime", it->mime, "line", it->line);
		if (!check)
			cli_jset(o, "record", json_string(it->record_id));
		*k = 0;
	} else if (is_skipped(it)) {
		o = json_pack("{s:i, s:o}", "line", it->line, "case", cli_jtext(it->case_id));
		if (it->duplicate_of[0])
			cli_jset(o, "duplicate_of", json_string(it->duplicate_of));
		if (it->duplicate_line)
			cli_jset(o, "duplicate_line", json_integer(it->duplicate_line));
		*k = 1;
	} else {
		/* an error may quote the refused value: U+FFFD for what is not UTF-8 */
		o = json_pack("{s:i, s:s, s:o}", "line", it->line, "code", cli_error_code(it->status, EXIT_FAIL),
			      "error", cli_jtext(it->error));
		*k = 2;
	}
	return o;
}

/*
 * The report: what was filed (or, with check, would be), what was skipped
 * as already filed, what was refused.
 */
static void print_result(cli_ctx *c, cv_file_item *items, size_t n, int check)
{
	size_t i;

	if (c->json) {
		json_t *lists[3] = { json_array(), json_array(), json_array() };
		int k;

		for (i = 0; i < n; i++) {
			json_t *o = item_json(&items[i], check, &k);

			cli_jpush(lists[k], o);
		}
		cli_json_out(json_pack("{s:b, s:o, s:o, s:o}", "ok", json_array_size(lists[2]) == 0,
				       list_name(0, check), lists[0], "skipped", lists[1], "errors", lists[2]));
		return;
	}
	for (i = 0; i < n; i++) {
		const cv_file_item *it = &items[i];

		if (it->status == 0 && it->record_id[0])
			printf("%s  %s  %s\n", it->record_id, it->case_id, it->mime);
		else if (is_skipped(it))
			say_skipped(it, check);
		else if (check && it->status == 0)
			printf("line %d  %s  %s  would be filed\n", it->line, it->case_id, it->mime);
		else if (it->error[0])
			fprintf(stderr, "casevault: line %d: %s\n", it->line, cli_show(it->error));
	}
}

static int section_of(cli_ctx *c)
{
	return cli_flag(c, "cp") ? CV_SECTION_CP : CV_SECTION_CASE;
}

static const cli_opt file_opts[] = {
	{ "class", 0, "CLASS", "record class from the retention policy (required)", NULL },
	{ "cp", 0, NULL, "file into the separate child-protection file", NULL },
	{ "title", 0, "TITLE", "title (default: the file's name); stored encrypted", "Title" },
	{ "date", 0, "DATE", "date of the event the document records, YYYY-MM-DD (default: today)", "Date of the event (YYYY-MM-DD)" },
	{ "allow-duplicate", 0, NULL, "file a document even if the same bytes are already filed in this case", NULL },
	CLI_OPT_END
};

static int cmd_file(cli_ctx *c)
{
	cv_file_item *items;
	size_t n = (size_t)c->argc - 1, i;
	int r;

	if (!cli_opt_value(c, "class"))
		return cli_fail(c, EXIT_USAGE, "file needs --class CLASS; the classes are in the vault's policies/retention.ini");
	if (cli_opt_value(c, "title") && n > 1)
		return cli_fail(c, EXIT_USAGE, "--title names one document; file several documents without it or one at a time");
	items = calloc(n, sizeof(*items));
	if (!items)
		return cli_fail(c, EXIT_FAIL, "out of memory");
	for (i = 0; i < n; i++) {
		items[i].case_id = c->argv[0];
		items[i].section = section_of(c);
		items[i].class_name = cli_opt_value(c, "class");
		items[i].path = c->argv[i + 1];
		/* through casevaultd: the descriptor the client opened; the name as given stays the title */
		items[i].fd = cli_passed_fd(c, c->argv[i + 1]);
		items[i].has_fd = items[i].fd >= 0;
		items[i].title = cli_opt_value(c, "title");
		items[i].date = cli_opt_value(c, "date");
		items[i].line = (int)i + 1;
	}
	r = cv_file(c->v, items, n, cli_flag(c, "allow-duplicate") ? CV_FILE_ALLOW_DUPLICATES : 0, NULL, NULL, NULL);
	if (r < 0) {
		r = cli_lib_fail(c, r);
	} else {
		print_result(c, items, n, 0);
		r = EXIT_OK;
	}
	free(items);
	return r;
}

const cli_cmd cmd_file_spec = {
	"file", cmd_file, NEEDS_VAULT, "CASE PATH...", 2, -1,
	"File documents into a case: all of them or, if any is refused, none.",
	file_opts, { NULL }
};

static const cli_opt note_opts[] = {
	{ "class", 0, "CLASS", "record class, e.g. phone-call or case-note (required)", NULL },
	{ "cp", 0, NULL, "file into the separate child-protection file", NULL },
	{ "text", 0, "TEXT", "the note's text (default, or -: the rest of standard input)", NULL },
	{ "title", 0, "TITLE", "title (default: the note's first line); stored encrypted", "Title" },
	{ "date", 0, "DATE", "date of the call or meeting, YYYY-MM-DD (default: today)", "Date of the call or meeting (YYYY-MM-DD)" },
	CLI_OPT_END
};

#define MAX_NOTE (16 * 1024 * 1024)

static int cmd_note(cli_ctx *c)
{
	cv_file_item it;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (!cli_opt_value(c, "class"))
		return cli_fail(c, EXIT_USAGE, "note needs --class CLASS, e.g. --class phone-call");
	memset(&it, 0, sizeof(it));
	/*
	 * The text is read from standard input when --text is absent or "-" (the
	 * whole rest of it, not one line: --text is not a one-line personal
	 * value).  Personal values given as "-" (--title, --date) were read
	 * first, one line each, so their lines come before the text.
	 */
	if (cli_opt_value(c, "text") && strcmp(cli_opt_value(c, "text"), "-")) {
		it.text = cli_opt_value(c, "text");
		it.text_len = strlen(it.text);
	} else {
		size_t alloc = 0;
		ssize_t got;

		if (isatty(0))
			fprintf(stderr, "casevault: type the note, then Ctrl-D\n");
		for (;;) {
			if (len + 65536 > alloc) {
				char *nb;
				alloc = alloc ? alloc * 2 : 131072;
				if (alloc > MAX_NOTE + 65536) {
					free(buf);
					return cli_fail(c, EXIT_FAIL, "the note is longer than 16 MB; file it as a document with 'casevault file'");
				}
				nb = realloc(buf, alloc);
				if (!nb) {
					free(buf);
					return cli_fail(c, EXIT_FAIL, "out of memory");
				}
				buf = nb;
			}
			got = read(0, buf + len, alloc - len);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				free(buf);
				return cli_fail(c, EXIT_FAIL, "cannot read the note from standard input: %s", strerror(errno));
			}
			if (got == 0)
				break;
			len += (size_t)got;
		}
		it.text = buf;
		it.text_len = len;
	}
	it.case_id = c->argv[0];
	it.section = section_of(c);
	it.class_name = cli_opt_value(c, "class");
	it.title = cli_opt_value(c, "title");
	it.date = cli_opt_value(c, "date");
	it.line = 1;
	r = cv_file(c->v, &it, 1, 0, NULL, NULL, NULL);
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (r < 0)
		return cli_lib_fail(c, r);
	print_result(c, &it, 1, 0);
	return EXIT_OK;
}

const cli_cmd cmd_note_spec = {
	"note", cmd_note, NEEDS_VAULT, "CASE", 1, 1,
	"File a typed note (a phone call, meeting, case note) from --text or standard input.",
	note_opts, { NULL }
};

/* ---- import ---- */

#define NCOLS 6  /* case, path, class, section, title, date */
/*
 * The manifest is filed in batches of whole cases, about IMPORT_BATCH rows
 * each (CASEVAULT_IMPORT_BATCH overrides it, for tests), so that memory does
 * not grow with the manifest (docs/commands/import.md, "Large manifests").
 */
#define IMPORT_BATCH 5000
/* No field of a manifest is near this long (a path is at most 4 KB, a title 300 bytes). */
#define MAX_FIELD (64 * 1024)

/* A case of the manifest: how many rows it has and the batch that files them. */
struct csvcase {
	char *id;
	size_t rows;
	size_t batch;
};

struct csvstate {
	char *field[NCOLS];
	int nfields;
	int row;
	int header_seen;
	int planning;              /* the first pass: count each case's rows */
	size_t batch;              /* later passes: keep only this batch's rows */
	void *tree;                /* tsearch tree of struct csvcase, by id */
	struct csvcase **cases;    /* in order of first appearance */
	size_t ncases, acases, rows;
	cv_file_item *items;
	size_t n, alloc;
	char **paths;   /* owned strings, freed at the end */
	size_t npaths, apaths;
	const char *basedir;
	int oom, toolong, changed;
	cv_text_conv *conv;        /* --encoding: every field is converted to UTF-8 */
	int badrow, badcol;        /* the first field that is not text in its encoding */
	size_t badat;
	unsigned char badbyte;
	int badnul;                /* ... because it holds a NUL byte */
	cli_import_path_fn each;   /* the first pass, in the client: each row's path (cli_import_each_path) */
	void *each_hook;
	cli_doc_keep *kept;        /* through casevaultd: each document is asked of the client (cli/dockeep.c) */
};

static int case_cmp(const void *a, const void *b)
{
	return strcmp(((const struct csvcase *)a)->id, ((const struct csvcase *)b)->id);
}

/* The case of a row, added (planning) or looked up; NULL when unknown or out of memory. */
static struct csvcase *case_of(struct csvstate *s, const char *id)
{
	struct csvcase key = { (char *)id, 0, 0 }, *c, **found;

	found = tfind(&key, &s->tree, case_cmp);
	if (found || !s->planning)
		return found ? *found : NULL;
	if (s->ncases == s->acases) {
		size_t na = s->acases ? s->acases * 2 : 64;
		struct csvcase **nc = reallocarray(s->cases, na, sizeof(*nc));
		if (!nc)
			return NULL;
		s->cases = nc;
		s->acases = na;
	}
	if (!(c = calloc(1, sizeof(*c))) || !(c->id = strdup(id)) || !tsearch(c, &s->tree, case_cmp)) {
		if (c)
			free(c->id);
		free(c);
		return NULL;
	}
	s->cases[s->ncases++] = c;
	return c;
}

/* Whole cases, in order, to batches of about IMPORT_BATCH rows; the number of batches. */
static size_t plan_batches(struct csvstate *s)
{
	const char *env = getenv("CASEVAULT_IMPORT_BATCH");
	size_t per = env && atoi(env) > 0 ? (size_t)atoi(env) : IMPORT_BATCH, b = 0, in = 0, i;

	for (i = 0; i < s->ncases; i++) {
		s->cases[i]->batch = b;
		in += s->cases[i]->rows;
		if (in >= per) {
			b++;
			in = 0;
		}
	}
	return b + (in > 0);
}

static void free_cases(struct csvstate *s)
{
	size_t i;

	for (i = 0; i < s->ncases; i++) {
		tdelete(s->cases[i], &s->tree, case_cmp);
		free(s->cases[i]->id);
		free(s->cases[i]);
	}
	free(s->cases);
}

static char *keep(struct csvstate *s, char *str)
{
	if (!str)
		return NULL;
	if (s->npaths == s->apaths) {
		size_t na = s->apaths ? s->apaths * 2 : 256;
		char **np = reallocarray(s->paths, na, sizeof(char *));
		if (!np) {
			s->oom = 1;
			free(str);
			return NULL;
		}
		s->paths = np;
		s->apaths = na;
	}
	s->paths[s->npaths++] = str;
	return str;
}

/*
 * A field as UTF-8: converted from --encoding, or checked as it is.  The
 * first field that is neither is noted (s->badrow) and stops the import
 * before anything is filed: a manifest in the wrong encoding is wrong
 * throughout (docs/commands/import.md, "Encoding").
 */
static char *field_text(struct csvstate *s, const char *data, size_t len)
{
	/* a NUL would end the C string early: a title silently cut short */
	const char *nul = memchr(data, '\0', len);
	char *out = NULL;
	size_t at = 0;
	int r;

	if (nul) {
		at = (size_t)(nul - data);
	} else if (s->conv) {
		r = cv_text_conv_run(s->conv, data, len, &out, &at);
		if (r == CV_ERROR)
			s->oom = 1;
		if (r == 0)
			return out;
	} else if (cv_text_check(data, len, CV_TEXT_ANY, &at) == CV_TEXT_OK) {
		return strndup(data, len);
	}
	if (!s->badrow && !s->oom) {
		s->badrow = s->row + 1;
		s->badcol = s->nfields + 1;
		s->badat = at;
		s->badbyte = at < len ? (unsigned char)data[at] : 0;
		s->badnul = nul != NULL;
	}
	return strdup("");
}

/* The one-line refusal of a manifest whose field is not text in its encoding. */
static int bad_text(cli_ctx *c, const struct csvstate *s)
{
	static const char *const cols[NCOLS] = { "case", "path", "class", "section", "title", "date" };
	const char *enc = cli_opt_value(c, "encoding");
	char col[32];

	if (s->badcol <= NCOLS)
		snprintf(col, sizeof(col), "%d (%s)", s->badcol, cols[s->badcol - 1]);
	else
		snprintf(col, sizeof(col), "%d", s->badcol);
	if (s->badnul)
		return cli_fail(c, EXIT_FAIL, "%s: line %d, column %s holds a NUL byte (byte %zu), which would cut it short; "
				"remove it and import again (nothing was filed)", c->argv[0], s->badrow, col, s->badat + 1);
	if (enc)
		return cli_fail(c, EXIT_FAIL, "%s: line %d, column %s: byte %zu (0x%02x) is not %s text; check the file's "
				"encoding and give the right --encoding (nothing was filed)", c->argv[0], s->badrow, col,
				s->badat + 1, s->badbyte, enc);
	return cli_fail(c, EXIT_FAIL, "%s: line %d, column %s is not UTF-8 (byte %zu, 0x%02x); save the file as UTF-8, "
			"or give --encoding windows-1252 (nothing was filed)", c->argv[0], s->badrow, col,
			s->badat + 1, s->badbyte);
}

static void on_field(void *data, size_t len, void *hook)
{
	struct csvstate *s = hook;

	/* a spreadsheet's "CSV UTF-8" starts with a byte-order mark */
	if (s->row == 0 && s->nfields == 0 && data && len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data = (char *)data + 3;
		len -= 3;
	}
	if (len > MAX_FIELD && !s->toolong)
		s->toolong = s->row + 1;
	if (s->nfields < NCOLS)
		s->field[s->nfields] = field_text(s, data ? data : "", len > MAX_FIELD ? MAX_FIELD : len);
	s->nfields++;
}

/* Whether the row just read belongs to this pass's batch (counting it when planning). */
static int row_wanted(struct csvstate *s)
{
	struct csvcase *c = case_of(s, s->nfields > 0 && s->field[0] ? s->field[0] : "");

	if (!c) {
		if (s->planning)
			s->oom = 1;
		else
			s->changed = 1;
		return 0;
	}
	if (s->planning) {
		c->rows++;
		s->rows++;
		return 0;
	}
	return c->batch == s->batch;
}

/* The row's document: its path field, relative to the manifest's folder; the field is taken. */
static char *row_path(struct csvstate *s)
{
	char *p = NULL;

	if (s->field[1][0] == '/' || !s->basedir) {
		p = s->field[1];
	} else {
		if (asprintf(&p, "%s/%s", s->basedir, s->field[1]) < 0)
			p = NULL;
		free(s->field[1]);
	}
	s->field[1] = NULL;
	return p;
}

/* The first pass in the client: the document of each row, the only ones it passes. */
static void each_path(struct csvstate *s)
{
	char *p;

	if (!s->each || s->nfields != NCOLS || !s->field[1])
		return;
	if (!(p = row_path(s)) || s->each(s->each_hook, p) < 0)
		s->oom = 1;
	free(p);
}

/* One row of the batch being read, as an item to file. */
static void add_item(struct csvstate *s)
{
	cv_file_item *it;

	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 256;
		cv_file_item *ni = reallocarray(s->items, na, sizeof(*ni));
		if (!ni) {
			s->oom = 1;
			return;
		}
		s->items = ni;
		s->alloc = na;
	}
	it = &s->items[s->n++];
	memset(it, 0, sizeof(*it));
	it->line = s->row;
	if (s->nfields != NCOLS) {
		/* a spreadsheet saved with ';' (a European locale's CSV) or tabs reads as one column */
		const char *sep = s->nfields == 1 && s->field[0] ? strpbrk(s->field[0], ";\t") : NULL;

		it->status = CV_EINVAL;
		snprintf(it->error, sizeof(it->error), "expected 6 columns (case, path, class, section, title, date), found %d%s",
			 s->nfields, !sep ? "" : *sep == ';' ? "; the columns are separated by ';': save the manifest as CSV "
			 "with commas (docs/commands/import.md, \"The manifest\")" : "; the columns are separated by tabs: save the "
			 "manifest as CSV with commas (docs/commands/import.md, \"The manifest\")");
		it->case_id = keep(s, strdup(s->nfields > 0 && s->field[0] ? s->field[0] : ""));
		return;
	}
	it->case_id = keep(s, s->field[0]);
	s->field[0] = NULL;
	it->path = keep(s, row_path(s));
	if (s->kept) {
		it->open_doc = cli_doc_keep_open;
		it->open_hook = s->kept;
	}
	it->class_name = keep(s, s->field[2]);
	s->field[2] = NULL;
	if (!s->field[3][0] || cv_section_parse(&it->section, s->field[3]) < 0) {
		it->status = CV_EINVAL;
		snprintf(it->error, sizeof(it->error), "section must be 'case' or 'cp', not '%.40s'", s->field[3]);
	}
	if (s->field[4][0]) {
		it->title = keep(s, s->field[4]);
		s->field[4] = NULL;
	}
	if (s->field[5][0]) {
		it->date = keep(s, s->field[5]);
		s->field[5] = NULL;
	}
	if (!it->path)
		s->oom = 1;
}

static void on_row(int term, void *hook)
{
	struct csvstate *s = hook;
	int i;

	(void)term;
	s->row++;
	if (!s->header_seen) {
		s->header_seen = 1;
		if (s->field[0] && !strcmp(s->field[0], "case"))
			goto done;
	}
	if (row_wanted(s))
		add_item(s);
	else
		each_path(s);
done:
	for (i = 0; i < NCOLS; i++) {
		free(s->field[i]);
		s->field[i] = NULL;
	}
	s->nfields = 0;
}

/*
 * One pass over the manifest.  libcsv grows a field's buffer by its block
 * size; starting at 64 KiB and set to the buffer's size before each chunk,
 * the buffer doubles, so a long field costs a few copies, not one per 128
 * bytes.  A field longer than MAX_FIELD stops the import before anything
 * is filed.
 */
static int read_manifest(cli_ctx *c, FILE *f, struct csvstate *s)
{
	struct csv_parser p;
	char buf[65536];
	size_t got;
	int r = 0;

	s->row = s->header_seen = s->nfields = 0;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
		return cli_fail(c, EXIT_FAIL, "cannot start the CSV parser");
	rewind(f);
	while (!r && (got = fread(buf, 1, sizeof(buf), f)) > 0) {
		size_t have = csv_get_buffer_size(&p);

		csv_set_blk_size(&p, have > sizeof(buf) ? have : sizeof(buf));
		if (csv_parse(&p, buf, got, on_field, on_row, s) != got)
			r = cli_fail(c, EXIT_FAIL, "%s: malformed CSV near record %d: %s; fix the file and import again (nothing was filed)",
				     c->argv[0], s->row + 1, csv_strerror(csv_error(&p)));
		else if (p.entry_pos > MAX_FIELD && !s->toolong)
			s->toolong = s->row + 1;
		if (s->toolong)
			r = cli_fail(c, EXIT_FAIL, "%s: record %d has a field longer than %d KB (a path or title is far shorter): "
				     "a quote is probably not closed; fix the file and import again (nothing was filed)",
				     c->argv[0], s->toolong, MAX_FIELD / 1024);
	}
	if (!r && ferror(f))
		r = cli_fail(c, EXIT_FAIL, "cannot read %s: %s", c->argv[0], strerror(errno));
	if (!r && csv_fini(&p, on_field, on_row, s) != 0)
		r = cli_fail(c, EXIT_FAIL, "%s: malformed CSV at the end (an unterminated quote?): %s; fix the file and import again (nothing was filed)",
			     c->argv[0], csv_strerror(csv_error(&p)));
	if (!r && s->oom)
		r = cli_fail(c, EXIT_FAIL, "out of memory reading %s", c->argv[0]);
	if (!r && s->badrow)
		r = bad_text(c, s);
	csv_free(&p);
	for (int i = 0; i < NCOLS; i++) {
		free(s->field[i]);  /* a row the parser never finished */
		s->field[i] = NULL;
	}
	return r;
}

/* A bar drawn and not yet finished (rows skipped as already filed never reach the pool). */
static int bar_open;

static void progress_bar(void *hook, size_t done, size_t total)
{
	int width = 40, fill = total ? (int)((double)done / (double)total * width) : width;

	(void)hook;
	bar_open = done != total;
	fprintf(stderr, "\r[%.*s%*s] %zu/%zu", fill, "########################################", width - fill, "", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* The bar over the whole manifest: a batch's progress plus the rows before it. */
struct progress_all {
	size_t before, total;
};

static void progress_batch(void *hook, size_t done, size_t total)
{
	struct progress_all *pa = hook;

	(void)total;
	progress_bar(NULL, pa->before + done, pa->total);
}

static const cli_opt import_opts[] = {
	{ "allow-duplicates", 0, NULL, "file documents even if the same bytes are already filed in their case (default: skip them)", NULL },
	{ "check", 0, NULL, "check every row as an import would, and file nothing", NULL },
	{ "encoding", 0, "ENC", "the manifest's character set: utf-8 (default), windows-1252 or iso-8859-1", NULL },
	CLI_OPT_END
};

/* The rows of the import so far: filed, skipped, refused. */
struct import_count {
	size_t filed, skipped, bad, seen;
};

/*
 * import --json: each batch's rows go, as their objects, into one
 * temporary file per list of the report (filed, skipped, errors), and the
 * report is spliced from the three at the end, so that memory stays flat
 * in the rows of the manifest as the batches keep it
 * (docs/commands/import.md, "Large manifests").
 */
struct json_lists {
	FILE *f[3];
	size_t n[3];
	int failed;
};

static int json_lists_open(cli_ctx *c, struct json_lists *jl)
{
	int k;

	memset(jl, 0, sizeof(*jl));
	for (k = 0; k < 3; k++)
		if (!(jl->f[k] = tmpfile()))
			return cli_fail(c, EXIT_FAIL, "cannot make a temporary file for the JSON report: %s; nothing was "
					"imported (is /tmp writable?)", strerror(errno));
	return 0;
}

static void json_lists_close(struct json_lists *jl)
{
	int k;

	for (k = 0; k < 3; k++)
		if (jl->f[k])
			fclose(jl->f[k]);
}

static void json_lists_add(struct json_lists *jl, const cv_file_item *items, size_t n, int check)
{
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		json_t *o = item_json(&items[i], check, &k);

		if (!o || cli_json_failed() || fputs(jl->n[k]++ ? ",\n" : "\n", jl->f[k]) < 0 ||
		    json_dumpf(o, jl->f[k], JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
			jl->failed = 1;
		json_decref(o);
	}
}

/* The one report: "ok" (nothing refused), then each list from its file. */
static int json_lists_out(cli_ctx *c, struct json_lists *jl, int check)
{
	char buf[8192];
	size_t got;
	int k;

	for (k = 0; k < 3; k++)
		if (fflush(jl->f[k]) != 0 || fseek(jl->f[k], 0, SEEK_SET) != 0)
			jl->failed = 1;
	if (jl->failed)
		return cli_fail(c, EXIT_FAIL, "the import ran but its JSON report could not be written (temporary file): "
				"'casevault ls CASE' lists what was filed");
	printf("{\n  \"ok\": %s", jl->n[2] ? "false" : "true");
	for (k = 0; k < 3; k++) {
		printf(",\n  \"%s\": [", list_name(k, check));
		while ((got = fread(buf, 1, sizeof(buf), jl->f[k])) > 0)
			fwrite(buf, 1, got, stdout);
		fputs(jl->n[k] ? "\n  ]" : "]", stdout);
	}
	fputs("\n}\n", stdout);
	return 0;
}

/*
 * File (or check) batch b: read its rows, file them, report them (text) or
 * add them to the JSON report's files (jl).  0, or the exit status of a failure of
 * the whole run (passphrase, lock, role, a full disk).
 */
static int import_batch(cli_ctx *c, FILE *f, struct csvstate *s, size_t b, struct import_count *cnt,
			struct json_lists *jl)
{
	int check = cli_flag(c, "check"), r;
	struct progress_all pa = { cnt->seen, s->rows };
	size_t first = s->n, nfiled = 0, i;

	s->batch = b;
	if ((r = read_manifest(c, f, s)) != 0)
		return r;
	cli_doc_keep_batch(s->kept, s->items + first, s->n - first);
	r = cv_file(c->v, s->items + first, s->n - first, CV_FILE_PER_CASE |
		    (cli_flag(c, "allow-duplicates") ? CV_FILE_ALLOW_DUPLICATES : 0) | (check ? CV_FILE_CHECK_ONLY : 0),
		    isatty(2) && !c->json && !check ? progress_batch : NULL, &pa, &nfiled);
	if (r < 0 && nfiled == 0 && r != CV_EREFUSED && r != CV_EINVAL && r != CV_ENOTFOUND) {
		/* a failure of the whole run: one line, and what earlier batches did */
		if (cnt->filed)
			return cli_fail(c, EXIT_FAIL, "%s; %zu documents were imported before this: import the manifest again "
					"once that is fixed (documents already filed are skipped)", cv_vault_errmsg(c->v), cnt->filed);
		return cli_lib_fail(c, r);
	}
	for (i = first; i < s->n; i++) {
		cnt->skipped += is_skipped(&s->items[i]);
		cnt->bad += s->items[i].status < 0;
	}
	cnt->filed += nfiled;
	cnt->seen += s->n - first;
	if (c->json)
		json_lists_add(jl, s->items, s->n, check);
	else
		print_result(c, s->items, s->n, check);
	for (i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	s->npaths = s->n = 0;
	cli_doc_keep_batch(s->kept, NULL, 0);
	return 0;
}

/* --encoding: a converter from the manifest's character set (iconv's names). */
static int open_encoding(cli_ctx *c, struct csvstate *s)
{
	const char *enc = cli_opt_value(c, "encoding");

	if (!enc)
		return 0;
	if (!(s->conv = cv_text_conv_open(enc)))
		return cli_fail(c, EXIT_USAGE, "unknown --encoding '%s'; give utf-8, windows-1252 or iso-8859-1 "
				"('iconv -l' lists every name)", enc);
	return 0;
}

/* A stream on a copy of a passed descriptor (its owner closes the original), or NULL with errno. */
static FILE *fdopen_copy(int fd)
{
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 3), e;
	FILE *f = own >= 0 ? fdopen(own, "r") : NULL;

	if (!f && own >= 0) {
		e = errno;
		close(own);
		errno = e;
	}
	return f;
}

/* The manifest: through casevaultd, the descriptor the client passed (docs/service.md, "Named files"). */
static FILE *open_manifest(const cli_ctx *c)
{
	int fd = cli_passed_fd(c, c->argv[0]);

	return fd < 0 ? fopen(c->argv[0], "re") : fdopen_copy(fd);
}

int cli_import_each_path(cli_ctx *c, int fd, cli_import_path_fn fn, void *hook)
{
	struct csvstate s;
	char *dircopy = NULL;
	FILE *f = fdopen_copy(fd);
	int r;

	memset(&s, 0, sizeof(s));
	if (!f)
		return cli_fail(c, EXIT_FAIL, "cannot read %s: %s", c->argv[0], strerror(errno));
	if ((r = open_encoding(c, &s)) == 0 && !(dircopy = strdup(c->argv[0])))
		r = cli_fail(c, EXIT_FAIL, "out of memory reading %s", c->argv[0]);
	s.basedir = dircopy ? dirname(dircopy) : NULL;
	s.planning = 1;
	s.each = fn;
	s.each_hook = hook;
	if (r == 0)
		r = read_manifest(c, f, &s);
	fclose(f);
	cv_text_conv_close(s.conv);
	free_cases(&s);
	free(dircopy);
	return r;
}

static int cmd_import(cli_ctx *c)
{
	struct csvstate s;
	struct import_count cnt = { 0, 0, 0, 0 };
	struct json_lists jl;
	char *dircopy = NULL;
	size_t nb, b, i;
	FILE *f;
	int r = 0, check = cli_flag(c, "check");

	memset(&s, 0, sizeof(s));
	memset(&jl, 0, sizeof(jl));
	if ((r = open_encoding(c, &s)) != 0)
		return r;
	f = open_manifest(c);
	if (!f) {
		cv_text_conv_close(s.conv);
		return cli_fail(c, EXIT_FAIL, "cannot read %s: %s", c->argv[0], strerror(errno));
	}
	if (c->json && (r = json_lists_open(c, &jl)) != 0)
		goto out;
	dircopy = strdup(c->argv[0]);
	s.basedir = dircopy ? dirname(dircopy) : NULL;
	if (c->svc && !(s.kept = cli_doc_keep_new(c))) {
		r = cli_fail(c, EXIT_FAIL, "out of memory reading %s", c->argv[0]);
		goto out;
	}
	/* The first pass files nothing: a malformed manifest is refused whole. */
	s.planning = 1;
	if ((r = read_manifest(c, f, &s)) != 0)
		goto out;
	s.planning = 0;
	if (s.rows == 0) {
		r = cli_fail(c, EXIT_FAIL, "%s lists no documents (columns: case, path, class, section, title, date)", c->argv[0]);
		goto out;
	}
	nb = plan_batches(&s);
	for (b = 0; b < nb && r == 0; b++)
		r = import_batch(c, f, &s, b, &cnt, &jl);
	if (bar_open && r == 0)
		progress_bar(NULL, s.rows, s.rows);  /* the skipped rows are done too */
	else if (bar_open)
		fputc('\n', stderr);
	if (r == 0 && s.changed)
		r = cli_fail(c, EXIT_FAIL, "%s changed while it was imported; %zu documents were imported: import it again "
			     "(documents already filed are skipped)", c->argv[0], cnt.filed);
	if (r != 0)
		goto out;
	if (c->json && (r = json_lists_out(c, &jl, check)) != 0)
		goto out;
	if (!c->json && check)
		fprintf(stderr, "casevault: checked %zu documents: %zu would be filed, %zu skipped as already filed, %zu refused; nothing was filed\n",
			cnt.seen, cnt.seen - cnt.skipped - cnt.bad, cnt.skipped, cnt.bad);
	else if (!c->json && cnt.skipped)
		fprintf(stderr, "casevault: imported %zu of %zu documents; %zu already filed, skipped\n", cnt.filed, cnt.seen, cnt.skipped);
	else if (!c->json)
		fprintf(stderr, "casevault: imported %zu of %zu documents\n", cnt.filed, cnt.seen);
	r = cnt.bad == 0 ? EXIT_OK : EXIT_FAIL;
out:
	fclose(f);
	cli_doc_keep_free(s.kept);
	cv_text_conv_close(s.conv);
	json_lists_close(&jl);
	free_cases(&s);
	for (i = 0; i < s.npaths; i++)
		free(s.paths[i]);
	free(s.paths);
	free(s.items);
	free(dircopy);
	return r;
}

const cli_cmd cmd_import_spec = {
	"import", cmd_import, NEEDS_VAULT, "MANIFEST.csv", 1, 1,
	"File a backlog from a CSV manifest (case, path, class, section, title, date); each case all or nothing.",
	import_opts, { NULL }
};
