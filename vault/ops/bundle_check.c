/*
 * casevault - the bundle's fail-closed check (docs/legal-rules.md §7-§11;
 * docs/architecture.md, Properties, 5): the ZIP is read back from a pipe
 * carrying exactly the bytes written - to the file (decrypted with its
 * passphrase) or to gpg - and every text member searched for withheld
 * text, withheld titles and redaction terms.  Any hit, any unexpected member, any entry time
 * other than the bundle's, and the bundle is deleted.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "base/handle.h"
#include "crypto/seal.h"
#include "formats/formats.h"
#include "ops/bundle.h"
#include "ops/bundle_hints.h"
#include "rules/redpolicy.h"

static int chk_fail(cv_bundle_checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int chk_fail(cv_bundle_checker *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->err = CV_EREFUSED;
	return -1;
}

/* One member being checked: what it is and which searches it gets. */
typedef struct {
	cv_sitem *s;            /* a released record, or NULL */
	int letter, meta;
	int terms, pats;
	char what[64];
} chk_member;

/*
 * A Unicode direction control (U+202A-U+202E embeddings and overrides,
 * U+2066-U+2069 isolates) in UTF-8: its code point, or 0.  c->bidi carries
 * the last two bytes from one piece of a member to the next.
 */
static unsigned bidi_find(cv_bundle_checker *c, const unsigned char *p, size_t n)
{
	unsigned x0 = c->bidi[0], x1 = c->bidi[1];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned x = p[i];

		if (x0 == 0xE2 && ((x1 == 0x80 && x >= 0xAA && x <= 0xAE) || (x1 == 0x81 && x >= 0xA6 && x <= 0xA9)))
			return 0x2000 | (x1 & 0x3F) << 6 | (x & 0x3F);
		x0 = x1;
		x1 = x;
	}
	c->bidi[0] = (unsigned char)x0;
	c->bidi[1] = (unsigned char)x1;
	return 0;
}

/* Search a piece of a member's text (streamed, or extracted whole). */
static int scan_chunk(cv_bundle_checker *c, const chk_member *m, const void *buf, size_t n)
{
	cv_bundle *b = c->b;
	unsigned bidi = bidi_find(c, buf, n);

	/* it can make a title read as another file's name, or text run backwards (docs/legal-rules.md §11) */
	if (bidi)
		return chk_fail(c, "%s holds a Unicode direction control (U+%04X), which can reorder or hide what it shows; the bundle was deleted: attach a copy without it, or withhold it",
				m->what, bidi);
	if (cv_fprint_scan(b->fp, buf, n))
		return chk_fail(c, "%s contains text of a withheld record; the bundle was deleted: withhold it or attach a redacted copy", m->what);
	cv_redactor_feed(b->withheld, buf, n, NULL, NULL);
	cv_bundle_hints_feed(b->hints, m->s, buf, n);
	if (m->terms)
		cv_redactor_feed(m->pats ? b->cred : b->names, buf, n, NULL, NULL);
	return 0;
}

/* The end of a member's text: what the searches found (h: their hits before it). */
static void scan_end(cv_bundle_checker *c, const chk_member *m, const size_t h[3])
{
	cv_bundle *b = c->b;
	char hint[256];
	/* at the end of every member, even a failed one: it resets for the next */
	int hinted = cv_bundle_hints_end(b->hints, m->s, b->rel, b->nrel, hint, sizeof(hint));

	cv_fprint_scan_end(b->fp);
	cv_redactor_finish(b->withheld, NULL, NULL);
	if (m->terms)
		cv_redactor_finish(m->pats ? b->cred : b->names, NULL, NULL);
	if (c->err)
		return;
	if (cv_redactor_hits(b->withheld) != h[0])
		chk_fail(c, "%s names or quotes a withheld record (its title or text); the bundle was deleted", m->what);
	else if (cv_redactor_hits(b->cred) != h[1] || cv_redactor_hits(b->names) != h[2])
		chk_fail(c, "%s still contains a redaction term (a third party's or volunteer's details); the bundle was deleted", m->what);
	else if (hinted)
		chk_fail(c, "%s", hint);
}

/* Which member this is; 0, or -1 for a name the bundle must not hold. */
static int classify(cv_bundle_checker *c, struct archive_entry *e, chk_member *m)
{
	cv_bundle *b = c->b;
	const char *name = archive_entry_pathname(e);
	size_t i;

	memset(m, 0, sizeof(*m));
	c->bidi[0] = c->bidi[1] = 0;
	if (!name)
		return chk_fail(c, "a member of the bundle has no name");
	if (archive_entry_mtime(e) != b->mtime || archive_entry_filetype(e) != AE_IFREG)
		return chk_fail(c, "member %.40s of the bundle carries another time or type", name);
	if (!strcmp(name, "letter.txt"))
		m->letter = 1;
	else if (!strcmp(name, "index.html") || !strcmp(name, "index.json"))
		m->meta = 1;
	else
		for (i = 0; i < b->nrel; i++)
			if (!strcmp(b->rel[i]->name, name)) {
				m->s = b->rel[i];
				break;
			}
	if (!m->letter && !m->meta && !m->s)
		return chk_fail(c, "the bundle holds an unexpected member (%.40s)", name);
	/* names in everything but a record released as it is by a recorded decision;
	 * patterns in the index and redacted records; the letter is compared, not searched (check_letter) */
	m->terms = m->meta || (m->s && m->s->check_terms);
	m->pats = m->meta || (m->s && m->s->check_terms);
	if (m->s)
		snprintf(m->what, sizeof(m->what), "record %s (member %s)", m->s->src_id, m->s->name);
	else
		snprintf(m->what, sizeof(m->what), "the %s", m->letter ? "cover letter" : "index");
	return 0;
}

/* A whole member into memory (at most CV_FMT_MAX bytes); *len its size. */
static int read_whole(cv_bundle_checker *c, struct archive *ar, const chk_member *m, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *p = malloc(cap + 1);

	*out = NULL;
	if (!p)
		return chk_fail(c, "out of memory");
	for (;;) {
		la_ssize_t got;

		if (n == cap) {
			char *np = cap >= CV_FMT_MAX ? NULL : realloc(p, cap * 2 + 1);
			if (!np) {
				free(p);
				return chk_fail(c, "%s is too large to check; the bundle was deleted", m->what);
			}
			p = np;
			cap *= 2;
		}
		got = archive_read_data(ar, p + n, cap - n);
		if (got < 0) {
			free(p);
			return chk_fail(c, "cannot read the bundle back: %s", archive_error_string(ar));
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return 0;
}

/*
 * A released member that is not plain text: no metadata left, and its
 * extracted words searched like a text member's (docs/legal-rules.md §9-§10).
 */
static void check_whole(cv_bundle_checker *c, struct archive *ar, const chk_member *m)
{
	const char *mime = m->s->src_mime;
	char *doc = NULL, *text = NULL, why[160] = "";
	size_t n = 0, tlen = 0;
	int caps = cv_fmt_caps(mime);

	if (read_whole(c, ar, m, &doc, &n) < 0)
		return;
	if ((caps & CV_FMT_CLEAN) && cv_fmt_metadata_check(mime, doc, n, why, sizeof(why)) < 0)
		chk_fail(c, "%s still carries metadata (%s); the bundle was deleted", m->what, why);
	else if ((caps & CV_FMT_TEXT) && cv_fmt_text(mime, doc, n, &text, &tlen, why, sizeof(why)) < 0)
		chk_fail(c, "%s cannot be read back as %s (%s); the bundle was deleted", m->what, mime, why);
	else if (text)
		scan_chunk(c, m, text, tlen);
	if (text) {
		explicit_bzero(text, tlen);
		free(text);
	}
	explicit_bzero(doc, n);
	free(doc);
}

/* A text member, streamed through every search. */
static void check_stream(cv_bundle_checker *c, struct archive *ar, const chk_member *m, char *buf)
{
	for (;;) {
		la_ssize_t got = archive_read_data(ar, buf, 65536);
		if (got < 0) {
			chk_fail(c, "cannot read the bundle back: %s", archive_error_string(ar));
			break;
		}
		if (got == 0 || scan_chunk(c, m, buf, (size_t)got) < 0)
			break;
	}
}

/*
 * The letter read back must be exactly the one made: its template is the
 * office's own words and only the values the case put into it were
 * searched, when it was made (bundle_docs.c; docs/legal-rules.md §5).
 */
static void check_letter(cv_bundle_checker *c, struct archive *ar, const chk_member *m)
{
	char *text = NULL;
	size_t n = 0;

	if (read_whole(c, ar, m, &text, &n) < 0)
		return;
	if (n != strlen(c->b->letter) || memcmp(text, c->b->letter, n))
		chk_fail(c, "the cover letter read back is not the one made; the bundle was deleted");
	free(text);
}

/* index.json lists exactly the released members, each once (docs/legal-rules.md §11). */
static void count_index(cv_bundle_checker *c, const char *text)
{
	cv_bundle *b = c->b;
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr), *docs, *d;
	size_t i, j, n = 0;

	docs = root ? json_object_get(root, "documents") : NULL;
	if (!json_is_array(docs)) {
		chk_fail(c, "the bundle's index.json cannot be read back (%s); the bundle was deleted", root ? "no documents" : jerr.text);
		json_decref(root);
		return;
	}
	for (i = 0; i < b->nrel; i++) {
		size_t seen = 0;

		json_array_foreach(docs, j, d) {
			const char *f = json_string_value(json_object_get(d, "file"));
			if (f && !strcmp(f, b->rel[i]->name))
				seen++;
		}
		if (seen != 1) {
			chk_fail(c, "record %s (member %s) appears %zu times in index.json, not once; the bundle was deleted",
				 b->rel[i]->src_id, b->rel[i]->name, seen);
			break;
		}
		n++;
	}
	if (!c->err && json_array_size(docs) != n)
		chk_fail(c, "index.json lists %zu documents, but the bundle holds %zu; the bundle was deleted", json_array_size(docs), n);
	json_decref(root);
}

/* index.json: read whole, searched, and its list of members counted. */
static void check_index(cv_bundle_checker *c, struct archive *ar, const chk_member *m)
{
	char *text = NULL;
	size_t n = 0;

	if (read_whole(c, ar, m, &text, &n) < 0)
		return;
	if (scan_chunk(c, m, text, n) == 0 && strlen(text) == n)
		count_index(c, text);
	else if (!c->err)
		chk_fail(c, "the bundle's index.json holds a NUL byte; the bundle was deleted");
	c->index_seen = 1;
	free(text);
}

/* Read every member of ar and search the text ones. */
static void check_archive(cv_bundle_checker *c, struct archive *ar)
{
	cv_bundle *b = c->b;
	struct archive_entry *e;
	size_t seen = 0;
	char *buf = malloc(65536);
	int r;

	if (!buf) {
		chk_fail(c, "out of memory");
		return;
	}
	while (!c->err && (r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		chk_member m;
		size_t h[3];

		if (classify(c, e, &m) < 0)
			break;
		seen++;
		h[0] = cv_redactor_hits(b->withheld);
		h[1] = cv_redactor_hits(b->cred);
		h[2] = cv_redactor_hits(b->names);
		if (m.s && cv_bundle_whole(m.s->src_mime))
			check_whole(c, ar, &m);
		else if (m.meta && !strcmp(archive_entry_pathname(e), "index.json"))
			check_index(c, ar, &m);
		else if (m.letter)
			check_letter(c, ar, &m);
		else if (m.meta || m.s->src_text)
			check_stream(c, ar, &m, buf);
		else {
			archive_read_data_skip(ar);
			continue;
		}
		scan_end(c, &m, h);
	}
	if (!c->err && r != ARCHIVE_EOF)
		chk_fail(c, "cannot read the bundle back: %s", archive_error_string(ar));
	if (!c->err && seen != b->nrel + 3)
		chk_fail(c, "the bundle holds %zu members, not %zu", seen, b->nrel + 3);
	if (!c->err && !c->index_seen)
		chk_fail(c, "the bundle has no index.json; the bundle was deleted");
	free(buf);
}

/* The pipe, read for libarchive: every byte that passes is hashed (what was checked). */
static la_ssize_t pipe_read(struct archive *a, void *hook, const void **buf)
{
	cv_bundle_checker *c = hook;
	ssize_t n;

	do
		n = read(c->fd, c->buf, sizeof(c->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (a)
			archive_set_error(a, errno, "cannot read the bundle's bytes");
		return -1;
	}
	if (c->md)
		cv_sha256_write(c->md, c->buf, (size_t)n);
	c->bytes += n;
	*buf = c->buf;
	return n;
}

/*
 * The check of a copy of the bundle's bytes, read from a pipe as they are
 * written, in its own thread: the OpenPGP form (the bytes handed to gpg)
 * and the ZIP form (the bytes written to the file, under its passphrase),
 * so that writing and reading back overlap.  c->sha is the SHA-256 of
 * every byte that came through the pipe, c->bytes their number.
 */
void *cv_bundle_check_thread(void *arg)
{
	cv_bundle_checker *j = arg;
	struct archive *ar = archive_read_new();
	const void *p;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	j->md = cv_sha256_new();
	if (!ar || !j->md) {
		chk_fail(j, "out of memory");
	} else {
		archive_read_support_format_zip_streamable(ar);
		if ((j->b->passphrase && archive_read_add_passphrase(ar, j->b->passphrase) != ARCHIVE_OK) ||
		    archive_read_open(ar, j, NULL, pipe_read, NULL) != ARCHIVE_OK)
			chk_fail(j, "cannot read the bundle back: %s", archive_error_string(ar));
		else
			check_archive(j, ar);
	}
	archive_read_free(ar);
	/* keep draining (and hashing) so that the writer never blocks */
	while (pipe_read(NULL, j, &p) > 0)
		;
	if (j->md)
		cv_sha256_final(j->md, j->sha);
	cv_sha256_free(j->md);
	j->md = NULL;
	close(j->fd);
	return NULL;
}
