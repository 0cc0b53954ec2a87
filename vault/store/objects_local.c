/*
 * casevault - the local directory backend for archive files (objects.h):
 * VAULT/archives/NAME, written as VAULT/archives/.tmp-NAME and renamed.
 * Every open refuses symbolic links (O_NOFOLLOW): the vault makes none,
 * and one planted there must not lead a purge to overwrite another file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "crypto/seal.h"
#include "store/objects.h"

#define TMP_PREFIX ".tmp-"
#define SHRED_CHUNK (256 * 1024)

typedef struct {
	cv_objstore base;
	char *dir;
} local_store;

int cv_object_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdefghijklmnopqrstuvwxyz.-_", name[i]))
			return 0;
	return 1;
}

/* *out = dir/[.tmp-]name; CV_ECORRUPT for a name casevault does not make. */
static int path_of(cv_objstore *o, cv_vault *v, const char *name, int tmp, char **out)
{
	*out = NULL;
	if (!cv_object_name_ok(name))
		return cv_error(v, CV_ECORRUPT, "an archive name in the index is not one casevault makes: %.64s", name);
	if (asprintf(out, "%s/%s%s", ((local_store *)o)->dir, tmp ? TMP_PREFIX : "", name) < 0) {
		*out = NULL;
		return cv_error(v, CV_ERROR, "out of memory");
	}
	return 0;
}

static int local_create(cv_objstore *o, cv_vault *v, const char *name, int *fd)
{
	char *p;
	int e, r;

	if ((r = path_of(o, v, name, 1, &p)) < 0)
		return r;
	*fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	e = errno;
	free(p);
	if (*fd < 0)
		return cv_error(v, CV_ERROR, "cannot create an archive file: %s%s", strerror(e), cv_disk_hint(e));
	return 0;
}

static int local_publish(cv_objstore *o, cv_vault *v, const char *name)
{
	char *tmp = NULL, *fin = NULL;
	int r;

	if ((r = path_of(o, v, name, 1, &tmp)) < 0 || (r = path_of(o, v, name, 0, &fin)) < 0)
		;
	else if (rename(tmp, fin) < 0)
		r = cv_error(v, CV_ERROR, "cannot move an archive into place: %s%s", strerror(errno), cv_disk_hint(errno));
	if (r < 0 && tmp)
		unlink(tmp);
	free(tmp);
	free(fin);
	return r;
}

static int local_open(cv_objstore *o, cv_vault *v, const char *name, int *fd)
{
	char *p;
	int e, r;

	if ((r = path_of(o, v, name, 0, &p)) < 0)
		return r;
	*fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	e = errno;
	free(p);
	if (*fd < 0)
		return cv_error(v, e == ENOENT ? CV_ENOTFOUND : CV_ERROR, "cannot open an archive file: %s", strerror(e));
	return 0;
}

static int local_discard(cv_objstore *o, cv_vault *v, const char *name)
{
	int tmp, r, bad = 0;

	for (tmp = 0; tmp < 2; tmp++) {
		char *p;

		if ((r = path_of(o, v, name, tmp, &p)) < 0)
			return r;
		if (unlink(p) < 0 && errno != ENOENT)
			bad = cv_error(v, CV_ERROR, "cannot remove archive %s: %s", name, strerror(errno));
		free(p);
	}
	return bad;
}

/* Overwrite once with random bytes, sync, unlink.  0 when gone (or already gone). */
static int shred_path(const char *path)
{
	struct stat sb;
	unsigned char *buf;
	off_t left;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || !(buf = malloc(SHRED_CHUNK))) {
		close(fd);
		return -1;
	}
	for (left = sb.st_size; left > 0;) {
		size_t n = left > SHRED_CHUNK ? SHRED_CHUNK : (size_t)left;

		cv_random_fill(buf, n);
		if (cv_write_all(fd, buf, n) < 0)
			break;  /* a full disk cannot stop the unlink: the key is gone already */
		left -= (off_t)n;
		cv_crashpoint("purge-overwrite");
	}
	fsync(fd);
	close(fd);
	free(buf);
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int local_shred(cv_objstore *o, cv_vault *v, const char *name)
{
	char *p;
	int r;

	if ((r = path_of(o, v, name, 0, &p)) < 0)
		return r;
	r = shred_path(p) < 0 ? cv_error(v, CV_ERROR, "cannot remove archive %s: %s", name, strerror(errno)) : 0;
	free(p);
	return r;
}

static int local_sync(cv_objstore *o, cv_vault *v)
{
	if (cv_fsync_dir(((local_store *)o)->dir) < 0)
		return cv_error(v, CV_ERROR, "cannot sync the archives directory: %s%s", strerror(errno), cv_disk_hint(errno));
	return 0;
}

static int local_list(cv_objstore *o, cv_vault *v, int (*fn)(void *hook, const char *name), void *hook)
{
	DIR *d = opendir(((local_store *)o)->dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return cv_error(v, CV_ENOTFOUND, "the archives directory is missing");
	while (r >= 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = fn(hook, de->d_name);
	closedir(d);
	return r < 0 ? r : 0;
}

/* .tmp-NAME files a killed filing or purge rewrite left (objects.h, sweep). */
static int local_sweep(cv_objstore *o, cv_vault *v, int *n)
{
	DIR *d = opendir(((local_store *)o)->dir);
	struct dirent *de;
	int r = 0;

	*n = 0;
	if (!d)
		return cv_error(v, CV_ENOTFOUND, "the archives directory is missing");
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) || !cv_object_name_ok(de->d_name + strlen(TMP_PREFIX)))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			(*n)++;
		else if (errno != ENOENT)
			r = cv_error(v, CV_ERROR, "cannot remove %s from the archives directory: %s", de->d_name, strerror(errno));
	}
	closedir(d);
	if (*n && r == 0)
		r = local_sync(o, v);
	return r;
}

static void local_free(cv_objstore *o)
{
	if (o) {
		free(((local_store *)o)->dir);
		free(o);
	}
}

cv_objstore *cv_objstore_local(const char *dir)
{
	local_store *s = calloc(1, sizeof(*s));

	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return NULL;
	}
	s->base.create = local_create;
	s->base.publish = local_publish;
	s->base.open = local_open;
	s->base.discard = local_discard;
	s->base.shred = local_shred;
	s->base.sync = local_sync;
	s->base.list = local_list;
	s->base.sweep = local_sweep;
	s->base.free = local_free;
	return &s->base;
}
