/*
 * casevault - what every module of the formats layer shares: a one-line
 * reason for a failure, the UTF-8 check (docs/architecture.md, Layers:
 * formats).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "casevault/common.h"
#include "formats/fmt.h"

int cv_fmt_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* 1 when buf is well-formed UTF-8 without NUL bytes (GLib's check, as GMime uses). */
int cv_fmt_utf8_ok(const char *buf, size_t n)
{
	return g_utf8_validate_len(buf, n, NULL) ? 1 : 0;
}

/* A NUL-terminated malloc'd copy of buf[0..n). */
int cv_fmt_copy(const void *buf, size_t n, void **out, size_t *outlen, char *err, size_t errlen)
{
	char *p = malloc(n + 1);

	if (!p)
		return cv_fmt_fail(err, errlen, CV_ERROR, "out of memory");
	if (n)
		memcpy(p, buf, n);
	p[n] = '\0';
	*out = p;
	*outlen = n;
	return 0;
}
