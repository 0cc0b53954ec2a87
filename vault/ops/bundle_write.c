/*
 * casevault - writing the disclosure bundle's ZIP (libarchive): the cover
 * letter and index, then the released records, each archive decrypted once
 * and each member streamed through the redactor straight into the ZIP.
 * Withheld text is streamed into the fingerprints first (bundle.c, step 3).
 * Every member's bytes are checked against the index as they pass
 * (docs/architecture.md, Properties, 1 and 5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "crypto/seal.h"
#include "formats/formats.h"
#include "ops/bundle.h"
#include "ops/bundle_hints.h"
#include "ops/record.h"
#include "rules/redpolicy.h"
#include "store/archive.h"
#include "store/db_disclose.h"
#include "casevault/policy.h"

/* A record to redact holds NUL bytes: the redactor cannot read it (docs/legal-rules.md §9). */
static void not_text(cv_bundle *b, const cv_sitem *s)
{
	cv_bundle_fail(b, CV_EREFUSED, "record %s is not plain 8-bit text (it holds NUL bytes), so casevault cannot redact it; decide on it again (--release, --withhold, or attach a redacted copy)",
	      s->src_id);
}

static la_ssize_t zw_write(struct archive *a, void *hook, const void *buf, size_t len)
{
	cv_bundle *b = hook;

	(void)a;
	if (cv_write_all(b->outfd, buf, len) < 0) {
		archive_set_error(a, errno, "cannot write the bundle");
		return -1;
	}
	if (b->teefd >= 0 && cv_write_all(b->teefd, buf, len) < 0) {
		archive_set_error(a, errno, "the bundle check stopped");
		return -1;
	}
	if (b->md)
		cv_sha256_write(b->md, buf, len);
	b->written += (int64_t)len;
	return (la_ssize_t)len;
}

static int zip_header(cv_bundle *b, const char *name, int64_t size, int compress)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return cv_bundle_fail(b, CV_ERROR, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	/* one time for every member: nothing about a record's history */
	archive_entry_set_mtime(e, b->mtime, 0);
	if (size >= 0)
		archive_entry_set_size(e, size);
	if (compress)
		archive_write_zip_set_compression_deflate(b->zw);
	else
		archive_write_zip_set_compression_store(b->zw);
	r = archive_write_header(b->zw, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return cv_bundle_fail(b, CV_ERROR, "cannot write the bundle: %s", archive_error_string(b->zw));
	return 0;
}

static int zip_data(cv_bundle *b, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		la_ssize_t w = archive_write_data(b->zw, p, len);
		if (w <= 0)
			return cv_bundle_fail(b, CV_ERROR, "cannot write the bundle: %s", archive_error_string(b->zw));
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int zip_mem(cv_bundle *b, const char *name, const char *text)
{
	int r;

	if ((r = zip_header(b, name, (int64_t)strlen(text), 1)) < 0)
		return r;
	return zip_data(b, text, strlen(text));
}

static int red_sink(void *hook, const void *buf, size_t len)
{
	return zip_data(hook, buf, len) < 0 ? -1 : 0;
}

static int member_compress(cv_bundle *b, const cv_sitem *s)
{
	const cv_filetype *ft = cv_policy_filetype(b->v->policy, s->src_mime);

	return (ft && ft->compressible) || s->redact;
}

/* A member that is not plain text is read whole: the formats layer works on a document in memory. */
static int whole_start(cv_bundle *b, int64_t size)
{
	const cv_sitem *s = b->cur;

	if (size < 0 || (uint64_t)size > CV_FMT_MAX)
		return cv_bundle_fail(b, CV_EREFUSED, "record %s is larger than casevault reads whole (%zu MiB), so it cannot be checked; decide on it: --withhold, or attach a smaller copy",
				      b->cur_mode == 1 ? s->src_id : s->it.record_id, CV_FMT_MAX >> 20);
	free(b->cur_buf);
	b->cur_len = 0;
	b->cur_cap = (size_t)size + 1;
	if (!(b->cur_buf = malloc(b->cur_cap)))
		return cv_bundle_fail(b, CV_ERROR, "out of memory");
	return 0;
}

/* The bytes are the filed ones (member_matches says so at the end): never more than recorded. */
static int whole_data(cv_bundle *b, const void *buf, size_t len)
{
	if (len > b->cur_cap - b->cur_len) {
		const cv_sitem *s = b->cur;
		return cv_bundle_fail(b, CV_ECORRUPT, "record %s does not match its recorded hash; nothing was written (run 'casevault verify')",
				      b->cur_mode == 1 ? s->src_id : s->it.record_id);
	}
	memcpy(b->cur_buf + b->cur_len, buf, len);
	b->cur_len += len;
	return 0;
}

/* A whole member, its bytes checked: into the fingerprints, or checked, cleaned and into the ZIP. */
static int whole_end(cv_bundle *b, const cv_sitem *s)
{
	void *out = NULL;
	size_t outlen = 0;
	int r;

	if (b->cur_mode == 2)
		r = cv_bundle_member_fingerprint(b, s, b->cur_buf, b->cur_len);
	else if ((r = cv_bundle_member(b, s, b->cur_buf, b->cur_len, &out, &outlen)) == 0) {
		const void *p = out ? out : b->cur_buf;
		size_t n = out ? outlen : b->cur_len;

		r = zip_header(b, s->name, (int64_t)n, member_compress(b, s));
		if (r == 0)
			r = zip_data(b, p, n);
	}
	if (out) {
		explicit_bzero(out, outlen);
		free(out);
	}
	explicit_bzero(b->cur_buf, b->cur_len);
	b->cur_len = 0;
	return r;
}

/* cv_archive_read callbacks (the reader thread): route each member. */
static int rd_entry(void *hook, const char *name, int64_t size)
{
	cv_bundle *b = hook;
	size_t i;

	(void)size;
	if (b->err)
		return -1;
	b->cur = NULL;
	b->cur_mode = 0;
	/* member names are record ids, unique in the vault */
	for (i = 0; i < b->ns; i++) {
		cv_sitem *s = &b->s[i];
		if (s->done)
			continue;
		if (b->phase == 2 && s->number && !strcmp(name, s->src_member)) {
			b->cur = s;
			b->cur_mode = 1;
			break;
		}
		if (b->phase == 1 && s->fingerprint && !strcmp(name, s->member)) {
			b->cur = s;
			b->cur_mode = 2;
			break;
		}
	}
	if (!b->cur)
		return 0;
	/* a withheld record too large to read whole: noted, skipped (bundle_unread.c) */
	if (b->cur_mode == 2 && cv_bundle_whole(b->cur->it.mime) && (b->cur->size < 0 || (uint64_t)b->cur->size > CV_FMT_MAX)) {
		cv_bundle_unread_mark(b, b->cur, 'l', "it is larger than casevault reads whole, %zu MiB", CV_FMT_MAX >> 20);
		b->cur->done = 1;
		b->cur = NULL;
		return 0;
	}
	if (!(b->cur_md = cv_sha256_new())) {
		cv_bundle_fail(b, CV_ERROR, "cannot start SHA-256");
		return -1;
	}
	b->cur_bytes = 0;
	b->cur_whole = cv_bundle_whole(b->cur_mode == 1 ? b->cur->src_mime : b->cur->it.mime);
	if (b->cur_whole)
		return whole_start(b, b->cur_mode == 1 ? b->cur->src_size : b->cur->size) < 0 ? -1 : 1;
	if (b->cur_mode == 1) {
		cv_sitem *s = b->cur;

		if (zip_header(b, s->name, s->redact ? -1 : s->src_size, member_compress(b, s)) < 0)
			return -1;
	}
	return 1;
}

static int rd_data(void *hook, const void *buf, size_t len)
{
	cv_bundle *b = hook;
	int r;

	if (b->err || !b->cur)
		return -1;
	cv_sha256_write(b->cur_md, buf, len);
	b->cur_bytes += (int64_t)len;
	if (b->cur_whole)
		return whole_data(b, buf, len) < 0 ? -1 : 0;
	if (b->cur_mode == 2)
	if (b->cur_mode == 2)
		cv_bundle_hints_learn(b->hints, b->cur, buf, len);
	if (b->cur_mode == 2)
		return cv_fprint_add(b->fp, buf, len) < 0 ? (cv_bundle_fail(b, CV_ERROR, "out of memory"), -1) : 0;
	if (b->cur->redact) {
		r = cv_redactor_feed(b->red, buf, len, red_sink, b);
		if (r == CV_EINVAL)
			not_text(b, b->cur);
		return r < 0 ? -1 : 0;
	}
	return zip_data(b, buf, len) < 0 ? -1 : 0;
}

/* The bytes of a member must be what was filed: its recorded SHA-256 and size. */
static int member_matches(cv_bundle *b, const cv_sitem *s, const char got[65])
{
	const char *id = b->cur_mode == 2 ? s->it.record_id : s->src_id;
	int sec = b->cur_mode == 2 ? s->it.section : s->src_section;
	char *want = NULL;
	int64_t size = -1;
	int ok;

	/* the index is only read here, from this one thread while the caller waits */
	cv_db_disclose_hash(b->v, id, (cv_section)sec, &want, &size);
	ok = want && !strcmp(want, got) && size == b->cur_bytes;
	free(want);
	if (!ok)
		cv_bundle_fail(b, CV_ECORRUPT, "record %s does not match its recorded hash; nothing was written (run 'casevault verify')", id);
	return ok;
}

static int rd_end(void *hook, const char *name)
{
	cv_bundle *b = hook;
	cv_sitem *s = b->cur;
	char got[65];
	int r = 0;

	(void)name;
	if (!s)
		return 0;
	b->cur = NULL;
	if (b->cur_whole)
		;  /* below, once its bytes are known to be the filed ones */
	else if (b->cur_mode == 2)
		cv_fprint_add_end(b->fp);
	else if (s->redact && (r = cv_redactor_finish(b->red, red_sink, b)) < 0) {
		if (r == CV_EINVAL)
			not_text(b, s);
		r = -1;
	}
	cv_sha256_final(b->cur_md, got);
	cv_sha256_free(b->cur_md);
	b->cur_md = NULL;
	if (r < 0 || !member_matches(b, s, got))
		return -1;
	/* the recorded hash is of the filed bytes, checked before any change */
	if (b->cur_whole && whole_end(b, s) < 0)
		return -1;
	s->done = 1;
	return 0;
}

/* Decrypt one archive and stream what is needed from it. */
static int read_archive(cv_bundle *b, long long aid)
{
	cv_vault *v = b->v;
	cv_db_archive a;
	char got[65], key[CV_KEY_HEX + 1];
	cv_archive_reader rd = { rd_entry, rd_data, rd_end, b };
	int r;

	b->damaged = 0;
	if ((r = cv_db_disclose_archive(v, aid, &a)) < 0)
		return r;
	if (!r)
		return cv_error(v, CV_ECORRUPT, "an archive of request %s's records is missing from the index; run 'casevault verify'", b->req.id);
	/* damaged: a failure of the file itself, not of the keys or the memory (bundle_unread.c) */
	b->damaged = 1;
	snprintf(b->damaged_file, sizeof(b->damaged_file), "%s", a.file);
	if ((r = cv_verify_receipt(v, a.receipt, a.file, a.sha256)) < 0)
		goto out;
	b->damaged = 0;
	if ((r = cv_keys_unwrap(v, a.section, a.key_gen, a.file, a.wrapped_key, key)) < 0)
		goto out;
	r = cv_archive_read(v, a.file, key, &rd, got);
	explicit_bzero(key, sizeof(key));
	b->damaged = b->err ? b->err == CV_ECORRUPT : r < 0 || strcmp(got, a.sha256);
	if (b->err) {
		r = cv_error(v, b->err, "%s", b->msg);
		goto out;
	}
	if (r < 0)
		goto out;
	if (strcmp(got, a.sha256))
		r = cv_error(v, CV_ECORRUPT, "archive %s has been altered (hash mismatch); nothing was written (run 'casevault verify')", a.file);
out:
	free(a.wrapped_key);
	return r;
}

/* Each archive once, in the order of the first record it serves. */
static int read_archives(cv_bundle *b, long long *aids, cv_sitem **items, size_t n, int by_source)
{
	size_t na = 0, i, j;
	int r;

	for (i = 0; i < n; i++) {
		long long aid = by_source ? items[i]->src_archive : items[i]->archive;

		for (j = 0; j < na && aids[j] != aid; j++)
			;
		if (j == na)
			aids[na++] = aid;
	}
	for (i = 0; i < na; i++) {
		r = read_archive(b, aids[i]);
		/* a withheld record's archive that cannot be read is noted, not fatal (bundle_unread.c) */
		if (r < 0 && b->phase == 1 && b->damaged && b->unread) {
			char why[200];

			snprintf(why, sizeof(why), "archive %s: %s", b->damaged_file, cv_vault_errmsg(b->v));
			cv_bundle_unread_archive(b, aids[i], why);
			continue;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Everything into the ZIP writer b->zw (already open). */
int cv_bundle_produce(cv_bundle *b)
{
	long long *aids = calloc(b->ns ? b->ns : 1, sizeof(*aids));
	cv_sitem **fps = calloc(b->ns ? b->ns : 1, sizeof(*fps));
	size_t nfp = 0, i;
	int r;

	if (!aids || !fps) {
		free(aids);
		free(fps);
		return cv_error(b->v, CV_ERROR, "out of memory");
	}
	for (i = 0; i < b->ns; i++)
		if (b->s[i].fingerprint)
			fps[nfp++] = &b->s[i];
	/* a scan's words cannot be read: it needs a decision when others are named (docs/legal-rules.md §9) */
	b->people = cv_people_any(b->v, b->req.case_id) > 0;
	/*
	 * Phase 1: every withheld text into the fingerprints, before a byte of
	 * the ZIP exists (the OpenPGP form checks it while it is written).
	 */
	b->phase = 1;
	r = read_archives(b, aids, fps, nfp, 0);
	free(fps);
	if (r == 0)
		r = cv_bundle_unread_check(b);
	if (r < 0)
		goto out;
	/* Phase 2: the ZIP; each archive once, in the order of the first number it serves. */
	b->phase = 2;
	if (zip_mem(b, "letter.txt", b->letter) < 0 || zip_mem(b, "index.html", b->index_html) < 0 ||
	    zip_mem(b, "index.json", b->index_json) < 0) {
		r = cv_error(b->v, b->err, "%s", b->msg);
		goto out;
	}
	if ((r = read_archives(b, aids, b->rel, b->nrel, 1)) < 0)
		goto out;
	for (i = 0; i < b->ns; i++)
		if ((b->s[i].number || b->s[i].fingerprint) && !b->s[i].done) {
			r = cv_error(b->v, CV_ECORRUPT, "record %s is missing from its archive; nothing was written (run 'casevault verify')",
				     b->s[i].number ? b->s[i].src_id : b->s[i].it.record_id);
			goto out;
		}
	if (archive_write_close(b->zw) != ARCHIVE_OK)
		r = cv_error(b->v, CV_ERROR, "cannot finish the bundle: %s", archive_error_string(b->zw));
out:
	free(aids);
	/* a refused member leaves the last entry open: close it while its file is still there to take the bytes */
	if (r < 0 && b->zw) {
		archive_write_free(b->zw);
		b->zw = NULL;
	}
	if (b->cur_buf) {
		explicit_bzero(b->cur_buf, b->cur_cap);
		free(b->cur_buf);
		b->cur_buf = NULL;
	}
	return r;
}

int cv_bundle_zip_open(cv_bundle *b, int encrypt)
{
	b->zw = archive_write_new();
	if (!b->zw)
		return cv_error(b->v, CV_ERROR, "out of memory");
	if (archive_write_set_format_zip(b->zw) != ARCHIVE_OK ||
	    (encrypt && (archive_write_set_options(b->zw, "zip:encryption=aes256") != ARCHIVE_OK ||
			 archive_write_set_passphrase(b->zw, b->passphrase) != ARCHIVE_OK)) ||
	    archive_write_set_bytes_per_block(b->zw, 0) != ARCHIVE_OK ||
	    archive_write_open(b->zw, b, NULL, zw_write, NULL) != ARCHIVE_OK)
		return cv_error(b->v, CV_ERROR, "cannot start the bundle (AES-256 ZIP): %s", archive_error_string(b->zw));
	return 0;
}

