/*
 * casevault - filing: file, import and note all come through cv_file.
 *
 * Crash safety.  A call first commits an intent log (table pending) naming
 * the archive files it is about to write, then writes each archive to a
 * temporary name, fsyncs, renames and fsyncs the directory, signs one
 * receipt over all archives, and commits every index row in one
 * transaction that also clears the intent log.  A crash before that commit
 * leaves files named in pending, which the next holder of the writer lock
 * removes (cv_vault_open when it gets the lock, verify, or a writer before
 * its own intent log); a crash after it leaves a complete filing.  Either
 * way verify passes and the batch is all there or not there at all.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/typecheck.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/intent.h"
#include "core/lock.h"
#include "crypto/gpg.h"
#include "crypto/helper.h"
#include "crypto/seal.h"
#include "ops/case.h"
#include "ops/retention.h"
#include "store/archive.h"
#include "store/index.h"
#include "casevault/case.h"
#include "casevault/date.h"
#include "casevault/record.h"
#include "casevault/staff.h"

#define CV_MAX_WORKERS 8

typedef struct {
	const char *case_id;
	cv_section section;
	size_t *idx;            /* indices into items */
	size_t n;
	char file[40];          /* archive file name */
	char key[CV_KEY_HEX + 1];
	cv_member_in *m;
	char sha[65];
	int64_t size;
	int compress;
	char rkey[200];         /* retention key: records that fall due together */
	int failed;
	int taken;              /* claimed by a writer */
	int written;
	char *wrapped;
	int key_gen;
	char child_dob[11];
	char closed[11];
	/* for the manifest */
	cv_vault *v;
	cv_file_item *items;
	const char *now;
	const char *policy_hash;
} group;

static int item_fail(cv_file_item *it, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int item_fail(cv_file_item *it, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->error, sizeof(it->error), fmt, ap);
	va_end(ap);
	it->status = code;
	return code;
}

static int valid_text(const char *s, size_t len, int allow_newline)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0 || c == 0x7f)
			return 0;
		if (c < 0x20 && !(allow_newline && (c == '\n' || c == '\r' || c == '\t')))
			return 0;
	}
	return 1;
}

/* Metadata checks that need no file: class, section, dates, title, case. */
static int check_meta(cv_vault *v, cv_file_item *it, const cv_date *today, char known_case[24])
{
	const cv_class *cls;
	cv_date d;
	cv_case c;
	int r;

	if (!it->case_id || !*it->case_id)
		return item_fail(it, CV_EINVAL, "no case given");
	cls = cv_policy_class(v->policy, it->class_name ? it->class_name : "");
	if (!cls)
		return item_fail(it, CV_ENOTFOUND, "unknown record class '%s'; the classes are in the vault's policies/retention.ini",
				 it->class_name ? it->class_name : "");
	if (cls->section != it->section) {
		if (cls->section == CV_SECTION_CP)
			return item_fail(it, CV_EREFUSED, "class '%s' belongs to the child-protection file; file it with --cp", cls->name);
		return item_fail(it, CV_EREFUSED, "class '%s' belongs to the main case file, not the child-protection file; drop --cp or choose a cp class", cls->name);
	}
	if (it->date) {
		if (cv_date_parse(&d, it->date) < 0)
			return item_fail(it, CV_EINVAL, "the date '%s' is not a real date written YYYY-MM-DD", it->date);
		if (cv_date_cmp(&d, today) > 0)
			return item_fail(it, CV_EINVAL, "the date %s is in the future", it->date);
	}
	if (it->title && (!*it->title || strlen(it->title) > 300 || !valid_text(it->title, strlen(it->title), 0)))
		return item_fail(it, CV_EINVAL, "the title is empty, too long or holds control characters");
	if (!it->path && (!it->text || it->text_len == 0))
		return item_fail(it, CV_EINVAL, "the note is empty; give its text with --text or on standard input");
	if (!it->path && !valid_text(it->text, it->text_len, 1))
		return item_fail(it, CV_EINVAL, "the note holds binary data; file documents with 'casevault file'");
	if (!strcmp(it->case_id, known_case))
		return 0;  /* checked for the item before */
	r = cv_case_fetch(v, &c, it->case_id, 0);
	if (r < 0)
		return item_fail(it, r, "%s", cv_vault_errmsg(v));
	cv_case_release(&c);
	snprintf(known_case, 24, "%s", it->case_id);
	return 0;
}

/* Open and type-check one document through a single descriptor. */
static int open_doc(cv_vault *v, cv_typer *mg, cv_file_item *it, int *fdp, int64_t *sizep, int *compressible)
{
	const cv_filetype *ft;
	struct stat sb;
	const char *mime;
	int fd;

	*fdp = -1;
	if (!it->path) {
		/* A note: the text lives in anonymous memory, never on disk. */
		fd = memfd_create("casevault-note", MFD_CLOEXEC);
		if (fd < 0)
			return item_fail(it, CV_ERROR, "cannot hold the note in memory: %s", strerror(errno));
		if (write(fd, it->text, it->text_len) != (ssize_t)it->text_len) {
			close(fd);
			return item_fail(it, CV_ERROR, "cannot hold the note in memory");
		}
		snprintf(it->mime, sizeof(it->mime), "text/plain");
		ft = cv_policy_filetype(v->policy, "text/plain");
		*compressible = ft ? ft->compressible : 1;
		*sizep = (int64_t)it->text_len;
		*fdp = fd;
		return 0;
	}
	fd = open(it->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return item_fail(it, CV_EINVAL, "%s is a symbolic link; file the document it points to", it->path);
		if (errno == ENOENT)
			return item_fail(it, CV_ENOTFOUND, "%s: no such file", it->path);
		return item_fail(it, CV_EINVAL, "cannot read %s: %s", it->path, strerror(errno));
	}
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return item_fail(it, CV_EINVAL, "cannot read %s: %s", it->path, strerror(errno));
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return item_fail(it, CV_EINVAL, "%s is a directory; give the documents inside it", it->path);
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return item_fail(it, CV_EINVAL, "%s is not a regular file (a pipe, device or socket); save it to a file first", it->path);
	}
	if (sb.st_size == 0) {
		close(fd);
		return item_fail(it, CV_EINVAL, "%s is empty; there is nothing to file", it->path);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	mime = cv_typer_mime(mg, fd);
	if (!mime) {
		close(fd);
		return item_fail(it, CV_EINVAL, "cannot tell the type of %s: %s", it->path, cv_typer_error(mg));
	}
	snprintf(it->mime, sizeof(it->mime), "%s", mime);
	ft = cv_policy_filetype(v->policy, it->mime);
	if (!ft) {
		char allowed[160] = "";
		size_t k, len = 0;

		for (k = 0; k < cv_policy_filetype_count(v->policy) && len + 20 < sizeof(allowed); k++)
			len += (size_t)snprintf(allowed + len, sizeof(allowed) - len, "%s%s", k ? ", " : "",
						cv_policy_filetype_at(v->policy, k)->label);
		close(fd);
		return item_fail(it, CV_EREFUSED, "%s is %s, a type the policy does not admit; the vault's policies/filetypes.ini admits %s",
				 it->path, it->mime, allowed);
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return item_fail(it, CV_EINVAL, "cannot read %s: %s", it->path, strerror(errno));
	}
	*compressible = ft->compressible;
	*sizep = (int64_t)sb.st_size;
	*fdp = fd;
	return 0;
}

static const char *ext_for(cv_vault *v, const char *mime)
{
	const cv_filetype *ft = cv_policy_filetype(v->policy, mime);

	return ft ? ft->ext : "bin";
}

static char *default_title(const cv_file_item *it)
{
	if (it->title)
		return strdup(it->title);
	if (it->path) {
		char *copy = strdup(it->path), *b, *t;
		if (!copy)
			return NULL;
		b = basename(copy);
		t = strdup(b);
		free(copy);
		return t;
	} else {
		/* first line of the note, up to 80 bytes */
		size_t len = 0;
		char *t;

		while (len < it->text_len && len < 80 && it->text[len] != '\n' && it->text[len] != '\r')
			len++;
		if (len == 0)
			return strdup("Note");
		t = strndup(it->text, len);
		return t;
	}
}

static int manifest(void *hook, const cv_member_in *m, size_t n, char **json)
{
	group *g = hook;
	json_t *root = json_object(), *recs = json_array();
	size_t i;
	int ok = root && recs;

	if (ok) {
		json_object_set_new(root, "format", json_string("casevault-archive/1"));
		json_object_set_new(root, "archive", json_string(g->file));
		json_object_set_new(root, "case", json_string(g->case_id));
		json_object_set_new(root, "section", json_string(cv_section_name(g->section)));
		json_object_set_new(root, "created", json_string(g->now));
		json_object_set_new(root, "filed_by", json_string(g->v->actor));
		json_object_set_new(root, "policy_hash", json_string(g->policy_hash));
	}
	for (i = 0; ok && i < n; i++) {
		cv_file_item *it = &g->items[g->idx[i]];
		char *title = default_title(it);
		char today[11];
		cv_date d;
		json_t *r = json_object();

		if (!r || !title) {
			free(title);
			json_decref(r);
			ok = 0;
			break;
		}
		if (!it->date && cv_date_today(&d) == 0)
			cv_date_format(&d, today);
		json_object_set_new(r, "id", json_string(it->record_id));
		json_object_set_new(r, "member", json_string(m[i].name));
		json_object_set_new(r, "class", json_string(it->class_name));
		json_object_set_new(r, "title", json_string(title));
		json_object_set_new(r, "event_date", json_string(it->date ? it->date : today));
		json_object_set_new(r, "filed_at", json_string(g->now));
		json_object_set_new(r, "mime", json_string(it->mime));
		json_object_set_new(r, "size", json_integer(m[i].size));
		json_object_set_new(r, "sha256", json_string(m[i].sha256));
		json_array_append_new(recs, r);
		explicit_bzero(title, strlen(title));
		free(title);
	}
	if (ok) {
		json_object_set_new(root, "records", recs);
		recs = NULL;
		*json = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
		ok = *json != NULL;
	}
	json_decref(recs);
	json_decref(root);
	return ok ? 0 : -1;
}

/*
 * Records that fall due together share an archive, so that a purge deletes
 * whole archives and a rewrite is the exception: the key is the class's
 * action and rules, plus the event date when a rule runs from it.  Every
 * other trigger (filing day, case closure, date of birth, last contact) is
 * the same for every record of one case in one call.
 */
static void retention_key(cv_vault *v, const cv_file_item *it, char *out, size_t outlen)
{
	const cv_class *cls = cv_policy_class(v->policy, it->class_name ? it->class_name : "");
	size_t len = 0, k;
	int uses_event = 0;

	out[0] = '\0';
	if (!cls)
		return;
	len += (size_t)snprintf(out + len, outlen - len, "%s", cv_action_name(cls->action));
	for (k = 0; k < cls->nrules && len < outlen; k++) {
		const cv_retention_rule *ru = &cls->rules[k];
		len += (size_t)snprintf(out + len, outlen - len, ";%s+%dy%dm%dd", cv_trigger_name(ru->trigger),
					ru->years, ru->months, ru->days);
		if (ru->trigger == CV_TRIG_EVENT_DATE)
			uses_event = 1;
	}
	if (uses_event && len < outlen)
		snprintf(out + len, outlen - len, "@%s", it->date ? it->date : "today");
}

#define SPOILED "not filed because "

/* The item that failed on its own account (not one spoiled by another). */
static cv_file_item *root_cause(cv_file_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (items[i].status < 0 && strncmp(items[i].error, SPOILED, strlen(SPOILED)))
			return &items[i];
	for (i = 0; i < n; i++)
		if (items[i].status < 0)
			return &items[i];
	return &items[0];
}

static void group_close_fds(group *g)
{
	size_t i;

	if (!g->m)
		return;
	for (i = 0; i < g->n; i++)
		if (g->m[i].fd >= 0) {
			close(g->m[i].fd);
			g->m[i].fd = -1;
		}
}

static void group_fail_case(group *gs, size_t ng, cv_file_item *items, const char *case_id,
			    size_t bad_item, int per_case)
{
	size_t i, j;

	for (i = 0; i < ng; i++) {
		if (per_case && strcmp(gs[i].case_id, case_id))
			continue;
		gs[i].failed = 1;
		group_close_fds(&gs[i]);
		for (j = 0; j < gs[i].n; j++) {
			cv_file_item *it = &items[gs[i].idx[j]];
			if (it->status == 0 && gs[i].idx[j] != bad_item)
				item_fail(it, CV_EREFUSED, SPOILED "another document of the same %s was refused (line %d)",
					  per_case ? "case" : "batch", items[bad_item].line);
		}
	}
}

/* Validate one group's documents; on failure mark its case (or all) failed. */
static int open_group(cv_vault *v, cv_typer *mg, group *gs, size_t ng, size_t gi,
		      cv_file_item *items, int per_case)
{
	group *g = &gs[gi];
	size_t j, ncomp = 0;
	int64_t total = 0, comp = 0;

	for (j = 0; j < g->n; j++) {
		cv_file_item *it = &items[g->idx[j]];
		int c = 0;

		if (open_doc(v, mg, it, &g->m[j].fd, &g->m[j].size, &c) < 0) {
			group_fail_case(gs, ng, items, g->case_id, g->idx[j], per_case);
			return -1;
		}
		total += g->m[j].size;
		if (c) {
			comp += g->m[j].size;
			ncomp++;
		}
	}
	g->compress = total > 0 && comp * 2 >= total;
	(void)ncomp;
	return 0;
}

static int write_group(cv_vault *v, group *g)
{
	char *tmp = NULL, *fin = NULL;
	int r;

	if (asprintf(&tmp, "%s/.tmp-%s", v->archdir, g->file) < 0 ||
	    asprintf(&fin, "%s/%s", v->archdir, g->file) < 0) {
		free(tmp);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	/* Member names use the record ids, allocated once the intent log is committed. */
	for (size_t j = 0; j < g->n; j++) {
		cv_file_item *it = &g->items[g->idx[j]];
		snprintf(g->m[j].name, sizeof(g->m[j].name), "%s.%s", it->record_id, ext_for(v, it->mime));
	}
	if ((r = cv_random_hex(g->key, CV_KEY_LEN)) < 0)
		goto out;
	r = cv_archive_write(v, tmp, g->key, g->compress, g->m, g->n, manifest, g, &g->size, g->sha);
	if (r < 0)
		goto out;
	if (rename(tmp, fin) < 0) {
		r = cv_error(v, CV_ERROR, "cannot move an archive into place: %s%s", strerror(errno), cv_disk_hint(errno));
		unlink(tmp);
		goto out;
	}
	g->written = 1;
	r = cv_keys_wrap(v, g->section, g->key, &g->wrapped, &g->key_gen);
out:
	explicit_bzero(g->key, sizeof(g->key));
	free(tmp);
	free(fin);
	return r;
}

static void unlink_group(cv_vault *v, group *g)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", v->archdir, g->file) >= 0) {
		unlink(p);
		free(p);
	}
	if (asprintf(&p, "%s/.tmp-%s", v->archdir, g->file) >= 0) {
		unlink(p);
		free(p);
	}
	g->written = 0;
}

static int bind_sealed(cv_vault *v, sqlite3_stmt *st, int idx, cv_section s, const char *col,
		       const char *id, const char *val)
{
	unsigned char *b = NULL;
	size_t len = 0;
	char ctx[64];
	int r;

	snprintf(ctx, sizeof(ctx), "records.%s:%s", col, id);
	if ((r = cv_seal_str(v, s, ctx, val, &b, &len)) < 0)
		return r;
	sqlite3_bind_blob(st, idx, b, (int)len, free);
	return 0;
}

static int retention_for(cv_vault *v, group *g, cv_file_item *it, const cv_date *today, char out[11])
{
	const cv_class *cls = cv_policy_class(v->policy, it->class_name);
	cv_date ev = *today, dob, closed;
	/* filing into the case is the latest contact with it */
	cv_retention_facts f = { today, &ev, NULL, NULL, today };
	cv_date res;

	out[0] = '\0';
	if (it->date)
		cv_date_parse(&ev, it->date);
	if (g->child_dob[0] && cv_date_parse(&dob, g->child_dob) == 0)
		f.child_dob = &dob;
	if (g->closed[0] && cv_date_parse(&closed, g->closed) == 0)
		f.case_closed = &closed;
	if (cls && cv_retention_date(&res, cls, &f) == 0)
		cv_date_format(&res, out);
	return 0;
}

static int audit_filing(cv_vault *v, group *gs, size_t ng, cv_file_item *items);

/* Whether any class of the policy has a rule running from trigger t. */
static int policy_uses(const cv_policy *p, cv_trigger t)
{
	size_t i, k;

	for (i = 0; i < cv_policy_class_count(p); i++) {
		const cv_class *c = cv_policy_class_at(p, i);
		for (k = 0; k < c->nrules; k++)
			if (c->rules[k].trigger == t)
				return 1;
	}
	return 0;
}

/*
 * The receipt's signature, made while commit_all writes the rows: signing
 * takes a gpg run and a round trip to gpg-agent (about 12 ms), and the rows
 * need no signature until the receipt's own row is completed, just before
 * COMMIT.  The thread works on a copy of the handle (its own error buffer)
 * and touches nothing but GPGME; the main thread does not use GPGME until it
 * has joined it.  Without a thread the signature is made in line.
 */
typedef struct {
	cv_vault w;               /* private copy of the handle */
	const char *receipt;
	char *sig;                /* gpgme-allocated detached signature */
	size_t siglen;
	int r;
	pthread_t th;
	int threaded;
} signer;

static void *signer_run(void *arg)
{
	signer *sg = arg;

	sg->r = cv_gpg_sign_detached(&sg->w, sg->w.actor_fpr, sg->receipt, strlen(sg->receipt), &sg->sig, &sg->siglen);
	return NULL;
}

static void signer_start(signer *sg, cv_vault *v, const char *receipt)
{
	sg->w = *v;
	sg->w.errmsg[0] = '\0';
	sg->receipt = receipt;
	sg->sig = NULL;
	sg->siglen = 0;
	sg->r = 0;
	sg->threaded = pthread_create(&sg->th, NULL, signer_run, sg) == 0;
}

/* The signature as a string (malloc'd), or the signing error reported on v. */
static int signer_finish(signer *sg, cv_vault *v, char **sig)
{
	*sig = NULL;
	if (sg->threaded) {
		pthread_join(sg->th, NULL);
		sg->threaded = 0;
	} else if (sg->receipt) {
		signer_run(sg);
	}
	sg->receipt = NULL;
	if (sg->r < 0) {
		int r = cv_error(v, sg->r, "%s", sg->w.errmsg);

		explicit_bzero(&sg->w, sizeof(sg->w));
		return r;
	}
	explicit_bzero(&sg->w, sizeof(sg->w));
	*sig = malloc(sg->siglen + 1);
	if (*sig) {
		memcpy(*sig, sg->sig, sg->siglen);
		(*sig)[sg->siglen] = '\0';
	}
	cv_gpg_free(sg->sig);
	sg->sig = NULL;
	return *sig ? 0 : cv_error(v, CV_ERROR, "out of memory");
}

/* Wait for the signer and drop what it made (a commit that failed first). */
static void signer_discard(signer *sg)
{
	if (sg->threaded)
		pthread_join(sg->th, NULL);
	sg->threaded = 0;
	sg->receipt = NULL;
	cv_gpg_free(sg->sig);
	sg->sig = NULL;
	explicit_bzero(&sg->w, sizeof(sg->w));
}

static int commit_all(cv_vault *v, group *gs, size_t ng, cv_file_item *items, const char *now,
		      const char *receipt, signer *sg, char **sigp, const cv_date *today)
{
	sqlite3_stmt *st = NULL, *rst = NULL;
	sqlite3_int64 receipt_id, archive_id;
	size_t i, j;
	int r;

	if ((r = cv_index_begin(v)) < 0) {
		signer_discard(sg);
		return r;
	}
	/* the signature is filled in last, once the signer is done */
	if ((r = cv_index_prepare(v, &st, "INSERT INTO receipts(staff_id, created, body, sig) VALUES(?,?,?,'')")) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, v->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, receipt, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "store the filing receipt");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	receipt_id = sqlite3_last_insert_rowid(v->db);
	for (i = 0; i < ng; i++) {
		group *g = &gs[i];

		if (g->failed)
			continue;
		if ((r = cv_index_prepare(v, &st,
			"INSERT INTO archives(file, case_id, section, key_gen, wrapped_key, compression, size, sha256, receipt_id, created)"
			" VALUES(?,?,?,?,?,?,?,?,?,?)")) < 0)
			goto fail;
		sqlite3_bind_text(st, 1, g->file, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, g->case_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, cv_section_name(g->section), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, g->key_gen);
		sqlite3_bind_text(st, 5, g->wrapped, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, g->compress ? "zstd" : "none", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, g->size);
		sqlite3_bind_text(st, 8, g->sha, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, receipt_id);
		sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = cv_index_dberr(v, "record an archive");
			goto fail;
		}
		sqlite3_finalize(st);
		st = NULL;
		archive_id = sqlite3_last_insert_rowid(v->db);
		for (j = 0; j < g->n; j++) {
			cv_file_item *it = &items[g->idx[j]];
			char *title = default_title(it), ev[11], ret[11];
			cv_date d;

			if (!title) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			if (it->date)
				snprintf(ev, sizeof(ev), "%s", it->date);
			else {
				cv_date_today(&d);
				cv_date_format(&d, ev);
			}
			retention_for(v, g, it, today, ret);
			r = 0;
			if (!rst)
				r = cv_index_prepare(v, &rst,
					"INSERT INTO records(id, seq, case_id, section, class, archive_id, member, mime, size,"
					" title, sha256, event_date, filed_at, filed_by, retain_until, policy_hash)"
					" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
			st = rst;
			if (r == 0) {
				sqlite3_reset(st);
				sqlite3_clear_bindings(st);
				sqlite3_bind_text(st, 1, it->record_id, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 2, strtol(it->record_id + 2, NULL, 10));
				sqlite3_bind_text(st, 3, g->case_id, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 4, cv_section_name(g->section), -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 5, it->class_name, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 6, archive_id);
				sqlite3_bind_text(st, 7, g->m[j].name, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 8, it->mime, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 9, g->m[j].size);
				if ((r = bind_sealed(v, st, 10, g->section, "title", it->record_id, title)) == 0 &&
				    (r = bind_sealed(v, st, 11, g->section, "sha256", it->record_id, g->m[j].sha256)) == 0)
					r = bind_sealed(v, st, 12, g->section, "event_date", it->record_id, ev);
				sqlite3_bind_text(st, 13, now, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 14, v->actor, -1, SQLITE_STATIC);
				if (ret[0])
					sqlite3_bind_text(st, 15, ret, -1, SQLITE_TRANSIENT);
				else
					sqlite3_bind_null(st, 15);
				sqlite3_bind_text(st, 16, cv_policy_hash(v->policy), -1, SQLITE_STATIC);
			}
			explicit_bzero(title, strlen(title));
			free(title);
			if (r < 0)
				goto fail;
			if (sqlite3_step(st) != SQLITE_DONE) {
				r = cv_index_dberr(v, "record a document");
				goto fail;
			}
			st = NULL;  /* rst stays prepared for the next row */
		}
	}
	sqlite3_finalize(rst);
	rst = NULL;
	if ((r = cv_index_exec(v, "DELETE FROM pending")) < 0)
		goto fail;
	/* the case's last contact moved: dates that run from it move too */
	if (policy_uses(v->policy, CV_TRIG_LAST_CONTACT))
		for (i = 0; i < ng; i++) {
			size_t k;
			int seen = 0;

			for (k = 0; k < i; k++)
				if (!gs[k].failed && !strcmp(gs[k].case_id, gs[i].case_id))
					seen = 1;
			if (!gs[i].failed && !seen &&
			    (r = cv_retention_recompute_tx(v, gs[i].case_id, 1u << CV_TRIG_LAST_CONTACT, NULL, NULL)) < 0)
				goto fail;
		}
	if ((r = audit_filing(v, gs, ng, items)) < 0)
		goto fail;
	if ((r = signer_finish(sg, v, sigp)) < 0)
		goto fail;
	if ((r = cv_index_prepare(v, &st, "UPDATE receipts SET sig = ? WHERE id = ?")) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, *sigp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, receipt_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "store the filing receipt");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	cv_crashpoint("filing-before-commit");
	return cv_index_commit(v);
fail:
	if (st != rst)
		sqlite3_finalize(st);
	sqlite3_finalize(rst);
	cv_index_rollback(v);
	signer_discard(sg);  /* the first error stands */
	return r;
}

/* One event for the call: the case(s) and every record id filed. */
static int audit_filing(cv_vault *v, group *gs, size_t ng, cv_file_item *items)
{
	size_t i, j, len = 0, cap = 256;
	char *ids = malloc(cap);
	int r;

	if (!ids)
		return cv_error(v, CV_ERROR, "out of memory");
	ids[0] = '\0';
	for (i = 0; i < ng; i++) {
		if (gs[i].failed)
			continue;
		for (j = 0; j <= gs[i].n; j++) {
			const char *id = j == 0 ? gs[i].case_id : items[gs[i].idx[j - 1]].record_id;
			size_t need = strlen(id) + 2;

			if (j == 0 && strstr(ids, id))
				continue;
			if (len + need >= cap) {
				char *n2 = realloc(ids, cap = (cap + need) * 2);
				if (!n2) {
					free(ids);
					return cv_error(v, CV_ERROR, "out of memory");
				}
				ids = n2;
			}
			len += (size_t)sprintf(ids + len, "%s%s", len ? " " : "", id);
		}
	}
	r = cv_audit(v, "file", 0, ids);
	free(ids);
	return r;
}

static char *receipt_json(cv_vault *v, group *gs, size_t ng, const char *now)
{
	json_t *root = json_object(), *arr = json_array();
	char *s = NULL;
	size_t i;

	if (!root || !arr)
		goto out;
	json_object_set_new(root, "format", json_string("casevault-receipt/1"));
	json_object_set_new(root, "staff", json_string(v->actor));
	json_object_set_new(root, "fpr", json_string(v->actor_fpr));
	json_object_set_new(root, "created", json_string(now));
	{
		/* the signature also anchors the audit trail as it stands */
		long seq;
		char hash[65];

		if (cv_audit_head(v, &seq, hash) == 0 && seq > 0) {
			json_object_set_new(root, "audit_seq", json_integer(seq));
			json_object_set_new(root, "audit_hash", json_string(hash));
		}
	}
	for (i = 0; i < ng; i++) {
		json_t *a;

		if (gs[i].failed)
			continue;
		a = json_object();
		json_object_set_new(a, "file", json_string(gs[i].file));
		json_object_set_new(a, "sha256", json_string(gs[i].sha));
		json_object_set_new(a, "size", json_integer(gs[i].size));
		json_array_append_new(arr, a);
	}
	json_object_set_new(root, "archives", arr);
	arr = NULL;
	s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(arr);
	json_decref(root);
	return s;
}

static int begin_pending(cv_vault *v, group *gs, size_t ng, cv_file_item *items, const char *now)
{
	sqlite3_stmt *st = NULL;
	size_t i, j;
	long seq;
	int r;

	long want = 0;

	for (i = 0; i < ng; i++)
		if (!gs[i].failed)
			want += (long)gs[i].n;
	if ((r = cv_index_begin(v)) < 0)
		return r;
	/* one block of record ids, in filing order */
	if (want > 0 && (r = cv_index_next_ids(v, "record", want, &seq)) < 0)
		goto fail;
	if ((r = cv_index_prepare(v, &st, "INSERT INTO pending(file, created) VALUES(?, ?)")) < 0)
		goto fail;
	for (i = 0; i < ng; i++) {
		if (gs[i].failed)
			continue;
		if ((r = cv_random_hex(gs[i].file, 16)) < 0)
			goto fail;
		strcat(gs[i].file, ".pgp");
		for (j = 0; j < gs[i].n; j++)
			snprintf(items[gs[i].idx[j]].record_id, sizeof(items[0].record_id), "R-%06ld", seq++);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, gs[i].file, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = cv_index_dberr(v, "start the filing");
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return cv_index_commit(v);
fail:
	sqlite3_finalize(st);
	cv_index_rollback(v);
	return r;
}

static void clear_pending(cv_vault *v)
{
	cv_index_exec(v, "DELETE FROM pending");
}

/*
 * The archive writers.  Each archive costs a gpg process or two and an
 * fsync, and type detection costs CPU: a few workers keep both cores and the
 * disk busy.  A unit of work is one case (import mode: its groups succeed or
 * fail together, and only its worker touches them) or one group.  Workers
 * run on a private copy of the handle, so that error messages do not race;
 * they read the policy and the unlocked keys and never touch the index.
 */
typedef struct {
	cv_vault *v;
	group *gs;
	size_t ng;
	cv_file_item *items;
	size_t n;
	int per_case;
	cv_progress_fn progress;
	void *hook;
	cv_helper **helpers;      /* one per worker, entries may be NULL */
	size_t nhelpers;
	size_t started;           /* workers that have taken their helper */
	pthread_mutex_t mu;
	size_t next;              /* next group index to consider */
	size_t done;
	int fatal;                /* all-or-nothing mode: first failure */
	char fatal_msg[512];
} pool;

static void pool_fail_case(pool *p, cv_vault *w, const char *case_id)
{
	size_t j;

	for (j = 0; j < p->ng; j++)
		if (!strcmp(p->gs[j].case_id, case_id) && p->gs[j].written)
			unlink_group(w, &p->gs[j]);
}

static void *pool_worker(void *arg)
{
	pool *p = arg;
	cv_vault w = *p->v;        /* private copy: own error buffer */
	cv_typer *mg = NULL;
	size_t gi, j;

	w.errmsg[0] = '\0';
	pthread_mutex_lock(&p->mu);
	w.helper = p->started < p->nhelpers ? p->helpers[p->started] : NULL;
	p->started++;
	pthread_mutex_unlock(&p->mu);
	if (p->per_case && cv_typer_new(&mg, w.errmsg, sizeof(w.errmsg)) < 0) {
		pthread_mutex_lock(&p->mu);
		p->fatal = CV_ERROR;
		snprintf(p->fatal_msg, sizeof(p->fatal_msg), "%s", w.errmsg);
		pthread_mutex_unlock(&p->mu);
		return NULL;
	}
	for (;;) {
		const char *unit_case;

		/* Take the next unit: a group whose case nobody has taken yet. */
		pthread_mutex_lock(&p->mu);
		while (p->next < p->ng && (p->gs[p->next].failed || p->gs[p->next].taken))
			p->next++;
		if (p->fatal || p->next >= p->ng) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		gi = p->next++;
		unit_case = p->gs[gi].case_id;
		for (j = gi; j < p->ng; j++)
			if (j == gi || (p->per_case && !strcmp(p->gs[j].case_id, unit_case)))
				p->gs[j].taken = 1;
		pthread_mutex_unlock(&p->mu);

		for (j = gi; j < p->ng; j++) {
			group *g = &p->gs[j];
			int r;

			if (j != gi && !(p->per_case && !strcmp(g->case_id, unit_case)))
				continue;
			if (g->failed)
				continue;
			if (p->per_case && open_group(&w, mg, p->gs, p->ng, j, p->items, 1) < 0) {
				pool_fail_case(p, &w, unit_case);
				break;
			}
			r = write_group(&w, g);
			group_close_fds(g);
			if (r < 0) {
				size_t k;

				if (!p->per_case) {
					pthread_mutex_lock(&p->mu);
					if (!p->fatal) {
						p->fatal = r;
						snprintf(p->fatal_msg, sizeof(p->fatal_msg), "%s", w.errmsg);
					}
					pthread_mutex_unlock(&p->mu);
					break;
				}
				for (k = 0; k < g->n; k++)
					item_fail(&p->items[g->idx[k]], r, "%s", w.errmsg);
				group_fail_case(p->gs, p->ng, p->items, g->case_id, g->idx[0], 1);
				pool_fail_case(p, &w, unit_case);
				break;
			}
			cv_crashpoint("filing-archive");
			pthread_mutex_lock(&p->mu);
			p->done += g->n;
			if (p->progress)
				p->progress(p->hook, p->done, p->n);
			pthread_mutex_unlock(&p->mu);
		}
	}
	cv_typer_free(mg);
	explicit_bzero(&w, sizeof(w));
	return NULL;
}

/* How many writers for ng groups: twice the cores, since gpg start-up and fsync leave a core idle otherwise. */
static size_t pool_size(size_t ng)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nw = cpus > 0 ? (size_t)cpus * 2 : 2;

	if (getenv("CASEVAULT_WORKERS") && atoi(getenv("CASEVAULT_WORKERS")) > 0)
		nw = (size_t)atoi(getenv("CASEVAULT_WORKERS"));  /* tuning and benchmarks */
	if (nw > CV_MAX_WORKERS)
		nw = CV_MAX_WORKERS;
	if (nw > ng)
		nw = ng;
	return nw;
}

static int run_pool(cv_vault *v, group *gs, size_t ng, cv_file_item *items, size_t n,
		    int per_case, cv_helper **helpers, size_t nhelpers,
		    cv_progress_fn progress, void *hook)
{
	pthread_t th[CV_MAX_WORKERS];
	pool p;
	size_t nw, i, started = 0;

	memset(&p, 0, sizeof(p));
	p.v = v;
	p.gs = gs;
	p.ng = ng;
	p.items = items;
	p.n = n;
	p.per_case = per_case;
	p.progress = progress;
	p.hook = hook;
	p.helpers = helpers;
	p.nhelpers = nhelpers;
	pthread_mutex_init(&p.mu, NULL);
	nw = pool_size(ng);
	for (i = 0; i < nw; i++)
		if (pthread_create(&th[i], NULL, pool_worker, &p) == 0)
			started++;
	if (started == 0 && ng > 0)
		pool_worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.mu);
	if (p.fatal)
		return cv_error(v, p.fatal, "%s", p.fatal_msg);
	return 0;
}

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
#define NO_DUP ((size_t)-1)

typedef struct {
	char id[16];
	int64_t size;
	char sha[65];
} known_doc;

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
static int known_docs(cv_vault *v, sqlite3_stmt *st, const char *case_id, cv_section s, const int64_t *sz,
		      const size_t *list, size_t nl, known_doc **out, size_t *nout)
{
	known_doc *k = NULL;
	size_t nk = 0, j;
	int r = 0, rc;

	*out = NULL;
	*nout = 0;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cv_section_name(s), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t size = sqlite3_column_int64(st, 1);
		const char *id = (const char *)sqlite3_column_text(st, 0);
		char ctx[64], *sha = NULL;
		known_doc *nk2;

		for (j = 0; j < nl && sz[list[j]] != size; j++)
			;
		if (j == nl)
			continue;
		snprintf(ctx, sizeof(ctx), "records.sha256:%s", id);
		if ((r = cv_require_key(v, s)) < 0 ||
		    (r = cv_unseal(v, s, ctx, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), &sha, NULL)) < 0)
			break;
		nk2 = realloc(k, (nk + 1) * sizeof(*k));
		if (!nk2) {
			free(sha);
			r = cv_error(v, CV_ERROR, "out of memory");
			break;
		}
		k = nk2;
		snprintf(k[nk].id, sizeof(k[nk].id), "%s", id);
		k[nk].size = size;
		snprintf(k[nk].sha, sizeof(k[nk].sha), "%s", sha);
		free(sha);
		nk++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = cv_index_dberr(v, "look for documents already filed");
	sqlite3_reset(st);
	if (r < 0) {
		free(k);
		return r;
	}
	*out = k;
	*nout = nk;
	return 0;
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
	sqlite3_stmt *st = NULL;
	size_t i, j, k, nl, nkeys = 0, run;
	int r = 0;

	if (!sz || !sha || !list || !keys) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto out;
	}
	if ((r = cv_index_prepare(v, &st, "SELECT id, size, sha256 FROM records WHERE case_id = ? AND section = ?")) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		first[i] = NO_DUP;
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
		if ((r = known_docs(v, st, head->case_id, head->section, sz, list, nl, &kd, &nk)) < 0)
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
						first[a] = first[b] != NO_DUP ? first[b] : b;
					break;
				}
			}
		}
		free(kd);
	}
out:
	sqlite3_finalize(st);
	free(sz);
	free(sha);
	free(list);
	free(keys);
	return r;
}

/* Take a skipped duplicate out of the group that would have filed it. */
static void drop_from_group(group *gs, size_t ng, size_t item)
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
	       "settle_duplicates copies record ids into duplicate_of");

/*
 * After the filing: a repeat names the record its first copy became.  In
 * a check nothing was filed: a repeat of a document that would be filed
 * is skipped, and names only that line.
 */
static void settle_duplicates(cv_file_item *items, size_t n, const size_t *first, int check_only)
{
	size_t i;

	for (i = 0; first && i < n; i++) {
		const cv_file_item *f;

		if (first[i] == NO_DUP)
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
			item_fail(&items[i], f->status < 0 ? f->status : CV_EREFUSED,
				  SPOILED "it is the same document as line %d, which was not filed", f->line);
	}
}

int cv_file(cv_vault *v, cv_file_item *items, size_t n, int flags,
	    cv_progress_fn progress, void *hook, size_t *nfiled)
{
	int per_case = flags & CV_FILE_PER_CASE, check_only = flags & CV_FILE_CHECK_ONLY;
	group *gs = NULL;
	size_t ng = 0, i, j, filed = 0;
	cv_typer *mg = NULL;
	cv_helper *helpers[CV_MAX_WORKERS] = { NULL };
	size_t nhelpers = 0;
	char known_case[24] = "";
	cv_date today;
	char now[32], *receipt = NULL, *sig = NULL;
	size_t *first = NULL, nbad;
	signer sg = { .receipt = NULL, .sig = NULL, .threaded = 0 };
	int r = 0, any_bad = 0, need[CV_SECTION_COUNT] = { 0, 0 };

	if (nfiled)
		*nfiled = 0;
	if (n == 0)
		return cv_error(v, CV_EINVAL, "nothing to file");
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	cv_now_iso(now);

	/* 1. Checks that need no document. */
	for (i = 0; i < n; i++) {
		items[i].record_id[0] = '\0';
		items[i].duplicate_of[0] = '\0';
		items[i].duplicate_line = 0;
		if (!items[i].case_id)
			items[i].case_id = "";
		if (items[i].status < 0) {
			/* refused by the caller already (e.g. a malformed CSV line) */
			any_bad = 1;
			continue;
		}
		items[i].error[0] = '\0';
		if (check_meta(v, &items[i], &today, known_case) < 0)
			any_bad = 1;
		else
			need[items[i].section] = 1;
	}
	if (any_bad && !per_case) {
		for (i = 0; i < n; i++)
			if (items[i].status < 0)
				return cv_error(v, items[i].status, "%s%s", items[i].error,
						n > 1 ? "; nothing was filed" : "");
	}
	/* What the caller may file: notes, documents, the child-protection file. */
	{
		int want[CV_ACT_COUNT] = { 0 };

		for (i = 0; i < n; i++) {
			if (items[i].status < 0)
				continue;
			if (items[i].section == CV_SECTION_CP)
				want[CV_ACT_FILE_CP] = 1;
			else if (items[i].path)
				want[CV_ACT_FILE_CASE] = 1;
			else
				want[CV_ACT_FILE_NOTE] = 1;
		}
		for (i = 0; i < CV_ACT_COUNT; i++)
			if (want[i] && (r = cv_authorize(v, (cv_act)i, n == 1 ? items[0].case_id : NULL)) < 0)
				return r;
	}
	/* 2. Group by (case, section); in import mode a bad item spoils its case. */
	gs = calloc(n, sizeof(*gs));
	if (!gs)
		return cv_error(v, CV_ERROR, "out of memory");
	for (i = 0; i < n; i++) {
		group *g = NULL;

		char rkey[sizeof(gs[0].rkey)];

		retention_key(v, &items[i], rkey, sizeof(rkey));
		for (j = 0; j < ng; j++)
			if (!strcmp(gs[j].case_id, items[i].case_id) && gs[j].section == items[i].section &&
			    !strcmp(gs[j].rkey, rkey)) {
				g = &gs[j];
				break;
			}
		if (!g) {
			g = &gs[ng++];
			g->case_id = items[i].case_id;
			g->section = items[i].section;
			snprintf(g->rkey, sizeof(g->rkey), "%s", rkey);
			g->idx = calloc(n, sizeof(size_t));
			if (!g->idx) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto out;
			}
			g->v = v;
			g->items = items;
			g->now = now;
			g->policy_hash = cv_policy_hash(v->policy);
		}
		g->idx[g->n++] = i;
	}
	for (i = 0; i < ng; i++) {
		gs[i].m = calloc(gs[i].n, sizeof(cv_member_in));
		if (!gs[i].m) {
			r = cv_error(v, CV_ERROR, "out of memory");
			goto out;
		}
		for (j = 0; j < gs[i].n; j++)
			gs[i].m[j].fd = -1;
		for (j = 0; j < gs[i].n; j++)
			if (items[gs[i].idx[j]].status < 0) {
				group_fail_case(gs, ng, items, gs[i].case_id, gs[i].idx[j], 1);
				break;
			}
	}
	/*
	 * Encryption helpers (helper.c): forked now, while this process is
	 * single-threaded and small, and before this filing unlocks a section
	 * key.  Without them the writers run gpg themselves.
	 */
	cv_helper_sweep(v);
	if (!check_only && cv_single_threaded()) {
		size_t want = pool_size(ng);

		for (nhelpers = 0; nhelpers < want; nhelpers++)
			if (cv_helper_start(v, &helpers[nhelpers]) < 0)
				break;
	}
	v->errmsg[0] = '\0';
	/* A check unlocks only if the duplicate check must open sealed hashes (known_docs). */
	for (i = 0; i < CV_SECTION_COUNT && !check_only; i++)
		if (need[i] && (r = cv_require_key(v, (cv_section)i)) < 0)
			goto out;
	for (i = 0; i < ng && !check_only; i++) {
		cv_case c;

		if (gs[i].failed)
			continue;
		if (cv_case_fetch(v, &c, gs[i].case_id, 1) == 0) {
			snprintf(gs[i].child_dob, sizeof(gs[i].child_dob), "%s", c.child_dob);
			snprintf(gs[i].closed, sizeof(gs[i].closed), "%s", c.closed);
			cv_case_release(&c);
		}
	}
	/* Documents already filed in their case: refused, or skipped in import mode. */
	if (!(flags & CV_FILE_ALLOW_DUPLICATES)) {
		first = calloc(n, sizeof(*first));
		if (!first) {
			r = cv_error(v, CV_ERROR, "out of memory");
			goto out;
		}
		if ((r = find_duplicates(v, items, n, first)) < 0)
			goto out;
		for (i = 0; i < n; i++) {
			const cv_file_item *it = &items[i];

			if (!it->duplicate_of[0] && first[i] == NO_DUP)
				continue;
			if (per_case) {
				drop_from_group(gs, ng, i);
				continue;
			}
			if (it->duplicate_of[0])
				r = cv_error(v, CV_EEXISTS, "%s is already filed in the %s file of %s as %s (the same bytes); nothing was filed; to file a second copy anyway, add --allow-duplicate",
					     it->path, it->section == CV_SECTION_CP ? "child-protection" : "case",
					     it->case_id, it->duplicate_of);
			else if (!strcmp(items[first[i]].path, it->path))
				r = cv_error(v, CV_EEXISTS, "%s is given twice; give it once (nothing was filed)", it->path);
			else
				r = cv_error(v, CV_EEXISTS, "%s and %s are the same document; give it once (nothing was filed)",
					     items[first[i]].path, it->path);
			goto out;
		}
	}

	/* Import mode types each case's documents in the writers instead. */
	if ((!per_case || check_only) && cv_typer_new(&mg, v->errmsg, sizeof(v->errmsg)) < 0) {
		r = CV_ERROR;
		goto out;
	}

	/* 3. All or nothing: check every document before writing anything. */
	if (!per_case) {
		for (i = 0; i < ng; i++)
			if (open_group(v, mg, gs, ng, i, items, 0) < 0)
				break;
		for (i = 0; i < n; i++)
			if (items[i].status < 0) {
				cv_file_item *cause = root_cause(items, n);
				r = cv_error(v, cause->status, "%s%s", cause->error,
					     n > 1 ? "; nothing was filed" : "");
				goto out;
			}
	}
	/* A check: every document looked at as a filing would, nothing written. */
	if (check_only) {
		/* every document on its own account, so one pass shows every problem */
		for (i = 0; per_case && i < ng; i++)
			for (j = 0; j < gs[i].n; j++) {
				cv_file_item *it = &items[gs[i].idx[j]];
				int c = 0;

				if (it->status == 0 && open_doc(v, mg, it, &gs[i].m[j].fd, &gs[i].m[j].size, &c) == 0) {
					close(gs[i].m[j].fd);
					gs[i].m[j].fd = -1;
				}
			}
		for (i = 0; per_case && i < ng; i++)
			for (j = 0; j < gs[i].n; j++)
				if (items[gs[i].idx[j]].status < 0 &&
				    strncmp(items[gs[i].idx[j]].error, SPOILED, strlen(SPOILED))) {
					group_fail_case(gs, ng, items, gs[i].case_id, gs[i].idx[j], 1);
					break;
				}
		for (i = 0; i < ng; i++)
			group_close_fds(&gs[i]);
		settle_duplicates(items, n, first, check_only);
		for (i = 0, nbad = 0; i < n; i++)
			nbad += items[i].status < 0;
		r = nbad ? cv_error(v, CV_EREFUSED, "%zu of %zu documents would not be filed; see the report", nbad, n) : 0;
		goto out;
	}

	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		goto out;
	/* What a crash left, if the open found the lock held: commit_all clears pending. */
	if ((r = cv_pending_recover(v)) < 0)
		goto out;
	if ((r = begin_pending(v, gs, ng, items, now)) < 0)
		goto out;
	cv_crashpoint("filing-pending");

	/* 4. Write the archives, several at a time (see run_pool). */
	r = run_pool(v, gs, ng, items, n, per_case, helpers, nhelpers, progress, hook);
	/* the helpers exit (and remove their homes) while the index is written */
	for (i = 0; i < nhelpers; i++)
		cv_helper_release(helpers[i]);
	if (r < 0)
		goto undo;
	if (cv_fsync_dir(v->archdir) < 0) {
		r = cv_error(v, CV_ERROR, "cannot sync the archives directory: %s%s", strerror(errno), cv_disk_hint(errno));
		goto undo;
	}
	for (i = 0; i < ng; i++)
		if (!gs[i].failed)
			filed += gs[i].n;
	if (filed == 0) {
		clear_pending(v);
		settle_duplicates(items, n, first, check_only);
		r = 0;  /* import mode: every document was already filed */
		for (i = 0; i < n; i++)
			if (items[i].status < 0) {
				r = cv_error(v, items[i].status, "%s; nothing was filed", items[i].error);
				break;
			}
		goto out;
	}

	cv_crashpoint("filing-before-sign");
	/* 5. One signed receipt for everything this call wrote, signed while 6 runs. */
	receipt = receipt_json(v, gs, ng, now);
	if (!receipt) {
		r = cv_error(v, CV_ERROR, "out of memory");
		goto undo;
	}
	signer_start(&sg, v, receipt);

	/* 6. Commit. */
	if ((r = commit_all(v, gs, ng, items, now, receipt, &sg, &sig, &today)) < 0)
		goto undo;
	cv_crashpoint("filing-after-commit");
	if (nfiled)
		*nfiled = filed;
	settle_duplicates(items, n, first, check_only);
	for (i = 0, nbad = 0; i < n; i++)
		nbad += items[i].status < 0;
	r = nbad ? cv_error(v, CV_EREFUSED, "%zu of %zu documents were not filed; see the report", nbad, n) : 0;
	goto out;
undo:
	for (i = 0; i < ng; i++)
		if (gs[i].written)
			unlink_group(v, &gs[i]);
	cv_fsync_dir(v->archdir);
	clear_pending(v);
	for (i = 0; i < n; i++)
		if (items[i].status == 0 && !items[i].duplicate_of[0] && !(first && first[i] != NO_DUP)) {
			items[i].status = r;
			snprintf(items[i].error, sizeof(items[i].error), "not filed: %s", cv_vault_errmsg(v));
			items[i].record_id[0] = '\0';
		}
out:
	if (gs) {
		for (i = 0; i < ng; i++) {
			group_close_fds(&gs[i]);
			free(gs[i].idx);
			free(gs[i].m);
			free(gs[i].wrapped);
			explicit_bzero(gs[i].key, sizeof(gs[i].key));
		}
		free(gs);
	}
	for (i = 0; i < n; i++)
		if (items[i].status < 0)
			items[i].record_id[0] = '\0';
	settle_duplicates(items, n, first, check_only);  /* undo: a repeat of a document not filed */
	free(first);
	cv_typer_free(mg);
	for (i = 0; i < nhelpers; i++)
		cv_helper_stop(helpers[i]);
	free(receipt);
	free(sig);
	cv_vault_unlock_writer(v);
	return r;
}
