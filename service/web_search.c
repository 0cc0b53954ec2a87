/*
 * casevaultd - the search page (docs/web.md, Search; docs/commands/search.md):
 * case names, record titles and the text of documents, as 'casevault search'
 * finds them (cv_search), for what the signed-in person may read: a
 * caseworker's assigned cases and case files, never a child-protection file.
 * The words are POSTed, so they are never in a URL, a history or a log, and
 * the library reads every document in this worker's memory only: there is
 * no search index anywhere (docs/security.md, Search).  A refusal is shown
 * in the library's one line, as the CLI prints it.
 */
#include <stdio.h>
#include <string.h>

#include "casevault/casevault.h"
#include "casevault/search.h"
#include "web.h"

/* One hit: its case, and its record with the link that asks a download's purpose (a case found by name has none). */
static void hit_row(web_buf *b, const cv_search_hit *h)
{
	web_printf(b, "<tr><td><a href=\"/case/%s\">%s</a></td><td>", h->case_id, h->case_id);
	if (h->record_id[0])
		web_printf(b, "<a href=\"/record/%s/fix\">%s</a>", h->record_id, h->record_id);
	web_puts(b, "</td><td class=\"title\">");
	web_esc(b, h->title ? h->title : "");
	web_printf(b, "</td><td>%s</td></tr>", cv_match_name(h->where));
}

static void results(web_buf *b, const cv_search_hit *hits, size_t n, const cv_search_stats *st)
{
	size_t i;

	web_puts(b, "<table><caption>What matched every word</caption><thead><tr><th scope=\"col\">Case</th>"
		    "<th scope=\"col\">Record</th><th scope=\"col\">Title (or the case's names)</th>"
		    "<th scope=\"col\">Found in</th></tr></thead><tbody>");
	for (i = 0; i < n; i++)
		hit_row(b, &hits[i]);
	web_puts(b, "</tbody></table>");
	if (!n)
		web_puts(b, "<p>Nothing you may read holds every one of those words.</p>");
	web_printf(b, "<p>Looked at %zu cases and %zu records, and read %zu documents.", st->cases, st->records,
		   st->texts);
	if (st->unreadable)
		web_printf(b, " %zu documents could not be read; they are found by their titles only.", st->unreadable);
	web_puts(b, "</p>");
}

static void search_page(const web_req *rq, cv_vault *v, web_head *h, web_buf *b, int post)
{
	cv_search_hit *hits = NULL;
	cv_search_stats st;
	size_t n = 0;
	int r;

	memset(&st, 0, sizeof(st));
	if (post && (r = cv_search(v, rq->query ? rq->query : "", NULL, &hits, &n, &st)) < 0)
		return web_lib_error(rq, h, b, v, r);
	web_page_begin(rq, b, post ? "Search results" : "Search");
	web_query_form(rq, b, "/search", "Words to find in names, titles and documents (every word must appear)",
		       "Search");
	if (post)
		results(b, hits, n, &st);
	web_page_end(b);
	cv_search_free(hits, n);
}

int web_search_route(const web_req *rq, cv_vault *v, web_head *h, web_buf *b)
{
	int post = !strcmp(rq->method, "POST");

	if (strcmp(rq->url, "/search"))
		return 0;
	search_page(rq, v, h, b, post);
	return 1;
}
