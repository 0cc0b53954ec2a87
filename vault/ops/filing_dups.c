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
 * files only what is missing.  Sizes are in the index in the clear, hashes
 * sealed: only a document with the size of an existing record, or of
 * another document of the call, is read and hashed, and only those
 * records' hashes are unsealed.  Another case or section does not count
 * (one school letter may belong to two siblings' cases).
 */
typedef cv_db_record_hash known_doc;

static int64_t doc_size(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0)
		return -1;  /* the checks that follow say what is wrong */
	return (int64_t)sb.st_size;
}

static int doc_sha(const char *path, char out[65])
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), r;

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

/* Known records of one case and section with a size some document has. */
struct want_size {
	cv_vault *v;
	cv_section s;
	const int64_t *sz;
	const size_t *list;
	size_t nl;
};

/*
 * A record is worth its hash when a document has its size; only then is the
 * section unlocked.  Locked, the index shows only the size's bucket
 * (docs/architecture.md, Sealed columns): a document in the same bucket
 * unlocks, and the exact sizes are compared once open.
 */
static int want_size(void *hook, const cv_db_record_hash *row)
{
	struct want_size *w = hook;
	size_t j;
	int r;

	for (j = 0; j < w->nl && w->sz[w->list[j]] != row->size && cv_size_bucket(w->sz[w->list[j]]) != row->size; j++)
		;
	if (j == w->nl)
		return 0;
	return (r = cv_require_key(w->v, w->s)) < 0 ? r : 1;
}

static int known_docs(cv_vault *v, const char *case_id, cv_section s, const int64_t *sz,
		      const size_t *list, size_t nl, known_doc **out, size_t *nout)
{
	struct want_size w = { v, s, sz, list, nl };

	return cv_db_record_hashes(v, case_id, s, want_size, &w, out, nout);
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
	int64_t *sz = calloc(n, sizeof(*sz));
	char (*sha)[65] = calloc(n, sizeof(*sha));
	size_t *list = calloc(n, sizeof(*list));
	dup_key *keys = calloc(n, sizeof(*keys));
	size_t i, j, k, nl, nkeys = 0, run;
	int r = 0;

	if (!sz || !sha || !list || !keys) {
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
	for (run = 0; run < nkeys && r == 0; run += nl) {
		known_doc *kd = NULL;
		size_t nk = 0;
		const dup_key *head = &keys[run];

		/* the call's documents for this case and section, in call order */
		for (nl = 0; run + nl < nkeys && keys[run + nl].section == head->section &&
			     !strcmp(keys[run + nl].case_id, head->case_id); nl++) {
			list[nl] = keys[run + nl].idx;
			sz[list[nl]] = doc_size(items[list[nl]].path);
		}
		if ((r = known_docs(v, head->case_id, head->section, sz, list, nl, &kd, &nk)) < 0)
			break;
		for (j = 0; j < nl; j++) {
			size_t a = list[j];
			int same_size = 0;

			if (sz[a] <= 0)
				continue;
			for (k = 0; k < nk && !same_size; k++)
				same_size = kd[k].size == sz[a];
			for (k = 0; k < nl && !same_size; k++)
				same_size = k != j && sz[list[k]] == sz[a];
			if (!same_size)
				continue;
			if (doc_sha(items[a].path, sha[a]) < 0) {
				sz[a] = -1;  /* unreadable: the checks that follow say so */
				continue;
			}
			for (k = 0; k < nk; k++)
				if (kd[k].size == sz[a] && !strcmp(kd[k].sha, sha[a])) {
					snprintf(items[a].duplicate_of, sizeof(items[a].duplicate_of), "%s", kd[k].id);
					break;
				}
			for (k = 0; k < j && !items[a].duplicate_of[0]; k++) {
				size_t b = list[k];

				if (sz[b] == sz[a] && sha[b][0] && !strcmp(sha[b], sha[a])) {
					if (items[b].duplicate_of[0])
						memcpy(items[a].duplicate_of, items[b].duplicate_of, sizeof(items[a].duplicate_of));
					else
						first[a] = first[b] != CV_FILING_NO_DUP ? first[b] : b;
					break;
				}
			}
		}
		free(kd);
	}
out:
	free(sz);
	free(sha);
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
