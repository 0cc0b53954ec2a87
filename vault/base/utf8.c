/* casevault - UTF-8 text: checking, showing, cutting, converting (see utf8.h). */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/utf8.h"
#include "casevault/common.h"

/*
 * The length of the well-formed UTF-8 character at p (at most n bytes
 * available) and its code point in *cp; 0 when the bytes are not one.
 * Shortest form only, no surrogates, nothing above U+10FFFF (RFC 3629).
 */
static size_t utf8_char(const unsigned char *p, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f, min = 0x80;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int is_control(unsigned long cp, int kind)
{
	if (kind == CV_TEXT_ANY || (kind == CV_TEXT_LINES && (cp == '\t' || cp == '\n' || cp == '\r')))
		return 0;
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

int cv_text_check(const char *s, size_t len, int kind, size_t *at)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;
	unsigned long cp;

	while (i < len) {
		if (!(l = utf8_char(p + i, len - i, &cp))) {
			if (at)
				*at = i;
			return CV_TEXT_NOT_UTF8;
		}
		if (is_control(cp, kind)) {
			if (at)
				*at = i;
			return CV_TEXT_CONTROL;
		}
		i += l;
	}
	return CV_TEXT_OK;
}

int cv_text_check_str(const char *s, int kind, size_t *at)
{
	return s ? cv_text_check(s, strlen(s), kind, at) : CV_TEXT_OK;
}

const char *cv_text_problem(int reason)
{
	if (reason == CV_TEXT_NOT_UTF8)
		return "is not UTF-8";
	if (reason == CV_TEXT_CONTROL)
		return "holds a control character";
	return "is text";
}

char *cv_text_display(const char *s, int kind)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i = 0, o = 0, l;
	unsigned long cp;
	char *out;

	if (!s)
		return NULL;
	n = strlen(s);
	/* each byte becomes at most the three bytes of U+FFFD */
	if (!(out = malloc(3 * n + 1)))
		return NULL;
	while (i < n) {
		l = utf8_char(p + i, n - i, &cp);
		if (l && !is_control(cp, kind)) {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		} else {
			memcpy(out + o, fffd, 3);
			o += 3;
			i += l ? l : 1;
		}
	}
	out[o] = '\0';
	return out;
}

int cv_text_bad_line(const char *buf, size_t len)
{
	size_t at = 0, i;
	int line = 1;

	if (cv_text_check(buf, len, CV_TEXT_ANY, &at) == CV_TEXT_OK)
		return 0;
	for (i = 0; i < at; i++)
		line += buf[i] == '\n';
	return line;
}

size_t cv_text_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = len < max ? len : max;

	if (n == len)
		return n;
	/* back off the continuation bytes of a character the cut would split */
	while (n > 0 && (p[n] & 0xc0) == 0x80)
		n--;
	return n;
}

struct cv_text_conv {
	iconv_t cd;
};

cv_text_conv *cv_text_conv_open(const char *encoding)
{
	cv_text_conv *cv = malloc(sizeof(*cv));

	if (!cv)
		return NULL;
	cv->cd = iconv_open("UTF-8", encoding);
	if (cv->cd == (iconv_t)-1) {
		free(cv);
		return NULL;
	}
	return cv;
}

int cv_text_conv_run(cv_text_conv *cv, const char *in, size_t len, char **out, size_t *at)
{
	/* a byte of any single-byte code page becomes at most 4 UTF-8 bytes */
	size_t cap = 4 * len + 1, inleft = len, outleft = cap - 1;
	char *buf = malloc(cap), *ip = (char *)in, *op = buf;

	*out = NULL;
	if (!buf)
		return CV_ERROR;
	iconv(cv->cd, NULL, NULL, NULL, NULL);
	if (iconv(cv->cd, &ip, &inleft, &op, &outleft) == (size_t)-1) {
		int e = errno;

		free(buf);
		if (e == E2BIG)
			return CV_ERROR;
		if (at)
			*at = (size_t)(ip - in);
		return CV_EINVAL;  /* EILSEQ, or EINVAL: a sequence cut at the end */
	}
	*op = '\0';
	/* a declared encoding of UTF-8 converts nothing: the check is still due */
	if (cv_text_check(buf, (size_t)(op - buf), CV_TEXT_ANY, at) != CV_TEXT_OK) {
		free(buf);
		return CV_EINVAL;
	}
	*out = buf;
	return 0;
}

void cv_text_conv_close(cv_text_conv *cv)
{
	if (cv) {
		iconv_close(cv->cd);
		free(cv);
	}
}

void cv_json_set(int *failed, json_t *obj, const char *key, json_t *val)
{
	/* json_object_set_new frees val when it fails; a NULL val is the failure of its maker */
	if (!val || json_object_set_new(obj, key, val) != 0)
		*failed = 1;
}

void cv_json_push(int *failed, json_t *arr, json_t *val)
{
	if (!val || json_array_append_new(arr, val) != 0)
		*failed = 1;
}
