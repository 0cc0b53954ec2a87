/*
 * casevault - backup and restore (casevault/backup.h).
 *
 * What goes where (docs/architecture.md, Keys; docs/recovery.md, Backups):
 * the data backup holds vault.db, the archives, the intake items, audit.head, gnupg/,
 * purge-key/, certificates/ and policies/; the key-store backup holds
 * keys.db alone.  Every archive key is wrapped in keys.db only, so the data
 * backup, kept for years, opens nothing without a key-store backup, which
 * is kept only for keystore_backup_days: once the last one holding a
 * purged archive's key is gone, that archive is beyond use everywhere.
 * purge/ is left out on purpose (its schedule key opens the sealed dates;
 * the next command that holds the case key writes it again).
 *
 * Consistency: under the writer lock (no filing, purge or rotation runs)
 * the index and the key store are copied with SQLite's backup API and each
 * archive file is hard-linked into a staging directory inside the vault;
 * then the lock goes and everything else is read from the staging copies,
 * so a purge that removes an archive meanwhile changes nothing in the
 * backup.  Readers are never held up (WAL).
 *
 * Each backup file is an OpenPGP message (GPGME, crypto/stream.c) holding
 * a tar archive (libarchive), encrypted with the office's backup
 * passphrase.  Not to the managers' keys: those live in gnupg/, inside the
 * very backup they would have to open after a fire or a theft.  The
 * passphrase is kept apart, like the purge key's (docs/security.md).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/array.h"
#include "base/handle.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/lock.h"
#include "core/sweep.h"
#include "crypto/gpg.h"
#include "crypto/seal.h"
#include "crypto/stream.h"
#include "store/archive.h"
#include "store/db_backup.h"
#include "casevault/backup.h"
#include "casevault/staff.h"

#define CHUNK (256 * 1024)
#define MARKER "casevault-backup.txt"
/* a random secret of 24 bytes in base64 is 32 characters: gpg.conf's S2K is salted, not iterated */
#define MIN_SECRET 32

/* One member of a backup: its name in the tar and the file it comes from. */
typedef struct {
	char *name;
	char *path;
	char sha[65];
	int archive;
} member;

typedef struct {
	cv_vault *v;
	member *m;
	size_t n, cap;
	char *stage;          /* VAULT/backup-tmp.XXXXXX */
	int owner;            /* stage/owner, flocked while this backup runs */
} plan;

static int add_member(plan *p, const char *name, const char *path, int archive)
{
	if (CV_ARRAY_GROW(&p->m, &p->cap, p->n + 1) < 0)
		return cv_error(p->v, CV_ERROR, "out of memory");
	p->m[p->n].name = strdup(name);
	p->m[p->n].path = strdup(path);
	p->m[p->n].sha[0] = '\0';
	p->m[p->n].archive = archive;
	if (!p->m[p->n].name || !p->m[p->n].path) {
		free(p->m[p->n].name);
		free(p->m[p->n].path);
		return cv_error(p->v, CV_ERROR, "out of memory");
	}
	p->n++;
	return 0;
}

static void free_plan(plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->m[i].name);
		free(p->m[i].path);
	}
	free(p->m);
	p->m = NULL;
	p->n = p->cap = 0;
}

/* ---- the tar stream, through gpg ---- */

struct wjob {
	member *m;
	size_t n;
	int fd;
	int err;
	char msg[256];
};

static int write_member(struct archive *a, member *m, char *buf)
{
	struct archive_entry *e;
	struct stat st;
	cv_sha256 *h;
	ssize_t got;
	int fd = open(m->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r = -1;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(e = archive_entry_new())) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	archive_entry_set_pathname(e, m->name);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	h = cv_sha256_new();
	if (h && archive_write_header(a, e) == ARCHIVE_OK) {
		while ((got = read(fd, buf, CHUNK)) > 0 && archive_write_data(a, buf, (size_t)got) == got)
			cv_sha256_write(h, buf, (size_t)got);
		if (got == 0) {
			cv_sha256_final(h, m->sha);
			r = 0;
		}
	}
	cv_sha256_free(h);
	archive_entry_free(e);
	close(fd);
	return r;
}

static void *writer(void *arg)
{
	struct wjob *j = arg;
	struct archive *a = archive_write_new();
	char *buf = malloc(CHUNK);
	sigset_t set;
	size_t i;

	/* gpg failing stops reading: EPIPE here, not SIGPIPE for the process */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!a || !buf || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK || archive_write_open_fd(a, j->fd) != ARCHIVE_OK) {
		j->err = CV_ERROR;
		snprintf(j->msg, sizeof(j->msg), "cannot start the backup's tar stream");
	}
	for (i = 0; !j->err && i < j->n; i++)
		if (write_member(a, &j->m[i], buf) < 0) {
			j->err = CV_ERROR;
			snprintf(j->msg, sizeof(j->msg), "cannot add %s to the backup: %s", j->m[i].name,
				 archive_error_string(a) ? archive_error_string(a) : strerror(errno));
		}
	if (a && archive_write_close(a) != ARCHIVE_OK && !j->err) {
		j->err = CV_ERROR;
		snprintf(j->msg, sizeof(j->msg), "cannot finish the backup's tar stream");
	}
	archive_write_free(a);
	free(buf);
	close(j->fd);
	return NULL;
}

/* Write members m into the new file dest, encrypted, synced, renamed into place. */
static int write_backup(cv_vault *v, const char *secret, member *m, size_t n, const char *dest,
			int64_t *size, char sha[65])
{
	struct wjob job = { m, n, -1, 0, "" };
	char *tmp = NULL;
	pthread_t th;
	int p[2], fd, r;

	if (asprintf(&tmp, "%s.tmp", dest) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = cv_error(v, CV_EINVAL, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return r;
	}
	if (pipe2(p, O_CLOEXEC) < 0 || (job.fd = p[1], pthread_create(&th, NULL, writer, &job)) != 0) {
		r = cv_error(v, CV_ERROR, "cannot start the backup writer");
		goto out;
	}
	r = cv_archive_encrypt_stream(v, secret, p[0], fd, size, sha);
	close(p[0]);
	pthread_join(th, NULL);
	if (r == 0 && job.err)
		r = cv_error(v, job.err, "%s", job.msg);
	if (r == 0 && fsync(fd) < 0)
		r = cv_error(v, CV_ERROR, "cannot sync %s: %s%s", tmp, strerror(errno), cv_disk_hint(errno));
	if (r == 0 && rename(tmp, dest) < 0)
		r = cv_error(v, CV_ERROR, "cannot rename %s: %s", tmp, strerror(errno));
	if (r == 0) {
		char *d = strdup(dest);

		if (d)
			cv_fsync_dir(dirname(d));
		free(d);
	}
out:
	close(fd);
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

/* ---- reading a backup back ---- */

/* What reading a backup does with each member (restore writes them; a check only hashes). */
typedef struct {
	cv_vault *v;
	const char *root;     /* where members are written, NULL for none */
	int dbs_only;         /* write only vault.db and keys.db (the check after a backup) */
	const char *kind;     /* "data" or "keys": the marker must say so */
	member *want;         /* the members written, to compare (NULL: take what comes) */
	size_t nwant, seen, archives;
	int marker_ok;
	int err;
	char msg[256];
} rctx;

/* A member name a restore may write: one of the backup's own, no way out of dir. */
static int safe_name(const char *name)
{
	static const char *const tops[] = { "archives/", "intake/", "gnupg/", "purge-key/", "certificates/", "policies/",
					    NULL };
	size_t i;

	if (!strcmp(name, MARKER) || !strcmp(name, "vault.db") || !strcmp(name, "keys.db") ||
	    !strcmp(name, "audit.head"))
		return 1;
	if (!*name || strstr(name, "..") || strstr(name, "//") || name[strlen(name) - 1] == '/')
		return 0;
	for (i = 0; tops[i]; i++)
		if (!strncmp(name, tops[i], strlen(tops[i])) && name[strlen(tops[i])])
			return 1;
	return 0;
}

/* Make the directories above root/name (0700). */
static int make_parents(const char *root, const char *name)
{
	char path[4096];
	char *s;

	if (snprintf(path, sizeof(path), "%s/%s", root, name) >= (int)sizeof(path))
		return -1;
	for (s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

static int open_out(rctx *c, const char *name)
{
	char path[4096];
	int is_db = !strcmp(name, "vault.db") || !strcmp(name, "keys.db");

	if (!c->root || (c->dbs_only && !is_db) || !strcmp(name, MARKER))
		return -2;  /* hash only */
	if (make_parents(c->root, name) < 0 ||
	    snprintf(path, sizeof(path), "%s/%s", c->root, name) >= (int)sizeof(path))
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static int fail(rctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(rctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (!c->err) {
		c->err = code;
		va_start(ap, fmt);
		vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The marker's second line names the backup's kind. */
static int check_marker(rctx *c, const char *text)
{
	char want[32];

	snprintf(want, sizeof(want), "\nkind %s\n", c->kind);
	if (strncmp(text, "casevault backup 1\n", 19) != 0)
		return fail(c, CV_EINVAL, "%s", "not a casevault backup (wrong passphrase or another file)");
	if (!strstr(text, want))
		return fail(c, CV_EINVAL, "this is not a %s backup: give the data backup first and the key-store backup "
			    "with --keys", !strcmp(c->kind, "data") ? "data" : "key-store");
	c->marker_ok = 1;
	return 0;
}

/* Read back: the member must be the next one written, with the same hash. */
static int match_member(rctx *c, const char *name, const char *sha)
{
	member *m = c->seen < c->nwant ? &c->want[c->seen] : NULL;

	if (!m || strcmp(m->name, name))
		return fail(c, CV_ECORRUPT, "the backup holds %s where it was not written", name);
	if (strcmp(m->sha, sha))
		return fail(c, CV_ECORRUPT, "%s reads back different from what was written", name);
	return 0;
}

static int read_member(rctx *c, struct archive *a, const char *name)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	char sha[65], text[256] = "";
	size_t tlen = 0;
	cv_sha256 *h = cv_sha256_new();
	int fd = open_out(c, name), r;

	if (fd == -1 || !h) {
		cv_sha256_free(h);
		return fail(c, CV_ERROR, "cannot write %s: %s", name, strerror(errno));
	}
	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		cv_sha256_write(h, buf, size);
		if (fd >= 0 && cv_write_all(fd, buf, size) < 0)
			break;
		if (!strcmp(name, MARKER) && tlen + size < sizeof(text)) {
			memcpy(text + tlen, buf, size);
			tlen += size;
		}
	}
	cv_sha256_final(h, sha);
	cv_sha256_free(h);
	if (fd >= 0 && (fsync(fd) < 0 || close(fd) < 0))
		r = ARCHIVE_FATAL;
	if (r != ARCHIVE_EOF)
		return fail(c, CV_ECORRUPT, "the backup's member %s is damaged", name);
	if (!strcmp(name, MARKER) && check_marker(c, text) < 0)
		return -1;
	return c->want ? match_member(c, name, sha) : 0;
}

struct rjob {
	rctx *c;
	int fd;
};

static void drain(int fd)
{
	char buf[8192];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void *reader(void *arg)
{
	struct rjob *j = arg;
	rctx *c = j->c;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r = ARCHIVE_FATAL;

	if (a && archive_read_support_format_tar(a) == ARCHIVE_OK && archive_read_open_fd(a, j->fd, CHUNK) == ARCHIVE_OK)
		while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
			const char *name = archive_entry_pathname(e);

			if (archive_entry_filetype(e) != AE_IFREG || !name || !safe_name(name)) {
				fail(c, CV_ECORRUPT, "%s", "the backup holds a member casevault never writes");
				break;
			}
			if (!c->marker_ok && strcmp(name, MARKER)) {
				fail(c, CV_EINVAL, "%s", "not a casevault backup (no marker first)");
				break;
			}
			if (read_member(c, a, name) < 0)
				break;
			c->seen++;
			c->archives += !strncmp(name, "archives/", 9);
		}
	if (!c->err && r != ARCHIVE_EOF)
		fail(c, CV_ECORRUPT, "the backup's tar stream is damaged: %s",
		     a && archive_error_string(a) ? archive_error_string(a) : "unknown error");
	drain(j->fd);  /* never leave gpg blocked on a full pipe */
	archive_read_free(a);
	close(j->fd);
	return NULL;
}

/* Decrypt the backup file path under secret and read its members into c. */
static int read_backup(cv_vault *v, const char *secret, const char *path, rctx *c)
{
	struct rjob job = { c, -1 };
	pthread_t th;
	int fd, p[2], r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cv_error(v, CV_EINVAL, "cannot open %s: %s", path, strerror(errno));
	if (pipe2(p, O_CLOEXEC) < 0 || (job.fd = p[0], pthread_create(&th, NULL, reader, &job)) != 0) {
		close(fd);
		return cv_error(v, CV_ERROR, "cannot start the backup reader");
	}
	r = cv_archive_decrypt_stream(v, secret, fd, p[1], NULL);
	close(p[1]);
	pthread_join(th, NULL);
	close(fd);
	if (r == CV_EBADPASS)
		return cv_error(v, CV_EINVAL, "%s does not decrypt with this backup passphrase: check the --secret-file", path);
	if (r < 0)
		return cv_error(v, CV_ECORRUPT, "%s does not decrypt: it is damaged or was altered (%s)", path,
				cv_vault_errmsg(v));
	if (c->err)
		return cv_error(v, c->err, "%s: %s", path, c->msg);
	if (!c->marker_ok || (c->want && c->seen != c->nwant))
		return cv_error(v, CV_ECORRUPT, "%s is incomplete (%zu of %zu members)", path, c->seen, c->nwant);
	return 0;
}

/* ---- what a backup holds ---- */

static plan *walk_plan;  /* nftw has no hook; one backup at a time per process (the writer lock) */
static const char *walk_root;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = path + strlen(walk_root) + 1;
	const char *base = path + ftw->base;

	(void)st;
	/* an encryption helper's home, gpg-agent's sockets and lock files: nothing a restore needs */
	if (type == FTW_D && !strncmp(base, "sym-", 4))
		return FTW_SKIP_SUBTREE;
	if (type != FTW_F || !strncmp(base, "S.", 2) || !strncmp(base, ".#lk", 4) ||
	    (strlen(base) > 5 && !strcmp(base + strlen(base) - 5, ".lock")))
		return FTW_CONTINUE;
	return add_member(walk_plan, rel, path, 0) < 0 ? FTW_STOP : FTW_CONTINUE;
}

/* Every regular file under VAULT/dir, named dir/... in the backup. */
static int add_tree(plan *p, const char *dir)
{
	char *top;
	int r;

	if (asprintf(&top, "%s/%s", p->v->path, dir) < 0)
		return cv_error(p->v, CV_ERROR, "out of memory");
	walk_plan = p;
	walk_root = p->v->path;
	r = access(top, F_OK) < 0 ? 0 : nftw(top, walk_one, 16, FTW_PHYS | FTW_ACTIONRETVAL);
	free(top);
	return r == 0 ? 0 : cv_error(p->v, CV_ERROR, "cannot read the vault's %s directory", dir);
}

/* dir/name hard-linked into the staging area as a/PREFIXname, the member TOP/name. */
static int link_member(plan *p, const char *dir, const char *name, const char *prefix, const char *top, int archive)
{
	char *from = NULL, *to = NULL, *as = NULL;
	int r;

	if (asprintf(&from, "%s/%s", dir, name) < 0 || asprintf(&to, "%s/a/%s%s", p->stage, prefix, name) < 0 ||
	    asprintf(&as, "%s/%s", top, name) < 0)
		r = cv_error(p->v, CV_ERROR, "out of memory");
	else if (link(from, to) < 0)
		r = cv_error(p->v, CV_ERROR, "cannot link %s for the backup: %s", from, strerror(errno));
	else
		r = add_member(p, as, to, archive);
	free(from);
	free(to);
	free(as);
	return r;
}

static int link_archive(void *hook, const char *name)
{
	plan *p = hook;

	if (!strncmp(name, ".tmp-", 5))
		return 0;
	return link_member(p, p->v->archdir, name, "", "archives", 1);
}

/*
 * The intake tray's items (docs/intake.md): each VAULT/intake/ID.cvi is
 * written once and removed when the item is assigned or rejected, so a link
 * taken under the writer lock is the item as the snapshot's index knows it,
 * as for the archives.  Their keys are in the key store, beside the others.
 */
static int link_intake(plan *p)
{
	char *dir = NULL;
	struct dirent *e;
	DIR *d;
	int r = 0;

	if (asprintf(&dir, "%s/intake", p->v->path) < 0)
		return cv_error(p->v, CV_ERROR, "out of memory");
	d = opendir(dir);
	while (d && r == 0 && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len >= 5 && !strcmp(e->d_name + len - 4, ".cvi"))
			r = link_member(p, dir, e->d_name, "intake-", "intake", 0);
	}
	if (!d && errno != ENOENT)
		r = cv_error(p->v, CV_ERROR, "cannot read the vault's intake directory: %s", strerror(errno));
	if (d)
		closedir(d);
	free(dir);
	return r;
}

/* Under the writer lock: the index, the key store, the archives and audit.head as they are now. */
static int take_snapshot(plan *p)
{
	cv_vault *v = p->v;
	char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	int r;

	/* taking the lock removes the stages killed backups left (core/sweep.c) */
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if (asprintf(&a, "%s/vault.db", p->stage) < 0 || asprintf(&b, "%s/keys.db", p->stage) < 0 ||
	    asprintf(&c, "%s/audit.head", p->stage) < 0 || asprintf(&d, "%s/audit.head", v->path) < 0)
		r = cv_error(v, CV_ERROR, "out of memory");
	if (r == 0 && (r = cv_db_snapshot(v, "main", a)) == 0 && (r = cv_db_snapshot(v, "ks", b)) == 0)
		r = cv_archive_list(v, link_archive, p);
	if (r == 0)
		r = link_intake(p);
	if (r == 0 && link(d, c) == 0)
		r = add_member(p, "audit.head", c, 0);
	cv_vault_unlock_writer(v);
	free(a);
	free(b);
	free(c);
	free(d);
	return r;
}

/* A new staging directory VAULT/backup-tmp.XXXXXX with a/ for the archives' links, and its owner lock. */
static int make_stage(plan *p)
{
	char *a = NULL, *o = NULL;
	int r = 0;

	if (asprintf(&p->stage, "%s/" CV_BACKUP_STAGE_PREFIX "XXXXXX", p->v->path) < 0) {
		p->stage = NULL;
		return cv_error(p->v, CV_ERROR, "out of memory");
	}
	if (!mkdtemp(p->stage) || asprintf(&a, "%s/a", p->stage) < 0 || mkdir(a, 0700) < 0 ||
	    asprintf(&o, "%s/owner", p->stage) < 0 ||
	    (p->owner = open(o, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 || flock(p->owner, LOCK_EX) < 0)
		r = cv_error(p->v, CV_ERROR, "cannot make a staging directory in the vault: %s%s", strerror(errno),
			     cv_disk_hint(errno));
	free(a);
	free(o);
	return r;
}

static int write_marker(plan *p, const char *kind)
{
	char *path = NULL, now[32], text[160];
	int fd, r;

	cv_now_iso(now);
	snprintf(text, sizeof(text), "casevault backup 1\nkind %s\ncreated %s\n", kind, now);
	if (asprintf(&path, "%s/%s-%s", p->stage, kind, MARKER) < 0)
		return cv_error(p->v, CV_ERROR, "out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	r = fd >= 0 && cv_write_all(fd, text, strlen(text)) == 0 ? 0 : cv_error(p->v, CV_ERROR, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
	if (r == 0)
		r = add_member(p, MARKER, path, 0);
	free(path);
	return r;
}

/* The index copy names this archive: it must be among the links, with its hash. */
static int expect_archive(void *hook, const char *file, const char *sha)
{
	plan *p = hook;
	size_t i;
	char name[300];

	snprintf(name, sizeof(name), "archives/%s", file);
	for (i = 0; i < p->n; i++)
		if (p->m[i].archive && !strcmp(p->m[i].name, name)) {
			p->m[i].sha[0] = '\0';
			snprintf(p->m[i].sha, sizeof(p->m[i].sha), "%s", sha);
			return 0;
		}
	return cv_error(p->v, CV_ECORRUPT, "archive %s, which the index names, is missing from the vault; run "
			"'casevault verify' (docs/recovery.md)", file);
}

/* The data backup's members: marker, vault.db, the archives, audit.head and the trees. */
static int data_members(plan *p, member **out, size_t *n)
{
	static const char *const trees[] = { "gnupg", "purge-key", "certificates", "policies", NULL };
	char *db = NULL;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = write_marker(p, "data")) < 0)
		return r;
	if (asprintf(&db, "%s/vault.db", p->stage) < 0)
		return cv_error(p->v, CV_ERROR, "out of memory");
	r = add_member(p, "vault.db", db, 0);
	free(db);
	/* the marker and vault.db first: a restore checks the kind before writing anything else */
	if (r == 0) {
		member m = p->m[p->n - 2], d = p->m[p->n - 1];

		memmove(p->m + 2, p->m, (p->n - 2) * sizeof(member));
		p->m[0] = m;
		p->m[1] = d;
	}
	for (i = 0; r == 0 && trees[i]; i++)
		r = add_tree(p, trees[i]);
	*out = p->m;
	*n = p->n;
	return r;
}

static int read_back(cv_vault *v, const cv_backup_opts *o, const char *path, const char *kind, member *m, size_t n,
		     const char *stage)
{
	rctx c;
	char *dir = NULL;
	int r;

	memset(&c, 0, sizeof(c));
	if (asprintf(&dir, "%s/check-%s", stage, kind) < 0 || mkdir(dir, 0700) < 0) {
		free(dir);
		return cv_error(v, CV_ERROR, "cannot make a directory to check the backup");
	}
	c.v = v;
	c.root = dir;
	c.dbs_only = 1;
	c.kind = kind;
	c.want = m;
	c.nwant = n;
	r = read_backup(v, o->secret, path, &c);
	if (r == 0) {
		char *db = NULL;

		char *idx = NULL;

		/* the key-store copy read back must hold the key of every archive the index copy names */
		if (asprintf(&db, "%s/%s", dir, strcmp(kind, "data") ? "keys.db" : "vault.db") < 0 ||
		    asprintf(&idx, "%s/vault.db", stage) < 0)
			r = cv_error(v, CV_ERROR, "out of memory");
		else
			r = cv_db_backup_check(v, strcmp(kind, "data") ? idx : db, strcmp(kind, "data") ? db : NULL, NULL, NULL);
		free(db);
		free(idx);
	}
	free(dir);
	return r;
}

/* dest must be new, in a directory that exists, and not inside the vault. */
static int check_dest(cv_vault *v, const char *dest, const char *what)
{
	char *d = strdup(dest), real[4096];
	struct stat st;
	int r = 0;

	if (!d)
		return cv_error(v, CV_ERROR, "out of memory");
	if (lstat(dest, &st) == 0)
		r = cv_error(v, CV_EINVAL, "%s %s exists already: give a new file name (a backup never replaces a file)",
			     what, dest);
	else if (!realpath(dirname(d), real))
		r = cv_error(v, CV_EINVAL, "%s %s: its directory does not exist", what, dest);
	else if (!strncmp(real, v->path, strlen(v->path)) && (real[strlen(v->path)] == '/' || !real[strlen(v->path)]))
		r = cv_error(v, CV_EINVAL, "%s %s is inside the vault: write backups to another disk", what, dest);
	free(d);
	return r;
}

static int check_opts(cv_vault *v, const cv_backup_opts *o)
{
	int r;

	if (!o->secret || strlen(o->secret) < MIN_SECRET)
		return cv_error(v, CV_EINVAL, "the backup passphrase must be at least %d characters: make one with "
				"'head -c 24 /dev/urandom | base64' and keep it apart from the backups", MIN_SECRET);
	if (o->keys_dest && !strcmp(o->dest, o->keys_dest))
		return cv_error(v, CV_EINVAL, "the data backup and the key-store backup need two different files");
	if ((r = check_dest(v, o->dest, "the backup file")) < 0 ||
	    (o->keys_dest && (r = check_dest(v, o->keys_dest, "the key-store backup file")) < 0))
		return r;
	return 0;
}

/* Snapshot, check the copies, write and read back each file. */
static int run_backup(plan *p, const cv_backup_opts *o, cv_backup_result *res)
{
	cv_vault *v = p->v;
	member *m, keys[2];
	size_t n, i;
	char *kdb = NULL;
	int r;

	if ((r = take_snapshot(p)) < 0 || (r = data_members(p, &m, &n)) < 0)
		return r;
	/* every archive the index names is there, and unchanged since it was filed */
	if ((r = cv_db_backup_check(v, m[1].path, NULL, expect_archive, p)) < 0)
		return r;
	if ((r = write_backup(v, o->secret, m, n, o->dest, &res->bytes, res->sha256)) < 0 ||
	    (r = read_back(v, o, o->dest, "data", m, n, p->stage)) < 0)
		return r;
	for (i = 0; i < n; i++)
		res->archives += m[i].archive;
	res->files = n;
	if (!o->keys_dest)
		return 0;
	if ((r = write_marker(p, "keys")) < 0 || asprintf(&kdb, "%s/keys.db", p->stage) < 0)
		return r < 0 ? r : cv_error(v, CV_ERROR, "out of memory");
	keys[0] = p->m[p->n - 1];
	keys[1] = (member){ "keys.db", kdb, "", 0 };
	if ((r = write_backup(v, o->secret, keys, 2, o->keys_dest, &res->key_bytes, res->keys_sha256)) == 0)
		r = read_back(v, o, o->keys_dest, "keys", keys, 2, p->stage);
	free(kdb);
	return r;
}

/*
 * A copy of the whole vault is made with its event in the audit trail, or
 * not at all (docs/architecture.md, The audit trail): when the event of a
 * written backup cannot be committed, the backup's files are removed.  An
 * event that committed but whose anchor could not be written stands, and
 * so does its backup (the next event writes the anchor again).
 */
static int audit_backup(cv_vault *v, const cv_backup_opts *o, int r)
{
	char hash[65], msg[sizeof(v->errmsg)];
	long before = -1, after = -1;

	if (r < 0)
		return cv_audit_keep(v, "backup", r, NULL);
	if (cv_audit_head(v, &before, hash) < 0 || (r = cv_audit(v, "backup", 0, NULL)) == 0)
		return r;
	memcpy(msg, v->errmsg, sizeof(msg));
	if (cv_audit_head(v, &after, hash) == 0 && after > before) {
		cv_notice(v, "the backup's audit event is in the trail, but %s", msg);
		return 0;
	}
	unlink(o->dest);
	if (o->keys_dest)
		unlink(o->keys_dest);
	return cv_error(v, r, "the backup was written and checked but could not be recorded in the audit trail (%s), "
			"so its files were removed; try again", msg);
}

int cv_backup(cv_vault *v, const cv_backup_opts *o, cv_backup_result *res)
{
	plan p = { v, NULL, 0, 0, NULL, -1 };
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = cv_authorize(v, CV_ACT_STAFF_ADMIN, NULL)) < 0 || (r = check_opts(v, o)) < 0)
		return r;
	if ((r = make_stage(&p)) == 0)
		r = run_backup(&p, o, res);
	if (r < 0) {
		unlink(o->dest);  /* only when read back failed: write_backup never leaves a half file */
		if (o->keys_dest)
			unlink(o->keys_dest);
	}
	if (p.stage)
		cv_rmtree(p.stage, 0);
	if (p.owner >= 0)
		close(p.owner);
	free(p.stage);
	free_plan(&p);
	return audit_backup(v, o, r);
}

/* ---- restore ---- */

/* dir must not exist (it is made, 0700: 1) or be an empty directory (0). */
static int new_dir(cv_vault *w, const char *dir)
{
	DIR *d;
	struct dirent *e;
	int any = 0;

	if (mkdir(dir, 0700) == 0)
		return 1;
	if (errno != EEXIST)
		return cv_error(w, CV_EINVAL, "cannot make %s: %s", dir, strerror(errno));
	if (!(d = opendir(dir)))
		return cv_error(w, CV_EINVAL, "%s exists and is not a directory: restore into a new directory", dir);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			any = 1;
	closedir(d);
	return any ? cv_error(w, CV_EINVAL, "%s is not empty: restore into a new or empty directory, never over a "
			      "vault", dir) : 0;
}

struct restore_check {
	cv_vault *w;
	const char *dir;
	size_t n;
};

/* Each archive the restored index names is there with the hash it was filed with. */
static int check_restored_archive(void *hook, const char *file, const char *sha)
{
	struct restore_check *rc = hook;
	char *path = NULL, got[65];
	int fd, r;

	if (asprintf(&path, "%s/archives/%s", rc->dir, file) < 0)
		return cv_error(rc->w, CV_ERROR, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return cv_error(rc->w, CV_ECORRUPT, "the backup lacks archive %s, which its index names", file);
	if ((r = cv_fd_sha256_close(rc->w, fd, got, NULL)) < 0)
		return r;
	rc->n++;
	return strcmp(got, sha) ? cv_error(rc->w, CV_ECORRUPT, "archive %s in the backup differs from its index", file) : 0;
}

static int restore_into(cv_vault *w, const char *backup, const char *keys, const char *dir, const char *secret,
			cv_backup_result *res)
{
	struct restore_check rc = { w, dir, 0 };
	char *idx = NULL, *ks = NULL;
	rctx c;
	int r;

	memset(&c, 0, sizeof(c));
	c.v = w;
	c.root = dir;
	c.kind = "data";
	if ((r = read_backup(w, secret, backup, &c)) < 0)
		return r;
	res->files = c.seen;
	memset(&c, 0, sizeof(c));
	c.v = w;
	c.root = dir;
	c.kind = "keys";
	if ((r = read_backup(w, secret, keys, &c)) < 0)
		return r;
	if (asprintf(&idx, "%s/vault.db", dir) < 0 || asprintf(&ks, "%s/keys.db", dir) < 0)
		r = cv_error(w, CV_ERROR, "out of memory");
	else
		r = cv_db_backup_check(w, idx, ks, check_restored_archive, &rc);
	res->archives = rc.n;
	free(idx);
	free(ks);
	/* the directories a vault has even when empty (a tar holds files only) */
	if (r == 0 && asprintf(&idx, "%s/archives", dir) >= 0 && asprintf(&ks, "%s/certificates", dir) >= 0) {
		mkdir(idx, 0700);
		mkdir(ks, 0700);
		free(idx);
		free(ks);
	}
	return r;
}

int cv_restore(const char *backup, const char *keys, const char *dir, const char *secret,
	       cv_backup_result *res, char *err, size_t errlen)
{
	cv_vault w;
	char home[] = "/tmp/cvr.XXXXXX";
	int r, made;

	memset(&w, 0, sizeof(w));
	memset(res, 0, sizeof(*res));
	w.lockfd = -1;
	if (!keys)
		r = cv_error(&w, CV_EINVAL, "a restore needs the key-store backup too (--keys FILE): without it no "
			     "archive opens");
	else if (!secret || !*secret)
		r = cv_error(&w, CV_EINVAL, "a restore needs the backup passphrase");
	else
		r = new_dir(&w, dir);
	made = r;  /* 1: made here, 0: an empty directory that was there */
	if (r > 0)
		r = 0;
	/* gpg needs a home for a symmetric decryption: a private one, short for gpg-agent's socket */
	if (r == 0 && !mkdtemp(home))
		r = cv_error(&w, CV_ERROR, "cannot make a temporary GnuPG home: %s", strerror(errno));
	else if (r == 0) {
		w.gnupghome = home;
		r = restore_into(&w, backup, keys, dir, secret, res);
		cv_gpg_agent_kill(home);
		cv_rmtree(home, 0);
	}
	if (r < 0 && made >= 0)
		cv_rmtree(dir, !made);  /* nothing half-restored is left */
	snprintf(err, errlen, "%s", w.errmsg);
	return r;
}
