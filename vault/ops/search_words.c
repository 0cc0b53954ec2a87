/*
 * casevault - a record's searchable text and its word set (search_words.h).
 *
 * The word set is a set: no order, no count, so that it says no more than
 * whether a word is in the document, which is all search asks; the sealed
 * row still tells its padded size (docs/security.md, Search).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/seal.h"
#include "formats/formats.h"
#include "ops/search_words.h"

#define MIN_SET 256

int cv_search_word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/*
 * A note's or a text file's words are its bytes (filing checked them as
 * UTF-8): read here, so that filing a note does not load the document
 * formats module (docs/architecture.md, The document formats module).
 */
int cv_searchable_text(const char *mime, const void *doc, size_t len, char **text, size_t *tl, char *err,
		       size_t errlen)
{
	if (mime && !strcmp(mime, "text/plain")) {
		if (!(*text = malloc(len + 1))) {
			snprintf(err, errlen, "out of memory");
			return CV_ERROR;
		}
		memcpy(*text, doc, len);
		(*text)[len] = '\0';
		*tl = len;
		return 0;
	}
	return cv_fmt_text(mime, doc, len, text, tl, err, errlen);
}

static int by_word(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split copy (already folded) into its words: an array of pointers into it. */
static char **split_words(char *copy, size_t len, size_t *n)
{
	char **w = malloc((len / 2 + 1) * sizeof(*w));
	size_t i;

	*n = 0;
	for (i = 0; w && i < len; i++) {
		if (!copy[i])
			continue;
		w[(*n)++] = &copy[i];
		i += strlen(&copy[i]);
	}
	return w;
}

/* The sorted distinct words, one a line, padded (see search_words.h). */
static char *join_words(char **w, size_t n)
{
	size_t i, len = 0, cap = MIN_SET;
	char *out, *p;

	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(w[i], w[i - 1]))
			len += strlen(w[i]) + 1;
	while (cap < len + 1)
		cap *= 2;
	if (!(out = malloc(cap)))
		return NULL;
	for (i = 0, p = out; i < n; i++)
		if (i == 0 || strcmp(w[i], w[i - 1])) {
			size_t l = strlen(w[i]);

			memcpy(p, w[i], l);
			p[l] = '\n';
			p += l + 1;
		}
	memset(p, '\n', cap - 1 - (size_t)(p - out));
	out[cap - 1] = '\0';
	return out;
}

char *cv_search_wordset(const char *text)
{
	size_t len = strlen(text), n = 0, i;
	char *copy = malloc(len + 1), **w = NULL, *out = NULL;

	if (!copy)
		return NULL;
	for (i = 0; i <= len; i++)
		copy[i] = cv_search_word_byte((unsigned char)text[i]) ? (char)tolower((unsigned char)text[i]) : '\0';
	if ((w = split_words(copy, len, &n))) {
		qsort(w, n, sizeof(*w), by_word);
		out = join_words(w, n);
	}
	free(w);
	explicit_bzero(copy, len);
	free(copy);
	return out;
}

unsigned char *cv_doc_copy(int fd, int64_t size, int64_t max, char sha[65])
{
	unsigned char *buf;
	size_t have = 0;
	ssize_t got = 1;

	if (size < 0 || size > max || !(buf = malloc(size ? (size_t)size : 1)))
		return NULL;
	while (have < (size_t)size && (got = pread(fd, buf + have, (size_t)size - have, (off_t)have)) > 0)
		have += (size_t)got;
	if (have == (size_t)size && cv_sha256_hex(buf, have, sha) == 0)
		return buf;
	explicit_bzero(buf, have);
	free(buf);
	return NULL;
}

/* The whole document from fd into a malloc'd buffer, when it has size bytes hashing to sha. */
static unsigned char *read_doc(int fd, int64_t size, const char sha[65])
{
	char got_sha[65];
	unsigned char *buf = cv_doc_copy(fd, size, (int64_t)CV_FMT_MAX, got_sha);

	if (!buf || !strcmp(got_sha, sha))
		return buf;
	explicit_bzero(buf, (size_t)size);
	free(buf);
	return NULL;
}

/* text followed by extra on a line of its own, in text's place (wiped); 0, or -1 when out of memory. */
static int add_text(char **text, size_t *tl, const char *extra)
{
	char *both;

	if (!extra)
		return 0;
	if (asprintf(&both, "%s\n%s", *text ? *text : "", extra) < 0)
		return -1;
	if (*text) {
		explicit_bzero(*text, *tl);
		free(*text);
	}
	*text = both;
	*tl = strlen(both);
	return 0;
}

char *cv_search_words_fd(const char *mime, int fd, int64_t size, const char sha[65], const char *extra)
{
	unsigned char *doc;
	char *text = NULL, *words = NULL, err[256];
	size_t tl = 0;

	if (!(cv_fmt_caps(mime) & CV_FMT_TEXT) || !(doc = read_doc(fd, size, sha)))
		return NULL;
	if (cv_searchable_text(mime, doc, (size_t)size, &text, &tl, err, sizeof(err)) < 0 && !extra) {
		explicit_bzero(doc, (size_t)size);
		free(doc);
		return NULL;
	}
	if (add_text(&text, &tl, extra) == 0 && text)
		words = cv_search_wordset(text);
	if (text) {
		explicit_bzero(text, tl);
		free(text);
	}
	explicit_bzero(doc, (size_t)size);
	free(doc);
	return words;
}

void cv_search_words_free(char *words)
{
	if (words) {
		explicit_bzero(words, strlen(words));
		free(words);
	}
}
