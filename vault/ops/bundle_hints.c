/*
 * casevault - child-protection hints (bundle_hints.h; docs/legal-rules.md
 * §8-§9: neither confirm nor deny that child-protection material exists).
 *
 * A hint is a term of the policy's [cp-hints] list or a distinctive word of
 * a child-protection record: of its title (readable by a cp-lead or
 * manager; at scope time a caseworker without the child-protection key has
 * the policy's list only) or of its text (learnt while the bundle streams
 * withheld text into the fingerprints, before a byte of the ZIP exists).
 * Distinctive: 5 letters or more, not a common English word (the list
 * below), not a word of any main-section title, nor of the names of the
 * case's parent and child (they appear throughout the case file).  Of a
 * note's text only the words written with a capital inside a sentence
 * count (names of people, places, services: "Quennell", "Ribbonwood"):
 * its ordinary words ("discussion", "concern", "police") fill every case
 * file, and its sentences are caught whole by the fingerprints.
 * casevault records people per case, not per section, so there is no
 * "child-protection only" person: such a person is found through the
 * titles and notes that name them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/array.h"
#include "base/handle.h"
#include "ops/bundle_hints.h"
#include "ops/case.h"
#include "ops/scope_ocr.h"
#include "casevault/case.h"
#include "casevault/staff.h"

#define WORD_MIN 5
#define WORD_MAX 40
#define TERMS_MAX 4000          /* a very long note: the rest is caught by the fingerprints */
#define NAMING_MAX (256 * 1024) /* text kept to name the term of a hit */

struct cv_hints {
	cv_redactor *rd;
	char **terms;           /* as added, for naming a hit */
	size_t n, cap;
	char **common;          /* words that are not distinctive in this case */
	size_t ncommon, acommon;
	char word[WORD_MAX + 1];
	size_t wlen;
	int wlong;
	const cv_sitem *learning;
	int sentence;           /* the word being learnt starts a sentence */
	int capital;            /* and starts with a capital */
	int ended;              /* a full stop, ! or ? since the last word (a line break is not one: names wrap) */
	char *text;             /* the member's text so far (up to NAMING_MAX) */
	size_t tlen, tcap;
	size_t hits0;
	int titles_done;
};

/* Common words of 5 letters or more that say nothing about a record (space-separated, spaces around each). */
static const char stop_words[] =
	" about above across after again against along already although always among another anyone "
	"anything around asked because become before began being below between bring called cannot "
	"child children could daughter during early either enough every father first follow following "
	"found further given going great having however itself known large later least little making "
	"meeting might morning mother never nothing number often other others parent parents people "
	"perhaps place please point possible quite rather really record records right school second "
	"seems several shall should since small something still taken thank their themselves there "
	"these thing things think those though three through today together tomorrow under until "
	"usually various whether where which while whole whose within without would write written "
	"years yesterday young family discussed notes update phone email letter spoke agreed advised "
	"regarding concerning information ";

static int is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int in_list(char *const *list, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(list[i], w))
			return 1;
	return 0;
}

static int push(char ***list, size_t *n, size_t *cap, const char *w)
{
	char *d = strdup(w);

	if (!d || CV_ARRAY_GROW(list, cap, *n) < 0) {
		free(d);
		return CV_ERROR;
	}
	(*list)[(*n)++] = d;
	return 0;
}

/* Call fn on each word of letters in text. */
static int each_word(const char *t, int (*fn)(cv_hints *h, const char *w), cv_hints *h)
{
	char w[WORD_MAX + 1];
	size_t n;
	int r;

	while (t && *t) {
		while (*t && !is_letter((unsigned char)*t))
			t++;
		for (n = 0; is_letter((unsigned char)*t); t++)
			if (n < WORD_MAX)
				w[n++] = *t;
		w[n] = '\0';
		if (n && (r = fn(h, w)) < 0)
			return r;
	}
	return 0;
}

static int add_common(cv_hints *h, const char *w)
{
	return in_list(h->common, h->ncommon, w) ? 0 : push(&h->common, &h->ncommon, &h->acommon, w);
}

static int add_term(cv_hints *h, const char *t)
{
	int r;

	if (h->n >= TERMS_MAX || in_list(h->terms, h->n, t))
		return 0;
	if ((r = cv_redactor_add_term(h->rd, t, CV_TERM_REDACT)) == CV_EINVAL)
		return 0;
	if (r < 0 || push(&h->terms, &h->n, &h->cap, t) < 0)
		return CV_ERROR;
	return 0;
}

/* A word of a child-protection record: a hint when distinctive. */
static int add_word(cv_hints *h, const char *w)
{
	char key[WORD_MAX + 3];

	if (strlen(w) < WORD_MIN || strlen(w) >= WORD_MAX)
		return 0;
	snprintf(key, sizeof(key), " %s ", w);
	if (strcasestr(stop_words, key))
		return 0;
	if (in_list(h->common, h->ncommon, w))
		return 0;
	return add_term(h, w);
}

/* Words of the main-section titles and of the parent's and child's names are not distinctive. */
static int common_words(cv_vault *v, cv_hints *h, const cv_req_row *req, const cv_sitem *s, size_t n)
{
	cv_case c;
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++)
		if (s[i].it.section != CV_SECTION_CP && s[i].it.title)
			r = each_word(s[i].it.title, add_common, h);
	if (r < 0 || cv_case_fetch(v, &c, req->case_id, 1) < 0)
		return r;
	if ((r = each_word(c.parent, add_common, h)) == 0)
		r = each_word(c.child, add_common, h);
	cv_case_release(&c);
	return r;
}

int cv_hints_new(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem *s, size_t n,
		 cv_hints **out)
{
	cv_hints *h;
	size_t i;
	int r = 0, cp = 0;

	*out = NULL;
	for (i = 0; i < n; i++)
		cp |= s[i].it.section == CV_SECTION_CP;
	if (!cp)
		return 0;
	if (!(h = calloc(1, sizeof(*h))) || cv_redactor_new(&h->rd, pol->marker) < 0) {
		free(h);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	for (i = 0; i < pol->ncp_hints && r == 0; i++)
		r = add_term(h, pol->cp_hints[i]);
	if (r == 0)
		r = common_words(v, h, req, s, n);
	for (i = 0; i < n && r == 0; i++)
		if (s[i].it.section == CV_SECTION_CP && s[i].it.title)
			r = each_word(s[i].it.title, add_word, h);
	if (r < 0) {
		cv_hints_free(h);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	*out = h;
	return 0;
}

void cv_hints_free(cv_hints *h)
{
	size_t i;

	if (!h)
		return;
	cv_redactor_free(h->rd);
	for (i = 0; i < h->n; i++)
		cv_wipe_free(h->terms[i]);
	for (i = 0; i < h->ncommon; i++)
		cv_wipe_free(h->common[i]);
	free(h->terms);
	free(h->common);
	if (h->text)
		explicit_bzero(h->text, h->tcap);
	free(h->text);
	explicit_bzero(h->word, sizeof(h->word));
	free(h);
}

/* 1 when text mentions any hint (all the terms at once; never while a member streams through h->rd). */
static int any_hint(cv_hints *h, const char *text)
{
	size_t before = cv_redactor_hits(h->rd);
	char *out = NULL;
	int hit = cv_redactor_string(h->rd, text, &out) < 0 || cv_redactor_hits(h->rd) != before;

	cv_wipe_free(out);
	h->hits0 = cv_redactor_hits(h->rd);
	return hit;
}

int cv_hints_find(cv_hints *h, const char *text, char *term, size_t len)
{
	cv_redactor *one;
	char *out = NULL;
	size_t i;
	int found = 0;

	if (!h || !text || !any_hint(h, text))
		return 0;
	/* one redactor per term: only on a hit, to name it in the refusal */
	for (i = 0; i < h->n && !found; i++) {
		if (cv_redactor_new(&one, "*") < 0)
			break;
		if (cv_redactor_add_term(one, h->terms[i], CV_TERM_REDACT) == 0 &&
		    cv_redactor_string(one, text, &out) == 0 && cv_redactor_hits(one)) {
			snprintf(term, len, "%s", h->terms[i]);
			found = 1;
		}
		cv_wipe_free(out);
		out = NULL;
		cv_redactor_free(one);
	}
	/* the terms together matched (or could not be searched): fail closed, unnamed */
	if (!found)
		snprintf(term, len, "%s", "(a combination of hint terms)");
	return 1;
}

int cv_hints_cleared(const cv_sitem *s)
{
	return !s->it.is_default && s->it.decision != CV_DEC_WITHHOLD && s->it.decision != CV_DEC_NEEDED &&
	       (!strcmp(s->decider_role, "cp-lead") || !strcmp(s->decider_role, "manager"));
}

/* The word being learnt is complete: a hint when it is a name inside a sentence. */
static void learn_flush(cv_hints *h)
{
	h->word[h->wlen] = '\0';
	if (h->wlen && !h->wlong && h->capital && !h->sentence)
		add_word(h, h->word);
	if (h->wlen)
		h->ended = 0;
	h->wlen = 0;
	h->wlong = 0;
}

void cv_bundle_hints_learn(cv_hints *h, const cv_sitem *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	if (!h || !s || s->it.section != CV_SECTION_CP)
		return;
	if (s != h->learning) {
		learn_flush(h);
		h->ended = 1;
	}
	h->learning = s;
	for (i = 0; i < len; i++) {
		if (!is_letter(p[i])) {
			learn_flush(h);
			if (p[i] == '.' || p[i] == '!' || p[i] == '?')
				h->ended = 1;
		} else if (h->wlen == 0) {
			h->sentence = h->ended;
			h->capital = p[i] >= 'A' && p[i] <= 'Z';
			h->word[h->wlen++] = (char)p[i];
		} else if (h->wlen < WORD_MAX) {
			h->word[h->wlen++] = (char)p[i];
		} else {
			h->wlong = 1;
		}
	}
}

void cv_bundle_hints_feed(cv_hints *h, const cv_sitem *s, const void *buf, size_t len)
{
	if (!h || !s || cv_hints_cleared(s))
		return;
	if (h->learning) {
		learn_flush(h);
		h->learning = NULL;
	}
	cv_redactor_feed(h->rd, buf, len, NULL, NULL);
	if (h->tlen + len < NAMING_MAX) {
		if (h->tlen + len + 1 > h->tcap) {
			size_t cap = (h->tlen + len + 1) * 2;
			char *t = malloc(cap);

			if (!t)
				return;
			if (h->text) {
				memcpy(t, h->text, h->tlen);
				explicit_bzero(h->text, h->tcap);
				free(h->text);
			}
			h->text = t;
			h->tcap = cap;
		}
		memcpy(h->text + h->tlen, buf, len);
		h->tlen += len;
		h->text[h->tlen] = '\0';
	}
}

/* The titles of the released records, once (the index carries them, redacted). */
static int check_titles(cv_hints *h, cv_sitem *const *rel, size_t nrel, char *msg, size_t len)
{
	char term[WORD_MAX * 6];
	size_t i;

	if (h->titles_done)
		return 0;
	h->titles_done = 1;
	for (i = 0; i < nrel; i++)
		if (!cv_hints_cleared(rel[i]) && cv_hints_find(h, rel[i]->it.title, term, sizeof(term))) {
			snprintf(msg, len, "the title of record %s mentions the child-protection term '%s'; the bundle was deleted: a cp-lead or manager must decide on it (request decide)",
				 rel[i]->it.record_id, term);
			return 1;
		}
	return 0;
}

int cv_bundle_hints_end(cv_hints *h, const cv_sitem *s, cv_sitem *const *rel, size_t nrel,
			char *msg, size_t len)
{
	char term[WORD_MAX * 6] = "";
	size_t hits;
	int hit = 0;

	if (!h)
		return 0;
	if (!s)
		return check_titles(h, rel, nrel, msg, len);
	cv_redactor_finish(h->rd, NULL, NULL);
	hits = cv_redactor_hits(h->rd);
	if (hits != h->hits0 && !cv_hints_cleared(s)) {
		hit = 1;
		if (!h->text || !cv_hints_find(h, h->text, term, sizeof(term)))
			snprintf(term, sizeof(term), "(in its text)");
		snprintf(msg, len, "record %s (member %s) mentions the child-protection term '%s'; the bundle was deleted: a cp-lead or manager must decide on it (request decide)",
			 s->it.record_id, s->name, term);
	}
	h->hits0 = cv_redactor_hits(h->rd);
	if (h->text)
		explicit_bzero(h->text, h->tcap);
	h->tlen = 0;
	return hit;
}

/*
 * A main-section title that hints at the child-protection file needs a
 * decision (docs/legal-rules.md §9).  Without the child-protection key the
 * policy's [cp-hints] list alone is searched (the titles are not readable);
 * the bundle, made by a cp-lead or manager, searches them all again.
 */
static int hinted_titles(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem *s, size_t n)
{
	cv_hints *h = NULL;
	char term[64];
	size_t i;
	int r;

	if ((r = cv_hints_new(v, pol, req, s, n, &h)) < 0 || !h)
		return r;
	for (i = 0; i < n; i++) {
		cv_scope_item *it = &s[i].it;

		if (it->section == CV_SECTION_CP || !it->is_default || !cv_hints_find(h, it->title, term, sizeof(term)))
			continue;
		it->decision = CV_DEC_NEEDED;
		it->why = "mentions child-protection terms";
		cv_wipe_free(it->ground);
		it->ground = NULL;
	}
	cv_hints_free(h);
	return 0;
}

int cv_scope_load_hinted(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem **out, size_t *n)
{
	int r;

	if ((r = cv_scope_load(v, pol, req, out, n)) < 0)
		return r;
	/* a scan naming a recorded person by its OCR text needs a decision too (ops/scope_ocr.h) */
	if ((r = hinted_titles(v, pol, req, *out, *n)) < 0 || (r = cv_scope_ocr_named(v, pol, req, *out, *n)) < 0) {
		cv_sitems_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}
