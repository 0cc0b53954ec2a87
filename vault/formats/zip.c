/*
 * casevault - the zip container of ODT and DOCX documents, read and
 * written with libarchive in memory (docs/architecture.md, Layers:
 * formats).  Every member is read whole but never beyond CV_FMT_MAX in
 * all: a small zip that inflates to gigabytes (a zip bomb) is refused
 * before it fills memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>

#include "casevault/common.h"
#include "formats/formats.h"
#include "formats/fmt.h"

/* A fixed time for every member written (1980-01-01, the zip epoch): a member's time says when it was edited. */
#define ZIP_TIME 315532800

static int bomb(char *err, size_t errlen)
{
	return cv_fmt_fail(err, errlen, CV_EINVAL, "the document inflates to more than %zu MiB (a zip bomb?); "
			   "refuse it", CV_FMT_MAX >> 20);
}

static int read_member(struct archive *a, struct archive_entry *e, GByteArray *data, size_t *total,
		       char *err, size_t errlen)
{
	char chunk[65536];
	la_ssize_t r;

	/* the size the central directory declares: refused before inflating anything */
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (uint64_t)archive_entry_size(e) > CV_FMT_MAX - *total)
		return bomb(err, errlen);
	while ((r = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		*total += (size_t)r;
		if (*total > CV_FMT_MAX)
			return bomb(err, errlen);
		g_byte_array_append(data, (const guint8 *)chunk, (guint)r);
	}
	if (r < 0)
		return cv_fmt_fail(err, errlen, CV_EINVAL, "a part of the document cannot be read (%s)",
				   archive_error_string(a) ? archive_error_string(a) : "damaged or encrypted");
	return 0;
}

int cv_zip_each(const void *buf, size_t n, int (*want)(const char *name), cv_zip_fn fn, void *user,
		char *err, size_t errlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct cv_zip_member m;
	GByteArray *data = g_byte_array_new();
	size_t total = 0;
	int r = ARCHIVE_EOF, rc = 0;

	if (!a)
		rc = cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	/* the central directory, as word processors read it, not the local headers */
	if (rc == 0 && (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
			archive_read_open_memory(a, buf, n) != ARCHIVE_OK))
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "not a readable zip container (%s)",
				 archive_error_string(a) ? archive_error_string(a) : "unknown format");
	while (rc == 0 && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		m.name = archive_entry_pathname(e);
		if (!m.name)
			continue;
		m.is_dir = archive_entry_filetype(e) == AE_IFDIR;
		if (want && !want(m.name))
			continue;
		g_byte_array_set_size(data, 0);
		if (!m.is_dir && (rc = read_member(a, e, data, &total, err, errlen)))
			break;
		m.data = (const char *)data->data;
		m.len = data->len;
		rc = fn(user, &m, err, errlen);
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = cv_fmt_fail(err, errlen, CV_EINVAL, "the zip container is damaged (%s)",
				 archive_error_string(a) ? archive_error_string(a) : "bad header");
	g_byte_array_free(data, TRUE);
	archive_read_free(a);
	return rc;
}

struct cv_zip_writer {
	struct archive *a;
	GByteArray *out;
	int members;
	int plain_first;        /* the first member is stored: its local header made plain at the end */
};

static uint32_t rd32(const guint8 *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const guint8 *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr32(guint8 *p, uint32_t v)
{
	p[0] = (guint8)v;
	p[1] = (guint8)(v >> 8);
	p[2] = (guint8)(v >> 16);
	p[3] = (guint8)(v >> 24);
}

/*
 * libarchive reads a zip from the end record back, so bytes after it (or
 * before the first member: a self-extracting program) go unread and
 * unseen.  The record is the last 22 bytes and its comment.
 */
int cv_zip_ends_clean(const void *buf, size_t n)
{
	const guint8 *p = buf;
	size_t i;

	for (i = n >= 22 ? n - 22 + 1 : 0; i-- > 0 && n - i <= 22 + 0xffff;)
		if (rd32(p + i) == 0x06054b50u)
			return i + 22 + rd16(p + i + 20) == n;
	return 0;
}

/*
 * ODF wants its first member, mimetype, stored with no extra field, so
 * that the type is read at a fixed offset (38) by tools such as file(1);
 * libarchive gives every local header its time and owner extra fields and
 * a data descriptor.  So the first local header loses both (its CRC and
 * sizes written into it), and every later offset moves back by what was
 * removed.  Anything else than libarchive's plain layout (Zip64, a comment)
 * is refused.
 */
static int plain_first(GByteArray *z)
{
	guint8 *p = z->data, *e, *c;
	size_t n = z->len, nlen, xlen, size, cut, cd, i, count;

	if (n < 30 + 22 || rd32(p) != 0x04034b50u || rd16(p + 8) != 0)
		return -1;
	e = p + n - 22;
	nlen = rd16(p + 26);
	xlen = rd16(p + 28);
	size = rd32(p + 22);
	cd = rd32(e + 16);
	count = rd16(e + 10);
	/* a data descriptor of 16 bytes when bit 3 is set */
	cut = xlen + ((rd16(p + 6) & 8) ? 16 : 0);
	if (rd32(e) != 0x06054b50u || rd16(e + 20) || cd + rd32(e + 12) != n - 22 || cd < 30 + nlen + xlen + size + cut - xlen ||
	    ((rd16(p + 6) & 8) && rd32(p + 30 + nlen + xlen + size) != 0x08074b50u))
		return -1;
	c = p + cd;
	if (rd32(c) != 0x02014b50u || rd32(c + 42) != 0 || rd32(c + 20) != size)
		return -1;
	/* the local header as the central one says: no descriptor, its CRC and sizes, no extra field */
	p[6] &= (guint8)~8;
	c[8] &= (guint8)~8;
	memcpy(p + 14, c + 16, 12);
	p[28] = p[29] = 0;
	memmove(p + 30 + nlen, p + 30 + nlen + xlen, size);
	memmove(p + 30 + nlen + size, p + 30 + nlen + xlen + size + cut - xlen, n - (30 + nlen + xlen + size + cut - xlen));
	n -= cut;
	c = p + cd - cut;
	for (i = 0; i < count; i++) {
		if ((size_t)(c - p) + 46 > n || rd32(c) != 0x02014b50u)
			return -1;
		if (i && rd32(c + 42) >= cut)
			wr32(c + 42, rd32(c + 42) - (uint32_t)cut);
		else if (i)
			return -1;
		c += 46 + rd16(c + 28) + rd16(c + 30) + rd16(c + 32);
	}
	wr32(p + n - 22 + 16, (uint32_t)(cd - cut));
	g_byte_array_set_size(z, (guint)n);
	return 0;
}

static la_ssize_t to_memory(struct archive *a, void *user, const void *buf, size_t n)
{
	(void)a;
	g_byte_array_append(((struct cv_zip_writer *)user)->out, buf, (guint)n);
	return (la_ssize_t)n;
}

void cv_zip_writer_free(cv_zip_writer *w)
{
	if (!w)
		return;
	archive_write_free(w->a);
	if (w->out)
		g_byte_array_free(w->out, TRUE);
	free(w);
}

int cv_zip_writer_new(cv_zip_writer **out, char *err, size_t errlen)
{
	cv_zip_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w || !(w->a = archive_write_new())) {
		free(w);
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	}
	w->out = g_byte_array_new();
	if (archive_write_set_format_zip(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(w->a, w, NULL, to_memory, NULL, NULL) != ARCHIVE_OK) {
		cv_fmt_fail(err, errlen, CV_ERROR, "cannot write a zip container (%s)",
			    archive_error_string(w->a));
		cv_zip_writer_free(w);
		return CV_ERROR;
	}
	*out = w;
	return 0;
}

int cv_zip_writer_add(cv_zip_writer *w, const struct cv_zip_member *m, int stored, char *err, size_t errlen)
{
	struct archive_entry *e = archive_entry_new();
	int ok;

	if (!e)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	archive_entry_set_pathname(e, m->name);
	archive_entry_set_filetype(e, m->is_dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, m->is_dir ? 0755 : 0644);
	archive_entry_set_mtime(e, ZIP_TIME, 0);
	archive_entry_set_size(e, m->is_dir ? 0 : (la_int64_t)m->len);
	ok = (stored ? archive_write_zip_set_compression_store(w->a) :
	      archive_write_zip_set_compression_deflate(w->a)) == ARCHIVE_OK &&
		archive_write_header(w->a, e) == ARCHIVE_OK &&
		(m->is_dir || m->len == 0 || archive_write_data(w->a, m->data, m->len) == (la_ssize_t)m->len);
	archive_entry_free(e);
	if (!ok)
		return cv_fmt_fail(err, errlen, CV_ERROR, "cannot write %s to a zip container (%s)",
				   m->name, archive_error_string(w->a));
	if (!w->members++)
		w->plain_first = stored && !m->is_dir && m->len > 0;
	return 0;
}

int cv_zip_writer_finish(cv_zip_writer *w, void **out, size_t *outlen, char *err, size_t errlen)
{
	int rc = 0;

	if (archive_write_close(w->a) != ARCHIVE_OK)
		rc = cv_fmt_fail(err, errlen, CV_ERROR, "cannot finish a zip container (%s)",
				 archive_error_string(w->a));
	if (rc == 0 && w->plain_first && plain_first(w->out) < 0)
		rc = cv_fmt_fail(err, errlen, CV_ERROR, "cannot store the first member of a zip container plainly (an unexpected layout)");
	if (rc == 0) {
		*outlen = w->out->len;
		*out = g_byte_array_free(w->out, FALSE);
		w->out = NULL;
	}
	cv_zip_writer_free(w);
	return rc;
}
