/*
 * casevault - what search matches in a document, and its sealed word set
 * (docs/commands/search.md, docs/security.md "Search").  One definition
 * of a word for the matcher (ops/search.c), the filing that writes a
 * record's word set (ops/filing_pool.c) and the rebuild of missing rows.
 */
#ifndef CV_OPS_SEARCH_WORDS_H
#define CV_OPS_SEARCH_WORDS_H

#include <stddef.h>
#include <stdint.h>

/* A byte of a word: a letter or digit, or any byte of a non-ASCII character. */
int cv_search_word_byte(unsigned char c);
/*
 * A record's searchable text: what search matches besides its title.
 * Today the words of its document (cv_fmt_text); any other text a record
 * carries (the text of a scan) belongs here, so that the filing, the
 * rebuild and the archive read all match the same words.  *text malloc'd.
 */
int cv_searchable_text(const char *mime, const void *doc, size_t len, char **text, size_t *tl, char *err,
		       size_t errlen);
/*
 * The word set of text: each word once, case-folded as the matcher folds
 * it (ASCII letters), sorted, one a line, padded with empty lines to a
 * power of two of at least 256 bytes so that the sealed size tells little
 * (docs/security.md, Search).  malloc'd, NULL when out of memory.
 */
char *cv_search_wordset(const char *text);
/*
 * The word set of a document of type mime read whole from fd (size bytes),
 * when its bytes hash to sha (the ones filed), with extra's words (a
 * scan's OCR text, docs/ocr.md; NULL: none): NULL when the type has no
 * text, no text comes out, or the bytes differ; the record then has no row
 * and search reads its archive.
 */
char *cv_search_words_fd(const char *mime, int fd, int64_t size, const char sha[65], const char *extra);
/*
 * A copy of a whole document read from fd (size bytes, at most max) with
 * its SHA-256 in sha: a copy, not a mapping, so that a file changed or cut
 * short by its owner while it is filed gives other bytes (caught by the
 * hash), never a SIGBUS.  malloc'd (wipe it), NULL when it cannot be read.
 */
unsigned char *cv_doc_copy(int fd, int64_t size, int64_t max, char sha[65]);
/* Wipe and free a word set. */
void cv_search_words_free(char *words);

#endif
