/*
 * casevault - a request's scans named by their OCR text (scope_ocr.h;
 * docs/ocr.md, "Redaction").
 *
 * Automatic redaction removes a name from a document's text layer; a scan
 * has none, its words are pixels.  The OCR text read at filing (sealed
 * beside the scan, filing_ocr.c) tells whether a recorded third party or
 * volunteer is on the page, so the request's decision table asks a person
 * for exactly those scans (docs/legal-rules.md §9), where before it could
 * only ask for every scan of a case naming anyone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "casevault/redact.h"
#include "core/actor.h"
#include "formats/formats.h"
#include "ops/filing_ocr.h"
#include "ops/scope_ocr.h"
#include "store/archive.h"
#include "store/db_records.h"

#define WHY_NAMED "its scanned words (OCR) name a person recorded on the case; casevault cannot remove a name from an image"

/* One archive's pass: the OCR members of the wanted scans in it. */
struct ocr_pass {
	const cv_redactor *rd;
	cv_sitem **want;
	size_t n;
	cv_sitem *cur;
	char *buf;
	size_t len, cap;
};

static void pass_wipe(struct ocr_pass *p)
{
	if (p->buf) {
		explicit_bzero(p->buf, p->len);
		free(p->buf);
	}
	p->buf = NULL;
	p->len = p->cap = 0;
	p->cur = NULL;
}

static int pass_entry(void *hook, const char *name, int64_t size)
{
	struct ocr_pass *p = hook;
	size_t k;

	for (k = 0; k < p->n && !cv_ocr_member_of(name, p->want[k]->member); k++)
		;
	if (k == p->n || size < 0 || (uint64_t)size > CV_FMT_MAX)
		return 0;
	pass_wipe(p);
	p->cur = p->want[k];
	p->cap = (size_t)size;
	return (p->buf = malloc(p->cap + 1)) ? 1 : -1;
}

static int pass_data(void *hook, const void *buf, size_t len)
{
	struct ocr_pass *p = hook;

	if (!p->buf || len > p->cap - p->len)
		return -1;
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
	return 0;
}

/* The OCR text is whole: a recorded person in it, and the scan needs a decision. */
static int pass_end(void *hook, const char *name)
{
	struct ocr_pass *p = hook;
	char **m = NULL;
	size_t nm = 0;

	(void)name;
	if (p->cur && cv_redactor_matches(p->rd, p->buf, p->len, &m, &nm) == 0 && nm) {
		p->cur->it.decision = CV_DEC_NEEDED;
		p->cur->it.why = WHY_NAMED;
	}
	cv_redactor_matches_free(m, nm);
	pass_wipe(p);
	return 0;
}

/* The scope was authorised as a whole: no check per record. */
static int allow_all(void *hook, cv_section s)
{
	(void)hook;
	(void)s;
	return 0;
}

/* Archive of want[0] read once for want[0..n); one that cannot be read is left to verify and the bundle. */
static void read_archive(cv_vault *v, const cv_redactor *rd, cv_sitem **want, size_t n)
{
	struct ocr_pass p = { rd, want, n, NULL, NULL, 0, 0 };
	cv_archive_reader rdr = { pass_entry, pass_data, pass_end, &p };
	cv_db_record_where w;
	char key[CV_KEY_HEX + 1];

	memset(&w, 0, sizeof(w));
	if (cv_db_record_locate(v, want[0]->it.record_id, allow_all, NULL, &w) == 0 &&
	    cv_keys_unwrap(v, w.rec.section, w.key_gen, w.file, w.wrapped, key) == 0)
		cv_archive_read(v, w.file, key, &rdr, NULL);
	explicit_bzero(key, sizeof(key));
	cv_db_record_where_release(&w);
	pass_wipe(&p);
	v->errmsg[0] = '\0';
}

static int by_archive(const void *a, const void *b)
{
	long long x = (*(cv_sitem *const *)a)->archive, y = (*(cv_sitem *const *)b)->archive;

	return x < y ? -1 : x > y;
}

/* A scan at its default decision, in the main case file, not withheld by default. */
static int wanted(const cv_sitem *s)
{
	return s->it.section == CV_SECTION_CASE && s->it.is_default && s->it.decision != CV_DEC_WITHHOLD &&
	       !s->it.why && (cv_fmt_caps(s->it.mime) & CV_FMT_OCR);
}

int cv_scope_ocr_named(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem *s, size_t n)
{
	cv_redactor *rd = NULL;
	cv_sitem **want;
	size_t nw = 0, i, j;
	int r;

	if (cv_people_any(v, req->case_id) <= 0)
		return 0;
	if (!(want = calloc(n ? n : 1, sizeof(*want))))
		return cv_error(v, CV_ERROR, "out of memory");
	for (i = 0; i < n; i++)
		if (wanted(&s[i]))
			want[nw++] = &s[i];
	if (nw && (r = cv_people_redactor(v, pol, req, &rd, 0, NULL)) < 0) {
		free(want);
		return r;
	}
	qsort(want, nw, sizeof(*want), by_archive);
	for (i = 0; i < nw; i = j) {
		for (j = i + 1; j < nw && want[j]->archive == want[i]->archive; j++)
			;
		read_archive(v, rd, want + i, j - i);
	}
	cv_redactor_free(rd);
	free(want);
	return 0;
}
