/*
 * casevault - the intent logs and crash recovery (docs/architecture.md,
 * Crash safety).
 *
 * Two logs in the index say what a command meant to do with files, so that
 * a crash at any point leaves the index and the files agreeing once the
 * next process holds the writer lock:
 *   pending  archive files a filing or a purge rewrite is writing, named
 *            before the first byte; until the commit that files their rows
 *            they are removed by recovery (nothing happened);
 *   shred    archive files the purge's commit destroyed (their keys are
 *            gone already); recovery overwrites and removes them and writes
 *            any certificate file the crash left unwritten;
 *   revoke   secret keys of revoked staff, named in the commit that revoked
 *            them; recovery deletes the secret key (never the public one,
 *            which still checks their receipts) and clears the intent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/intent.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/keydelete.h"
#include "crypto/seal.h"
#include "store/keystore.h"
#include "store/archive.h"
#include "store/db_intent.h"
#include "store/index.h"

int cv_cert_file_write(cv_vault *v, long number, const char *body)
{
	char *tmp = NULL, *fin = NULL, *dir = NULL;
	size_t len = strlen(body);
	int fd, r = 0;

	if (asprintf(&dir, "%s/certificates", v->path) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	if (asprintf(&tmp, "%s/.tmp-%ld.json", dir, number) < 0 || asprintf(&fin, "%s/%ld.json", dir, number) < 0) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	mkdir(dir, 0700);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = cv_error(v, CV_ERROR, "cannot write certificate %ld: %s%s", number, strerror(errno), cv_disk_hint(errno));
		goto out;
	}
	if (write(fd, body, len) != (ssize_t)len || fsync(fd) < 0) {
		r = cv_error(v, CV_ERROR, "cannot write certificate %ld: %s%s", number, strerror(errno), cv_disk_hint(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, fin) < 0) {
		r = cv_error(v, CV_ERROR, "cannot write certificate %ld: %s%s", number, strerror(errno), cv_disk_hint(errno));
		unlink(tmp);
		goto out;
	}
	cv_fsync_dir(dir);
out:
	free(tmp);
	free(fin);
	free(dir);
	return r;
}

int cv_cert_file_matches(cv_vault *v, long number, const char *body, int *exists)
{
	char *p = NULL, *buf = NULL;
	size_t len = strlen(body);
	struct stat sb;
	int fd, same = 0;

	*exists = 0;
	if (asprintf(&p, "%s/certificates/%ld.json", v->path, number) < 0)
		return 0;
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return 0;
	*exists = 1;
	if (fstat(fd, &sb) == 0 && (size_t)sb.st_size == len && (buf = malloc(len + 1))) {
		size_t got = 0;
		ssize_t n;

		while (got < len && (n = read(fd, buf + got, len - got)) > 0)
			got += (size_t)n;
		same = got == len && !memcmp(buf, body, len);
		free(buf);
	}
	close(fd);
	return same;
}

/* Recovery has a certificate file to write when the newest certificate's is missing. */
static int cert_file_missing(void *hook, long number, const char *body)
{
	int exists = 0;

	cv_cert_file_matches(hook, number, body, &exists);
	return !exists;
}

int cv_purge_needs_recovery(cv_vault *v)
{
	if (cv_db_intent_shred_any(v))
		return 1;
	return cv_db_intent_cert_last(v, cert_file_missing, v) > 0;
}

int cv_purge_is_shredding(cv_vault *v, const char *file)
{
	return cv_db_intent_shred_has(v, file);
}

struct shred_run {
	cv_vault *v;
	size_t *nfiles;
	int r;
};

/* One file of the shred log: overwritten and removed unless the index still uses it. */
static int shred_one(void *hook, const char *f, int live)
{
	struct shred_run *run = hook;
	int r;

	/* Defensive: never remove an archive the index still uses. */
	if (live || strchr(f, '/') || f[0] == '.')
		return 0;
	if ((r = cv_archive_shred(run->v, f)) < 0)
		run->r = r;
	else if (run->nfiles)
		(*run->nfiles)++;
	cv_crashpoint("purge-shred");
	return 0;
}

/* Remove the files named in shred; 0, or <0 when something is left for next time. */
int cv_shred_finish(cv_vault *v, size_t *nfiles)
{
	struct shred_run run = { v, nfiles, 0 };
	int r, ck;

	if (nfiles)
		*nfiles = 0;
	/* The keys first: their index rows are gone; their key-store rows go now (a
	 * crash before leaves them to the next run), then both WALs are emptied. */
	if ((ck = cv_keystore_drop_shredded(v)) == 0)
		ck = cv_index_checkpoint(v);
	if ((r = cv_db_intent_shred_each(v, shred_one, &run)) < 0 && !run.r)
		return r;
	r = run.r;
	if (cv_archive_sync(v) < 0 && r == 0)
		r = CV_ERROR;
	if (r == 0 && ck < 0)
		r = ck;
	if (r == 0)
		r = cv_db_intent_shred_clear(v);
	return r;
}

static int write_cert_if_missing(void *hook, long number, const char *body)
{
	cv_vault *v = hook;
	int exists;

	cv_cert_file_matches(v, number, body, &exists);
	if (!exists)
		return cv_cert_file_write(v, number, body);
	return 0;
}

static int write_missing_certs(cv_vault *v)
{
	return cv_db_intent_cert_each(v, write_cert_if_missing, v);
}

int cv_purge_recover(cv_vault *v)
{
	size_t n = 0;
	int r;

	r = cv_shred_finish(v, &n);
	if (write_missing_certs(v) < 0 && r == 0)
		r = CV_ERROR;
	if (n)
		cv_notice(v, "finished an interrupted purge (%zu archive%s erased)", n, n == 1 ? "" : "s");
	return r;
}

struct orphans {
	cv_vault *v;
	int n;
};

/* Remove one file an interrupted filing or rewrite left, and its temporary name. */
static int remove_orphan(void *hook, const char *f)
{
	struct orphans *o = hook;

	cv_archive_discard(o->v, f);
	o->n++;
	return 0;
}

/* Remove what an interrupted filing or purge rewrite left behind (see filing.c). */
int cv_pending_recover(cv_vault *v)
{
	struct orphans o = { v, 0 };
	int r;

	if (!cv_db_intent_pending_any(v))
		return 0;
	if ((r = cv_db_intent_pending_orphans(v, remove_orphan, &o)) < 0)
		return r;
	cv_archive_sync(v);
	r = cv_db_intent_pending_clear(v);
	if (r == 0 && o.n)
		cv_notice(v, "rolled back an interrupted filing or purge (%d incomplete archive%s removed)",
			  o.n, o.n == 1 ? "" : "s");
	return r;
}

struct revoke_run {
	cv_vault *v;
	const char *only;     /* one staff id, or NULL: every intent */
	int n;
	int r;
	char failed[16];
};

/* One revocation intent: the secret key goes, then the intent (a crash between: done again). */
static int finish_revoke(void *hook, const char *fpr, const char *staff_id)
{
	struct revoke_run *run = hook;
	int r;

	if (run->only && strcmp(run->only, staff_id))
		return 0;
	if ((r = cv_gpg_delete_secret(run->v, fpr)) < 0) {
		run->r = r;
		snprintf(run->failed, sizeof(run->failed), "%s", staff_id);
		return 0;
	}
	cv_crashpoint("revoke-after-delete");
	if ((r = cv_db_intent_revoke_clear(run->v, fpr)) < 0)
		run->r = r;
	else
		run->n++;
	return 0;
}

int cv_revoke_finish(cv_vault *v, const char *staff_id, int *finished)
{
	struct revoke_run run = { v, staff_id, 0, 0, "" };
	int r;

	if (finished)
		*finished = 0;
	if ((r = cv_db_intent_revoke_each(v, finish_revoke, &run)) < 0 && !run.r)
		run.r = r;
	if (finished)
		*finished = run.n;
	if (run.n && !staff_id)
		cv_notice(v, "finished an interrupted revocation (%d secret key%s removed from the vault's keyring)",
			  run.n, run.n == 1 ? "" : "s");
	if (run.r < 0)
		cv_notice(v, "the revocation of %s is not finished: its secret key is still in the vault's keyring (%s); "
			  "run 'casevault staff revoke %s' again", run.failed[0] ? run.failed : "a staff member",
			  v->errmsg, run.failed[0] ? run.failed : "ID");
	return run.r;
}

int cv_vault_revoke_pending(const char *path)
{
	char db[4096];

	if (!path || snprintf(db, sizeof(db), "%s/vault.db", path) >= (int)sizeof(db))
		return 0;
	return cv_db_intent_revoke_probe(db);
}

/*
 * Only gpg-agent deletes a secret key alone, and GPGME reaches it only in a
 * process that may run gpgconf (cv_global_init_ex, CV_INIT_GPGCONF): 'staff
 * revoke' and 'lock' always start so, every other command when
 * cv_vault_revoke_pending finds an intent before it starts.  A process
 * started otherwise (a front end that does not ask) names the unfinished
 * revocation on every open; 1 when that is all there is to recover.
 */
static int revoke_left(cv_vault *v)
{
	if (cv_gpgconf_enabled() || !cv_db_intent_revoke_any(v))
		return 0;
	cv_notice(v, "a revocation is not finished: a revoked person's secret key is still in the vault's keyring; "
		  "run 'casevault staff revoke ID' again for them (see 'casevault verify')");
	return !cv_db_intent_pending_any(v) && !cv_purge_needs_recovery(v);
}

/*
 * Finish what a crash left (the intent logs pending and shred) under the
 * writer lock, waiting up to wait_ms for it.  The lock can outlive a killed
 * process for a moment: GPGME starts gpg with fork(), and until the child
 * closes the descriptors it inherited it holds a copy of the lock.  A
 * writer may also be running, and then the intents are its own, in flight.
 * 1 when the lock could not be had (left for later), 0 when done.
 */
int cv_vault_recover(cv_vault *v, int wait_ms)
{
	int held = v->lockfd >= 0, r = 0;

	if (revoke_left(v))
		return 0;
	if (!cv_db_intent_pending_any(v) && !cv_purge_needs_recovery(v) && !cv_db_intent_revoke_any(v))
		return 0;
	if (!held) {
		while ((r = cv_vault_lock_writer(v, 0)) == CV_ELOCKED && wait_ms > 0) {
			usleep(20 * 1000);
			wait_ms -= 20;
		}
		if (r < 0)
			return 1;  /* a revocation too: the writer may be that revoke, finishing it now */
	}
	r = cv_pending_recover(v);
	/* Then finish a purge a crash interrupted after its commit (purge.c). */
	if (r == 0 && cv_purge_needs_recovery(v) && cv_purge_recover(v) < 0)
		cv_notice(v, "an interrupted purge is not finished yet: %s", v->errmsg);
	if (r == 0 && cv_gpgconf_enabled() && cv_db_intent_revoke_any(v))
		cv_revoke_finish(v, NULL, NULL);
	if (!held)
		cv_vault_unlock_writer(v);
	return r;
}

int cv_intent_new_archive(cv_vault *v, char name[40], const char *now, const char *what)
{
	int r;

	if ((r = cv_random_hex(name, 16)) < 0)
		return r;
	strcat(name, ".pgp");
	return cv_db_intent_pending_add(v, name, now, what);
}

int cv_intent_clear(cv_vault *v)
{
	return cv_db_intent_pending_clear(v);
}
