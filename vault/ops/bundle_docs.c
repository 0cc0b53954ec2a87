/*
 * casevault - the documents a disclosure bundle carries besides the records
 * (the cover letter, index.html and index.json), and the terms that betray a
 * withheld record (docs/legal-rules.md §7-§11: no title, count or gap that
 * shows what was left out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/textcut.h"
#include "casevault/text.h"
#include "base/util.h"
#include "ops/case.h"
#include "ops/bundle.h"
#include "rules/redpolicy.h"
#include "casevault/case.h"
#include "casevault/policy.h"

static char *html_escape(const char *s)
{
	size_t n = 0;
	const char *p;
	char *o, *q;

	for (p = s; *p; p++)
		n += (*p == '<' || *p == '>') ? 4 : *p == '&' ? 5 : (*p == '"' || *p == '\'') ? 6 : 1;
	o = q = malloc(n + 1);
	if (!o)
		return NULL;
	for (p = s; *p; p++) {
		switch (*p) {
		case '<': memcpy(q, "&lt;", 4); q += 4; break;
		case '>': memcpy(q, "&gt;", 4); q += 4; break;
		case '&': memcpy(q, "&amp;", 5); q += 5; break;
		case '"': memcpy(q, "&quot;", 6); q += 6; break;
		case '\'': memcpy(q, "&#39;", 5); q += 5; break;
		default: *q++ = *p;
		}
	}
	*q = '\0';
	return o;
}

static const char *class_label(cv_vault *v, const char *cls)
{
	const cv_class *c = cv_policy_class(v->policy, cls);
	return c ? c->label : "Record";
}

/*
 * Unicode direction controls (U+202A-U+202E, U+2066-U+2069) in a title
 * become U+FFFD, the same three bytes: a title cannot be made to read as
 * another file's name, and the reader sees that something was there.
 */
static void neutralise_bidi(char *t)
{
	unsigned char *p = (unsigned char *)t;

	for (; p[0] && p[1] && p[2]; p++)
		if (p[0] == 0xE2 && ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) || (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9))) {
			p[0] = 0xEF;
			p[1] = 0xBF;
			p[2] = 0xBD;
			p += 2;
		}
}

/* Longest title the index shows; longer ones are cut between words after redaction. */
#define INDEX_TITLE_MAX 120

/*
 * A title for the index: redacted whole, then shortened between words, so
 * that a cut never leaves part of a name the redactor would have caught
 * (docs/legal-rules.md §7, §10).
 */
static int index_title(cv_bundle *b, const cv_sitem *s, char **out)
{
	char *red = NULL;
	size_t len, n;

	*out = NULL;
	if (cv_redactor_string(b->red, s->it.title ? s->it.title : "", &red) < 0)
		return cv_error(b->v, CV_ERROR, "cannot redact the title of record %s", s->it.record_id);
	neutralise_bidi(red);
	len = strlen(red);
	if (len > INDEX_TITLE_MAX) {
		n = cv_text_cut_word(red, len, INDEX_TITLE_MAX - 3);
		if (!n)
			n = cv_text_cut(red, len, INDEX_TITLE_MAX - 3);
		memcpy(red + n, "...", 4);
	}
	*out = red;
	return 0;
}

/* One document in both indexes; any failure refuses the bundle (an index that drops a document says what it left out). */
static int index_row(cv_bundle *b, const cv_sitem *s, json_t *arr, FILE *f)
{
	const char *kind = class_label(b->v, s->it.class_name);
	char *title = NULL, *et = NULL, *ek = NULL;
	json_error_t jerr;
	json_t *row;
	int r;

	if ((r = index_title(b, s, &title)) < 0)
		return r;
	row = json_pack_ex(&jerr, 0, "{s:i, s:s, s:s, s:s, s:s}", "number", s->number, "file", s->name,
			   "date", s->it.event_date, "kind", kind, "title", title);
	if (!row || json_array_append_new(arr, row) < 0) {
		cv_wipe_free(title);
		return cv_error(b->v, CV_EREFUSED, "record %s cannot be listed in the bundle's index (%s); its title or kind must be UTF-8 text: correct it, nothing was written",
				s->src_id, row ? "out of memory" : jerr.text);
	}
	et = html_escape(title);
	ek = html_escape(kind);
	cv_wipe_free(title);
	if (!et || !ek) {
		free(et);
		free(ek);
		return cv_error(b->v, CV_ERROR, "out of memory");
	}
	fprintf(f, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td><a href=\"%s\">%s</a></td></tr>\n",
		s->number, s->it.event_date, ek, et, s->name, s->name);
	free(et);
	free(ek);
	return 0;
}

/* index.json: the request, the date and the documents (arr, stolen). */
static int index_json(cv_bundle *b, json_t *arr)
{
	json_t *root = json_pack("{s:s, s:s, s:o}", "request", b->req.id, "date", b->date, "documents", arr);

	if (!root)
		return cv_error(b->v, CV_ERROR, "cannot make the bundle's index.json (out of memory?)");
	b->index_json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!b->index_json)
		return cv_error(b->v, CV_ERROR, "cannot write the bundle's index.json (out of memory?)");
	return 0;
}

int cv_bundle_index(cv_bundle *b)
{
	json_t *arr = json_array();
	FILE *f = NULL;
	char *html = NULL;
	size_t hlen = 0, i;
	int r = 0;

	if (!arr || !(f = open_memstream(&html, &hlen))) {
		json_decref(arr);
		return cv_error(b->v, CV_ERROR, "out of memory");
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Documents</title></head>\n<body>\n"
		"<h1>Documents</h1>\n<p>Request %s, %s. See letter.txt.</p>\n<table>\n"
		"<tr><th>Number</th><th>Date</th><th>Kind</th><th>Title</th><th>File</th></tr>\n", b->req.id, b->date);
	for (i = 0; i < b->nrel && r == 0; i++)
		r = index_row(b, b->rel[i], arr, f);
	fprintf(f, "</table>\n</body></html>\n");
	if ((ferror(f) | fclose(f)) && r == 0)
		r = cv_error(b->v, CV_ERROR, "cannot write the bundle's index.html (out of memory?)");
	/* every released document is in the index, or there is no bundle */
	if (r == 0 && json_array_size(arr) != b->nrel)
		r = cv_error(b->v, CV_ERROR, "the bundle's index lists %zu of %zu documents; nothing was written", json_array_size(arr), b->nrel);
	if (r < 0) {
		json_decref(arr);
		cv_wipe_free(html);
		return r;
	}
	b->index_html = html;
	return index_json(b, arr);
}

/*
 * The cover letter (docs/legal-rules.md §5): the office's template with its
 * placeholders filled.  Only what the case and the request put into it is
 * searched for recorded names and withheld titles (§7, §9, §10): the
 * template's own words are the office's ("You may ask us..." never blocks
 * a bundle for a third party called May).  A hit names the word, the
 * placeholder and the file or record to correct.
 */
typedef struct {
	const char *field;
	const char *val;
	const char *from;  /* what it comes from; NULL: the office's own */
} letter_field;

/* The first span of in that the redactor replaced (in and out differ there). */
static void replaced_span(const char *in, const char *out, char *term, size_t n)
{
	size_t li = strlen(in), lo = strlen(out), p = 0, q = 0;

	while (p < li && p < lo && in[p] == out[p])
		p++;
	while (q < li - p && q < lo - p && in[li - 1 - q] == out[lo - 1 - q])
		q++;
	snprintf(term, n, "%.*s", (int)(li - p - q), in + p);
}

static int letter_value_hits(cv_bundle *b, cv_redactor *rd, const letter_field *lf, const char *what)
{
	char *out = NULL, term[96];
	size_t h = cv_redactor_hits(rd);

	if (cv_redactor_string(rd, lf->val, &out) < 0)
		return cv_error(b->v, CV_ERROR, "cannot check the cover letter's {{%s}}", lf->field);
	if (cv_redactor_hits(rd) == h) {
		cv_wipe_free(out);
		return 0;
	}
	replaced_span(lf->val, out, term, sizeof(term));
	cv_wipe_free(out);
	return cv_error(b->v, CV_EREFUSED, "the cover letter would carry \"%s\" (%s) through {{%s}}, %s: correct that, or remove {{%s}} from %s/policies/disclosure-letter.txt and run 'casevault policy adopt'; nothing was written",
			term, what, lf->field, lf->from, lf->field, b->v->path);
}

static int letter_value_ok(cv_bundle *b, const letter_field *lf)
{
	int r;

	if (!lf->from || !*lf->val)
		return 0;
	if ((r = letter_value_hits(b, b->names, lf, "a recorded third party's or volunteer's name")) < 0)
		return r;
	return letter_value_hits(b, b->withheld, lf, "the title of a withheld record");
}

/* The case's names, for {{child}} and {{client}}, only when the template asks for them. */
static int letter_case(cv_bundle *b, cv_case *c)
{
	const char *t = b->pol->letter ? b->pol->letter : "";

	if (!strstr(t, "{{child}}") && !strstr(t, "{{client}}"))
		return 0;
	return cv_case_fetch(b->v, c, b->req.case_id, 1);
}

static int letter_fill(cv_bundle *b, const letter_field *lf, size_t nf, FILE *f)
{
	const char *t = b->pol->letter ? b->pol->letter : "";
	size_t i;
	int r;

	for (i = 0; i < nf; i++)
		if (strstr(t, "{{") && (r = letter_value_ok(b, &lf[i])) < 0)
			return r;
	while (*t) {
		const char *e;
		if (t[0] == '{' && t[1] == '{' && (e = strstr(t + 2, "}}"))) {
			size_t n = (size_t)(e - t - 2);
			for (i = 0; i < nf; i++)
				if (strlen(lf[i].field) == n && !strncmp(t + 2, lf[i].field, n))
					break;
			if (i < nf) {
				fputs(lf[i].val, f);
				t = e + 2;
				continue;
			}
		}
		fputc(*t++, f);
	}
	return 0;
}

int cv_bundle_letter(cv_bundle *b)
{
	cv_case c;
	char cfrom[96], rfrom[96];
	FILE *f;
	char *out = NULL;
	size_t len = 0;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = letter_case(b, &c)) < 0)
		return r;
	snprintf(rfrom, sizeof(rfrom), "the requester recorded on request %s", b->req.id);
	snprintf(cfrom, sizeof(cfrom), "a name recorded on case %s", b->req.case_id);
	{
		const letter_field lf[] = {
			{ "requester", b->requester ? b->requester : "", rfrom },
			{ "request", b->req.id, NULL }, { "received", b->req.received, NULL },
			{ "due", b->req.due, NULL }, { "date", b->date, NULL },
			{ "office", b->pol->office, NULL }, { "case", b->req.case_id, NULL },
			{ "child", c.child ? c.child : "", cfrom }, { "client", c.parent ? c.parent : "", cfrom },
		};

		if (!(f = open_memstream(&out, &len))) {
			cv_case_release(&c);
			return cv_error(b->v, CV_ERROR, "out of memory");
		}
		r = letter_fill(b, lf, sizeof(lf) / sizeof(lf[0]), f);
	}
	cv_case_release(&c);
	if ((ferror(f) | fclose(f)) && r == 0)
		r = cv_error(b->v, CV_ERROR, "out of memory");
	if (r < 0 || !out) {
		cv_wipe_free(out);
		return r < 0 ? r : cv_error(b->v, CV_ERROR, "out of memory");
	}
	b->letter = out;
	return 0;
}

/* Terms that betray a withheld record: its title and, when short, its text. */
int cv_bundle_withheld_terms(cv_bundle *b)
{
	size_t i, j;
	int r;

	for (i = 0; i < b->ns; i++) {
		cv_sitem *s = &b->s[i];
		char norm[300];
		size_t n = 0, letters = 0;
		const char *t = s->it.title;
		int dup = 0;

		if (s->number || !t)
			continue;
		for (; *t && n + 1 < sizeof(norm); t++)
			if ((unsigned char)*t >= 0x20) {
				norm[n++] = *t;
				if (((unsigned char)*t | 32) >= 'a' && ((unsigned char)*t | 32) <= 'z')
					letters++;
			}
		norm[n] = '\0';
		/* a generic title ("Note", "Phone call") says nothing; one a released record shares neither */
		if (letters < 10)
			continue;
		for (j = 0; j < b->nrel && !dup; j++)
			if (b->rel[j]->it.title && strcasestr(b->rel[j]->it.title, norm))
				dup = 1;
		if (dup)
			continue;
		if ((r = cv_redactor_add_term(b->withheld, norm, CV_TERM_REDACT)) < 0 && r != CV_EINVAL)
			return cv_error(b->v, CV_ERROR, "out of memory");
	}
	return 0;
}

