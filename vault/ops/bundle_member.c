/*
 * casevault - a released member that is not plain text, read whole into
 * memory: its words extracted and checked like a plain-text record's,
 * recorded names and numbers removed from a born-digital PDF, its metadata
 * removed; withheld ones give their words to the fingerprints
 * (docs/legal-rules.md §9-§10; docs/architecture.md, Properties, 5).
 * The formats layer (vault/formats) does the reading and the rewriting.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/handle.h"
#include "formats/formats.h"
#include "ops/bundle.h"
#include "ops/bundle_hints.h"
#include "casevault/redact.h"

int cv_bundle_fail(cv_bundle *b, int code, const char *fmt, ...)
{
	va_list ap;

	if (b->err)
		return b->err;
	va_start(ap, fmt);
	vsnprintf(b->msg, sizeof(b->msg), fmt, ap);
	va_end(ap);
	b->err = code;
	return code;
}

/* Plain text is streamed through the redactor; every other type is read whole. */
int cv_bundle_whole(const char *mime)
{
	size_t n = strcspn(mime, "; ");

	return !(n == 10 && !strncasecmp(mime, "text/plain", 10));
}

static void free_text(char *t, size_t n)
{
	if (t) {
		explicit_bzero(t, n);
		free(t);
	}
}

/* 1 when the text has no word in it (a scan's empty text layer). */
static int no_words(const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)t[i] > ' ')
			return 0;
	return 1;
}

/* The words of a member; a type without extractable text gives none. */
static int member_text(cv_bundle *b, const char *id, const char *mime, const void *buf, size_t n,
		       char **text, size_t *tlen)
{
	char why[160] = "";
	int r;

	*text = NULL;
	*tlen = 0;
	if (!(cv_fmt_caps(mime) & CV_FMT_TEXT))
		return 0;
	/* the type says it has words: any failure to read them fails closed */
	if ((r = cv_fmt_text(mime, buf, n, text, tlen, why, sizeof(why))) < 0)
		return cv_bundle_fail(b, CV_EREFUSED, "record %s cannot be read as %s (%s), so it cannot be checked; decide on it: --withhold, or attach a copy casevault can read",
				      id, mime, why);
	return 0;
}

/* Withheld text and titles must not reappear in what goes out (docs/legal-rules.md §8). */
static int check_withheld(cv_bundle *b, const cv_sitem *s, const char *text, size_t tlen)
{
	char **m = NULL;
	size_t nm = 0;
	int r;

	if (cv_fprint_scan_text(b->fp, text, tlen))
		return cv_bundle_fail(b, CV_EREFUSED, "record %s contains text of a withheld record; decide on it: --withhold, or attach a redacted copy",
				      s->src_id);
	if ((r = cv_redactor_matches(b->withheld, text, tlen, &m, &nm)) < 0)
		return cv_bundle_fail(b, CV_EREFUSED, "record %s holds text casevault cannot search (NUL bytes); decide on it: --withhold, or attach a redacted copy",
				      s->src_id);
	cv_redactor_matches_free(m, nm);
	if (nm)
		return cv_bundle_fail(b, CV_EREFUSED, "record %s names or quotes a withheld record (its title or text); decide on it: --withhold, or attach a redacted copy",
				      s->src_id);
	return 0;
}

/*
 * Recorded names and numbers in a member's words: removed from a
 * born-digital PDF (the text itself, then read again to prove it gone),
 * refused in any other type (docs/legal-rules.md §9).  *doc: the PDF
 * without them, or NULL when there was nothing to remove.
 */
static int remove_terms(cv_bundle *b, const cv_sitem *s, const void *buf, size_t n, const char *text,
			size_t tlen, void **doc, size_t *dlen)
{
	char **m = NULL, *t2 = NULL, why[160] = "";
	size_t nm = 0, hits = 0, t2len = 0;
	int r;

	*doc = NULL;
	if ((r = cv_redactor_matches(b->red, text, tlen, &m, &nm)) < 0)
		return cv_bundle_fail(b, CV_EREFUSED, "record %s holds text casevault cannot search (NUL bytes); decide on it: --withhold, or attach a redacted copy",
				      s->src_id);
	if (!nm)
		return 0;
	if (!(cv_fmt_caps(s->src_mime) & CV_FMT_REDACT)) {
		cv_redactor_matches_free(m, nm);
		return cv_bundle_fail(b, CV_EREFUSED, "record %s (%s) holds a third party's or volunteer's details and casevault cannot remove text from this type; decide on it: --withhold, or attach a redacted copy",
				      s->src_id, s->src_mime);
	}
	r = cv_fmt_redact(s->src_mime, buf, n, (const char *const *)m, nm, doc, dlen, &hits, why, sizeof(why));
	cv_redactor_matches_free(m, nm);
	if (r == 0 && (r = cv_fmt_text(s->src_mime, *doc, *dlen, &t2, &t2len, why, sizeof(why))) == 0) {
		r = cv_redactor_matches(b->red, t2, t2len, &m, &nm);
		cv_redactor_matches_free(m, nm);
		free_text(t2, t2len);
		if (r == 0 && nm)
			snprintf(why, sizeof(why), "%zu term%s still there after redaction", nm, nm == 1 ? "" : "s");
	}
	if (r < 0 || nm) {
		free(*doc);
		*doc = NULL;
		return cv_bundle_fail(b, CV_EREFUSED, "record %s: casevault could not remove a third party's or volunteer's details from it (%s); decide on it: --withhold, or attach a redacted copy",
				      s->src_id, why);
	}
	return 0;
}

/* Its metadata removed; a type casevault cannot clean goes out only by a recorded decision (docs/legal-rules.md §10). */
static int clean_member(cv_bundle *b, const cv_sitem *s, const void *buf, size_t n, void **out, size_t *outlen)
{
	char why[160] = "";

	if (!(cv_fmt_caps(s->src_mime) & CV_FMT_CLEAN)) {
		if (s->it.is_default || (s->it.decision != CV_DEC_RELEASE && s->it.decision != CV_DEC_COPY))
			return cv_bundle_fail(b, CV_EREFUSED, "record %s is a %s file casevault cannot remove metadata from, so it goes out only by a recorded decision; decide on it: --release after checking it, --withhold, or attach a copy",
					      s->src_id, s->src_mime);
		return 0;
	}
	if (cv_fmt_clean(s->src_mime, buf, n, out, outlen, why, sizeof(why)) < 0)
		return cv_bundle_fail(b, CV_EREFUSED, "record %s: casevault cannot remove its metadata (%s); decide on it: --withhold, or attach a copy",
				      s->src_id, why);
	return 0;
}

/*
 * A released member read whole: checked, cleaned.  *out: the bytes to
 * write, or NULL to write buf as it is (a type casevault cannot clean,
 * released by a recorded decision).
 */
int cv_bundle_member(cv_bundle *b, const cv_sitem *s, const void *buf, size_t n, void **out, size_t *outlen)
{
	char *text = NULL;
	size_t tlen = 0, dlen = 0;
	void *doc = NULL;
	int r;

	*out = NULL;
	*outlen = 0;
	if ((r = member_text(b, s->src_id, s->src_mime, buf, n, &text, &tlen)) < 0)
		return r;
	/* automatic redaction cannot see the words of a scan (docs/legal-rules.md §9) */
	if (no_words(text, tlen) && s->it.decision == CV_DEC_REDACT && b->people) {
		free_text(text, tlen);
		return cv_bundle_fail(b, CV_EREFUSED, "record %s has no text casevault can read (a scan?) and other people are recorded on the case; decide on it: --release after looking at it, --withhold, or attach a redacted copy",
				      s->src_id);
	}
	r = check_withheld(b, s, text ? text : "", tlen);
	if (r == 0 && s->check_terms)
		r = remove_terms(b, s, buf, n, text ? text : "", tlen, &doc, &dlen);
	free_text(text, tlen);
	if (r < 0)
		return r;
	r = clean_member(b, s, doc ? doc : buf, doc ? dlen : n, out, outlen);
	if (r == 0 && !*out && doc) {
		*out = doc;
		*outlen = dlen;
		doc = NULL;
	}
	free(doc);
	return r;
}

/* A withheld member that is not plain text: its words into the fingerprints (docs/legal-rules.md §8). */
int cv_bundle_member_fingerprint(cv_bundle *b, const cv_sitem *s, const void *buf, size_t n)
{
	char *text = NULL, why[160] = "";
	size_t tlen = 0;
	int r = 0;

	/* its bytes are the filed ones, but its words cannot be read: noted, not fatal (bundle_unread.c) */
	if ((cv_fmt_caps(s->it.mime) & CV_FMT_TEXT) && cv_fmt_text(s->it.mime, buf, n, &text, &tlen, why, sizeof(why)) < 0) {
		cv_bundle_unread_mark(b, s, 'f', "it cannot be read as %s: %s", s->it.mime, why);
		return 0;
	}
	if (text)
		cv_bundle_hints_learn(b->hints, s, text, tlen);
	if (text && cv_fprint_add(b->fp, text, tlen) < 0)
		r = cv_bundle_fail(b, CV_ERROR, "out of memory");
	cv_fprint_add_end(b->fp);
	free_text(text, tlen);
	return r;
}
