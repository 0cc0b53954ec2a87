/*
 * casevault - shortening a title without leaving part of a word: a cut
 * inside a word can leave a fragment of a recorded name that redaction
 * does not recognise (docs/legal-rules.md §7, §10).
 */
#ifndef CV_BASE_TEXTCUT_H
#define CV_BASE_TEXTCUT_H

#include <stddef.h>

/*
 * How many of the len bytes at s to keep so that at most max remain and
 * the cut falls between words (at white space; trailing white space and
 * punctuation dropped): len when it fits, 0 when the first word alone is
 * longer than max.  White space is ASCII, so the cut is UTF-8 safe.
 */
size_t cv_text_cut_word(const char *s, size_t len, size_t max);
/* (A cut on a UTF-8 character boundary alone: cv_text_cut, casevault/text.h.) */

#endif
