/*
 * casevault - the documents of an import's manifest through casevaultd
 * (docs/service.md, "Named files"; docs/protocol.md, "Documents of a
 * manifest"): the worker never opens them, it asks the client, which opens
 * them as the person who runs the command and passes the descriptors.
 *
 * A filing reads each document at least twice: its size for the duplicate
 * check (and its hash when another has that size), then its bytes.  So
 * one ask names up to the client's "open_many" documents, the one wanted
 * and those after it in the manifest (the order the duplicate check and
 * each group's writer read them), and the last DOC_KEEP descriptors that
 * came are kept, a copy handed out each time: an import of up to DOC_KEEP
 * documents asks for each once, and one of 1,000 in about 35 asks, not
 * 1,500, each a round trip and two wake-ups (docs/service.md, "Speed").
 * When full, the keeper drops the descriptor that came first.  The worker
 * so holds at most DOC_KEEP, well under the 1,024 descriptors a service
 * may open by default (systemd's soft LimitNOFILE; casevaultd.service sets
 * none), beside SQLite's, gpg's pipes and the helpers'.  The filing's
 * threads ask at once (vault/ops/filing_pool.c): the keeper is theirs one
 * at a time.
 *
 * A copy of a descriptor shares its offset, and the archive writer and the
 * type check read from the offset.  A document one row names is read by
 * one thread at a time, but a document several rows name (a school letter
 * filed in two siblings' cases) may be read by two writers at once: such a
 * document is asked for afresh each time, never kept, so each reading has
 * a file description of its own, as each open() gives in direct mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "proto.h"

#define DOC_KEEP 512

struct kept_doc {
	char *path;
	int fd;
};

struct cli_doc_keep {
	const cli_ctx *svc;
	const char **paths;         /* the batch's documents, in manifest order, as it was read */
	size_t npaths;
	const char **shared;        /* those several rows name, sorted: never kept */
	size_t nshared;
	int known;                  /* shared was found: without it nothing is kept */
	size_t next;                /* where the last ask ahead stopped */
	void *tree;                 /* tsearch tree of struct kept_doc, by path */
	struct kept_doc *ring[DOC_KEEP];  /* the same, in the order they came */
	size_t first, n;
	pthread_mutex_t mu;
};

static int kept_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kept_doc *)a)->path, ((const struct kept_doc *)b)->path);
}

static void kept_free(void *p)
{
	struct kept_doc *d = p;

	close(d->fd);
	free(d->path);
	free(d);
}

cli_doc_keep *cli_doc_keep_new(const cli_ctx *c)
{
	cli_doc_keep *k = calloc(1, sizeof(*k));

	if (k) {
		k->svc = c;
		pthread_mutex_init(&k->mu, NULL);
	}
	return k;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The paths several rows of the batch name, sorted, into k->shared (none when out of memory). */
static void find_shared(cli_doc_keep *k)
{
	const char **sorted = k->npaths ? malloc(k->npaths * sizeof(char *)) : NULL;
	size_t i;

	k->nshared = 0;
	k->known = k->npaths == 0;
	if (!sorted || !(k->shared = calloc(k->npaths, sizeof(char *)))) {
		free(sorted);
		return;
	}
	k->known = 1;
	memcpy(sorted, k->paths, k->npaths * sizeof(char *));
	qsort(sorted, k->npaths, sizeof(char *), path_cmp);
	for (i = 1; i < k->npaths; i++)
		if (!strcmp(sorted[i], sorted[i - 1]) && (!k->nshared || strcmp(k->shared[k->nshared - 1], sorted[i])))
			k->shared[k->nshared++] = sorted[i];
	free(sorted);
}

/*
 * A new batch: the kept descriptors of the last one closed, and the paths of
 * this one's rows that read well, taken now (the filing's threads change
 * the rows' status as they go).  Out of memory, nothing is asked ahead.
 */
void cli_doc_keep_batch(cli_doc_keep *k, const cv_file_item *items, size_t n)
{
	size_t i;

	if (!k)
		return;
	tdestroy(k->tree, kept_free);
	k->tree = NULL;
	k->first = k->n = 0;
	free(k->paths);
	free(k->shared);
	k->shared = NULL;
	k->paths = n ? calloc(n, sizeof(char *)) : NULL;
	k->npaths = 0;
	k->next = 0;
	for (i = 0; k->paths && i < n; i++)
		if (items[i].status == 0 && items[i].path)
			k->paths[k->npaths++] = items[i].path;
	find_shared(k);
}

void cli_doc_keep_free(cli_doc_keep *k)
{
	if (!k)
		return;
	cli_doc_keep_batch(k, NULL, 0);
	pthread_mutex_destroy(&k->mu);
	free(k);
}

static struct kept_doc *kept_find(cli_doc_keep *k, const char *path)
{
	struct kept_doc key = { (char *)path, -1 }, **found = tfind(&key, &k->tree, kept_cmp);

	return found ? *found : NULL;
}

/* fd into the keeper under path (it owns fd from here), the oldest dropped when it is full. */
static void kept_put(cli_doc_keep *k, const char *path, int fd)
{
	struct kept_doc *d = calloc(1, sizeof(*d));

	if (!d || !(d->path = strdup(path)) || kept_find(k, path) || !tsearch(d, &k->tree, kept_cmp)) {
		if (d)
			free(d->path);
		free(d);
		close(fd);
		return;
	}
	d->fd = fd;
	if (k->n == DOC_KEEP) {
		tdelete(k->ring[k->first], &k->tree, kept_cmp);
		kept_free(k->ring[k->first]);
		k->first = (k->first + 1) % DOC_KEEP;
		k->n--;
	}
	k->ring[(k->first + k->n++) % DOC_KEEP] = d;
}

/* A copy of a kept descriptor, read from the start (a copy shares the offset). */
static int kept_copy(const struct kept_doc *d)
{
	int fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);

	if (fd >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Where path is in the batch: from where the last ask stopped, round; npaths when it is not there. */
static size_t batch_pos(const cli_doc_keep *k, const char *path)
{
	size_t i, j;

	for (i = 0; i < k->npaths; i++) {
		j = (k->next + i) % k->npaths;
		if (!strcmp(k->paths[j], path))
			return j;
	}
	return k->npaths;
}

/* 1 when path must not be kept: several rows name it, or that is not known (out of memory) */
static int is_shared(const cli_doc_keep *k, const char *path)
{
	return !k->known || (k->nshared && bsearch(&path, k->shared, k->nshared, sizeof(char *), path_cmp));
}

static int listed(char *const *paths, size_t n, const char *path)
{
	while (n--)
		if (!strcmp(paths[n], path))
			return 1;
	return 0;
}

/* path, then the documents after it in the batch not yet kept, up to what the client takes. */
static size_t ask_list(cli_doc_keep *k, const char *path, char **paths)
{
	size_t n = 1, max = cli_service_open_many(k->svc), i = batch_pos(k, path);

	paths[0] = (char *)path;
	if (max > CV_PROTO_OPEN_MANY)
		max = CV_PROTO_OPEN_MANY;
	for (i = i < k->npaths ? i + 1 : k->npaths; i < k->npaths && n < max; i++)
		if (!kept_find(k, k->paths[i]) && !is_shared(k, k->paths[i]) && !listed(paths, n, k->paths[i]))
			paths[n++] = (char *)k->paths[i];
	k->next = i < k->npaths ? i : 0;
	return n;
}

/* The document at path: kept, or asked of the client with those after it; -1 with errno. */
static int kept_or_asked(cli_doc_keep *k, const char *path)
{
	char *paths[CV_PROTO_OPEN_MANY];
	int fds[CV_PROTO_OPEN_MANY], err = 0, own;
	struct kept_doc *d = kept_find(k, path);
	size_t n, i;

	if (d)
		return kept_copy(d);
	paths[0] = (char *)path;
	n = cli_service_open_docs(k->svc, paths, is_shared(k, path) ? 1 : ask_list(k, path, paths), fds, &err);
	if (n == 0) {
		errno = err;
		return -1;
	}
	if (!is_shared(k, path) && (own = fcntl(fds[0], F_DUPFD_CLOEXEC, 0)) >= 0)
		kept_put(k, path, own);
	for (i = 1; i < n; i++)
		kept_put(k, paths[i], fds[i]);
	return fds[0];
}

int cli_doc_keep_open(void *hook, const char *path)
{
	cli_doc_keep *k = hook;
	int fd;

	pthread_mutex_lock(&k->mu);
	fd = kept_or_asked(k, path);
	pthread_mutex_unlock(&k->mu);
	return fd;
}
