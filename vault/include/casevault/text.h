/*
 * casevault - text is UTF-8 everywhere (docs/commands/README.md, "Text and
 * JSON").  Every text value is checked where it enters (an option, a line of
 * standard input, a manifest field); text read back from an older vault is
 * shown with U+FFFD in place of bytes that are not UTF-8, never dropped.
 */
#ifndef CASEVAULT_TEXT_H
#define CASEVAULT_TEXT_H

#include <stddef.h>

/* What a text value may hold besides printable UTF-8. */
enum {
	CV_TEXT_LINE = 0,   /* a title, a name, an id: no control character at all */
	CV_TEXT_LINES = 1,  /* a reason, a note's text: tab, newline and carriage return too */
	CV_TEXT_ANY = 2     /* well-formed UTF-8, whatever it holds (a manifest field before its check) */
};

/* Why cv_text_check refused a value. */
enum {
	CV_TEXT_OK = 0,
	CV_TEXT_NOT_UTF8 = 1,  /* a byte that is not part of well-formed UTF-8 */
	CV_TEXT_CONTROL = 2    /* a control character (C0, DEL or C1) the kind does not allow */
};

/*
 * Check len bytes at s.  Returns CV_TEXT_OK or the reason, with *at (if not
 * NULL) the byte offset of the first offending byte.  Well-formed means
 * shortest form, no UTF-16 surrogates, nothing above U+10FFFF.
 */
int cv_text_check(const char *s, size_t len, int kind, size_t *at);
/* The same for a NUL-terminated string (NULL is fine: no text). */
int cv_text_check_str(const char *s, int kind, size_t *at);
/* The reason in words, for a one-line error: "is not UTF-8", "holds a control character". */
const char *cv_text_problem(int reason);

/*
 * A copy of s to show or put in JSON: every byte that is not well-formed
 * UTF-8 becomes U+FFFD, and so does every control character the kind does
 * not allow (CV_TEXT_ANY for JSON, which escapes them; CV_TEXT_LINE on a
 * terminal, so that a title stored before the check cannot drive it).
 * NULL for NULL or when out of memory.
 */
char *cv_text_display(const char *s, int kind);

/* The line (from 1) of the first byte of buf that is not well-formed UTF-8; 0 when there is none. */
int cv_text_bad_line(const char *buf, size_t len);

/* The length of the longest prefix of s, at most max bytes, that does not end inside a character. */
size_t cv_text_cut(const char *s, size_t len, size_t max);

/*
 * Converting text from a declared encoding (import --encoding) with iconv.
 * cv_text_conv_open returns NULL when the encoding is unknown to iconv.
 */
typedef struct cv_text_conv cv_text_conv;

cv_text_conv *cv_text_conv_open(const char *encoding);
/*
 * len bytes at in, in the converter's encoding, into a new NUL-terminated
 * UTF-8 string *out.  0, or CV_EINVAL with *at the offset of the first byte
 * that does not convert (or that the converted text holds no character for),
 * or CV_ERROR when out of memory.  A UTF-8 byte-order mark is not part of
 * the text: the caller drops it.
 */
int cv_text_conv_run(cv_text_conv *cv, const char *in, size_t len, char **out, size_t *at);
void cv_text_conv_close(cv_text_conv *cv);

/*
 * JSON built with jansson fails closed: json_string() is NULL for text that
 * is not UTF-8 and every set or append can fail.  These record the first
 * failure in *failed (and free val), so that a builder makes all its calls
 * and checks once that nothing was left out.
 */
struct json_t;
void cv_json_set(int *failed, struct json_t *obj, const char *key, struct json_t *val);
void cv_json_push(int *failed, struct json_t *arr, struct json_t *val);

#endif
