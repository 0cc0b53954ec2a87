/*
 * casevault - filing, OCR of scans (filing_ocr.h; docs/ocr.md).
 *
 * The text is a copy of the scan's words, so it is kept exactly where the
 * scan is: in a memory file (memfd_create: no name in any directory, never
 * on a disk), then inside the record's archive, encrypted under the same
 * key, erased by the same crypto-erasure and purge (docs/security.md, "OCR
 * text").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/util.h"
#include "casevault/text.h"
#include "formats/formats.h"
#include "ops/filing_ocr.h"
#include "ops/search_words.h"

/*
 * The largest document OCR reads (docs/ocr.md): a scan is a few MiB a page;
 * a larger document (a born-digital PDF with attachments) is filed without.
 */
#define OCR_MAX_BYTES ((int64_t)64 << 20)

/* The text in a memory file, at its start; -1 when it cannot be made. */
static int text_fd(const char *text, size_t len)
{
	int fd = memfd_create("casevault-ocr", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (cv_write_all(fd, text, len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int cv_ocr_member_of(const char *name, const char *member)
{
	size_t ml = strlen(member);

	return !strncmp(name, member, ml) && !strcmp(name + ml, CV_OCR_SUFFIX);
}

/* The OCR member's name for a document's member (record ids are short: it always fits). */
static int ocr_name(char out[64], const char *member)
{
	int n = snprintf(out, 64, "%s%s", member, CV_OCR_SUFFIX);

	return n < 0 || n >= 64 ? -1 : 0;
}

/* OCR of one member whose type may be a scan: o->fd when words were found, else o->why or nothing. */
static void ocr_one(const cv_member_in *m, const char *mime, struct cv_filing_ocr *o)
{
	char *text = NULL;
	unsigned char *doc;
	size_t tl = 0;

	o->tried = 1;
	/* a copy, with its hash checked against the filed bytes after the write (cv_filing_ocr_same) */
	if (m->size > OCR_MAX_BYTES || !(doc = cv_doc_copy(m->fd, m->size, OCR_MAX_BYTES, o->sha))) {
		if (m->size > OCR_MAX_BYTES)
			snprintf(o->why, sizeof(o->why), "larger than %d MiB, not read by OCR", (int)(OCR_MAX_BYTES >> 20));
		else
			snprintf(o->why, sizeof(o->why), "the document could not be read for OCR");
		return;
	}
	if (cv_fmt_ocr(mime, doc, (size_t)m->size, &text, &tl, o->why, sizeof(o->why)) == 0) {
		o->why[0] = '\0';
		if (tl && (o->fd = text_fd(text, tl)) < 0)
			snprintf(o->why, sizeof(o->why), "no memory for the OCR text");
	}
	if (text) {
		explicit_bzero(text, tl);
		free(text);
	}
	explicit_bzero(doc, (size_t)m->size);
	free(doc);
}

int cv_filing_ocr_same(const cv_filing_group *g)
{
	size_t j;

	for (j = 0; g->ocr && j < g->n; j++)
		if (g->ocr[j].fd >= 0 && strcmp(g->ocr[j].sha, g->m[j].sha256))
			return 0;
	return 1;
}

int cv_filing_ocr_members(cv_filing_group *g, cv_member_in **all, size_t *nall)
{
	struct cv_filing_ocr *o = calloc(g->n ? g->n : 1, sizeof(*o));
	cv_member_in *a = calloc(2 * g->n + 1, sizeof(*a));
	size_t j, k = g->n;

	if (!o || !a) {
		free(o);
		free(a);
		return -1;
	}
	g->ocr = o;
	memcpy(a, g->m, g->n * sizeof(*a));
	for (j = 0; j < g->n; j++) {
		const char *mime = g->items[g->idx[j]].mime;

		o[j].fd = -1;
		if (!(cv_fmt_caps(mime) & CV_FMT_OCR))
			continue;
		ocr_one(&g->m[j], mime, &o[j]);
		if (o[j].why[0] && !g->not_ocred++)
			snprintf(g->ocr_why, sizeof(g->ocr_why), "%s", o[j].why);
		if (o[j].fd < 0 || ocr_name(a[k].name, g->m[j].name) < 0)
			continue;
		a[k].fd = o[j].fd;
		a[k].size = lseek(o[j].fd, 0, SEEK_END);
		lseek(o[j].fd, 0, SEEK_SET);
		k++;
	}
	*all = a;
	*nall = k;
	return 0;
}

void cv_filing_ocr_manifest(const cv_filing_group *g, size_t i, const cv_member_in *all, size_t nall,
			    json_t *rec, int *failed)
{
	const struct cv_filing_ocr *o = g->ocr ? &g->ocr[i] : NULL;
	char name[64];
	json_t *oj;
	size_t k;

	if (!o || !o->tried)
		return;
	oj = json_object();
	for (k = ocr_name(name, g->m[i].name) == 0 ? g->n : nall; k < nall && strcmp(all[k].name, name); k++)
		;
	if (k < nall) {
		cv_json_set(failed, oj, "member", json_string(name));
		cv_json_set(failed, oj, "sha256", json_string(all[k].sha256));
	} else if (o->why[0]) {
		cv_json_set(failed, oj, "error", json_string(o->why));
	} else {
		cv_json_set(failed, oj, "words", json_integer(0));
	}
	cv_json_set(failed, rec, "ocr", oj);
}

char *cv_filing_ocr_text(const cv_filing_group *g, size_t j)
{
	off_t size;
	char *text;

	if (!g->ocr || g->ocr[j].fd < 0 || (size = lseek(g->ocr[j].fd, 0, SEEK_END)) < 0 ||
	    !(text = malloc((size_t)size + 1)))
		return NULL;
	if (pread(g->ocr[j].fd, text, (size_t)size, 0) != size) {
		free(text);
		return NULL;
	}
	text[size] = '\0';
	return text;
}

void cv_filing_ocr_end(cv_filing_group *g, cv_member_in *all)
{
	size_t j;

	for (j = 0; g->ocr && j < g->n; j++)
		if (g->ocr[j].fd >= 0)
			close(g->ocr[j].fd);
	free(g->ocr);
	g->ocr = NULL;
	free(all);
}
