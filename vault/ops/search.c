/*
 * casevault - search (casevault/search.h, docs/commands/search.md).
 *
 * Nothing is indexed: every search opens, in memory, the names of the
 * cases the caller may read, the titles of their records and the text of
 * each document (cv_fmt_text), matches, and wipes what it opened.  A
 * sealed or plaintext index on disk would be one more copy of every
 * child's name and every letter's words outside the archives, to be kept
 * in step with erasure and purge (docs/security.md, "Search"); the cost is
 * the time of a search, measured in bench/bench_search.sh.
 *
 * Scope is the caller's reading scope (docs/security.md, Case assignment):
 * a caseworker sees only assigned cases and never a child-protection file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "casevault/case.h"
#include "casevault/record.h"
#include "casevault/search.h"
#include "casevault/staff.h"
#include "casevault/text.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/authz.h"
#include "formats/formats.h"
#include "ops/case.h"
#include "store/archive.h"
#include "store/db_cases.h"
#include "store/db_records.h"
#include "store/db_rights.h"

#define MAX_WORDS 16
#define MAX_QUERY 200

/* The words searched for, lower case (ASCII), in one buffer. */
struct query {
	char buf[MAX_QUERY + 1];
	const char *words[MAX_WORDS];
	size_t n;
};

struct search {
	cv_vault *v;
	struct query q;
	int sections;            /* bit mask: the sections read */
	cv_search_hit *hits;
	size_t n, cap;
	cv_search_stats stats;
};

const char *cv_match_name(cv_match m)
{
	return m == CV_MATCH_NAME ? "name" : m == CV_MATCH_TITLE ? "title" : "text";
}

/* A byte of a word: a letter or digit, or any byte of a non-ASCII character. */
static int word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

static int query_parse(cv_vault *v, const char *text, struct query *q)
{
	char *p;

	memset(q, 0, sizeof(*q));
	if (!text || strlen(text) > MAX_QUERY || cv_text_check_str(text, CV_TEXT_LINE, NULL) != CV_TEXT_OK)
		return cv_error(v, CV_EINVAL, "search for one line of UTF-8 text of at most %d bytes", MAX_QUERY);
	snprintf(q->buf, sizeof(q->buf), "%s", text);
	for (p = q->buf; *p; p++)
		*p = word_byte((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '\0';
	for (p = q->buf; p < q->buf + strlen(text); p += strlen(p) + 1) {
		if (!*p)
			continue;
		if (q->n == MAX_WORDS)
			return cv_error(v, CV_EINVAL, "search for at most %d words", MAX_WORDS);
		q->words[q->n++] = p;
	}
	return q->n ? 0 : cv_error(v, CV_EINVAL, "give a word to search for (letters or digits)");
}

/* 1 when hay holds w as a whole word, without regard to case (ASCII letters). */
static int has_word(const char *hay, const char *w)
{
	size_t wl = strlen(w);
	const char *p;

	for (p = hay; (p = strcasestr(p, w)); p++)
		if ((p == hay || !word_byte((unsigned char)p[-1])) && !word_byte((unsigned char)p[wl]))
			return 1;
	return 0;
}

/* Every word of the query is in hay. */
static int matches(const struct query *q, const char *hay)
{
	size_t i;

	for (i = 0; hay && i < q->n; i++)
		if (!has_word(hay, q->words[i]))
			return 0;
	return hay != NULL;
}

static int add_hit(struct search *s, const char *case_id, const char *record_id, cv_section sec, cv_match m,
		   const char *title)
{
	cv_search_hit *h;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		if (!(h = realloc(s->hits, s->cap * sizeof(*h))))
			return cv_error(s->v, CV_ERROR, "out of memory");
		s->hits = h;
	}
	h = &s->hits[s->n];
	memset(h, 0, sizeof(*h));
	snprintf(h->case_id, sizeof(h->case_id), "%s", case_id);
	snprintf(h->record_id, sizeof(h->record_id), "%s", record_id);
	h->section = sec;
	h->where = m;
	if (!(h->title = strdup(title ? title : "")))
		return cv_error(s->v, CV_ERROR, "out of memory");
	s->n++;
	return 0;
}

/* One archive member read into memory (wiped when released). */
struct grab {
	const char *member;
	unsigned char *buf;
	size_t len, cap;
	int found;
};

static int grab_entry(void *hook, const char *name, int64_t size)
{
	struct grab *g = hook;

	if (strcmp(name, g->member) || g->buf || size < 0 || (uint64_t)size > CV_FMT_MAX)
		return 0;
	g->cap = (size_t)size;
	return (g->buf = malloc(g->cap + 1)) ? 1 : -1;
}

static int grab_data(void *hook, const void *buf, size_t len)
{
	struct grab *g = hook;

	if (len > g->cap - g->len)
		return -1;
	memcpy(g->buf + g->len, buf, len);
	g->len += len;
	return 0;
}

static int grab_end(void *hook, const char *name)
{
	(void)name;
	((struct grab *)hook)->found++;
	return 0;
}

/* The caller's scope was checked for the whole search: no check per record. */
static int allow_all(void *hook, cv_section s)
{
	(void)hook;
	(void)s;
	return 0;
}

/* Decrypt the record's document into g (memory only). */
static int doc_read(cv_vault *v, const cv_db_record_where *w, struct grab *g)
{
	cv_archive_reader rd = { grab_entry, grab_data, grab_end, g };
	char key[CV_KEY_HEX + 1];
	int r;

	g->member = w->member;
	if ((r = cv_keys_unwrap(v, w->rec.section, w->key_gen, w->file, w->wrapped, key)) < 0)
		return r;
	r = cv_archive_read(v, w->file, key, &rd, NULL);
	explicit_bzero(key, sizeof(key));
	if (r == 0 && (g->found != 1 || g->len != g->cap))
		r = cv_error(v, CV_ECORRUPT, "record %s is missing from its archive; run 'casevault verify'", w->rec.id);
	return r;
}

/* The words of record id's document (*text NULL when its type has none), decrypted in memory. */
static int doc_text(cv_vault *v, const char *id, char **text)
{
	cv_db_record_where w;
	struct grab g;
	char err[256];
	size_t tl = 0;
	int r;

	*text = NULL;
	memset(&g, 0, sizeof(g));
	if ((r = cv_db_record_locate(v, id, allow_all, NULL, &w)) == 0 && (cv_fmt_caps(w.rec.mime) & CV_FMT_TEXT) &&
	    (r = doc_read(v, &w, &g)) == 0 &&
	    (r = cv_fmt_text(w.rec.mime, g.buf, g.len, text, &tl, err, sizeof(err))) < 0)
		cv_error(v, r, "record %s: %s", id, err);
	if (g.buf) {
		explicit_bzero(g.buf, g.len);
		free(g.buf);
	}
	cv_db_record_where_release(&w);
	return r;
}

static int search_record(struct search *s, const char *case_id, cv_section sec, const cv_record *rec)
{
	char *text = NULL, req[24];
	int r;

	s->stats.records++;
	if (matches(&s->q, rec->title))
		return add_hit(s, case_id, rec->id, sec, CV_MATCH_TITLE, rec->title);
	/* a restricted record is stored but not otherwise processed (docs/legal-rules.md LR-18) */
	if ((r = cv_db_restriction_find(s->v, rec->id, req)) != 0)
		return r < 0 ? r : 0;
	if (doc_text(s->v, rec->id, &text) < 0) {
		s->stats.unreadable++;
		return 0;
	}
	s->stats.texts += text != NULL;
	r = matches(&s->q, text) ? add_hit(s, case_id, rec->id, sec, CV_MATCH_TEXT, rec->title) : 0;
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	return r;
}

static int search_case(struct search *s, const cv_case *k)
{
	cv_record *recs = NULL;
	char *names = NULL;
	size_t nr = 0, i;
	int r = 0, sec;

	s->stats.cases++;
	if (k->child && k->parent && asprintf(&names, "%s (%s)", k->child, k->parent) < 0)
		return cv_error(s->v, CV_ERROR, "out of memory");
	if (matches(&s->q, names))
		r = add_hit(s, k->id, "", CV_SECTION_CASE, CV_MATCH_NAME, names);
	free(names);
	for (sec = 0; r == 0 && sec < CV_SECTION_COUNT; sec++) {
		if (!(s->sections & (1 << sec)) || (r = cv_db_records_list(s->v, k->id, (cv_section)sec, &recs, &nr)) < 0)
			continue;
		for (i = 0; r == 0 && i < nr; i++)
			r = search_record(s, k->id, (cv_section)sec, &recs[i]);
		cv_record_list_free(recs, nr);
	}
	return r;
}

/* The cases to search: case_id alone, or every case the caller may see (names unsealed). */
static int cases_of(cv_vault *v, const char *case_id, cv_case **list, size_t *n)
{
	size_t i, kept = 0;
	int r;

	if (case_id) {
		if (!(*list = calloc(1, sizeof(**list))))
			return cv_error(v, CV_ERROR, "out of memory");
		*n = 1;
		return cv_case_fetch(v, *list, case_id, 1);
	}
	if ((r = cv_db_case_list(v, 1, list, n)) < 0)
		return r;
	for (i = 0; i < *n; i++) {
		if (r >= 0)
			r = cv_authz_sees_case(v, (*list)[i].id);
		if (r > 0)
			(*list)[kept++] = (*list)[i];
		else
			cv_case_release(&(*list)[i]);
	}
	*n = kept;
	return r < 0 ? r : 0;
}

/* Which sections the caller reads: the case file, and the CP file for a cp-lead or manager. */
static int sections_of(cv_vault *v)
{
	int m = 1 << CV_SECTION_CASE;

	if (cv_role_allows(v->role, CV_ACT_READ_CP) && cv_require_key(v, CV_SECTION_CP) == 0)
		m |= 1 << CV_SECTION_CP;
	return m;
}

static void audit_search(struct search *s, const char *case_id, int r)
{
	char ids[64];

	/* the count, never the words: what was searched for is personal data */
	snprintf(ids, sizeof(ids), "%s%sfound:%zu", case_id ? case_id : "", case_id ? " " : "", s->n);
	cv_audit(s->v, "search", r, ids);
}

int cv_search(cv_vault *v, const char *text, const char *case_id, cv_search_hit **hits, size_t *n,
	      cv_search_stats *stats)
{
	struct search s;
	cv_case *cases = NULL;
	size_t nc = 0, i;
	int r;

	*hits = NULL;
	*n = 0;
	memset(&s, 0, sizeof(s));
	s.v = v;
	if ((r = query_parse(v, text, &s.q)) < 0 || (r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0 ||
	    (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	s.sections = sections_of(v);
	r = cases_of(v, case_id, &cases, &nc);
	for (i = 0; r == 0 && i < nc; i++)
		r = search_case(&s, &cases[i]);
	cv_case_list_free(cases, nc);
	audit_search(&s, case_id, r);
	if (stats)
		*stats = s.stats;
	if (r < 0) {
		cv_search_free(s.hits, s.n);
		return r;
	}
	*hits = s.hits;
	*n = s.n;
	return 0;
}

void cv_search_free(cv_search_hit *hits, size_t n)
{
	size_t i;

	for (i = 0; hits && i < n; i++)
		if (hits[i].title) {
			explicit_bzero(hits[i].title, strlen(hits[i].title));
			free(hits[i].title);
		}
	free(hits);
}
