/*
 * casevault search TEXT (docs/commands/search.md): case names, record
 * titles and document text the caller may read, opened in memory only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "casevault/search.h"

static const cli_opt search_opts[] = {
	{ "case", 0, "CASE", "search this case only", NULL },
	{ "reindex", 0, NULL, "write the missing sealed word sets from the archives (manager; no TEXT)", NULL },
	CLI_OPT_END
};

static json_t *hit_json(const void *item, int arg)
{
	const cv_search_hit *h = item;

	(void)arg;
	return json_pack("{s:s?, s:s, s:s, s:s, s:o}", "record", h->record_id[0] ? h->record_id : NULL, "case", h->case_id,
			 "section", cv_section_name(h->section), "match", cv_match_name(h->where), "title", cli_jtext(h->title));
}

static void print_hits(const cv_search_hit *hits, size_t n, const cv_search_stats *st)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%-8s  %-11s  %-4s  %-5s  %s\n", hits[i].record_id[0] ? hits[i].record_id : "-", hits[i].case_id,
		       cv_section_name(hits[i].section), cv_match_name(hits[i].where), cli_show(hits[i].title));
	printf("%zu found (%zu cases, %zu records, %zu word sets opened, %zu documents read)\n", n, st->cases,
	       st->records, st->indexed, st->texts);
	if (st->unreadable)
		fprintf(stderr, "casevault: %zu documents could not be read for their text; run 'casevault verify'\n",
			st->unreadable);
}

static int cmd_reindex(cli_ctx *c)
{
	cv_search_stats st;
	int r;

	if (c->argc > 0 || cli_opt_value(c, "case"))
		return cli_fail(c, EXIT_USAGE, "--reindex takes no search text and no --case: it covers the whole vault");
	if ((r = cv_search_reindex(c->v, &st)) < 0)
		return cli_lib_fail(c, r);
	if (c->json)
		cli_json_out(json_pack("{s:b, s:I, s:I, s:I}", "ok", 1, "records", (json_int_t)st.records, "written",
				       (json_int_t)st.indexed, "unreadable", (json_int_t)st.unreadable));
	else
		printf("%zu word sets written (%zu records looked at, %zu documents unreadable)\n", st.indexed,
		       st.records, st.unreadable);
	return EXIT_OK;
}

static int cmd_search(cli_ctx *c)
{
	cv_search_hit *hits = NULL;
	cv_search_stats st;
	size_t n = 0;
	int r;

	if (cli_flag(c, "reindex"))
		return cmd_reindex(c);
	if (c->argc != 1)
		return cli_fail(c, EXIT_USAGE, "give the words to search for: casevault search TEXT");
	r = cv_search(c->v, c->argv[0], cli_opt_value(c, "case"), &hits, &n, &st);
	if (r < 0)
		return cli_lib_fail(c, r);
	if (c->json)
		cli_json_out(json_pack("{s:b, s:I, s:o, s:I}", "ok", 1, "count", (json_int_t)n,
				       "results", cli_json_array(hits, n, sizeof(*hits), hit_json, 0),
				       "unreadable", (json_int_t)st.unreadable));
	else
		print_hits(hits, n, &st);
	cv_search_free(hits, n);
	return EXIT_OK;
}

const cli_cmd cmd_search_spec = {
	"search", cmd_search, NEEDS_VAULT, "TEXT", 0, 1,
	"Find cases by name and records by title or text (whole words, any case) among those you may read.",
	search_opts, { "Search words" }
};
