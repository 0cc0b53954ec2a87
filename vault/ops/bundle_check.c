/*
 * casevault - the bundle's fail-closed check (docs/legal-rules.md §7-§11;
 * docs/architecture.md, Properties, 5): the ZIP is read back - reopened
 * with its passphrase, or from a pipe carrying exactly the bytes handed to
 * gpg - and every text member searched for withheld text, withheld titles
 * and redaction terms.  Any hit, any unexpected member, any entry time
 * other than the bundle's, and the bundle is deleted.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "base/handle.h"
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

/* Read every member of ar and search the text ones. */
static void check_archive(cv_bundle_checker *c, struct archive *ar)
{
	cv_bundle *b = c->b;
	struct archive_entry *e;
	size_t seen = 0, i;
	char *buf = malloc(65536);
	int r;

	if (!buf) {
		chk_fail(c, "out of memory");
		return;
	}
	while (!c->err && (r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		cv_sitem *s = NULL;
		int meta = 0, letter = 0, text, terms, pats;
		const char *what;
		char whatbuf[64];

		if (!name) {
			chk_fail(c, "a member of the bundle has no name");
			break;
		}
		if (archive_entry_mtime(e) != b->mtime || archive_entry_filetype(e) != AE_IFREG) {
			chk_fail(c, "member %.40s of the bundle carries another time or type", name);
			break;
		}
		if (!strcmp(name, "letter.txt"))
			letter = 1;
		else if (!strcmp(name, "index.html") || !strcmp(name, "index.json"))
			meta = 1;
		else
			for (i = 0; i < b->nrel; i++)
				if (!strcmp(b->rel[i]->name, name)) {
					s = b->rel[i];
					break;
				}
		if (!letter && !meta && !s) {
			chk_fail(c, "the bundle holds an unexpected member (%.40s)", name);
			break;
		}
		seen++;
		text = letter || meta || (s && s->src_text);
		/* names in everything but a record released as it is by a recorded decision;
		 * patterns in the index and redacted records (the letter carries the office's own details) */
		terms = letter || meta || (s && s->check_terms);
		pats = meta || (s && s->check_terms);
		if (s)
			snprintf(whatbuf, sizeof(whatbuf), "record %s (member %s)", s->src_id, s->name);
		else
			snprintf(whatbuf, sizeof(whatbuf), "the %s", letter ? "cover letter" : "index");
		what = whatbuf;
		if (!text) {
			archive_read_data_skip(ar);
			continue;
		}
		for (;;) {
			la_ssize_t n = archive_read_data(ar, buf, 65536);
			if (n < 0) {
				chk_fail(c, "cannot read the bundle back: %s", archive_error_string(ar));
				break;
			}
			if (n == 0)
				break;
			if (cv_fprint_scan(b->fp, buf, (size_t)n)) {
				chk_fail(c, "%s contains text of a withheld record; the bundle was deleted: withhold it or attach a redacted copy", what);
				break;
			}
			cv_redactor_feed(b->withheld, buf, (size_t)n, NULL, NULL);
			cv_bundle_hints_feed(b->hints, s, buf, (size_t)n);
			if (terms)
				cv_redactor_feed(pats ? b->cred : b->names, buf, (size_t)n, NULL, NULL);
		}
		cv_fprint_scan_end(b->fp);
		{
			size_t h0 = cv_redactor_hits(b->withheld), h1 = cv_redactor_hits(b->cred), h2 = cv_redactor_hits(b->names);
			char hint[256];
			int hinted = cv_bundle_hints_end(b->hints, s, b->rel, b->nrel, hint, sizeof(hint));

			cv_redactor_finish(b->withheld, NULL, NULL);
			if (terms)
				cv_redactor_finish(pats ? b->cred : b->names, NULL, NULL);
			if (c->err)
				break;
			if (cv_redactor_hits(b->withheld) != h0)
				chk_fail(c, "%s names or quotes a withheld record (its title or text); the bundle was deleted", what);
			else if (cv_redactor_hits(b->cred) != h1 || cv_redactor_hits(b->names) != h2)
				chk_fail(c, "%s still contains a redaction term (a third party's or volunteer's details); the bundle was deleted", what);
			else if (hinted)
				chk_fail(c, "%s", hint);
		}
	}
	if (!c->err && r != ARCHIVE_EOF)
		chk_fail(c, "cannot read the bundle back: %s", archive_error_string(ar));
	if (!c->err && seen != b->nrel + 3)
		chk_fail(c, "the bundle holds %zu members, not %zu", seen, b->nrel + 3);
	free(buf);
}

int cv_bundle_check_file(cv_bundle *b, const char *path)
{
	struct archive *ar = archive_read_new();
	cv_bundle_checker c;

	memset(&c, 0, sizeof(c));
	c.b = b;
	if (!ar)
		return cv_error(b->v, CV_ERROR, "out of memory");
	archive_read_support_format_zip_seekable(ar);
	if (archive_read_add_passphrase(ar, b->passphrase) != ARCHIVE_OK ||
	    archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK) {
		chk_fail(&c, "cannot reopen the bundle: %s", archive_error_string(ar));
	} else {
		check_archive(&c, ar);
	}
	archive_read_free(ar);
	return c.err ? cv_error(b->v, c.err, "%s", c.msg) : 0;
}

/* OpenPGP form: the check reads a copy of the ZIP bytes from a pipe, in its own thread. */
void *cv_bundle_check_thread(void *arg)
{
	cv_bundle_checker *j = arg;
	struct archive *ar = archive_read_new();
	char sink[65536];
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!ar) {
		chk_fail(j, "out of memory");
	} else {
		archive_read_support_format_zip_streamable(ar);
		if (archive_read_open_fd(ar, j->fd, 65536) != ARCHIVE_OK)
			chk_fail(j, "cannot read the bundle back: %s", archive_error_string(ar));
		else
			check_archive(j, ar);
		archive_read_free(ar);
	}
	/* keep draining so that the writer never blocks */
	while (read(j->fd, sink, sizeof(sink)) > 0)
		;
	close(j->fd);
	return NULL;
}
