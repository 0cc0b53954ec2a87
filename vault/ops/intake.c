/*
 * casevault - the intake tray (casevault/intake.h, docs/intake.md).
 *
 * An item is one file, VAULT/intake/ID.cvi, the document sealed (AES-256-GCM,
 * crypto/deposit.h) under a random key K, and one row.  K is wrapped to the
 * case section's deposit key (core/deposit.h: its secret is derived from
 * the case master key, which caseworkers and above hold and volunteers and
 * casevaultd do not), with "intake/ID" as the wrap's FILE so that a wrap
 * moved to another item does not open.  The wrap is kept in the key store
 * (store/db_intake.h); the row's sealed column (exact size and original
 * name) is sealed under the wrap's own sealing key.  Deleting the wrap
 * erases the item: the file, or a copy of it, no longer opens with any key
 * the vault holds (docs/security.md, The drop folder).
 *
 * The document is read once into memory, checked as 'file' checks it
 * (ops/filing_docs.c) and encrypted there; assigning decrypts it into a
 * memfd that the ordinary filing reads.  No plaintext is ever written
 * under the vault.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/handle.h"
#include "base/util.h"
#include "casevault/intake.h"
#include "casevault/record.h"
#include "casevault/staff.h"
#include "casevault/text.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/deposit.h"
#include "core/lock.h"
#include "crypto/deposit.h"
#include "crypto/seal.h"
#include "formats/formats.h"
#include "ops/filing_docs.h"
#include "ops/preview_doc.h"
#include "store/db_intake.h"
#include "store/db_meta.h"
#include "store/index.h"
#include "store/sealed.h"

const char *const cv_intake_reasons[] = { "junk", "duplicate", "wrong-office", "unreadable", "other", NULL };

/* The item's file: VAULT/intake/ID.cvi (malloc'd). */
static char *item_path(cv_vault *v, const char *id)
{
	char *p = NULL;

	if (asprintf(&p, "%s/intake/%s.cvi", v->path, id) < 0)
		return NULL;
	return p;
}

static void ctx_of(const char *what, const char *id, char out[48])
{
	snprintf(out, 48, "%s%s", what, id);
}

/* One document read into memory (wiped when released). */
typedef struct {
	unsigned char *buf;
	size_t len;
	char mime[96];
} doc;

static void doc_wipe(doc *d)
{
	if (d->buf) {
		explicit_bzero(d->buf, d->len);
		free(d->buf);
	}
	memset(d, 0, sizeof(*d));
}

/* Read fd whole into d->buf: size bytes, as fstat gave them. */
static int doc_read(cv_vault *v, int fd, int64_t size, const char *name, doc *d)
{
	ssize_t got = 0;

	if (!(d->buf = malloc(size > 0 ? (size_t)size : 1)))
		return cv_error(v, CV_ERROR, "out of memory reading %s", name);
	while (d->len < (size_t)size && (got = pread(fd, d->buf + d->len, (size_t)size - d->len, (off_t)d->len)) > 0)
		d->len += (size_t)got;
	if (d->len < (size_t)size)
		return cv_error(v, CV_EINVAL, "cannot read %s: %s", name, got < 0 ? strerror(errno) : "it was cut short");
	return 0;
}

/*
 * An Outlook .msg (a CDF container with MAPI properties, as libmagic names
 * it): no library in Debian reads it, so it is refused with how to save
 * the message as .eml, which GMime reads (docs/intake.md, "E-mail").
 */
static int outlook_msg(const char *mime)
{
	return strcmp(mime, "application/vnd.ms-outlook") == 0;
}

/* Type-check the document as 'file' does and read it; *refused when the document is at fault. */
static int doc_take(cv_vault *v, int fd, const char *name, doc *d, int *refused)
{
	cv_file_item it;
	cv_typer *mg = NULL;
	int64_t size = 0;
	int dfd = -1, comp = 0, r;

	memset(&it, 0, sizeof(it));
	it.path = name;
	it.has_fd = 1;
	it.fd = fd;
	it.line = 1;
	if (cv_typer_new(&mg, v->errmsg, sizeof(v->errmsg)) < 0)
		return CV_ERROR;
	r = cv_filing_open_doc(v, mg, &it, &dfd, &size, &comp);
	cv_typer_free(mg);
	if (r < 0) {
		*refused = 1;
		if (outlook_msg(it.mime))
			return cv_error(v, CV_EREFUSED, "%s is an Outlook .msg message, which casevault does not read; save the "
					"message as .eml instead (the new Outlook, Outlook on the web and Thunderbird can) "
					"and drop that file", name);
		return cv_error(v, it.status ? it.status : r, "%s", it.error);
	}
	snprintf(d->mime, sizeof(d->mime), "%s", it.mime);
	r = doc_read(v, dfd, size, name, d);
	close(dfd);
	return r;
}

/* Write data durably as path (a new file, 0600; the rename is fsynced with its folder). */
static int write_durably(cv_vault *v, const char *path, const void *data, size_t len)
{
	char tmp[4096], dir[4096];
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cv_error(v, CV_ERROR, "cannot make %s: %s", dir, strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cv_error(v, CV_ERROR, "cannot write %s: %s", tmp, strerror(errno));
	if (cv_write_all(fd, data, len) < 0 || fsync(fd) < 0)
		r = cv_error(v, CV_ERROR, "cannot write %s: %s%s", tmp, strerror(errno), cv_disk_hint(errno));
	close(fd);
	if (r == 0 && (rename(tmp, path) < 0 || cv_fsync_dir(dir) < 0))
		r = cv_error(v, CV_ERROR, "cannot write %s: %s", path, strerror(errno));
	if (r < 0)
		unlink(tmp);
	return r;
}

/* What a new item is made of: its id, key wrap and sealed column. */
typedef struct {
	cv_db_intake row;
	char wrapped[CV_DEPOSIT_WRAPPED_LEN];
	long n;
} item_new;

/* Seal d to a new key, write the item's file, wrap the key to pub: everything but the index. */
static int seal_item(cv_vault *v, const unsigned char pub[32], const doc *d, const char *name, item_new *w)
{
	unsigned char k[32], seal[32], *blob = NULL;
	char ctx[48], file[40], *meta = NULL, *path = NULL;
	size_t blen = 0;
	int r = 0;

	cv_random_fill(k, sizeof(k));
	snprintf(file, sizeof(file), "intake/%s", w->row.id);
	ctx_of("intake:", w->row.id, ctx);
	if (cv_deposit_seal(k, ctx, d->buf, d->len, &blob, &blen) < 0 || cv_deposit_wrap(pub, file, k, w->wrapped, seal) < 0)
		r = cv_error(v, CV_ERROR, "cannot encrypt the intake item (libgcrypt)");
	else if (!(path = item_path(v, w->row.id)) || asprintf(&meta, "%zu\n%s", d->len, name) < 0)
		r = cv_error(v, CV_ERROR, "out of memory");
	else if ((r = write_durably(v, path, blob, blen)) == 0) {
		ctx_of("intake.sealed:", w->row.id, ctx);
		if (cv_deposit_seal(seal, ctx, meta, strlen(meta), &w->row.sealed, &w->row.sealed_len) < 0) {
			r = cv_error(v, CV_ERROR, "cannot seal the intake item's name (libgcrypt)");
			unlink(path);
		}
	}
	explicit_bzero(k, sizeof(k));
	explicit_bzero(seal, sizeof(seal));
	if (meta) {
		explicit_bzero(meta, strlen(meta));
		free(meta);
	}
	free(blob);
	free(path);
	return r;
}

static int add_row_tx(cv_vault *v, item_new *w)
{
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = cv_db_meta_counter_set(v, "intake", w->n)) < 0 || (r = cv_db_intake_insert(v, &w->row)) < 0 ||
	    (r = cv_audit(v, "intake.add", 0, w->row.id)) < 0 || (r = cv_index_commit(v)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return 0;
}

static int key_tx(cv_vault *v, const char *id, const char *wrapped)
{
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = wrapped ? cv_db_intake_key_put(v, id, wrapped) : cv_db_intake_key_delete(v, id)) < 0 ||
	    (r = cv_index_commit(v)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	return 0;
}

/*
 * Files no row names: an erasing a crash cut short after its commit (the
 * key goes with cv_db_intake_keys_settle), already unreadable, removed
 * under the writer lock so no add is between its file and its row.
 */
static void sweep_files(cv_vault *v)
{
	char dir[PATH_MAX], id[16], *path;
	struct dirent *de;
	cv_db_intake row;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/intake", v->path);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		int r;

		if (len < 7 || len - 4 >= sizeof(id) || strncmp(de->d_name, "I-", 2) ||
		    strcmp(de->d_name + len - 4, ".cvi"))
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(len - 4), de->d_name);
		r = cv_db_intake_get(v, id, &row);
		cv_db_intake_release(&row);
		if (r != 0)
			continue;
		if ((path = item_path(v, id)))
			unlink(path);
		free(path);
	}
	closedir(d);
}

/* Under the writer lock: the files and keys of items no row names, gone. */
static int settle(cv_vault *v)
{
	sweep_files(v);
	return cv_db_intake_keys_settle(v);
}

/*
 * Under the writer lock: the deposit key of the case key now in use
 * (checked under the lock, so nothing is wrapped to a retired one), the
 * item's file, its key (committed first), then its row and audit event.
 */
static int store_item(cv_vault *v, const doc *d, const char *name, item_new *w)
{
	unsigned char pub[32];
	char *path;
	int r;

	if ((r = settle(v)) < 0 || (r = cv_deposit_public_key(v, CV_SECTION_CASE, pub, &w->row.key_gen)) < 0 ||
	    (r = cv_db_meta_counter_peek(v, "intake", &w->n)) < 0)
		return r;
	snprintf(w->row.id, sizeof(w->row.id), "I-%06ld", w->n);
	if ((r = seal_item(v, pub, d, name, w)) < 0)
		return r;
	cv_crashpoint("intake-file");
	if ((r = key_tx(v, w->row.id, w->wrapped)) == 0 && (r = add_row_tx(v, w)) == 0)
		return 0;
	if ((path = item_path(v, w->row.id)))
		unlink(path);
	free(path);
	return r;
}

int cv_intake_take(cv_vault *v, int fd, const char *name, const char *source, char id[16], int *doc_refused)
{
	doc d;
	item_new w;
	int refused = 0, r;

	memset(&d, 0, sizeof(d));
	memset(&w, 0, sizeof(w));
	if (doc_refused)
		*doc_refused = 0;
	if (strcmp(source, "drop") && strcmp(source, "cli"))
		return cv_error(v, CV_EINVAL, "an intake item comes from 'drop' or 'cli'");
	if ((r = doc_take(v, fd, name, &d, &refused)) < 0) {
		if (doc_refused)
			*doc_refused = refused;
		doc_wipe(&d);
		return r;
	}
	cv_now_iso(w.row.arrived);
	w.row.size_bucket = cv_size_bucket((int64_t)d.len);
	snprintf(w.row.mime, sizeof(w.row.mime), "%s", d.mime);
	snprintf(w.row.source, sizeof(w.row.source), "%s", source);
	snprintf(w.row.added_by, sizeof(w.row.added_by), "%.23s", v->actor[0] ? v->actor : "-");
	if ((r = cv_vault_lock_writer(v, 1)) == 0) {
		r = store_item(v, &d, name, &w);
		cv_vault_unlock_writer(v);
	}
	if (r == 0)
		snprintf(id, 16, "%s", w.row.id);
	cv_db_intake_release(&w.row);
	doc_wipe(&d);
	return r;
}

int cv_intake_add(cv_vault *v, int fd, const char *name, char id[16])
{
	int r;

	if ((r = cv_authorize(v, CV_ACT_FILE_NOTE, NULL)) < 0)
		return r;
	return cv_intake_take(v, fd, name, "cli", id, NULL);
}

/* An item opened with the case key: its key, its size and name. */
typedef struct {
	cv_db_intake row;
	unsigned char k[32];
	int64_t size;
	char *name;
} item_open;

static void item_close(item_open *o)
{
	cv_db_intake_release(&o->row);
	explicit_bzero(o->k, sizeof(o->k));
	if (o->name) {
		explicit_bzero(o->name, strlen(o->name));
		free(o->name);
	}
	memset(o, 0, sizeof(*o));
}

/* The sealed column, "SIZE\nNAME", opened under the wrap's sealing key. */
static int open_sealed(cv_vault *v, item_open *o, const unsigned char seal[32])
{
	char ctx[48], *meta = NULL, *nl;
	size_t len = 0;

	ctx_of("intake.sealed:", o->row.id, ctx);
	if (cv_deposit_unseal(seal, ctx, o->row.sealed, o->row.sealed_len, &meta, &len) < 0 || !(nl = strchr(meta, '\n'))) {
		free(meta);
		return cv_error(v, CV_ECORRUPT, "intake item %s's name is damaged or altered; reject it", o->row.id);
	}
	o->size = atoll(meta);
	o->name = strdup(nl + 1);
	explicit_bzero(meta, len);
	free(meta);
	return o->name ? 0 : cv_error(v, CV_ERROR, "out of memory");
}

/* Unwrap row's key with the case key in memory (the caller holds it). */
static int open_row(cv_vault *v, item_open *o)
{
	char wrapped[CV_DEPOSIT_WRAPPED_LEN + 8], file[40];
	unsigned char seal[32];
	int r;

	if ((r = cv_db_intake_key_get(v, o->row.id, wrapped, sizeof(wrapped))) <= 0)
		return r < 0 ? r : cv_error(v, CV_ECORRUPT, "intake item %s has no key (erased): reject it", o->row.id);
	if (o->row.key_gen != v->mkey_gen[CV_SECTION_CASE])
		return cv_error(v, CV_ECORRUPT, "intake item %s was encrypted to a case key no longer in use; it cannot be "
				"opened: reject it", o->row.id);
	snprintf(file, sizeof(file), "intake/%s", o->row.id);
	r = cv_deposit_unwrap(v->mkey[CV_SECTION_CASE], cv_section_name(CV_SECTION_CASE), file, wrapped, o->k, seal);
	if (r < 0) {
		explicit_bzero(seal, sizeof(seal));
		return cv_error(v, r == -1 ? CV_ERROR : CV_ECORRUPT, "intake item %s does not open with the case key "
				"(damaged, or its key altered)", o->row.id);
	}
	r = open_sealed(v, o, seal);
	explicit_bzero(seal, sizeof(seal));
	return r;
}

/* Caseworkers and above, with the case key unlocked. */
static int may_read(cv_vault *v)
{
	int r;

	if ((r = cv_authorize(v, CV_ACT_READ_CASE, NULL)) < 0)
		return r;
	return cv_require_key(v, CV_SECTION_CASE);
}

static int open_item(cv_vault *v, const char *id, item_open *o)
{
	int r;

	memset(o, 0, sizeof(*o));
	if ((r = cv_db_intake_get(v, id, &o->row)) == 0)
		return cv_error(v, CV_ENOTFOUND, "no intake item %.20s; 'casevault intake list' shows the tray", id);
	if (r < 0 || (r = open_row(v, o)) < 0) {
		item_close(o);
		return r;
	}
	return 0;
}

/* The item's document, decrypted in memory. */
static int open_doc(cv_vault *v, item_open *o, doc *d)
{
	char ctx[48], *path = item_path(v, o->row.id), *plain = NULL;
	struct stat sb;
	size_t plen = 0;
	int fd, r;

	memset(d, 0, sizeof(*d));
	if (!path)
		return cv_error(v, CV_ERROR, "out of memory");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		r = cv_error(v, CV_ECORRUPT, "intake item %s's file %s cannot be read: %s", o->row.id, path, strerror(errno));
	} else {
		doc raw = { NULL, 0, "" };

		if ((r = doc_read(v, fd, sb.st_size, path, &raw)) == 0) {
			ctx_of("intake:", o->row.id, ctx);
			if (cv_deposit_unseal(o->k, ctx, raw.buf, raw.len, &plain, &plen) < 0)
				r = cv_error(v, CV_ECORRUPT, "intake item %s's file is damaged or altered", o->row.id);
		}
		free(raw.buf);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	d->buf = (unsigned char *)plain;
	d->len = plen;
	snprintf(d->mime, sizeof(d->mime), "%s", o->row.mime);
	return r;
}

static int days_since(const char *iso)
{
	struct tm tm;
	time_t then;

	memset(&tm, 0, sizeof(tm));
	if (!strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 0;
	then = timegm(&tm);
	return then > time(NULL) ? 0 : (int)((time(NULL) - then) / 86400);
}

static void fill_item(cv_intake_item *it, item_open *o)
{
	snprintf(it->id, sizeof(it->id), "%s", o->row.id);
	snprintf(it->arrived, sizeof(it->arrived), "%s", o->row.arrived);
	it->size_bucket = o->row.size_bucket;
	it->size = o->size ? o->size : o->row.size_bucket;
	snprintf(it->mime, sizeof(it->mime), "%s", o->row.mime);
	snprintf(it->source, sizeof(it->source), "%s", o->row.source);
	snprintf(it->added_by, sizeof(it->added_by), "%s", o->row.added_by);
	it->name = o->name;
	o->name = NULL;
	it->days = days_since(o->row.arrived);
}

void cv_intake_release(cv_intake_item *it)
{
	if (it && it->name) {
		explicit_bzero(it->name, strlen(it->name));
		free(it->name);
		it->name = NULL;
	}
}

void cv_intake_list_free(cv_intake_item *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		cv_intake_release(&list[i]);
	free(list);
}

int cv_intake_list(cv_vault *v, cv_intake_item **out, size_t *n)
{
	cv_db_intake *rows = NULL;
	size_t i, k = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = may_read(v)) < 0 || (r = cv_db_intake_list(v, &rows, &k)) < 0)
		return r;
	if (k && !(*out = calloc(k, sizeof(**out))))
		r = cv_error(v, CV_ERROR, "out of memory");
	for (i = 0; r == 0 && i < k; i++) {
		item_open o;

		memset(&o, 0, sizeof(o));
		o.row = rows[i];
		if ((r = open_row(v, &o)) == 0)
			fill_item(&(*out)[i], &o);
		explicit_bzero(o.k, sizeof(o.k));
		free(o.name);
	}
	cv_db_intake_list_free(rows, k);
	if (r < 0) {
		cv_intake_list_free(*out, k);
		*out = NULL;
		return r;
	}
	*n = k;
	return 0;
}

int cv_intake_due_count(cv_vault *v, size_t *n)
{
	time_t before = time(NULL) - (time_t)CV_INTAKE_DUE_DAYS * 86400;
	char iso[32];
	struct tm tm;

	gmtime_r(&before, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return cv_db_intake_count_before(v, iso, n);
}

/*
 * Item id's document decrypted into d, as 'intake show' opens it: who may
 * read the tray, then (preview) a type with no preview refused before
 * anything is decrypted or audited, then the audit event.  On failure o
 * and d are released.
 */
static int show_doc(cv_vault *v, const char *id, const char *preview, item_open *o, doc *d)
{
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = may_read(v)) < 0 || (r = open_item(v, id, o)) < 0)
		return r;
	if (preview)
		r = cv_preview_refuse_type(v, preview, o->row.mime);
	/* the content leaves the vault: audited before a byte is decrypted (docs/legal-rules.md §17) */
	if (r == 0 && (r = cv_audit(v, "intake.show", 0, o->row.id)) == 0)
		r = open_doc(v, o, d);
	if (r < 0) {
		doc_wipe(d);
		item_close(o);
	}
	return r;
}

int cv_intake_show(cv_vault *v, const char *id, int fd, cv_intake_item *info)
{
	item_open o;
	doc d;
	int r;

	if ((r = show_doc(v, id, NULL, &o, &d)) < 0)
		return r;
	if (cv_write_all(fd, d.buf, d.len) < 0)
		r = cv_error(v, CV_ERROR, "cannot write intake item %s out: %s", o.row.id, strerror(errno));
	doc_wipe(&d);
	if (r == 0 && info)
		fill_item(info, &o);
	item_close(&o);
	return r;
}

int cv_intake_preview(cv_vault *v, const char *id, int max_width, void **png, size_t *len)
{
	char what[40];
	item_open o;
	doc d;
	int r;

	*png = NULL;
	*len = 0;
	snprintf(what, sizeof(what), "intake item %.20s", id);
	if ((r = show_doc(v, id, what, &o, &d)) < 0)
		return r;
	r = cv_preview_doc(v, what, d.mime, d.buf, d.len, max_width, png, len);
	doc_wipe(&d);
	item_close(&o);
	return r;
}

struct erasing {
	const char *id;
	char *ids;
	const char *action;
};

static int erase_tx(cv_vault *v, void *arg)
{
	struct erasing *e = arg;
	int r;

	if ((r = cv_db_intake_delete(v, e->id)) < 0)
		return r;
	return cv_audit(v, e->action, 0, e->ids);
}

/*
 * What follows an item's row going: its key (the key store's secure_delete
 * overwrites it), then its file.  A crash before leaves a key and a file no
 * row names, which the next intake write sweeps (this one sweeps those an
 * earlier one left).
 */
static void erase_rest(cv_vault *v, struct erasing *e)
{
	char *path;
	int r;

	cv_crashpoint("intake-erase");
	if ((r = cv_vault_lock_writer(v, 1)) == 0) {
		if ((r = key_tx(v, e->id, NULL)) == 0)
			r = settle(v);
		cv_vault_unlock_writer(v);
	}
	if (r < 0)
		cv_notice(v, "intake item %s is off the tray; its key goes at the next intake write (%s)", e->id, v->errmsg);
	if ((path = item_path(v, e->id))) {
		unlink(path);
		free(path);
	}
}

/* Erase item id: its row and audit event in one commit, then the rest. */
static int erase(cv_vault *v, struct erasing *e)
{
	int r;

	if ((r = cv_vault_write_tx(v, erase_tx, e)) < 0)
		return r;
	erase_rest(v, e);
	return 0;
}

/* Bytes in a memfd (anonymous memory) for the filing to read: never a file on disk. */
static int mem_fd(cv_vault *v, const void *buf, size_t len, int *fd)
{
	*fd = memfd_create("casevault-intake", MFD_CLOEXEC);
	if (*fd < 0 || cv_write_all(*fd, buf, len) < 0)
		return cv_error(v, CV_ERROR, "cannot hold the intake item in memory: %s", strerror(errno));
	return 0;
}

static void item_init(cv_file_item *it, const cv_intake_assign_opts *a, const char *path, const char *title, int fd)
{
	memset(it, 0, sizeof(*it));
	it->case_id = a->case_id;
	it->section = a->section;
	it->class_name = a->class_name;
	it->path = path;
	it->has_fd = 1;
	it->fd = fd;
	it->title = title;
	it->date = a->date;
	it->line = 1;
}

/*
 * A title from a name an e-mail gives (its subject, an attachment's file
 * name): a title holds no control character (docs/commands/README.md, "Text
 * and JSON"), so each is written out, \xHH or \u00HH, and it is cut to 200
 * bytes.  fallback when the message gives no name.
 */
static char *title_of(const char *name, const char *fallback)
{
	const unsigned char *s = (const unsigned char *)(name && *name ? name : fallback);
	size_t len = strlen((const char *)s), i, o = 0;
	char *t = malloc(len * 6 + 1);

	for (i = 0; t && i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			o += (size_t)sprintf(t + o, "\\x%02x", s[i]);
		else if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			o += (size_t)sprintf(t + o, "\\u%04x", s[++i]);
		else
			t[o++] = (char)s[i];
	}
	if (t)
		t[cv_text_cut(t, o, 200)] = '\0';
	return t;
}

/* What one assign files: one item (a document), or an e-mail's parts, each in a memfd. */
typedef struct {
	cv_fmt_part *parts;
	size_t n;
	cv_file_item *items;
	char **titles;
	int *fds;
} filing_set;

static void set_free(filing_set *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (f->fds && f->fds[i] >= 0)
			close(f->fds[i]);
		if (f->titles)
			free(f->titles[i]);
		if (f->parts) {
			explicit_bzero(f->parts[i].data, f->parts[i].len);
			free(f->parts[i].data);
			free(f->parts[i].name);
			free(f->parts[i].mime);
		}
	}
	free(f->parts);
	free(f->items);
	free(f->titles);
	free(f->fds);
	memset(f, 0, sizeof(*f));
}

static int set_alloc(cv_vault *v, filing_set *f, size_t n)
{
	size_t i;

	f->items = calloc(n, sizeof(*f->items));
	f->titles = calloc(n, sizeof(*f->titles));
	f->fds = malloc(n * sizeof(*f->fds));
	if (!f->items || !f->titles || !f->fds)
		return cv_error(v, CV_ERROR, "out of memory");
	for (i = 0; i < n; i++)
		f->fds[i] = -1;
	return 0;
}

/*
 * An e-mail (docs/intake.md, "E-mail"): the message's text as one item,
 * titled by the subject (or the assign's --title), and each attachment as
 * an item of its own, titled by its file name and part of the first.
 */
static int mail_set(cv_vault *v, const doc *d, const cv_intake_assign_opts *a, filing_set *f)
{
	char err[256];
	size_t i;
	int r;

	if ((r = cv_fmt_mail_parts(d->mime, d->buf, d->len, &f->parts, &f->n, err, sizeof(err))) < 0)
		return cv_error(v, r, "%s", err);
	if ((r = set_alloc(v, f, f->n)) < 0)
		return r;
	for (i = 0; i < f->n; i++) {
		if (!(f->titles[i] = title_of(f->parts[i].name, i ? "Attachment" : "E-mail")))
			return cv_error(v, CV_ERROR, "out of memory");
		if ((r = mem_fd(v, f->parts[i].data, f->parts[i].len, &f->fds[i])) < 0)
			return r;
		item_init(&f->items[i], a, f->titles[i], i == 0 && a->title ? a->title : f->titles[i], f->fds[i]);
		f->items[i].part_of = i ? 1 : 0;
	}
	return 0;
}

/* Any other document: itself, under its original name. */
static int doc_set(cv_vault *v, item_open *o, const doc *d, const cv_intake_assign_opts *a, filing_set *f)
{
	int r;

	if ((r = set_alloc(v, f, 1)) < 0)
		return r;
	f->n = 1;
	if ((r = mem_fd(v, d->buf, d->len, &f->fds[0])) < 0)
		return r;
	item_init(&f->items[0], a, o->name, a->title, f->fds[0]);
	return 0;
}

/* Why an e-mail was not filed: the part at fault (not those refused with it), by its title. */
static int set_fail(cv_vault *v, const char *id, filing_set *f, int r)
{
	cv_file_item *cause = cv_filing_root_cause(f->items, f->n);
	size_t i = (size_t)(cause - f->items);

	if (!cause->error[0])
		return r;
	if (!f->parts)
		return cv_error(v, r, "%s", cause->error);
	return cv_error(v, r, "e-mail %s was not filed: %s '%s': %s; nothing was filed, the item stays in the tray",
			id, i ? "its attachment" : "its text", f->titles[i], cause->error);
}

/* "I-000001 R-000001 R-000002 ...": the item and every record it became, for the audit event. */
static char *assign_ids(const char *id, const filing_set *f, char (**records)[16])
{
	char *ids = malloc(16 * (f->n + 1));
	size_t i, o;

	*records = malloc(f->n * sizeof(**records));
	if (!ids || !*records) {
		free(ids);
		free(*records);
		*records = NULL;
		return NULL;
	}
	o = (size_t)sprintf(ids, "%s", id);
	for (i = 0; i < f->n; i++) {
		o += (size_t)sprintf(ids + o, " %s", f->items[i].record_id);
		snprintf((*records)[i], 16, "%s", f->items[i].record_id);
	}
	return ids;
}

/* An assign: the item's erasing, the set it files and the records it became. */
typedef struct {
	struct erasing e;
	filing_set f;
	char (*records)[16];
} assigning;

/*
 * The item off the tray, in the filing's own commit (cv_vault.filing_also):
 * the records filed and the item gone, or neither (docs/recovery.md, Fault
 * injection).  Records filed with the item still in the tray would be filed
 * twice by the next assign.
 */
static int assign_tx(cv_vault *v, void *arg)
{
	assigning *s = arg;

	if (!s->e.ids && !(s->e.ids = assign_ids(s->e.id, &s->f, &s->records)))
		return cv_error(v, CV_ERROR, "out of memory");
	return erase_tx(v, &s->e);
}

static int file_item(cv_vault *v, item_open *o, const cv_intake_assign_opts *a, assigning *s)
{
	filing_set *f = &s->f;
	doc d;
	int r;

	if ((r = open_doc(v, o, &d)) < 0)
		return r;
	r = strcmp(d.mime, "message/rfc822") == 0 ? mail_set(v, &d, a, f) : doc_set(v, o, &d, a, f);
	doc_wipe(&d);
	if (r < 0)
		return r;
	v->filing_also = assign_tx;
	v->filing_also_arg = s;
	r = cv_file(v, f->items, f->n, 0, NULL, NULL, NULL);
	v->filing_also = NULL;
	v->filing_also_arg = NULL;
	return r < 0 ? set_fail(v, o->row.id, f, r) : 0;
}

int cv_intake_assign_all(cv_vault *v, const char *id, const cv_intake_assign_opts *a, char (**records)[16], size_t *n)
{
	assigning s = { { id, NULL, "intake.assign" }, { 0 }, NULL };
	item_open o;
	int r;

	*records = NULL;
	*n = 0;
	if (!a->case_id || !a->class_name)
		return cv_error(v, CV_EINVAL, "intake assign needs a case and --class CLASS");
	if ((r = may_read(v)) < 0 || (r = open_item(v, id, &o)) < 0)
		return r;
	r = file_item(v, &o, a, &s);
	item_close(&o);
	if (r == 0) {
		erase_rest(v, &s.e);
		*records = s.records;
		*n = s.f.n;
		s.records = NULL;
	}
	set_free(&s.f);
	free(s.records);
	free(s.e.ids);
	return r;
}

int cv_intake_assign(cv_vault *v, const char *id, const cv_intake_assign_opts *a, char record_id[16])
{
	char (*records)[16] = NULL;
	size_t n = 0;
	int r = cv_intake_assign_all(v, id, a, &records, &n);

	snprintf(record_id, 16, "%s", n ? records[0] : "");
	free(records);
	return r;
}

int cv_intake_reject(cv_vault *v, const char *id, const char *reason)
{
	char ids[64];
	struct erasing e = { id, ids, "intake.reject" };
	cv_db_intake row;
	size_t i;
	int r;

	for (i = 0; reason && cv_intake_reasons[i] && strcmp(reason, cv_intake_reasons[i]); i++)
		;
	if (!reason || !cv_intake_reasons[i])
		return cv_error(v, CV_EINVAL, "the reason must be one of junk, duplicate, wrong-office, unreadable, other "
				"(kept in the audit trail, so no free text)");
	if ((r = may_read(v)) < 0 || (r = cv_db_intake_get(v, id, &row)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "no intake item %.20s; 'casevault intake list' shows the tray", id);
	cv_db_intake_release(&row);
	snprintf(ids, sizeof(ids), "%.20s %s", id, reason);
	return erase(v, &e);
}
