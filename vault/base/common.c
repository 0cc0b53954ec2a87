/* casevault - shared helpers: sections and problem lists. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casevault/common.h"




const char *cv_section_name(cv_section s)
{
	return s == CV_SECTION_CP ? "cp" : "case";
}

int cv_section_parse(cv_section *out, const char *s)
{
	if (!strcmp(s, "case") || !strcmp(s, "main")) {
		*out = CV_SECTION_CASE;
		return 0;
	}
	if (!strcmp(s, "cp") || !strcmp(s, "child-protection")) {
		*out = CV_SECTION_CP;
		return 0;
	}
	return CV_EINVAL;
}

int cv_problems_add(cv_problems *p, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 8;
		cv_problem *ni = reallocarray(p->items, na, sizeof(*ni));
		if (!ni)
			return CV_ERROR;
		p->items = ni;
		p->alloc = na;
	}
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CV_ERROR;
	p->items[p->n].file = file ? strdup(file) : NULL;
	p->items[p->n].line = line;
	p->items[p->n].msg = msg;
	p->n++;
	return 0;
}

void cv_problems_release(cv_problems *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->items[i].file);
		free(p->items[i].msg);
	}
	free(p->items);
	p->items = NULL;
	p->n = p->alloc = 0;
}
