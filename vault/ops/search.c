/*
 * casevault - search (casevault/search.h, docs/commands/search.md).
 *
 * Case names and record titles are opened from their sealed columns and
 * matched in memory.  A record's document text (a scan's: its OCR text,
 * docs/ocr.md) is matched through its sealed word set (store/db_search.c):
 * the distinct words of its searchable text, written at filing as one value sealed under the
 * record's section key, opened here in memory and wiped.  No word is ever
 * on disk in clear, nor a per-word token (which would tell which records
 * share a word); what the rows tell is each record's padded word-set size
 * and which records have one (docs/security.md, "Search").  A record with
 * no row (filed before the word sets, by a volunteer's deposit, or with a
 * row that does not open) has its archive read in memory as before; a
 * manager's 'search --reindex' writes the missing rows from the archives.
 * bench/bench_search.sh measures both ways.
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
#include "core/lock.h"
#include "formats/formats.h"
#include "ops/case.h"
#include "ops/filing_ocr.h"
#include "ops/search_words.h"
#include "store/archive.h"
#include "store/db_cases.h"
#include "store/db_records.h"
#include "store/db_rights.h"
#include "store/db_search.h"
#include "store/index.h"

#define MAX_WORDS 16
#define MAX_QUERY 200

/* The words searched for, lower case (ASCII), in one buffer. */
struct query {
	char buf[MAX_QUERY + 1];
	const char *words[MAX_WORDS];
	size_t n;
};

/* A record's sealed word set, opened (NULL: its row does not open). */
struct wordrow {
	char id[16];
	char *words;
};

struct search {
	cv_vault *v;
	int build;               /* rebuilding missing word sets (--reindex), not searching */
	struct wordrow *rows;    /* the word sets of the section being searched, by record id */
	size_t nrows, caprows;
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

/* One definition of a word for the matcher and the word sets (ops/search_words.c). */
#define word_byte cv_search_word_byte

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

/*
 * One pass over an archive for the records of it whose text is wanted,
 * ws[from..to): each member is read into memory, its text extracted and
 * added to its record's text (a scan's OCR member follows its document,
 * docs/ocr.md), and wiped before the next; once the archive is read, each
 * record's text is matched (or its word set built) and wiped.  An import's
 * archive holds a whole case's documents: reading it once per record would
 * cost its size each time.
 */
struct pass {
	struct search *s;
	const char *case_id;
	cv_db_record_where *ws;
	size_t from, to, cur;     /* cur: the member being read, or NONE */
	int ocr;                  /* cur's member is the OCR text of a scan */
	unsigned char *buf;
	size_t len, cap;
	char **texts;             /* texts[j - from]: record j's text so far, or NULL */
	int rc;                   /* an error that stops the search (out of memory) */
};
#define NONE ((size_t)-1)

static void pass_wipe(struct pass *p)
{
	if (p->buf) {
		explicit_bzero(p->buf, p->len);
		free(p->buf);
	}
	p->buf = NULL;
	p->len = p->cap = 0;
	p->cur = NONE;
}

static int pass_entry(void *hook, const char *name, int64_t size)
{
	struct pass *p = hook;
	size_t j;

	for (j = p->from; j < p->to && strcmp(p->ws[j].member, name) && !cv_ocr_member_of(name, p->ws[j].member); j++)
		;
	if (j == p->to || size < 0 || (uint64_t)size > CV_FMT_MAX)
		return 0;
	pass_wipe(p);
	p->cur = j;
	p->ocr = strcmp(p->ws[j].member, name) != 0;
	p->cap = (size_t)size;
	return (p->buf = malloc(p->cap + 1)) ? 1 : -1;
}

static int pass_data(void *hook, const void *buf, size_t len)
{
	struct pass *p = hook;

	if (!p->buf || len > p->cap - p->len)
		return -1;
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
	return 0;
}

/* The rebuild: the record's word set from the text read, sealed into the index. */
static int build_row(struct search *s, const cv_db_record_where *w, const char *text)
{
	char *words = cv_search_wordset(text);
	int r;

	if (!words)
		return cv_error(s->v, CV_ERROR, "out of memory");
	if ((r = cv_db_words_put(s->v, w->rec.id, w->rec.section, words)) == 0)
		s->stats.indexed++;
	cv_search_words_free(words);
	return r;
}

/* The words of the member read: a document's (cv_searchable_text), or a scan's OCR text as it was sealed. */
static int member_text(struct pass *p, const char *mime, char **text, size_t *tl, char *err, size_t errlen)
{
	if (!p->ocr)
		return cv_searchable_text(mime, p->buf, p->len, text, tl, err, errlen);
	p->buf[p->len] = '\0';
	*text = strdup((const char *)p->buf);
	*tl = p->len;
	return *text ? 0 : cv_error(p->s->v, CV_ERROR, "out of memory");
}

/* text added to the record's text so far (both wiped); -1 when out of memory. */
static int add_text(char **acc, char *text, size_t tl)
{
	char *both = NULL;
	int r = 0;

	if (!*acc) {
		*acc = text;
		return 0;
	}
	if (asprintf(&both, "%s\n%s", *acc, text) < 0)
		r = -1;
	explicit_bzero(text, tl);
	free(text);
	if (r == 0) {
		explicit_bzero(*acc, strlen(*acc));
		free(*acc);
		*acc = both;
	}
	return r;
}

/* The member is whole: extract its words into its record's text, wipe. */
static int pass_end(void *hook, const char *name)
{
	struct pass *p = hook;
	const cv_db_record_where *w;
	char *text = NULL, err[256];
	size_t tl = 0;

	(void)name;
	if (p->cur == NONE)
		return 0;
	w = &p->ws[p->cur];
	if (p->len != p->cap || member_text(p, w->rec.mime, &text, &tl, err, sizeof(err)) < 0) {
		p->s->stats.unreadable += !p->ocr;
		free(text);
	} else if (add_text(&p->texts[p->cur - p->from], text, tl) < 0)
		p->rc = cv_error(p->s->v, CV_ERROR, "out of memory");
	pass_wipe(p);
	return p->rc < 0 ? -1 : 0;
}

/* Each record's text, read whole: matched, or its word set built; then wiped. */
static int pass_match(struct pass *p)
{
	size_t j;
	int r = 0;

	for (j = p->from; j < p->to; j++) {
		char *text = p->texts[j - p->from];
		const cv_db_record_where *w = &p->ws[j];

		if (!text)
			continue;
		p->s->stats.texts++;
		if (r == 0)
			r = p->s->build ? build_row(p->s, w, text) : matches(&p->s->q, text) ?
				add_hit(p->s, p->case_id, w->rec.id, w->rec.section, CV_MATCH_TEXT, w->rec.title) : 0;
		explicit_bzero(text, strlen(text));
		free(text);
	}
	return r;
}

/* Read archive ws[from].file once for ws[from..to); an archive that does not open is counted, not fatal. */
static int read_archive(struct search *s, const char *case_id, cv_db_record_where *ws, size_t from, size_t to)
{
	struct pass p = { s, case_id, ws, from, to, NONE, 0, NULL, 0, 0, NULL, 0 };
	cv_archive_reader rd = { pass_entry, pass_data, pass_end, &p };
	char key[CV_KEY_HEX + 1];
	size_t before = s->stats.texts;
	int r, failed;

	if (!(p.texts = calloc(to - from, sizeof(*p.texts))))
		return cv_error(s->v, CV_ERROR, "out of memory");
	failed = cv_keys_unwrap(s->v, ws[from].rec.section, ws[from].key_gen, ws[from].file, ws[from].wrapped, key) < 0 ||
		 cv_archive_read(s->v, ws[from].file, key, &rd, NULL) < 0;
	explicit_bzero(key, sizeof(key));
	pass_wipe(&p);
	r = pass_match(&p);
	free(p.texts);
	if (failed)
		s->stats.unreadable += (to - from) - (s->stats.texts - before);
	return p.rc < 0 ? p.rc : r;
}

/* The caller's scope was checked for the whole search: no check per record. */
static int allow_all(void *hook, cv_section s)
{
	(void)hook;
	(void)s;
	return 0;
}

static int keep_row(void *hook, const char *id, char *words)
{
	struct search *s = hook;

	if (s->nrows == s->caprows) {
		size_t cap = s->caprows ? s->caprows * 2 : 64;
		struct wordrow *rows = realloc(s->rows, cap * sizeof(*rows));

		if (!rows) {
			cv_search_words_free(words);
			return cv_error(s->v, CV_ERROR, "out of memory");
		}
		s->rows = rows;
		s->caprows = cap;
	}
	snprintf(s->rows[s->nrows].id, sizeof(s->rows[0].id), "%s", id);
	s->rows[s->nrows++].words = words;
	return 0;
}

static void drop_rows(struct search *s)
{
	size_t i;

	for (i = 0; i < s->nrows; i++)
		cv_search_words_free(s->rows[i].words);
	s->nrows = 0;
}

static int by_row_id(const void *a, const void *b)
{
	return strcmp(((const struct wordrow *)a)->id, ((const struct wordrow *)b)->id);
}

/*
 * Match the record's sealed word set: 1 when it has one that opened
 * (matched, or, in the rebuild, nothing to do), 0 when its archive must be
 * read.
 */
static int match_words(struct search *s, const char *case_id, cv_section sec, const cv_record *rec)
{
	struct wordrow key, *row;

	snprintf(key.id, sizeof(key.id), "%s", rec->id);
	row = s->nrows ? bsearch(&key, s->rows, s->nrows, sizeof(*s->rows), by_row_id) : NULL;
	if (!row || !row->words)
		return 0;
	if (s->build)
		return 1;
	s->stats.indexed++;
	if (matches(&s->q, row->words)) {
		int r = add_hit(s, case_id, rec->id, sec, CV_MATCH_TEXT, rec->title);

		return r < 0 ? r : 1;
	}
	return 1;
}

/*
 * A record matched by its title, or by its sealed word set, or, when its
 * document has words to read
 * and it is not restricted (docs/legal-rules.md LR-18: stored but not
 * otherwise processed), located into ws[*nw] for its archive's pass.
 */
static int pick_record(struct search *s, const char *case_id, cv_section sec, const cv_record *rec,
		       cv_db_record_where *ws, size_t *nw)
{
	char req[24];
	int r;

	s->stats.records++;
	if (!s->build && matches(&s->q, rec->title))
		return add_hit(s, case_id, rec->id, sec, CV_MATCH_TITLE, rec->title);
	if (!(cv_fmt_caps(rec->mime) & CV_FMT_TEXT) || (r = cv_db_restriction_find(s->v, rec->id, req)) > 0)
		return 0;
	if (r < 0 || (r = match_words(s, case_id, sec, rec)) != 0)
		return r < 0 ? r : 0;
	if (cv_db_record_locate(s->v, rec->id, allow_all, NULL, &ws[*nw]) < 0) {
		cv_db_record_where_release(&ws[*nw]);
		s->stats.unreadable++;  /* damaged: counted, and verify says what */
		return 0;
	}
	(*nw)++;
	return 0;
}

static int by_file(const void *a, const void *b)
{
	return strcmp(((const cv_db_record_where *)a)->file, ((const cv_db_record_where *)b)->file);
}

static int search_section(struct search *s, const char *case_id, cv_section sec)
{
	cv_record *recs = NULL;
	cv_db_record_where *ws;
	size_t nr = 0, nw = 0, i, j;
	int r;

	if ((r = cv_db_records_list(s->v, case_id, sec, &recs, &nr)) < 0)
		return r;
	/* the section's word sets, opened once (the query orders them by id, the order bsearch needs) */
	if (nr && (r = cv_db_words_of_case(s->v, case_id, sec, keep_row, s)) < 0) {
		drop_rows(s);
		cv_record_list_free(recs, nr);
		return r;
	}
	if (!(ws = calloc(nr ? nr : 1, sizeof(*ws))))
		r = cv_error(s->v, CV_ERROR, "out of memory");
	for (i = 0; r == 0 && i < nr; i++)
		r = pick_record(s, case_id, sec, &recs[i], ws, &nw);
	if (r == 0)
		qsort(ws, nw, sizeof(*ws), by_file);
	for (i = 0; r == 0 && i < nw; i = j) {
		for (j = i + 1; j < nw && !strcmp(ws[j].file, ws[i].file); j++)
			;
		r = read_archive(s, case_id, ws, i, j);
	}
	for (i = 0; ws && i < nw; i++)
		cv_db_record_where_release(&ws[i]);
	free(ws);
	drop_rows(s);
	cv_record_list_free(recs, nr);
	return r;
}

static int search_case(struct search *s, const cv_case *k)
{
	char *names = NULL;
	int r = 0, sec;

	s->stats.cases++;
	if (k->child && k->parent && asprintf(&names, "%s (%s)", k->child, k->parent) < 0)
		return cv_error(s->v, CV_ERROR, "out of memory");
	if (!s->build && matches(&s->q, names))
		r = add_hit(s, k->id, "", CV_SECTION_CASE, CV_MATCH_NAME, names);
	free(names);
	for (sec = 0; r == 0 && sec < CV_SECTION_COUNT; sec++)
		if (s->sections & (1 << sec))
			r = search_section(s, k->id, (cv_section)sec);
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
	int r, snap;

	*hits = NULL;
	*n = 0;
	memset(&s, 0, sizeof(s));
	s.v = v;
	if ((r = query_parse(v, text, &s.q)) < 0 || (r = cv_authorize(v, CV_ACT_READ_CASE, case_id)) < 0 ||
	    (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	s.sections = sections_of(v);
	/* one snapshot for the whole search: one read lock, not one per look-up (bench/README.md, Search) */
	snap = !cv_index_in_tx(v);
	if (!snap || (r = cv_index_read_begin(v)) == 0)
		r = cases_of(v, case_id, &cases, &nc);
	for (i = 0; r == 0 && i < nc; i++)
		r = search_case(&s, &cases[i]);
	if (snap)
		cv_index_rollback(v);
	cv_case_list_free(cases, nc);
	free(s.rows);
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

/* Under the writer lock, in one transaction: every missing row of every case, from the archives. */
static int reindex_locked(struct search *s)
{
	cv_case *cases = NULL;
	size_t nc = 0, i;
	int r;

	if ((r = cases_of(s->v, NULL, &cases, &nc)) < 0 || (r = cv_index_begin(s->v)) < 0) {
		cv_case_list_free(cases, nc);
		return r;
	}
	for (i = 0; r == 0 && i < nc; i++)
		r = search_case(s, &cases[i]);
	cv_case_list_free(cases, nc);
	if (r < 0 || (r = cv_index_commit(s->v)) < 0)
		cv_index_rollback(s->v);
	return r;
}

int cv_search_reindex(cv_vault *v, cv_search_stats *stats)
{
	struct search s;
	char ids[48];
	int r;

	memset(&s, 0, sizeof(s));
	s.v = v;
	s.build = 1;
	if ((r = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0 || (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	s.sections = sections_of(v);
	if ((r = cv_vault_lock_writer(v, 1)) == 0) {
		r = reindex_locked(&s);
		cv_vault_unlock_writer(v);
	}
	free(s.rows);
	snprintf(ids, sizeof(ids), "built:%zu unreadable:%zu", s.stats.indexed, s.stats.unreadable);
	cv_audit(v, "search.reindex", r, ids);
	if (stats)
		*stats = s.stats;
	return r;
}

static int count_missing(void *hook, const char *id, const char *mime)
{
	(void)id;
	if (cv_fmt_caps(mime) & CV_FMT_TEXT)
		(*(size_t *)hook)++;
	return 0;
}

/* See search.h. */
int cv_search_missing(cv_vault *v, size_t *n)
{
	*n = 0;
	return cv_db_words_missing_each(v, count_missing, n);
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
