/*
 * casevault - filing, duplicates (filing_dups.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/actor.h"
#include "crypto/seal.h"
#include "ops/filing_dups.h"
#include "store/db_records.h"
#include "store/sealed.h"

/*
 * Duplicates.  A document whose bytes are already filed in the same case
 * and section, or that the call lists twice for one case and section, is
 * refused (all or nothing), or in import mode skipped and named in
 * duplicate_of: an import run again after its refused cases were mended
 * files only what is missing.  The index keeps no exact size or hash in
 * clear, nor opens any here: a document is read and hashed only when a
 * record of its case and section has its size's bucket (the clear column),
 * or another document of the call its exact size; its keyed blind value is
 * then compared with those records' (docs/architecture.md, Sealed
 * columns).  Another case or section does not count (one school letter may
 * belong to two siblings' cases), and the case id in the blind value keeps
 * the two from matching in the index too.
 */
typedef cv_db_record_blind known_doc;

/* A document opened on demand is never looked up by its path here either (docs/service.md, "Named files"). */
static int doc_stat(const cv_file_item *it, struct stat *sb)
{
	int fd, r;

	if (it->has_fd)
		return fstat(it->fd, sb);
	if (!it->open_doc)
		return lstat(it->path, sb);
	if ((fd = cv_filing_doc_fd(it)) < 0)
		return -1;
	r = fstat(fd, sb);
	close(fd);
	return r;
}

static int64_t doc_size(const cv_file_item *it)
{
	struct stat sb;

	if (doc_stat(it, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0)
		return -1;  /* the checks that follow say what is wrong */
	return (int64_t)sb.st_size;
}

static int doc_sha(const cv_file_item *it, char out[65])
{
	int fd = cv_filing_doc_fd(it), r;

	if (fd < 0)
		return -1;
	r = cv_fd_sha256(fd, out, NULL);
	close(fd);
	return r;
}

static int dup_candidate(const cv_file_item *it)
{
	return it->status == 0 && it->path;
}

/* One case and section's documents of the call (list, in call order), and what is known of them. */
struct dup_run {
	cv_vault *v;
	cv_file_item *items;
	const char *case_id;
	cv_section s;
	const size_t *list;
	size_t nl;
	int64_t *sz;            /* exact sizes of the call's documents, by item */
	char (*sha)[65];        /* their hashes, by item, once read */
	size_t *first;
	known_doc *kd;          /* records of the case and section in some document's bucket */
	size_t nk;
};

/*
 * A record is worth its blind value when a document has its size's
 * bucket; only then is the section unlocked (to compute the document's).
 */
static int want_bucket(void *hook, const cv_db_record_blind *row)
{
	struct dup_run *d = hook;
	size_t j;
	int r;

	for (j = 0; j < d->nl && (d->sz[d->list[j]] <= 0 || cv_size_bucket(d->sz[d->list[j]]) != row->bucket); j++)
		;
	if (j == d->nl)
		return 0;
	return (r = cv_require_key(d->v, d->s)) < 0 ? r : 1;
}

/* Item a against the records: duplicate_of names the one with its blind value. */
static int match_known(struct dup_run *d, size_t a)
{
	char blind[65];
	size_t k;
	int r;

	if ((r = cv_sealed_blind(d->v, d->s, d->case_id, d->sha[a], blind)) < 0)
		return r;
	for (k = 0; k < d->nk; k++)
		if (!strcmp(d->kd[k].blind, blind)) {
			snprintf(d->items[a].duplicate_of, sizeof(d->items[a].duplicate_of), "%s", d->kd[k].id);
			break;
		}
	return 0;
}

/* Document list[j] against the call's earlier documents of the same exact size and hash. */
static void match_call(struct dup_run *d, size_t j)
{
	size_t a = d->list[j], k;

	for (k = 0; k < j && !d->items[a].duplicate_of[0]; k++) {
		size_t b = d->list[k];

		if (d->sz[b] == d->sz[a] && d->sha[b][0] && !strcmp(d->sha[b], d->sha[a])) {
			if (d->items[b].duplicate_of[0])
				memcpy(d->items[a].duplicate_of, d->items[b].duplicate_of, sizeof(d->items[a].duplicate_of));
			else
				d->first[a] = d->first[b] != CV_FILING_NO_DUP ? d->first[b] : b;
			return;
		}
	}
}

/* Marks the duplicates among one case and section's documents (see find_duplicates). */
static int mark_run(struct dup_run *d)
{
	size_t j, k;
	int r;

	if ((r = cv_db_record_blinds(d->v, d->case_id, d->s, want_bucket, d, &d->kd, &d->nk)) < 0)
		return r;
	for (j = 0; j < d->nl && r == 0; j++) {
		size_t a = d->list[j];
		int known = 0, twin = 0;

		if (d->sz[a] <= 0)
			continue;
		for (k = 0; k < d->nk && !known; k++)
			known = d->kd[k].bucket == cv_size_bucket(d->sz[a]);
		for (k = 0; k < d->nl && !twin; k++)
			twin = k != j && d->sz[d->list[k]] == d->sz[a];
		if (!known && !twin)
			continue;
		if (doc_sha(&d->items[a], d->sha[a]) < 0) {
			d->sz[a] = -1;  /* unreadable: the checks that follow say so */
			continue;
		}
		if (known)
			r = match_known(d, a);
		match_call(d, j);
	}
	free(d->kd);
	d->kd = NULL;
	return r;
}

/* Documents in (case, section, call) order, so each case and section is one run. */
typedef struct {
	const char *case_id;
	cv_section section;
	size_t idx;
} dup_key;

static int dup_key_cmp(const void *a, const void *b)
{
	const dup_key *x = a, *y = b;
	int c = strcmp(x->case_id, y->case_id);

	if (c)
		return c;
	if (x->section != y->section)
		return x->section < y->section ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Marks each duplicate: duplicate_of names the record already filed, or
 * first[i] the earlier item of the call with the same bytes.
 */
static int find_duplicates(cv_vault *v, cv_file_item *items, size_t n, size_t *first)
{
	struct dup_run d = { v, items, NULL, 0, NULL, 0, calloc(n, sizeof(int64_t)), calloc(n, 65), first, NULL, 0 };
	size_t *list = calloc(n, sizeof(*list)), i, nkeys = 0, run;
	dup_key *keys = calloc(n, sizeof(*keys));
	int r = 0;

	if (!d.sz || !d.sha || !list || !keys) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		first[i] = CV_FILING_NO_DUP;
		if (dup_candidate(&items[i])) {
			keys[nkeys].case_id = items[i].case_id;
			keys[nkeys].section = items[i].section;
			keys[nkeys++].idx = i;
		}
	}
	qsort(keys, nkeys, sizeof(*keys), dup_key_cmp);
	d.list = list;
	for (run = 0; run < nkeys && r == 0; run += d.nl) {
		d.case_id = keys[run].case_id;
		d.s = keys[run].section;
		/* the call's documents for this case and section, in call order */
		for (d.nl = 0; run + d.nl < nkeys && keys[run + d.nl].section == d.s &&
			       !strcmp(keys[run + d.nl].case_id, d.case_id); d.nl++) {
			list[d.nl] = keys[run + d.nl].idx;
			d.sz[list[d.nl]] = doc_size(&items[list[d.nl]]);
		}
		r = mark_run(&d);
	}
out:
	free(d.sz);
	free(d.sha);
	free(list);
	free(keys);
	return r;
}

/* Take a skipped duplicate out of the group that would have filed it. */
static void drop_from_group(cv_filing_group *gs, size_t ng, size_t item)
{
	size_t i, j;

	for (i = 0; i < ng; i++)
		for (j = 0; j < gs[i].n; j++)
			if (gs[i].idx[j] == item) {
				memmove(&gs[i].idx[j], &gs[i].idx[j + 1], (gs[i].n - j - 1) * sizeof(gs[i].idx[0]));
				gs[i].n--;
				if (gs[i].n == 0)
					gs[i].failed = 1;  /* nothing left to write */
				return;
			}
}

_Static_assert(sizeof(((cv_file_item *)0)->record_id) == sizeof(((cv_file_item *)0)->duplicate_of),
	       "cv_filing_settle_duplicates copies record ids into duplicate_of");

/*
 * After the filing: a repeat names the record its first copy became.  In
 * a check nothing was filed: a repeat of a document that would be filed
 * is skipped, and names only that line.
 */
void cv_filing_settle_duplicates(cv_file_item *items, size_t n, const size_t *first, int check_only)
{
	size_t i;

	for (i = 0; first && i < n; i++) {
		const cv_file_item *f;

		if (first[i] == CV_FILING_NO_DUP)
			continue;
		f = &items[first[i]];
		items[i].duplicate_line = f->line;
		if (check_only && f->status == 0 && !f->duplicate_of[0])
			continue;
		/* record ids and duplicate_of are both 16 bytes, NUL-terminated */
		if (f->status == 0 && f->record_id[0])
			memcpy(items[i].duplicate_of, f->record_id, sizeof(items[i].duplicate_of));
		else if (f->status == 0 && f->duplicate_of[0])
			memcpy(items[i].duplicate_of, f->duplicate_of, sizeof(items[i].duplicate_of));
		else if (items[i].status == 0)
			cv_filing_item_fail(&items[i], f->status < 0 ? f->status : CV_EREFUSED,
				  CV_FILING_SPOILED "it is the same document as line %d, which was not filed", f->line);
	}
}

/* The message refusing item i, a duplicate, when the call is all or nothing. */
static int refuse_duplicate(cv_vault *v, const cv_file_item *items, size_t i, const size_t *first)
{
	const cv_file_item *it = &items[i];

	if (it->duplicate_of[0])
		return cv_error(v, CV_EEXISTS, "%s is already filed in the %s file of %s as %s (the same bytes); nothing was filed; to file a second copy anyway, add --allow-duplicate",
				it->path, it->section == CV_SECTION_CP ? "child-protection" : "case",
				it->case_id, it->duplicate_of);
	if (!strcmp(items[first[i]].path, it->path))
		return cv_error(v, CV_EEXISTS, "%s is given twice; give it once (nothing was filed)", it->path);
	return cv_error(v, CV_EEXISTS, "%s and %s are the same document; give it once (nothing was filed)",
			items[first[i]].path, it->path);
}

/* Documents already filed in their case: refused, or skipped in import mode. */
int cv_filing_duplicates(cv_vault *v, cv_file_item *items, size_t n, cv_filing_group *gs, size_t ng,
			 int per_case, size_t **firstp)
{
	size_t i, *first;
	int r;

	first = *firstp = calloc(n, sizeof(*first));
	if (!first)
		return cv_error(v, CV_ERROR, "out of memory");
	if ((r = find_duplicates(v, items, n, first)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		if (!items[i].duplicate_of[0] && first[i] == CV_FILING_NO_DUP)
			continue;
		if (!per_case)
			return refuse_duplicate(v, items, i, first);
		drop_from_group(gs, ng, i);
	}
	return 0;
}
