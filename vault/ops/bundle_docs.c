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
#include "ops/bundle.h"
#include "rules/redpolicy.h"
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

int cv_bundle_index(cv_bundle *b)
{
	json_t *root = json_object(), *arr = json_array();
	FILE *f = NULL;
	char *html = NULL;
	size_t hlen = 0, i;
	int r = 0;

	if (!root || !arr) {
		json_decref(root);
		json_decref(arr);
		return cv_error(b->v, CV_ERROR, "out of memory");
	}
	json_object_set_new(root, "request", json_string(b->req.id));
	json_object_set_new(root, "date", json_string(b->date));
	f = open_memstream(&html, &hlen);
	if (!f) {
		json_decref(root);
		json_decref(arr);
		return cv_error(b->v, CV_ERROR, "out of memory");
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Documents</title></head>\n<body>\n"
		"<h1>Documents</h1>\n<p>Request %s, %s. See letter.txt.</p>\n<table>\n"
		"<tr><th>Number</th><th>Date</th><th>Kind</th><th>Title</th><th>File</th></tr>\n", b->req.id, b->date);
	for (i = 0; i < b->nrel; i++) {
		cv_sitem *s = b->rel[i];
		char *title = NULL, *et = NULL, *ek = NULL;
		const char *kind = class_label(b->v, s->it.class_name);

		/* titles are redacted like the text, always */
		if ((r = cv_redactor_string(b->red, s->it.title ? s->it.title : "", &title)) < 0) {
			r = cv_error(b->v, CV_ERROR, "cannot redact a title");
			break;
		}
		json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:s, s:s}", "number", s->number, "file", s->name,
						      "date", s->it.event_date, "kind", kind, "title", title));
		et = html_escape(title);
		ek = html_escape(kind);
		if (!et || !ek) {
			free(et);
			free(ek);
			cv_wipe_free(title);
			r = cv_error(b->v, CV_ERROR, "out of memory");
			break;
		}
		fprintf(f, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td><a href=\"%s\">%s</a></td></tr>\n",
			s->number, s->it.event_date, ek, et, s->name, s->name);
		free(et);
		free(ek);
		cv_wipe_free(title);
	}
	fprintf(f, "</table>\n</body></html>\n");
	fclose(f);
	json_object_set_new(root, "documents", arr);
	if (r == 0) {
		b->index_json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		b->index_html = html;
		html = NULL;
		if (!b->index_json)
			r = cv_error(b->v, CV_ERROR, "out of memory");
	}
	json_decref(root);
	free(html);
	return r;
}

int cv_bundle_letter(cv_bundle *b)
{
	const char *t = b->pol->letter ? b->pol->letter : "";
	FILE *f;
	char *out = NULL;
	size_t len = 0;

	f = open_memstream(&out, &len);
	if (!f)
		return cv_error(b->v, CV_ERROR, "out of memory");
	while (*t) {
		const char *e;
		if (t[0] == '{' && t[1] == '{' && (e = strstr(t + 2, "}}"))) {
			size_t n = (size_t)(e - t - 2);
			const char *val = NULL;
			if (n == 9 && !strncmp(t + 2, "requester", 9))
				val = b->requester;
			else if (n == 7 && !strncmp(t + 2, "request", 7))
				val = b->req.id;
			else if (n == 8 && !strncmp(t + 2, "received", 8))
				val = b->req.received;
			else if (n == 3 && !strncmp(t + 2, "due", 3))
				val = b->req.due;
			else if (n == 4 && !strncmp(t + 2, "date", 4))
				val = b->date;
			else if (n == 6 && !strncmp(t + 2, "office", 6))
				val = b->pol->office;
			else if (n == 4 && !strncmp(t + 2, "case", 4))
				val = b->req.case_id;
			if (val) {
				fputs(val, f);
				t = e + 2;
				continue;
			}
		}
		fputc(*t++, f);
	}
	fclose(f);
	if (!out)
		return cv_error(b->v, CV_ERROR, "out of memory");
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

